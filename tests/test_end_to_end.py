"""The whole bot as a real process (`python -m bot run`) against a fake Telegram Bot API over HTTP.

People, an official and an admin are played through the fake server: ask in Kyrgyz and Russian, pick a
suggestion, escalate, answer from the officials' chat (a reply, and in webhook mode a forum topic), get
the answer delivered, and the bot is killed with SIGKILL in the middle and started again. Every chat must
get every message exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import KNOWLEDGE, LOCALES, ROOT
from tests.fake_telegram import TOKEN, FakeTelegram, Sent

OFFICIALS = -100777
ADMIN = 900
SECRET = "e2e-secret_123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    """``python -m bot run`` with the given environment; stderr goes to a file kept for the failure report."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log,
        )
        return self

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout)


def bot_env(tmp_path: Path, telegram: FakeTelegram, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url, "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "KNOWLEDGE_DIR": str(KNOWLEDGE), "LOCALES_DIR": str(LOCALES), "ADMIN_IDS": str(ADMIN),
        "OFFICIALS_CHAT_ID": str(OFFICIALS), "LOG_LEVEL": "INFO", "SHUTDOWN_GRACE_SECONDS": "10", **extra,
    }


@pytest.fixture
async def telegram():
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def assert_each_message_once(telegram: FakeTelegram) -> None:
    """No chat got the same message twice (a duplicate delivery would repeat text and buttons)."""
    seen = Counter((m.chat_id, m.thread_id, m.text, str(m.reply_markup)) for m in telegram.sent)
    repeated = [(chat, text[:80]) for (chat, _thread, text, _markup), n in seen.items() if n > 1]
    assert not repeated, repeated


def button(message: Sent, prefix: str) -> str:
    return next(data for _text, data in message.buttons() if data.startswith(prefix))


async def test_polling_end_to_end_with_a_kill_in_the_middle(tmp_path, telegram):
    telegram.add_group(OFFICIALS)
    env = bot_env(tmp_path, telegram)
    log_path = tmp_path / "bot.log"
    bot = await BotProcess(env, log_path).start()
    try:
        await telegram.wait_for_call("getUpdates", timeout=30)
        aibek, olga = telegram.user(201, "Айбек", "ky"), telegram.user(202, "Ольга", "ru")

        # Kyrgyz: /start, the language button, a question answered in Kyrgyz.
        telegram.message(aibek, "/start")
        (start,) = await telegram.wait_for(lambda m: m.chat_id == 201)
        telegram.press(aibek, start, button(start, "lang:ky"))
        await telegram.wait_for(lambda m: m.chat_id == 201 and "сакталды" in m.text)
        telegram.message(aibek, "акимди ким дайындайт?")
        await telegram.wait_for(lambda m: m.chat_id == 201 and "Негизи:" in m.text and "Президент" in m.text)

        # Russian: a one-word question offers suggestions; picking one opens its answer.
        telegram.message(olga, "мэр")
        (offer,) = await telegram.wait_for(lambda m: m.chat_id == 202 and any(d.startswith("pick:") for _, d in m.buttons()))
        telegram.press(olga, offer, button(offer, "pick:"))
        await telegram.wait_for(lambda m: m.chat_id == 202 and "Основание:" in m.text)

        # Escalation: no answer → ask an official → confirm → the ticket reaches the officials' chat.
        mark = telegram.mark()
        telegram.message(olga, "Как поменять водительские права?")
        (nothing,) = await telegram.wait_for(lambda m: m.chat_id == 202 and any(d.startswith("esc:") for _, d in m.buttons()),
                                             after=mark)
        telegram.press(olga, nothing, button(nothing, "esc:"))
        (confirm,) = await telegram.wait_for(lambda m: m.chat_id == 202 and any(d.startswith("escok:") for _, d in m.buttons()),
                                             after=mark)
        telegram.press(olga, confirm, button(confirm, "escok:"))
        (ticket,) = await telegram.wait_for(lambda m: m.chat_id == OFFICIALS and "водительские" in m.text)

        # The official replies to the ticket: the answer reaches Olga once, the officials hear it was delivered.
        official = telegram.user(700, "Адис")
        telegram.message(official, "Обратитесь в ЦОН по месту жительства.", chat_id=OFFICIALS, reply_to=ticket)
        await telegram.wait_for(lambda m: m.chat_id == 202 and "Обратитесь в ЦОН" in m.text)
        await telegram.wait_for(lambda m: m.chat_id == OFFICIALS and "жеткирилди" in m.text.lower())

        # Killed between recording a question and replying to it: after the restart it is answered once.
        nurlan = telegram.user(203, "Нурлан", "ru")
        hold = telegram.hold("sendMessage", chat_id=203)
        telegram.message(nurlan, "Кто назначает мэра Бишкека?")
        await asyncio.wait_for(hold.reached.wait(), 20)
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
        hold.release.set()
        bot = await BotProcess(env, log_path).start()
        await telegram.wait_for(lambda m: m.chat_id == 203 and "Основание:" in m.text, timeout=40)

        # The admin, in Russian, looks at an entry.
        telegram.message(telegram.user(ADMIN, "Админ", "ru"), "/show akim-appointment")
        await telegram.wait_for(lambda m: m.chat_id == ADMIN and "akim-appointment" in m.text)

        assert await bot.stop(signal.SIGTERM) == 0  # a graceful stop
    finally:
        if bot.proc.returncode is None:
            await bot.stop(signal.SIGKILL)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert_each_message_once(telegram)
    assert len([m for m in telegram.sent_to(203) if "Основание:" in m.text]) == 1
    assert not telegram.pending_updates()  # everything was confirmed, nothing left behind


