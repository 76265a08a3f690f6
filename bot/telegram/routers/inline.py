"""Inline mode, in any chat: "@bot question" offers the best matching FAQ answers (the same matcher as in
the private chat), so an official can drop an answer into a group discussion. Needs /setinline in
@BotFather. Inline queries are not logged: Telegram sends one per keystroke."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.services.answering import best_answers
from bot.services.knowledge import KnowledgeBase
from bot.services.language import choose_language, confident_language
from bot.storage.users import User
from bot.telegram.answers import entry_link
from bot.telegram.keyboards import shorten
from bot.telegram.render import answer_text

log = logging.getLogger(__name__)
RESULTS = 5
CACHE_SECONDS = 30


async def inline_answers(query: InlineQuery, knowledge: KnowledgeBase, settings: Settings, i18n: I18n, bot: Bot,
                         user: User | None = None) -> None:
    text = query.query.strip()
    matcher = knowledge.matcher
    chosen = user.lang if user is not None else None
    lang = choose_language(
        chosen=chosen,
        question_lang=confident_language(*matcher.detect_language(text)) if text else None,
        client_code=query.from_user.language_code,
        default=settings.default_locale,
    )
    entries = best_answers(matcher, text, lang, RESULTS) if text else []
    with i18n.use_locale(lang):
        results = []
        for entry in entries:
            link = await entry_link(bot, entry.id)
            markup = None
            if link:
                markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("Open in the bot"), url=link)]])
            results.append(InlineQueryResultArticle(
                id=entry.id,
                title=shorten(entry.question[lang], 100),
                description=shorten(" ".join(entry.answer[lang].split()), 120),
                input_message_content=InputTextMessageContent(message_text=answer_text(entry, lang), parse_mode="HTML"),
                reply_markup=markup,
            ))
        button = InlineQueryResultsButton(
            text=_("Ask the bot in a private chat"),
            start_parameter="inline",
        )
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=chosen is not None, button=button)


def create_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(inline_answers)
    return router
