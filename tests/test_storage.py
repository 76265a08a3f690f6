"""The storage layer on its own: upgrading an old file, the outbox's claims and leases, the inbox's
de-duplication, and the dialog storage."""

from __future__ import annotations

import sqlite3

from aiogram.fsm.storage.base import StorageKey

from bot.storage.database import Database
from bot.storage.fsm import SQLiteStorage
from bot.storage.inbox import Inbox
from bot.storage.migrations import MIGRATIONS
from bot.storage.outbox import DONE, Outbox


def old_database(path) -> None:
    """A file as the previous release left it (schema 3) with work still pending."""
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:3], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.executescript("""
        INSERT INTO users (id, lang, first_name, created_at, updated_at) VALUES (100, NULL, 'A', 'x', 'x');
        INSERT INTO tickets (id, user_id, chat_id, lang, text, status, created_at, updated_at)
            VALUES (1, 100, 100, '', 'unposted question', 'open', '2026-01-01', 'x');
        INSERT INTO tickets (id, user_id, chat_id, lang, text, status, officials_chat_id, officials_message_id,
                             topic_id, created_at, updated_at)
            VALUES (2, 100, 100, 'ru', 'posted question', 'answered', -100, 5, 77, '2026-01-02', 'x');
        INSERT INTO ticket_answers (ticket_id, official_id, text, delivery, created_at)
            VALUES (2, 700, 'an answer not delivered yet', 'pending', 'x');
    """)
    conn.commit()
    conn.close()


async def test_an_old_database_is_upgraded_with_its_pending_work_in_the_outbox(tmp_path):
    path = tmp_path / "old.sqlite3"
    old_database(path)
    db = await Database(path).connect()
    try:
        assert (await db.fetchone("PRAGMA user_version"))[0] == len(MIGRATIONS)
        items = [(r["kind"], r["ticket_id"], r["state"]) for r in await db.fetchall("SELECT * FROM outbox ORDER BY id")]
        assert items == [("post_ticket", 1, "pending"), ("deliver_answer", 2, "pending")]
        assert (await db.fetchone("SELECT lang FROM tickets WHERE id = 1"))[0] == "ky"  # never empty again
        assert (await db.fetchone("SELECT ticket_id FROM ticket_topics WHERE topic_id = 77"))[0] == 2
        assert (await db.fetchone("SELECT text FROM ticket_answers WHERE ticket_id = 2"))[0] == "an answer not delivered yet"
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
    finally:
        await db.close()


async def test_a_lease_that_ran_out_lets_another_sender_take_the_item(tmp_path):
    now = [1000.0]
    db = await Database(tmp_path / "db.sqlite3").connect()
    try:
        outbox = Outbox(db, clock=lambda: now[0])
        async with db.transaction() as tx:
            await Outbox.add(tx, "asker_notice", chat_id=1, payload={"text": "a"})
        first = await outbox.claim("host:1:a", lease=60)
        assert first is not None and await outbox.claim("host:2:b", lease=60) is None
        now[0] += 61  # the first sender died and its lease ran out
        second = await outbox.claim("host:2:b", lease=60)
        assert second is not None and second.id == first.id
        assert not await outbox.finish(first.id, "host:1:a")  # the dead one cannot finish it any more
        assert await outbox.finish(second.id, "host:2:b")
        assert (await outbox.get(first.id)).state == DONE
    finally:
        await db.close()


async def test_at_start_claims_of_an_earlier_run_on_this_machine_are_taken_back(tmp_path):
    db = await Database(tmp_path / "db.sqlite3").connect()
    try:
        outbox = Outbox(db)
        async with db.transaction() as tx:
            for chat in (1, 2, 3):
                await Outbox.add(tx, "asker_notice", chat_id=chat, payload={"text": "a"})
        await outbox.claim("box:4242:old", lease=600)  # this machine, a pid that is gone
        await outbox.claim("box:1:before", lease=600)  # this machine, our own pid before a container restart
        await outbox.claim("other-box:5:x", lease=600)  # another machine: left to its lease
        released = await outbox.recover("box:1:now", alive=lambda pid: False)
        assert released == 2
        states = sorted((i.chat_id, i.state) for i in await outbox.items())
        assert states == [(1, "pending"), (2, "pending"), (3, "claimed")]
    finally:
        await db.close()


async def test_the_inbox_handles_a_repeated_update_once_but_a_reused_id_again(tmp_path):
    db = await Database(tmp_path / "db.sqlite3").connect()
    try:
        inbox = Inbox(db)
        update = {"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "a"}}
        assert await inbox.record([update]) == [5]
        assert await inbox.record([update]) == []  # Telegram sent it again (not confirmed before a crash)
        await inbox.done(5)
        other = {**update, "message": {**update["message"], "text": "b"}}
        assert await inbox.record([other]) == [5]  # the same id for a different update: Telegram restarted ids
        assert [r.update_id for r in await inbox.waiting()] == [5]
    finally:
        await db.close()


async def test_dialog_state_and_data_outlive_the_connection(tmp_path):
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    db = await Database(tmp_path / "db.sqlite3").connect()
    storage = SQLiteStorage(db)
    await storage.set_state(key, "AddEntry:question_ky")
    await storage.update_data(key, {"new_entry": {"id": "x"}})
    await db.close()
    db = await Database(tmp_path / "db.sqlite3").connect()
    try:
        storage = SQLiteStorage(db)
        assert await storage.get_state(key) == "AddEntry:question_ky"
        assert await storage.get_data(key) == {"new_entry": {"id": "x"}}
        await storage.set_state(key, None)
        assert await storage.get_state(key) is None
    finally:
        await db.close()
