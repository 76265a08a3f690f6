"""Request middlewares of the bot's session: retry Telegram's 429 and 5xx answers and network failures
within bounds, remember when Telegram last answered, accept that an old button press can no longer be
acknowledged, and keep the parsed response types alive."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)


class TelegramHealth:
    """When a call to Telegram last succeeded (for the readiness check)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.last_answer: float | None = None

    def answered(self) -> None:
        self.last_answer = self.clock()

    def seconds_since_answer(self) -> float | None:
        return None if self.last_answer is None else self.clock() - self.last_answer


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
        health: TelegramHealth | None = None,
    ):
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep
        self.health = health or TelegramHealth()

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                response = await make_request(bot, method)
                self.health.answered()
                return response
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


class StaleQueryMiddleware(BaseRequestMiddleware):
    """A button press handled late (after a restart) can no longer be acknowledged: Telegram answers
    "query is too old". The press itself is still handled; only the spinner stopped long ago."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            text = exc.message.lower()
            if isinstance(method, AnswerCallbackQuery) and ("too old" in text or "query id is invalid" in text):
                log.info("button press %s acknowledged too late (%s)", method.callback_query_id, exc.message)
                return Response[Any](ok=True, result=True)
            raise


class ResponseModels(BaseRequestMiddleware):
    """Keeps one ``Response[T]`` class alive per Telegram method.

    aiogram parses every answer with ``Response[method.__returning__]``; pydantic caches parametrized
    models in a weak-valued dictionary, so once nothing else holds the class the garbage collector frees
    it and the next call builds the model and its validator again. Under load that was about a tenth of
    the event loop's busy time (py-spy on bench/load.py); holding a reference makes it a cache hit.
    """

    def __init__(self) -> None:
        self._held: dict[type, type] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self._held:
            self._held[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