async def test_webhook_end_to_end_with_forum_topics_health_and_a_graceful_stop(tmp_path, telegram):
    telegram.add_group(OFFICIALS, forum=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    env = bot_env(tmp_path, telegram, WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_HOST="127.0.0.1",
                  WEBHOOK_PORT=str(port))
    log_path = tmp_path / "bot.log"
    bot = await BotProcess(env, log_path).start()
    try:
        hook = await telegram.wait_for_call("setWebhook", timeout=30)
        assert hook["url"] == url and hook["secret_token"] == SECRET
        assert "callback_query" in hook["allowed_updates"] and "message" in hook["allowed_updates"]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                report = await response.json()
                assert response.status == 200 and report["ready"] and report["faq_entries"] >= 54, report
            forged = {"update_id": 999999, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                                        "from": {"id": 5, "is_bot": False, "first_name": "X"}, "text": "hi"}}
            async with http.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
                assert response.status == 401
            async with http.post(url, json=forged) as response:
                assert response.status == 401

        asel = telegram.user(301, "Асель", "ky")
        telegram.message(asel, "Айдоочулук күбөлүгүмдү кантип алмаштырам?")
        (nothing,) = await telegram.wait_for(lambda m: m.chat_id == 301 and any(d.startswith("esc:") for _, d in m.buttons()))
        telegram.press(asel, nothing, button(nothing, "esc:"))
        (confirm,) = await telegram.wait_for(lambda m: m.chat_id == 301 and any(d.startswith("escok:") for _, d in m.buttons()))
        telegram.press(asel, confirm, button(confirm, "escok:"))
        (ticket,) = await telegram.wait_for(lambda m: m.chat_id == OFFICIALS and "күбөлүг" in m.text)
        assert ticket.thread_id is not None  # its own forum topic

        official = telegram.user(700, "Адис")
        telegram.message(official, "ЦОНго кайрылыңыз.", chat_id=OFFICIALS, thread_id=ticket.thread_id)
        await telegram.wait_for(lambda m: m.chat_id == 301 and "ЦОНго кайрылыңыз" in m.text)
        (note,) = await telegram.wait_for(lambda m: m.chat_id == OFFICIALS and "жеткирилди" in m.text.lower())
        assert note.thread_id == ticket.thread_id

        assert await bot.stop(signal.SIGTERM) == 0
        assert any(name == "deleteWebhook" for name, _ in telegram.calls)
    finally:
        if bot.proc.returncode is None:
            await bot.stop(signal.SIGKILL)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert_each_message_once(telegram)
