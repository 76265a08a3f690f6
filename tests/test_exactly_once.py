"""Issue #12: exactly once, in the asker's language. Each test went through the real Dispatcher and failed
on the code before the inbox/outbox rewrite."""

from __future__ import annotations

import asyncio
import time

from aiogram.methods import CreateForumTopic, SendMessage
from aiogram.types import Chat

from bot.storage.outbox import DONE
from bot.telegram.callbacks import AskerFeedback, ConfirmEscalation, Escalate, LanguageChoice, TicketAction
from bot.telegram.retry import RetryMiddleware
from tests.conftest import make_settings
from tests.harness import BotHarness
from tests.test_escalation import (
    OFFICIALS,
    OUT_OF_SCOPE,
    ask_and_confirm,
    official_reply,
    officials_chat,
    press_in_officials_chat,
    to_officials,
    to_user,
)


def ticket_posts(h: BotHarness, ticket_id: int) -> list[SendMessage]:
    return [m for m in to_officials(h) if m.text.startswith(("<b>Question", "<b>#")) and f"#{ticket_id}" in m.text]


# -- 1. the language is decided once, the same way everywhere ------------------------------------------


async def test_ask_without_a_language_choice_is_answered_in_the_language_of_the_question(harness: BotHarness):
    h = harness
    asker = h.user(100, "Aibek", language_code="ru")  # a Russian app; never pressed a language button
    await h.send("/ask Как получить справку о составе семьи?", user=asker)
    assert "Отправить этот вопрос" in h.last_text()
    question_id = ConfirmEscalation.unpack(h.buttons()[0][1]).question_id
    await h.press(ConfirmEscalation(question_id=question_id, send=True).pack(), user=asker)
    ticket = (await h.services.tickets.open_of_user(100))[0]
    assert ticket.lang == "ru"
    assert "Русский" in ticket_posts(h, ticket.id)[0].text or "орусча" in ticket_posts(h, ticket.id)[0].text.lower()

    h.clear()
    await official_reply(h, ticket.officials_message_id, "Обратитесь в айыл окмоту.")
    delivered = to_user(h)[-1]
    assert "Ответ специалиста" in delivered.text
    assert [b.text for row in delivered.reply_markup.inline_keyboard for b in row] == ["Помогло", "Спросить снова"]


async def test_a_kyrgyz_question_from_a_russian_app_is_answered_in_kyrgyz_and_its_ticket_says_so(harness: BotHarness):
    h = harness
    asker = h.user(100, "Aibek", language_code="ru")
    await h.send(OUT_OF_SCOPE["ky"], user=asker)
    question_id = Escalate.unpack(h.buttons()[-1][1]).question_id
    await h.press(Escalate(question_id=question_id).pack(), user=asker)
    assert "жөнөтөлүбү" in h.last_text().lower() or "жөнөтөйүнбү" in h.last_text().lower() or "?" in h.last_text()
    await h.press(ConfirmEscalation(question_id=question_id, send=True).pack(), user=asker)
    ticket = (await h.services.tickets.open_of_user(100))[0]
    assert ticket.lang == "ky"


# -- 2. one sender per ticket post and answer, even when Telegram makes us wait ---------------------------


async def gated_harness(tmp_path) -> tuple[BotHarness, asyncio.Event, list[float]]:
    """A bot whose retry middleware really waits for a release (Telegram's retry_after) instead of sleeping."""
    release, waits = asyncio.Event(), []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        await release.wait()

    h = await BotHarness.start(make_settings(tmp_path), retry=RetryMiddleware(sleep=wait))
    return h, release, waits


async def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_a_429_with_a_long_retry_after_while_the_periodic_round_runs_posts_the_ticket_once(tmp_path):
    h, release, waits = await gated_harness(tmp_path)
    async with h:
        asker = h.user(100)
        await h.press(LanguageChoice(code="ru").pack(), user=asker)
        await h.send(OUT_OF_SCOPE["ru"], user=asker)
        question_id = Escalate.unpack(h.buttons()[-1][1]).question_id
        h.session.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30, chat_id=OFFICIALS)
        confirm = asyncio.create_task(h.press(ConfirmEscalation(question_id=question_id, send=True).pack(), user=asker))
        await wait_until(lambda: waits == [30.0])  # the handler holds the post and waits out the 429

        assert await h.app.sender.drain() == 0  # the periodic round finds it claimed and leaves it alone
        ticket = (await h.services.tickets.open_of_user(100))[0]
        assert not ticket_posts(h, ticket.id)

        release.set()
        await confirm
        assert len(ticket_posts(h, ticket.id)) == 1
        assert await h.app.sender.drain() == 0
        assert len(ticket_posts(h, ticket.id)) == 1
        assert [i.state for i in await h.services.outbox.items(ticket.id)] == [DONE]


