"""Callback data of the inline buttons. Anything else that arrives is treated as tampered or stale.

Numbers are bounded here, at the boundary: a forged button with a number SQLite cannot hold does not
match any filter and gets the "out of date" answer instead of an error deep inside.
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.core.knowledge import MAX_ID

RowId = Annotated[int, Field(ge=1, le=2**62)]
EntryId = Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=r"^[a-z0-9-]+$")]


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class OpenEntry(CallbackData, prefix="faq"):
    """A suggestion button: show entry ``entry_id`` in language ``lang``."""

    entry_id: EntryId
    lang: str


class Escalate(CallbackData, prefix="esc"):
    """Offer to send logged question ``question_id`` to the officials."""

    question_id: RowId


class AskHint(CallbackData, prefix="askhint"):
    """"Ask an official" under an answer that answered no question of the person's (from /topics, a link):
    tells how to send one with /ask."""


class ConfirmEscalation(CallbackData, prefix="escok"):
    question_id: RowId
    send: bool


class TicketAction(CallbackData, prefix="tk"):
    """A button under a ticket in the officials' chat: "close" or "draft" (an FAQ draft, admins only)."""

    action: str
    ticket_id: RowId


class AskerFeedback(CallbackData, prefix="fb"):
    """The asker's verdict on an official's answer: "helped" or "reopen"."""

    action: str
    ticket_id: RowId


class AdminDelete(CallbackData, prefix="del"):
    entry_id: EntryId
    confirm: bool


# -- learning from use (issue #15) -----------------------------------------------------------------------
# Telegram's 64-byte limit: with the longest entry id (48) a question id fits up to 10 digits in "pick:" and 11
# in "rva:" (ten billion questions); where packing fails anyway, keyboards fall back to OpenEntry or leave the
# button out.


class PickSuggestion(CallbackData, prefix="pick"):
    """A suggestion (or a runner-up under an answer) picked for logged question ``question_id``."""

    question_id: RowId
    entry_id: EntryId


class Vote(CallbackData, prefix="vote"):
    """👍 (``up``) or 👎 on an answer the bot showed (a row of shown_answers)."""

    shown_id: RowId
    up: bool


class TopicsPage(CallbackData, prefix="tps"):
    """/topics: page ``page`` of the list of categories."""

    page: Annotated[int, Field(ge=0, le=999)]


class TopicEntries(CallbackData, prefix="tpe"):
    """/topics: page ``page`` of the questions of the ``category``-th category (in sorted order)."""

    category: Annotated[int, Field(ge=0, le=9999)]
    page: Annotated[int, Field(ge=0, le=999)]


class LinkLanguage(CallbackData, prefix="lnk"):
    """The language chosen under an answer opened from a shared link (``shown``: its language then)."""

    code: str
    shown: str
    entry_id: EntryId


class ReviewAdd(CallbackData, prefix="rva"):
    """/review: add logged question ``question_id`` as a variant of ``entry_id`` (admins only)."""

    question_id: RowId
    entry_id: EntryId


class ReviewDecision(CallbackData, prefix="rvd"):
    """/review: "new" (start /add with it), "skip", "scope" (not in scope) or "next" (admins only)."""

    action: str
    question_id: RowId


class StatsView(CallbackData, prefix="st"):
    """/stats for ``days`` days; ``csv`` sends the raw counts (admins only)."""

    days: Annotated[int, Field(ge=1, le=366)]
    csv: bool


class ForgetMe(CallbackData, prefix="forget"):
    confirm: bool
