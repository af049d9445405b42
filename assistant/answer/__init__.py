"""The answer step: an AnswerStep (base.py) from {question, standalone, passages, history} to an Answer."""
from .base import AnswerStep, WholeAnswerStep
from .extractive import ABSTAIN_TEXT, ExtractiveAnswerer

__all__ = ["ABSTAIN_TEXT", "AnswerStep", "ExtractiveAnswerer", "WholeAnswerStep"]