async def test_an_answer_waiting_out_a_429_is_delivered_once_while_the_periodic_round_runs(tmp_path):
    h, release, waits = await gated_harness(tmp_path)
    async with h:
        release.set()  # no waiting while the ticket is made
        ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
        ticket = await h.services.tickets.get(ticket_id)
        release.clear()
        h.clear()
        h.session.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30, chat_id=100)
        answering = asyncio.create_task(official_reply(h, ticket.officials_message_id, "Ответ один раз"))
        await wait_until(lambda: 30.0 in waits)
        await h.app.sender.drain()
        assert not [m for m in to_user(h) if "Ответ один раз" in m.text]
        release.set()
        await answering
        await h.app.sender.drain()
        assert len([m for m in to_user(h) if "Ответ один раз" in m.text]) == 1
        assert len([m for m in to_officials(h) if "жеткирилди" in m.text.lower() or "delivered" in m.text.lower()]) == 1


async def test_two_senders_never_hold_the_same_item(harness: BotHarness):
    """The claim is one UPDATE: of two senders asking at once, exactly one gets a given item."""
    h = harness
    await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    async with h.services.db.transaction() as tx:
        from bot.storage.outbox import Outbox

        for n in range(20):
            await Outbox.add(tx, "asker_notice", chat_id=100, payload={"text": f"n{n}"})
    outbox = h.services.outbox
    claims = await asyncio.gather(*(outbox.claim(f"host:{i}:x", 60) for i in range(30)))
    taken = [c.id for c in claims if c is not None]
    assert len(taken) == len(set(taken)) == 1  # items of one chat go in order: only the first is claimable


# -- 3. nothing lost when the process is killed -----------------------------------------------------------


async def test_a_question_recorded_but_not_answered_when_the_process_died_is_answered_once_after_restart(tmp_path):
    settings = make_settings(tmp_path)
    h = await BotHarness.start(settings)
    asker = h.user(100, "Aibek", language_code="ru")
    await h.press(LanguageChoice(code="ru").pack(), user=asker)
    reached, _release = h.session.hold_next("sendMessage", chat_id=100)
    fields = h.message_fields("туулган районуна аким болсо болобу?", user=asker)
    handling = asyncio.create_task(h.deliver(fields))
    await reached.wait()  # the question is logged, the reply is on its way: kill -9 now
    handling.cancel()
    await asyncio.gather(handling, return_exceptions=True)
    update_id = (await h.services.inbox.waiting())[0].update_id
    await h.services.db.execute("UPDATE inbox SET received_at = received_at - 600 WHERE update_id = ?", (update_id,))
    await h.app.close()
    assert not [m for m in h.session.calls(SendMessage) if int(m.chat_id) == 100 and "9" in m.text and "Негизи" in m.text]

    async with await BotHarness.start(settings) as again:  # start-up replays what was not done
        replies = to_user(again)
        assert len(replies) == 1
        assert "Извините за ожидание" in replies[0].text  # it waited ten minutes: an apology with the answer
        assert "9" in replies[0].text
        rows = await again.services.db.fetchall("SELECT id FROM questions WHERE update_id = ?", (update_id,))
        assert len(rows) == 1  # logged once, not twice
        assert not await again.services.inbox.waiting()
    async with await BotHarness.start(settings) as third:  # and never again
        assert not to_user(third)


async def test_an_officials_answer_interrupted_before_delivery_is_recorded_once_and_delivered_once(tmp_path):
    settings = make_settings(tmp_path)
    h = await BotHarness.start(settings)
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    ticket = await h.services.tickets.get(ticket_id)
    reached, _release = h.session.hold_next("sendMessage", chat_id=100)
    official = h.user(700, "Official")
    fields = h.message_fields("Ответ, который дойдёт один раз", user=official, chat=officials_chat(),
                              reply_to_message={"message_id": ticket.officials_message_id, "date": 0,
                                                "chat": {"id": OFFICIALS, "type": "supergroup", "title": "O"}})
    handling = asyncio.create_task(h.deliver(fields))
    await reached.wait()
    handling.cancel()
    await asyncio.gather(handling, return_exceptions=True)
    await h.app.close()

    async with await BotHarness.start(settings) as again:
        await again.app.sender.drain()  # the background round after the start
        delivered = [m for m in to_user(again) if "дойдёт один раз" in m.text]
        assert len(delivered) == 1
        assert len(await again.services.tickets.answers(ticket_id)) == 1


