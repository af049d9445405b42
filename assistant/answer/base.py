"""The answer step's contract, so that the facade and the CLI call it without probing for what it can do."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Protocol, runtime_checkable

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from ..types import Answer


@runtime_checkable
class AnswerStep(Protocol):
    """{question, standalone, history, mode, n, passages, query} -> Answer, as the facade's last chain step.

    `label` names the step in status lines (never a secret).
    """

    label: str

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        """The whole Answer."""

    def stream(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str | Answer]:
        """The draft text as it is written, then the final Answer; a step that writes no draft yields just the Answer."""

    def condense(self, question: str, history: list[dict]) -> str | None:
        """The follow-up rewritten as a standalone question, or None to keep the question stage's own."""


class WholeAnswerStep(Runnable[dict, Answer]):
    """An AnswerStep over a runnable or callable that gives its Answer at once: the extractive answerer, or
    a caller's own step. It writes no draft and leaves follow-ups to the question stage."""

    def __init__(self, step: Runnable | Callable[[dict], Answer], label: str):
        self.step = step if isinstance(step, Runnable) else RunnableLambda(step)
        self.label = label

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self.step.invoke(input, config, **kwargs)

    def condense(self, question: str, history: list[dict]) -> str | None:
        return None


def as_answer_step(step: Runnable | Callable[[dict], Answer], label: str) -> AnswerStep:
    """`step` as is when it already is an AnswerStep, else wrapped as a WholeAnswerStep named `label`."""
    return step if isinstance(step, AnswerStep) else WholeAnswerStep(step, label)
