"""The composition root: everything the bot runs on is built here from one Settings object."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.services.answering import AnsweringService
from bot.services.knowledge import KnowledgeBase
from bot.storage.database import Database, FaqStore, QuestionLog, Users
from bot.telegram.i18n import create_i18n
from bot.telegram.middlewares import ThrottlingMiddleware, UserLanguageMiddleware, UserMiddleware
from bot.telegram.retry import RetryMiddleware
from bot.telegram.routers import common, fallback, questions

log = logging.getLogger(__name__)

# A placeholder that passes aiogram's token check when we run without Telegram (console, tests).
OFFLINE_TOKEN = "123456:offline-console-token"


def get_routers() -> list[Router]:
    """In order of precedence: specific commands first, the catch-all fallback last."""
    return [common.create_router(), questions.create_router(), fallback.create_router()]


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        server = TelegramAPIServer.from_base(settings.telegram_api_base)
        session = AiohttpSession(api=server)
    session.middleware(RetryMiddleware())
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class Services:
    db: Database
    users: Users
    question_log: QuestionLog
    knowledge: KnowledgeBase
    answering: AnsweringService
    i18n: I18n


async def create_services(settings: Settings) -> Services:
    db = await Database(settings.database_path).connect()
    users, question_log = Users(db), QuestionLog(db)
    knowledge = KnowledgeBase(FaqStore(db))
    await knowledge.load_shipped(settings.knowledge_dir)
    return Services(
        db=db,
        users=users,
        question_log=question_log,
        knowledge=knowledge,
        answering=AnsweringService(knowledge, question_log),
        i18n=create_i18n(settings.locales_dir, settings.default_locale),
    )


def create_dispatcher(settings: Settings, services: Services) -> Dispatcher:
    dp = Dispatcher(
        settings=settings,
        users=services.users,
        question_log=services.question_log,
        knowledge=services.knowledge,
        answering=services.answering,
    )
    dp.update.outer_middleware(UserMiddleware(services.users))
    dp.update.outer_middleware(UserLanguageMiddleware(services.i18n))
    dp.update.outer_middleware(
        ThrottlingMiddleware(services.question_log, settings.throttle_messages, settings.throttle_window_seconds)
    )
    dp.include_routers(*get_routers())
    return dp


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu, in each language Telegram clients may show it in."""
    for locale in (*i18n.available_locales, None):
        with i18n.use_locale(locale or i18n.default_locale):
            commands = [
                BotCommand(command="start", description=i18n.gettext("Start and choose the language")),
                BotCommand(command="help", description=i18n.gettext("How to ask")),
                BotCommand(command="lang", description=i18n.gettext("Change the language")),
            ]
        await bot.set_my_commands(commands, language_code=locale)
