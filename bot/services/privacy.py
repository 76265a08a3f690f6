"""What the bot keeps about people, and for how long (no aiogram here): /forget_me deletes a person's data
at once; questions older than QUESTION_LOG_RETENTION_DAYS are anonymised by the background job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.services.review import Cleaner
from bot.storage.database import Database
from bot.storage.privacy import anonymise_before, forget_user

log = logging.getLogger(__name__)
MASK = "***"  # what stands where a name or a phone number was, in texts people still read


class PrivacyService:
    def __init__(self, db: Database, cleaner: Cleaner, retention_days: int):
        self.db = db
        self.cleaner = cleaner
        self.retention_days = retention_days

    def clean(self, text: str) -> str:
        return self.cleaner(text, MASK)

    async def forget(self, user_id: int, closing_note: Callable[[int], str]) -> dict[str, int]:
        counts = await forget_user(self.db, user_id, clean=self.clean, closing_note=closing_note)
        log.warning("user %s deleted their data: %s", user_id, counts)
        return counts

    async def anonymise_old(self, now: dt.datetime | None = None) -> int:
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=self.retention_days)
        count = await anonymise_before(self.db, cutoff.isoformat(timespec="seconds"), clean=self.clean)
        if count:
            log.info("%d questions older than %d days anonymised", count, self.retention_days)
        return count
