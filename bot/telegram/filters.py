"""Filters checked on the event loop.

aiogram runs a plain function or a magic filter (``F.text``, ``F.chat.type == "private"``) given as a
filter in a worker thread (``asyncio.to_thread``) every time it checks an update against it. A question
passed about ten such filters on its way through the routers, and under load (bench/load.py, 50 updates
a second) those thread hops cost more of the event loop than matching the question. A coroutine filter is
awaited in place, so every filter of ours is one.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter


class OnLoop(Filter):
    """A magic filter resolved in the event loop: same result as passing it to aiogram directly."""

    def __init__(self, magic: MagicFilter):
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


PRIVATE_CHAT = OnLoop(F.chat.type == "private")
NOT_A_COMMAND = OnLoop(~F.text.startswith("/"))
