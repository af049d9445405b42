"""The answerer's sentence store: vectors and parses of source sentences kept for the next process, never the
questions, and never in the way when it cannot be used."""
import hashlib
import sqlite3

from assistant.answer import constraints
from assistant.answer.constraints import named, parses_kept_in

QUESTION = "Who welcomed the delegation in San Jose?"
SENTENCE = ("During the visit to San Jose on March 20, Chen and his team were welcomed by San Jose Mayor Matt Mahan "
            "and Director of International Affairs Joseph Hedges.")


def _rows(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT kind, key FROM sentences").fetchall()


def test_a_new_assistant_reads_what_the_last_one_learned(make_assistant, corpus_copy, tmp_path):
    cache = tmp_path / "cache"
    first = make_assistant(corpus_copy, cache_dir=str(cache))
    answer = first.ask(QUESTION)
    assert "Matt Mahan" in answer.text
    store = cache / "sentences.sqlite3"
    rows = _rows(store)
    kinds = {kind.split("|")[0] for kind, _ in rows}
    assert kinds == {"vector", "parse"}
    key = hashlib.sha1(SENTENCE.encode()).hexdigest()
    assert {("vector", key), ("parse", key)} <= {(kind.split("|")[0], k) for kind, k in rows}
    assert hashlib.sha1(QUESTION.encode()).hexdigest() not in {k for _, k in rows}  # questions stay in memory

    # What a later assistant sees comes from the store: change it there and the change shows.
    with sqlite3.connect(store) as db:
        db.execute("UPDATE sentences SET value = ? WHERE kind LIKE 'vector|%' AND key = ?",
                   (bytes(4 * first.embeddings.dimension), key))
        db.execute("UPDATE sentences SET value = ? WHERE kind LIKE 'parse|%' AND key = ?",
                   (b'[[["Nowhere", "GPE"]], ["nowhere"]]', key))
    later = make_assistant(corpus_copy, cache_dir=str(cache))
    assert not later.extractive.vectors([SENTENCE], keep=True).any()
    constraints._PARSES.clear()
    with parses_kept_in(later.extractive.store, [SENTENCE]):
        assert named(SENTENCE) == (("Nowhere", "GPE"),)
    constraints._PARSES.clear()


def test_a_store_that_cannot_be_opened_is_left_alone(make_assistant, corpus_copy, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    answer = make_assistant(corpus_copy, cache_dir=str(blocked)).ask(QUESTION)
    assert not answer.abstained and "Matt Mahan" in answer.text
