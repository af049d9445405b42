"""Token-length bucketing: tokenise once, sort by length, pad each batch only to its own longest text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np


@dataclass(frozen=True)
class Batch:
    """Rows `index` of the caller's texts as padded int64 `ids` and `mask` arrays."""

    index: np.ndarray
    ids: np.ndarray
    mask: np.ndarray


def bare_tokenizer(model_path: str):
    """The model's own tokenizer.json run by `tokenizers` alone, without padding (None when the model is not a
    local folder): the ids of the Hugging Face fast tokenizer, without importing transformers or torch."""
    file = Path(model_path) / "tokenizer.json"
    if not file.is_file():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(file))
    tokenizer.no_padding()
    return tokenizer


def tokenize(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Word-piece ids with special tokens, truncated to the model window (the fast tokenizer, in one call)."""
    if hasattr(tokenizer, "encode_batch"):  # a bare `tokenizers.Tokenizer`
        tokenizer.enable_truncation(max_length)
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=True)]
    return tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_length,
                     return_attention_mask=False, return_token_type_ids=False)["input_ids"]


def token_batches(ids: list[list[int]], max_items: int, max_tokens: int) -> Iterator[Batch]:
    """Batches of similar length, longest first; a batch holds at most `max_items` rows and
    `max_tokens` padded tokens, so short texts travel in larger batches than long ones."""
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    order = np.argsort(-lengths, kind="stable")
    start = 0
    while start < len(order):
        width = int(lengths[order[start]])
        size = max(1, min(max_items, max_tokens // max(width, 1)))
        index = order[start : start + size]
        yield pad([ids[i] for i in index], index)
        start += size


def pad(rows: list[list[int]], index: np.ndarray) -> Batch:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    return Batch(index=index, ids=ids, mask=mask)
