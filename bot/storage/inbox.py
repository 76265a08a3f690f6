"""The inbox: every incoming update, written down before it is acted on.

Telegram forgets an update once the bot confirms it (the next getUpdates offset, or a 200 to a webhook
call). The bot confirms only what is written here, and marks an update done when its handling finished;
after a crash, what was received but not done is handled again, in order (see bot/telegram/updates.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

KEEP_DONE_SECONDS = 24 * 3600  # handled updates are kept a day: enough to recognise a repeated delivery


@dataclass(frozen=True)
class Received:
    update_id: int
    data: dict[str, Any]
    received_at: float
    attempts: int
    replied: bool = False  # the person already got the reply; only the work after it was left


class Inbox:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock

    async def record(self, updates: Sequence[dict[str, Any]]) -> list[int]:
        """Write a batch of raw updates in one transaction; returns the ids that were new (a webhook may
        deliver the same update twice; a replayed batch must not be handled twice)."""
        now = self.clock()
        fresh = []
        async with self.db.transaction() as tx:
            for update in updates:
                data = json.dumps(update, ensure_ascii=False, sort_keys=True)
                known = await tx.fetchone("SELECT data FROM inbox WHERE update_id = ?", (update["update_id"],))
                if known is not None and known["data"] == data:
                    continue  # the same update again: it is (or was) handled once
                # New, or an id Telegram reused for a different update (ids restart at random after a
                # week without updates): store it as received.
                await tx.execute(
                    "INSERT OR REPLACE INTO inbox (update_id, data, state, received_at) VALUES (?, ?, 'received', ?)",
                    (update["update_id"], data, now),
                )
                fresh.append(update["update_id"])
        return fresh

    async def start(self, update_id: int) -> None:
        await self.db.execute("UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?", (update_id,))

    async def replied(self, update_id: int) -> None:
        """The person got the reply to this update: handling it again must not send it twice."""
        await self.db.execute("UPDATE inbox SET replied_at = ? WHERE update_id = ?", (self.clock(), update_id))

    async def done(self, update_id: int) -> None:
        await self.db.execute(
            "UPDATE inbox SET state = 'done', done_at = ? WHERE update_id = ?", (self.clock(), update_id)
        )

    async def waiting(self) -> list[Received]:
        """Received but not done (the process stopped while handling them), oldest first."""
        rows = await self.db.fetchall(
            "SELECT update_id, data, received_at, attempts, replied_at FROM inbox WHERE state = 'received' "
            "ORDER BY update_id"
        )
        return [Received(r["update_id"], json.loads(r["data"]), r["received_at"], r["attempts"],
                         r["replied_at"] is not None) for r in rows]

    async def last_update_id(self) -> int | None:
        row = await self.db.fetchone("SELECT MAX(update_id) AS u FROM inbox")
        return row["u"]

    async def forget_old(self) -> int:
        cur = await self.db.execute(
            "DELETE FROM inbox WHERE state = 'done' AND done_at < ?", (self.clock() - KEEP_DONE_SECONDS,)
        )
        return cur.rowcount
