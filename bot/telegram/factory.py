"""The composition root: everything the bot runs on is built here from one Settings object.

Start-up rule (docs/operations.md): no usable database, or no catalogs, is fatal (``StartupError`` naming
the path and the cause; the CLI exits non-zero at once); for the shipped FAQ see bot/startup.py.
Whatever was opened before a failure is closed again, so the process can exit.
"""

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
from bot.services.admin import KnowledgeAdmin
from bot.services.answering import AnsweringService
from bot.services.escalation import EscalationService, Limits
from bot.services.knowledge import KnowledgeBase
from bot.services.privacy import PrivacyService
from bot.services.review import Cleaner, ReviewService
from bot.startup import StartupError, load_knowledge_base, open_database
from bot.storage.database import Database
from bot.storage.faq import FaqStore
from bot.storage.feedback import Feedback
from bot.storage.fsm import SQLiteStorage
from bot.storage.inbox import Inbox
from bot.storage.outbox import Outbox
from bot.storage.questions import QuestionLog
from bot.storage.review import ReviewStore
from bot.storage.roles import Roles
from bot.storage.stats import StatsQueries
from bot.storage.tickets import RuntimeSettings, TicketStore
from bot.storage.users import Users
from bot.telegram.i18n import CatalogsMissing, create_i18n
from bot.telegram.middlewares import LanguageMiddleware, ThrottlingMiddleware, UserMiddleware
from bot.telegram.outbox_sender import OutboxSender
from bot.telegram.relay import OfficialsRelay
from bot.telegram.retry import ResponseModels, RetryMiddleware, StaleQueryMiddleware, TelegramHealth
from bot.telegram.routers import (
    admin,
    browse,
    common,
    errors,
    escalation,
    fallback,
    inline,
    insights,
    officials,
    privacy,
    questions,
)
from bot.telegram.updates import UpdateProcessor

log = logging.getLogger(__name__)

# A placeholder that passes aiogram's token check when we run without Telegram (console, tests).
OFFLINE_TOKEN = "123456:offline-console-token"


def get_routers() -> list[Router]:
    """In order of precedence: specific commands first, the catch-all fallback last."""
    return [
        admin.create_router(),
        insights.create_router(),
        browse.create_router(),  # before common: "/start <entry id>" opens an answer
        common.create_router(),
        privacy.create_router(),
        escalation.create_router(),
        officials.create_router(),
        inline.create_router(),
        questions.create_router(),
        fallback.create_router(),
        errors.create_router(),
    ]


def create_bot(settings: Settings, session: BaseSession | None = None, retry: RetryMiddleware | None = None,
               health: TelegramHealth | None = None) -> Bot:
    if session is None:
        server = TelegramAPIServer.from_base(settings.telegram_api_base)
        session = AiohttpSession(api=server)
    session.middleware(ResponseModels())
    session.middleware(StaleQueryMiddleware())
    session.middleware(retry or RetryMiddleware(health=health))
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class Services:
    db: Database
    users: Users
    question_log: QuestionLog
    faq: FaqStore
    knowledge: KnowledgeBase
    answering: AnsweringService
    tickets: TicketStore
    outbox: Outbox
    inbox: Inbox
    runtime: RuntimeSettings
    escalation: EscalationService
    roles: Roles
    kb_admin: KnowledgeAdmin
    i18n: I18n
    feedback: Feedback
    review: ReviewService
    stats: StatsQueries
    privacy: PrivacyService


async def create_services(settings: Settings) -> Services:
    db = await open_database(settings.database_path)
    try:
        i18n = create_i18n(settings.locales_dir, settings.default_locale)
        users, question_log, roles = Users(db), QuestionLog(db), Roles(db)
        store = FaqStore(db)
        knowledge = await load_knowledge_base(store, settings.knowledge_dir)
        tickets = TicketStore(db)
        feedback = Feedback(db)
        kb_admin = KnowledgeAdmin(store, knowledge, roles, settings.admin_ids)
        cleaner = Cleaner(knowledge)
        return Services(
            db=db,
            users=users,
            question_log=question_log,
            faq=store,
            knowledge=knowledge,
            answering=AnsweringService(knowledge, question_log, feedback),
            tickets=tickets,
            outbox=Outbox(db),
            inbox=Inbox(db),
            runtime=RuntimeSettings(db),
            escalation=EscalationService(
                tickets, question_log, Limits(settings.tickets_open_limit, settings.tickets_daily_limit)
            ),
            roles=roles,
            kb_admin=kb_admin,
            i18n=i18n,
            feedback=feedback,
            review=ReviewService(ReviewStore(db), knowledge, kb_admin, cleaner, question_log),
            stats=StatsQueries(db),
            privacy=PrivacyService(db, cleaner, settings.question_log_retention_days),
        )
    except CatalogsMissing as exc:
        await db.close()
        raise StartupError(f"LOCALES_DIR: {exc}") from exc
    except BaseException:
        await db.close()
        raise


