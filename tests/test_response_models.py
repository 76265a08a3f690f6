"""ResponseModels keeps aiogram's parsed response types alive (bot/telegram/retry.py says why)."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import GetChatMemberCount, Response

from bot.telegram.retry import ResponseModels


async def test_a_response_type_survives_garbage_collection_once_a_method_was_called():
    method = GetChatMemberCount(chat_id=1)  # a method no other test's session holds a type for

    async def make_request(_bot, _method):
        return Response[int](ok=True, result=3)

    gc.collect()
    unheld = weakref.ref(Response[method.__returning__])
    gc.collect()
    assert unheld() is None  # pydantic alone keeps it weakly: rebuilt on the next call

    middleware = ResponseModels()
    assert (await middleware(make_request, None, method)).result == 3
    held = weakref.ref(Response[method.__returning__])
    gc.collect()
    assert held() is not None
