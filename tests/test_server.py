"""Server mode against a real `chroma run` on loopback: ingest, ask, SIGKILL the server, clear errors while it is
down, restart, recovery; and a server killed in the middle of an ingest."""
from __future__ import annotations

import pytest
from fakes import HashEmbeddings
from procs import ChromaServer, Worker
from typer.testing import CliRunner

from assistant import Assistant, StoreError
from assistant.cli import app

QUESTION = "How many sister cities does Kaohsiung have?"


@pytest.fixture
def server(tmp_path):
    chroma = ChromaServer(tmp_path / "chroma-data")
    if not chroma.binary.exists():
        pytest.skip(f"no chroma CLI next to {chroma.binary.parent} (it ships with the chromadb package)")
    chroma.start()
    yield chroma
    chroma.kill()


def test_server_mode_answers_fails_clearly_while_down_and_recovers(server, corpus_copy, tmp_path, embeddings):
    a = Assistant(corpus_dir=corpus_copy, index_dir=tmp_path / "index", chroma_url=server.url, embeddings=embeddings)
    assert not (tmp_path / "index" / "chroma").exists(), "server mode keeps no embedded store"
    answer = a.ask(QUESTION)
    assert "45" in answer.text and answer.citations
    assert a.status()["index"] == server.url

    server.kill()
    with pytest.raises(StoreError, match=f"Chroma server at {server.url}"):
        a.ask("Which companies did the delegation visit?")
    result = CliRunner().invoke(app, ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "index"),
                                      "--chroma-url", server.url, "ask", QUESTION])
    assert result.exit_code == 1 and "Chroma server" in result.output and "Traceback" not in result.output

    server.start()
    assert "45" in a.ask(QUESTION).text, "the same Assistant reconnects"
    reopened = Assistant(corpus_dir=corpus_copy, index_dir=tmp_path / "index", chroma_url=server.url,
                         embeddings=embeddings)
    assert reopened.health.action == "checked" and not reopened.health.problems
    assert reopened.store.ids() == reopened.record.chunk_ids()


def test_server_killed_mid_ingest_is_caught_up_after_restart(server, corpus_copy, tmp_path):
    index = tmp_path / "index"
    worker = Worker(corpus_copy, index, "--chroma-url", server.url, "--stop", "chroma:2")
    assert worker.wait_for("at chroma 2")
    server.kill()
    end = worker.finish()
    assert end.startswith("error") and f"Chroma server at {server.url}" in end and "Traceback" not in "\n".join(worker.lines)

    server.start()
    again = Worker(corpus_copy, index, "--chroma-url", server.url)
    assert again.wait_for("opened").split()[1] in ("reconciled", "checked")
    assert again.finish().startswith("done")
    a = Assistant(corpus_dir=corpus_copy, index_dir=index, chroma_url=server.url, embeddings=HashEmbeddings(),
                  auto_ingest=False)
    assert a.health.action == "checked"
    assert a.store.ids() == a.record.chunk_ids() and len(a.documents()) == 2


def test_credentials_in_the_url_become_a_basic_auth_header_and_stay_out_of_messages(server, tmp_path):
    from assistant.index.store import make_client, where

    url = server.url.replace("http://", "http://office:s%40fe@")
    client = make_client(tmp_path, url)
    headers = {k.lower(): v for k, v in client._server.get_request_headers().items()}
    assert headers["authorization"] == "Basic b2ZmaWNlOnNAZmU="  # office:s@fe
    assert where(tmp_path, url) == f"the Chroma server at {server.url}"
