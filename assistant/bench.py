"""`assistant bench`: embedding throughput, end-to-end ingest and query latency, side by side in one process.

The machine may be shared and its speed drifts, so every figure is a median over rounds that alternate
their order, and every ratio is against a baseline measured in the same run on the same texts.
"""
from __future__ import annotations

import hashlib
import os
import platform
import resource
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from .backends import BACKENDS, build, cuda_available, unavailable
from .backends.base import cores, version
from .backends.guard import cosines
from .backends.roof import precision, roof_chunks_per_s
from .config import DEFAULT_MODEL, default_cache_dir
from .embed import SentenceEmbeddings, cpu_features, cpu_flags, cpuinfo, resolve_model_path
from .errors import ConfigError
from .load import DocumentLimits, discover, load_document

if TYPE_CHECKING:
    from .assistant import Assistant

HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US")
QUESTIONS = (
    "How many sister cities does Kaohsiung have?", "Which city has more sister cities than Kaohsiung?",
    "Who led the delegation to Silicon Valley?", "Which companies did the mayor visit?",
    "Why does Taiwan use city diplomacy?", "What is Kaohsiung's population?",
    "How do I install a package with apt?", "How is the network interface configured?",
    "What does dpkg do when a dependency is missing?", "How are log files rotated?",
    "How do I set up a firewall with nftables?", "How do I back up the system?",
    "What is a Debian derivative?", "How do I configure a mail server?",
    "What are the security updates?", "How do I compile a kernel?",
)


@dataclass
class BenchOptions:
    """What to measure; `tiny` shrinks everything to a smoke run of a few seconds."""

    corpus: Path
    rounds: int = 3
    limit: int = 300
    grow: int = 5000
    backends: list[str] | None = None
    sections: tuple[str, ...] = ("embed", "ingest", "query")
    cache_dir: str | None = None
    device: str = ""
    decide: bool = False
    log: Callable[[str], None] = field(default=lambda message: None)


class RssPeak:
    """Samples this process's resident memory in the background; `peak_mib` is the highest seen."""

    def __init__(self, every: float = 0.02):
        self.every = every
        self.peak_mib = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> "RssPeak":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self._read()

    def _read(self) -> None:
        self.peak_mib = max(self.peak_mib, self.now_mib())

    @staticmethod
    def now_mib() -> float:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError):  # no /proc: the lifetime peak is the best there is
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def machine() -> dict:
    packages = ("torch", "sentence-transformers", "transformers", "openvino", "nncf", "onnxruntime", "chromadb")
    gpu = ""
    if cuda_available():
        import torch

        gpu = torch.cuda.get_device_name(0)
    return {"cpu": cpu_features(), "gpu": gpu, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "versions": {p: version(p) for p in packages}}


