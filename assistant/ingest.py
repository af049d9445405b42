"""load -> chunk -> embed -> record -> Chroma, incremental by content hash, one writer at a time."""
from __future__ import annotations

import sys
import time
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from .chunk import CHUNKING_VERSION, Chunker
from .config import Settings
from .embed import SentenceEmbeddings
from .errors import CorpusError, LoadError
from .index import Index, Record, check_reason, text_hash
from .load import DocumentLimits, discover, load_document, real_path
from .pacing import DocumentProgress, Pace
from .types import Chunk, Document, IngestReport


def chunk_signature(settings: Settings) -> str:
    """The chunking settings an index was built with; a change re-chunks every document."""
    return f"{settings.chunk_tokens}/{settings.chunk_overlap_tokens}"


def unchanged_corpus(settings: Settings, paths: list[Path]) -> IngestReport | None:
    """The report of an ingest with nothing to do, decided from the record alone (no model, no Chroma, no
    probe), or None when there may be work: a new, changed or missing document, another model or chunking, a
    file that fails to load, or an index that must be checked first. Keeps `assistant ingest` on an unchanged
    corpus near the cost of reading the files."""
    started = time.perf_counter()
    if not Record.exists_in(settings.index_dir):
        return None
    record = Record.for_index(settings.index_dir)
    try:
        signature = f"v{CHUNKING_VERSION}:{chunk_signature(settings)}"
        if (record.get_meta("model"), record.get_meta("chunking")) != (settings.model, signature) \
                or check_reason(settings, record):
            return None
        report = IngestReport()
        try:
            docs = load_documents(paths, DocumentLimits.from_settings(settings), report)
        except CorpusError:
            return None
        known = record.document_state()
        if report.errors or set(known) != {d.doc_id for d in docs} or changed_documents(docs, known, signature):
            return None
        report.unchanged = len(docs)
        report.seconds = time.perf_counter() - started
        return report
    finally:
        record.close()


def changed_documents(docs: list[Document], known: dict, signature: str) -> list[Document]:
    """The documents whose text or chunking differs from what the record holds (new ones included)."""
    return [d for d in docs if known.get(d.doc_id, ("", "", ""))[:2] != (d.content_hash, signature)]


def load_documents(paths: list[Path], limits: DocumentLimits, report: IngestReport) -> list[Document]:
    """Every readable document under `paths`; unreadable ones and duplicate ids go to report.errors.

    Raises:
        CorpusError: not one readable document.
    """
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for file, root in discover(paths):
        try:
            doc = load_document(file, root, limits)
        except LoadError as e:
            report.errors.append(str(e))
            continue
        if doc.doc_id in seen:  # e.g. two spellings of one name, equal once normalised
            report.errors.append(f"{doc.source}: has the same id {doc.doc_id!r} as {seen[doc.doc_id]}; rename one")
            continue
        seen[doc.doc_id] = doc.source
        docs.append(doc)
    if not docs:
        where = ", ".join(str(p) for p in paths)
        reasons = "; ".join(report.errors) if report.errors else "no .md, .txt, .html or .pdf files"
        raise CorpusError(f"no readable documents in {where}: {reasons}")
    return docs


