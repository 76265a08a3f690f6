"""Escalation round trips through the real Dispatcher: asker → officials' chat → asker."""

from __future__ import annotations

import pytest
from aiogram.methods import CreateForumTopic, SendMessage
from aiogram.types import Chat

from bot.telegram.callbacks import AskerFeedback, ConfirmEscalation, Escalate, LanguageChoice, TicketAction
from tests.conftest import make_settings
from tests.harness import BotHarness

OFFICIALS = -100500
OUT_OF_SCOPE = {"ky": "Айдоочулук күбөлүгүмдү кантип алмаштырам?", "ru": "Как поменять водительские права?"}


def officials_chat(forum: bool = False) -> Chat:
    return Chat(id=OFFICIALS, type="supergroup", title="Officials", is_forum=forum or None)


def to_officials(h: BotHarness) -> list[SendMessage]:
    return [m for m in h.sent() if int(m.chat_id) == OFFICIALS]


def to_user(h: BotHarness, user_id: int = 100) -> list[SendMessage]:
    return [m for m in h.sent() if int(m.chat_id) == user_id]


async def ask_and_confirm(h: BotHarness, text: str, lang: str, user_id: int = 100, name: str = "Aibek") -> int:
    """The asker chooses a language, asks, gets no match, presses "ask an official" and confirms."""
    user = h.user(user_id, name)
    await h.press(LanguageChoice(code=lang).pack(), user=user)
    await h.send(text, user=user)
    escalate = [data for _, data in h.buttons() if data.startswith("esc:")]
    assert escalate, "no 'ask an official' button after no match"
    question_id = Escalate.unpack(escalate[0]).question_id
    await h.press(escalate[0], user=user)
    assert "?" in h.last_text()  # "Send this question to the officials?"
    await h.press(ConfirmEscalation(question_id=question_id, send=True).pack(), user=user)
    tickets = await h.services.tickets.open_of_user(user_id)
    return tickets[-1].id


def officials_message(message_id: int, chat_type: str = "supergroup", **fields) -> dict:
    """A message in the officials' chat, as raw update data."""
    return {"message_id": message_id, "date": 0, "chat": {"id": OFFICIALS, "type": chat_type, "title": "O"}, **fields}


async def press_in_officials_chat(h: BotHarness, user, message_id: int, data: str):
    query = {"id": f"q{message_id}-{user.id}", "from": user.model_dump(), "chat_instance": "c",
             "message": officials_message(message_id), "data": data}
    return await h.feed({"callback_query": query})


async def migrate_officials_chat(h: BotHarness, new_chat_id: int):
    fields = {"from": h.user(700).model_dump(), "migrate_to_chat_id": new_chat_id}
    return await h.feed({"message": officials_message(5, "group", **fields)})


async def official_reply(h: BotHarness, ticket_message_id: int, text: str, official_id: int = 700, forum_topic: int | None = None):
    official = h.user(official_id, "Official")
    fields = {"reply_to_message": officials_message(ticket_message_id)}
    if forum_topic is not None:
        fields = {"message_thread_id": forum_topic, "is_topic_message": True}
    return await h.send(text, user=official, chat=officials_chat(forum_topic is not None), **fields)


