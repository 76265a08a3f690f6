"""A bot under test: the real Bot, Dispatcher, routers and middlewares, with an in-process Bot API.

Updates are fed through ``Dispatcher.feed_update`` exactly as polling would deliver them, and every API
call the bot makes is recorded by :class:`LocalSession` (which validates the answers with aiogram's own
response checking).
"""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path
from html.parser import HTMLParser
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Chat, ChatMemberUpdated, InlineKeyboardMarkup, InlineQuery, Message, Sticker, Update, User

from bot.config import Settings
from bot.polling import prepare
from bot.telegram.factory import App, create_app
from bot.telegram.local_session import LocalSession
from bot.telegram.retry import RetryMiddleware

# The HTML subset Telegram accepts with parse_mode=HTML.
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "blockquote", "tg-emoji", "span"}


class _TelegramHtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()


def _english_fragments() -> list[str]:
    """The beginnings of the English msgids: a sent message containing one was not translated."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "locales"
    with open(root / "messages.pot", "rb") as fp:
        catalog = read_po(fp)
    fragments = []
    for message in catalog:
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            head = re.split(r"[{<]", text)[0].strip()
            if len(head) >= 18 and head.isascii():
                fragments.append(head)
    return fragments


ENGLISH = _english_fragments()


def assert_in_a_bot_language(text: str) -> None:
    """Every message the bot sends is in ky or ru, never the English msgid (issue #12)."""
    leaked = [fragment for fragment in ENGLISH if fragment in text]
    assert not leaked, f"untranslated text {leaked} in {text!r}"


def assert_telegram_html(text: str) -> None:
    """Fail if ``text`` would be rejected by Telegram's HTML parser (unknown or unbalanced tags)."""
    checker = _TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    problems = checker.problems + [f"<{t}> not closed" for t in checker.stack]
    assert not problems, f"{problems} in {text!r}"


def _dumped(raw: dict[str, Any]) -> dict[str, Any]:
    """Update fields (aiogram objects or plain data) as the JSON Telegram would send."""
    return Update(**raw).model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)


class BotHarness:
    def __init__(self, app: App, session: LocalSession):
        self.app = app
        self.settings = app.settings
        self.services = app.services
        self.bot: Bot = app.bot
        self.dp: Dispatcher = app.dp
        self.relay = app.relay
        self.session = session
        self.sleeps: list[float] = []  # what the retry middleware waited, instead of really waiting
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    @classmethod
    async def start(cls, settings: Settings, session: LocalSession | None = None,
                    retry: RetryMiddleware | None = None) -> BotHarness:
        session = session or LocalSession()
        sleeps: list[float] = []

        async def no_wait(seconds: float) -> None:
            sleeps.append(seconds)

        app = await create_app(settings, session=session, retry=retry or RetryMiddleware(sleep=no_wait))
        await prepare(app)  # what a real start does before taking updates
        harness = cls(app, session)
        harness.sleeps = sleeps
        return harness

    async def close(self) -> None:
        await self.app.close()

    async def __aenter__(self) -> BotHarness:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- feeding updates ----------------------------------------------------------------------------

    @staticmethod
    def user(user_id: int = 100, first_name: str = "Aibek", language_code: str | None = None) -> User:
        return User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)

    def _message(self, user: User, chat: Chat | None = None, **fields: Any) -> Message:
        return Message(
            message_id=next(self._message_ids),
            date=int(time.time()),
            chat=chat or Chat(id=user.id, type="private"),
            from_user=user,
            **fields,
        )

    async def feed(self, update_fields: dict[str, Any]) -> Any:
        update = Update(update_id=next(self._update_ids), **update_fields)
        return await self.dp.feed_update(self.bot, update)

    async def record(self, update_fields: dict[str, Any]) -> Update:
        """As polling or a webhook would before handling: write the update to the inbox."""
        raw = _dumped({"update_id": next(self._update_ids), **update_fields})
        (update,) = await self.app.processor.accept([raw])
        return update

    async def deliver(self, update_fields: dict[str, Any]) -> None:
        """Record the update in the inbox, then handle it (the path every real update takes)."""
        update = await self.record(update_fields)
        await self.app.processor.handle(update, received_at=self.app.processor.clock())

    def message_fields(self, text: str, user: User | None = None, chat: Chat | None = None, **fields: Any) -> dict:
        return {"message": self._message(user or self.user(), chat, text=text, **fields)}

    async def send(self, text: str, user: User | None = None, chat: Chat | None = None, **fields: Any) -> Any:
        return await self.feed({"message": self._message(user or self.user(), chat, text=text, **fields)})

    async def send_sticker(self, user: User | None = None) -> Any:
        sticker = Sticker(file_id="s", file_unique_id="s", type="regular", width=512, height=512,
                          is_animated=False, is_video=False)
        return await self.feed({"message": self._message(user or self.user(), sticker=sticker)})

    async def press(self, data: str, user: User | None = None, markup: InlineKeyboardMarkup | None = None) -> Any:
        """Press a button with ``data`` (under a message carrying ``markup``, when given)."""
        user = user or self.user()
        message = self._message(user, text="…", reply_markup=markup)
        query = CallbackQuery(id=str(next(self._update_ids)), from_user=user, chat_instance="ci", message=message, data=data)
        return await self.feed({"callback_query": query})

    async def inline(self, text: str, user: User | None = None) -> Any:
        """An inline query ("@bot text") typed in any chat."""
        query = InlineQuery(id=str(next(self._update_ids)), from_user=user or self.user(), query=text, offset="")
        return await self.feed({"inline_query": query})

    async def block(self, user: User | None = None) -> Any:
        user = user or self.user()
        event = ChatMemberUpdated(
            chat=Chat(id=user.id, type="private"),
            from_user=user,
            date=int(time.time()),
            old_chat_member={"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
            new_chat_member={"status": "kicked", "until_date": 0, "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
        )
        return await self.feed({"my_chat_member": event})

    # -- reading what the bot did ---------------------------------------------------------------------

    def sent(self) -> list[SendMessage]:
        messages = [m for m in self.session.calls(SendMessage)]
        for m in messages:
            assert_telegram_html(m.text)
            assert_in_a_bot_language(m.text)
        return messages

    def last_text(self) -> str:
        sent = self.sent()
        assert sent, "the bot sent no message"
        return sent[-1].text

    def callback_answers(self) -> list[AnswerCallbackQuery]:
        return self.session.calls(AnswerCallbackQuery)

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback data) of the callback buttons under the last message sent (url_buttons: the links)."""
        markup = self.sent()[-1].reply_markup
        rows = getattr(markup, "inline_keyboard", None) or []
        return [(b.text, b.callback_data) for row in rows for b in row if b.callback_data is not None]

    def url_buttons(self) -> list[tuple[str, str]]:
        markup = self.sent()[-1].reply_markup
        rows = getattr(markup, "inline_keyboard", None) or []
        return [(b.text, b.url) for row in rows for b in row if b.url]

    def clear(self) -> None:
        self.session.clear()
