"""A fixed, varied sample for the quality guard: short queries and passages of up to ~250 word pieces,
in the corpus's domain and beyond it, so a backend that bends vectors on long or odd input is caught."""

_QUERIES = (
    "How many sister cities does Kaohsiung have?",
    "Who led the delegation to Silicon Valley?",
    "port city smart manufacturing semiconductors",
    "What did the mayor sign in 2024, and with whom?",
    "高雄市的姊妹市有哪些？",
    "How do I configure a static IP address on Debian?",
    "apt-get install fails with unmet dependencies",
    "budget 2.7 million population growth 2025",
)

_SENTENCES = (
    "City diplomacy lets municipal governments build ties with foreign cities, firms and universities.",
    "The delegation met chip designers, cloud providers and venture investors over three days.",
    "Kaohsiung grew as Taiwan's largest harbour and a base for steel, petrochemicals and shipbuilding.",
    "A memorandum of understanding commits both sides to exchanges of students, officials and start-ups.",
    "The council approved a budget of NT$1.2 billion for the light rail extension and new bus lanes.",
    "Partnerships with sister cities often begin with sports events, trade fairs and cultural festivals.",
    "The package manager resolves dependencies, downloads archives and configures them in order.",
    "Edit /etc/network/interfaces, then restart the networking service to apply the new address.",
    "Logs are rotated weekly; compressed archives older than four weeks are deleted automatically.",
    "Researchers at the university presented a prototype for monitoring air quality near the port.",
    "Offshore wind suppliers opened offices in the city to serve farms in the Taiwan Strait.",
    "The mayor said the visit aimed to attract investment in artificial intelligence and data centres.",
    "Firewall rules drop incoming packets unless they belong to an established connection.",
    "The exhibition drew 40,000 visitors, a record for an event held in the southern port city.",
    "Backups should be tested by restoring them, not only by checking that the archive exists.",
    "Officials stressed that subnational ties avoid the question of formal diplomatic recognition.",
)


def timing_sample(n: int = 64) -> list[str]:
    """n handbook-like passages of 9 to 12 sentences (about 1,000 characters, 200 word pieces), the length of a
    real chunk: speed measured on short texts favours backends with small fixed costs (issue 15)."""
    return [" ".join(_SENTENCES[(i * 5 + j) % len(_SENTENCES)] for j in range(9 + i % 4)) for i in range(n)]


def sample() -> list[str]:
    """24 texts: the queries, then passages built from 2 to 12 sentences each."""
    passages = []
    for i, n in enumerate((2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 6, 4, 9, 3)):
        passages.append(" ".join(_SENTENCES[(i + j) % len(_SENTENCES)] for j in range(n)))
    return list(_QUERIES) + passages
