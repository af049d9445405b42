"""The public API is a contract: everything in __all__ exists and nothing public is missing from it."""
import assistant


def test_all_names_exist():
    for name in assistant.__all__:
        assert hasattr(assistant, name), name


def test_public_classes_are_exported():
    public = {n for n, v in vars(assistant).items() if isinstance(v, type) and not n.startswith("_")}
    assert public <= set(assistant.__all__)
    assert {"Assistant", "Settings", "Answer", "Citation", "Passage", "IngestReport", "AssistantError"} <= public
