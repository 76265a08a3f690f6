"""The log of every question with its outcome (what the bot answered, offered, or could not find)."""

from __future__ import annotations

import json

from bot.storage.database import Database, Row, Tx, utcnow


class QuestionLog:
    def __init__(self, db: Database):
        self.db = db

    async def record(
        self,
        *,
        user_id: int,
        chat_id: int,
        text: str,
        lang: str,
        status: str,
        entry_id: str | None = None,
        score: float = 0.0,
        candidates: list[tuple[str, float]] | None = None,
        update_id: int | None = None,
        question_lang: str | None = None,
    ) -> int:
        """Log a question and return its id. ``candidates`` are the (entry id, score) pairs the matcher
        considered best. The same Telegram update recorded twice (replayed after a crash) keeps its first
        row. ``question_lang`` (the detected language of the text) is remembered on the user too."""
        pairs = [[entry, round(value, 4)] for entry, value in candidates or []]
        async with self.db.transaction() as tx:
            if update_id is not None:
                existing = await tx.fetchone("SELECT id FROM questions WHERE update_id = ?", (update_id,))
                if existing is not None:
                    return existing["id"]
            cur = await tx.execute(
                "INSERT INTO questions (user_id, chat_id, text, lang, status, entry_id, score, candidates, created_at, "
                "update_id, question_lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, chat_id, text, lang, status, entry_id, score, json.dumps(pairs), utcnow(), update_id,
                 question_lang),
            )
            if question_lang:
                await tx.execute("UPDATE users SET question_lang = ? WHERE id = ?", (question_lang, user_id))
            return cur.lastrowid

    async def mark_replied(self, question_id: int) -> None:
        await self.db.execute("UPDATE questions SET replied_at = ? WHERE id = ?", (utcnow(), question_id))

    async def get(self, question_id: int) -> Row | None:
        return await self.db.fetchone("SELECT * FROM questions WHERE id = ?", (question_id,))

    async def by_update(self, update_id: int) -> Row | None:
        return await self.db.fetchone("SELECT * FROM questions WHERE update_id = ?", (update_id,))

    async def recent(self, limit: int = 50) -> list[Row]:
        return await self.db.fetchall("SELECT * FROM questions ORDER BY id DESC LIMIT ?", (limit,))


async def question_in(tx: Tx, question_id: int) -> Row | None:
    return await tx.fetchone("SELECT * FROM questions WHERE id = ?", (question_id,))
