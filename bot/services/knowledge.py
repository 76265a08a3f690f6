"""The live FAQ: the stored entries and the matcher built from them, swapped as one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.core.knowledge import FaqEntry, load_knowledge
from bot.core.matcher import Matcher, Thresholds
from bot.storage.database import FaqStore

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Holds the current :class:`Matcher`.

    A rebuild makes a complete new matcher off the event loop and then replaces the reference in one
    assignment, so a question is always answered from one whole index, never from a half-updated one.
    """

    def __init__(self, store: FaqStore, thresholds: Thresholds | None = None):
        self.store = store
        self.thresholds = thresholds or Thresholds()
        self._matcher = Matcher([], self.thresholds)
        self._lock = asyncio.Lock()

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._matcher.entry(entry_id)

    async def load_shipped(self, knowledge_dir: str | Path) -> dict[str, int]:
        entries = await asyncio.to_thread(load_knowledge, knowledge_dir)
        counts = await self.store.sync_shipped(entries)
        log.info("knowledge %s: %s", knowledge_dir, counts)
        await self.rebuild()
        return counts

    async def rebuild(self) -> Matcher:
        async with self._lock:
            entries = await self.store.all()
            matcher = await asyncio.to_thread(Matcher, entries, self.thresholds)
            self._matcher = matcher
            log.info("matching index rebuilt: %d entries", len(matcher))
            return matcher
