"""The public API is a contract: everything in __all__ exists and nothing public is missing from it."""
import assistant


def test_all_names_exist():
    for name in assistant.__all__:
        assert hasattr(assistant, name), name


def test_public_classes_are_exported():
    public = {n for n in dir(assistant) if not n.startswith("_") and isinstance(getattr(assistant, n), type)}
    assert public <= set(assistant.__all__)
    assert {"Assistant", "Settings", "Answer", "Citation", "Passage", "IngestReport", "AssistantError"} <= public


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        assistant.Nothing
