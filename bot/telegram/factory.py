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
from bot.services.admin import KnowledgeAdmin
from bot.services.escalation import EscalationService, Limits
from bot.storage.database import Database, FaqStore, QuestionLog, Roles, Users
from bot.storage.tickets import RuntimeSettings, TicketStore
from bot.telegram.i18n import create_i18n
from bot.telegram.middlewares import ThrottlingMiddleware, UserLanguageMiddleware, UserMiddleware
from bot.telegram.relay import OfficialsRelay
from bot.telegram.retry import RetryMiddleware
from bot.telegram.routers import admin, common, errors, escalation, fallback, officials, questions

log = logging.getLogger(__name__)

# A placeholder that passes aiogram's token check when we run without Telegram (console, tests).
OFFLINE_TOKEN = "123456:offline-console-token"


def get_routers() -> list[Router]:
    """In order of precedence: specific commands first, the catch-all fallback last."""
    return [
        admin.create_router(),
        common.create_router(),
        escalation.create_router(),
        officials.create_router(),
        questions.create_router(),
        fallback.create_router(),
        errors.create_router(),
    ]


def create_bot(settings: Settings, session: BaseSession | None = None, retry: RetryMiddleware | None = None) -> Bot:
    if session is None:
        server = TelegramAPIServer.from_base(settings.telegram_api_base)
        session = AiohttpSession(api=server)
    session.middleware(retry or RetryMiddleware())
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class Services:
    db: Database
    users: Users
    question_log: QuestionLog
    knowledge: KnowledgeBase
    answering: AnsweringService
    tickets: TicketStore
    runtime: RuntimeSettings
    escalation: EscalationService
    roles: Roles
    kb_admin: KnowledgeAdmin
    i18n: I18n


async def create_services(settings: Settings) -> Services:
    db = await Database(settings.database_path).connect()
    users, question_log = Users(db), QuestionLog(db)
    store = FaqStore(db)
    knowledge = KnowledgeBase(store)
    await knowledge.load_shipped(settings.knowledge_dir)
    tickets = TicketStore(db)
    roles = Roles(db)
    return Services(
        db=db,
        users=users,
        question_log=question_log,
        knowledge=knowledge,
        answering=AnsweringService(knowledge, question_log),
        tickets=tickets,
        runtime=RuntimeSettings(db),
        escalation=EscalationService(
            tickets, question_log, Limits(settings.tickets_open_limit, settings.tickets_daily_limit)
        ),
        roles=roles,
        kb_admin=KnowledgeAdmin(store, knowledge, roles, settings.admin_ids),
        i18n=create_i18n(settings.locales_dir, settings.default_locale),
    )


def create_dispatcher(settings: Settings, services: Services, relay: OfficialsRelay) -> Dispatcher:
    # Everything a handler may ask for by name, injected by aiogram.
    dp = Dispatcher(
        settings=settings,
        users=services.users,
        question_log=services.question_log,
        knowledge=services.knowledge,
        answering=services.answering,
        tickets=services.tickets,
        escalation=services.escalation,
        roles=services.roles,
        kb_admin=services.kb_admin,
        relay=relay,
    )
    dp.update.outer_middleware(UserMiddleware(services.users))
    dp.update.outer_middleware(UserLanguageMiddleware(services.i18n))
    dp.update.outer_middleware(
        ThrottlingMiddleware(services.question_log, settings.throttle_messages, settings.throttle_window_seconds)
    )
    dp.include_routers(*get_routers())
    return dp


@dataclass
class App:
    settings: Settings
    services: Services
    bot: Bot
    dp: Dispatcher
    relay: OfficialsRelay

    async def close(self) -> None:
        await self.bot.session.close()
        await self.services.db.close()


async def create_app(settings: Settings, session: BaseSession | None = None, retry: RetryMiddleware | None = None) -> App:
    """Build everything from one Settings object; pending escalation work is resumed by the caller."""
    services = await create_services(settings)
    bot = create_bot(settings, session, retry)
    relay = OfficialsRelay(bot, services.tickets, services.runtime, services.users, services.i18n, settings)
    await relay.load()
    return App(settings, services, bot, create_dispatcher(settings, services, relay), relay)


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu, in each language Telegram clients may show it in."""
    for locale in (*i18n.available_locales, None):
        with i18n.use_locale(locale or i18n.default_locale):
            commands = [
                BotCommand(command="start", description=i18n.gettext("Start and choose the language")),
                BotCommand(command="help", description=i18n.gettext("How to ask")),
                BotCommand(command="lang", description=i18n.gettext("Change the language")),
                BotCommand(command="ask", description=i18n.gettext("Send a question to an official")),
                BotCommand(command="my", description=i18n.gettext("My open questions")),
            ]
        await bot.set_my_commands(commands, language_code=locale)
