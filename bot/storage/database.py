"""SQLite storage (aiosqlite, WAL): connection, schema migrations, and the small repositories on top.

Schema changes are appended to ``MIGRATIONS`` and applied in order; ``PRAGMA user_version`` remembers
how far a database file has come, so an old file is upgraded in place on start.
"""

from __future__ import annotations

import dataclasses
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
    # 3: FAQ editing from Telegram: versions, soft deletes (so shipped files do not resurrect a deleted
    # entry), the file an entry belongs to, the full history of changes, and granted roles
    """
    ALTER TABLE faq_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE faq_entries ADD COLUMN file TEXT;
    ALTER TABLE faq_entries ADD COLUMN deleted_at TEXT;
    CREATE TABLE faq_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        action TEXT NOT NULL,
        before TEXT,
        after TEXT,
        actor INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX faq_history_by_entry ON faq_history (entry_id, version);
    CREATE TABLE roles (
        user_id INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'official')),
        granted_by INTEGER NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (user_id, role)
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
        """Runs for every update, so it only writes when the user is new or something changed."""
        async with self.db.conn.execute(
            "SELECT id, lang, first_name, blocked_bot FROM users WHERE id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is not None and row["first_name"] == first_name and not row["blocked_bot"]:
            return User(row["id"], row["lang"], row["first_name"])
        now = utcnow()
        # Writing again also means the user no longer blocks the bot.
        await self.db.conn.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, blocked_bot = 0, "
            "updated_at = excluded.updated_at",
            (user_id, first_name, now, now),
        )
        await self.db.conn.commit()
        return User(user_id, row["lang"] if row is not None else None, first_name)

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
    """The FAQ as served: loaded from the shipped YAML on start, edited by admins, every change versioned.

    Each change is one transaction that writes the entry and its history row together, so a crash
    leaves either the old or the new version, never half of one.
    """

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _parse(data: str, where: str) -> FaqEntry | None:
        problems: list[str] = []
        entry = parse_entry(json.loads(data), where, 0, problems)
        if entry is None:
            log.error("stored FAQ entry %s is invalid and is skipped: %s", where, "; ".join(problems))
        return entry

    @staticmethod
    def _json(entry: FaqEntry) -> str:
        return json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True)

    async def all(self) -> list[FaqEntry]:
        async with self.db.conn.execute(
            "SELECT id, data, file FROM faq_entries WHERE deleted_at IS NULL ORDER BY id"
        ) as cur:
            rows = await cur.fetchall()
        entries = []
        for row in rows:
            entry = self._parse(row["data"], f"database entry {row['id']}")
            if entry is not None:
                entries.append(dataclasses.replace(entry, source=row["file"] or ""))
        return entries

    async def get(self, entry_id: str) -> tuple[FaqEntry, int] | None:
        async with self.db.conn.execute(
            "SELECT data, version, file FROM faq_entries WHERE id = ? AND deleted_at IS NULL", (entry_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        entry = self._parse(row["data"], f"database entry {entry_id}")
        return (dataclasses.replace(entry, source=row["file"] or ""), row["version"]) if entry else None

    async def _write(self, entry: FaqEntry | None, entry_id: str, action: str, actor: int | None,
                     origin: str, file: str | None) -> int:
        """Write one change and its history row (no commit: the caller decides the transaction)."""
        async with self.db.conn.execute(
            "SELECT data, version, deleted_at FROM faq_entries WHERE id = ?", (entry_id,)
        ) as cur:
            row = await cur.fetchone()
        before = row["data"] if row is not None and row["deleted_at"] is None else None
        version = (row["version"] + 1) if row is not None else 1
        now = utcnow()
        if entry is None:
            await self.db.conn.execute(
                "UPDATE faq_entries SET deleted_at = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                (now, version, now, actor, entry_id),
            )
            after = None
        else:
            after = self._json(entry)
            await self.db.conn.execute(
                "INSERT INTO faq_entries (id, data, reviewed, origin, updated_at, updated_by, version, file, deleted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET data = excluded.data, "
                "reviewed = excluded.reviewed, origin = excluded.origin, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by, version = excluded.version, "
                "file = COALESCE(excluded.file, faq_entries.file), deleted_at = NULL",
                (entry_id, after, entry.reviewed.isoformat(), origin, now, actor, version, file),
            )
        await self.db.conn.execute(
            "INSERT INTO faq_history (entry_id, version, action, before, after, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry_id, version, action, before, after, actor, now),
        )
        return version

    async def save(self, entry: FaqEntry, actor: int | None, action: str = "update") -> int:
        version = await self._write(entry, entry.id, action, actor, "admin", None)
        await self.db.conn.commit()
        return version

    async def delete(self, entry_id: str, actor: int | None) -> int:
        version = await self._write(None, entry_id, "delete", actor, "admin", None)
        await self.db.conn.commit()
        return version

    async def replace_all(self, entries: list[FaqEntry], actor: int | None, replace: bool) -> dict[str, int]:
        """Import: upsert ``entries`` (and with ``replace`` delete every other entry) in one transaction."""
        counts = {"added": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        current = {e.id: e for e in await self.all()}
        try:
            for entry in entries:
                old = current.get(entry.id)
                if old is not None and old.to_dict() == entry.to_dict():
                    counts["unchanged"] += 1
                    continue
                await self._write(entry, entry.id, "import", actor, "admin", None)
                counts["added" if old is None else "updated"] += 1
            if replace:
                keep = {e.id for e in entries}
                for entry_id in sorted(set(current) - keep):
                    await self._write(None, entry_id, "import", actor, "admin", None)
                    counts["deleted"] += 1
            await self.db.conn.commit()
        except BaseException:
            await self.db.conn.rollback()
            raise
        return counts

    async def history(self, entry_id: str) -> list[aiosqlite.Row]:
        async with self.db.conn.execute(
            "SELECT version, action, actor, at, before, after FROM faq_history WHERE entry_id = ? ORDER BY version",
            (entry_id,),
        ) as cur:
            return list(await cur.fetchall())

    async def version(self, entry_id: str, version: int) -> FaqEntry | None:
        """The entry as it was after change ``version`` (None if that change deleted it)."""
        async with self.db.conn.execute(
            "SELECT after FROM faq_history WHERE entry_id = ? AND version = ?", (entry_id, version)
        ) as cur:
            row = await cur.fetchone()
        if row is None or row["after"] is None:
            return None
        return self._parse(row["after"], f"history of {entry_id} v{version}")

    async def sync_shipped(self, entries: list[FaqEntry]) -> dict[str, int]:
        """Bring the shipped entries in without undoing newer edits.

        Rule: a shipped entry is written when its id is new, or when its ``reviewed`` date is later than
        the stored entry's (an admin's edit, or deletion, counts as reviewed on the day it was made), or
        equal while the stored entry also came from the files. So an admin's change stays until the files
        carry a later reviewed date, and a deleted entry is not brought back by an older file.
        """
        counts = {"inserted": 0, "updated": 0, "kept": 0}
        for entry in entries:
            async with self.db.conn.execute(
                "SELECT reviewed, origin, data, deleted_at FROM faq_entries WHERE id = ?", (entry.id,)
            ) as cur:
                row = await cur.fetchone()
            file = Path(entry.source).name if entry.source else None
            if row is None:
                await self._write(entry, entry.id, "sync", None, "shipped", file)
                counts["inserted"] += 1
                continue
            stored_date = row["deleted_at"][:10] if row["deleted_at"] else row["reviewed"]
            shipped = entry.reviewed.isoformat()
            newer = shipped > stored_date
            same_age_from_files = shipped == stored_date and row["origin"] == "shipped" and not row["deleted_at"]
            if (newer or same_age_from_files) and row["data"] != self._json(entry):
                await self._write(entry, entry.id, "sync", None, "shipped", file)
                counts["updated"] += 1
            else:
                if file:
                    await self.db.conn.execute("UPDATE faq_entries SET file = COALESCE(file, ?) WHERE id = ?", (file, entry.id))
                counts["kept"] += 1
        await self.db.conn.commit()
        return counts


class Roles:
    """Admin and official rights granted in Telegram (on top of ADMIN_IDS and the officials' chat)."""

    def __init__(self, db: Database):
        self.db = db

    async def has(self, user_id: int, role: str) -> bool:
        async with self.db.conn.execute("SELECT 1 FROM roles WHERE user_id = ? AND role = ?", (user_id, role)) as cur:
            return await cur.fetchone() is not None

    async def grant(self, user_id: int, role: str, by: int) -> bool:
        cur = await self.db.conn.execute(
            "INSERT OR IGNORE INTO roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
            (user_id, role, by, utcnow()),
        )
        await self.db.conn.commit()
        return cur.rowcount > 0

    async def revoke(self, user_id: int, role: str) -> bool:
        cur = await self.db.conn.execute("DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role))
        await self.db.conn.commit()
        return cur.rowcount > 0

    async def all(self) -> list[aiosqlite.Row]:
        async with self.db.conn.execute("SELECT user_id, role, granted_by, granted_at FROM roles ORDER BY role, user_id") as cur:
            return list(await cur.fetchall())
