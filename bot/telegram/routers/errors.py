"""The last resort: an unexpected error is logged with its context (never the user's text) and the user
hears about it kindly, in their language, even when the database itself is what failed."""

from __future__ import annotations

import logging
import sqlite3
import traceback
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.services.language import choose_language

log = logging.getLogger(__name__)
SAFE_TO_PRINT = (sqlite3.Error, TelegramAPIError, OSError, LookupError)


def _who(update) -> tuple[Any, Any, Any]:
    query = update.callback_query
    message = update.message or (query.message if query else None)
    user = update.message.from_user if update.message else (query.from_user if query else None)
    return message, user, query


async def on_error(event: ErrorEvent, i18n: I18n | None = None, **data: Any) -> bool:
    update = event.update
    message, user, query = _who(update)
    exc = event.exception
    # The exception's own message may quote what the user wrote (a validation error does): it is printed
    # only for kinds that never carry user text.
    detail = str(exc)[:300] if isinstance(exc, SAFE_TO_PRINT) else "(message not logged: it may quote the user)"
    log.error(
        "update %s (%s) from user %s in chat %s failed: %s: %s\n%s",
        update.update_id, update.event_type, user and user.id, message and message.chat.id, type(exc).__name__,
        detail, "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
    )
    # Telegram refused our own text (bad HTML, too long): the user still gets a short apology. When
    # Telegram itself is failing (network, 5xx, blocked) there is nobody to tell.
    if isinstance(exc, TelegramAPIError) and not isinstance(exc, TelegramBadRequest):
        return True
    if i18n is None or message is None or message.chat.type != "private":
        return True
    stored = data.get("user")
    locale = choose_language(
        chosen=getattr(stored, "lang", None),
        question_lang=getattr(stored, "question_lang", None),
        client_code=getattr(user, "language_code", None),
        default=i18n.default_locale,
    )
    try:
        # The language middleware's context has ended (or never began) by the time an error arrives here.
        with i18n.context(), i18n.use_locale(locale):
            text = _("Sorry, something went wrong on our side. Please try again in a minute.")
        if query is not None:
            try:
                await query.answer(text, show_alert=True)
                return True
            except TelegramBadRequest:  # already answered, or too old: say it in the chat instead
                pass
        await message.answer(text)
    except TelegramAPIError as send_error:  # Telegram itself is failing: already logged above
        log.warning("could not tell user %s about the error: %s", user and user.id, type(send_error).__name__)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
