"""The counts /stats and ``python -m bot stats`` are made of (aggregated in bot/services/stats.py)."""

from __future__ import annotations

from bot.storage.database import Database, Row

# Questions proper (not greetings, thanks, junk or throttled messages) and their outcome. A question an
# official got (it has a ticket) counts as escalated, whatever the FAQ did with it first.
QUESTION_STATUSES = "('answer', 'suggest', 'none', 'ask')"
_OUTCOME = """
    CASE WHEN EXISTS (SELECT 1 FROM tickets t WHERE t.question_id = q.id) THEN 'escalated'
         WHEN q.status = 'answer' THEN 'answered'
         WHEN q.status = 'suggest' THEN 'suggested'
         ELSE 'none' END
"""


class StatsQueries:
    def __init__(self, db: Database):
        self.db = db

    async def outcomes(self, since: str) -> list[Row]:
        """(day, outcome, n) for questions asked from ``since`` (an ISO time, UTC) on."""
        return await self.db.fetchall(
            f"SELECT substr(q.created_at, 1, 10) AS day, {_OUTCOME} AS outcome, COUNT(*) AS n FROM questions q "
            f"WHERE q.created_at >= ? AND q.status IN {QUESTION_STATUSES} GROUP BY day, outcome",
            (since,),
        )

    async def languages(self, since: str) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT lang, COUNT(*) AS n FROM questions WHERE created_at >= ? AND status IN {QUESTION_STATUSES} "
            "GROUP BY lang ORDER BY n DESC, lang",
            (since,),
        )

    async def answers_by_entry(self, since: str, limit: int) -> list[Row]:
        """The entries shown most often (answers, picked suggestions, /topics, links) with their votes."""
        return await self.db.fetchall(
            "SELECT entry_id, COUNT(*) AS shown, COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down "
            "FROM shown_answers WHERE created_at >= ? GROUP BY entry_id ORDER BY shown DESC, entry_id LIMIT ?",
            (since, limit),
        )

    async def votes_by_day(self, since: str) -> list[Row]:
        return await self.db.fetchall(
            "SELECT substr(created_at, 1, 10) AS day, COALESCE(SUM(vote = 1), 0) AS up, "
            "COALESCE(SUM(vote = -1), 0) AS down, COALESCE(SUM(source = 'suggestion'), 0) AS picked, COUNT(*) AS shown "
            "FROM shown_answers WHERE created_at >= ? GROUP BY day",
            (since,),
        )

    async def tickets(self, since: str) -> list[Row]:
        """Tickets opened from ``since`` on, each with the time of its first official answer (or None)."""
        return await self.db.fetchall(
            "SELECT t.id, t.created_at, (SELECT MIN(a.created_at) FROM ticket_answers a WHERE a.ticket_id = t.id) "
            "AS first_answer FROM tickets t WHERE t.created_at >= ? ORDER BY t.id",
            (since,),
        )

    async def unanswered(self, since: str, limit: int = 5000) -> list[Row]:
        """The texts of the questions the FAQ did not answer, newest first."""
        return await self.db.fetchall(
            "SELECT q.text, q.lang, q.question_lang FROM questions q WHERE q.created_at >= ? "
            "AND q.status IN ('none', 'suggest', 'ask') ORDER BY q.id DESC LIMIT ?",
            (since, limit),
        )
