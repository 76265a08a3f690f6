"""👍/👎 under every FAQ answer, and suggestions people pick: through the real Dispatcher."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import LanguageChoice, PickSuggestion, Vote
from bot.telegram.local_session import BOT_USERNAME
from tests.harness import BotHarness

ANSWERED = "Кто назначает акима района?"  # answered with akim-appointment; runner-ups among its candidates


def votes(h: BotHarness) -> list[Vote]:
    return [Vote.unpack(d) for _, d in h.buttons() if d.startswith("vote:")]


def markup_of(h: BotHarness) -> InlineKeyboardMarkup:
    return h.sent()[-1].reply_markup


async def test_every_answer_has_thumbs_and_a_share_link(harness: BotHarness):
    h = harness
    await h.press(LanguageChoice(code="ru").pack())
    await h.send(ANSWERED)
    assert "акима района" in h.last_text().lower()
    up, down = votes(h)
    assert up.up and not down.up and up.shown_id == down.shown_id
    shown = await h.services.feedback.get(up.shown_id)
    assert shown["entry_id"] == "akim-appointment" and shown["source"] == "match" and shown["vote"] is None
    [(label, url)] = h.url_buttons()
    assert label == "Поделиться"
    shared = unquote(parse_qs(urlsplit(url).query)["url"][0])
    assert shared == f"https://t.me/{BOT_USERNAME}?start=akim-appointment"
    # Many answers send the reader to an official ("not confirmed"): the button is right there.
    assert [(t, d) for t, d in h.buttons() if d.startswith("esc:")] == [("Спросить специалиста", "esc:1")]


async def test_thumbs_up_is_stored_marked_and_changeable(harness: BotHarness):
    h = harness
    await h.send(ANSWERED, user=h.user(language_code="ru"))
    markup = markup_of(h)
    up, down = votes(h)
    h.clear()
    await h.press(up.pack(), markup=markup)
    assert (await h.services.feedback.get(up.shown_id))["vote"] == 1
    assert h.callback_answers()[-1].text  # "thank you"
    edited = h.session.calls(EditMessageReplyMarkup)[-1].reply_markup
    texts = [b.text for row in edited.inline_keyboard for b in row]
    assert "👍 ✓" in texts and "👎" in texts and "Поделиться" in texts
    assert not h.sent()  # a 👍 sends no message

    await h.press(down.pack(), markup=markup)  # changed the mind
    assert (await h.services.feedback.get(up.shown_id))["vote"] == -1


async def test_thumbs_down_offers_the_other_candidates_and_an_official_once(harness: BotHarness):
    h = harness
    await h.press(LanguageChoice(code="ru").pack())
    await h.send(ANSWERED)
    _up, down = votes(h)
    question = await h.services.question_log.get((await h.services.feedback.get(down.shown_id))["question_id"])
    h.clear()
    await h.press(down.pack())
    assert "не помог" in h.last_text().lower()
    picks = [PickSuggestion.unpack(d) for _, d in h.buttons() if d.startswith("pick:")]
    assert picks and all(p.question_id == question["id"] for p in picks)
    assert "akim-appointment" not in {p.entry_id for p in picks}  # not the answer that did not help
    assert h.buttons()[-1][1].startswith("esc:")
    sent = len(h.sent())
    await h.press(down.pack())  # again: stored, no second offer
    assert len(h.sent()) == sent

    # Picking one of them logs it for /review, with its own 👍/👎.
    await h.press(PickSuggestion(question_id=question["id"], entry_id=picks[0].entry_id).pack())
    assert [r["entry_id"] for r in await h.services.feedback.candidates(question["id"])] == [picks[0].entry_id]
    picked = votes(h)[0]
    assert (await h.services.feedback.get(picked.shown_id))["source"] == "suggestion"


async def test_a_picked_suggestion_is_logged_as_a_candidate_variant(harness: BotHarness):
    h = harness
    await h.send("мэр")
    pick = PickSuggestion.unpack(next(d for _, d in h.buttons() if d.startswith("pick:")))
    await h.press(pick.pack())
    entry = h.services.knowledge.entry(pick.entry_id)
    assert entry.answer["ky"].splitlines()[0][:40] in h.last_text()
    assert votes(h) and h.url_buttons()
    [candidate] = await h.services.feedback.candidates(pick.question_id)
    assert candidate["entry_id"] == pick.entry_id and candidate["lang"] in ("ky", "ru")
    await h.press(pick.pack())  # the same pick twice is one candidate, one answer shown
    assert len(await h.services.feedback.candidates(pick.question_id)) == 1
    assert (await h.services.feedback.get(votes(h)[0].shown_id))["source"] == "suggestion"
    # Never added to the FAQ without an admin's tap.
    assert h.services.knowledge.entry(pick.entry_id).variants == entry.variants


async def test_forged_votes_and_picks_are_out_of_date(harness: BotHarness):
    h = harness
    await h.send(ANSWERED)
    up, _down = votes(h)
    stranger = h.user(555, "Stranger")
    for data in (up.pack(), Vote(shown_id=999999, up=True).pack(), "vote:abc:1", "vote:1:maybe",
                 PickSuggestion(question_id=1, entry_id="akim-appointment").pack()):
        h.clear()
        await h.press(data, user=stranger)
        answer = h.callback_answers()[-1]
        assert answer.show_alert and answer.text
        assert not h.sent()
    assert (await h.services.feedback.get(up.shown_id))["vote"] is None


async def test_a_vote_marks_only_its_own_buttons(harness: BotHarness):
    h = harness
    await h.send(ANSWERED)
    up, _down = votes(h)
    other = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="faq:x:ky")]])
    h.clear()
    await h.press(up.pack(), markup=other)  # a keyboard without this answer's buttons is left alone
    assert not h.session.calls(EditMessageReplyMarkup)
