"""Torch backends: the sentence-transformers fp32 reference, and bf16 / fp16 copies of the same network."""
from __future__ import annotations

import copy
from typing import Iterable

import numpy as np
import torch

from .base import Runner, Sink
from .batching import Batch
from .pooled import pooled_encoder


class ReferenceRunner(Runner):
    """Plain `SentenceTransformer.encode` in fp32: the vectors every other backend is checked against."""

    name = "torch-fp32"

    def __init__(self, st_model, batch_size: int = 32):
        super().__init__(st_model.tokenizer, int(st_model.max_seq_length), int(st_model.get_embedding_dimension()))
        self.st = st_model
        self.batch_size = batch_size

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        vectors = self.st.encode(texts, batch_size=self.batch_size, convert_to_tensor=True,
                                 normalize_embeddings=False, show_progress_bar=progress)
        return vectors.float().cpu().numpy()


class TorchRunner(Runner):
    """A copy of the network in a lower precision (bf16 on CPU, fp16 on CUDA), fed token-length batches.

    With `compiled`, torch.compile (dynamic shapes, inductor freezing) fuses the forward pass; the
    first batch pays the compile (seconds), so the runner warms itself up once when built.
    """

    def __init__(self, st_model, name: str, dtype: torch.dtype, device: str, compiled: bool = False):
        super().__init__(st_model.tokenizer, int(st_model.max_seq_length), int(st_model.get_embedding_dimension()))
        self.name = name
        self.device = device
        self.module = copy.deepcopy(pooled_encoder(st_model)).to(device=device, dtype=dtype)
        if device == "cuda":
            self.max_items, self.max_tokens = 512, 512 * 256
        self.forward = self.module
        self.compiled = compiled
        if compiled:
            import torch._inductor.config as inductor

            inductor.freezing = True
            self.forward = torch.compile(self.module, dynamic=True)
            self.encode(["warm up the compiled graph once"] * 2)

    def run_all(self, batches: Iterable[Batch], sink: Sink) -> None:
        """Queue every batch before copying results back, so a GPU is not synchronised per batch."""
        done = []
        with torch.inference_mode():
            for batch in batches:
                ids, mask = self._inputs(batch)
                done.append((batch.index, self.forward(ids, mask)[: len(batch.index)]))
        for index, vectors in done:
            sink(index, vectors.float().cpu().numpy())

    def _inputs(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Device tensors; a compiled graph gets at least 2 rows, since a batch of 1 would be
        specialised by torch.compile and cost a second compile of the same size as the first."""
        ids, mask = batch.ids, batch.mask
        if self.compiled and len(ids) == 1:
            ids, mask = np.repeat(ids, 2, axis=0), np.repeat(mask, 2, axis=0)
        return (torch.from_numpy(ids).to(self.device, non_blocking=True),
                torch.from_numpy(mask).to(self.device, non_blocking=True))
