"""Start the chat UI: `python app.py` (settings from ASSISTANT_* variables, see assistant/config.py; the UI binds
ASSISTANT_HOST:ASSISTANT_PORT, default 127.0.0.1:7860)."""
from assistant import Assistant, Settings
from assistant.web import launch

launch(Assistant(settings=Settings.from_env()))
