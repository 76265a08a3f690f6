"""Message texts, and long texts cut into messages Telegram accepts. Everything from outside our code is
HTML-escaped before it is put into a message."""

from __future__ import annotations

import html
import re

from aiogram.utils.i18n import gettext as _

from bot.core.knowledge import FaqEntry

MESSAGE_LIMIT = 4096  # Telegram's limit for one message's text, in UTF-16 code units
_TAG = re.compile(r"<(/?)([a-z-]+)([^>]*)>")
# Where a long text may be cut, best first: between paragraphs, lines, sentences, words.
_BOUNDARIES = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?…;:](?=\s)"), re.compile(r"\s"))


def esc(text: str) -> str:
    """Escape text for Telegram's HTML (quotes may stay as they are in text nodes)."""
    return html.escape(text, quote=False)


def answer_text(entry: FaqEntry, lang: str) -> str:
    basis_label = _("Basis")
    return (
        f"<b>{esc(entry.question[lang])}</b>\n\n"
        f"{esc(entry.answer[lang])}\n\n"
        f"<i>{esc(basis_label)}: {esc(entry.basis[lang])}</i>"
    )


def quote(user_text: str, limit: int = 300) -> str:
    """A user's own words, shortened and escaped, safe to put inside an HTML message."""
    text = " ".join(user_text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return esc(text)


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_point(text: str, budget: int) -> int:
    """The best place to cut ``text`` (escaped HTML text, no tags) so the first part fits ``budget``
    units: a paragraph, line, sentence or word boundary in its second half if there is one; never inside
    an entity such as &amp;."""
    fits = len(text)
    while units(text[:fits]) > budget:
        fits = max(1, fits - max(1, (units(text[:fits]) - budget)))
    if fits >= len(text):
        return len(text)
    window = text[:fits]
    for boundary in _BOUNDARIES:
        ends = [m.end() for m in boundary.finditer(window) if m.end() >= fits // 2]
        if ends:
            return ends[-1]
    amp = window.rfind("&")
    if amp != -1 and ";" not in window[amp:]:
        return max(amp, 1)
    return fits


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut an HTML message into parts of at most ``limit`` units, at paragraph, sentence or word boundaries.

    Tags open at a cut are closed at the end of the part and opened again at the start of the next, so
    every part is valid HTML on its own (a long official's answer inside <blockquote> stays quoted).
    """
    if units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    stack: list[tuple[str, str]] = []  # (name, the opening tag as written)

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(stack))

    def flush() -> None:
        nonlocal current
        body = current + closing()
        if body.strip() and re.sub(r"<[^>]+>", "", body).strip():
            parts.append(body.strip())
        current = "".join(opening for _, opening in stack)

    position = 0
    tokens: list[str] = []
    for match in _TAG.finditer(text):
        tokens.append(text[position:match.start()])
        tokens.append(match.group(0))
        position = match.end()
    tokens.append(text[position:])
    for token in tokens:
        tag = _TAG.fullmatch(token)
        if tag:
            closing_tag, name = tag.group(1), tag.group(2)
            if closing_tag:
                if stack and stack[-1][0] == name:
                    stack.pop()
                current += token
            else:
                opening_cost = units(token) + units(f"</{name}>")
                if units(current) + opening_cost + units(closing()) > limit:
                    flush()
                stack.append((name, token))
                current += token
            continue
        while token:
            budget = limit - units(current) - units(closing())
            if units(token) <= budget:
                current += token
                break
            if budget < 20:  # no room left for a useful piece here
                flush()
                continue
            cut = _cut_point(token, budget)
            current += token[:cut].rstrip()
            token = token[cut:].lstrip()
            flush()
    flush()
    return parts or [text[:limit]]
