"""Incoming updates: written to the inbox before Telegram may forget them, handled, then marked done.

Long polling (:class:`Poller`) asks Telegram for updates, writes the batch to the inbox in one
transaction, and only then starts handling it; the batch is confirmed to Telegram by the *next* getUpdates
(its offset), which is sent after the batch is safely stored. A webhook call is written the same way
before it is answered 200 (bot/webhook.py). After a crash, :meth:`UpdateProcessor.replay` handles what was
received but not done, in order, before anything new; a question that waited more than a few minutes gets
a short apology with its answer.

Shutting down (SIGTERM) stops fetching and waits a bounded time for the updates being handled; what does
not finish in time stays in the inbox and is handled after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.storage.inbox import Inbox

log = logging.getLogger(__name__)

LATE_AFTER_SECONDS = 180.0  # a question answered later than this gets an apology for the wait
# Updates handled at once. The event loop is CPU-bound under load, so more in flight only lengthens the queue
# each step waits in, and with it the moment between a reply reaching Telegram and its "replied" mark being
# committed: killed in that moment, the reply goes out again after the restart. 64 gave 8-17 duplicate
# replies per five kills in bench/load.py --kills 5, 16 gives 0-4; 16 still covers Telegram's ~0.1 s round
# trip at 15-20 ms of CPU per update.
MAX_CONCURRENT_UPDATES = 16


def raw_update(update: Update) -> dict[str, Any]:
    """The update as Telegram sent it (field names as in the Bot API), to store and to replay."""
    return update.model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)


class UpdateProcessor:
    """Handles recorded updates through the dispatcher, a bounded number at a time, and tracks them so a
    shutdown can wait for them."""

    def __init__(self, dp: Dispatcher, bot: Bot, inbox: Inbox, *, late_after: float = LATE_AFTER_SECONDS,
                 concurrency: int = MAX_CONCURRENT_UPDATES, clock: Callable[[], float] = time.time):
        self.dp = dp
        self.bot = bot
        self.inbox = inbox
        self.late_after = late_after
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self.handled = 0

    async def accept(self, raws: list[dict[str, Any]]) -> list[Update]:
        """Record a batch; return the updates that were new (already recorded ones are not handled twice)."""
        if not raws:
            return []
        fresh = set(await self.inbox.record(raws))
        return [Update.model_validate(raw, context={"bot": self.bot}) for raw in raws if raw["update_id"] in fresh]

    def spawn(self, update: Update, received_at: float | None = None) -> asyncio.Task[None]:
        task = asyncio.create_task(self.handle(update, received_at if received_at is not None else self.clock()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def handle(self, update: Update, received_at: float, *, replayed: bool = False,
                     already_replied: bool = False) -> None:
        """Handle one recorded update. Handlers see ``late`` (it waited long: apologise), ``replayed`` (handled
        again after a crash) and ``already_replied`` (the person got the reply before the crash: do only the
        work after it), and may call ``mark_replied()`` once the person has their reply."""
        async with self._slots:
            late = self.clock() - received_at > self.late_after

            async def mark_replied() -> None:
                await self.inbox.replied(update.update_id)

            try:
                await self.inbox.start(update.update_id)
                await self.dp.feed_update(self.bot, update, late=late, received_at=received_at, replayed=replayed,
                                          already_replied=already_replied, mark_replied=mark_replied)
            except asyncio.CancelledError:
                log.warning("update %s was still being handled at shutdown; it is handled again after the restart",
                            update.update_id)
                raise
            except Exception:  # noqa: BLE001 - the error router already answered the user; log the rest
                log.exception("update %s failed outside the handlers", update.update_id)
            try:
                await self.inbox.done(update.update_id)
            except Exception:  # noqa: BLE001 - a full disk: handled now, possibly handled again after a restart
                log.exception("update %s handled but not marked done", update.update_id)
            self.handled += 1

    async def replay(self) -> int:
        """Handle, in order and one by one, every update received but not done before the last stop."""
        waiting = await self.inbox.waiting()
        for received in waiting:
            update = Update.model_validate(received.data, context={"bot": self.bot})
            log.warning("handling update %s again: the previous run stopped before it was done", received.update_id)
            await self.handle(update, received.received_at, replayed=True, already_replied=received.replied)
        return len(waiting)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the updates being handled; cancel the rest (they stay in the
        inbox). True when everything finished in time."""
        if not self._tasks:
            return True
        done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.warning("%d updates did not finish within %.0fs; they are handled after the restart", len(pending), timeout)
        return not pending


class Poller:
    """Long polling that confirms to Telegram only what the inbox holds."""

    def __init__(self, bot: Bot, processor: UpdateProcessor, allowed_updates: list[str], *, timeout: int = 25,
                 on_success: Callable[[], None] | None = None):
        self.bot = bot
        self.processor = processor
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.on_success = on_success
        self.offset: int | None = None  # None at start: Telegram sends whatever it has not had confirmed

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            request = GetUpdates(offset=self.offset, timeout=self.timeout, allowed_updates=self.allowed_updates)
            fetch = asyncio.create_task(self.bot(request, request_timeout=self.timeout + 15))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                fetch.cancel()  # what it would have fetched is not confirmed, so Telegram keeps it
                await asyncio.gather(fetch, return_exceptions=True)
                break
            try:
                updates = fetch.result()
            except Exception as exc:  # noqa: BLE001 - Telegram or the network is down: wait and ask again
                failures += 1
                delay = min(1.0 * 2 ** (failures - 1), 30.0)
                log.error("getUpdates failed (%s: %s); again in %.0fs", type(exc).__name__, exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                continue
            failures = 0
            if self.on_success:
                self.on_success()
            if not updates:
                continue
            try:
                fresh = await self.processor.accept([raw_update(u) for u in updates])  # stored before confirmed
            except Exception:  # noqa: BLE001 - not stored, so not confirmed: Telegram sends the batch again
                log.exception("could not record %d updates; asking for them again", len(updates))
                try:
                    await asyncio.wait_for(stop.wait(), 5.0)
                except asyncio.TimeoutError:
                    pass
                continue
            for update in fresh:
                self.processor.spawn(update)
            self.offset = updates[-1].update_id + 1
