"""The one Settings source: nested parts (limits, llm, web), flat names kept, variables read only here."""
from __future__ import annotations

import pickle

import pytest

from assistant import ConfigError, Settings


def test_parts_are_set_by_their_flat_names_from_variables_and_arguments():
    s = Settings.from_env(env={"ASSISTANT_MAX_FILE_MB": "3", "ASSISTANT_LLM_MODEL": "m", "ASSISTANT_PORT": "8080",
                               "ASSISTANT_DEBUG": "yes"}, llm_timeout=5, k=3)
    assert (s.limits.max_file_mb, s.llm.model, s.llm.timeout, s.web.port, s.web.debug, s.k) == (3.0, "m", 5.0, 8080,
                                                                                                 True, 3)
    assert (s.max_file_mb, s.llm_model) == (3.0, "m")  # the flat names read the parts, as before the parts
    assert s.with_(ask_per_minute=2, llm_max_tokens=9).limits.ask_per_minute == 2
    assert Settings(max_file_mb=5, llm_model="m").limits.max_file_mb == 5  # the constructor takes them too
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ConfigError, match="unknown setting 'llm'"):
        Settings.from_env(env={}, llm="m")
    with pytest.raises(AttributeError):
        s.nothing


def test_arguments_win_over_variables_and_every_variable_is_described():
    s = Settings.from_env(env={"ASSISTANT_K": "7", "ASSISTANT_ASK_PER_MINUTE": "9"}, k=2, ask_per_minute=None)
    assert (s.k, s.limits.ask_per_minute) == (2, 9)
    described = {name for name, _, _ in Settings.describe()}
    assert {"ASSISTANT_K", "ASSISTANT_MAX_FILE_MB", "ASSISTANT_LLM_BASE_URL", "ASSISTANT_LLM_API_KEY", "ASSISTANT_HOST",
            "ASSISTANT_ADMIN_TOKEN", "ASSISTANT_QUEUE_SIZE"} <= described


def test_the_api_key_falls_back_to_openai_api_key_and_stays_out_of_repr():
    secret = "sk-test-0123456789"
    assert Settings.from_env(env={"OPENAI_API_KEY": secret}).llm.api_key == secret
    s = Settings.from_env(env={"ASSISTANT_LLM_API_KEY": secret, "OPENAI_API_KEY": "other"})
    assert s.llm.api_key == secret and secret not in repr(s) and secret not in str(Settings.describe())
