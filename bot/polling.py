"""Running against Telegram with long polling."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.telegram.factory import create_bot, create_dispatcher, create_services, set_commands

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    services = await create_services(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, services)
    try:
        await set_commands(bot, services.i18n)
        await bot.delete_webhook(drop_pending_updates=False)  # questions sent while we were down still count
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await bot.session.close()
        await services.db.close()
