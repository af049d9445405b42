"""Start the chat UI: `python app.py` (host/port from ASSISTANT_HOST / ASSISTANT_PORT, default 127.0.0.1:7860)."""
from assistant.web import launch

launch()
