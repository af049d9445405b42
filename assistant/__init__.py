"""Cited question answering over Kaohsiung city-diplomacy documents.

>>> from assistant import Assistant
>>> Assistant().ask("How many sister cities does Kaohsiung have?").citations[0].quote
"""
from .assistant import Assistant
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
