"""/review: the questions the FAQ did not answer well, and the admins' decision on each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.database import Database, Row, utcnow

VARIANT, NEW, SKIP, OUT_OF_SCOPE = "variant", "new", "skip", "out_of_scope"
DECISIONS = (VARIANT, NEW, SKIP, OUT_OF_SCOPE)
REVIEW_DAYS = 90  # "recent": older questions are left to /stats

# Not answered (nothing, only suggestions, or straight to an official), answered with 👎, or answered
# after the person picked a suggestion; and no decision yet.
_WAITING = """
    FROM questions q
    WHERE q.created_at >= :since
      AND NOT EXISTS (SELECT 1 FROM question_reviews r WHERE r.question_id = q.id)
      AND (q.status IN ('none', 'suggest', 'ask')
           OR EXISTS (SELECT 1 FROM shown_answers s WHERE s.question_id = q.id AND s.vote = -1)
           OR EXISTS (SELECT 1 FROM variant_candidates c WHERE c.question_id = q.id))
"""


class ReviewStore:
    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _since(days: int = REVIEW_DAYS) -> str:
        return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")

    async def waiting(self, limit: int = 1, before: int | None = None) -> list[Row]:
        """The newest questions waiting for a decision (older than question ``before``, when given)."""
        extra = " AND q.id < :before" if before is not None else ""
        return await self.db.fetchall(
            f"SELECT q.* {_WAITING}{extra} ORDER BY q.id DESC LIMIT :limit",
            {"since": self._since(), "limit": limit, "before": before},
        )

    async def count_waiting(self) -> int:
        row = await self.db.fetchone(f"SELECT COUNT(*) AS n {_WAITING}", {"since": self._since()})
        return row["n"]

    async def details(self, question_id: int) -> dict:
        """What happened to a question: the answers shown (with votes and where from), the ticket."""
        shown = await self.db.fetchall(
            "SELECT entry_id, source, vote FROM shown_answers WHERE question_id = ? ORDER BY id", (question_id,)
        )
        ticket = await self.db.fetchone("SELECT id FROM tickets WHERE question_id = ?", (question_id,))
        return {
            "shown": [dict(r) for r in shown],
            "picked": [r["entry_id"] for r in shown if r["source"] == "suggestion"],
            "down": [r["entry_id"] for r in shown if r["vote"] == -1],
            "ticket": ticket["id"] if ticket else None,
        }

    async def decision(self, question_id: int) -> Row | None:
        return await self.db.fetchone("SELECT * FROM question_reviews WHERE question_id = ?", (question_id,))

    async def decide(self, question_id: int, decision: str, actor: int, entry_id: str | None = None) -> None:
        if decision not in DECISIONS:
            raise ValueError(decision)
        await self.db.execute(
            "INSERT INTO question_reviews (question_id, decision, entry_id, actor, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (question_id) DO UPDATE SET decision = excluded.decision, entry_id = excluded.entry_id, "
            "actor = excluded.actor, at = excluded.at",
            (question_id, decision, entry_id, actor, utcnow()),
        )
