"""Text -> Markdown that shows it literally: document and question text must never become live HTML or links."""
from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~:@])")  # ':' and '@' stop autolinked URLs and e-mails
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Show document and question text literally: no HTML, links, autolinks or remote images can come alive.

    >>> print(escape_markdown("![x](http://e.vil/a.png) <b> www.e.vil"))
    \\!\\[x\\]\\(http\\://e.vil/a.png\\) &lt;b&gt; www\\.e.vil
    """
    return _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))
