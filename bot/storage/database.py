"""SQLite storage (aiosqlite, WAL): connection, schema migrations, and the small repositories on top.

Schema changes are appended to ``MIGRATIONS`` and applied in order; ``PRAGMA user_version`` remembers
how far a database file has come, so an old file is upgraded in place on start.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.core.knowledge import FaqEntry, parse_entry

log = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 1: users, the FAQ as served, and the log of every question with its outcome
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        lang TEXT,
        first_name TEXT NOT NULL DEFAULT '',
        blocked_bot INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE faq_entries (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        reviewed TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('shipped', 'admin')),
        updated_at TEXT NOT NULL,
        updated_by INTEGER
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        status TEXT NOT NULL,
        entry_id TEXT,
        score REAL NOT NULL DEFAULT 0,
        candidates TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    );
    CREATE INDEX questions_by_user ON questions (user_id, created_at);
    """,
    # 2: escalation to officials: tickets, the link table of officials' chat messages, answers, drafts,
    # and small runtime settings (the officials' chat id after a group became a supergroup)
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER UNIQUE REFERENCES questions (id),
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        asker_name TEXT NOT NULL DEFAULT '',
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        candidates TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
        officials_chat_id INTEGER,
        officials_message_id INTEGER,
        topic_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        reminded_at TEXT
    );
    CREATE INDEX tickets_by_user ON tickets (user_id, status);
    CREATE INDEX tickets_by_topic ON tickets (officials_chat_id, topic_id);
    CREATE TABLE ticket_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE TABLE ticket_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        official_id INTEGER NOT NULL,
        official_name TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        delivery TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'blocked')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        delivered_at TEXT
    );
    CREATE TABLE faq_drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER REFERENCES tickets (id),
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE runtime_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("Database.connect() was not called")
        return self._conn

    async def connect(self) -> Database:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        return self

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            log.info("database %s migrated to version %d", self.path, number)


@dataclass(frozen=True)
class User:
    id: int
    lang: str | None
    first_name: str


class Users:
    def __init__(self, db: Database):
        self.db = db

    async def get_or_create(self, user_id: int, first_name: str) -> User:
        now = utcnow()
        await self.db.conn.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, blocked_bot = 0 "
            "WHERE users.first_name != excluded.first_name OR users.blocked_bot != 0",
            (user_id, first_name, now, now),
        )
        await self.db.conn.commit()
        async with self.db.conn.execute("SELECT id, lang, first_name FROM users WHERE id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return User(row["id"], row["lang"], row["first_name"])

    async def set_language(self, user_id: int, lang: str) -> None:
        await self.db.conn.execute("UPDATE users SET lang = ?, updated_at = ? WHERE id = ?", (lang, utcnow(), user_id))
        await self.db.conn.commit()

    async def mark_blocked(self, user_id: int) -> None:
        await self.db.conn.execute("UPDATE users SET blocked_bot = 1, updated_at = ? WHERE id = ?", (utcnow(), user_id))
        await self.db.conn.commit()


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
    ) -> int:
        """Log a question; ``candidates`` are the (entry id, score) pairs the matcher considered best."""
        pairs = [[entry, round(value, 4)] for entry, value in candidates or []]
        cur = await self.db.conn.execute(
            "INSERT INTO questions (user_id, chat_id, text, lang, status, entry_id, score, candidates, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, chat_id, text, lang, status, entry_id, score, json.dumps(pairs), utcnow()),
        )
        await self.db.conn.commit()
        return cur.lastrowid

    async def get(self, question_id: int) -> aiosqlite.Row | None:
        async with self.db.conn.execute("SELECT * FROM questions WHERE id = ?", (question_id,)) as cur:
            return await cur.fetchone()

    async def recent(self, limit: int = 50) -> list[aiosqlite.Row]:
        async with self.db.conn.execute("SELECT * FROM questions ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            return list(await cur.fetchall())


class FaqStore:
    """The FAQ as served: loaded from the shipped YAML on start, edited by admins later."""

    def __init__(self, db: Database):
        self.db = db

    async def all(self) -> list[FaqEntry]:
        async with self.db.conn.execute("SELECT id, data FROM faq_entries ORDER BY id") as cur:
            rows = await cur.fetchall()
        entries = []
        for row in rows:
            problems: list[str] = []
            entry = parse_entry(json.loads(row["data"]), "database", 0, problems)
            if entry is None:
                log.error("stored FAQ entry %s is invalid and is skipped: %s", row["id"], "; ".join(problems))
                continue
            entries.append(entry)
        return entries

    async def sync_shipped(self, entries: list[FaqEntry]) -> dict[str, int]:
        """Bring the shipped entries in without undoing newer edits.

        Rule: a shipped entry is inserted when the id is new; it replaces the stored one when its
        ``reviewed`` date is later, or equal while the stored one also came from the files. An entry an
        admin edited keeps its edit until the files carry a later reviewed date.
        """
        counts = {"inserted": 0, "updated": 0, "kept": 0}
        now = utcnow()
        for entry in entries:
            async with self.db.conn.execute(
                "SELECT reviewed, origin, data FROM faq_entries WHERE id = ?", (entry.id,)
            ) as cur:
                row = await cur.fetchone()
            data = json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True)
            if row is None:
                await self.db.conn.execute(
                    "INSERT INTO faq_entries (id, data, reviewed, origin, updated_at) VALUES (?, ?, ?, 'shipped', ?)",
                    (entry.id, data, entry.reviewed.isoformat(), now),
                )
                counts["inserted"] += 1
                continue
            newer = entry.reviewed.isoformat() > row["reviewed"]
            same_age_from_files = entry.reviewed.isoformat() == row["reviewed"] and row["origin"] == "shipped"
            if (newer or same_age_from_files) and row["data"] != data:
                await self.db.conn.execute(
                    "UPDATE faq_entries SET data = ?, reviewed = ?, origin = 'shipped', updated_at = ?, "
                    "updated_by = NULL WHERE id = ?",
                    (data, entry.reviewed.isoformat(), now, entry.id),
                )
                counts["updated"] += 1
            else:
                counts["kept"] += 1
        await self.db.conn.commit()
        return counts
