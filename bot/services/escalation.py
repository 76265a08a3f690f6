"""Turning a logged question into a ticket for officials, within per-user limits (no Telegram here)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.storage.database import QuestionLog
from bot.storage.tickets import Ticket, TicketStore


@dataclass(frozen=True)
class Limits:
    open_tickets: int
    daily_tickets: int


class LimitReached(Exception):
    def __init__(self, kind: str, limit: int):
        self.kind = kind  # "open" or "daily"
        self.limit = limit
        super().__init__(f"{kind} limit {limit}")


class EscalationService:
    def __init__(self, tickets: TicketStore, questions: QuestionLog, limits: Limits):
        self.tickets = tickets
        self.questions = questions
        self.limits = limits

    async def question_of(self, question_id: int, user_id: int):
        """The logged question, only if it is this user's own (callback data can be forged)."""
        row = await self.questions.get(question_id)
        if row is None or row["user_id"] != user_id:
            return None
        return row

    async def open_ticket(self, question_id: int, user_id: int, asker_name: str) -> tuple[Ticket, bool]:
        """Create the ticket for a logged question (idempotent per question); raises LimitReached."""
        row = await self.question_of(question_id, user_id)
        if row is None:
            raise LookupError(question_id)
        existing = await self.tickets.by_question(question_id)
        if existing:
            return existing, False
        open_now = await self.tickets.open_of_user(user_id)
        if len(open_now) >= self.limits.open_tickets:
            raise LimitReached("open", self.limits.open_tickets)
        today = await self.tickets.count_since(user_id, datetime.now(UTC) - timedelta(days=1))
        if today >= self.limits.daily_tickets:
            raise LimitReached("daily", self.limits.daily_tickets)
        candidates = [{"id": i, "score": s} for i, s in json.loads(row["candidates"] or "[]")]
        return await self.tickets.create(
            question_id=question_id,
            user_id=user_id,
            chat_id=row["chat_id"],
            asker_name=asker_name,
            lang=row["lang"],
            text=row["text"],
            candidates=candidates,
        )
