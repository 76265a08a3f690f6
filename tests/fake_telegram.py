"""A fake Telegram Bot API server over real HTTP (aiohttp), for end-to-end tests and the load run.

It speaks Telegram's URL scheme (``/bot<token>/<method>``, ``/file/bot<token>/<path>``) and JSON shapes for
every method the bot calls, keeps chats, members, forum topics and every message the bot sent, serves
updates by long polling with offsets (``getUpdates``) or pushes them to a webhook with the secret header,
and injects faults: an error answer (429 with retry_after, 5xx, 403, 400), a dropped connection, and a
held response that is answered only when the test says so.

The bot under test talks to it exactly as to Telegram: ``TELEGRAM_API_BASE=http://127.0.0.1:<port>``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger("fake_telegram")

BOT_ID = 4242
BOT_USERNAME = "ukuk_fake_bot"
TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_0123456789abcdef"
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "results", "link_preview_options", "reply_parameters",
               "entities", "caption_entities", "scope"}
INT_FIELDS = {"chat_id", "message_thread_id", "reply_to_message_id", "offset", "limit", "timeout", "user_id",
              "cache_time", "message_id", "from_chat_id", "max_connections"}


@dataclass
class Sent:
    """A message the bot sent, as Telegram stored it."""

    method: str
    chat_id: int
    message_id: int
    text: str
    thread_id: int | None
    reply_to: int | None
    reply_markup: dict | None
    at: float

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", b.get("url", ""))) for row in rows for b in row]


@dataclass(eq=False)
class _Waiter:
    predicate: Callable[[Sent], bool]
    count: int
    found: list[Sent]
    done: asyncio.Future


@dataclass
class Fault:
    status: int | None  # None: drop the connection
    description: str = ""
    retry_after: int | None = None
    chat_id: int | None = None


@dataclass
class Hold:
    chat_id: int | None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class FakeTelegram:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[Sent] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.topics: dict[int, set[int]] = defaultdict(set)
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []  # not yet confirmed (polling) or not yet delivered (webhook)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1000))
        self._topic_ids = itertools.count(500)
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._holds: dict[str, list[Hold]] = defaultdict(list)
        self._new_update = asyncio.Event()
        self._waiters: list[_Waiter] = []
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self.confirmed_up_to = 0
        self.base_url = ""
        self._stopping = False

    # -- running ------------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # noqa: SLF001 - the port the OS chose
        self.base_url = f"http://{host}:{sock.getsockname()[1]}"
        self._http = aiohttp.ClientSession()
        self._pusher = asyncio.create_task(self._push_to_webhook())
        return self.base_url

    async def stop(self) -> None:
        self._stopping = True
        self._new_update.set()  # long polls in progress answer now
        if self._pusher:
            self._pusher.cancel()
            await asyncio.gather(self._pusher, return_exceptions=True)
        for holds in self._holds.values():
            for hold in holds:
                hold.release.set()
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    # -- the world the bot lives in ------------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "User", language_code: str | None = None) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def add_group(self, chat_id: int, title: str = "Officials", forum: bool = False) -> None:
        self.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title, **({"is_forum": True} if forum else {})}

    def set_forum(self, chat_id: int, forum: bool) -> None:
        chat = self.chats[chat_id]
        chat.pop("is_forum", None)
        if forum:
            chat["is_forum"] = True

    def chat(self, chat_id: int) -> dict[str, Any]:
        return self.chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                                           **({} if chat_id > 0 else {"title": "Group"})}

    def _enqueue(self, fields: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **fields})
        self._new_update.set()
        return update_id

    def message(self, user: dict[str, Any], text: str | None = None, chat_id: int | None = None, *,
                reply_to: Sent | None = None, thread_id: int | None = None, **extra: Any) -> int:
        """A person writes (in a private chat unless ``chat_id``); returns the update id."""
        chat_id = chat_id if chat_id is not None else user["id"]
        message: dict[str, Any] = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                                   "chat": self.chat(chat_id), "from": user, **extra}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = self._as_message(reply_to)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return self._enqueue({"message": message})

    def press(self, user: dict[str, Any], on: Sent, data: str) -> int:
        """A person presses an inline button under a message the bot sent."""
        query = {"id": f"cq{next(self._update_ids)}", "from": user, "chat_instance": "ci",
                 "message": self._as_message(on), "data": data}
        return self._enqueue({"callback_query": query})

    def bot_membership(self, chat_id: int, user: dict[str, Any], old: str, new: str) -> int:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "ukuk"}
        return self._enqueue({"my_chat_member": {
            "chat": self.chat(chat_id), "from": user, "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})},
        }})

    def _as_message(self, sent: Sent) -> dict[str, Any]:
        message = {"message_id": sent.message_id, "date": int(sent.at), "chat": self.chat(sent.chat_id),
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "ukuk", "username": BOT_USERNAME},
                   "text": sent.text}
        if sent.thread_id:
            message["message_thread_id"] = sent.thread_id
        return message

    # -- what the bot did ----------------------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def mark(self) -> int:
        """How many messages the bot has sent so far (to wait only for later ones)."""
        return len(self.sent)

    async def wait_for(self, predicate: Callable[[Sent], bool], timeout: float = 20.0, count: int = 1,
                       after: int = 0) -> list[Sent]:
        """Until ``count`` messages the bot sent (after the first ``after``) match; the matching ones, in order."""
        found = [m for m in self.sent[after:] if predicate(m)]
        if len(found) < count:
            waiter = _Waiter(predicate, count, found, asyncio.get_running_loop().create_future())
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter.done, timeout)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"the bot sent {len(found)} matching messages, expected {count}; "
                    f"last sent: {[(m.chat_id, m.text[:60]) for m in self.sent[-5:]]}") from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return found

    async def wait_for_call(self, method: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, params in self.calls:
                if name == method:
                    return params
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot never called {method}")

    def pending_updates(self) -> int:
        return len(self._updates)

    # -- faults ----------------------------------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None, times: int = 1,
             chat_id: int | None = None) -> None:
        self._faults[method] += [Fault(status, description, retry_after, chat_id) for _ in range(times)]

    def drop(self, method: str, *, times: int = 1, chat_id: int | None = None) -> None:
        """Close the connection instead of answering (the bot sees a network error)."""
        self._faults[method] += [Fault(None, chat_id=chat_id) for _ in range(times)]

    def hold(self, method: str, chat_id: int | None = None) -> Hold:
        """The next such call waits until ``hold.release`` is set; ``hold.reached`` is set when it arrives.
        If the bot goes away meanwhile (killed), the call never counts as done."""
        hold = Hold(chat_id)
        self._holds[method].append(hold)
        return hold

    def _take(self, registry: dict[str, list], method: str, chat_id: int | None):
        for item in registry[method]:
            if item.chat_id is None or item.chat_id == chat_id:
                registry[method].remove(item)
                return item
        return None

    # -- the API ---------------------------------------------------------------------------------------------

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = value.file.read()
            elif key in JSON_FIELDS:
                params[key] = json.loads(value)
            elif key in INT_FIELDS:
                params[key] = int(value)
            elif value in ("true", "false"):
                params[key] = value == "true"
            else:
                params[key] = value
        return params

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        chat_id = params.get("chat_id")
        hold = self._take(self._holds, method, chat_id)
        if hold is not None:
            hold.reached.set()
            await hold.release.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the bot went away meanwhile (killed): nothing happened
        fault = self._take(self._faults, method, chat_id)
        if fault is not None:
            if fault.status is None:
                request.transport.close()  # a dropped connection: no answer at all
                return web.Response(status=500)
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": fault.description}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return web.json_response(body, status=fault.status)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler else True
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["path"].rsplit("/", 1)[-1])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _m_getMe(self, _p: dict) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "ukuk", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}

    async def _m_getUpdates(self, p: dict) -> list:
        if self.webhook is not None:
            raise web.HTTPConflict(text=json.dumps({"ok": False, "error_code": 409,
                                                    "description": "Conflict: can't use getUpdates while webhook is active"}),
                                   content_type="application/json")
        offset = p.get("offset")
        if offset:
            self.confirmed_up_to = max(self.confirmed_up_to, offset - 1)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        while not self._updates and time.monotonic() < deadline and not self._stopping:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
        return self._updates[: int(p.get("limit") or 100)]

    async def _m_setWebhook(self, p: dict) -> bool:
        self.webhook = {"url": p["url"], "secret": p.get("secret_token"), "allowed": p.get("allowed_updates")}
        self._new_update.set()
        return True

    async def _m_deleteWebhook(self, p: dict) -> bool:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _record(self, method: str, p: dict, text: str) -> dict:
        chat_id = int(p["chat_id"])
        thread = p.get("message_thread_id")
        if thread is not None and self.chats.get(chat_id, {}).get("is_forum") and thread not in self.topics[chat_id]:
            raise web.HTTPBadRequest(text=json.dumps({"ok": False, "error_code": 400,
                                                      "description": "Bad Request: message thread not found"}),
                                     content_type="application/json")
        reply = p.get("reply_to_message_id") or (p.get("reply_parameters") or {}).get("message_id")
        sent = Sent(method, chat_id, next(self._message_ids[chat_id]), text, thread, reply, p.get("reply_markup"),
                    time.time())
        self.sent.append(sent)
        for waiter in list(self._waiters):  # each waiter looks at each new message once
            if not waiter.done.done() and waiter.predicate(sent):
                waiter.found.append(sent)
                if len(waiter.found) >= waiter.count:
                    waiter.done.set_result(True)
        message = self._as_message(sent)
        if thread:
            message["is_topic_message"] = True
        return message

    async def _m_sendMessage(self, p: dict) -> dict:
        return self._record("sendMessage", p, p["text"])

    async def _m_sendDocument(self, p: dict) -> dict:
        message = self._record("sendDocument", p, p.get("caption", ""))
        message["document"] = {"file_id": "doc", "file_unique_id": "doc"}
        return message

    async def _m_sendPhoto(self, p: dict) -> dict:
        message = self._record("sendPhoto", p, p.get("caption", ""))
        message["photo"] = [{"file_id": "photo", "file_unique_id": "photo", "width": 10, "height": 10}]
        return message

    async def _m_answerCallbackQuery(self, p: dict) -> bool:
        self.callback_answers.append(p)
        return True

    async def _m_getChat(self, p: dict) -> dict:
        chat = dict(self.chat(int(p["chat_id"])))
        chat.update({"accent_color_id": 0, "max_reaction_count": 11,
                     "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                             "unique_gifts": False, "premium_subscription": False,
                                             "gifts_from_channels": False}})
        return chat

    async def _m_getChatMember(self, p: dict) -> dict:
        status = self.members.get((int(p["chat_id"]), int(p["user_id"])), "left")
        user = {"id": int(p["user_id"]), "is_bot": False, "first_name": "U"}
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        return {"status": "member" if status == "administrator" else status, "user": user}

    async def _m_createForumTopic(self, p: dict) -> dict:
        chat_id = int(p["chat_id"])
        if not self.chats.get(chat_id, {}).get("is_forum"):
            raise web.HTTPBadRequest(text=json.dumps({"ok": False, "error_code": 400,
                                                      "description": "Bad Request: the chat is not a forum"}),
                                     content_type="application/json")
        topic = next(self._topic_ids)
        self.topics[chat_id].add(topic)
        return {"message_thread_id": topic, "name": p["name"], "icon_color": 7322096}

    def delete_topic(self, chat_id: int, topic: int) -> None:
        self.topics[chat_id].discard(topic)

    async def _m_getFile(self, p: dict) -> dict:
        data = self.files.get(p["file_id"], b"")
        return {"file_id": p["file_id"], "file_unique_id": p["file_id"], "file_size": len(data),
                "file_path": f"documents/{p['file_id']}"}

    # -- webhook delivery ------------------------------------------------------------------------------------

    async def _push_to_webhook(self) -> None:
        """While a webhook is set, deliver queued updates to it (in order, several at a time), each with the
        secret header; a non-200 answer or a refused connection is retried, as Telegram does."""
        while not self._stopping:
            if self.webhook is None or not self._updates:
                self._new_update.clear()
                try:
                    await asyncio.wait_for(self._new_update.wait(), 0.2)
                except asyncio.TimeoutError:
                    pass
                continue
            batch = list(self._updates[:20])
            results = await asyncio.gather(*(self._deliver(u) for u in batch))
            delivered = {u["update_id"] for u, ok in zip(batch, results, strict=True) if ok}
            self._updates = [u for u in self._updates if u["update_id"] not in delivered]
            if not all(results):
                await asyncio.sleep(0.2)

    async def _deliver(self, update: dict[str, Any]) -> bool:
        hook = self.webhook
        if hook is None:
            return False
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret"]} if hook.get("secret") else {}
        try:
            async with self._http.post(hook["url"], json=update, headers=headers,
                                       timeout=aiohttp.ClientTimeout(total=10)) as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return False
