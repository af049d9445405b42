"""Source sentences for tests that judge or rewrite one sentence of a passage, without an index."""
from assistant.answer.evidence import Evidence
from assistant.types import Passage


def sentence_of(text: str, words: str, date: str = "2025-11") -> Evidence:
    """The span `words` of `text`, as a sentence of a one-passage document dated `date`."""
    passage = Passage(text=text, doc_id="d", title="T", date=date, source="", chunk_index=0, start=0,
                      end=len(text), score=1.0)
    start = text.index(words)
    return Evidence(passage_rank=0, passage=passage, start=start, end=start + len(words))
