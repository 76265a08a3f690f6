"""The main path in a private chat, through the real Dispatcher."""

from __future__ import annotations

from aiogram.types import PhotoSize

from bot.telegram.callbacks import LanguageChoice, PickSuggestion
from bot.storage.users import Users
from tests.harness import BotHarness


async def test_start_offers_languages_and_choice_persists_across_restart(harness: BotHarness, settings):
    await harness.send("/start", user=harness.user(language_code="en"))
    assert "Тилди тандаңыз" in harness.last_text()  # default locale ky for an unknown client language
    assert [data for _, data in harness.buttons()] == [LanguageChoice(code="ky").pack(), LanguageChoice(code="ru").pack()]

    await harness.press(LanguageChoice(code="ru").pack())
    assert "Язык сохранён" in harness.last_text()
    user = await Users(harness.services.db).get_or_create(100, "Aibek")
    assert user.lang == "ru"

    # A new process on the same database: the choice is still there.
    await harness.close()
    async with await BotHarness.start(settings) as again:
        await again.send("/help")
        assert "Напишите вопрос" in again.last_text()
        await again.send("/start")
        assert "Выберите язык" not in again.last_text()  # no second language prompt once chosen


async def test_client_language_is_used_before_a_choice(harness: BotHarness):
    await harness.send("/help", user=harness.user(language_code="ru"))
    assert "Напишите вопрос" in harness.last_text()


async def test_kyrgyz_question_gets_kyrgyz_answer(harness: BotHarness):
    entry = harness.services.knowledge.entry("akim-native-restriction")
    await harness.send("туулган районуна аким болсо болобу?")
    text = harness.last_text()
    assert entry.answer["ky"].splitlines()[0][:40] in text
    assert "Негизи:" in text and "9-берене" in text


async def test_the_chosen_language_wins_over_the_language_of_the_question(harness: BotHarness):
    """One rule everywhere (issue #12): chosen > the question's language > Telegram's > DEFAULT_LOCALE."""
    await harness.press(LanguageChoice(code="ky").pack())
    entry = harness.services.knowledge.entry("lsa-collegium")
    await harness.send("Кто входит в состав коллегии МГА?")
    text = harness.last_text()
    assert entry.answer["ky"].splitlines()[0][:40] in text
    assert "Негизи:" in text


async def test_without_a_choice_the_question_language_wins_over_the_app_language(harness: BotHarness):
    entry = harness.services.knowledge.entry("lsa-collegium")
    await harness.send("Кто входит в состав коллегии МГА?", user=harness.user(language_code="ky"))
    text = harness.last_text()
    assert entry.answer["ru"].splitlines()[0][:40] in text and "Основание:" in text
    # The next prompt (no question in it) speaks the language of that question, not the app's.
    await harness.send("/help", user=harness.user(language_code="ky"))
    assert "Напишите вопрос" in harness.last_text()


async def test_suggestions_are_buttons_that_open_the_answer(harness: BotHarness):
    await harness.send("мэр")
    # Each suggestion is picked for the logged question, so /review learns which entry it meant.
    buttons = [b for b in harness.buttons() if b[1].startswith("pick:")]
    assert 1 <= len(buttons) <= 3
    assert harness.buttons()[-1][1].startswith("esc:")  # "none of these: ask an official"
    parsed = [PickSuggestion.unpack(data) for _, data in buttons]
    question = await harness.services.question_log.get(parsed[0].question_id)
    assert question["text"] == "мэр" and question["lang"] == "ky"
    first = harness.services.knowledge.entry(parsed[0].entry_id)
    assert buttons[0][0] == first.question["ky"][:60] or buttons[0][0].endswith("…")

    harness.clear()
    await harness.press(buttons[0][1])
    assert harness.callback_answers(), "the button press must be acknowledged"
    assert first.answer["ky"].splitlines()[0][:40] in harness.last_text()


async def test_out_of_scope_question_gets_a_kind_no_match(harness: BotHarness):
    await harness.send("Как заменить водительское удостоверение?", user=harness.user(language_code="ru"))
    text = harness.last_text()
    assert "не нашёл ответа" in text
    assert "/help" in text


async def test_greeting_and_thanks_are_not_answered_from_the_faq(harness: BotHarness):
    await harness.send("салам")
    assert "Саламатсызбы" in harness.last_text()
    await harness.send("рахмат")
    assert "Эч нерсе эмес" in harness.last_text()


async def test_sticker_gets_a_polite_note(harness: BotHarness):
    await harness.send_sticker()
    assert "текстти гана" in harness.last_text()


async def test_photo_with_a_caption_is_answered_from_the_caption(harness: BotHarness):
    photo = [PhotoSize(file_id="p", file_unique_id="p", width=90, height=90)]
    entry = harness.services.knowledge.entry("lsa-collegium")
    await harness.send(None, photo=photo, caption="МГАнын коллегиясына кимдер кирет?")
    text = harness.last_text()
    assert "сүрөттү же файлды ача албайм" in text  # says the photo itself was not read
    assert entry.answer["ky"].splitlines()[0][:40] in text


