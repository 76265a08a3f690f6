"""Tickets: questions sent to officials, their place in the officials' chat, and the answers.

Routing never relies on Telegram's ``forward_from`` (hidden when a user restricts forwarding): every
message the bot posts about a ticket in the officials' chat is recorded in ``ticket_messages``, and a
forum topic is recorded on the ticket itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.storage.database import Database, utcnow

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
PENDING, DELIVERED, BLOCKED = "pending", "delivered", "blocked"


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


def _ticket(row) -> Ticket:
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


def _answer(row) -> Answer:
    return Answer(row["id"], row["ticket_id"], row["official_id"], row["official_name"], row["text"],
                  row["delivery"], row["attempts"])


class TicketStore:
    def __init__(self, db: Database):
        self.db = db

    async def create(
        self, *, question_id: int | None, user_id: int, chat_id: int, asker_name: str, lang: str, text: str,
        candidates: list[dict],
    ) -> tuple[Ticket, bool]:
        """Store a new open ticket; (ticket, created). Confirming the same question twice returns the first."""
        if question_id is not None:
            existing = await self.by_question(question_id)
            if existing:
                return existing, False
        now = utcnow()
        cur = await self.db.conn.execute(
            "INSERT INTO tickets (question_id, user_id, chat_id, asker_name, lang, text, candidates, status, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            (question_id, user_id, chat_id, asker_name, lang, text, json.dumps(candidates), now, now),
        )
        await self.db.conn.commit()
        return await self.get(cur.lastrowid), True

    async def _one(self, sql: str, args: tuple) -> Ticket | None:
        async with self.db.conn.execute(sql, args) as cur:
            row = await cur.fetchone()
        return _ticket(row) if row else None

    async def _many(self, sql: str, args: tuple = ()) -> list[Ticket]:
        async with self.db.conn.execute(sql, args) as cur:
            return [_ticket(r) for r in await cur.fetchall()]

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
        return await self._one("SELECT * FROM tickets WHERE officials_chat_id = ? AND topic_id = ?", (chat_id, topic_id))

    async def open_of_user(self, user_id: int) -> list[Ticket]:
        return await self._many(
            "SELECT * FROM tickets WHERE user_id = ? AND status != 'closed' ORDER BY id", (user_id,)
        )

    async def count_since(self, user_id: int, since: datetime) -> int:
        async with self.db.conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE user_id = ? AND created_at >= ?",
            (user_id, since.isoformat(timespec="seconds")),
        ) as cur:
            (count,) = await cur.fetchone()
        return count

    async def unposted(self) -> list[Ticket]:
        return await self._many("SELECT * FROM tickets WHERE officials_message_id IS NULL AND status != 'closed' ORDER BY id")

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
        await self.db.conn.executemany("UPDATE tickets SET reminded_at = ? WHERE id = ?", [(stamp, i) for i in ticket_ids])
        await self.db.conn.commit()

    async def set_posted(self, ticket_id: int, chat_id: int, message_id: int, topic_id: int | None) -> None:
        await self.db.conn.execute(
            "UPDATE tickets SET officials_chat_id = ?, officials_message_id = ?, topic_id = ?, updated_at = ? WHERE id = ?",
            (chat_id, message_id, topic_id, utcnow(), ticket_id),
        )
        await self.link_message(chat_id, message_id, ticket_id)

    async def set_topic(self, ticket_id: int, chat_id: int, topic_id: int | None) -> None:
        await self.db.conn.execute(
            "UPDATE tickets SET officials_chat_id = ?, topic_id = ?, updated_at = ? WHERE id = ?",
            (chat_id, topic_id, utcnow(), ticket_id),
        )
        await self.db.conn.commit()

    async def link_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.db.conn.execute(
            "INSERT OR IGNORE INTO ticket_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?)",
            (chat_id, message_id, ticket_id),
        )
        await self.db.conn.commit()

    async def set_status(self, ticket_id: int, status: str) -> None:
        await self.db.conn.execute("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", (status, utcnow(), ticket_id))
        await self.db.conn.commit()

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its messages keep their ids under the new chat id."""
        await self.db.conn.execute("UPDATE tickets SET officials_chat_id = ? WHERE officials_chat_id = ?", (new_chat_id, old_chat_id))
        await self.db.conn.execute("UPDATE ticket_messages SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        await self.db.conn.commit()

    # -- answers ----------------------------------------------------------------------------------

    async def add_answer(self, ticket_id: int, official_id: int, official_name: str, text: str) -> tuple[Answer, bool]:
        """Store an official's answer as pending delivery; (answer, is_first_answer_of_ticket)."""
        async with self.db.conn.execute("SELECT COUNT(*) FROM ticket_answers WHERE ticket_id = ?", (ticket_id,)) as cur:
            (earlier,) = await cur.fetchone()
        cur = await self.db.conn.execute(
            "INSERT INTO ticket_answers (ticket_id, official_id, official_name, text, delivery, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?)",
            (ticket_id, official_id, official_name, text, utcnow()),
        )
        await self.db.conn.execute(
            "UPDATE tickets SET status = 'answered', updated_at = ? WHERE id = ? AND status = 'open'", (utcnow(), ticket_id)
        )
        await self.db.conn.commit()
        async with self.db.conn.execute("SELECT * FROM ticket_answers WHERE id = ?", (cur.lastrowid,)) as c:
            return _answer(await c.fetchone()), earlier == 0

    async def answers(self, ticket_id: int) -> list[Answer]:
        async with self.db.conn.execute("SELECT * FROM ticket_answers WHERE ticket_id = ? ORDER BY id", (ticket_id,)) as cur:
            return [_answer(r) for r in await cur.fetchall()]

    async def pending_answers(self) -> list[Answer]:
        async with self.db.conn.execute("SELECT * FROM ticket_answers WHERE delivery = 'pending' ORDER BY id") as cur:
            return [_answer(r) for r in await cur.fetchall()]

    async def set_delivery(self, answer_id: int, delivery: str) -> None:
        delivered_at = utcnow() if delivery == DELIVERED else None
        await self.db.conn.execute(
            "UPDATE ticket_answers SET delivery = ?, attempts = attempts + 1, delivered_at = ? WHERE id = ?",
            (delivery, delivered_at, answer_id),
        )
        await self.db.conn.commit()

    async def count_attempt(self, answer_id: int) -> None:
        """A delivery attempt failed for now; the answer stays pending."""
        await self.db.conn.execute("UPDATE ticket_answers SET attempts = attempts + 1 WHERE id = ?", (answer_id,))
        await self.db.conn.commit()

    async def add_draft(self, ticket: Ticket, answer_text: str, created_by: int) -> int:
        cur = await self.db.conn.execute(
            "INSERT INTO faq_drafts (ticket_id, lang, question, answer, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (ticket.id, ticket.lang, ticket.text, answer_text, created_by, utcnow()),
        )
        await self.db.conn.commit()
        return cur.lastrowid


    async def drafts(self, limit: int = 10) -> list:
        async with self.db.conn.execute("SELECT * FROM faq_drafts ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            return list(await cur.fetchall())


class RuntimeSettings:
    """Small values the bot learns while running (they outlive a restart)."""

    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.conn.execute("SELECT value FROM runtime_settings WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return row["value"] if row else None

    async def set(self, key: str, value: str) -> None:
        await self.db.conn.execute(
            "INSERT INTO runtime_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self.db.conn.commit()
