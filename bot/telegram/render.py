"""Message texts built from FAQ entries. Everything from outside our code is HTML-escaped."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.core.knowledge import FaqEntry


def answer_text(entry: FaqEntry, lang: str) -> str:
    basis_label = _("Basis")
    return (
        f"<b>{escape(entry.question[lang])}</b>\n\n"
        f"{escape(entry.answer[lang])}\n\n"
        f"<i>{escape(basis_label)}: {escape(entry.basis[lang])}</i>"
    )


def quote(user_text: str, limit: int = 300) -> str:
    """A user's own words, shortened and escaped, safe to put inside an HTML message."""
    text = " ".join(user_text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)