async def test_photo_without_a_caption_gets_the_text_only_note(harness: BotHarness):
    await harness.send(None, photo=[PhotoSize(file_id="p", file_unique_id="p", width=90, height=90)])
    assert "текстти гана" in harness.last_text()


async def test_unknown_command(harness: BotHarness):
    await harness.send("/frobnicate")
    assert "/help" in harness.last_text()


async def test_user_html_is_escaped(harness: BotHarness):
    await harness.send("/start", user=harness.user(first_name="<b>Boss</b> & <script>"))
    text = harness.last_text()
    assert "&lt;b&gt;Boss&lt;/b&gt; &amp; &lt;script&gt;" in text
    await harness.send("<i>аким</i> <a href='x'>мэр</a>")
    harness.sent()  # every message the bot sent is valid Telegram HTML


async def test_tampered_callbacks_are_answered_not_ignored(harness: BotHarness):
    for data in ["faq:no-such-entry:ru", "faq:akim-appointment:xx", "lang:de", "garbage", "faq:" + "x" * 60]:
        harness.clear()
        await harness.press(data)
        answers = harness.callback_answers()
        assert len(answers) == 1 and answers[0].show_alert, data
        assert not harness.sent(), data


async def test_every_question_and_outcome_is_logged(harness: BotHarness):
    await harness.send("туулган районуна аким болсо болобу?")
    await harness.send("Как заменить водительское удостоверение?")
    rows = await harness.services.question_log.recent()
    assert [r["status"] for r in rows] == ["none", "answer"]
    assert rows[1]["entry_id"] == "akim-native-restriction"


async def test_long_message_is_read_and_noted(harness: BotHarness):
    await harness.send("аким " * 400)
    assert "1000" in harness.last_text()
    rows = await harness.services.question_log.recent()
    assert len(rows[0]["text"]) == 2000  # the log keeps the whole message


async def test_flooding_user_is_throttled_politely_and_every_refused_message_is_covered_by_a_warning(tmp_path):
    from tests.conftest import make_settings

    async with await BotHarness.start(make_settings(tmp_path, throttle_messages=3, throttle_window_seconds=60)) as h:
        for i in range(6):
            await h.send(f"аким {i}")
        assert len(h.sent()) == 3  # three answered; the warning waits until the burst is over
        rows = await h.services.question_log.recent()
        assert len(rows) == 6 and sum(r["status"] == "throttled" for r in rows) == 3
        await h.app.throttle.close()  # the end of the burst (or a shutdown): the warning goes out now
        warnings = h.sent()[3:]
        assert len(warnings) == 1 and "3" in warnings[0].text  # one warning, naming the three to resend


async def test_admins_are_not_throttled_in_their_dialogs(tmp_path):
    from tests.conftest import make_settings

    async with await BotHarness.start(make_settings(tmp_path, throttle_messages=2, throttle_window_seconds=60)) as h:
        admin = h.user(900, "Admin")
        await h.send("/add", user=admin)
        for step in ["new-entry-x", "akims", "Суроо?", "Вопрос?", "Жооп.", "Ответ.", "Негиз.", "Основание.", "-", "-"]:
            await h.send(step, user=admin)
        assert "new-entry-x" in h.last_text()  # "Entry 'new-entry-x' added"
        assert h.services.knowledge.entry("new-entry-x") is not None


async def test_button_presses_are_throttled_with_an_alert(tmp_path):
    from tests.conftest import make_settings

    async with await BotHarness.start(make_settings(tmp_path, throttle_messages=2, throttle_window_seconds=60)) as h:
        for _ in range(5):
            await h.press(LanguageChoice(code="ru").pack())
        assert len(h.sent()) == 2  # two presses handled
        alerts = [a for a in h.callback_answers() if a.show_alert]
        assert len(alerts) == 3


async def test_user_who_blocked_the_bot_is_marked(harness: BotHarness):
    await harness.send("/start")
    await harness.block()
    assert (await harness.services.db.fetchone("SELECT blocked_bot FROM users WHERE id = 100"))[0] == 1


async def test_a_failing_telegram_call_is_logged_with_context_and_the_question_kept(harness: BotHarness, caplog):
    harness.session.fail_next("sendMessage", 400, "Bad Request: can't parse entities", chat_id=100)
    await harness.send("туулган районуна аким болсо болобу?")  # must not raise out of the dispatcher
    assert any("from user 100 in chat 100 failed" in r.getMessage() for r in caplog.records)
    rows = await harness.services.question_log.recent()
    assert rows[0]["text"] == "туулган районуна аким болсо болобу?"


async def test_an_unexpected_error_gets_a_kind_reply(harness: BotHarness, caplog, monkeypatch):
    async def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(harness.services.answering, "ask", broken)  # the service fails; the bot must not go silent
    await harness.send("аким")
    assert "Кечиресиз" in harness.last_text()
    assert any("disk on fire" in r.getMessage() for r in caplog.records)
