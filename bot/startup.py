"""What every entry point needs before anything else, without importing aiogram (it takes seconds):
the start-up error, and the start-up rule for the shipped FAQ."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.core.knowledge import KnowledgeError
from bot.services.knowledge import KnowledgeBase
from bot.storage.database import Database, DatabaseUnavailable
from bot.storage.faq import FaqStore

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The bot cannot start; the message says what to fix (a path and a cause)."""


async def open_database(path: str | Path) -> Database:
    try:
        return await Database(path).connect()
    except DatabaseUnavailable as exc:
        raise StartupError(f"DATABASE_PATH: {exc}") from exc


async def load_knowledge_base(store: FaqStore, knowledge_dir: str | Path) -> KnowledgeBase:
    """The start-up rule for the shipped FAQ: invalid files are fatal only while the database has no FAQ
    yet; otherwise the last good FAQ in the database is served and the problems are logged as errors."""
    knowledge = KnowledgeBase(store)
    try:
        await knowledge.load_shipped(knowledge_dir)
    except KnowledgeError as exc:
        stored = await store.count()
        if not stored:
            raise StartupError(
                f"KNOWLEDGE_DIR {knowledge_dir}: the FAQ files are invalid and the database has no FAQ yet:\n  "
                + "\n  ".join(exc.problems[:20])
            ) from exc
        log.error("KNOWLEDGE_DIR %s: the FAQ files are invalid (%d problems); serving the last good FAQ from the "
                  "database (%d entries). Problems:\n  %s", knowledge_dir, len(exc.problems), stored,
                  "\n  ".join(exc.problems[:20]))
        await knowledge.rebuild()
    return knowledge
