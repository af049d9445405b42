"""The sources panel: one section per answer, one card per cited passage, and the script that links `[n]` to it.

Every answer keeps its own sources (an earlier answer's are not replaced by a new question): the latest answer's
section is open, earlier ones are collapsed. A card shows the passage's title, date (or "date unknown"), the
document's link when it has an http(s) one, each quote in its sentence, and the whole passage behind a toggle.
The chat message itself stays plain text (so its copy button gives what is shown); the script turns each
`[n]` in a shown answer into a link to its card.
"""
from __future__ import annotations

import html
from typing import Iterable
from urllib.parse import urlparse

from .text import sentence_spans

HINT = '<p class="sources-hint">The sources of each answer show here, with the quotes it rests on.</p>'


def sources_panel(answers: list[dict], urls: dict[str, str] | None = None) -> str:
    """HTML of the sources of every answer in the conversation, latest first and open.

    `answers` are the turns' `Answer.to_dict()` forms (an error reply has no "id" and gets no section);
    `urls` maps a doc_id to its document's link.
    """
    sections = [answer_sources(turn, a, urls or {}, latest=turn == len(answers) - 1)
                for turn, a in reversed(list(enumerate(answers))) if "id" in a]
    return (f'<section class="sources-panel" aria-label="Sources" aria-live="polite">'
            f'<h2 class="sources-heading">Sources</h2>{"".join(sections) or HINT}</section>')


def answer_sources(turn: int, answer: dict, urls: dict[str, str], latest: bool = False) -> str:
    """One answer's sources as a <details> element whose cards carry the anchors `cite-{turn}-{n}`."""
    question = html.escape(answer.get("question", ""))
    if answer["corrected"]:
        kind, note = "correction", "Correction: the documents contradict the question. What they say instead:"
    elif answer["abstained"]:
        kind, note = "abstained", "No sources: the documents do not answer this question."
    else:
        kind, note = "answered", ""
    cards = "".join(_card(turn, group, urls) for group in by_passage(answer["citations"]))
    opened = " open" if latest else ""
    note_html = f'<p class="sources-note">{note}</p>' if note else ""
    return (f'<details class="answer-sources {kind}" data-turn="{turn}"{opened}>'
            f'<summary>Answer {turn + 1}: {question}</summary>{note_html}{cards}</details>')


def by_passage(citations: Iterable[dict]) -> list[list[dict]]:
    """Citations grouped by the passage they quote, in order of first citation: one card per passage.

    >>> p = {"doc_id": "a", "start": 0, "end": 9}
    >>> [[c["n"] for c in g] for g in by_passage([{"n": 1, "passage": p}, {"n": 2, "passage": p}])]
    [[1, 2]]
    """
    groups: dict[tuple, list[dict]] = {}
    for c in citations:
        p = c["passage"]
        groups.setdefault((p["doc_id"], p["start"], p["end"]), []).append(c)
    return list(groups.values())


def _card(turn: int, group: list[dict], urls: dict[str, str]) -> str:
    first = group[0]
    passage = first["passage"]["text"]
    quotes = [c["quote"] for c in group]
    markers = " ".join(f'<span class="marker" id="cite-{turn}-{c["n"]}">[{c["n"]}]</span>' for c in group)
    date = html.escape(first["date"]) if first["date"] else "date unknown"
    link = safe_link(urls.get(first["doc_id"], ""))
    link_html = (f' · <a class="source-link" href="{html.escape(link)}" target="_blank" rel="noopener noreferrer">'
                 f'source</a>') if link else ""
    in_context = "".join(f'<p class="quote">{_marked(passage, [q], context_only=True)}</p>' for q in quotes)
    return (f'<article class="source-card" tabindex="-1" aria-label="Source {_markers_text(group)}">'
            f'<div class="card-title">{markers} <b>{html.escape(first["title"] or first["doc_id"])}</b></div>'
            f'<div class="card-meta"><span class="date">{date}</span>{link_html}</div>{in_context}'
            f'<details class="whole-passage"><summary>Show passage</summary>'
            f'<div class="passage">{_marked(passage, quotes)}</div></details></article>')