async def test_graceful_shutdown_waits_for_the_update_in_flight(tmp_path):
    h = await BotHarness.start(make_settings(tmp_path))
    reached, release = h.session.hold_next("sendMessage", chat_id=100)
    update = await h.record(h.message_fields("туулган районуна аким болсо болобу?"))
    h.app.processor.spawn(update)
    await reached.wait()
    asyncio.get_running_loop().call_later(0.05, release.set)  # Telegram answers a moment later
    assert await h.app.processor.wait_idle(timeout=5)
    assert not await h.services.inbox.waiting()
    assert len(to_user(h)) == 1
    await h.app.close()


# -- 5. closing an unanswered ticket tells the asker ----------------------------------------------------


async def test_closing_an_unanswered_ticket_tells_the_asker_kindly_in_their_language(harness: BotHarness):
    h = harness
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ky"], "ky")
    ticket = await h.services.tickets.get(ticket_id)
    h.clear()
    close = TicketAction(action="close", ticket_id=ticket_id).pack()
    await press_in_officials_chat(h, h.user(700, "Official"), ticket.officials_message_id, close)
    notices = to_user(h)
    assert len(notices) == 1 and f"#{ticket_id}" in notices[0].text and "/ask" in notices[0].text
    assert "жабышты" in notices[0].text  # Kyrgyz, the asker's language

    h.clear()  # an answered ticket closed later: the asker already has the answer, no notice
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru", user_id=101, name="B")
    ticket = await h.services.tickets.get(ticket_id)
    await official_reply(h, ticket.officials_message_id, "Ответ")
    h.clear()
    close = TicketAction(action="close", ticket_id=ticket_id).pack()
    await press_in_officials_chat(h, h.user(700, "Official"), ticket.officials_message_id, close)
    assert not to_user(h, 101)


# -- 6. an answer that met a block is delivered when the asker comes back ---------------------------------


async def test_an_answer_blocked_by_the_asker_is_delivered_after_they_unblock(harness: BotHarness):
    h = harness
    ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    ticket = await h.services.tickets.get(ticket_id)
    h.session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=100)
    await official_reply(h, ticket.officials_message_id, "Ответ после разблокировки")
    assert (await h.services.tickets.answers(ticket_id))[0].delivery == "blocked"
    h.clear()

    await h.feed({"my_chat_member": {
        "chat": {"id": 100, "type": "private"}, "from": h.user(100).model_dump(), "date": 0,
        "old_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
        "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
    }})
    assert len([m for m in to_user(h) if "Ответ после разблокировки" in m.text]) == 1
    assert (await h.services.tickets.answers(ticket_id))[0].delivery == "delivered"


# -- 7. a re-created topic keeps its history in order ----------------------------------------------------


async def test_in_a_recreated_topic_the_ticket_comes_before_the_delivered_note(tmp_path):
    async with await BotHarness.start(make_settings(tmp_path)) as h:
        h.session.forum_chats.add(OFFICIALS)
        ticket_id = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
        old_topic = (await h.services.tickets.get(ticket_id)).topic_id
        h.clear()
        # Somebody deleted the topic; an official answers with /answer in private.
        h.session.member_status[(OFFICIALS, 700)] = "member"
        h.session.fail_next("sendMessage", 400, "Bad Request: message thread not found", chat_id=OFFICIALS)
        await h.send(f"/answer {ticket_id} Ответ", user=h.user(700, "Official"))
        new_topic = (await h.services.tickets.get(ticket_id)).topic_id
        assert new_topic not in (None, old_topic) and len(h.session.calls(CreateForumTopic)) == 1
        in_new_topic = [m.text for m in to_officials(h) if m.message_thread_id == new_topic]
        assert f"#{ticket_id}" in in_new_topic[0] and "Ответ" not in in_new_topic[0].split("\n")[0]
        assert any("жеткирилди" in t.lower() for t in in_new_topic[1:])  # the note follows the ticket


# -- 8. dialogs survive a restart --------------------------------------------------------------------------


async def test_an_admins_half_finished_add_survives_a_restart(tmp_path):
    settings = make_settings(tmp_path)
    admin = BotHarness.user(900, "Admin")
    async with await BotHarness.start(settings) as h:
        await h.send("/add", user=admin)
        for step in ["restart-proof", "akims", "Суроо?", "Вопрос?"]:
            await h.send(step, user=admin)
    async with await BotHarness.start(settings) as again:
        for step in ["Жооп.", "Ответ.", "Негиз.", "Основание.", "-", "-"]:
            await again.send(step, user=admin)
        assert again.services.knowledge.entry("restart-proof") is not None


