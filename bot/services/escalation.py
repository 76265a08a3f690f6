"""Turning a logged question into a ticket for officials, within per-user limits (no Telegram here)."""

from __future__ import annotations

import json

from bot.config import LOCALES
from bot.storage.questions import QuestionLog
from bot.storage.tickets import Limits, LimitReached, Ticket, TicketStore

__all__ = ["EscalationService", "LimitReached", "Limits"]


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

    async def open_ticket(self, question_id: int, user_id: int, asker_name: str, lang: str) -> tuple[Ticket, bool]:
        """Create the ticket for a logged question (idempotent per question); raises LimitReached.

        The ticket records the asker's language: the one the question was answered in, else ``lang``
        (the language the asker is spoken to now); never anything but ky or ru.
        """
        row = await self.question_of(question_id, user_id)
        if row is None:
            raise LookupError(question_id)
        candidates = [{"id": i, "score": s} for i, s in json.loads(row["candidates"] or "[]")]
        return await self.tickets.create(
            question_id=question_id,
            user_id=user_id,
            chat_id=row["chat_id"],
            asker_name=asker_name,
            lang=row["lang"] if row["lang"] in LOCALES else lang,
            text=row["text"],
            candidates=candidates,
            limits=self.limits,
        )
