"""The live FAQ: the stored entries and the matcher built from them, swapped as one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.core.knowledge import FaqEntry, load_knowledge
from bot.core.matcher import Matcher, Thresholds
from bot.storage.faq import FaqStore

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Holds the current :class:`Matcher`.

    A rebuild makes a complete new matcher off the event loop and then replaces the reference in one
    assignment, so a question is always answered from one whole index, never from a half-updated one.
    Changes made by another process (``python -m bot kb import`` on the same database) are noticed by
    :meth:`refresh_if_changed`, which the bot's background work calls every half a minute.
    """

    def __init__(self, store: FaqStore, thresholds: Thresholds | None = None):
        self.store = store
        self.thresholds = thresholds or Thresholds()
        self._matcher = Matcher([], self.thresholds)
        self._lock = asyncio.Lock()
        self.generation = -1  # the store's generation the current matcher was built from

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._matcher.entry(entry_id)

    async def load_shipped(self, knowledge_dir: str | Path) -> dict[str, int]:
        """Validate the shipped files (raises KnowledgeError), bring them into the store, rebuild."""
        entries = await asyncio.to_thread(load_knowledge, knowledge_dir)
        counts = await self.store.sync_shipped(entries)
        log.info("knowledge %s: %s", knowledge_dir, counts)
        await self.rebuild()
        return counts

    async def rebuild(self) -> Matcher:
        async with self._lock:
            generation = await self.store.generation()
            entries = await self.store.all()
            matcher = await asyncio.to_thread(Matcher, entries, self.thresholds)
            self._matcher = matcher
            self.generation = generation
            log.info("matching index rebuilt: %d entries", len(matcher))
            return matcher

    async def refresh_if_changed(self) -> bool:
        """Rebuild when the stored FAQ changed since the last build (an edit by another process)."""
        if await self.store.generation() == self.generation:
            return False
        log.warning("the FAQ in the database changed outside this process: rebuilding the index")
        await self.rebuild()
        return True
