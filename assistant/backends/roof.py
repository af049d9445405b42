"""The speed a backend could reach on this CPU at most: the model's arithmetic per chunk against the peak of the
vector units the CPU reports, so `assistant bench` can say how close each backend gets (issue 15).

Peaks are per core and cycle, for the widest units /proc/cpuinfo names (the assumptions the README states):
fp32 FMA 32 FLOP (two 256-bit FMA pipes; AMD's AVX-512 is double-pumped, so the same), 64 on Intel with
AVX-512; bf16 twice fp32 with AVX512_BF16 (VDPBF16PS), 1,024 with AMX; int8 four times fp32 with VNNI
(VPDPBUSD), twice without it, 2,048 with AMX. The clock is the one /proc/cpuinfo reports.
"""
from __future__ import annotations

import json
from pathlib import Path

AMX_OPS = {"bf16": 1024, "int8": 2048}


def precision(backend: str, flags: set[str]) -> str:
    """The arithmetic a backend mostly runs in on this CPU: fp32, bf16 or int8."""
    if backend.endswith("int8"):
        return "int8"
    if "bf16" in backend or (backend == "openvino" and flags & {"avx512_bf16", "amx_bf16"}):
        return "bf16"
    return "fp32"


def ops_per_cycle(kind: str, flags: set[str], vendor: str) -> int:
    """Peak multiply-add arithmetic per core and cycle (two operations per multiply-add)."""
    fp32 = 64 if "avx512f" in flags and "Intel" in vendor else 32 if flags & {"avx2", "avx512f"} else 16
    if kind == "bf16":
        return AMX_OPS["bf16"] if "amx_bf16" in flags else 2 * fp32 if "avx512_bf16" in flags else fp32
    if kind == "int8":
        return AMX_OPS["int8"] if "amx_int8" in flags else 4 * fp32 if flags & {"avx512_vnni", "avx_vnni"} else 2 * fp32
    return fp32


def flops_per_token(model_path: str, tokens: float) -> float:
    """Arithmetic of a BERT-style encoder per token at a sequence length of `tokens`: the weight multiplies
    (2 per weight: Q, K, V, output and the two feed-forward layers) plus attention's scores and mix."""
    config = json.loads((Path(model_path) / "config.json").read_text())
    hidden, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    weights = layers * (4 * hidden * hidden + 2 * hidden * inner)
    return 2 * weights + layers * 4 * tokens * hidden


def roof_chunks_per_s(kind: str, flags: set[str], vendor: str, mhz: float, cores: int, model_path: str,
                      tokens_per_chunk: float) -> float:
    """Chunks a second the CPU could embed at its peak in `kind` arithmetic."""
    peak = ops_per_cycle(kind, flags, vendor) * mhz * 1e6 * cores
    return peak / (flops_per_token(model_path, tokens_per_chunk) * tokens_per_chunk)
