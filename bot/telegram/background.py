"""Work the bot does besides answering updates, in both polling and webhook mode: send what the outbox
holds (retries, work left by a stopped process), remind officials of old tickets, forget handled updates,
notice FAQ changes made by another process, and anonymise questions past the retention period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

REMIND_EVERY_SECONDS = 3600.0  # the relay itself reminds of each ticket at most once a day
CLEAN_EVERY_SECONDS = 6 * 3600.0
KNOWLEDGE_CHECK_SECONDS = 30.0
RETENTION_EVERY_SECONDS = 6 * 3600.0  # questions past QUESTION_LOG_RETENTION_DAYS are anonymised


async def every(seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event, name: str) -> None:
    """Run ``job`` now and then every ``seconds`` until ``stop``; a failing run is logged, not fatal."""
    while not stop.is_set():
        try:
            await job()
        except Exception:  # noqa: BLE001 - the next run may succeed (a locked database, Telegram down)
            log.exception("background job %s failed", name)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


class Background:
    def __init__(self, app) -> None:
        self.app = app
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> Background:
        app = self.app
        self.tasks = [
            asyncio.create_task(app.sender.run(self.stop), name="outbox"),
            asyncio.create_task(every(REMIND_EVERY_SECONDS, app.relay.remind, self.stop, "reminders")),
            asyncio.create_task(every(CLEAN_EVERY_SECONDS, app.services.inbox.forget_old, self.stop, "inbox clean-up")),
            asyncio.create_task(every(KNOWLEDGE_CHECK_SECONDS, app.services.knowledge.refresh_if_changed,
                                      self.stop, "FAQ changes")),
            asyncio.create_task(every(RETENTION_EVERY_SECONDS, app.services.privacy.anonymise_old, self.stop,
                                      "question log retention")),
        ]
        return self

    async def close(self, timeout: float = 10.0) -> None:
        """Let the current round finish (bounded), then stop."""
        self.stop.set()
        if not self.tasks:
            return
        done, pending = await asyncio.wait(self.tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
