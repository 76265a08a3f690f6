"""A chat in the terminal through the real Dispatcher, handlers and middlewares (no Telegram needed).

Messages the bot sends are printed; inline buttons are listed as numbered choices, and typing the
number presses the button.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from typing import Any, TextIO

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bot.config import Settings
from bot.telegram.factory import create_app
from bot.telegram.local_session import LocalSession

CONSOLE_USER_ID = 1
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class ConsoleChat:
    def __init__(self, settings: Settings, out: TextIO = sys.stdout):
        self.settings = settings
        self.out = out
        self.buttons: list[tuple[str, str]] = []  # (text, callback data) of the last keyboard shown
        self.last_message_id = 0
        self._ids = itertools.count(1)
        self.user = User(id=CONSOLE_USER_ID, is_bot=False, first_name="Console", language_code=settings.default_locale)
        self.chat = Chat(id=CONSOLE_USER_ID, type="private")

    def show(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMessage | EditMessageText):
            print("\n" + plain(method.text), file=self.out)
            markup = getattr(method, "reply_markup", None)
            rows = getattr(markup, "inline_keyboard", None) or []
            self.buttons = [(b.text, b.callback_data) for row in rows for b in row if b.callback_data]
            for number, (text, _) in enumerate(self.buttons, start=1):
                print(f"  [{number}] {text}", file=self.out)
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"  ({method.text})", file=self.out)

    def _update_for(self, line: str) -> Update:
        update_id = next(self._ids)
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            _, data = self.buttons[int(line) - 1]
            message = Message(message_id=self.last_message_id, date=int(time.time()), chat=self.chat, text="…")
            return Update(
                update_id=update_id,
                callback_query=CallbackQuery(
                    id=str(update_id), from_user=self.user, chat_instance="console", message=message, data=data
                ),
            )
        self.last_message_id += 1
        return Update(
            update_id=update_id,
            message=Message(
                message_id=self.last_message_id, date=int(time.time()), chat=self.chat, from_user=self.user, text=line
            ),
        )

    async def run(self, lines: Any = None) -> None:
        app = await create_app(self.settings, session=LocalSession(on_request=self.show))
        bot, dp = app.bot, app.dp  # updates go straight to the dispatcher: no inbox for a terminal chat
        print("ukuk-bot console: type a question (Kyrgyz or Russian), a number to press a button, "
              "or /quit. Ctrl+D also quits.", file=self.out)
        try:
            await dp.feed_update(bot, self._update_for("/start"))
            while True:
                line = await asyncio.to_thread(_read_line) if lines is None else next(lines, None)
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                if line.strip():
                    await dp.feed_update(bot, self._update_for(line.strip()))
        finally:
            await app.close()


def _read_line() -> str | None:
    try:
        return input("\n> ")
    except EOFError:
        return None
