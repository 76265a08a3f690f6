"""/topics, links that open an answer (/start <entry id>), inline mode and the bot's profile texts."""

from __future__ import annotations

from aiogram.methods import AnswerInlineQuery, EditMessageText, SetMyDescription, SetMyShortDescription

from bot.telegram.callbacks import LanguageChoice, LinkLanguage, OpenEntry, TopicEntries, TopicsPage, Vote
from bot.telegram.local_session import BOT_USERNAME
from tests.harness import BotHarness, assert_telegram_html


def edits(h: BotHarness) -> list[EditMessageText]:
    calls = h.session.calls(EditMessageText)
    for call in calls:
        assert_telegram_html(call.text)
    return calls


def edit_buttons(call: EditMessageText) -> list[str]:
    return [b.callback_data for row in call.reply_markup.inline_keyboard for b in row]


async def test_topics_by_category_paged_in_both_languages(harness: BotHarness):
    h = harness
    await h.press(LanguageChoice(code="ru").pack())
    await h.send("/topics")
    categories = [TopicEntries.unpack(d) for _, d in h.buttons() if d.startswith("tpe:")]
    names = [t for t, d in h.buttons() if d.startswith("tpe:")]
    assert any(n.startswith("Акимы (") for n in names) and len(categories) == 7
    akims = categories[names.index(next(n for n in names if n.startswith("Акимы")))]

    await h.press(akims.pack())
    page = edits(h)[-1]
    assert "Акимы" in page.text
    data = edit_buttons(page)
    opens = [OpenEntry.unpack(d) for d in data if d.startswith("faq:")]
    assert len(opens) == 8 and all(o.lang == "ru" for o in opens)  # a page of eight
    assert TopicEntries(category=akims.category, page=1).pack() in data
    assert TopicsPage(page=0).pack() in data
    await h.press(TopicEntries(category=akims.category, page=1).pack())
    second = [OpenEntry.unpack(d) for d in edit_buttons(edits(h)[-1]) if d.startswith("faq:")]
    assert second and not {o.entry_id for o in second} & {o.entry_id for o in opens}

    h.clear()
    await h.press(opens[0].pack())
    entry = h.services.knowledge.entry(opens[0].entry_id)
    assert entry.answer["ru"].splitlines()[0][:40] in h.last_text()
    vote = next(Vote.unpack(d) for _, d in h.buttons() if d.startswith("vote:"))
    assert (await h.services.feedback.get(vote.shown_id))["source"] == "browse"
    assert h.url_buttons()
    # The answer may send the reader to an official: the button says how to send one's own question.
    ask = next(d for t, d in h.buttons() if t == "Спросить специалиста")
    await h.press(ask)
    assert "/ask" in h.last_text()

    await h.press(LanguageChoice(code="ky").pack())
    await h.send("/topics")
    assert any(t.startswith("Акимдер (") for t, _ in h.buttons())
    await h.press(TopicEntries(category=99, page=0).pack())  # a topic that is gone
    assert h.callback_answers()[-1].show_alert


async def test_a_shared_link_opens_the_answer_for_a_new_user_who_chooses_the_language_after(harness: BotHarness):
    h = harness
    newcomer = h.user(321, "Newcomer", language_code="ru")
    await h.send("/start akim-appointment", user=newcomer)
    entry = h.services.knowledge.entry("akim-appointment")
    answer, choose = h.sent()[-2:]
    assert entry.answer["ru"].splitlines()[0][:40] in answer.text
    assert any(b.url and "start%3Dakim-appointment" in b.url for row in answer.reply_markup.inline_keyboard for b in row)
    assert "язык" in choose.text.lower()
    buttons = [LinkLanguage.unpack(d) for _, d in h.buttons()]
    assert [(b.code, b.shown, b.entry_id) for b in buttons] == [("ky", "ru", "akim-appointment"),
                                                                ("ru", "ru", "akim-appointment")]
    shown = await h.services.db.fetchone("SELECT * FROM shown_answers WHERE user_id = 321")
    assert shown["source"] == "link" and shown["entry_id"] == "akim-appointment"

    h.clear()
    await h.press(buttons[0].pack(), user=newcomer)  # Kyrgyz: the answer again, in Kyrgyz
    assert (await h.services.users.get(321)).lang == "ky"
    texts = [m.text for m in h.sent()]
    assert any(entry.answer["ky"].splitlines()[0][:40] in t for t in texts)
    assert "кыргызча" in texts[-1].lower()

    # Someone who chose a language long ago gets just the answer.
    h.clear()
    await h.send("/start lsa-collegium", user=newcomer)
    assert len(h.sent()) == 1 and "Негизи" in h.last_text()


async def test_a_link_to_nothing_is_an_ordinary_start(harness: BotHarness):
    for payload in ("no-such-entry", "inline", "x" * 64):
        harness.clear()
        await harness.send(f"/start {payload}", user=harness.user(322, "Guest"))
        assert "Guest" in harness.sent()[0].text


async def test_inline_mode_offers_answers_in_the_users_language(harness: BotHarness):
    h = harness
    await h.inline("Кто назначает акима района?", user=h.user(400, language_code="ky"))
    call = h.session.calls(AnswerInlineQuery)[-1]
    assert call.results and call.results[0].id == "akim-appointment" and len(call.results) <= 5
    result = call.results[0]
    assert "Основание" in result.input_message_content.message_text  # the question's language: Russian
    assert_telegram_html(result.input_message_content.message_text)
    assert result.title == h.services.knowledge.entry("akim-appointment").question["ru"]
    assert result.reply_markup.inline_keyboard[0][0].url == f"https://t.me/{BOT_USERNAME}?start=akim-appointment"
    assert not call.is_personal and call.cache_time <= 60

    await h.press(LanguageChoice(code="ky").pack(), user=h.user(400))  # a stored choice wins, and is personal
    await h.inline("Кто назначает акима района?", user=h.user(400))
    call = h.session.calls(AnswerInlineQuery)[-1]
    assert "Негизи" in call.results[0].input_message_content.message_text and call.is_personal

    await h.inline("", user=h.user(401, language_code="ru"))  # nothing typed yet
    call = h.session.calls(AnswerInlineQuery)[-1]
    assert call.results == [] and call.button.start_parameter == "inline"
    await h.inline("Как поменять водительские права?", user=h.user(401, language_code="ru"))
    assert h.session.calls(AnswerInlineQuery)[-1].results == []  # not in the FAQ: nothing made up
    assert not await h.services.question_log.recent(5)  # inline queries are not logged


async def test_descriptions_are_set_on_start_in_each_language(harness: BotHarness):
    descriptions = {c.language_code: c.description for c in harness.session.calls(SetMyDescription)}
    shorts = {c.language_code: c.short_description for c in harness.session.calls(SetMyShortDescription)}
    assert set(descriptions) == set(shorts) == {"ky", "ru", None}
    assert descriptions["ky"] != descriptions["ru"] and descriptions[None] == descriptions["ky"]  # DEFAULT_LOCALE
    assert all(len(d) <= 512 for d in descriptions.values()) and all(len(s) <= 120 for s in shorts.values())
    assert "аким" in descriptions["ru"].lower() and "аким" in descriptions["ky"].lower()


async def test_a_failing_description_does_not_stop_the_start(tmp_path, caplog):
    from bot.telegram.local_session import LocalSession
    from tests.conftest import make_settings

    session = LocalSession()
    session.fail_next("setMyDescription", 400, "Bad Request: description is too long")
    async with await BotHarness.start(make_settings(tmp_path), session=session) as h:
        await h.send("/help")
        assert h.sent()
    assert any("description" in r.message for r in caplog.records)
