"""The outbox: every message the relay owes, until it is sent.

A ticket post, an answer delivery, a note to the officials or a notice to an asker is written here in the
same transaction as the change that makes it due. A sender then *claims* one item: a single UPDATE sets
``state = 'claimed'``, its ``owner`` and a ``lease_until``; only a pending item, or a claimed one whose lease
ran out (its sender died), can be claimed. So exactly one sender owns an item at any time, across
processes and restarts; the owner renews the lease while it waits on Telegram, and marks the item done in
the same transaction as the change the sending made (the ticket's message id, the answer's delivery).

Items of one ticket go out in the order they were written: an item is claimable only when no earlier item
of the same ticket is still pending or claimed (a note about a delivery never overtakes the delivery, and a
re-posted ticket comes before the note about it). Items without a ticket keep the order of their chat.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database, Row, Tx, utcnow

PENDING, CLAIMED, DONE, FAILED, BLOCKED = "pending", "claimed", "done", "failed", "blocked"

# Kinds of items.
POST_TICKET = "post_ticket"  # put a ticket into the officials' chat
DELIVER_ANSWER = "deliver_answer"  # send an official's answer to the asker
OFFICIALS_NOTE = "officials_note"  # a note about a ticket, where the ticket lives in the officials' chat
ASKER_NOTICE = "asker_notice"  # a message to the asker about their ticket (e.g. it was closed)


def new_owner() -> str:
    """Who claims: this process, told apart from any other process now or later."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    ticket_id: int | None
    answer_id: int | None
    chat_id: int | None
    payload: dict[str, Any]
    state: str
    owner: str | None
    attempts: int
    last_error: str | None


def _item(row: Row) -> OutboxItem:
    return OutboxItem(row["id"], row["kind"], row["ticket_id"], row["answer_id"], row["chat_id"],
                      json.loads(row["payload"] or "{}"), row["state"], row["owner"], row["attempts"],
                      row["last_error"])


_CLAIMABLE = """
    (o.state = 'pending' OR (o.state = 'claimed' AND o.lease_until < :now))
    AND o.not_before <= :now
    AND NOT EXISTS (
        SELECT 1 FROM outbox e WHERE e.id < o.id AND e.state IN ('pending', 'claimed') AND (
            (o.ticket_id IS NOT NULL AND e.ticket_id = o.ticket_id)
            OR (o.ticket_id IS NULL AND e.ticket_id IS NULL AND e.chat_id = o.chat_id)))
"""


