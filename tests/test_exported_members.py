"""The public API is a contract: `__all__` is exactly the public names, and names are only ever added."""
import types

import pytest

import assistant

# Removing or renaming one of these breaks callers; adding one means adding it here too.
CONTRACT = {
    "Answer", "Assistant", "AssistantError", "Citation", "ConfigError", "CorpusError", "Document",
    "EmptyQuestionError", "IndexLockedError", "IngestReport", "LoadError", "ModelMismatchError", "Passage",
    "QuestionError", "Settings", "StoreError",
}


def test_all_is_exactly_the_public_names():
    """As httpx's test: every public name, the lazy `Assistant` included, is in __all__, sorted, and nothing else."""
    public = [name for name in dir(assistant)
              if not name.startswith("_") and not isinstance(getattr(assistant, name), types.ModuleType)]
    assert assistant.__all__ == sorted(public)


def test_all_keeps_the_contract():
    assert set(assistant.__all__) == CONTRACT


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        assistant.Nothing
