"""Tickets: questions sent to officials, their place in the officials' chat, and the answers.

Routing never relies on Telegram's ``forward_from`` (hidden when a user restricts forwarding): every
message the bot posts about a ticket in the officials' chat is recorded in ``ticket_messages``, and every
forum topic a ticket ever had in ``ticket_topics``.

Every change that owes somebody a message writes that message into the outbox in the same transaction
(:mod:`bot.storage.outbox`), so it is sent exactly once even if the process dies right after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage.database import Database, Row, Tx, utcnow
from bot.storage.outbox import DELIVER_ANSWER, OFFICIALS_NOTE, POST_TICKET, Outbox

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
PENDING, DELIVERED, BLOCKED, FAILED = "pending", "delivered", "blocked", "failed"


@dataclass(frozen=True)
class Ticket:
    id: int
    question_id: int | None
    user_id: int
    chat_id: int
    asker_name: str
    lang: str
    text: str
    candidates: list[dict]
    status: str
    officials_chat_id: int | None
    officials_message_id: int | None
    topic_id: int | None
    created_at: str

    @property
    def posted(self) -> bool:
        return self.officials_message_id is not None


@dataclass(frozen=True)
class Answer:
    id: int
    ticket_id: int
    official_id: int
    official_name: str
    text: str
    delivery: str
    attempts: int


@dataclass(frozen=True)
class Limits:
    open_tickets: int
    daily_tickets: int


class LimitReached(Exception):
    def __init__(self, kind: str, limit: int):
        self.kind = kind  # "open" or "daily"
        self.limit = limit
        super().__init__(f"{kind} limit {limit}")


def _ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        question_id=row["question_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        asker_name=row["asker_name"],
        lang=row["lang"],
        text=row["text"],
        candidates=json.loads(row["candidates"]),
        status=row["status"],
        officials_chat_id=row["officials_chat_id"],
        officials_message_id=row["officials_message_id"],
        topic_id=row["topic_id"],
        created_at=row["created_at"],
    )


def _answer(row: Row) -> Answer:
    return Answer(row["id"], row["ticket_id"], row["official_id"], row["official_name"], row["text"],
                  row["delivery"], row["attempts"])


class TicketStore:
    def __init__(self, db: Database):
        self.db = db

    async def create(
        self, *, question_id: int | None, user_id: int, chat_id: int, asker_name: str, lang: str, text: str,
        candidates: list[dict], limits: Limits | None = None, now: datetime | None = None,
    ) -> tuple[Ticket, bool]:
        """Store a new open ticket and owe its post to the officials; (ticket, created).

        One transaction: confirming the same question twice (a double tap, a replay) returns the first
        ticket, and the per-user limits are checked against what is really stored, so six simultaneous
        confirmations cannot slip past a limit of three. Raises LimitReached.
        """
        now = now or datetime.now(UTC)
        async with self.db.transaction() as tx:
            if question_id is not None:
                existing = await tx.fetchone("SELECT * FROM tickets WHERE question_id = ?", (question_id,))
                if existing is not None:
                    return _ticket(existing), False
            if limits is not None:
                row = await tx.fetchone(
                    "SELECT COUNT(*) AS n FROM tickets WHERE user_id = ? AND status != 'closed'", (user_id,)
                )
                if row["n"] >= limits.open_tickets:
                    raise LimitReached("open", limits.open_tickets)
                since = (now - timedelta(days=1)).isoformat(timespec="seconds")
                row = await tx.fetchone(
                    "SELECT COUNT(*) AS n FROM tickets WHERE user_id = ? AND created_at >= ?", (user_id, since)
                )
                if row["n"] >= limits.daily_tickets:
                    raise LimitReached("daily", limits.daily_tickets)
            stamp = now.isoformat(timespec="seconds")
            cur = await tx.execute(
                "INSERT INTO tickets (question_id, user_id, chat_id, asker_name, lang, text, candidates, status, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                (question_id, user_id, chat_id, asker_name, lang, text, json.dumps(candidates), stamp, stamp),
            )
            ticket_id = cur.lastrowid
            await Outbox.add(tx, POST_TICKET, ticket_id=ticket_id)
            row = await tx.fetchone("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(row), True

    async def _one(self, sql: str, args: tuple) -> Ticket | None:
        row = await self.db.fetchone(sql, args)
        return _ticket(row) if row else None

    async def _many(self, sql: str, args: tuple = ()) -> list[Ticket]:
        return [_ticket(r) for r in await self.db.fetchall(sql, args)]

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))

    async def by_question(self, question_id: int) -> Ticket | None:
        return await self._one("SELECT * FROM tickets WHERE question_id = ?", (question_id,))

    async def by_message(self, chat_id: int, message_id: int) -> Ticket | None:
        return await self._one(
            "SELECT t.* FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id "
            "WHERE m.chat_id = ? AND m.message_id = ?",
            (chat_id, message_id),
        )

    async def by_topic(self, chat_id: int, topic_id: int) -> Ticket | None:
        """The ticket a forum topic belongs to, also when it has since moved to a re-created topic."""
        return await self._one(
            "SELECT t.* FROM tickets t JOIN ticket_topics p ON p.ticket_id = t.id WHERE p.chat_id = ? AND p.topic_id = ?",
            (chat_id, topic_id),
        )

    async def open_of_user(self, user_id: int) -> list[Ticket]:
        return await self._many("SELECT * FROM tickets WHERE user_id = ? AND status != 'closed' ORDER BY id", (user_id,))

    async def waiting_for_reminder(self, older_than: timedelta, now: datetime | None = None) -> list[Ticket]:
        now = now or datetime.now(UTC)
        created_before = (now - older_than).isoformat(timespec="seconds")
        reminded_before = (now - timedelta(hours=23)).isoformat(timespec="seconds")
        return await self._many(
            "SELECT * FROM tickets WHERE status = 'open' AND created_at <= ? "
            "AND (reminded_at IS NULL OR reminded_at <= ?) ORDER BY id",
            (created_before, reminded_before),
        )

    async def mark_reminded(self, ticket_ids: list[int], now: datetime | None = None) -> None:
        stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        async with self.db.transaction() as tx:
            await tx.executemany("UPDATE tickets SET reminded_at = ? WHERE id = ?", [(stamp, i) for i in ticket_ids])

    # -- the ticket's place in the officials' chat (called inside the sender's transaction) ---------------

    @staticmethod
    async def set_posted(tx: Tx, ticket_id: int, chat_id: int, message_id: int, topic_id: int | None) -> None:
        await tx.execute(
            "UPDATE tickets SET officials_chat_id = ?, officials_message_id = ?, topic_id = ?, updated_at = ? WHERE id = ?",
            (chat_id, message_id, topic_id, utcnow(), ticket_id),
        )
        await TicketStore.link_message(tx, chat_id, message_id, ticket_id)

    async def set_topic(self, ticket_id: int, chat_id: int, topic_id: int | None) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE tickets SET officials_chat_id = ?, topic_id = ?, updated_at = ? WHERE id = ?",
                (chat_id, topic_id, utcnow(), ticket_id),
            )
            if topic_id is not None:
                await tx.execute(
                    "INSERT OR REPLACE INTO ticket_topics (chat_id, topic_id, ticket_id) VALUES (?, ?, ?)",
                    (chat_id, topic_id, ticket_id),
                )

    @staticmethod
    async def link_message(tx: Tx, chat_id: int, message_id: int, ticket_id: int) -> None:
        await tx.execute(
            "INSERT OR IGNORE INTO ticket_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?)",
            (chat_id, message_id, ticket_id),
        )

    async def remember_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.link_message(tx, chat_id, message_id, ticket_id)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its messages keep their ids under the new chat id."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE tickets SET officials_chat_id = ? WHERE officials_chat_id = ?", (new_chat_id, old_chat_id))
            await tx.execute("UPDATE ticket_messages SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
            await tx.execute("UPDATE OR IGNORE ticket_topics SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))

    # -- status ------------------------------------------------------------------------------------------

    async def set_status(self, ticket_id: int, status: str, *, notes: list[dict[str, Any]] = ()) -> bool:
        """Change the status and owe the given messages, in one transaction; False if it already had it.

        ``notes``: outbox items as {"kind": OFFICIALS_NOTE | ASKER_NOTICE, "payload": {...}, "chat_id": ...}.
        """
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ? AND status != ?",
                (status, utcnow(), ticket_id, status),
            )
            if cur.rowcount == 0:
                return False
            for note in notes:
                await Outbox.add(tx, note["kind"], ticket_id=ticket_id, chat_id=note.get("chat_id"),
                                 payload=note.get("payload"))
            return True

    async def add_note(self, ticket_id: int, text: str) -> None:
        """Owe the officials a note about a ticket (sent where the ticket lives)."""
        async with self.db.transaction() as tx:
            await Outbox.add(tx, OFFICIALS_NOTE, ticket_id=ticket_id, payload={"text": text})

    # -- answers ------------------------------------------------------------------------------------------

    async def add_answer(self, ticket_id: int, official_id: int, official_name: str, text: str, *,
                         source: tuple[int, int] | None = None) -> tuple[Answer, bool]:
        """Store an official's answer and owe its delivery, in one transaction; (answer, created).

        ``source`` is the (chat id, message id) it was written in: the same message recorded twice (a
        replay after a crash, an edited message) is one answer.
        """
        async with self.db.transaction() as tx:
            if source is not None:
                row = await tx.fetchone(
                    "SELECT * FROM ticket_answers WHERE source_chat_id = ? AND source_message_id = ?", source
                )
                if row is not None:
                    return _answer(row), False
            ticket = await tx.fetchone("SELECT chat_id FROM tickets WHERE id = ?", (ticket_id,))
            cur = await tx.execute(
                "INSERT INTO ticket_answers (ticket_id, official_id, official_name, text, delivery, created_at, "
                "source_chat_id, source_message_id) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                (ticket_id, official_id, official_name, text, utcnow(), *(source or (None, None))),
            )
            answer_id = cur.lastrowid
            await tx.execute(
                "UPDATE tickets SET status = 'answered', updated_at = ? WHERE id = ? AND status = 'open'",
                (utcnow(), ticket_id),
            )
            await Outbox.add(tx, DELIVER_ANSWER, ticket_id=ticket_id, answer_id=answer_id, chat_id=ticket["chat_id"])
            row = await tx.fetchone("SELECT * FROM ticket_answers WHERE id = ?", (answer_id,))
        return _answer(row), True

    async def answer(self, answer_id: int) -> Answer | None:
        row = await self.db.fetchone("SELECT * FROM ticket_answers WHERE id = ?", (answer_id,))
        return _answer(row) if row else None

    async def answers(self, ticket_id: int) -> list[Answer]:
        rows = await self.db.fetchall("SELECT * FROM ticket_answers WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [_answer(r) for r in rows]

    @staticmethod
    async def set_delivery(tx: Tx, answer_id: int, delivery: str) -> None:
        delivered_at = utcnow() if delivery == DELIVERED else None
        await tx.execute(
            "UPDATE ticket_answers SET delivery = ?, attempts = attempts + 1, delivered_at = ? WHERE id = ?",
            (delivery, delivered_at, answer_id),
        )

    # -- FAQ drafts ---------------------------------------------------------------------------------------

    async def add_draft(self, ticket: Ticket, answer_text: str, created_by: int) -> int:
        cur = await self.db.execute(
            "INSERT INTO faq_drafts (ticket_id, lang, question, answer, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (ticket.id, ticket.lang, ticket.text, answer_text, created_by, utcnow()),
        )
        return cur.lastrowid

    async def drafts(self, limit: int = 10) -> list[Row]:
        return await self.db.fetchall("SELECT * FROM faq_drafts ORDER BY id DESC LIMIT ?", (limit,))


class RuntimeSettings:
    """Small values the bot learns while running (they outlive a restart)."""

    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM runtime_settings WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO runtime_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
