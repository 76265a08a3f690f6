"""Retry Telegram's 429 and 5xx answers and network failures, within bounds, for every API call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    """Waits as long as Telegram asks on 429 (up to ``max_wait``), backs off exponentially on 5xx and
    network errors, and gives up after ``attempts`` tries by re-raising the last error, so the caller
    can keep the work pending instead of losing it."""

    def __init__(
        self,
        attempts: int = 5,
        base_delay: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                delay = float(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError):
                if attempt == self.attempts:
                    raise
                delay = min(self.base_delay * 2 ** (attempt - 1), self.max_wait)
            log.warning("%s failed (attempt %d of %d); retrying in %.1fs", method.__api_method__, attempt, self.attempts, delay)
            await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