class Indexer:
    """Keeps the record and the Chroma collection in step with the documents on disk."""

    def __init__(self, index: Index, embeddings: SentenceEmbeddings, make_chunker: Callable[[], Chunker],
                 chunk_signature: str, limits: DocumentLimits = DocumentLimits(), progress: bool = True,
                 pace: Pace | None = None):
        self.index = index
        self.record = index.record
        self.store = index.store
        self.embeddings = embeddings
        self.make_chunker = make_chunker
        self.signature = f"v{CHUNKING_VERSION}:{chunk_signature}"
        self.limits = limits
        self.progress = progress
        self.pace = pace or Pace()

    @cached_property
    def chunker(self) -> Chunker:
        """Built on first use: it needs the model's tokenizer, which an unchanged corpus never does."""
        return self.make_chunker()

    @property
    def model_key(self) -> str:
        return self.embeddings.model_name

    def ingest(self, paths: list[Path]) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self.record.check_model(self.model_key)
        docs = load_documents(paths, self.limits, report)
        known = self.record.document_state()
        changed = changed_documents(docs, known, self.signature)
        report.unchanged = len(docs) - len(changed)
        if changed:  # the dimension and backend need the model, which an unchanged corpus does not load
            self.record.set_meta({"model": self.model_key, "dimension": str(self.embeddings.dimension),
                                  "backend": self.embeddings.backend, "chunking": self.signature})
        known_sources = {source for _, _, source in known.values()}
        skipped = set()
        show = self.progress and sys.stderr.isatty()
        with tqdm(disable=not show, unit="chunk", desc="embedding") as bar:
            for n, doc in enumerate(changed, 1):  # one document at a time: each is searchable once written
                try:
                    chunks = self.chunks(doc)
                except LoadError as e:  # skipped like an unreadable file: an earlier version stays indexed
                    report.errors.append(str(e))
                    skipped.add(doc.doc_id)
                    self.pace.on_document(DocumentProgress(n, len(changed), doc.doc_id, "skipped", note=str(e)))
                    continue
                vectors = self._vectors(doc, chunks, (n, len(changed)), report, bar)
                self._write(doc, chunks, vectors, report,
                            is_new=doc.doc_id not in known and doc.source not in known_sources)
                self.pace.on_document(DocumentProgress(n, len(changed), doc.doc_id, "indexed", chunks=len(chunks)))
        docs = [d for d in docs if d.doc_id not in skipped]
        self._delete_missing(paths, docs, known, report)
        repaired = self.index.reconcile(self.model_key)
        if len(skipped) < len(changed) or report.chunks_deleted or any(repaired.values()):
            report.readded = self.index.ensure_searchable(self.model_key)
        report.seconds = time.perf_counter() - started
        return report

    def chunks(self, doc: Document) -> list[Chunk]:
        """The document's chunks, or LoadError when there are more than the limit allows."""
        chunks = self.chunker.split(doc)
        if len(chunks) > self.limits.max_chunks:
            raise LoadError(f"{doc.source}: {len(chunks):,} chunks is over the {self.limits.max_chunks:,}-chunk "
                            "limit (ASSISTANT_MAX_DOCUMENT_CHUNKS)")
        return chunks

    def _vectors(self, doc: Document, chunks: list[Chunk], place: tuple[int, int], report: IngestReport,
                 bar: tqdm) -> dict[str, np.ndarray]:
        """text hash -> vector for the document's chunks, embedding only texts the record has not seen, in
        slices the pace sizes (and, in the background, starts only while no question is being answered)."""
        texts = [c.text for c in chunks]
        found = self.record.cached_vectors(texts, self.model_key)
        missing = list(dict.fromkeys(t for t in texts if text_hash(t) not in found))
        missing.sort(key=self.chunker.count_tokens, reverse=True)  # a slice of similar lengths pads little
        done = len(texts) - len(missing)
        tell = lambda: self.pace.on_document(DocumentProgress(*place, doc.doc_id, "embedding", done, len(texts)))
        tell()
        start = 0
        while start < len(missing):
            part = missing[start : start + self.pace.next_slice()]
            began = time.perf_counter()
            found.update({text_hash(t): v for t, v in zip(part, self.embeddings.encode(part))})
            self.pace.took(len(part), time.perf_counter() - began)
            start += len(part)
            done += len(part)
            bar.update(len(part))
            tell()
        report.embedded += len(missing)
        return found

    def _write(self, doc: Document, chunks: list[Chunk], vectors: dict[str, np.ndarray],
               report: IngestReport, is_new: bool) -> None:
        old_ids = self.record.chunk_ids(doc.doc_id)
        matrix = np.stack([vectors[text_hash(c.text)] for c in chunks]) if chunks else np.zeros((0, 1))
        self.record.replace_document(doc, self.signature, chunks, matrix, self.model_key)
        new_ids = {c.id for c in chunks}
        self.store.delete(old_ids - new_ids)
        if chunks:
            self.store.upsert(chunks, matrix)
        report.chunks_added += len(new_ids - old_ids)
        report.chunks_deleted += len(old_ids - new_ids)
        if is_new:
            report.added += 1
        else:
            report.updated += 1

    def _delete_missing(self, paths: list[Path], docs: list[Document], known: dict, report: IngestReport) -> None:
        """Drop recorded documents whose file is gone from a scanned folder (unreadable files are kept), and
        those whose file is now filed under another id (an index from before ids kept the suffix)."""
        folders = [p.resolve() for p in paths if p.is_dir()]
        present = {d.doc_id for d in docs}
        refiled = {d.source for d in docs}
        for doc_id, (_, _, source) in known.items():
            if doc_id in present:
                continue
            src = real_path(source).resolve()
            gone = not src.exists() and any(src.is_relative_to(f) for f in folders)
            if not gone and source not in refiled:
                continue
            ids = self.record.chunk_ids(doc_id)
            self.record.delete_document(doc_id)
            self.store.delete(ids)
            report.deleted += int(gone)
            report.chunks_deleted += len(ids)
