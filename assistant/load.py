"""Paths -> Documents. A suffix -> loader registry: .md (YAML front matter), .txt, .html/.htm, .pdf."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Callable, Iterator

from .errors import CorpusError, LoadError
from .pdf import PdfLimits, extract_pdf_text
from .types import Document

Loader = Callable[[bytes, Path], tuple[str, dict]]
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{path}: looks binary (NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(f"{path}: not valid UTF-8 text (byte {e.start}); re-save it as UTF-8") from e


def load_text(data: bytes, path: Path) -> tuple[str, dict]:
    return _decode(data, path), {}


def load_markdown(data: bytes, path: Path) -> tuple[str, dict]:
    import yaml

    text = _decode(data, path)
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as e:
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
    """Stable id: the path under its root without suffix, e.g. `news/visit` for corpus/news/visit.md."""
    return shown(file.relative_to(root).with_suffix("").as_posix())


def load_document(file: Path, root: Path, max_bytes: int, pdf_limits: PdfLimits = PdfLimits()) -> Document:
    """Read one file into a Document, or raise LoadError naming the problem (PDFs parse under `pdf_limits`)."""
    name = Path(shown(file))  # messages and the record need text, whatever bytes the file name holds
    loader = LOADERS.get(file.suffix.lower())
    if loader is None:
        raise LoadError(f"{name}: unsupported type {name.suffix or '(none)'}; use one of {', '.join(sorted(LOADERS))}")
    size = file.stat().st_size
    if size > max_bytes:
        raise LoadError(f"{name}: {size / 2**20:.1f} MiB is over the {max_bytes / 2**20:.1f} MiB limit")
    data = file.read_bytes()
    text, meta = load_pdf(data, name, pdf_limits) if loader is load_pdf else loader(data, name)
    if not text.strip():
        raise LoadError(f"{name}: no text found")
    return Document(
        doc_id=doc_id_for(file, root),
        text=text,
        source=str(name),
        title=str(meta.get("title") or name.stem.replace("-", " ").replace("_", " ")),
        date=str(meta.get("date") or ""),
        url=str(meta.get("url") or ""),
        language=str(meta.get("language") or ""),
        content_hash=hashlib.sha256(data).hexdigest(),
    )