# -- 9. Topics turned on without a restart -----------------------------------------------------------------


def administrator(user: dict) -> dict:
    """A ChatMemberAdministrator with every right this aiogram version's model requires (all granted)."""
    from aiogram.types import ChatMemberAdministrator

    member = {"status": "administrator", "user": user}
    for name, field in ChatMemberAdministrator.model_fields.items():
        if field.is_required() and name not in member:
            member[name] = name not in ("is_anonymous", "can_be_edited")
    return member



async def test_topics_turned_on_while_running_are_used_for_the_next_ticket(harness: BotHarness):
    h = harness
    first = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    assert (await h.services.tickets.get(first)).topic_id is None  # a plain group so far
    h.session.forum_chats.add(OFFICIALS)  # an admin turns Topics on; Telegram tells the bot
    bot = {"id": 4242, "is_bot": True, "first_name": "bot"}
    await h.feed({"my_chat_member": {
        "chat": {"id": OFFICIALS, "type": "supergroup", "title": "Officials", "is_forum": True},
        "from": h.user(1, "Owner").model_dump(), "date": 0,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": administrator(bot),
    }})
    second = await ask_and_confirm(h, "Как получить выписку из похозяйственной книги?", "ru", user_id=101, name="B")
    assert (await h.services.tickets.get(second)).topic_id is not None


async def test_a_topic_error_makes_the_relay_ask_again_whether_the_chat_is_a_forum(harness: BotHarness):
    h = harness
    h.session.forum_chats.add(OFFICIALS)
    first = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    ticket = await h.services.tickets.get(first)
    assert ticket.topic_id is not None
    await official_reply(h, 0, "Ответ", forum_topic=ticket.topic_id)
    h.session.forum_chats.discard(OFFICIALS)  # Topics turned off; no update about it
    h.session.fail_next("sendMessage", 400, "Bad Request: the chat is not a forum", chat_id=OFFICIALS)
    await h.press(AskerFeedback(action="reopen", ticket_id=first).pack())
    notes = [m for m in to_officials(h) if "кайра ачты" in m.text or "re-opened" in m.text]
    assert notes and notes[-1].message_thread_id is None  # the note went to the plain group


async def test_forum_status_is_asked_again_after_a_while(harness: BotHarness):
    h = harness
    first = await ask_and_confirm(h, OUT_OF_SCOPE["ru"], "ru")
    assert (await h.services.tickets.get(first)).topic_id is None
    h.session.forum_chats.add(OFFICIALS)  # turned on, and the bot was told nothing
    now = time.monotonic()
    h.relay.clock = lambda: now + 3600  # an hour later the cached answer is stale
    second = await ask_and_confirm(h, "Как получить выписку из похозяйственной книги?", "ru", user_id=101, name="B")
    assert (await h.services.tickets.get(second)).topic_id is not None


async def test_a_confirmation_interrupted_while_posting_is_not_repeated_to_the_asker(tmp_path):
    """Killed after telling the asker "sent, #N" but before the ticket reached the officials: after the restart
    the ticket is posted once and the asker is not told twice."""
    settings = make_settings(tmp_path)
    h = await BotHarness.start(settings)
    asker = h.user(100)
    await h.press(LanguageChoice(code="ru").pack(), user=asker)
    await h.send(OUT_OF_SCOPE["ru"], user=asker)
    question_id = Escalate.unpack(h.buttons()[-1][1]).question_id
    reached, _release = h.session.hold_next("sendMessage", chat_id=OFFICIALS)
    query = {"id": "q-confirm", "from": asker.model_dump(), "chat_instance": "ci",
             "message": {"message_id": 1, "date": 0, "chat": {"id": 100, "type": "private"}, "text": "…"},
             "data": ConfirmEscalation(question_id=question_id, send=True).pack()}
    handling = asyncio.create_task(h.deliver({"callback_query": query}))
    await reached.wait()  # the asker has the number; the ticket is on its way to the officials: kill -9
    handling.cancel()
    await asyncio.gather(handling, return_exceptions=True)
    told = [m for m in to_user(h) if "#1" in m.text]
    assert len(told) == 1
    await h.app.close()

    async with await BotHarness.start(settings) as again:
        await again.app.sender.drain()
        assert not to_user(again)  # not told again
        assert len(ticket_posts(again, 1)) == 1
