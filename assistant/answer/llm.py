"""Answerer specs -> LangChain chat models: extractive | ollama:<model> | openai-compatible[:<model>] | hf:<path>.

Integrations are imported only when chosen and fail with an install hint. The API key (settings.llm.api_key:
ASSISTANT_LLM_API_KEY, else OPENAI_API_KEY) is kept out of Settings' repr and handed to the client as a secret
(local servers ignore it, but the OpenAI client insists on one): it never enters prompts, notes or status.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from ..config import Settings
from ..errors import ConfigError
from .local_chat import INSTALL_HINT, TransformersChat, model_files

SPECS = "extractive, ollama:<model>, openai-compatible[:<model>] (with ASSISTANT_LLM_BASE_URL), hf:<local path>"


def parse_spec(spec: str) -> tuple[str, str]:
    """('extractive'|'ollama'|'openai-compatible'|'hf', argument), checked.

    >>> parse_spec("ollama:llama3.2")
    ('ollama', 'llama3.2')
    """
    kind, _, arg = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in {"extractive", "ollama", "openai-compatible", "hf"}:
        raise ConfigError(f"unknown answerer {spec!r}; use one of: {SPECS}")
    if kind in {"ollama", "hf"} and not arg.strip():
        raise ConfigError(f"answerer {spec!r} needs {'a model name' if kind == 'ollama' else 'a local path'} "
                          f"after '{kind}:'")
    return kind, arg.strip()


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model that settings.answerer names (not 'extractive').

    Raises:
        ConfigError: a bad spec, a missing setting, or the integration package is not installed.
    """
    kind, arg = parse_spec(settings.answerer)
    if kind == "ollama":
        chat_ollama = _integration("langchain_ollama", "ChatOllama")
        return chat_ollama(model=arg, base_url=settings.llm.base_url or None, temperature=0,
                           num_predict=settings.llm.max_tokens, client_kwargs={"timeout": settings.llm.timeout})
    if kind == "openai-compatible":
        model = arg or settings.llm.model
        if not model:
            raise ConfigError("answerer openai-compatible needs a model: set ASSISTANT_LLM_MODEL "
                              "or use openai-compatible:<model>")
        chat_openai = _integration("langchain_openai", "ChatOpenAI")
        return chat_openai(model=model, base_url=settings.llm.base_url or None,
                           api_key=SecretStr(settings.llm.api_key or "not-needed"), temperature=0,
                           max_tokens=settings.llm.max_tokens, timeout=settings.llm.timeout, max_retries=1)
    if kind == "hf":
        model_files(arg)
        return TransformersChat(path=arg, max_new_tokens=settings.llm.max_tokens)
    raise ConfigError("the extractive answerer uses no chat model")


def describe(settings: Settings) -> str:
    """The answerer as shown in status lines and notes: spec, model and server (credentials left out)."""
    kind, arg = parse_spec(settings.answerer)
    label = f"{kind}:{settings.llm.model}" if kind == "openai-compatible" and not arg else settings.answerer
    if kind == "hf":
        label = f"hf:{Path(arg).name}"
    server = urlsplit(settings.llm.base_url)
    if kind in {"ollama", "openai-compatible"} and server.hostname:
        label += f" @ {server.scheme}://{server.hostname}{f':{server.port}' if server.port else ''}{server.path}"
    return label


def generative_step(settings: Settings, fallback: Any):
    """The GenerativeAnswerer for settings.answerer, with the extractive step as its fallback."""
    from .generative import GenerativeAnswerer

    return GenerativeAnswerer(make_chat_model(settings), fallback, settings.llm.timeout, describe(settings))


def _integration(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as e:
        raise ConfigError(f"this answerer needs the {module.replace('_', '-')} package; install: {INSTALL_HINT}") from e
