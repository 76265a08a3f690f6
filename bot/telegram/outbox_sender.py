"""Sends what the outbox holds: each item claimed by exactly one sender, under a lease it keeps renewing.

Handlers call :meth:`OutboxSender.drain_ticket` right after a change (the asker or the official sees the
result at once); :meth:`OutboxSender.run` picks up everything else (retries, work left by a process that
died) every few seconds. Both claim through the same atomic UPDATE, so the same ticket post or answer is
never sent by both (issue: a 429 with a long retry_after while the periodic round ran sent it twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
)

from bot.storage.outbox import ASKER_NOTICE, BLOCKED, DELIVER_ANSWER, DONE, FAILED, Outbox, OutboxItem, new_owner
from bot.storage.users import Users
from bot.telegram.relay import NotConfigured, OfficialsRelay

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0  # renewed every third of it while the item is being sent
MAX_BACKOFF_SECONDS = 600.0
NOT_CONFIGURED_RETRY_SECONDS = 300.0
MAX_ATTEMPTS = 200  # an item that failed this often (days of retries) is given up and logged
TO_ASKER = (DELIVER_ANSWER, ASKER_NOTICE)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's live process
    return True


def backoff(attempts: int) -> float:
    return min(15.0 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


class OutboxSender:
    def __init__(self, outbox: Outbox, relay: OfficialsRelay, users: Users, *, owner: str | None = None,
                 lease: float = LEASE_SECONDS, poll_seconds: float = 5.0, concurrency: int = 4):
        self.outbox = outbox
        self.relay = relay
        self.users = users
        self.owner = owner or new_owner()
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.last_round_ok = True

    async def recover(self) -> int:
        """At start: what an earlier run of this process left claimed or waiting is due now."""
        released = await self.outbox.recover(self.owner, pid_alive)
        if released:
            log.warning("outbox: %d items left claimed by a stopped run are due again", released)
        return released

    # -- draining ----------------------------------------------------------------------------------------

    async def drain_ticket(self, ticket_id: int) -> int:
        """Send every item of one ticket that can go now, in order; returns how many were handled."""
        handled = 0
        while (item := await self.outbox.claim(self.owner, self.lease, ticket_id=ticket_id)) is not None:
            await self.process(item)
            handled += 1
        return handled

    async def drain(self) -> int:
        """Send everything that can go now (a few items at a time); returns how many were handled."""
        handled = 0

        async def worker() -> None:
            nonlocal handled
            while (item := await self.outbox.claim(self.owner, self.lease)) is not None:
                await self.process(item)
                handled += 1

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return handled

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: drain, then wait a little (logs a failing round and goes on)."""
        while not stop.is_set():
            try:
                handled = await self.drain()
                self.last_round_ok = True
                if handled:
                    log.info("outbox: %d items handled", handled)
            except Exception:  # noqa: BLE001 - one failing round (a locked database) must not end the loop
                self.last_round_ok = False
                log.exception("outbox round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)

    # -- one item ----------------------------------------------------------------------------------------

    async def process(self, item: OutboxItem) -> str:
        """Send a claimed item and record the outcome; returns the item's new state (or "pending")."""
        heartbeat = asyncio.create_task(self._keep_lease(item.id))
        try:
            return await self._process(item)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _keep_lease(self, item_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            if not await self.outbox.renew(item_id, self.owner, self.lease):
                log.error("outbox item %s: lease lost while sending", item_id)
                return

    async def _progress(self, item: OutboxItem, parts_sent: int) -> None:
        """A long message went out part by part: remember how far, so a retry does not repeat a part."""
        await self.outbox.save_payload(item.id, self.owner, {**item.payload, "parts_sent": parts_sent})

    async def _process(self, item: OutboxItem) -> str:
        if item.attempts > MAX_ATTEMPTS:
            log.error("outbox item %s (%s, ticket %s) given up after %d attempts: %s",
                      item.id, item.kind, item.ticket_id, item.attempts, item.last_error)
            return await self._finish(item, FAILED, "too many attempts", self.relay.undeliverable(item, FAILED, "too many attempts"))
        try:
            sent = await self.relay.send(item, lambda n: self._progress(item, n))
        except NotConfigured as exc:
            await self.outbox.retry_later(item.id, self.owner, NOT_CONFIGURED_RETRY_SECONDS, str(exc))
            return "pending"
        except TelegramForbiddenError as exc:
            if item.kind in TO_ASKER:
                log.warning("outbox item %s: the asker in chat %s blocked the bot", item.id, item.chat_id)
                await self.users.set_blocked(item.chat_id, True)
                return await self._finish(item, BLOCKED, exc.message, self.relay.undeliverable(item, BLOCKED, exc.message))
            log.error("outbox item %s: the bot cannot write to the officials' chat (%s)", item.id, exc.message)
            return await self._later(item, exc)
        except TelegramRetryAfter as exc:
            return await self._later(item, exc, delay=float(exc.retry_after))
        except (TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge) as exc:
            # A permanent refusal of this very message: retrying cannot help; the people involved are told.
            log.error("outbox item %s (%s, ticket %s) refused by Telegram: %s", item.id, item.kind, item.ticket_id, exc.message)
            return await self._finish(item, FAILED, exc.message, self.relay.undeliverable(item, FAILED, exc.message))
        except (TelegramAPIError, TelegramNetworkError, OSError) as exc:
            return await self._later(item, exc)
        return await self._finish(item, sent.state, sent.error, sent.effects)

    async def _later(self, item: OutboxItem, exc: BaseException, delay: float | None = None) -> str:
        delay = backoff(item.attempts) if delay is None else delay
        log.warning("outbox item %s (%s, ticket %s) not sent yet (%s); again in %.0fs",
                    item.id, item.kind, item.ticket_id, type(exc).__name__, delay)
        effects = self.relay.delayed(item)
        if effects:
            async with self.outbox.db.transaction() as tx:
                for effect in effects:
                    await effect(tx)
        await self.outbox.retry_later(item.id, self.owner, delay, f"{type(exc).__name__}: {exc}")
        return "pending"

    async def _finish(self, item: OutboxItem, state: str, error: str | None, effects) -> str:
        async with self.outbox.db.transaction() as tx:
            if not await Outbox.complete(tx, item.id, self.owner, state, error):
                log.error("outbox item %s finished by %s after its lease was taken over", item.id, self.owner)
                return state
            for effect in effects:
                await effect(tx)
        if state != DONE:
            log.info("outbox item %s (%s, ticket %s): %s", item.id, item.kind, item.ticket_id, state)
        return state