class Outbox:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock

    @staticmethod
    async def add(tx: Tx, kind: str, *, ticket_id: int | None = None, answer_id: int | None = None,
                  chat_id: int | None = None, payload: dict[str, Any] | None = None) -> int:
        """Write an item inside the caller's transaction (the change that makes it due)."""
        cur = await tx.execute(
            "INSERT INTO outbox (kind, ticket_id, answer_id, chat_id, payload, state, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (kind, ticket_id, answer_id, chat_id, json.dumps(payload or {}, ensure_ascii=False), utcnow()),
        )
        return cur.lastrowid

    async def claim(self, owner: str, lease: float, *, ticket_id: int | None = None,
                    item_id: int | None = None) -> OutboxItem | None:
        """Atomically take the oldest claimable item (of one ticket, or one item), or None."""
        now = self.clock()
        where = _CLAIMABLE
        params: dict[str, Any] = {"now": now, "owner": owner, "until": now + lease}
        if ticket_id is not None:
            where += " AND o.ticket_id = :ticket"
            params["ticket"] = ticket_id
        if item_id is not None:
            where += " AND o.id = :item"
            params["item"] = item_id
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE outbox SET state = 'claimed', owner = :owner, lease_until = :until, attempts = attempts + 1 "
                f"WHERE id = (SELECT o.id FROM outbox o WHERE {where} ORDER BY o.id LIMIT 1) RETURNING *",
                params,
            )
            row = await cur.fetchone()
        return _item(row) if row else None

    async def renew(self, item_id: int, owner: str, lease: float) -> bool:
        cur = await self.db.execute(
            "UPDATE outbox SET lease_until = ? WHERE id = ? AND owner = ? AND state = 'claimed'",
            (self.clock() + lease, item_id, owner),
        )
        return cur.rowcount == 1

    @staticmethod
    async def complete(tx: Tx, item_id: int, owner: str, state: str = DONE, error: str | None = None) -> bool:
        """Finish a claimed item inside the transaction that records what the sending changed. False when
        this owner no longer holds it (its lease ran out and somebody else took it)."""
        cur = await tx.execute(
            "UPDATE outbox SET state = ?, done_at = ?, last_error = ?, lease_until = NULL "
            "WHERE id = ? AND owner = ? AND state = 'claimed'",
            (state, utcnow(), error, item_id, owner),
        )
        return cur.rowcount == 1

    async def finish(self, item_id: int, owner: str, state: str = DONE, error: str | None = None) -> bool:
        async with self.db.transaction() as tx:
            return await self.complete(tx, item_id, owner, state, error)

    async def retry_later(self, item_id: int, owner: str, delay: float, error: str) -> None:
        """Telegram did not take it for now: back to pending, not before ``delay`` seconds from now."""
        await self.db.execute(
            "UPDATE outbox SET state = 'pending', owner = NULL, lease_until = NULL, not_before = ?, last_error = ? "
            "WHERE id = ? AND owner = ? AND state = 'claimed'",
            (self.clock() + delay, error[:500], item_id, owner),
        )

    async def save_payload(self, item_id: int, owner: str, payload: dict[str, Any]) -> None:
        await self.db.execute(
            "UPDATE outbox SET payload = ? WHERE id = ? AND owner = ? AND state = 'claimed'",
            (json.dumps(payload, ensure_ascii=False), item_id, owner),
        )

    async def recover(self, owner: str, alive: Callable[[int], bool]) -> int:
        """At start: take back items claimed by an earlier run of this program on this machine (its pid is
        gone, or it is our own pid from before a container restart), and retry every waiting item now.
        Claims of other machines (another replica) are left to their leases."""
        host, pid, tag = owner.split(":")
        released = 0
        rows = await self.db.fetchall("SELECT DISTINCT owner FROM outbox WHERE state = 'claimed' AND owner IS NOT NULL")
        for row in rows:
            try:
                their_host, their_pid, their_tag = row["owner"].split(":")
            except ValueError:
                continue
            if their_host != host or their_tag == tag:
                continue
            if their_pid == pid or not alive(int(their_pid)):
                cur = await self.db.execute(
                    "UPDATE outbox SET state = 'pending', owner = NULL, lease_until = NULL "
                    "WHERE state = 'claimed' AND owner = ?", (row["owner"],),
                )
                released += cur.rowcount
        await self.db.execute("UPDATE outbox SET not_before = 0 WHERE state = 'pending'")
        return released

    async def requeue_blocked(self, chat_id: int) -> int:
        """The person unblocked the bot: what could not reach them is due again."""
        cur = await self.db.execute(
            "UPDATE outbox SET state = 'pending', owner = NULL, not_before = 0 WHERE state = 'blocked' AND chat_id = ?",
            (chat_id,),
        )
        return cur.rowcount

    async def get(self, item_id: int) -> OutboxItem | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return _item(row) if row else None

    async def items(self, ticket_id: int | None = None) -> list[OutboxItem]:
        if ticket_id is None:
            rows = await self.db.fetchall("SELECT * FROM outbox ORDER BY id")
        else:
            rows = await self.db.fetchall("SELECT * FROM outbox WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [_item(r) for r in rows]

    async def backlog(self) -> tuple[int, str | None]:
        """(items still owed, when the oldest of them was written) for health checks and logs."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state IN ('pending', 'claimed')"
        )
        return row["n"], row["oldest"]
