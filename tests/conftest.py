"""Shared fixtures: the real embedding model (loaded once), real Chroma stores in temp folders."""
from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="session")
def embeddings():
    """The reference backend (torch-fp32), not `auto`: auto picks by timing, so the backend would differ from
    host to host, and the answer-quality figures the tests hold are the reference's. (A CI host picked
    torch-bf16 once; one probe's second sentence scored 0.462 instead of 0.463 and fell under the cut.)
    test_backends checks that every other backend retrieves what this one does."""
    from assistant.config import Settings
    from assistant.embed import SentenceEmbeddings

    s = Settings.from_env(env={})
    return SentenceEmbeddings(s.model, "torch-fp32", s.device)


@pytest.fixture(scope="session")
def shared_assistant(tmp_path_factory, embeddings):
    """One assistant over a copy of the real corpus, for tests that only read."""
    from assistant import Assistant

    base = tmp_path_factory.mktemp("shared")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    return Assistant(corpus_dir=corpus, index_dir=base / "index", embeddings=embeddings)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def make_assistant(tmp_path, embeddings):
    """Build a fresh assistant over any corpus folder with its own index in tmp_path."""
    from assistant import Assistant

    def build(corpus: Path, **kwargs):
        kwargs.setdefault("index_dir", tmp_path / "index")
        return Assistant(corpus_dir=corpus, embeddings=embeddings, **kwargs)

    return build


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (pypdf can extract it); built by hand to need no PDF writer."""
    return one_page_pdf(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())


def one_page_pdf(content: bytes, deflate: bool = False) -> bytes:
    """A one-page PDF whose page runs the `content` operators (Flate-compressed when `deflate`)."""
    stream = zlib.compress(content, 9) if deflate else content
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + (b" /Filter /FlateDecode" if deflate else b"")
        + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
