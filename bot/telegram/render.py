"""Message texts built from FAQ entries. Everything from outside our code is HTML-escaped."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from bot.core.knowledge import FaqEntry


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
