"""People who wrote to the bot: their chosen language, the language of their questions, and whether they
blocked the bot."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database, Row, utcnow


@dataclass(frozen=True)
class User:
    id: int
    lang: str | None  # chosen with /lang or the /start buttons; None until then
    first_name: str
    question_lang: str | None = None  # the language of their latest question, as detected
    blocked_bot: bool = False


def _user(row: Row) -> User:
    return User(row["id"], row["lang"], row["first_name"], row["question_lang"], bool(row["blocked_bot"]))


class Users:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, user_id: int) -> User | None:
        row = await self.db.fetchone(
            "SELECT id, lang, first_name, question_lang, blocked_bot FROM users WHERE id = ?", (user_id,)
        )
        return _user(row) if row else None

    async def get_or_create(self, user_id: int, first_name: str) -> User:
        """Runs for every update, so it only writes when the user is new or something changed. Writing
        to the bot again also means the user no longer blocks it."""
        found = await self.get(user_id)
        if found is not None and found.first_name == first_name and not found.blocked_bot:
            return found
        now = utcnow()
        await self.db.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, blocked_bot = 0, "
            "updated_at = excluded.updated_at",
            (user_id, first_name, now, now),
        )
        if found is None:
            return User(user_id, None, first_name)
        return User(user_id, found.lang, first_name, found.question_lang, False)

    async def set_language(self, user_id: int, lang: str) -> None:
        await self.db.execute("UPDATE users SET lang = ?, updated_at = ? WHERE id = ?", (lang, utcnow(), user_id))

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self.db.execute(
            "UPDATE users SET blocked_bot = ?, updated_at = ? WHERE id = ?", (int(blocked), utcnow(), user_id)
        )