@pytest.mark.parametrize("lang", ["ky", "ru"])
async def test_round_trip_in_a_plain_group(harness: BotHarness, lang):
    h = harness
    stored_before_posting = []

    def check_stored(method):
        if isinstance(method, SendMessage) and int(method.chat_id) == OFFICIALS and "#" in method.text:
            stored_before_posting.append(True)

    h.session.on_request = check_stored
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE[lang], lang)
    confirmation = to_user(h)[-1].text
    assert f"#{ticket_id}" in confirmation
    assert ("48" in confirmation) and ("/my" in confirmation)

    posted = to_officials(h)
    assert len(posted) == 1 and stored_before_posting
    assert f"#{ticket_id}" in posted[0].text and "Aibek" in posted[0].text
    assert OUT_OF_SCOPE[lang].split()[0] in posted[0].text
    ticket = await h.services.tickets.get(ticket_id)
    assert ticket.officials_message_id is not None and ticket.status == "open"

    h.clear()
    answer = "Жооп: <b>ЦОНго</b> кайрылыңыз & документти алып барыңыз"
    await official_reply(h, ticket.officials_message_id, answer)
    delivered = to_user(h)
    assert len(delivered) == 1
    assert f"#{ticket_id}" in delivered[0].text
    assert "&lt;b&gt;ЦОНго&lt;/b&gt;" in delivered[0].text and "&amp;" in delivered[0].text
    title = {"ky": "адистин жообу", "ru": "ответ специалиста"}[lang]
    assert title in delivered[0].text.lower()
    assert any("delivered" in m.text.lower() or "жеткирилди" in m.text.lower() for m in to_officials(h))
    assert (await h.services.tickets.get(ticket_id)).status == "answered"

    # A second official adds to it: delivered as an addition, not lost.
    h.clear()
    await official_reply(h, ticket.officials_message_id, "Кошумча маалымат", official_id=701)
    addition = to_user(h)[-1].text
    assert {"ky": "кошумча", "ru": "дополнение"}[lang] in addition.lower()
    assert len(await h.services.tickets.answers(ticket_id)) == 2


async def test_forum_topic_per_ticket_and_a_deleted_topic_is_recreated(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path)) as h:
        h.session.forum_chats.add(OFFICIALS)
        ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
        topics = h.session.calls(CreateForumTopic)
        assert len(topics) == 1 and topics[0].name.startswith(f"#{ticket_id} ")
        ticket = await h.services.tickets.get(ticket_id)
        assert ticket.topic_id is not None

        h.clear()
        await official_reply(h, 0, "Ответ в теме", forum_topic=ticket.topic_id)
        assert "Ответ в теме" in to_user(h)[-1].text

        # Someone deleted the topic: the next note re-creates it (and re-posts the ticket there).
        h.clear()
        h.session.fail_next("sendMessage", 400, "Bad Request: message thread not found", chat_id=OFFICIALS)
        await h.press(AskerFeedback(action="reopen", ticket_id=ticket_id).pack())
        assert len(h.session.calls(CreateForumTopic)) == 1
        fresh = await h.services.tickets.get(ticket_id)
        assert fresh.topic_id not in (None, ticket.topic_id)
        assert any(f"#{ticket_id}" in m.text and m.message_thread_id == fresh.topic_id for m in to_officials(h))


