"""The last resort: an unexpected error is logged with its context and the user hears about it kindly."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, i18n: I18n | None = None, **data: Any) -> bool:
    update = event.update
    message = update.message or (update.callback_query.message if update.callback_query else None)
    user = update.message.from_user if update.message else (update.callback_query.from_user if update.callback_query else None)
    log.error(
        "update %s (%s) from user %s in chat %s failed: %r",
        update.update_id,
        update.event_type,
        user and user.id,
        message and message.chat.id,
        event.exception,
        exc_info=event.exception,
    )
    if (
        i18n is not None
        and message is not None
        and message.chat.type == "private"
        and not isinstance(event.exception, TelegramAPIError)
    ):
        stored = data.get("user")
        locale = getattr(stored, "lang", None) or i18n.default_locale
        try:
            # The language middleware's context has ended by the time an error arrives here.
            with i18n.context(), i18n.use_locale(locale):
                text = _("Sorry, something went wrong on our side. Please try again in a minute.")
            await message.answer(text)
        except TelegramAPIError as exc:  # Telegram itself is failing: already logged above, nothing more to do
            log.warning("could not tell user %s about the error: %s", user and user.id, exc)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
