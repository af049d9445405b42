"""The sparse BM25 gives rank_bm25's scores and ranking, so swapping it in changes no retrieval result."""
import numpy as np
from rank_bm25 import BM25Okapi

from assistant.bm25 import SparseBM25, top
from assistant.text import terms


def test_sparse_scores_equal_rank_bm25():
    docs = ["The port of Kaohsiung ships steel and steel products.", "Sister cities exchange students.",
            "Kaohsiung signed a sister city agreement.", "Install a package with apt; apt resolves dependencies.",
            "The port of Kaohsiung ships steel and steel products.", "Nothing relevant here at all."]
    bm25 = BM25Okapi([terms(d) or ["\0"] for d in docs])
    sparse = SparseBM25(bm25)
    for query in (["kaohsiung", "steel"], ["sister", "sister", "citi"], ["apt", "unknownterm"], ["unknownterm"], []):
        expected = bm25.get_scores(query)
        assert np.allclose(sparse.scores(query), expected, rtol=1e-12, atol=1e-12)
        order = [i for i in sorted(range(len(docs)), key=lambda i: -expected[i]) if expected[i] > 0]
        assert top(sparse.scores(query), 10) == order
    assert top(sparse.scores(["kaohsiung", "steel"]), 1) == [0], "equal scores keep document order"
