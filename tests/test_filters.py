"""Every filter of the bot's routers is a coroutine: aiogram runs a plain function or a magic filter in a
worker thread each time it checks an update (bot/telegram/filters.py says why that matters)."""

from __future__ import annotations

import pytest
from aiogram import F
from aiogram.types import Chat, Message

from bot.telegram.factory import get_routers
from bot.telegram.filters import NOT_A_COMMAND, PRIVATE_CHAT, OnLoop


def all_filters():
    for router in get_routers():
        for name, observer in router.observers.items():
            for f in observer._handler.filters or []:  # the router's own filters (router.message.filter(...))
                yield f"{router.name}.{name} (router)", f
            for handler in observer.handlers:
                for f in handler.filters or []:
                    yield f"{router.name}.{name} {handler.callback.__name__}", f


def test_no_filter_runs_in_a_worker_thread():
    threaded = [where for where, f in all_filters() if not f.awaitable]
    assert not threaded, threaded


def message(text: str | None, chat_type: str = "private") -> Message:
    return Message.model_validate({"message_id": 1, "date": 0, "chat": Chat(id=1, type=chat_type), "text": text})


@pytest.mark.parametrize(("magic", "text", "chat_type"), [
    (F.chat.type == "private", "hi", "private"), (F.chat.type == "private", "hi", "group"),
    (~F.text.startswith("/"), "/start", "private"), (~F.text.startswith("/"), "hi", "private"),
    (~F.text.startswith("/"), None, "private"), (F.text & ~F.text.startswith("/"), None, "private"),
])
async def test_on_loop_decides_as_the_magic_filter_itself(magic, text, chat_type):
    event = message(text, chat_type)
    assert bool(await OnLoop(magic)(event)) == bool(magic.resolve(event))


async def test_the_shared_filters():
    assert await PRIVATE_CHAT(message("hi")) and not await PRIVATE_CHAT(message("hi", "supergroup"))
    assert await NOT_A_COMMAND(message("hi")) and not await NOT_A_COMMAND(message("/help"))
