"""/review: one tap teaches the bot; only admins may, and forged buttons are refused."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendDocument, SendPhoto

from bot.telegram.callbacks import LanguageChoice, PickSuggestion, ReviewAdd, ReviewDecision, StatsView, Vote
from tests.harness import BotHarness

ADMIN = 900
ASKER = 100


def admin(h: BotHarness):
    return h.user(ADMIN, "Admin")


def review_buttons(h: BotHarness) -> tuple[list[ReviewAdd], dict[str, ReviewDecision]]:
    adds = [ReviewAdd.unpack(d) for _, d in h.buttons() if d.startswith("rva:")]
    decisions = {ReviewDecision.unpack(d).action: ReviewDecision.unpack(d) for _, d in h.buttons() if d.startswith("rvd:")}
    return adds, decisions


async def test_a_picked_suggestion_becomes_a_variant_in_one_tap(harness: BotHarness):
    h = harness
    question = "мэр города? Айбек 0555123456"
    await h.press(LanguageChoice(code="ru").pack(), user=h.user(ASKER))
    await h.send(question, user=h.user(ASKER))
    picks = [PickSuggestion.unpack(d) for _, d in h.buttons() if d.startswith("pick:")]
    assert picks, h.buttons()
    await h.press(picks[0].pack(), user=h.user(ASKER))
    entry_before, version_before = await h.services.kb_admin.get(picks[0].entry_id)

    await h.press(LanguageChoice(code="ru").pack(), user=admin(h))
    await h.send("/review", user=admin(h))
    text = h.last_text()
    assert "Айбек" not in text and "0555123456" not in text  # the admin sees it cleaned
    assert "мэр города?" in text and picks[0].entry_id in text  # what the person picked
    adds, decisions = review_buttons(h)
    assert adds[0].entry_id == picks[0].entry_id and adds[0].question_id == picks[0].question_id
    assert set(decisions) == {"new", "skip", "scope", "next"}

    await h.press(adds[0].pack(), user=admin(h))
    entry, version = await h.services.kb_admin.get(picks[0].entry_id)
    assert version == version_before + 1  # versioned like any edit
    added = set(entry.variants["ru"]) - set(entry_before.variants["ru"])
    assert added == {"мэр города?"}
    assert "мэр города?" in h.services.knowledge.entry(picks[0].entry_id).variants["ru"]  # live at once
    history = await h.services.kb_admin.history(picks[0].entry_id)
    assert history[-1]["actor"] == ADMIN
    assert (await h.services.review.store.decision(picks[0].question_id))["decision"] == "variant"
    waiting = await h.services.review.store.waiting(50)
    assert picks[0].question_id not in [r["id"] for r in waiting]


async def test_thumbs_down_and_unanswered_questions_are_reviewed_and_decisions_remembered(harness: BotHarness):
    h = harness
    asker = h.user(ASKER, language_code="ru")
    await h.send("Кто назначает акима района?", user=asker)
    down = [Vote.unpack(d) for _, d in h.buttons() if d.startswith("vote:")][1]
    await h.press(down.pack(), user=asker)
    await h.send("Как поменять водительские права?", user=asker)
    await h.send("Кто назначает акима района?", user=h.user(101, language_code="ru"))  # answered, no vote: not shown

    await h.send("/review", user=admin(h))
    assert "водительские" in h.last_text()  # the newest first
    _adds, decisions = review_buttons(h)
    await h.press(decisions["scope"].pack(), user=admin(h))
    assert "акима района" in h.last_text() and "👎" in h.last_text()
    adds, decisions = review_buttons(h)
    assert "akim-appointment" not in [a.entry_id for a in adds]  # the answer that did not help is not offered
    await h.press(decisions["skip"].pack(), user=admin(h))
    assert "review" in h.last_text().lower() or "разбирать" in h.last_text().lower() or "карап" in h.last_text().lower()

    rows = await h.services.db.fetchall("SELECT decision FROM question_reviews ORDER BY question_id")
    assert [r["decision"] for r in rows] == ["skip", "out_of_scope"]
    assert await h.services.review.store.count_waiting() == 0
    await h.send("/review", user=admin(h))
    assert review_buttons(h) == ([], {})


async def test_new_entry_starts_add_with_the_question_filled_in(harness: BotHarness):
    h = harness
    await h.send("Как поменять водительские права? Пишите +996 700 112 233", user=h.user(ASKER, language_code="ru"))
    await h.press(LanguageChoice(code="ru").pack(), user=admin(h))
    await h.send("/review", user=admin(h))
    _adds, decisions = review_buttons(h)
    await h.press(decisions["new"].pack(), user=admin(h))
    assert "Шаг 1" in h.last_text() and "водительские права" in h.last_text() and "700" not in h.last_text()
    key = StorageKey(bot_id=h.bot.id, chat_id=ADMIN, user_id=ADMIN)
    data = await h.dp.storage.get_data(key)
    assert data["new_entry"]["question_ru"].startswith("Как поменять водительские права?")
    for value in ["driving-licence", "out-of-scope", "Айдоочулук күбөлүгүн кантип алмаштырам?"]:
        await h.send(value, user=admin(h))
    assert "Шаг 5" in h.last_text()  # step 4 (the question in Russian) was filled in from the log


async def test_non_admins_cannot_review_or_see_stats_and_forged_buttons_are_refused(harness: BotHarness, caplog):
    h = harness
    await h.send("Как поменять водительские права?", user=h.user(ASKER))
    question = (await h.services.question_log.recent(1))[0]
    stranger = h.user(555, "Stranger")
    for command in ("/review", "/stats", "/stats csv"):
        h.clear()
        await h.send(command, user=stranger)
        assert "админ" in h.last_text().lower() or "admin" in h.last_text().lower(), command
        assert len(h.sent()) == 1 and not h.session.calls(SendPhoto) and not h.session.calls(SendDocument)
    for data in (ReviewAdd(question_id=question["id"], entry_id="akim-appointment").pack(),
                 ReviewDecision(action="skip", question_id=question["id"]).pack(),
                 StatsView(days=7, csv=True).pack()):
        h.clear()
        await h.press(data, user=stranger)
        assert h.callback_answers()[-1].show_alert
    assert sum("admin action" in r.message for r in caplog.records) >= 6
    assert await h.services.review.store.decision(question["id"]) is None
    assert "водительские" not in " ".join(h.services.knowledge.entry("akim-appointment").variants["ru"])

    # Forged by an admin: an unknown question, or data that does not parse, is "out of date".
    for data in (ReviewAdd(question_id=999999, entry_id="akim-appointment").pack(),
                 ReviewDecision(action="skip", question_id=999999).pack(),
                 "rva:abc:akim-appointment", "rvd:destroy:1", f"rva:{question['id']}:Not_A_Slug"):
        h.clear()
        await h.press(data, user=admin(h))
        answer = h.callback_answers()[-1]
        assert answer.show_alert and answer.text, data
    assert await h.services.review.store.decision(question["id"]) is None
