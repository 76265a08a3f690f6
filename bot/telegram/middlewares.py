"""Outer middlewares, in the order they run for every update: load the user, decide the language, throttle."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.services.knowledge import KnowledgeBase
from bot.services.language import choose_language, confident_language
from bot.storage.questions import QuestionLog
from bot.storage.users import Users

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def question_text(update: Update) -> str | None:
    """The text of a question in a private chat (a message's text or caption, or what follows /ask), None
    for anything else."""
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    text = message.text or message.caption
    if not text:
        return None
    if text.startswith("/"):
        command, _sep, rest = text.partition(" ")
        return rest.strip() or None if command.split("@")[0] == "/ask" else None
    return text


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the stored user, so later middlewares and handlers see their language."""

    def __init__(self, users: Users):
        self.users = users

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TelegramUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            data["user"] = await self.users.get_or_create(tg_user.id, tg_user.first_name or "")
        return await handler(event, data)


class LanguageMiddleware(I18nMiddleware):
    """Decides the language of everything the bot says in this update (bot.services.language): the chosen
    one, else the language of the question being asked (or the last one asked), else the Telegram app's,
    else DEFAULT_LOCALE. The detected language of a question is handed on as ``question_lang``."""

    def __init__(self, i18n: I18n, knowledge: KnowledgeBase):
        super().__init__(i18n)
        self.knowledge = knowledge

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        text = question_text(event) if isinstance(event, Update) else None
        if text is not None:
            data["question_lang"] = confident_language(*self.knowledge.matcher.detect_language(text))
        tg_user: TelegramUser | None = data.get("event_from_user")
        return choose_language(
            chosen=getattr(user, "lang", None),
            question_lang=data.get("question_lang") or getattr(user, "question_lang", None),
            client_code=tg_user.language_code if tg_user else None,
            default=self.i18n.default_locale,
        )


class ThrottlingMiddleware(BaseMiddleware):
    """At most ``limit`` private messages and ``limit`` button presses per user per ``window`` seconds.

    Admins and officials are never throttled (their dialogs are pasted quickly, step after step), nor are
    updates handled again after a restart. A refused message is written to the question log (status
    "throttled"), and is always followed by a warning: one warning, sent once the burst is over, covers
    every message refused in it and says how many to send again. A refused button press is answered
    with a short alert at once (no chat message).
    """

    def __init__(self, question_log: QuestionLog, limit: int, window: float, is_exempt: Callable[[int], Awaitable[bool]],
                 i18n: I18n, clock: Callable[[], float] = time.monotonic):
        self.log = question_log
        self.limit = limit
        self.window = window
        self.is_exempt = is_exempt
        self.i18n = i18n
        self.clock = clock
        self._seen: dict[tuple[str, int], deque[float]] = defaultdict(deque)
        self._refused: dict[int, int] = {}
        self._warnings: dict[int, asyncio.Task[None]] = {}

    def _allowed(self, kind: str, user_id: int) -> bool:
        now = self.clock()
        stamps = self._seen[kind, user_id]
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            return True
        return False

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update) or data.get("replayed"):
            return await handler(event, data)
        message, query = event.message, event.callback_query
        if message is not None and message.chat.type == "private" and message.from_user is not None:
            kind, user_id = "message", message.from_user.id
        elif query is not None and (query.message is None or query.message.chat.type == "private"):
            kind, user_id = "button", query.from_user.id
        else:
            return await handler(event, data)
        if self._allowed(kind, user_id) or await self.is_exempt(user_id):
            return await handler(event, data)
        if query is not None:
            await query.answer(_("Too many presses. Please wait a few seconds."), show_alert=True)
            return None
        await self._refuse(message, data)
        return None

    async def _refuse(self, message: Message, data: dict[str, Any]) -> None:
        user_id = message.from_user.id
        await self.log.record(
            user_id=user_id, chat_id=message.chat.id, text=message.text or message.caption or "",
            lang=self.i18n.current_locale, status="throttled",
        )
        log.warning("throttled user %s in chat %s", user_id, message.chat.id)
        self._refused[user_id] = self._refused.get(user_id, 0) + 1
        if user_id not in self._warnings:
            locale = self.i18n.current_locale
            task = asyncio.create_task(self._warn_after_burst(data["bot"], message.chat.id, user_id, locale))
            self._warnings[user_id] = task

    async def _warn_after_burst(self, bot: Bot, chat_id: int, user_id: int, locale: str) -> None:
        """Sleep until the user's window frees up (or until shutdown), then send one warning for the burst."""
        stamps = self._seen["message", user_id]
        wait = (stamps[0] + self.window - self.clock()) if stamps else 0.0
        try:
            await asyncio.sleep(max(wait, 1.0))
        except asyncio.CancelledError:
            pass  # shutting down: warn now rather than never
        self._warnings.pop(user_id, None)
        count = self._refused.pop(user_id, 0)
        with self.i18n.context(), self.i18n.use_locale(locale):
            text = ngettext(
                "You wrote faster than I can read: I skipped {count} message. Please send it again.",
                "You wrote faster than I can read: I skipped {count} messages. Please send them again.",
                count,
            ).format(count=count)
        try:
            await bot.send_message(chat_id, text)
        except Exception:  # noqa: BLE001 - the user may have blocked the bot meanwhile
            log.exception("throttling warning to user %s not sent", user_id)

    async def close(self) -> None:
        """At shutdown: the warnings still waiting go out now."""
        tasks = list(self._warnings.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
