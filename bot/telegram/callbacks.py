"""Callback data of the inline buttons. Anything else that arrives is treated as tampered or stale."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class OpenEntry(CallbackData, prefix="faq"):
    """A suggestion button: show entry ``entry_id`` in language ``lang``."""

    entry_id: str
    lang: str
