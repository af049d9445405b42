"""ONNX Runtime int8: the network exported to ONNX once, weights quantised dynamically per channel (cached)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import Runner, cached_artifact, cores, model_digest
from .batching import Batch
from .pooled import INPUTS, cpu_copy, example_inputs


def export_int8(st_model, folder: Path) -> None:
    """torch.onnx (TorchScript exporter, opset 17) then per-channel dynamic int8 (per-tensor wrecks cosine)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    inputs = example_inputs(st_model.tokenizer)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(cpu_copy(st_model), (inputs["input_ids"], inputs["attention_mask"]),
                          str(folder / "fp32.onnx"), input_names=list(INPUTS), output_names=["embedding"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    quantize_dynamic(str(folder / "fp32.onnx"), str(folder / "model.onnx"), per_channel=True,
                     weight_type=QuantType.QInt8)
    (folder / "fp32.onnx").unlink()


class OnnxInt8Runner(Runner):
    name = "onnx-int8"

    def __init__(self, st_model, model_path: str, cache_dir: Path):
        import onnxruntime as ort

        super().__init__(st_model.tokenizer, int(st_model.max_seq_length), int(st_model.get_embedding_dimension()))
        digest = model_digest(model_path, "onnxruntime", "onnx", "torch", "transformers")
        folder = cached_artifact(cache_dir / "onnx" / f"{digest}-int8", lambda work: export_int8(st_model, work))
        options = ort.SessionOptions()
        options.intra_op_num_threads = cores()
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def run(self, batch: Batch) -> np.ndarray:
        return self.session.run(None, {"input_ids": batch.ids, "attention_mask": batch.mask})[0]