def _markers_text(group: list[dict]) -> str:
    return " ".join(f"[{c['n']}]" for c in group)


def safe_link(url: str) -> str:
    """The document's link when it is an absolute http(s) URL, else "" (never javascript:, data:, relative paths).

    >>> safe_link("https://example.org/a"), safe_link("javascript:alert(1)")
    ('https://example.org/a', '')
    """
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else ""


def _marked(text: str, quotes: list[str], context_only: bool = False) -> str:
    """The passage (or, with `context_only`, the sentences around the quote) HTML-escaped, each quote in <mark>."""
    spans = sorted({(at, at + len(q)) for q in quotes if (at := text.find(q)) >= 0})
    if not spans:
        return "".join(f"<mark>{html.escape(q)}</mark>" for q in quotes)
    start, end = 0, len(text)
    if context_only:
        sentences = [s for s in sentence_spans(text) if s[0] < spans[0][1] and s[1] > spans[0][0]]
        start = min([spans[0][0]] + [s for s, _ in sentences])
        end = max([spans[0][1]] + [e for _, e in sentences])
    out, at = [], start
    for s, e in spans:
        if s < at or e > end:
            continue
        out += [html.escape(text[at:s]), f"<mark>{html.escape(text[s:e])}</mark>"]
        at = e
    out.append(html.escape(text[at:end]))
    return "".join(out)


# Runs once on page load: links each [n] of a shown answer to its card; a click opens that answer's sources,
# scrolls to the card, highlights and focuses it. The message's text (and so its copy) is left as it is.
CITATION_JS = """
() => {
  const show = (id) => {
    const marker = document.getElementById(id);
    if (!marker) return;
    const card = marker.closest('.source-card');
    card.closest('details.answer-sources').open = true;
    document.querySelectorAll('#sources .source-card.highlight').forEach(c => c.classList.remove('highlight'));
    card.classList.add('highlight');
    card.scrollIntoView({block: 'center'});
    card.focus({preventScroll: true});
  };
  const link = (span, turn) => {
    const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (walker.nextNode()) if (!walker.currentNode.parentElement.closest('a')) texts.push(walker.currentNode);
    for (const node of texts) {
      const parts = node.data.split(/(\\[\\d+\\])/);
      if (parts.length === 1) continue;
      const frag = document.createDocumentFragment();
      for (const part of parts) {
        const n = /^\\[(\\d+)\\]$/.exec(part);
        if (n && document.getElementById(`cite-${turn}-${n[1]}`)) {
          const a = document.createElement('a');
          a.className = 'cite'; a.href = `#cite-${turn}-${n[1]}`; a.textContent = part;
          a.setAttribute('aria-label', `Source ${n[1]}`);
          frag.append(a);
        } else if (part) frag.append(part);
      }
      node.replaceWith(frag);
    }
  };
  let queued = false;
  const linkAll = () => {  // idempotent: only bare [n] text whose card exists is replaced, so re-renders relink
    queued = false;
    document.querySelectorAll('#chat [data-testid="bot"]').forEach((bot, turn) => {
      const span = bot.querySelector('.message-content .md');
      if (span) link(span, turn);
    });
  };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(linkAll); } })
    .observe(document.body, {subtree: true, childList: true, characterData: true});
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.cite');
    if (!a) return;
    e.preventDefault();
    show(a.hash.slice(1));
  });
}
"""

SOURCES_CSS = """
#sources .sources-heading { font-size: 1.1rem; margin: 0 0 .5rem; }
#sources .answer-sources { margin-bottom: .75rem; }
#sources .answer-sources > summary { cursor: pointer; font-weight: 600; }
#sources .source-card { border: 1px solid #d1d5db; border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; }
#sources .source-card.highlight { border-color: #c2410c; box-shadow: 0 0 0 3px #fed7aa; }
#sources .source-card:focus { outline: 2px solid #c2410c; }
#sources .card-meta { color: #4b5563; font-size: .9em; }
#sources .correction .sources-note { font-weight: 600; color: #9a3412; }
#sources .passage { white-space: pre-wrap; }
#chat a.cite { color: #9a3412; text-decoration: underline; }
"""
