"""An in-process stand-in for the Telegram Bot API.

The console chat and the tests run the real Bot, Dispatcher, routers and middlewares against this
session instead of the network. Like aiogram's own ``tests/mocked_bot.py`` it records every request
and passes every made-up answer through aiogram's own response checking, so a result that Telegram
would not send fails here too. Failures (429, 5xx, "bot was blocked") can be queued per method to
exercise the error paths.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import ChatFullInfo

try:  # newer Bot API versions only
    from aiogram.types import AcceptedGiftTypes
except ImportError:  # pragma: no cover
    AcceptedGiftTypes = None  # type: ignore[assignment,misc]

BOT_ID = 4242
BOT_USERNAME = "ukuk_test_bot"


@dataclass
class QueuedFailure:
    status_code: int
    description: str
    retry_after: int | None = None
    network: bool = False
    chat_id: int | None = None  # fail only calls to this chat (None: any)


class LocalSession(BaseSession):
    def __init__(self, on_request: Callable[[TelegramMethod[Any]], None] | None = None):
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []  # calls Telegram accepted (what users would see)
        self.refused: list[TelegramMethod[Any]] = []  # calls answered with an injected failure
        self.on_request = on_request
        self._message_ids = itertools.count(1000)
        self._topic_ids = itertools.count(500)
        self._failures: dict[str, deque[QueuedFailure]] = defaultdict(deque)
        self.forum_chats: set[int] = set()
        self.member_status: dict[tuple[int, int], str] = {}
        self.files: dict[str, bytes] = {}  # file_id -> content, for documents users "upload"
        self._holds: list[tuple[str, int | None, asyncio.Event, asyncio.Event]] = []

    # -- test helpers ---------------------------------------------------------------------------

    def fail_next(
        self,
        method_name: str,
        status_code: int = 500,
        description: str = "Internal Server Error",
        *,
        retry_after: int | None = None,
        times: int = 1,
        network: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method_name`` (e.g. "sendMessage") fail like Telegram would."""
        for _ in range(times):
            self._failures[method_name].append(QueuedFailure(status_code, description, retry_after, network, chat_id))

    def hold_next(self, method_name: str, chat_id: int | None = None) -> tuple[asyncio.Event, asyncio.Event]:
        """The next call of ``method_name`` (to ``chat_id``) waits until released: returns (reached, release).
        ``reached`` is set when the call arrives; the call is answered after ``release`` is set (a slow or
        hanging Telegram, or a process killed while waiting)."""
        reached, release = asyncio.Event(), asyncio.Event()
        self._holds.append((method_name, chat_id, reached, release))
        return reached, release

    async def _maybe_hold(self, method: Any) -> None:
        chat_id = getattr(method, "chat_id", None)
        for hold in self._holds:
            name, wanted, reached, release = hold
            if name == method.__api_method__ and (wanted is None or (chat_id is not None and int(chat_id) == wanted)):
                self._holds.remove(hold)
                reached.set()
                await release.wait()
                return

    def _take_failure(self, method: Any) -> QueuedFailure | None:
        queue = self._failures[method.__api_method__]
        chat_id = getattr(method, "chat_id", None)
        for failure in queue:
            if failure.chat_id is None or (chat_id is not None and int(chat_id) == failure.chat_id):
                queue.remove(failure)
                return failure
        return None

    def calls(self, method_type: type | None = None) -> list[TelegramMethod[Any]]:
        return [r for r in self.requests if method_type is None or isinstance(r, method_type)]

    def clear(self) -> None:
        self.requests.clear()
        self.refused.clear()

    # -- BaseSession ------------------------------------------------------------------------------

    async def close(self) -> None:
        pass

    async def stream_content(self, url: str, headers=None, timeout: int = 30, chunk_size: int = 65536,
                             raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        data = self.files.get(file_id, b"")
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None) -> TelegramType:
        await self._maybe_hold(method)
        if self.on_request:
            self.on_request(method)
        failure = self._take_failure(method)
        if failure is None:
            self.requests.append(method)
        else:
            self.refused.append(method)
            if failure.network:
                raise TelegramNetworkError(method=method, message="connection reset (simulated)")
            body: dict[str, Any] = {"ok": False, "error_code": failure.status_code, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            response = self.check_response(bot, method, failure.status_code, json.dumps(body))
            return response.result  # pragma: no cover - check_response raises for errors
        result = self._result_for(bot, method)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        return response.result

    # -- made-up results ---------------------------------------------------------------------------

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        chat_id = int(chat_id)
        kind = "private" if chat_id > 0 else "supergroup"
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = "Officials"
        if chat_id in self.forum_chats:
            chat["is_forum"] = True
        return chat

    def _message(self, method: Any, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(method.chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "ukuk-bot", "username": BOT_USERNAME},
        }
        thread = getattr(method, "message_thread_id", None)
        if thread:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        message.update(extra)
        return message

    def _full_chat(self, chat_id: int | str) -> dict[str, Any]:
        """A ChatFullInfo with whatever required fields this aiogram version's model has."""
        chat = self._chat(chat_id)
        filler: dict[str, Any] = {"accent_color_id": 0, "max_reaction_count": 11}
        for field_name, field in ChatFullInfo.model_fields.items():
            if field_name in chat or not field.is_required():
                continue
            if field_name in filler:
                chat[field_name] = filler[field_name]
            elif field_name == "accepted_gift_types":
                chat[field_name] = {k: False for k, f in AcceptedGiftTypes.model_fields.items() if f.is_required()}
        return chat

    def _result_for(self, bot: Bot, method: Any) -> Any:
        name = method.__api_method__
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "ukuk-bot", "username": BOT_USERNAME}
        if name == "sendMessage":
            return self._message(method, text=method.text)
        if name == "sendDocument":
            return self._message(method, document={"file_id": "doc", "file_unique_id": "doc"})
        if name == "sendPhoto":
            return self._message(method, photo=[{"file_id": "photo", "file_unique_id": "photo", "width": 900,
                                                 "height": 450}])
        if name in ("copyMessage",):
            return {"message_id": next(self._message_ids)}
        if name in ("editMessageText",):
            if method.inline_message_id:
                return True
            return self._message(method, text=method.text)
        if name == "createForumTopic":
            return {"message_thread_id": next(self._topic_ids), "name": method.name, "icon_color": 7322096}
        if name == "getChatMember":
            status = self.member_status.get((int(method.chat_id), int(method.user_id)), "left")
            user = {"id": int(method.user_id), "is_bot": False, "first_name": "U"}
            if status == "administrator":
                return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False,
                        "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                        "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                        "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                        "can_delete_stories": False}
            if status == "creator":
                return {"status": status, "user": user, "is_anonymous": False}
            return {"status": status, "user": user}
        if name == "getChat":
            return self._full_chat(method.chat_id)
        if name == "getFile":
            data = self.files.get(method.file_id, b"")
            return {"file_id": method.file_id, "file_unique_id": method.file_id, "file_size": len(data),
                    "file_path": f"documents/{method.file_id}"}
        if name == "getUpdates":
            return []
        return True
