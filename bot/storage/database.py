"""SQLite storage (aiosqlite, WAL): connections, transactions and schema migrations.

Two connections: one writes, one reads. Every write is a transaction taken under one asyncio lock
(``async with db.transaction() as tx``), so no other coroutine can commit half of somebody else's
multi-statement change (an import, a ticket with its limit check). Reads go through the second
connection and, thanks to WAL, see only committed data: a half-finished import is invisible.

Schema changes are appended to ``MIGRATIONS`` (bot/storage/migrations.py) and applied in order;
``PRAGMA user_version`` remembers how far a database file has come, so an old file is upgraded in place.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)
# aiosqlite logs every statement with its parameters at DEBUG: questions are private, keep it quiet.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

Row = aiosqlite.Row


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _probe(path: str) -> None:
    """Open the file with plain sqlite3 and read its header: an unusable file fails here, before an
    aiosqlite worker thread exists (a failed aiosqlite connect can leave its thread racing the loop's end)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    finally:
        conn.close()


class DatabaseUnavailable(RuntimeError):
    """The database file cannot be opened, read or written; the message names the path and the cause."""


def _params(params: Iterable[Any] | Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
    return params if isinstance(params, Mapping) else tuple(params)


class Tx:
    """One open write transaction: statements run on the writer connection; reads see its own writes."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(sql, _params(params))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> Row | None:
        async with self.conn.execute(sql, _params(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[Row]:
        async with self.conn.execute(sql, _params(params)) as cur:
            return list(await cur.fetchall())


class Database:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def connect(self) -> Database:
        """Open, check and migrate the file; raise DatabaseUnavailable (everything opened is closed again)."""
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(_probe, self.path)
            self._writer = await self._open()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            await self._migrate()
            self._reader = await self._open()
            await self.fetchone("SELECT 1 FROM users LIMIT 1")
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise DatabaseUnavailable(f"database {self.path}: {type(exc).__name__}: {exc}") from exc
        return self

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)  # we say BEGIN and COMMIT ourselves
        try:
            conn.row_factory = aiosqlite.Row
            # WAL with synchronous=NORMAL: a commit survives a crash of the process (kill -9) and the file
            # is never corrupted; only a power cut may lose the last commits. FULL would fsync every commit.
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        for name in ("_reader", "_writer"):
            conn = getattr(self, name)
            setattr(self, name, None)
            if conn is not None:
                try:
                    await conn.close()
                except Exception:  # noqa: BLE001 - closing a broken file must not hide the original error
                    log.exception("closing database %s failed", self.path)

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    def _conn(self, writer: bool) -> aiosqlite.Connection:
        conn = self._writer if writer else self._reader
        if conn is None:
            raise RuntimeError("Database.connect() was not called, or the database is closed")
        return conn

    async def _migrate(self) -> None:
        conn = self._conn(writer=True)
        async with conn.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(
                f"the file is at schema version {version}, newer than this code knows ({len(MIGRATIONS)})"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            log.info("database %s migrated to version %d", self.path, number)

    # -- writing ---------------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT under the write lock; ROLLBACK on any exception (then re-raised)."""
        async with self._write_lock:
            conn = self._conn(writer=True)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # also when COMMIT itself failed (a full disk)
                    try:
                        await conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        log.exception("rollback failed on %s", self.path)
                raise

    async def execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> aiosqlite.Cursor:
        """One write statement in its own transaction: the connection is in autocommit mode, so a single
        statement is atomic by itself, and one trip to SQLite's thread instead of three (BEGIN, the
        statement, COMMIT) keeps the write lock short. Under load that is what shortens the time between a
        reply reaching Telegram and its "replied" mark being committed (bench/load.py --kills)."""
        async with self._write_lock:
            return await self._conn(writer=True).execute(sql, _params(params))

    # -- reading ---------------------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> Row | None:
        async with self._conn(writer=False).execute(sql, _params(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[Row]:
        async with self._conn(writer=False).execute(sql, _params(params)) as cur:
            return list(await cur.fetchall())

    async def healthy(self) -> bool:
        """The file is still there and answers a query (for readiness checks)."""
        if self._reader is None or not Path(self.path).exists():
            return False
        try:
            await self.fetchone("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), safe while the bot runs."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.unlink(missing_ok=True)
        async with aiosqlite.connect(tmp) as dest:
            await self._conn(writer=False).backup(dest)
        tmp.replace(target)