def load_texts(corpus: Path) -> list[str]:
    """The corpus split as the LangChain tutorial does (RecursiveCharacterTextSplitter 1000/200)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    return [t for d in load_corpus(corpus) for t in splitter.split_text(d.text)]


def load_corpus(corpus: Path) -> list:
    if not corpus.exists():
        hint = " (apt-get install debian-handbook)" if corpus == HANDBOOK else ""
        raise ConfigError(f"benchmark corpus {corpus} does not exist{hint}")
    return [load_document(f, root, DocumentLimits(max_bytes=50 * 2**20)) for f, root in discover([corpus])]


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def alternate(contenders: dict[str, Callable[[list[str]], object]], texts: list[str], rounds: int,
              slices: int = 4) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Seconds per round and the vectors of every contender on `texts`. Each round cuts the texts into
    slices and runs every contender on a slice before moving on (in reversed order every other time),
    so a burst of load from a neighbour lands on all contenders rather than on one."""
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    outputs: dict[str, np.ndarray] = {}
    names = list(contenders)
    size = -(-len(texts) // max(1, slices))
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    for r in range(rounds):
        took = dict.fromkeys(names, 0.0)
        pieces: dict[str, list] = {name: [] for name in names}
        for s, part in enumerate(parts):
            for name in names if (r * len(parts) + s) % 2 == 0 else names[::-1]:
                elapsed, vectors = timed(lambda: contenders[name](part))
                took[name] += elapsed
                pieces[name].append(np.asarray(vectors, dtype=np.float32))
        for name in names:
            seconds[name].append(took[name])
            outputs[name] = np.concatenate(pieces[name])
    return seconds, outputs


# -- embed ------------------------------------------------------------------------------------------
def bench_embed(texts: list[str], opts: BenchOptions, device: str) -> dict:
    """Plain sentence-transformers fp32 (batch 32) against every available backend on the same texts."""
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(DEFAULT_MODEL)
    # Exports of its own per text set, so the int8 backends are calibrated on the benchmark's corpus.
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:12]
    cache = (Path(opts.cache_dir) if opts.cache_dir else default_cache_dir()) / "bench" / digest
    warm = texts[:32]
    plain, memory = {}, {}

    def baseline():
        plain["model"] = SentenceTransformer(path, device=device)
        return lambda batch: plain["model"].encode(batch, batch_size=32)

    contenders: dict[str, Callable[[list[str]], object]] = {}
    contenders["baseline"], memory["baseline"] = prepare(baseline, warm)
    shared = SentenceTransformer(path, device=device)
    skipped: dict[str, str] = {}
    for name in opts.backends or list(BACKENDS):
        problem = unavailable(name)
        if problem:
            skipped[name] = problem
            continue
        opts.log(f"embed: preparing {name}")
        make = lambda name=name: build(name, lambda: shared, path, cache, texts[:200]).encode
        contenders[name], memory[name] = prepare(make, warm)
    opts.log(f"embed: {len(texts)} texts x {opts.rounds} rounds x {len(contenders)} contenders")
    seconds, outputs = alternate(contenders, texts, opts.rounds)
    tokenizer = plain["model"].tokenizer
    tokens = sum(len(ids) for ids in tokenizer(texts, truncation=True, max_length=plain["model"].max_seq_length)["input_ids"])
    base = float(np.median(seconds["baseline"]))
    reference = outputs["baseline"]
    rows = []
    for name, runs in seconds.items():
        median = float(np.median(runs))
        c = cosines(outputs[name], reference)
        rows.append({"backend": name, "chunks_per_s": round(len(texts) / median, 1),
                     "tokens_per_s": round(tokens / median), "ratio": round(base / median, 2),
                     "cosine_mean": round(float(c.mean()), 5), "cosine_min": round(float(c.min()), 5),
                     "added_rss_mib": round(memory[name]), "seconds": [round(s, 3) for s in runs],
                     **(roof_of(name, len(texts) / median, tokens / len(texts), path) if device == "cpu" else {})})
    return {"texts": len(texts), "tokens": tokens, "rounds": opts.rounds, "device": device, "rows": rows,
            "skipped": skipped}


def roof_of(backend: str, chunks_per_s: float, tokens_per_chunk: float, model_path: str) -> dict:
    """The CPU's peak for the backend's arithmetic, in chunks/s, and the share of it the backend reached."""
    flags = cpu_flags()
    kind = precision(backend, flags)
    roof = roof_chunks_per_s(kind, flags, cpuinfo("vendor_id"), float(cpuinfo("cpu MHz") or 0), cores(),
                             model_path, tokens_per_chunk)
    return {"precision": kind, "roof_chunks_per_s": round(roof, 1),
            "share_of_roof": round(chunks_per_s / roof, 2) if roof else None}


def prepare(make: Callable[[], Callable], warm: list[str]) -> tuple[Callable, float]:
    """Build a contender and run it once on `warm`; also the memory that added (peak RSS over before)."""
    before = RssPeak.now_mib()
    with RssPeak() as rss:
        encode = make()
        encode(warm)
    return encode, max(rss.peak_mib - before, 0.0)


