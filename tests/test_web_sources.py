"""The sources panel's HTML: one card per passage, only http(s) links, document text escaped."""
from assistant.types import Answer, Citation, Passage
from assistant.web_sources import safe_link, sources_panel

TEXT = "Kaohsiung signed a pact in 2013. It covers ports. Gdynia joined in October 2025."


def answer(*quotes: str, doc_id: str = "a.md", title: str = "Ports", date: str = "") -> dict:
    passage = Passage(TEXT, doc_id, title, date, doc_id, 0, 0, len(TEXT), 1.0)
    given = Answer("…", [Citation(n, passage, q) for n, q in enumerate(quotes, 1)], question="Which pact?").to_dict()
    return {**given, "id": "x"}


def test_two_quotes_from_one_passage_make_one_card_with_both_marked():
    html = sources_panel([answer("It covers ports.", "Gdynia joined in October 2025.")])
    assert html.count('class="source-card"') == 1 and html.count('class="passage"') == 1
    assert html.count("<mark>") == 4  # each quote in its sentence, and both in the passage
    assert 'id="cite-0-1"' in html and 'id="cite-0-2"' in html and "date unknown" in html


def test_only_absolute_http_links_are_shown_and_text_is_escaped():
    assert [safe_link(u) for u in ("https://e.org/a", "http://e.org", "javascript:alert(1)", "data:text/html,x",
                                   "/etc/passwd", "//e.org")] == ["https://e.org/a", "http://e.org", "", "", "", ""]
    evil = answer("It covers ports.", title='<img src=x onerror="alert(1)">')
    html = sources_panel([evil], {"a.md": 'https://e.org/"><script>'})
    assert "<img" not in html and "<script>" not in html and 'href="https://e.org/&quot;&gt;&lt;script&gt;"' in html


def test_every_answer_keeps_its_section_latest_first_and_open_errors_have_none():
    error = {"text": "⚠ busy", "abstained": True, "corrected": False, "citations": []}
    html = sources_panel([answer("It covers ports."), error, answer("Gdynia joined in October 2025.")])
    assert html.index('data-turn="2" open') < html.index('data-turn="0"') and 'data-turn="1"' not in html
    assert 'data-turn="0">' in html  # earlier answers collapsed
