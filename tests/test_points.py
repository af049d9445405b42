"""Talking points a staff member can paste: bracketed context, no footnotes, an audience that changes the draft."""
import re
from pathlib import Path

from assistant.answer.evidence import Evidence
from assistant.answer.extractive import requested_count
from assistant.answer.points import audience_emphasis, decontextualise, is_point, states_a_fact
from assistant.question import points_audience, points_topic, understand
from assistant.types import Passage
from passages import sentence_of

TEXT = ("Chang Yen-ching is the director-general of the department. She discloses that schools sign agreements. "
        "This July, the Head of the office met the mayor. Last year, the company invested in a fab.")


def sentence(text: str, date: str = "2025-11") -> Evidence:
    return sentence_of(TEXT, text, date)


def test_relative_times_are_resolved_from_the_document_date_in_brackets():
    assert decontextualise(sentence("This July, the Head of the office met the mayor.")) == \
        "[In July 2025], the Head of the office met the mayor."
    assert decontextualise(sentence("Last year, the company invested in a fab.")) == \
        "[In 2024], the company invested in a fab."
    undated = sentence("This July, the Head of the office met the mayor.", date="")
    assert decontextualise(undated) == undated.text


def test_an_opening_pronoun_takes_the_name_the_passage_gave():
    assert decontextualise(sentence("She discloses that schools sign agreements.")) == \
        "[Chang Yen-ching] discloses that schools sign agreements."


def test_an_opening_kind_of_thing_takes_the_name_the_passage_gave():
    text = ("For example, the 2025 Sunshine Island Vibe Fest gathered 140 thousand visitors at the Central Park. "
            "The event featured immigrant communities. The Pier 2 Artist in Residence (PAIR) program began in 2015. "
            "The program hosts artists. The event drew crowds.")

    def point(words: str) -> str:
        return decontextualise(sentence_of(text, words))

    assert point("The event featured immigrant communities.") == \
        "[The 2025 Sunshine Island Vibe Fest] featured immigrant communities."
    assert point("The program hosts artists.") == "[The Pier 2 Artist in Residence (PAIR) program] hosts artists."
    # The last event named before it, however far back in the passage.
    assert point("The event drew crowds.") == "[The 2025 Sunshine Island Vibe Fest] drew crowds."


def test_footnotes_and_captions_are_not_points():
    for text in ("Author’s interview with the Director-General, Chang Yen-ching, November 16, 2025.",
                 "Image: A map of Kaohsiung’s city-to-city partnerships and friends."):
        p = Passage(text=text, doc_id="d", title="T", date="", source="", chunk_index=0, start=0, end=len(text), score=1)
        assert not is_point(Evidence(passage_rank=0, passage=p, start=0, end=len(text)))
    assert is_point(sentence("She discloses that schools sign agreements."))


def test_the_audience_is_read_from_its_words():
    assert audience_emphasis("press") == "figures" and audience_emphasis("foreign delegation") == "partners"
    assert audience_emphasis("general public") == "short" and audience_emphasis(None) == ""


def test_a_drafting_request_is_understood_by_its_topic_not_its_frame_or_audience():
    assert points_topic("Draft three talking points for the mayor on Kaohsiung's role in city networks.") == \
        "Kaohsiung's role in city networks"
    assert points_topic("I'm drafting remarks for a foreign press briefing. Give me three talking points on how "
                        "Kaohsiung uses culture in its outreach.") == "how Kaohsiung uses culture in its outreach"
    assert points_topic("Draft three talking points on Kaohsiung's cultural diplomacy for a city council briefing.") \
        == "Kaohsiung's cultural diplomacy"
    assert points_topic("Kaohsiung Gdynia talking points") == "Kaohsiung Gdynia"
    # "with Europe" belongs to the topic, not to the audience that follows it
    assert points_topic("Draft three talking points on Kaohsiung's semiconductor ties with Europe for a briefing to a "
                        "German trade delegation.") == "Kaohsiung's semiconductor ties with Europe"
    assert points_topic("the Kaohsiung–Gdynia partnership") == "the Kaohsiung–Gdynia partnership"
    # "of" inside the audience ("a member of the Scottish Parliament") does not start the topic; "on" does
    assert points_topic("Draft three talking points for a visiting member of the Scottish Parliament on where "
                        "Kaohsiung's relationship with Edinburgh stands today.") == \
        "where Kaohsiung's relationship with Edinburgh stands today"
    assert points_topic("Give me an outline of the key points of Kaohsiung's Smart City Expo.") == \
        "Kaohsiung's Smart City Expo"
    assert points_audience("Three talking points on Dresden for a city council briefing.") == "a city council"
    assert points_audience("Three talking points on Dresden.") == ""