# -- ingest -----------------------------------------------------------------------------------------
def naive_ingest(corpus: Path, folder: Path, model) -> tuple[int, int]:
    """The LangChain tutorial: split 1000/200, a sentence-transformers wrapper, Chroma.from_documents."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    class PlainEmbeddings(Embeddings):  # what HuggingFaceEmbeddings does with default settings
        def embed_documents(self, texts):
            return model.encode(texts, batch_size=32).tolist()

        def embed_query(self, text):
            return model.encode(text).tolist()

    docs = [Document(page_content=d.text, metadata={"source": d.source}) for d in load_corpus(corpus)]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    store = Chroma.from_documents(chunks, PlainEmbeddings(), persist_directory=str(folder), collection_name="naive")
    return len(chunks), store._collection.count()


def bench_ingest(opts: BenchOptions, embeddings: SentenceEmbeddings, device: str, workdir: Path) -> dict:
    """Naive pipeline vs Assistant.ingest into a fresh index, then re-ingest of the unchanged corpus."""
    from sentence_transformers import SentenceTransformer

    from .assistant import Assistant

    plain = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), device=device)
    plain.encode(["warm up"])
    opts.log("ingest: naive LangChain pipeline")
    naive_s, (naive_chunks, _) = timed(lambda: naive_ingest(opts.corpus, workdir / "naive", plain))
    opts.log("ingest: ours")
    ours = Assistant(corpus_dir=opts.corpus, index_dir=workdir / "ours", embeddings=embeddings, auto_ingest=False)
    first_s, first = timed(lambda: ours.ingest(progress=False))
    again_s, again = timed(lambda: ours.ingest(progress=False))
    return {
        "naive": {"seconds": round(naive_s, 2), "chunks": naive_chunks},
        "ours": {"seconds": round(first_s, 2), "chunks": first.chunks_added, "embedded": first.embedded},
        "ratio_ours_to_naive": round(first_s / naive_s, 3),
        "reingest": {"seconds": round(again_s, 3), "embedded": again.embedded,
                     "speedup_vs_first": round(first_s / max(again_s, 1e-9), 1)},
        "index": str(workdir / "ours"),
    }


# -- query ------------------------------------------------------------------------------------------
def query_latency(assistant: Assistant, questions: list[str], rounds: int) -> dict:
    """Embed (uncached, then cached) and retrieve (query embedding included) latencies."""
    embeddings = assistant.embeddings
    embeddings.embed_query("warm up")
    assistant.retrieve(questions[0])
    embed, cached, retrieve = [], [], []
    for _ in range(rounds):
        for q in questions:
            embeddings._cached_query.cache_clear()
            embed.append(timed(lambda: embeddings.embed_query(q))[0])
            cached.append(timed(lambda: embeddings.embed_query(q))[0])
            embeddings._cached_query.cache_clear()
            retrieve.append(timed(lambda: assistant.retrieve(q))[0])
    return {"chunks": assistant.store.count(), "embed": percentiles(embed), "embed_cached": percentiles(cached),
            "retrieve": percentiles(retrieve)}


def grow_store(assistant: Assistant, source: Assistant, n: int) -> float:
    """Fill `assistant`'s store with n chunks: the source's real chunks repeated, vectors jittered."""
    from .index import MAX_BATCH

    pairs = list(source.record.chunks_with_vectors(source.embeddings.model_name))
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, n, MAX_BATCH):
        picks = [pairs[i % len(pairs)] for i in range(start, min(start + MAX_BATCH, n))]
        chunks = [_copy(c, start + i) for i, (c, _) in enumerate(picks)]
        vectors = np.stack([v for _, v in picks]) + rng.normal(0, 0.02, (len(picks), len(picks[0][1])))
        assistant.store.upsert(chunks, (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32))
    assistant.retriever.invalidate()
    return time.perf_counter() - started


def _copy(chunk, i: int):
    from dataclasses import replace

    return replace(chunk, id=f"grown-{i}", doc_id=f"grown/{i // 100}", chunk_index=i % 100)


def bench_query(opts: BenchOptions, embeddings: SentenceEmbeddings, index: Path, workdir: Path) -> dict:
    from .assistant import Assistant

    questions = list(QUESTIONS)
    corpus_assistant = Assistant(corpus_dir=opts.corpus, index_dir=index, embeddings=embeddings)
    opts.log(f"query: {corpus_assistant.store.count()} chunks")
    result = {"corpus": query_latency(corpus_assistant, questions, opts.rounds)}
    if opts.grow:
        grown = Assistant(corpus_dir=opts.corpus, index_dir=workdir / "grown", embeddings=embeddings, auto_ingest=False)
        opts.log(f"query: growing a store to {opts.grow} chunks")
        grow_s = grow_store(grown, corpus_assistant, opts.grow)
        lexical_s, _ = timed(grown.retriever.lexical)
        result["grown"] = {**query_latency(grown, questions, opts.rounds), "grow_seconds": round(grow_s, 1),
                           "lexical_build_seconds": round(lexical_s, 2)}
    return result


# -- all --------------------------------------------------------------------------------------------
def run_bench(opts: BenchOptions) -> dict:
    """Every requested section; the result is plain JSON-ready data."""
    device = opts.device or ("cuda" if cuda_available() else "cpu")
    texts = load_texts(opts.corpus)
    embeddings = SentenceEmbeddings(backend="auto", device=device, cache_dir=opts.cache_dir, calibration=texts[:200])
    if opts.decide:
        opts.log("measuring the auto decision again (paired rounds)")
        embeddings.decide()
    else:
        opts.log("choosing the auto backend")
    result: dict = {"machine": machine(), "corpus": str(opts.corpus),
                    "auto": {"backend": embeddings.backend, "decision": asdict(embeddings.decision),
                             "summary": embeddings.decision.describe(), "trials": [vars(t) for t in embeddings.trials]}}
    result["corpus_chunks_1000_200"] = len(texts)
    if "embed" in opts.sections:
        result["embed"] = bench_embed(texts[: opts.limit], opts, device)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        workdir = Path(tmp)
        index = workdir / "ours"
        if "ingest" in opts.sections:
            result["ingest"] = bench_ingest(opts, embeddings, device, workdir)
        if "query" in opts.sections:
            result["query"] = bench_query(opts, embeddings, index, workdir)
        if "startup" in opts.sections:
            from .bench_startup import bench_startup

            result["startup"] = bench_startup(opts, workdir)
    return result


def render(result: dict, console) -> None:
    """The result as rich tables: embed, ingest, query, startup."""
    from rich.table import Table

    console.print(f"machine: {result['machine']['cpu']}; load average {result['machine']['load_average']}"
                  + (f"; GPU {result['machine']['gpu']}" if result["machine"]["gpu"] else ""), highlight=False)
    console.print(f"corpus: {result['corpus']}", highlight=False)
    console.print(f"auto: {result['auto']['summary']}", highlight=False)
    if "embed" in result:
        e = result["embed"]
        table = Table(title=f"embed: {e['texts']} chunks ({e['tokens']} tokens), median of {e['rounds']} "
                            f"alternating rounds on {e['device']}; ratio vs plain sentence-transformers fp32 batch 32")
        for column in ("backend", "chunks/s", "tokens/s", "ratio", "cos mean", "cos min", "+RSS MiB", "% of roof"):
            table.add_column(column, justify="left" if column == "backend" else "right", no_wrap=True)
        for r in e["rows"]:
            name = r["backend"] + ("*" if r["backend"] == result["auto"]["backend"] else "")
            roof = (f"{r['share_of_roof']:.0%} of {r['roof_chunks_per_s']:.0f} {r['precision']}"
                    if r.get("share_of_roof") is not None else "")
            table.add_row(name, f"{r['chunks_per_s']:.1f}", f"{r['tokens_per_s']}", f"{r['ratio']:.2f}x",
                          f"{r['cosine_mean']:.5f}", f"{r['cosine_min']:.5f}", f"{r['added_rss_mib']}", roof)
        console.print(table)
        console.print("  * auto's choice; +RSS: memory the backend added when built and warmed; roof: the CPU's "
                      "peak in that arithmetic, in chunks/s (assistant/backends/roof.py)", highlight=False)
        for name, why in e["skipped"].items():
            console.print(f"  skipped {name}: {why}", highlight=False)
    if "ingest" in result:
        i = result["ingest"]
        table = Table(title="ingest end to end (load, split, embed, store)")
        for column in ("pipeline", "seconds", "chunks", "embedded", "ratio"):
            table.add_column(column, justify="left" if column == "pipeline" else "right")
        table.add_row("naive LangChain (1000/200, ST fp32, Chroma)", f"{i['naive']['seconds']}",
                      f"{i['naive']['chunks']}", f"{i['naive']['chunks']}", "1.00")
        table.add_row("ours (Assistant.ingest)", f"{i['ours']['seconds']}", f"{i['ours']['chunks']}",
                      f"{i['ours']['embedded']}", f"{i['ratio_ours_to_naive']:.2f}x time")
        table.add_row("ours, re-ingest unchanged", f"{i['reingest']['seconds']}", "0", f"{i['reingest']['embedded']}",
                      f"{i['reingest']['speedup_vs_first']}x faster")
        console.print(table)
    if "query" in result:
        table = Table(title="query latency (ms): embed uncached / cached, retrieve incl. embedding")
        for column in ("store", "chunks", "embed p50", "embed p95", "cached p50", "retrieve p50", "retrieve p95"):
            table.add_column(column, justify="left" if column == "store" else "right")
        for name, q in result["query"].items():
            table.add_row(name, f"{q['chunks']}", f"{q['embed']['p50_ms']}", f"{q['embed']['p95_ms']}",
                          f"{q['embed_cached']['p50_ms']}", f"{q['retrieve']['p50_ms']}", f"{q['retrieve']['p95_ms']}")
        console.print(table)
    if "startup" in result:
        from .bench_startup import render_startup

        render_startup(result["startup"], console)
