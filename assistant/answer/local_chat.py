"""A local transformers causal language model (a model folder or a .gguf file) as a LangChain chat model.

langchain-huggingface would do this too, but it pins huggingface-hub below 2 while our transformers and
sentence-transformers run on 2.x; this wrapper needs only transformers (and gguf + accelerate for .gguf files).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from ..config import offline_models
from ..errors import ConfigError

INSTALL_HINT = "pip install 'kaohsiung-assistant[llm]'"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def model_files(path: str | Path) -> tuple[Path, str | None]:
    """(folder, gguf file name or None) for a model folder, a .gguf file, or a folder holding one .gguf file.

    Raises:
        ConfigError: the path does not exist or holds no loadable model.
    """
    p = Path(path).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return p.parent, p.name
    if p.is_dir() and (p / "config.json").is_file():
        return p, None
    ggufs = sorted(p.glob("*.gguf")) if p.is_dir() else []
    if len(ggufs) == 1:
        return p, ggufs[0].name
    raise ConfigError(f"hf:{path}: expected a transformers model folder (with config.json), a .gguf file, "
                      f"or a folder holding exactly one .gguf file")


def load_causal_lm(folder: Path, gguf_file: str | None) -> tuple[Any, Any]:
    """(tokenizer, model) on CUDA when available, else CPU, in eval mode."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise ConfigError(f"the hf: answerer needs transformers ({e}); install: {INSTALL_HINT}") from e
    offline_models()
    kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(folder, **kwargs)
    except ImportError as e:
        raise ConfigError(f"cannot load {folder / (gguf_file or '')}: {e}; install: {INSTALL_HINT}") from e
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot load the model in {folder}: {e}") from e
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return tokenizer, model.to(device).eval()


class TransformersChat(BaseChatModel):
    """Greedy, streamed generation from a local model, loaded on first use and shared across calls.

    >>> TransformersChat(path="/models/SmolLM2-135M-Instruct.Q4_1.gguf").invoke("Hi").content  # doctest: +SKIP
    """

    path: str
    max_new_tokens: int = 256
    _loaded: tuple[Any, Any] | None = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "transformers-local"

    def loaded(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                self._loaded = load_causal_lm(*model_files(self.path))
            return self._loaded

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        from transformers import TextIteratorStreamer

        tokenizer, model = self.loaded()
        chat = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        inputs = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True).to(model.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel, failure = threading.Event(), []
        worker = threading.Thread(target=_generate_into, daemon=True, args=(
            model, streamer, failure, dict(**inputs, streamer=streamer, max_new_tokens=self.max_new_tokens,
                                           do_sample=False, stopping_criteria=_cancel_criteria(cancel))))
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk
        finally:
            cancel.set()
        worker.join()
        if failure:
            raise failure[0]


def _generate_into(model: Any, streamer: Any, failure: list, kwargs: dict) -> None:
    """Run generate; on error, record it and end the stream so the reader is not left waiting."""
    try:
        model.generate(**kwargs)
    except Exception as e:  # re-raised in the reading thread
        failure.append(e)
        streamer.end()


def _cancel_criteria(cancel: threading.Event) -> Any:
    """Stop generating once the reader has gone (timed out or closed the stream)."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Cancelled(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs) -> Any:
            return torch.full((input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([Cancelled()])
