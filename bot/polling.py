"""Running against Telegram with long polling; SIGTERM and SIGINT stop it gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.telegram.background import Background
from bot.telegram.factory import App, create_app, set_commands, set_descriptions
from bot.telegram.updates import Poller

log = logging.getLogger(__name__)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass


async def prepare(app: App) -> None:
    """What both modes do before taking updates: the command menu and the profile texts, and what the last
    run left unfinished (updates are handled again here; owed messages go out from the background work that
    starts next)."""
    try:
        await set_commands(app.bot, app.services.i18n)
    except Exception as exc:  # noqa: BLE001 - the menu is a convenience; the bot works without it
        log.error("the command menu was not set: %s", type(exc).__name__)
    try:
        await set_descriptions(app.bot, app.services.i18n)
    except Exception as exc:  # noqa: BLE001 - so are the profile texts
        log.error("the bot's description was not set: %s", type(exc).__name__)
    await app.sender.recover()
    replayed = await app.processor.replay()
    if replayed:
        log.warning("%d updates left unfinished by the last run were handled", replayed)


async def until_done(call, stop: asyncio.Event, name: str) -> None:
    """Telegram may be unreachable at start: keep trying (with back-off) until it answers or we stop."""
    delay = 1.0
    while not stop.is_set():
        try:
            await call()
            return
        except Exception as exc:  # noqa: BLE001 - logged; retried
            log.error("%s failed (%s); again in %.0fs", name, type(exc).__name__, delay)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
            delay = min(delay * 2, 60.0)


async def shutdown(app: App, background: Background | None, grace: float) -> None:
    """Wait (bounded) for the updates in flight, stop the background work, close everything."""
    try:
        await app.processor.wait_idle(grace)
        if background is not None:
            await background.close()
    finally:
        await app.close()


async def run_polling(settings: Settings, stop: asyncio.Event | None = None) -> None:
    app = await create_app(settings)
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    background = None
    try:
        await until_done(lambda: app.bot.delete_webhook(drop_pending_updates=False), stop, "deleteWebhook")
        await prepare(app)
        background = Background(app).start()
        poller = Poller(app.bot, app.processor, app.dp.resolve_used_update_types())
        log.warning("polling started")
        await poller.run(stop)
        log.warning("stopping: waiting up to %.0fs for the updates being handled", settings.shutdown_grace_seconds)
    finally:
        await shutdown(app, background, settings.shutdown_grace_seconds)
