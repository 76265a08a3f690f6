"""Admin and official rights granted in Telegram (on top of ADMIN_IDS and the officials' chat)."""

from __future__ import annotations

from bot.storage.database import Database, Row, utcnow

ROLES = ("admin", "official")


class Roles:
    def __init__(self, db: Database):
        self.db = db

    async def has(self, user_id: int, role: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM roles WHERE user_id = ? AND role = ?", (user_id, role)) is not None

    async def grant(self, user_id: int, role: str, by: int) -> bool:
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
            (user_id, role, by, utcnow()),
        )
        return cur.rowcount > 0

    async def revoke(self, user_id: int, role: str) -> bool:
        cur = await self.db.execute("DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role))
        return cur.rowcount > 0

    async def all(self) -> list[Row]:
        return await self.db.fetchall("SELECT user_id, role, granted_by, granted_at FROM roles ORDER BY role, user_id")
