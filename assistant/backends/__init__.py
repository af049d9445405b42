"""Embedding backends: one registry of numeric routes to the same vectors, each built lazily on demand.

Heavy optional libraries (openvino, nncf, onnxruntime, onnx) are imported only by the backend that needs
them; a missing one is reported with the install command instead of an ImportError.
"""
from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError
from .base import Runner

INSTALL_HINT = "pip install 'kaohsiung-assistant[fast]'"
# CPU flags under which bf16 matrix products run natively (AMX tiles or AVX-512 BF16 dot products).
BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


@dataclass(frozen=True)
class Backend:
    name: str
    summary: str
    modules: tuple[str, ...] = ()
    int8: bool = False
    cuda: bool = False


BACKENDS: dict[str, Backend] = {b.name: b for b in (
    Backend("torch-fp32", "sentence-transformers in fp32: the reference every other backend is checked against"),
    Backend("torch-bf16", "a bf16 copy of the network, token-length batches (fast where the CPU has native bf16)"),
    Backend("torch-bf16-compiled", "torch-bf16 fused by torch.compile; pays a compile of seconds in every process"),
    Backend("openvino", "OpenVINO IR exported once; bf16 where the CPU computes it natively, else fp32", ("openvino",)),
    Backend("openvino-int8", "OpenVINO static int8 (NNCF) calibrated on corpus text", ("openvino", "nncf"), int8=True),
    Backend("onnx-int8", "ONNX Runtime dynamic int8, per channel", ("onnxruntime", "onnx"), int8=True),
    Backend("cuda-fp16", "an fp16 copy of the network on a CUDA GPU", cuda=True),
)}


def check_name(name: str) -> str:
    if name != "auto" and name not in BACKENDS:
        raise ConfigError(f"unknown embedding backend {name!r}; choose auto or one of {', '.join(BACKENDS)}")
    return name


def unavailable(name: str) -> str | None:
    """Why `name` cannot run here (with what to install), or None when it can."""
    spec = BACKENDS[check_name(name)]
    missing = [m for m in spec.modules if importlib.util.find_spec(m) is None]
    if missing:
        return f"backend {name} needs {', '.join(missing)}: {INSTALL_HINT}"
    if spec.cuda and not cuda_available():
        return f"backend {name} needs a CUDA GPU visible to torch; none is"
    if name == "torch-bf16-compiled" and not shutil.which("g++"):
        return f"backend {name} needs a C++ compiler (g++) for torch.compile"
    return None


def cuda_available() -> bool:
    if not (Path("/proc/driver/nvidia").exists() or Path("/dev/dxg").exists() or shutil.which("nvidia-smi")):
        return False  # no NVIDIA driver, so no CUDA: known without the seconds an import of torch takes
    import torch

    return torch.cuda.is_available()


def auto_candidates(flags: set[str], cuda: bool, openvino: bool) -> list[str]:
    """Backends `auto` measures, reference first: a pure function of the host so it can be tested.

    int8 routes are left out: they cannot reach the default guard (cosine mean 0.999; measured 0.994-0.997).
    The compiled torch route is tried only on AMX hosts without OpenVINO: with OpenVINO it was no faster
    (4.3-4.4x vs 4.3x) yet costs a compile in every process and slower single queries.
    """
    if cuda:
        return ["torch-fp32", "cuda-fp16"]
    names = ["torch-fp32"]
    if flags & BF16_FLAGS:
        names.append("torch-bf16")
    if openvino:
        names.append("openvino")
    elif "amx_bf16" in flags:
        names.append("torch-bf16-compiled")
    return names


def build(name: str, load_model: Callable[[], Any], model_path: str, cache_dir: Path, calibration: list[str]) -> Runner:
    """Construct the runner for `name` (exports and compiles are cached under `cache_dir`).

    `load_model` returns the sentence-transformers model; OpenVINO calls it only to export, so a process that
    finds the export cached never imports torch."""
    problem = unavailable(name)
    if problem:
        raise ConfigError(problem)
    if name.startswith("openvino"):
        from .openvino_runner import OpenVinoRunner

        return OpenVinoRunner(load_model, model_path, cache_dir, int8=name.endswith("int8"), calibration=calibration)
    st_model = load_model()
    if name == "torch-fp32":
        from .torch_runner import ReferenceRunner

        return ReferenceRunner(st_model)
    if name.startswith("torch-bf16") or name == "cuda-fp16":
        import torch

        from .torch_runner import TorchRunner

        if name == "cuda-fp16":
            return TorchRunner(st_model, name, torch.float16, "cuda")
        return TorchRunner(st_model, name, torch.bfloat16, "cpu", compiled=name.endswith("compiled"))
    from .onnx_runner import OnnxInt8Runner

    return OnnxInt8Runner(st_model, model_path, cache_dir)
