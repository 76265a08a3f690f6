"""Inline keyboards. Button texts go through gettext like every other user-facing string."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.knowledge import FaqEntry
from bot.telegram.callbacks import AskHint, Escalate, LanguageChoice, OpenEntry, PickSuggestion, Vote

BUTTON_TEXT_LIMIT = 60
VOTED = " ✓"


def shorten(text: str, limit: int = BUTTON_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    # Each language is named in itself; the catalogs keep these names unchanged.
    builder.button(text=_("Кыргызча"), callback_data=LanguageChoice(code="ky"))
    builder.button(text=_("Русский"), callback_data=LanguageChoice(code="ru"))
    builder.adjust(2)
    return builder.as_markup()


def entry_data(entry_id: str, lang: str, question_id: int | None) -> str:
    """A button opening an entry: picked for a logged question (so /review learns from it), else plain."""
    if question_id is not None:
        try:
            return PickSuggestion(question_id=question_id, entry_id=entry_id).pack()
        except ValueError:  # over Telegram's 64 bytes (a very long id with a very large question number)
            pass
    return OpenEntry(entry_id=entry_id, lang=lang).pack()


def _entry_buttons(builder: InlineKeyboardBuilder, entries: Iterable[FaqEntry], lang: str,
                   question_id: int | None = None) -> None:
    for entry in entries:
        builder.button(text=shorten(entry.question[lang]), callback_data=entry_data(entry.id, lang, question_id))


def suggestions_keyboard(entries: Iterable[FaqEntry], lang: str, escalate_question: int | None,
                         question_id: int | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _entry_buttons(builder, entries, lang, question_id)
    if escalate_question is not None:
        builder.button(text=_("None of these: ask an official"), callback_data=Escalate(question_id=escalate_question))
    builder.adjust(1)
    return builder.as_markup()


def share_url(link: str, text: str) -> str:
    """Telegram's share dialog: the person picks a chat, and the link (with ``text``) is sent there."""
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(shorten(text, 200), safe='')}"


def vote_buttons(shown_id: int, vote: int | None = None) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text="👍" + (VOTED if vote == 1 else ""), callback_data=Vote(shown_id=shown_id, up=True).pack()),
        InlineKeyboardButton(text="👎" + (VOTED if vote == -1 else ""), callback_data=Vote(shown_id=shown_id, up=False).pack()),
    ]


def ask_button(question_id: int | None, officials: bool) -> InlineKeyboardButton | None:
    """"Ask an official" under an answer (many answers say a point is not confirmed and send the reader to
    it): it escalates the person's own question, or, for an answer opened from /topics or a link, tells how
    to send one. None when no officials' chat is set up."""
    if not officials:
        return None
    data = Escalate(question_id=question_id).pack() if question_id is not None else AskHint().pack()
    return InlineKeyboardButton(text=_("Ask an official"), callback_data=data)


def answer_keyboard(others: Iterable[FaqEntry], lang: str, question_id: int | None, *, shown_id: int | None = None,
                    share: str | None = None, ask: InlineKeyboardButton | None = None) -> InlineKeyboardMarkup | None:
    """Under an answer: the runner-up questions (when the message may have meant one of them), 👍/👎 (👎
    offers the other candidates and an official), "Ask an official" and "Share" (a link to this answer)."""
    builder = InlineKeyboardBuilder()
    _entry_buttons(builder, others, lang, question_id)
    builder.adjust(1)
    if shown_id is not None:
        builder.row(*vote_buttons(shown_id))
    last = [b for b in (ask, InlineKeyboardButton(text=_("Share"), url=share) if share else None) if b is not None]
    if last:
        builder.row(*last)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def with_vote(markup: InlineKeyboardMarkup | None, shown_id: int, vote: int) -> InlineKeyboardMarkup | None:
    """The same keyboard with the person's vote marked (None when there is no keyboard to change)."""
    if markup is None:
        return None
    mine = {Vote(shown_id=shown_id, up=True).pack(), Vote(shown_id=shown_id, up=False).pack()}
    rows = []
    changed = False
    for row in markup.inline_keyboard:
        if any(b.callback_data in mine for b in row):
            rows.append(vote_buttons(shown_id, vote))
            changed = True
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(inline_keyboard=rows) if changed else None


def escalate_keyboard(question_id: int | None) -> InlineKeyboardMarkup | None:
    """The way to a human under "no match" (when an officials' chat is set up)."""
    if question_id is None:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Ask an official"), callback_data=Escalate(question_id=question_id))
    return builder.as_markup()
