"""Cited question answering over Kaohsiung city-diplomacy documents.

>>> from assistant import Assistant
>>> Assistant().ask("How many sister cities does Kaohsiung have?").citations[0].quote

`Assistant` (and with it LangChain, Chroma and torch) is imported on first use, so light entry points such
as the CLI's lock check start quickly.
"""
from .config import Settings
from .errors import (
    AssistantError, ConfigError, CorpusError, EmptyQuestionError, IndexLockedError, LoadError, ModelMismatchError,
    QuestionError, StoreError,
)
from .types import Answer, Citation, Document, IngestReport, Passage

__all__ = [
    "Answer", "Assistant", "AssistantError", "Citation", "ConfigError", "CorpusError", "Document",
    "EmptyQuestionError", "IndexLockedError", "IngestReport", "LoadError", "ModelMismatchError", "Passage",
    "QuestionError", "Settings", "StoreError",
]


def __getattr__(name: str):
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Assistant"})
