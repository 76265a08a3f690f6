"""The FAQ as served: loaded from the shipped YAML on start, edited by admins, every change versioned.

Each change is one transaction that writes the entry and its history row together, so a crash leaves
either the old or the new version, never half of one; an import of many entries is one transaction too.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from bot.core.knowledge import FaqEntry, parse_entry
from bot.storage.database import Database, Row, Tx, utcnow

log = logging.getLogger(__name__)


class FaqStore:
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
        rows = await self.db.fetchall("SELECT id, data, file FROM faq_entries WHERE deleted_at IS NULL ORDER BY id")
        entries = []
        for row in rows:
            entry = self._parse(row["data"], f"database entry {row['id']}")
            if entry is not None:
                entries.append(dataclasses.replace(entry, source=row["file"] or ""))
        return entries

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM faq_entries WHERE deleted_at IS NULL")
        return row["n"]

    async def generation(self) -> int:
        """Grows with every change (ours or another process's, e.g. ``kb import``): the history's last row."""
        row = await self.db.fetchone("SELECT COALESCE(MAX(id), 0) AS g FROM faq_history")
        return row["g"]

    async def get(self, entry_id: str) -> tuple[FaqEntry, int] | None:
        row = await self.db.fetchone(
            "SELECT data, version, file FROM faq_entries WHERE id = ? AND deleted_at IS NULL", (entry_id,)
        )
        if row is None:
            return None
        entry = self._parse(row["data"], f"database entry {entry_id}")
        return (dataclasses.replace(entry, source=row["file"] or ""), row["version"]) if entry else None

    async def _write(self, tx: Tx, entry: FaqEntry | None, entry_id: str, action: str, actor: int | None,
                     origin: str, file: str | None) -> int:
        """Write one change and its history row inside the caller's transaction."""
        row = await tx.fetchone("SELECT data, version, deleted_at FROM faq_entries WHERE id = ?", (entry_id,))
        before = row["data"] if row is not None and row["deleted_at"] is None else None
        version = (row["version"] + 1) if row is not None else 1
        now = utcnow()
        if entry is None:
            await tx.execute(
                "UPDATE faq_entries SET deleted_at = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                (now, version, now, actor, entry_id),
            )
            after = None
        else:
            after = self._json(entry)
            await tx.execute(
                "INSERT INTO faq_entries (id, data, reviewed, origin, updated_at, updated_by, version, file, deleted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET data = excluded.data, "
                "reviewed = excluded.reviewed, origin = excluded.origin, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by, version = excluded.version, "
                "file = COALESCE(excluded.file, faq_entries.file), deleted_at = NULL",
                (entry_id, after, entry.reviewed.isoformat(), origin, now, actor, version, file),
            )
        await tx.execute(
            "INSERT INTO faq_history (entry_id, version, action, before, after, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry_id, version, action, before, after, actor, now),
        )
        return version

    async def save(self, entry: FaqEntry, actor: int | None, action: str = "update") -> int:
        async with self.db.transaction() as tx:
            return await self._write(tx, entry, entry.id, action, actor, "admin", None)

    async def delete(self, entry_id: str, actor: int | None) -> int:
        async with self.db.transaction() as tx:
            return await self._write(tx, None, entry_id, "delete", actor, "admin", None)

    async def replace_all(self, entries: list[FaqEntry], actor: int | None, replace: bool) -> dict[str, int]:
        """Import: upsert ``entries`` (and with ``replace`` delete every other entry) in one transaction."""
        counts = {"added": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        async with self.db.transaction() as tx:
            rows = await tx.fetchall("SELECT id, data FROM faq_entries WHERE deleted_at IS NULL")
            current = {row["id"]: row["data"] for row in rows}
            for entry in entries:
                old = current.get(entry.id)
                if old is not None and old == self._json(entry):
                    counts["unchanged"] += 1
                    continue
                await self._write(tx, entry, entry.id, "import", actor, "admin", None)
                counts["added" if old is None else "updated"] += 1
            if replace:
                keep = {e.id for e in entries}
                for entry_id in sorted(set(current) - keep):
                    await self._write(tx, None, entry_id, "import", actor, "admin", None)
                    counts["deleted"] += 1
        return counts

    async def history(self, entry_id: str) -> list[Row]:
        return await self.db.fetchall(
            "SELECT version, action, actor, at, before, after FROM faq_history WHERE entry_id = ? ORDER BY version",
            (entry_id,),
        )

    async def version(self, entry_id: str, version: int) -> FaqEntry | None:
        """The entry as it was after change ``version`` (None if that change deleted it)."""
        row = await self.db.fetchone(
            "SELECT after FROM faq_history WHERE entry_id = ? AND version = ?", (entry_id, version)
        )
        if row is None or row["after"] is None:
            return None
        return self._parse(row["after"], f"history of {entry_id} v{version}")

    async def sync_shipped(self, entries: list[FaqEntry]) -> dict[str, int]:
        """Bring the shipped entries in without undoing newer edits (one transaction).

        Rule: a shipped entry is written when its id is new, or when its ``reviewed`` date is later than
        the stored entry's (an admin's edit, or deletion, counts as reviewed on the day it was made), or
        equal while the stored entry also came from the files. So an admin's change stays until the files
        carry a later reviewed date, and a deleted entry is not brought back by an older file.
        """
        counts = {"inserted": 0, "updated": 0, "kept": 0}
        async with self.db.transaction() as tx:
            for entry in entries:
                row = await tx.fetchone(
                    "SELECT reviewed, origin, data, deleted_at FROM faq_entries WHERE id = ?", (entry.id,)
                )
                file = Path(entry.source).name if entry.source else None
                if row is None:
                    await self._write(tx, entry, entry.id, "sync", None, "shipped", file)
                    counts["inserted"] += 1
                    continue
                stored_date = row["deleted_at"][:10] if row["deleted_at"] else row["reviewed"]
                shipped = entry.reviewed.isoformat()
                newer = shipped > stored_date
                same_age_from_files = shipped == stored_date and row["origin"] == "shipped" and not row["deleted_at"]
                if (newer or same_age_from_files) and row["data"] != self._json(entry):
                    await self._write(tx, entry, entry.id, "sync", None, "shipped", file)
                    counts["updated"] += 1
                else:
                    if file:
                        await tx.execute("UPDATE faq_entries SET file = COALESCE(file, ?) WHERE id = ?", (file, entry.id))
                    counts["kept"] += 1
        return counts
