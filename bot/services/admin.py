"""Changing the FAQ while the bot runs: validated, versioned, and live at once (no aiogram here).

Every change is validated with the same rules as the shipped files, written with its history in one
transaction, and followed by a rebuild of the matching index that replaces the old one in one step.
Changes are serialised by a lock, so two admins editing at once cannot interleave.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from bot.core.knowledge import (
    LANGS,
    N_,
    FaqEntry,
    KnowledgeError,
    Problem,
    check_unique,
    dump_entries,
    parse_entry,
    parse_yaml_text,
)
from bot.services.knowledge import KnowledgeBase
from bot.storage.faq import FaqStore
from bot.storage.roles import ROLES, Roles

EDITABLE_FIELDS = ("category", *(f"{name}.{lang}" for name in ("question", "answer", "basis") for lang in LANGS))
MAX_IMPORT_BYTES = 1_000_000


def too_big(source: str, size: int) -> Problem:
    return Problem(N_("{source}: the file is {size} bytes, at most {limit}"), source=source, size=size,
                   limit=MAX_IMPORT_BYTES)


def parse_upload(data: bytes, source: str) -> list[FaqEntry]:
    """Decode, parse and validate an uploaded file (slow for big files: callers run it off the loop)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise KnowledgeError([too_big(source, len(data))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError([Problem(N_("{source}: not UTF-8 text ({cause} at byte {byte})"), source=source,
                                      cause=exc.reason, byte=exc.start)]) from exc
    entries = parse_yaml_text(text, source)
    if not entries:
        raise KnowledgeError([Problem(N_("{source}: the file has no entries"), source=source)])
    return entries


class KnowledgeAdmin:
    def __init__(self, store: FaqStore, knowledge: KnowledgeBase, roles: Roles, admin_ids: frozenset[int]):
        self.store = store
        self.knowledge = knowledge
        self.roles = roles
        self.admin_ids = admin_ids
        self._lock = asyncio.Lock()

    async def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids or await self.roles.has(user_id, "admin")

    # -- reading -------------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[FaqEntry]:
        """By id or words: id and text substrings first, then what the matcher ranks."""
        matcher = self.knowledge.matcher
        query = query.strip().lower()
        if not query:
            return sorted(matcher.entries, key=lambda e: e.id)[:limit]
        direct = [
            e for e in matcher.entries
            if query in e.id or any(query in e.question[lang].lower() for lang in LANGS)
        ]
        ranked = [matcher.entry(c.entry_id) for c in matcher.rank(query, limit=limit)]
        seen: dict[str, FaqEntry] = {}
        for entry in direct + ranked:
            if entry is not None:
                seen.setdefault(entry.id, entry)
        return list(seen.values())[:limit]

    async def get(self, entry_id: str) -> tuple[FaqEntry, int] | None:
        return await self.store.get(entry_id)

    async def history(self, entry_id: str):
        return await self.store.history(entry_id)

    async def export_yaml(self) -> str:
        return dump_entries(sorted(await self.store.all(), key=lambda e: e.id))

    # -- changing ------------------------------------------------------------------------------------

    @staticmethod
    def _validated(raw: dict[str, Any], where: str) -> FaqEntry:
        problems: list[str] = []
        entry = parse_entry(raw, where, 0, problems)
        if entry is None:
            raise KnowledgeError(problems)
        return entry

    async def _commit(self, entry: FaqEntry, actor: int, action: str) -> FaqEntry:
        await self.store.save(entry, actor, action)
        await self.knowledge.rebuild()
        return entry

    async def add(self, raw: dict[str, Any], actor: int) -> FaqEntry:
        raw = {**raw, "reviewed": dt.date.today().isoformat()}
        entry = self._validated(raw, Problem(N_("new entry")))
        async with self._lock:
            if await self.store.get(entry.id) is not None:
                raise KnowledgeError([Problem(N_("new entry '{id}': field 'id' is already used by another entry"),
                                              id=entry.id)])
            return await self._commit(entry, actor, "create")

    async def _change(self, entry_id: str, actor: int, action: str, change) -> FaqEntry:
        async with self._lock:
            found = await self.store.get(entry_id)
            if found is None:
                raise KeyError(entry_id)
            raw = found[0].to_dict()
            change(raw)
            raw["reviewed"] = dt.date.today().isoformat()
            entry = self._validated(raw, Problem(N_("entry '{id}'"), id=entry_id))
            return await self._commit(entry, actor, action)

    async def edit_field(self, entry_id: str, field: str, value: str, actor: int) -> FaqEntry:
        if field not in EDITABLE_FIELDS:
            raise KnowledgeError([Problem(N_("entry '{id}': field '{field}' cannot be edited; one of {fields}"),
                                          id=entry_id, field=field, fields=", ".join(EDITABLE_FIELDS))])

        def change(raw: dict[str, Any]) -> None:
            name, _, lang = field.partition(".")
            if lang:
                raw[name][lang] = value
            else:
                raw[name] = value

        return await self._change(entry_id, actor, "update", change)

    async def add_variant(self, entry_id: str, lang: str, text: str, actor: int) -> FaqEntry:
        if lang not in LANGS:
            raise KnowledgeError([Problem(N_("{where}: field '{field}' is not a known language (ky, ru)"),
                                          where=Problem(N_("entry '{id}'"), id=entry_id), field=f"variants.{lang}")])
        return await self._change(entry_id, actor, "update", lambda raw: raw["variants"][lang].append(text))

    async def remove_variant(self, entry_id: str, lang: str, number: int, actor: int) -> FaqEntry:
        def change(raw: dict[str, Any]) -> None:
            variants = raw["variants"].get(lang)
            if variants is None or not 1 <= number <= len(variants):
                raise KnowledgeError([Problem(N_("entry '{id}': field '{field}' has no variant {number}"),
                                              id=entry_id, field=f"variants.{lang}", number=number)])
            del variants[number - 1]

        return await self._change(entry_id, actor, "update", change)

    async def delete(self, entry_id: str, actor: int) -> None:
        async with self._lock:
            if await self.store.get(entry_id) is None:
                raise KeyError(entry_id)
            await self.store.delete(entry_id, actor)
            await self.knowledge.rebuild()

    async def rollback(self, entry_id: str, version: int, actor: int) -> FaqEntry:
        async with self._lock:
            old = await self.store.version(entry_id, version)
            if old is None:
                raise KeyError(f"{entry_id} v{version}")
            return await self._commit(old, actor, "rollback")

    async def import_yaml(self, data: bytes, actor: int, replace: bool, source: str = "upload") -> dict[str, int]:
        """Validate a whole file first (off the event loop: a big file must not freeze everybody's questions);
        change nothing unless all of it is valid; then apply it in one transaction."""
        if len(data) > MAX_IMPORT_BYTES:  # refuse before any work
            raise KnowledgeError([too_big(source, len(data))])
        entries = await asyncio.to_thread(parse_upload, data, source)
        return await self.import_entries(entries, actor, replace)

    async def import_entries(self, entries: list[FaqEntry], actor: int | None, replace: bool) -> dict[str, int]:
        problems = check_unique(entries)
        if problems:
            raise KnowledgeError(problems)
        async with self._lock:
            counts = await self.store.replace_all(entries, actor, replace)
            await self.knowledge.rebuild()
            return counts

    # -- roles ---------------------------------------------------------------------------------------

    async def grant(self, user_id: int, role: str, by: int) -> bool:
        if role not in ROLES:
            raise ValueError(role)
        return await self.roles.grant(user_id, role, by)

    async def revoke(self, user_id: int, role: str) -> bool:
        if role not in ROLES:
            raise ValueError(role)
        return await self.roles.revoke(user_id, role)
