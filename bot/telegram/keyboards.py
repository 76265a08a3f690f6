"""Inline keyboards. Button texts go through gettext like every other user-facing string."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.knowledge import FaqEntry
from bot.telegram.callbacks import Escalate, LanguageChoice, OpenEntry

BUTTON_TEXT_LIMIT = 60


def shorten(text: str, limit: int = BUTTON_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    # Each language is named in itself; the catalogs keep these names unchanged.
    builder.button(text=_("Кыргызча"), callback_data=LanguageChoice(code="ky"))
    builder.button(text=_("Русский"), callback_data=LanguageChoice(code="ru"))
    builder.adjust(2)
    return builder.as_markup()


def _entry_buttons(builder: InlineKeyboardBuilder, entries: Iterable[FaqEntry], lang: str) -> None:
    for entry in entries:
        builder.button(text=shorten(entry.question[lang]), callback_data=OpenEntry(entry_id=entry.id, lang=lang))


def suggestions_keyboard(entries: Iterable[FaqEntry], lang: str, escalate_question: int | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _entry_buttons(builder, entries, lang)
    if escalate_question is not None:
        builder.button(text=_("None of these: ask an official"), callback_data=Escalate(question_id=escalate_question))
    builder.adjust(1)
    return builder.as_markup()


def answer_keyboard(others: Iterable[FaqEntry], lang: str, question_id: int | None) -> InlineKeyboardMarkup | None:
    """Under an answer: the runner-up questions (when the message may have meant one of them), then the
    way to a human (when an officials' chat is set up)."""
    builder = InlineKeyboardBuilder()
    _entry_buttons(builder, others, lang)
    if question_id is not None:
        builder.button(text=_("Did not help? Ask an official"), callback_data=Escalate(question_id=question_id))
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def escalate_keyboard(question_id: int | None) -> InlineKeyboardMarkup | None:
    """The way to a human under "no match" (when an officials' chat is set up)."""
    if question_id is None:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Ask an official"), callback_data=Escalate(question_id=question_id))
    return builder.as_markup()
