"""Documents -> Chunks: sentence-aware windows measured in the embedding model's word pieces."""
from __future__ import annotations

import hashlib
from typing import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .errors import ConfigError
from .types import Chunk, Document

# Bump when chunk boundaries would change for the same settings, so old indexes are rebuilt.
CHUNKING_VERSION = 1
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ": ", ", ", " ", ""]


class Chunker:
    """Splits text at paragraph, then sentence, then clause boundaries until each piece fits.

    Raises:
        ConfigError: chunk_tokens does not fit the model window, or a piece cannot be cut to chunk_tokens.
    """

    def __init__(self, count_tokens: Callable[[str], int], chunk_tokens: int, overlap_tokens: int, window: int):
        if chunk_tokens > window - 2:
            raise ConfigError(f"chunk_tokens={chunk_tokens} does not fit the model window of {window} (2 special tokens); "
                              f"set ASSISTANT_CHUNK_TOKENS to at most {window - 2}")
        self.count_tokens = count_tokens
        self.chunk_tokens = chunk_tokens
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
            separators=SEPARATORS,
            keep_separator="end",
            strip_whitespace=True,
        )

    def split(self, doc: Document) -> list[Chunk]:
        pieces = self.splitter.split_text(doc.text)
        chunks: list[Chunk] = []
        seen: dict[str, int] = {}
        start = 0
        for index, text in enumerate(pieces):
            # Chunks come in document order, so each is found at or after the previous one's start.
            found = doc.text.find(text, start)
            start = found if found >= 0 else doc.text.find(text)
            if self.count_tokens(text) > self.chunk_tokens:
                raise ConfigError(f"{doc.source}: chunk {index} exceeds {self.chunk_tokens} word pieces")
            base = hashlib.sha256(f"{doc.doc_id}\0{text}".encode()).hexdigest()[:32]
            seen[base] = seen.get(base, 0) + 1
            chunk_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
            chunks.append(
                Chunk(
                    id=chunk_id, doc_id=doc.doc_id, text=text, chunk_index=index,
                    start=start, end=start + len(text), title=doc.title, date=doc.date, source=doc.source,
                )
            )
        return chunks
