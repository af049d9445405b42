"""The answer step: a LangChain runnable from {question, standalone, passages, history} to an Answer."""
from .extractive import ABSTAIN_TEXT, ExtractiveAnswerer

__all__ = ["ABSTAIN_TEXT", "ExtractiveAnswerer"]
