"""Showing an FAQ answer, wherever it was opened from (a question, a suggestion, /topics, a shared link):
the text, 👍/👎 and "Share". Every answer shown is remembered (bot/storage/feedback.py), so a vote on it is
stored per answer and /review and /stats learn from it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.core.knowledge import FaqEntry
from bot.storage.feedback import Feedback
from bot.telegram.keyboards import answer_keyboard, ask_button, share_url
from bot.telegram.render import answer_text
from bot.telegram.sending import answer_long

log = logging.getLogger(__name__)


async def entry_link(bot: Bot, entry_id: str) -> str | None:
    """t.me/<bot>?start=<entry id>: opens the answer for whoever taps it (aiogram caches getMe)."""
    try:
        me = await bot.me()
    except TelegramAPIError as exc:
        log.warning("no link to share: getMe failed (%s)", type(exc).__name__)
        return None
    return f"https://t.me/{me.username}?start={entry_id}" if me.username else None


async def share_for(bot: Bot, entry: FaqEntry, lang: str) -> str | None:
    link = await entry_link(bot, entry.id)
    return share_url(link, entry.question[lang]) if link else None


async def show_answer(message: Message, bot: Bot, feedback: Feedback, *, user_id: int, entry: FaqEntry, lang: str,
                      source: str, officials: bool, question_id: int | None = None, others: Iterable[FaqEntry] = (),
                      shown_id: int | None = None, before: str = "") -> list[Message]:
    """Send ``entry``'s answer in ``lang`` (the caller has set that locale) with its keyboard; ``officials``:
    an officials' chat is set up (so "Ask an official" is offered)."""
    if shown_id is None:
        shown_id = await feedback.shown(user_id=user_id, entry_id=entry.id, lang=lang, source=source,
                                        question_id=question_id)
    markup = answer_keyboard(others, lang, question_id, shown_id=shown_id, share=await share_for(bot, entry, lang),
                             ask=ask_button(question_id, officials))
    return await answer_long(message, before + answer_text(entry, lang), markup)