def test_a_drafting_request_is_recognised_in_its_other_wordings():
    """Key messages, bullets and "in three points" are drafting requests too; a question is not."""
    assert points_topic("Help me write key messages about Kaohsiung's port ties with Poland.") == \
        "Kaohsiung's port ties with Poland"
    assert points_topic("Summarise in three points what the mayor's US trip achieved.") == \
        "what the mayor's US trip achieved"
    assert points_topic("Give me bullets on the Smart City Expo") == "the Smart City Expo"
    for request in ("Help me write key messages about Kaohsiung's port ties with Poland.",
                    "Summarise in three points what the mayor's US trip achieved.", "Outline a speech on Dresden."):
        assert understand(request).mode == "points", request
    assert understand("Who wrote the statement on Dresden?").mode != "points"
    # A brief or points asked for, not drafted; a statement asked about is no request
    for request in ("I run a school abroad. Give me a short brief on how Kaohsiung twins its schools.",
                    "Hotel staff need a few points on the city's concert economy for a briefing."):
        assert understand(request).mode == "points", request
    assert understand("Give me the statement Mahan made.").mode != "points"


def test_a_topic_that_names_no_partner_takes_the_names_around_the_request():
    request = ("I'm briefing a Gdynia city councillor before a visit. Give me three talking points on why the "
               "partnership makes sense.")
    assert any("Gdynia" in e for e in understand(request).entities)
    # a relationship whose partner the topic leaves out is the audience's
    request = "Draft three talking points for Dresden city councillors on deepening the partnership with Kaohsiung."
    assert any("Dresden" in e for e in understand(request).entities)
    # the request's own frame names no topic: "an ocean-policy NGO newsletter" is who reads it
    assert understand("Draft talking points for an NGO newsletter on Kaohsiung's marine credentials.").entities == (
        "Kaohsiung",)


def test_a_point_states_a_fact_beyond_the_home_city():
    assert states_a_fact("In 2023 Deputy Mayor Bartosz Bartoszewicz visited Kaohsiung.")
    assert not states_a_fact("Cultural diplomacy is another linchpin of Kaohsiung’s international outreach.")
    assert not states_a_fact("The Kaohsiung City government also expands its international engagement.")
    # a figure or a year is a fact, not the home city: these two were discounted as if they said nothing
    assert states_a_fact("To this point, Kaohsiung has created 220 sister-school ties.")
    assert states_a_fact("Kaohsiung hosted the forum in 2021.")
    # the topic's own names are no case of it: on Beijing's interference, Beijing (or the PRC) is the claim's subject
    assert not states_a_fact("Despite interference by Beijing, the city's ties thrive.", ["Beijing"])
    assert not states_a_fact("The PRC leverages all kinds of influence.", ["Beijing"])
    assert states_a_fact("Edinburgh postponed its partnership under PRC pressure.", ["Beijing"])


def test_the_audience_named_in_the_request_arranges_the_points(shared_assistant):
    query = shared_assistant.understand("Draft three talking points on Kaohsiung's sister cities for a city council "
                                        "briefing.")
    assert query.mode == "points" and query.topic == "Kaohsiung's sister cities"
    assert query.audience == "a city council" and audience_emphasis(query.audience) == "figures"
    assert "council" not in query.predicate and "briefing" not in query.predicate


def test_points_quote_verbatim_and_the_audience_changes_the_draft(shared_assistant):
    default = shared_assistant.talking_points("cooperation with European cities", n=4)
    delegation = shared_assistant.talking_points("cooperation with European cities", n=4, audience="foreign delegation")
    assert not default.abstained and len(default.citations) == 4
    for answer in (default, delegation):
        for c, line in zip(answer.citations, answer.text.splitlines()):
            assert c.quote in c.passage.text
            # outside the brackets, every word of the point is the source's own
            assert re.sub(r"\[[^\]]*\]", "", line[2:]).strip().rsplit(" ", 1)[0].strip() in c.quote
    assert [c.quote for c in delegation.citations] != [c.quote for c in default.citations]
    assert "delegation" in " ".join(delegation.notes)


