"""Named prompt templates read from the prompts/ folder; no prompt text lives anywhere else in the code."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from .errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
NAMES = ("system", "answer_with_context", "condense_follow_up", "talking_points")


@lru_cache(maxsize=None)
def load(name: str, directory: Path = PROMPTS_DIR) -> str:
    """The text of prompts/<name>.txt.

    Raises:
        ConfigError: no such prompt file.
    """
    path = Path(directory) / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ConfigError(f"prompt {name!r} is missing: cannot read {path}") from e


def chat_prompt(name: str, with_system: bool = True) -> ChatPromptTemplate:
    """The system prompt (unless left out) followed by the named template as the user's message.

    >>> chat_prompt("answer_with_context").input_variables
    ['abstain', 'context', 'conversation', 'question']
    """
    messages = [("system", load("system"))] if with_system else []
    return ChatPromptTemplate.from_messages(messages + [("human", load(name))])
