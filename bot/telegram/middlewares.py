"""Outer middlewares, in the order they run for every update: load the user, set the language, throttle."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _

from bot.storage.database import QuestionLog, Users

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the stored user, so later middlewares and handlers see their language."""

    def __init__(self, users: Users):
        self.users = users

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TelegramUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            data["user"] = await self.users.get_or_create(tg_user.id, tg_user.first_name or "")
        return await handler(event, data)


class UserLanguageMiddleware(I18nMiddleware):
    """The stored choice first; before a choice, the Telegram client's language if we have it."""

    def __init__(self, i18n: I18n):
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None and user.lang in self.i18n.available_locales:
            return user.lang
        tg_user: TelegramUser | None = data.get("event_from_user")
        code = (tg_user.language_code or "").split("-")[0] if tg_user else ""
        if code in self.i18n.available_locales:
            return code
        return self.i18n.default_locale


class ThrottlingMiddleware(BaseMiddleware):
    """At most ``limit`` private messages per user per ``window`` seconds; the rest get a polite refusal.

    A refused message is still written to the question log (status "throttled"), so nothing is lost.
    The refusal itself is sent once per window, not for every extra message.
    """

    def __init__(self, question_log: QuestionLog, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.log = question_log
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is None or message.chat.type != "private" or message.from_user is None:
            return await handler(event, data)
        now = self.clock()
        stamps = self._seen[message.from_user.id]
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            return await handler(event, data)
        user = data.get("user")
        await self.log.record(
            user_id=message.from_user.id,
            chat_id=message.chat.id,
            text=message.text or message.caption or "",
            lang=getattr(user, "lang", None) or "",
            status="throttled",
        )
        log.warning("throttled user %s in chat %s", message.from_user.id, message.chat.id)
        if now - self._warned.get(message.from_user.id, -self.window) >= self.window:
            self._warned[message.from_user.id] = now
            await message.answer(_("You are sending messages too fast. Please wait a little and try again."))
        return None

