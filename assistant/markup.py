"""Text -> Markdown or HTML that shows it literally: document and question text must never become live HTML or links."""
from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~:@])")  # ':' and '@' stop autolinked URLs and e-mails
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
_TAG_OR_ENTITY = re.compile(r"<(?=[A-Za-z/!?])|&(?=[A-Za-z0-9#])")  # the only '<' and '&' HTML reads as markup
_LINK_OR_URL = re.compile(r"(?<=\])(?=[(\[:])|(?<=[A-Za-z])(?=://)|(?<=\bwww)(?=\.)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Show document and question text literally: no HTML, links, autolinks or remote images can come alive.

    >>> print(escape_markdown("![x](http://e.vil/a.png) <b> www.e.vil"))
    \\!\\[x\\]\\(http\\://e.vil/a.png\\) &lt;b&gt; www\\.e.vil
    """
    return _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))


def literal_html(text: str) -> str:
    """Text as HTML that shows it unchanged, escaping only a '<' or '&' that would start a tag or an entity.

    >>> print(literal_html("<img src=x> 1 < 2 & Q&A &amp;"))
    &lt;img src=x> 1 < 2 & Q&amp;A &amp;amp;
    """
    return _TAG_OR_ENTITY.sub(lambda m: "&lt;" if m[0] == "<" else "&amp;", text)


def literal_markdown(text: str) -> str:
    """Text as Markdown that copies as written: only what would start a tag, entity, link, image or autolink is escaped.

    >>> print(literal_markdown("Mayor (張硯卿) [1]: ![x](http://e.vil/a.png) <b> www.e.vil"))
    Mayor (張硯卿) [1]\\: ![x]\\(http\\://e.vil/a.png) &lt;b> www\\.e.vil
    """
    return _LINK_OR_URL.sub("\\\\", literal_html(text))
