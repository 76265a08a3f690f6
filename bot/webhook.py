"""Running behind a webhook: an aiohttp server with aiogram's request handler.

Every call must carry the secret Telegram was given (``X-Telegram-Bot-Api-Secret-Token``), else 401. An
update is written to the inbox *before* the call is answered 200 (if that write fails the answer is 500
and Telegram delivers the update again), then handled in the background. ``GET /healthz`` says the
process is alive; ``GET /readyz`` says the database answers, the FAQ is loaded and Telegram was reachable
recently. SIGTERM stops taking calls, removes the webhook (pending updates stay with Telegram) and waits,
bounded, for the updates being handled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import Settings
from bot.polling import prepare, shutdown, stop_on_signals, until_done
from bot.telegram.background import Background
from bot.telegram.factory import App, create_app
from bot.telegram.updates import UpdateProcessor

log = logging.getLogger(__name__)

TELEGRAM_FRESH_SECONDS = 120.0  # a successful Telegram call this recent means "reachable"
MAX_UPDATE_BYTES = 4 * 1024 * 1024


class InboxRequestHandler(SimpleRequestHandler):
    """aiogram's handler (secret check, registration on the app), recording each update before the 200."""

    def __init__(self, app: App, secret_token: str):
        super().__init__(dispatcher=app.dp, bot=app.bot, handle_in_background=True, secret_token=secret_token)
        self.processor: UpdateProcessor = app.processor

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            raw = await request.json(loads=json.loads)
        except ValueError:
            return web.Response(status=400, text="the body is not JSON")
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            fresh = await self.processor.accept([raw])
        except Exception:  # noqa: BLE001 - not recorded: Telegram must deliver it again
            log.exception("update %s could not be recorded; answering 500 so Telegram retries", raw.get("update_id"))
            return web.Response(status=500, text="not recorded, retry")
        for update in fresh:
            self.processor.spawn(update)
        return web.json_response({})

    async def close(self) -> None:
        """The bot's session is closed by the app, after the updates in flight finished."""


async def readiness(app: App) -> dict[str, Any]:
    """What /readyz reports; ``ready`` only when every part is fine."""
    database = await app.services.db.healthy()
    entries = len(app.services.knowledge.matcher)
    since = app.health.seconds_since_answer()
    if since is None or since > TELEGRAM_FRESH_SECONDS:
        try:  # nothing happened lately: ask Telegram now (a cheap call)
            await asyncio.wait_for(app.bot.get_me(), timeout=5)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            log.warning("readiness: Telegram not reachable (%s)", type(exc).__name__)
        since = app.health.seconds_since_answer()
    telegram = since is not None and since <= TELEGRAM_FRESH_SECONDS
    return {"ready": database and entries > 0 and telegram, "database": database, "faq_entries": entries,
            "telegram": telegram, "updates_in_flight": app.processor.in_flight}


def create_web_app(app: App) -> web.Application:
    settings = app.settings
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    InboxRequestHandler(app, settings.webhook_secret.get_secret_value()).register(web_app, path=settings.webhook_path)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def readyz(_request: web.Request) -> web.Response:
        report = await readiness(app)
        return web.json_response(report, status=200 if report["ready"] else 503)

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    return web_app


async def set_webhook(app: App) -> None:
    settings = app.settings
    await app.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=app.dp.resolve_used_update_types(),
        drop_pending_updates=False,  # what people asked while the bot was away still counts
    )


async def run_webhook(settings: Settings, stop: asyncio.Event | None = None) -> None:
    app = await create_app(settings)
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    background = runner = None
    try:
        await prepare(app)
        runner = web.AppRunner(create_web_app(app), handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        log.warning("webhook server listening on %s:%s%s", settings.webhook_host, settings.webhook_port,
                    settings.webhook_path)
        background = Background(app).start()
        await until_done(lambda: set_webhook(app), stop, "setWebhook")
        await stop.wait()
        log.warning("stopping: waiting up to %.0fs for the updates being handled", settings.shutdown_grace_seconds)
    finally:
        if runner is not None:
            await runner.cleanup()  # no new calls; the ones being answered finish
        try:
            await asyncio.wait_for(app.bot.delete_webhook(drop_pending_updates=False), timeout=10)
        except Exception as exc:  # noqa: BLE001 - Telegram keeps retrying the URL; the next start sets it again
            log.error("deleteWebhook failed at shutdown: %s", type(exc).__name__)
        await shutdown(app, background, settings.shutdown_grace_seconds)