def test_points_on_a_named_partnership_come_from_sentences_about_it(shared_assistant):
    points = shared_assistant.ask("Prepare three talking points on the Kaohsiung–Gdynia partnership.")
    assert not points.abstained and len(points.citations) == 3
    assert sum("Gdynia" in c.passage.text for c in points.citations) >= 2
    # the city's sister-city count shares the words "Kaohsiung" and "partnership" but is no point on Gdynia
    assert not any("45 sister-city" in c.quote for c in points.citations)


def test_points_on_a_named_partner_take_the_facts_its_paragraph_gives_after_naming_it(shared_assistant):
    """"the Kaohsiung–Gdynia relationship" shares a word with sentences on other "relationships" only; the paragraph
    that introduces Gdynia goes on about "both cities" and "two sides" without naming it again."""
    points = shared_assistant.ask("5 talking points for a welcome dinner with a Polish delegation about the "
                                  "Kaohsiung–Gdynia relationship.")
    assert not points.abstained and len(points.citations) == 5
    assert any("October 2025" in c.quote and "both cities" in c.quote for c in points.citations), points.text


def test_points_on_a_relationship_are_about_the_audiences_city(shared_assistant):
    """"for San Jose council members on taking the relationship with Kaohsiung further": the points are on San Jose,
    not on Gdynia's 2023 visit or the sister-city count."""
    points = shared_assistant.ask("Prepare three talking points for San Jose council members on taking the "
                                  "relationship with Kaohsiung further.")
    assert not points.abstained and len(points.citations) == 3
    assert any("Smart City Expo" in c.quote for c in points.citations), points.text
    assert sum(c.passage.doc_id == "kaohsiung-silicon-valley-visit.md" for c in points.citations) >= 2, points.text


def test_points_on_a_partner_the_documents_never_name_are_refused(shared_assistant):
    points = shared_assistant.ask("Prepare three talking points on the Kaohsiung–Munich partnership.")
    assert points.abstained and not points.citations


def test_points_on_a_topic_come_from_the_section_its_statement_opens(shared_assistant):
    # "Cultural diplomacy is another linchpin ..." opens the part of the article on it; its examples (the Vibe Fest)
    # share none of the topic's words, while sentences on the city's diplomacy in general share "diplomacy"
    points = shared_assistant.ask("Draft three talking points on Kaohsiung's cultural diplomacy.")
    assert not points.abstained and len(points.citations) == 3
    body = (Path(shared_assistant.settings.corpus_dir) / "beyond-taipei-city-diplomacy.md").read_text(encoding="utf-8")
    section = body[body.index("through Cultural Engagement") : body.index("Political Pressure from the PRC")]
    assert all(c.quote in section for c in points.citations), [c.quote for c in points.citations]


def test_a_number_counts_the_points_only_when_it_says_how_many_points():
    assert requested_count("Draft four short, quotable talking points on the Expo", 5) == 4
    assert requested_count("Prepare talking points for a letter after the March 20 visit", 5) == 5


def test_each_point_brings_a_case_the_points_before_it_did_not(shared_assistant):
    """Two incidents of interference are told: three points give both, not the one incident three times."""
    answer = shared_assistant.talking_points("Beijing's interference in Kaohsiung's sister-city partnerships", n=3)
    assert re.search(r"Edinburgh|Scotland", answer.text) and re.search(r"Mal[eé]|Maldiv", answer.text)


def test_a_sentence_carrying_on_from_a_point_is_a_point_too(shared_assistant):
    """"Chen ... invited San Jose to the Expo. He also highlighted the possibility of establishing a formal sister-city
    relationship.": the second sentence shares no word of the topic, yet says more of what the first said."""
    answer = shared_assistant.talking_points("Chen Chi-mai's stop at San Jose City Hall", n=5)
    assert "[Chen] also highlighted the possibility of establishing a formal sister-city relationship" in answer.text


