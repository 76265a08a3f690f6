"""Callback data of the inline buttons. Anything else that arrives is treated as tampered or stale."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class OpenEntry(CallbackData, prefix="faq"):
    """A suggestion button: show entry ``entry_id`` in language ``lang``."""

    entry_id: str
    lang: str


class Escalate(CallbackData, prefix="esc"):
    """Offer to send logged question ``question_id`` to the officials."""

    question_id: int


class ConfirmEscalation(CallbackData, prefix="escok"):
    question_id: int
    send: bool


class TicketAction(CallbackData, prefix="tk"):
    """A button under a ticket in the officials' chat: "close" or "draft" (an FAQ draft, admins only)."""

    action: str
    ticket_id: int


class AskerFeedback(CallbackData, prefix="fb"):
    """The asker's verdict on an official's answer: "helped" or "reopen"."""

    action: str
    ticket_id: int


class AdminDelete(CallbackData, prefix="del"):
    entry_id: str
    confirm: bool
