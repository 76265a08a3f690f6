"""A load run of the whole bot over HTTP: ``python -m bot run`` against the fake Telegram Bot API server.

    python bench/load.py [--users 200] [--questions 10] [--rate 50] [--mode polling|webhook] [--kills K]

Simulated people (half Kyrgyz, half Russian Telegram apps) each ask ``--questions`` questions, one after
the other: the next only after the bot replied to the previous one, as a person would. Every question is
an FAQ question or variant (a random one, in either language) or, one in twelve, a question the FAQ does
not cover; after those the person presses "ask an official" and confirms, so tickets reach the officials'
chat. Updates are released at most ``--rate`` per second overall.

With ``--kills K`` the bot is killed with SIGKILL K times during the run (at random moments) and started
again at once, and an official answers every ticket: then every question must still get exactly one reply
and every official's answer must reach its asker exactly once.

Reported: replies per second, latency from the moment an update is offered to the bot to the moment its
reply arrives (p50, p99), the bot's CPU seconds per question (from /proc), its peak resident memory
(VmHWM), and a check that every question got exactly one reply and every escalation exactly one ticket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
from collections import Counter
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.knowledge import load_knowledge  # noqa: E402
from tests.fake_telegram import TOKEN, FakeTelegram, Sent  # noqa: E402

OFFICIALS = -100555
OUT_OF_SCOPE = [
    "Как заменить водительское удостоверение в Бишкеке?", "Айдоочулук күбөлүктү кантип алмаштырам?",
    "Где получить справку о несудимости?", "Паспортту кайдан алсам болот?",
    "Сколько стоит проезд в автобусе?", "Жер участогун кантип каттатам?",
]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Pacer:
    """Releases at most ``rate`` updates per second, in the order asked."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next = time.monotonic()
        self.lock = asyncio.Lock()

    async def slot(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next > now:
                await asyncio.sleep(self.next - now)
            self.next = max(self.next, now) + self.interval


async def reply_to(telegram: FakeTelegram, chat_id: int, after: int, predicate=lambda m: True) -> Sent | None:
    """The first matching message to ``chat_id`` after ``after``; None when none came within two minutes."""
    try:
        found = await telegram.wait_for(lambda m: m.chat_id == chat_id and predicate(m), timeout=120, after=after)
    except AssertionError:
        return None
    return found[0]


async def person(telegram: FakeTelegram, pacer: Pacer, user_id: int, questions: list[str], escalate: set[int],
                 latencies: list[float], log: list[dict]) -> None:
    user = telegram.user(user_id, f"U{user_id}", "ky" if user_id % 2 else "ru")
    for number, text in enumerate(questions):
        await pacer.slot()
        mark, offered = telegram.mark(), time.time()
        telegram.message(user, text)
        reply = await reply_to(telegram, user_id, mark)
        if reply is None:
            log.append({"user": user_id, "lost": number})
            continue
        latencies.append(reply.at - offered)  # both stamped by this process's clock
        log.append({"user": user_id, "question": number})
        if number in escalate:
            button = next((d for _t, d in reply.buttons() if d.startswith("esc:")), None)
            if button is None:
                continue  # the bot offered an answer after all
            await pacer.slot()
            mark = telegram.mark()
            telegram.press(user, reply, button)
            prompt = await reply_to(telegram, user_id, mark, lambda m: any(d.startswith("escok:") for _t, d in m.buttons()))
            if prompt is None:
                log.append({"user": user_id, "lost": number})
                continue
            await pacer.slot()
            mark = telegram.mark()
            telegram.press(user, prompt, next(d for _t, d in prompt.buttons() if d.startswith("escok:")))
            if await reply_to(telegram, user_id, mark) is None:
                log.append({"user": user_id, "lost": number})
                continue
            log.append({"user": user_id, "escalated": number})


async def officials(telegram: FakeTelegram, stop: asyncio.Event, answered: dict[int, int]) -> None:
    """An official replies to every ticket posted in the officials' chat: "Ответ на вопрос #N"."""
    official = telegram.user(777, "Адис", "ru")
    seen = 0
    while not stop.is_set():
        for message in telegram.sent[seen:]:
            match = message.chat_id == OFFICIALS and message.text.startswith("<b>") and "#" in message.text
            if match:
                number = int(message.text.split("#", 1)[1].split("<", 1)[0].split()[0])
                if number not in answered:
                    answered[number] = message.chat_id
                    telegram.message(official, f"Ответ на вопрос #{number}", chat_id=OFFICIALS, reply_to=message)
        seen = len(telegram.sent)
        await asyncio.sleep(0.05)


class Bot:
    """The bot process; killed and started again on demand. CPU seconds and peak memory add up over runs."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log = log_path.open("ab")
        self.proc: asyncio.subprocess.Process | None = None
        self.cpu = 0.0
        self.peak = 0.0
        self.starts = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env,
                                                         stdout=self.log, stderr=self.log)
        self.starts += 1

    def account(self) -> None:
        self.cpu += cpu_seconds(self.proc.pid)
        self.peak = max(self.peak, peak_rss_mib(self.proc.pid))

    async def kill(self) -> None:
        self.account()
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.account()
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except asyncio.TimeoutError:
                self.proc.kill()
        self.log.close()


async def killer(bot: Bot, kills: int, duration: float, rng: random.Random) -> None:
    """SIGKILL the bot at ``kills`` random moments of the run and start it again at once."""
    for moment in sorted(rng.uniform(0.1, 0.9) * duration for _ in range(kills)):
        await asyncio.sleep(max(0.0, moment - (time.monotonic() - killer.started)))
        await bot.kill()
        await bot.start()


async def main_async(args: argparse.Namespace) -> dict:
    entries = load_knowledge(ROOT / "knowledge")
    pool = [text for e in entries for lang in ("ky", "ru") for text in e.texts(lang)]
    rng = random.Random(7)
    telegram = FakeTelegram()
    await telegram.start()
    telegram.add_group(OFFICIALS)
    workdir = Path(tempfile.mkdtemp(prefix="ukuk-load-"))
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": telegram.base_url, "DATABASE_PATH": str(workdir / "bot.sqlite3"),
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "LOCALES_DIR": str(ROOT / "locales"),
        "OFFICIALS_CHAT_ID": str(OFFICIALS), "LOG_LEVEL": "WARNING", "TICKETS_DAILY_LIMIT": "100",
        "TICKETS_OPEN_LIMIT": "100",
    }
    if args.mode == "webhook":
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", WEBHOOK_SECRET="load-secret",
                   WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port))
    bot = Bot(env, workdir / "bot.log")
    await bot.start()
    stop_officials = asyncio.Event()
    answered: dict[int, int] = {}
    try:
        await telegram.wait_for_call("setWebhook" if args.mode == "webhook" else "getUpdates", timeout=60)
        plans = []
        for n in range(args.users):
            questions, escalate = [], set()
            for q in range(args.questions):
                if rng.random() < 1 / 12:
                    questions.append(rng.choice(OUT_OF_SCOPE))
                    escalate.add(q)
                else:
                    questions.append(rng.choice(pool))
            plans.append((10_000 + n, questions, escalate))
        latencies: list[float] = []
        done: list[dict] = []
        started = time.monotonic()
        killer.started = started
        pacer = Pacer(args.rate)
        updates = args.users * args.questions * (1 + 2 / 12)
        background = [asyncio.create_task(officials(telegram, stop_officials, answered))]
        if args.kills:
            background.append(asyncio.create_task(killer(bot, args.kills, updates / args.rate, rng)))
        await asyncio.gather(*(person(telegram, pacer, uid, qs, esc, latencies, done) for uid, qs, esc in plans))
        elapsed = time.monotonic() - started
        if args.kills:
            await background[1]
        await asyncio.sleep(5)  # the officials' last answers, and anything sent twice, arrive now
        stop_officials.set()
        await background[0]
        bot.account()
        questions_total = args.users * args.questions
        escalations = sum(1 for d in done if "escalated" in d)
        tickets = [m for m in telegram.sent_to(OFFICIALS) if m.text.startswith("<b>")]
        per_user = {uid: len([m for m in telegram.sent_to(uid) if "Ответ на вопрос #" not in m.text])
                    for uid, _q, _e in plans}
        expected = {uid: args.questions + 2 * sum(1 for d in done if d.get("user") == uid and "escalated" in d)
                    for uid, _q, _e in plans}
        lost = sum(max(0, expected[u] - per_user[u]) for u in per_user)
        extra = sum(max(0, per_user[u] - expected[u]) for u in per_user)
        delivered = Counter(int(m.text.split("Ответ на вопрос #", 1)[1].split()[0].rstrip("<"))
                            for m in telegram.sent if m.chat_id > 0 and "Ответ на вопрос #" in m.text)
        latencies.sort()
        return {
            "mode": args.mode, "users": args.users, "questions": questions_total, "kills": args.kills,
            "bot_starts": bot.starts, "escalations": escalations, "tickets_posted": len(tickets),
            "updates_offered": questions_total + 2 * escalations, "elapsed_s": round(elapsed, 1),
            "updates_per_s": round((questions_total + 2 * escalations) / elapsed, 1),
            "replies_per_s": round(sum(per_user.values()) / elapsed, 1),
            "latency_p50_ms": round(1000 * statistics.median(latencies), 1),
            "latency_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
            "latency_max_ms": round(1000 * latencies[-1], 1),
            "cpu_ms_per_question": round(1000 * bot.cpu / questions_total, 2),
            "peak_rss_mib": round(bot.peak, 1),
            "lost_replies": lost, "duplicate_replies": extra,
            "duplicate_tickets": len(tickets) - len({m.text for m in tickets}),
            "officials_answers": len(answered),
            "officials_answers_lost": sum(1 for n in answered if delivered[n] == 0),
            "officials_answers_duplicated": sum(1 for n in answered if delivered[n] > 1),
        }
    finally:
        stop_officials.set()
        await bot.stop()
        await telegram.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second offered to the bot, at most")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--kills", type=int, default=0, help="SIGKILL the bot this many times during the run")
    args = parser.parse_args(argv)
    result = asyncio.run(main_async(args))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = not any(result[k] for k in ("lost_replies", "duplicate_replies", "duplicate_tickets",
                                      "officials_answers_lost", "officials_answers_duplicated"))
    print("every question answered exactly once" if ok else "LOST OR DUPLICATED REPLIES")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
