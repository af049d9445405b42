"""One tree of errors, each with a message a user can act on."""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class LoadError(AssistantError):
    """A file could not be read as a document (binary, corrupt, wrong encoding, too large)."""


class CorpusError(AssistantError):
    """The corpus folder is missing or holds no readable documents."""


class QuestionError(AssistantError):
    """A question is empty, too long or otherwise unusable."""


class EmptyQuestionError(QuestionError):
    """The question is empty or only whitespace."""


class StoreError(AssistantError):
    """The index is unusable: built with another model, locked by another writer, or broken."""


class IndexLockedError(StoreError):
    """Another process is writing this index."""


class ModelMismatchError(StoreError):
    """The index was built with a different embedding model than the one configured."""
