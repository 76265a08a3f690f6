"""/forget_me and the retention of the question log."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.telegram.background import Background
from bot.telegram.callbacks import ConfirmEscalation, Escalate, ForgetMe, LanguageChoice, Vote
from tests.conftest import make_settings
from tests.harness import BotHarness

OFFICIALS = -100500


async def test_forget_me_asks_first_then_deletes_and_anonymises(harness: BotHarness):
    h = harness
    user = h.user(100, "Aibek")
    await h.press(LanguageChoice(code="ru").pack(), user=user)
    await h.send("Кто назначает акима района?", user=user)
    vote = next(Vote.unpack(d) for _, d in h.buttons() if d.startswith("vote:"))
    await h.press(vote.pack(), user=user)
    await h.send("Меня зовут Айбек Токтогулов, как поменять водительские права? +996 555 123 456", user=user)
    question_id = Escalate.unpack(next(d for _, d in h.buttons() if d.startswith("esc:"))).question_id
    await h.press(ConfirmEscalation(question_id=question_id, send=True).pack(), user=user)
    ticket = (await h.services.tickets.open_of_user(100))[0]
    assert ticket.officials_message_id is not None
    # An official's answer the asker has not received yet (Telegram keeps failing for now).
    h.session.fail_next("sendMessage", 500, times=5, chat_id=100)
    await h.services.tickets.add_answer(ticket.id, 700, "Official", "Айбек, позвоните 0555 000 111")
    await h.app.sender.drain_ticket(ticket.id)
    pending = [i for i in await h.services.outbox.items(ticket.id) if i.state == "pending" and i.chat_id == 100]
    assert pending
    other = h.user(200, "Other")
    await h.send("Кто назначает акима района?", user=other)

    h.clear()
    await h.send("/forget_me", user=user)
    assert "Удалить?" in h.last_text()
    confirm, cancel = [ForgetMe.unpack(d) for _, d in h.buttons()]
    assert confirm.confirm and not cancel.confirm
    await h.press(cancel.pack(), user=user)
    assert await h.services.users.get(100) is not None and await h.services.question_log.recent(10)

    h.clear()
    await h.press(confirm.pack(), user=user)
    assert "удалены" in h.sent()[0].text
    db = h.services.db
    assert not await db.fetchall("SELECT * FROM questions WHERE user_id = 100")
    assert not await db.fetchall("SELECT * FROM shown_answers WHERE user_id = 100")
    assert await h.services.users.get(100) is None
    kept = await h.services.tickets.get(ticket.id)
    assert kept.user_id == 0 and kept.chat_id == 0 and kept.asker_name == "" and kept.status == "closed"
    assert "водительские права" in kept.text and "Айбек" not in kept.text and "555" not in kept.text
    answers = await h.services.tickets.answers(ticket.id)
    assert "0555" not in answers[0].text and "Айбек" not in answers[0].text
    items = await h.services.outbox.items(ticket.id)
    cancelled = [i for i in items if i.chat_id == 100]
    assert cancelled and all(i.state == "failed" and i.last_error.startswith("cancelled") for i in cancelled)
    notes = [m.text for m in h.sent() if int(m.chat_id) == OFFICIALS]
    assert any(f"#{ticket.id}" in n and "өчүрдү" in n for n in notes)  # OFFICIALS_LOCALE: ky
    # Somebody else's data is untouched.
    assert await db.fetchall("SELECT * FROM questions WHERE user_id = 200")
    assert await h.services.users.get(200) is not None

    # Writing again starts afresh: a new user row without a language.
    await h.send("/help", user=h.user(100, "Aibek", language_code="ky"))
    assert (await h.services.users.get(100)).lang is None


async def test_questions_older_than_the_retention_are_anonymised(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path, question_log_retention_days=30)) as h:
        user = h.user(100, "Aibek")
        await h.send("Меня зовут Айбек, кто назначает акима района? 0555123456", user=user)
        await h.send("Кто назначает акима района? Айбек Токтогулов", user=user)
        old, new = sorted(r["id"] for r in await h.services.question_log.recent(10))
        long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=31)).isoformat(timespec="seconds")
        await h.services.db.execute("UPDATE questions SET created_at = ? WHERE id = ?", (long_ago, old))
        await h.services.db.execute("UPDATE shown_answers SET created_at = ? WHERE question_id = ?", (long_ago, old))

        background = Background(h.app).start()  # the job runs at once, then every few hours
        try:
            for _ in range(100):
                if (await h.services.question_log.get(old))["user_id"] == 0:
                    break
                await asyncio.sleep(0.02)
        finally:
            await background.close()
        row = await h.services.question_log.get(old)
        assert row["user_id"] == 0 and row["chat_id"] == 0
        assert "Айбек" not in row["text"] and "0555" not in row["text"] and "назначает акима района" in row["text"]
        shown = await h.services.db.fetchone("SELECT user_id FROM shown_answers WHERE question_id = ?", (old,))
        assert shown["user_id"] == 0
        recent = await h.services.question_log.get(new)
        assert recent["user_id"] == 100 and "Токтогулов" in recent["text"]  # within the retention: as asked
        assert await h.services.privacy.anonymise_old() == 0  # done once
