"""OpenVINO backends: the network exported once to OpenVINO IR (cached on disk), run with bf16 where the
CPU computes it natively, optionally quantised to int8 with NNCF on calibration text."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .base import Runner, Sink, cached_artifact, model_digest
from .batching import Batch, bare_tokenizer, pad, tokenize


def sentence_window(model_path: str) -> int | None:
    """The model's max_seq_length from its sentence-transformers config (None when that file is not there)."""
    try:
        return int(json.loads((Path(model_path) / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def export_ir(st_model, folder: Path) -> None:
    """Convert transformer + pooling to OpenVINO IR with dynamic batch and sequence axes."""
    import openvino as ov
    import torch

    from .pooled import INPUTS, cpu_copy, example_inputs  # torch: needed to export, not to run the export

    from transformers.utils import logging as transformers_logging

    # Tracing warns about every data-dependent branch of the attention code, and walking the model's attributes
    # trips transformers' deprecation and loss-function notices. The export is checked by the guard (cosine
    # against the reference model), so all of them would only alarm a user who ran `assistant ingest`.
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ov.convert_model(
                cpu_copy(st_model), example_input=example_inputs(st_model.tokenizer),
                input=[(name, [-1, -1], ov.Type.i64) for name in INPUTS],
            )
    finally:
        transformers_logging.set_verbosity(verbosity)
    ov.save_model(model, str(folder / "model.xml"), compress_to_fp16=False)


def quantize_ir(source: Path, tokenizer, max_length: int, texts: list[str], folder: Path) -> None:
    """Static int8 post-training quantisation (NNCF, transformer preset) calibrated on `texts`."""
    import nncf
    import openvino as ov

    feeds = []
    for ids in tokenize(tokenizer, texts, max_length):
        batch = pad([ids], np.zeros(1, dtype=np.int64))
        feeds.append({"input_ids": batch.ids, "attention_mask": batch.mask})
    model = ov.Core().read_model(str(source / "model.xml"))
    quantized = nncf.quantize(model, nncf.Dataset(feeds), model_type=nncf.ModelType.TRANSFORMER,
                              subset_size=len(feeds))
    ov.save_model(quantized, str(folder / "model.xml"))


class OpenVinoRunner(Runner):
    """Throughput: an AsyncInferQueue over token-length batches (the CPU's optimal number of requests).
    Latency (one query): a second compilation of the same IR with the LATENCY hint, made on first use."""

    def __init__(self, load_model: Callable[[], Any], model_path: str, cache_dir: Path, int8: bool = False,
                 calibration: list[str] | None = None):
        import openvino as ov

        tokenizer, max_length = bare_tokenizer(model_path), sentence_window(model_path)
        if tokenizer is None or max_length is None:
            st_model = load_model()
            tokenizer, max_length = st_model.tokenizer, int(st_model.max_seq_length)
        self.name = "openvino-int8" if int8 else "openvino"
        root = cache_dir / "openvino"
        digest = model_digest(model_path, "openvino", "torch", "transformers")
        ir = fp32 = cached_artifact(root / f"{digest}-fp32", lambda work: export_ir(load_model(), work))
        if int8:
            ir = cached_artifact(root / f"{digest}-int8", lambda work: quantize_ir(
                fp32, tokenizer, max_length, calibration or [], work))
        self.core = ov.Core()
        self.core.set_property({"CACHE_DIR": str(root / "compiled")})
        self.precision = "bf16" if "BF16" in self.core.get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"
        self.path = str(ir / "model.xml")
        self.compiled = self._compile("THROUGHPUT")
        super().__init__(tokenizer, max_length, self.compiled.output(0).get_partial_shape()[1].get_length())
        self.queue = ov.AsyncInferQueue(self.compiled, int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        self._single = None

    def _compile(self, hint: str):
        return self.core.compile_model(self.path, "CPU", {"PERFORMANCE_HINT": hint,
                                                          "INFERENCE_PRECISION_HINT": self.precision})

    def run_all(self, batches: Iterable[Batch], sink: Sink) -> None:
        self.queue.set_callback(lambda request, index: sink(index, request.get_output_tensor(0).data.copy()))
        for batch in batches:
            self.queue.start_async({"input_ids": batch.ids, "attention_mask": batch.mask}, batch.index)
        self.queue.wait_all()

    def encode_one(self, text: str) -> np.ndarray:
        batch = pad(tokenize(self.tokenizer, [text], self.max_length), np.zeros(1, dtype=np.int64))
        if self._single is None:
            self._single = self._compile("LATENCY").create_infer_request()
        result = self._single.infer({"input_ids": batch.ids, "attention_mask": batch.mask})
        return np.array(result[0][0], dtype=np.float32)
