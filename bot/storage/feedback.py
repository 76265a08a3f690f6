"""What people made of the FAQ's answers: every answer the bot showed, the 👍/👎 on it, and the suggestions
people picked (each a candidate variant of its entry, added only when an admin says so in /review)."""

from __future__ import annotations

from bot.storage.database import Database, Row, Tx, utcnow

MATCH, SUGGESTION, BROWSE, LINK = "match", "suggestion", "browse", "link"
SOURCES = (MATCH, SUGGESTION, BROWSE, LINK)
UP, DOWN = 1, -1


async def _shown(tx: Tx, *, user_id: int, entry_id: str, lang: str, source: str, question_id: int | None) -> int:
    if question_id is not None:
        # The same answer to the same question (a replay after a crash, the same suggestion picked twice)
        # is one row, and keeps its vote.
        row = await tx.fetchone(
            "SELECT id FROM shown_answers WHERE question_id = ? AND entry_id = ?", (question_id, entry_id)
        )
        if row is not None:
            return row["id"]
    cur = await tx.execute(
        "INSERT INTO shown_answers (question_id, user_id, entry_id, lang, source, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (question_id, user_id, entry_id, lang, source, utcnow()),
    )
    return cur.lastrowid


class Feedback:
    def __init__(self, db: Database):
        self.db = db

    async def shown(self, *, user_id: int, entry_id: str, lang: str, source: str,
                    question_id: int | None = None) -> int:
        """Remember an answer shown to ``user_id``; its id goes into the 👍/👎 buttons."""
        if source not in SOURCES:
            raise ValueError(source)
        async with self.db.transaction() as tx:
            return await _shown(tx, user_id=user_id, entry_id=entry_id, lang=lang, source=source, question_id=question_id)

    async def picked(self, *, question_id: int, user_id: int, entry_id: str, lang: str, variant_lang: str) -> int:
        """A person picked suggestion ``entry_id`` for their question: the answer shown and the candidate
        variant (the question, in ``variant_lang``, for that entry) are written together."""
        async with self.db.transaction() as tx:
            shown_id = await _shown(tx, user_id=user_id, entry_id=entry_id, lang=lang, source=SUGGESTION,
                                    question_id=question_id)
            await tx.execute(
                "INSERT INTO variant_candidates (question_id, entry_id, lang, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (question_id, entry_id) DO NOTHING",
                (question_id, entry_id, variant_lang, utcnow()),
            )
            return shown_id

    async def get(self, shown_id: int) -> Row | None:
        return await self.db.fetchone("SELECT * FROM shown_answers WHERE id = ?", (shown_id,))

    async def vote(self, shown_id: int, user_id: int, vote: int) -> tuple[Row, int | None] | None:
        """Set (or change) the person's vote on an answer they were shown; (the row, the vote before), or
        None when the answer is not theirs (callback data can be forged) or unknown."""
        if vote not in (UP, DOWN):
            raise ValueError(vote)
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM shown_answers WHERE id = ?", (shown_id,))
            if row is None or row["user_id"] != user_id:
                return None
            await tx.execute("UPDATE shown_answers SET vote = ?, voted_at = ? WHERE id = ?", (vote, utcnow(), shown_id))
            return row, row["vote"]

    async def candidates(self, question_id: int) -> list[Row]:
        return await self.db.fetchall(
            "SELECT * FROM variant_candidates WHERE question_id = ? ORDER BY created_at", (question_id,)
        )
