"""Paths -> Documents. A suffix -> loader registry: .md (YAML front matter), .txt, .html/.htm, .pdf.

Every document is loaded under `DocumentLimits`, which bound what it expands into, not only its file size.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterator

from .errors import CorpusError, LoadError
from .pdf import PdfLimits, extract_pdf_text
from .types import Document

Loader = Callable[[bytes, Path], tuple[str, dict]]
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
MAX_FRONT_MATTER_CHARS = 10_000
MAX_META_CHARS = 1_000  # a title, date, url or language longer than this is not metadata
META_KEYS = ("title", "date", "url", "language")


@dataclass(frozen=True)
class DocumentLimits:
    """What one document may cost: file size, characters of extracted text, chunks, and the PDF parser's limits."""

    max_bytes: int = 20 * 2**20
    max_chars: int = 1_000_000
    max_chunks: int = 2_000
    pdf: PdfLimits = PdfLimits()

    @classmethod
    def from_settings(cls, settings) -> "DocumentLimits":
        limits = settings.limits
        return cls(int(limits.max_file_mb * 2**20), limits.max_document_chars, limits.max_document_chunks,
                   PdfLimits(limits.pdf_timeout_s, limits.pdf_memory_mb))


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{path}: looks binary (NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(f"{path}: not valid UTF-8 text (byte {e.start}); re-save it as UTF-8") from e


def load_text(data: bytes, path: Path) -> tuple[str, dict]:
    return _decode(data, path), {}


@cache
def _no_alias_loader():
    """A YAML SafeLoader that refuses aliases: a few hundred bytes of chained `*alias` expand into gigabytes."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in front matter", mark)
            return super().compose_node(parent, index)

    return NoAliasLoader


def load_markdown(data: bytes, path: Path) -> tuple[str, dict]:
    import yaml

    text = _decode(data, path)
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    if len(match.group(1)) > MAX_FRONT_MATTER_CHARS:
        raise LoadError(f"{path}: front matter of {len(match.group(1)):,} characters is over the "
                        f"{MAX_FRONT_MATTER_CHARS:,}-character limit")
    try:
        meta = yaml.load(match.group(1), Loader=_no_alias_loader()) or {}
    except (yaml.YAMLError, RecursionError) as e:
        raise LoadError(f"{path}: front matter is not valid YAML: {e}") from e
    if not isinstance(meta, dict):
        raise LoadError(f"{path}: front matter must be a YAML mapping")
    return text[match.end():], meta


def load_html(data: bytes, path: Path) -> tuple[str, dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data, path), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg"]):
        tag.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup
    lines = (" ".join(line.split()) for line in main.get_text("\n").splitlines())
    text = "\n\n".join(line for line in lines if line)
    lang = soup.html.get("lang", "") if soup.html else ""
    return text, {"title": title, "language": lang}


def load_pdf(data: bytes, path: Path, limits: PdfLimits = PdfLimits()) -> tuple[str, dict]:
    if not data.startswith(b"%PDF-"):
        raise LoadError(f"{path}: not a PDF (no %PDF- header)")
    return extract_pdf_text(data, path, limits)


LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def shown(path: Path | str) -> str:
    """The path as text that can be printed and stored: bytes of a non-UTF-8 name become `\\xNN`.

    >>> shown(os.fsdecode(b"caf\\xe9.md"))
    'caf\\\\xe9.md'
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def real_path(text: str) -> Path:
    """The file that `shown` printed as `text` (a name that really holds `\\xNN` wins)."""
    if Path(text).exists():
        return Path(text)
    raw = re.sub(rb"\\x([89a-f][0-9a-f])", lambda m: bytes([int(m.group(1), 16)]), text.encode())
    return Path(os.fsdecode(raw))


def discover(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield (file, root) for every supported file under `paths`; a folder is walked recursively."""
    for root in paths:
        if not root.exists():
            raise CorpusError(f"{shown(root)}: no such file or folder")
        if root.is_file():
            yield root, root.parent
            continue
        for file in sorted(root.rglob("*")):
            if file.is_file() and supported(file) and not any(p.startswith(".") for p in file.relative_to(root).parts):
                yield file, root


def doc_id_for(file: Path, root: Path) -> str:
    """Stable id: the path under its root, NFC-normalised, e.g. `news/visit.md` (`visit.txt` is another document)."""
    return unicodedata.normalize("NFC", shown(file.relative_to(root).as_posix()))


def _metadata(meta: dict, name: Path) -> dict[str, str]:
    """Title, date, url and language as short strings; a list, a mapping or an overlong value is refused."""
    out = {}
    for key in META_KEYS:
        value = meta.get(key)
        if isinstance(value, (dict, list, set)):
            raise LoadError(f"{name}: metadata {key!r} must be one value, not a {type(value).__name__}")
        text = "" if value is None else str(value)
        if len(text) > MAX_META_CHARS:
            raise LoadError(f"{name}: metadata {key!r} of {len(text):,} characters is over the "
                            f"{MAX_META_CHARS:,}-character limit")
        out[key] = text
    return out


def load_document(file: Path, root: Path, limits: DocumentLimits = DocumentLimits()) -> Document:
    """Read one file into a Document, or raise LoadError naming the file and the limit or problem."""
    name = Path(shown(file))  # messages and the record need text, whatever bytes the file name holds
    target = file.resolve()
    if not target.is_relative_to(root.resolve()):
        raise LoadError(f"{name}: a link to {shown(target)}, outside {shown(root)}; skipped (copy the file in instead)")
    loader = LOADERS.get(file.suffix.lower())
    if loader is None:
        raise LoadError(f"{name}: unsupported type {name.suffix or '(none)'}; use one of {', '.join(sorted(LOADERS))}")
    size = file.stat().st_size
    if size > limits.max_bytes:
        raise LoadError(f"{name}: {size / 2**20:.1f} MiB is over the {limits.max_bytes / 2**20:.1f} MiB limit "
                        "(ASSISTANT_MAX_FILE_MB)")
    data = file.read_bytes()
    text, meta = load_pdf(data, name, limits.pdf) if loader is load_pdf else loader(data, name)
    if not text.strip():
        raise LoadError(f"{name}: no text found")
    if len(text) > limits.max_chars:
        raise LoadError(f"{name}: {len(text):,} characters of text is over the {limits.max_chars:,}-character "
                        "limit (ASSISTANT_MAX_DOCUMENT_CHARS)")
    meta = _metadata(meta, name)
    return Document(
        doc_id=doc_id_for(file, root),
        text=text,
        source=str(name),
        title=meta["title"] or name.stem.replace("-", " ").replace("_", " "),
        date=meta["date"],
        url=meta["url"],
        language=meta["language"],
        content_hash=hashlib.sha256(data).hexdigest(),
    )