def create_dispatcher(settings: Settings, services: Services, relay: OfficialsRelay, sender: OutboxSender,
                      throttle: ThrottlingMiddleware) -> Dispatcher:
    # Everything a handler may ask for by name, injected by aiogram.
    dp = Dispatcher(
        storage=SQLiteStorage(services.db),
        settings=settings,
        users=services.users,
        question_log=services.question_log,
        knowledge=services.knowledge,
        answering=services.answering,
        tickets=services.tickets,
        outbox=services.outbox,
        escalation=services.escalation,
        roles=services.roles,
        kb_admin=services.kb_admin,
        feedback=services.feedback,
        review=services.review,
        stats=services.stats,
        privacy=services.privacy,
        relay=relay,
        sender=sender,
    )
    dp.update.outer_middleware(UserMiddleware(services.users))
    dp.update.outer_middleware(LanguageMiddleware(services.i18n, services.knowledge))
    dp.update.outer_middleware(throttle)
    dp.include_routers(*get_routers())
    return dp


@dataclass
class App:
    settings: Settings
    services: Services
    bot: Bot
    dp: Dispatcher
    relay: OfficialsRelay
    sender: OutboxSender
    processor: UpdateProcessor
    throttle: ThrottlingMiddleware
    health: TelegramHealth

    async def close(self) -> None:
        try:
            await self.throttle.close()
            await self.bot.session.close()
        finally:
            await self.services.db.close()


async def create_app(settings: Settings, session: BaseSession | None = None, retry: RetryMiddleware | None = None) -> App:
    """Build everything from one Settings object (StartupError when that is impossible)."""
    services = await create_services(settings)
    try:
        health = retry.health if retry is not None else TelegramHealth()
        bot = create_bot(settings, session, retry or RetryMiddleware(health=health), health)
        relay = OfficialsRelay(bot, services.tickets, services.runtime, services.users, services.outbox,
                               services.i18n, settings)
        await relay.load()
        sender = OutboxSender(services.outbox, relay, services.users)
        throttle = ThrottlingMiddleware(
            services.question_log, settings.throttle_messages, settings.throttle_window_seconds,
            is_exempt=lambda user_id: is_staff(services, settings, user_id), i18n=services.i18n,
        )
        dp = create_dispatcher(settings, services, relay, sender, throttle)
        processor = UpdateProcessor(dp, bot, services.inbox)
    except BaseException:
        await services.db.close()
        raise
    return App(settings, services, bot, dp, relay, sender, processor, throttle, health)


async def is_staff(services: Services, settings: Settings, user_id: int) -> bool:
    """Admins and granted officials: their dialogs are not throttled like questions."""
    return (
        user_id in settings.admin_ids
        or await services.roles.has(user_id, "admin")
        or await services.roles.has(user_id, "official")
    )


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
                BotCommand(command="topics", description=i18n.gettext("Browse the questions by topic")),
                BotCommand(command="forget_me", description=i18n.gettext("Delete what the bot stores about me")),
            ]
        await bot.set_my_commands(commands, language_code=locale)


async def set_descriptions(bot: Bot, i18n: I18n) -> None:
    """The bot's profile texts (what a person sees before pressing Start, and on its profile), in each
    language Telegram clients may show them in; the default is DEFAULT_LOCALE's."""
    for locale in (*i18n.available_locales, None):
        with i18n.use_locale(locale or i18n.default_locale):
            description = i18n.gettext(
                "I answer questions about the powers of akims and city mayors in Kyrgyzstan under Law No. 123 of "
                "20 October 2021, in Kyrgyz and Russian, with the legal basis. Write your question in your own "
                "words; when the answer is not in the FAQ, I can send your question to an official. /topics lists "
                "the questions by topic."
            )
            short = i18n.gettext("Powers of akims and mayors in Kyrgyzstan: answers with the legal basis, in Kyrgyz and Russian.")
        await bot.set_my_description(description=description[:512], language_code=locale)
        await bot.set_my_short_description(short_description=short[:120], language_code=locale)