def test_the_items_of_a_counted_out_list_are_points_on_what_it_leads(shared_assistant):
    """"... illustrates the significance of multilateral mechanisms. First, ... Second, this participation reflects the
    international community's growing recognition ...": the items name neither network, yet are what it gains, and
    each is a point of its own (not one general claim repeated)."""
    answer = shared_assistant.talking_points("what Kaohsiung gains from joining multilateral networks like IURC and GCTF",
                                             n=3)
    assert "First, these platforms" in answer.text and "Second, this participation" in answer.text


def test_a_point_ending_a_quotation_quotes_it_from_its_speaker(shared_assistant):
    """"We are telling the world what ‘Kaohsiung experience’ means ...”" closes a quotation opened a sentence before:
    the point takes that sentence in, so it says who is quoted."""
    answer = shared_assistant.talking_points("what the Kaohsiung experience offers the world", n=3)
    closing = [c.quote for c in answer.citations if "We are telling the world" in c.quote]
    assert closing and all("Director-General Chang Yen-ching said, “We want" in q for q in closing)
    assert all(c.quote in c.passage.text for c in answer.citations)


def test_a_paragraph_on_the_topic_carries_on_across_chunks(shared_assistant):
    """The IURC paragraph runs from the July invitation to the Barcelona event over two chunks: its later facts are
    points on Kaohsiung's first months in the network though they name no IURC of their own."""
    answer = shared_assistant.talking_points("Kaohsiung's first months in the IURC", n=3)
    assert "Barcelona" in answer.text or "130 cities" in answer.text


def test_a_paragraph_naming_the_partner_again_keeps_its_story(shared_assistant):
    """"One such incident dates back to 2013, when Kaohsiung and Male ... A day after the pact was inked, the
    Maldivian Ministry ... declared that the agreement was invalid": the sentence naming the partner again is the
    story's next step, not a point on its own merit only."""
    answer = shared_assistant.talking_points("what the Maldives episode shows about Beijing's reach", n=3)
    assert "A day after the pact was inked" in answer.text



def test_a_point_is_read_with_its_own_paragraph_not_the_next(shared_assistant):
    """"... Kaohsiung also served as a naval base for the U.S. military" ends the paragraph before the one on TSMC's
    chip base: on Kaohsiung as a semiconductor hub it is no point, though the next paragraph's words surround it in
    the chunk."""
    answer = shared_assistant.talking_points("Kaohsiung as a semiconductor hub", n=3)
    assert "TSMC" in answer.text and "naval base" not in answer.text


def test_points_on_why_something_is_wanted_are_not_refused_for_giving_no_reason(shared_assistant):
    """The documents cover school exchanges, though few of their sentences say why: whether a topic is covered is read
    from its words, not from the reasons the sentences give."""
    points = shared_assistant.ask("Write talking points for a meeting of parents on why the city wants families to "
                                  "support its school exchanges abroad for years to come.")
    assert not points.abstained and any("sister-school" in c.quote for c in points.citations), points.text


def test_points_on_why_two_cities_suit_each_other_are_not_refused(shared_assistant):
    """Read as a description, "why Gdynia and Kaohsiung make natural partners" shares few words with the documents;
    read as asked, the reason they give covers it: either reading covering the topic is enough."""
    points = shared_assistant.ask("Draft talking points for a Polish business delegation on why Gdynia and Kaohsiung "
                                  "make natural partners.")
    assert not points.abstained and "shipbuilding" in points.text


def test_a_quotation_opened_in_a_point_runs_to_its_speaker(shared_assistant):
    """"“Politicians will step down ... long-lasting." names nothing specific, but it is an official's words: the
    point runs on to "..., said Director-General Chang" and is not repeated as a point of its own."""
    answer = shared_assistant.ask("Write talking points for parents on why the city wants families to back "
                                  "international school exchanges over the long term.")
    quoted = [c.quote for c in answer.citations if "Politicians will step down" in c.quote]
    assert quoted and quoted[0].endswith("said Director-General Chang.")
    assert sum("Once routine communication" in c.quote for c in answer.citations) == 1


def test_a_request_sentence_does_not_end_at_an_abbreviation():
    topic = points_topic("Draft talking points for a visiting U.S. trade delegation on Kaohsiung's port.")
    assert topic == "Kaohsiung's port"
