"""The sentence-transformers pipeline as one plain torch module (transformer + pooling), for export and compile."""
from __future__ import annotations

import torch

from ..errors import ConfigError

POOLING = ("mean", "cls")
INPUTS = ("input_ids", "attention_mask")


class PooledEncoder(torch.nn.Module):
    """ids, mask -> pooled sentence vectors (not normalised); what SentenceTransformer.encode computes."""

    def __init__(self, transformer: torch.nn.Module, mode: str):
        super().__init__()
        self.transformer = transformer
        self.mode = mode

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.mode == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def pooled_encoder(st_model) -> PooledEncoder:
    """Wrap a loaded SentenceTransformer of the usual shape (Transformer, Pooling[, Normalize])."""
    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    mode = getattr(modules[1], "pooling_mode", None) if len(modules) > 1 else None
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]) or mode not in POOLING:
        raise ConfigError(
            f"this backend needs a Transformer + mean/cls Pooling model, not {' + '.join(names)} "
            f"(pooling {mode!r}); use backend torch-fp32"
        )
    return PooledEncoder(modules[0].auto_model, mode).eval()


def cpu_copy(st_model) -> PooledEncoder:
    """An fp32 CPU copy for exporters (the shared model may sit on a GPU or be in use elsewhere)."""
    import copy

    return copy.deepcopy(pooled_encoder(st_model)).to("cpu", torch.float32)


def example_inputs(tokenizer) -> dict[str, torch.Tensor]:
    """A tiny batch for tracing exports (shapes are declared dynamic)."""
    batch = tokenizer(["an example input", "a second, longer example input"], padding=True, return_tensors="pt")
    return {"input_ids": batch["input_ids"].to(torch.int64), "attention_mask": batch["attention_mask"].to(torch.int64)}
