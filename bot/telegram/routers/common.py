"""/start, /help, /lang and the language choice: the same for everybody in a private chat."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import LOCALES
from bot.storage.users import User, Users
from bot.telegram.callbacks import LanguageChoice
from bot.telegram.filters import PRIVATE_CHAT
from bot.telegram.keyboards import language_keyboard
from bot.telegram.render import quote

log = logging.getLogger(__name__)


def help_text() -> str:
    return _(
        "Write your question in ordinary words, in Kyrgyz or Russian. It is fine to type without the "
        "letters ө, ү, ң or in Latin letters. For example:\n"
        "• {example_one}\n"
        "• {example_two}\n\n"
        "I answer with the legal basis. When I am not sure, I offer a few questions to choose from.\n\n"
        "/lang: change the language\n"
        "/help: this help"
    ).format(
        example_one=_("Who appoints the akim of a district?"),
        example_two=_("Can an akim appoint the heads of territorial subdivisions?"),
    ) + "\n" + _("/topics: the questions by topic\n/forget_me: delete what the bot stores about you")


async def start(message: Message, user: User) -> None:
    greeting = _(
        "Hello, {name}! I answer questions about the powers of akims and city mayors under Law No. 123 "
        "of 20 October 2021, and about the working meeting of 8 December 2021."
    ).format(name=quote(user.first_name or "", limit=64))
    if user.lang is None:
        await message.answer(greeting + "\n\n" + _("Choose your language:"), reply_markup=language_keyboard())
    else:
        await message.answer(greeting + "\n\n" + help_text())


async def show_help(message: Message) -> None:
    await message.answer(help_text())


async def choose_language(message: Message) -> None:
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard())


async def language_chosen(query: CallbackQuery, callback_data: LanguageChoice, users: Users, user: User, i18n: I18n) -> None:
    await users.set_language(user.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer(_("Language saved."))
        if query.message is not None:
            await query.message.answer(_("Language saved.") + "\n\n" + help_text())


def create_router() -> Router:
    router = Router(name="common")
    router.message.filter(PRIVATE_CHAT)
    router.message.register(start, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(choose_language, Command("lang"))
    router.callback_query.register(language_chosen, LanguageChoice.filter(F.code.in_(LOCALES)))
    return router
