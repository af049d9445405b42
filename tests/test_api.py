"""The library contract: retrieve / ask / stream / talking_points on a real index of the real corpus."""
from assistant import Answer, Citation, Passage


def test_retrieve_returns_ranked_passages_with_metadata(shared_assistant):
    passages = shared_assistant.retrieve("How many sister cities does Kaohsiung have?", k=5)
    assert len(passages) == 5
    assert all(isinstance(p, Passage) for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    top = passages[0]
    assert "45 sister-city partnerships" in top.text
    assert top.doc_id == "beyond-taipei-city-diplomacy.md"
    assert top.title.startswith("Beyond Taipei")
    assert top.end - top.start == len(top.text)
    assert top.source.endswith("beyond-taipei-city-diplomacy.md")


def test_passage_offsets_point_into_the_document(shared_assistant):
    from assistant.load import load_document
    from pathlib import Path

    for p in shared_assistant.retrieve("Gdynia shipbuilding port", k=3):
        doc = load_document(Path(p.source), Path(p.source).parent)
        assert doc.text[p.start : p.end] == p.text


def test_ask_cites_exact_quotes_from_retrieved_passages(shared_assistant):
    q = "Who welcomed Chen Chi-mai's delegation at San Jose City Hall?"
    answer = shared_assistant.ask(q)
    assert isinstance(answer, Answer) and not answer.abstained
    assert "Matt Mahan" in answer.text
    retrieved = shared_assistant.retrieve(q)
    assert answer.citations
    for c in answer.citations:
        assert isinstance(c, Citation)
        assert c.quote in c.passage.text
        assert f"[{c.n}]" in answer.text
        assert c.passage in retrieved


def test_ask_and_retrieve_share_retrieval_with_history(shared_assistant):
    history = [{"role": "user", "content": "Tell me about Kaohsiung's partnership with Gdynia."},
               {"role": "assistant", "content": "Gdynia is a port city in Poland."}]
    q = "When was the agreement signed?"
    answer = shared_assistant.ask(q, history=history)
    assert "October 2025" in answer.text
    retrieved = shared_assistant.retrieve(q, history=history)
    assert all(c.passage in retrieved for c in answer.citations)


def test_stream_yields_text_then_the_answer(shared_assistant):
    items = list(shared_assistant.stream("When did the Pier 2 Artist in Residence program begin?"))
    assert isinstance(items[-1], Answer)
    assert all(isinstance(i, str) for i in items[:-1]) and len(items) > 2
    assert "".join(items[:-1]) == items[-1].text


def test_abstains_when_documents_do_not_say(shared_assistant):
    answer = shared_assistant.ask("What is the annual budget of Kaohsiung's Department of Administrative and International Affairs?")
    assert answer.abstained
    assert answer.citations == []
    assert "do not" in answer.text


def test_talking_points_are_distinct_and_cited(shared_assistant):
    answer = shared_assistant.talking_points("Kaohsiung's educational exchanges with sister cities", n=3)
    assert not answer.abstained
    assert len(answer.citations) == 3
    quotes = [c.quote for c in answer.citations]
    assert len(set(quotes)) == 3
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_status_reports_index(shared_assistant):
    status = shared_assistant.status()
    assert status["documents"] == 2 and status["chunks"] > 10
    assert "MiniLM" in status["model"]


def test_answer_steps_share_one_protocol(shared_assistant):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.answer import AnswerStep
    from assistant.answer.generative import GenerativeAnswerer

    extractive = shared_assistant.answer_step
    assert isinstance(extractive, AnswerStep)
    assert isinstance(GenerativeAnswerer(FakeListChatModel(responses=["x"]), extractive), AnswerStep)
    assert extractive.label == shared_assistant.settings.answerer == shared_assistant.status()["answerer"]
    assert extractive.condense("When?", [{"role": "user", "content": "Gdynia?"}]) is None


def test_stream_without_typing_out_gives_only_a_real_draft(shared_assistant):
    question = "When did the Pier 2 Artist in Residence program begin?"
    items = list(shared_assistant.stream(question, type_out=False))
    assert len(items) == 1 and items[0].text == shared_assistant.ask(question).text


def test_warm_up_answers_and_drafts_then_throws_both_away(shared_assistant):
    """What serve() runs before the port opens: it returns how long it took and leaves no trace in the index."""
    before = shared_assistant.documents()
    seconds = shared_assistant.warm_up("How many sister cities does Kaohsiung have?", "sister-city exchanges")
    assert 0 < seconds < 120 and shared_assistant.documents() == before