async def test_answer_command_in_the_officials_chat(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ky"], "ky")
    harness.clear()
    await harness.send(f"/answer {ticket_id} Буйрук менен жооп", user=harness.user(700, "Official"), chat=officials_chat())
    assert "Буйрук менен жооп" in to_user(harness)[-1].text


async def test_official_in_private_chat_may_answer_a_stranger_may_not(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ru"], "ru")
    harness.session.member_status[(OFFICIALS, 700)] = "member"
    harness.clear()

    await harness.send(f"/answer {ticket_id} Ответ из лички", user=harness.user(700, "Official"))
    assert "Ответ из лички" in to_user(harness)[-1].text

    harness.clear()
    await harness.send(f"/answer {ticket_id} Я тоже отвечу", user=harness.user(666, "Stranger"))
    assert not to_user(harness)  # nothing reached the asker
    assert "Only officials" in to_user(harness, 666)[-1].text or "адистер" in to_user(harness, 666)[-1].text
    assert len(await harness.services.tickets.answers(ticket_id)) == 1


async def test_blocked_asker_is_reported_to_officials(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ru"], "ru")
    ticket = await harness.services.tickets.get(ticket_id)
    harness.clear()
    harness.session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=100)
    await official_reply(harness, ticket.officials_message_id, "Ответ")
    notes = [m.text for m in to_officials(harness)]
    assert any("blocked" in n or "бөгөттөп" in n for n in notes), notes
    answers = await harness.services.tickets.answers(ticket_id)
    assert answers[0].delivery == "blocked"


async def test_429_is_waited_out_and_then_delivered(harness: BotHarness):
    harness.session.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ru"], "ru")
    assert 3.0 in harness.sleeps
    assert (await harness.services.tickets.get(ticket_id)) is not None


async def test_5xx_on_posting_keeps_the_ticket_and_a_restart_posts_it(tmp_path):
    settings = make_settings(tmp_path)
    async with await BotHarness.start(settings) as h:
        await h.press(LanguageChoice(code="ru").pack())
        await h.send(OUT_OF_SCOPE["ru"])
        question_id = Escalate.unpack(h.buttons()[-1][1]).question_id
        h.session.fail_next("getChat", 502, "Bad Gateway", times=10)
        await h.press(ConfirmEscalation(question_id=question_id, send=True).pack())
        ticket = (await h.services.tickets.open_of_user(100))[0]
        assert ticket.officials_message_id is None  # stored, not posted
        assert "#" in to_user(h)[-1].text  # the asker still got a number

    async with await BotHarness.start(settings) as again:
        assert await again.app.sender.drain() == 1
        assert f"#{ticket.id}" in to_officials(again)[0].text
        assert (await again.services.tickets.get(ticket.id)).officials_message_id is not None


async def test_undelivered_answer_is_retried_after_restart(tmp_path):
    settings = make_settings(tmp_path)
    async with await BotHarness.start(settings) as h:
        ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ky"], "ky")
        ticket = await h.services.tickets.get(ticket_id)
        h.session.fail_next("sendMessage", 500, "Internal Server Error", times=5, chat_id=100)  # every retry
        await official_reply(h, ticket.officials_message_id, "Кечигип келген жооп")
        assert (await h.services.tickets.answers(ticket_id))[0].delivery == "pending"

    async with await BotHarness.start(settings) as again:
        assert await again.app.sender.drain() >= 1
        assert "Кечигип келген жооп" in to_user(again)[-1].text


async def test_confirming_twice_makes_one_ticket_and_foreign_questions_are_refused(harness: BotHarness):
    await harness.send(OUT_OF_SCOPE["ru"])
    question_id = Escalate.unpack(harness.buttons()[-1][1]).question_id
    confirm = ConfirmEscalation(question_id=question_id, send=True).pack()
    await harness.press(confirm)
    await harness.press(confirm)
    assert len(await harness.services.tickets.open_of_user(100)) == 1
    assert len([m for m in to_officials(harness) if "#" in m.text]) == 1

    harness.clear()
    await harness.press(confirm, user=harness.user(555, "Other"))
    assert harness.callback_answers()[-1].show_alert
    assert not await harness.services.tickets.open_of_user(555)


async def test_ask_command_my_list_and_limits(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path, tickets_open_limit=2)) as h:
        await h.press(LanguageChoice(code="ru").pack())
        await h.send("/ask")
        assert "/ask" in h.last_text()  # tells how to use it
        for i in range(3):
            await h.send(f"/ask Вопрос номер {i} про <script>")
            question_id = ConfirmEscalation.unpack(h.buttons()[0][1]).question_id
            await h.press(ConfirmEscalation(question_id=question_id, send=True).pack())
        assert "2" in h.last_text() and "открыт" in h.last_text()  # the third is refused politely
        await h.send("/my")
        listing = h.last_text()
        assert "Вопрос номер 0" in listing and "Вопрос номер 1" in listing and "Вопрос номер 2" not in listing
        assert "&lt;script&gt;" in listing


async def test_asker_feedback_and_official_close(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ru"], "ru")
    ticket = await harness.services.tickets.get(ticket_id)
    await official_reply(harness, ticket.officials_message_id, "Ответ")
    await harness.press(AskerFeedback(action="helped", ticket_id=ticket_id).pack())
    assert (await harness.services.tickets.get(ticket_id)).status == "closed"
    await harness.press(AskerFeedback(action="reopen", ticket_id=ticket_id).pack())
    assert (await harness.services.tickets.get(ticket_id)).status == "open"

    harness.clear()
    close = TicketAction(action="close", ticket_id=ticket_id).pack()
    await press_in_officials_chat(harness, harness.user(700, "Official"), ticket.officials_message_id, close)
    assert (await harness.services.tickets.get(ticket_id)).status == "closed"


async def test_faq_draft_only_for_admins(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ky"], "ky")
    ticket = await harness.services.tickets.get(ticket_id)
    await official_reply(harness, ticket.officials_message_id, "Жооптун тексти")
    data = TicketAction(action="draft", ticket_id=ticket_id).pack()

    harness.clear()
    await press_in_officials_chat(harness, harness.user(700, "Official"), ticket.officials_message_id, data)
    assert harness.callback_answers()[-1].show_alert
    assert (await harness.services.db.fetchone("SELECT COUNT(*) FROM faq_drafts"))[0] == 0

    await press_in_officials_chat(harness, harness.user(900, "Admin"), ticket.officials_message_id, data)
    row = await harness.services.db.fetchone("SELECT lang, question, answer FROM faq_drafts")
    assert tuple(row) == ("ky", OUT_OF_SCOPE["ky"], "Жооптун тексти")
    await harness.send("/drafts", user=harness.user(900, "Admin"))
    assert "Жооптун тексти" in harness.last_text() and "TODO" in harness.last_text()


async def test_group_to_supergroup_migration_is_followed(harness: BotHarness):
    ticket_id = await ask_and_confirm(harness, OUT_OF_SCOPE["ru"], "ru")
    old = await harness.services.tickets.get(ticket_id)
    await migrate_officials_chat(harness, -100999)
    assert harness.relay.chat_id == -100999
    moved = await harness.services.tickets.get(ticket_id)
    assert moved.officials_chat_id == -100999
    assert await harness.services.tickets.by_message(-100999, old.officials_message_id) is not None


async def test_reminder_lists_old_open_tickets_once(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path, ticket_remind_after_hours=0)) as h:
        ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
        h.clear()
        assert await h.relay.remind() == [ticket_id]
        assert f"#{ticket_id}" in to_officials(h)[-1].text
        assert await h.relay.remind() == []  # not again the same day


async def test_officials_chatter_is_ignored(harness: BotHarness):
    await harness.send("Коллеги, доброе утро", user=harness.user(700), chat=officials_chat())
    await harness.send("/start", user=harness.user(700), chat=Chat(id=-42, type="group", title="Other"))
    assert not harness.sent()


async def test_without_an_officials_chat_no_escalation_is_offered(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path, officials_chat_id=None)) as h:
        await h.press(LanguageChoice(code="ru").pack())
        await h.send(OUT_OF_SCOPE["ru"])
        assert not [d for _, d in h.buttons() if d.startswith("esc:")]
        await h.send("/ask Вопрос")
        assert "не настроена" in h.last_text()
        assert not await h.services.tickets.open_of_user(100)


async def test_migrated_chat_id_survives_restart_but_not_a_new_configuration(tmp_path):
    settings = make_settings(tmp_path)
    async with await BotHarness.start(settings) as h:
        await migrate_officials_chat(h, -100999)
    async with await BotHarness.start(settings) as again:
        assert again.relay.chat_id == -100999
    async with await BotHarness.start(make_settings(tmp_path, officials_chat_id=-100777)) as other:
        assert other.relay.chat_id == -100777


async def test_a_reply_to_a_ticket_post_whose_id_was_never_stored_still_answers_it(harness: BotHarness):
    """Killed after Telegram took a ticket post and before its id was written, the bot posts the ticket
    again after the restart; an official may reply to the first post. Its buttons name the ticket."""
    h = harness
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    post = to_officials(h)[-1]
    bot_user = {"id": h.app.bot.id, "is_bot": True, "first_name": "ukuk"}
    keyboard = post.reply_markup.model_dump(exclude_none=True)

    h.clear()
    forged = officials_message(4242, **{"from": h.user(555).model_dump(), "text": "x", "reply_markup": keyboard})
    await h.send("Ответ на чужое сообщение", user=h.user(700, "Official"), chat=officials_chat(), reply_to_message=forged)
    assert to_user(h) == []  # buttons on a message that is not the bot's name nothing

    lost_post = officials_message(4243, **{"from": bot_user, "text": post.text, "reply_markup": keyboard})
    await h.send("Ответ: обратитесь в ЦОН", user=h.user(700, "Official"), chat=officials_chat(), reply_to_message=lost_post)
    delivered = to_user(h)
    assert len(delivered) == 1 and f"#{ticket_id}" in delivered[0].text and "ЦОН" in delivered[0].text
    assert (await h.services.tickets.by_message(OFFICIALS, 4243)).id == ticket_id  # remembered for the next reply
