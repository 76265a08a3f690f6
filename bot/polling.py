"""Running against Telegram with long polling."""

from __future__ import annotations

import logging

from bot.config import Settings
import asyncio
import contextlib

from bot.telegram.factory import App, create_app, set_commands
from bot.telegram.relay import OfficialsRelay

log = logging.getLogger(__name__)


RESUME_EVERY_SECONDS = 60
REMIND_EVERY_SECONDS = 3600  # the relay itself reminds of each ticket at most once a day


async def background(relay: OfficialsRelay) -> None:
    """Resume pending escalation work now and every minute; check for reminders every hour."""
    ticks = 0
    while True:
        try:
            await relay.resume()
            if ticks % (REMIND_EVERY_SECONDS // RESUME_EVERY_SECONDS) == 0:
                await relay.remind()
        except Exception:  # noqa: BLE001 - a failing round must not end the loop; it is logged with context
            log.exception("escalation background round failed")
        ticks += 1
        await asyncio.sleep(RESUME_EVERY_SECONDS)


async def run_polling(settings: Settings) -> None:
    app: App = await create_app(settings)
    worker = asyncio.create_task(background(app.relay))
    try:
        await set_commands(app.bot, app.services.i18n)
        await app.bot.delete_webhook(drop_pending_updates=False)  # questions sent while we were down still count
        await app.dp.start_polling(app.bot, allowed_updates=app.dp.resolve_used_update_types())
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await app.close()
