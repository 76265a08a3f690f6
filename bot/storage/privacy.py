"""Deleting what the bot stores about a person (/forget_me), and anonymising old questions (retention).

Each is one transaction (a batch of rows at a time for the retention job), so a crash leaves a person's
data either as it was or gone, never half of it.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.database import Database, Tx, utcnow
from bot.storage.outbox import ASKER_NOTICE, DELIVER_ANSWER, OFFICIALS_NOTE, Outbox

CANCELLED = "cancelled: the person deleted their data"
ANONYMISE_BATCH = 500


async def _anonymise_ticket(tx: Tx, ticket_id: int, text: str, clean: Callable[[str], str], *,
                            unlink_question: bool) -> None:
    """The officials keep the question, without the asker: no name, no link to the user, no names or phone
    numbers in the text (nor in the answers and drafts quoting it)."""
    unlink = ", question_id = NULL" if unlink_question else ""
    await tx.execute(
        f"UPDATE tickets SET asker_name = '', user_id = 0, chat_id = 0{unlink}, text = ?, updated_at = ? WHERE id = ?",
        (clean(text), utcnow(), ticket_id),
    )
    for row in await tx.fetchall("SELECT id, text FROM ticket_answers WHERE ticket_id = ?", (ticket_id,)):
        await tx.execute("UPDATE ticket_answers SET text = ? WHERE id = ?", (clean(row["text"]), row["id"]))
    for row in await tx.fetchall("SELECT id, question FROM faq_drafts WHERE ticket_id = ?", (ticket_id,)):
        await tx.execute("UPDATE faq_drafts SET question = ? WHERE id = ?", (clean(row["question"]), row["id"]))


async def forget_user(db: Database, user_id: int, *, clean: Callable[[str], str],
                      closing_note: Callable[[int], str]) -> dict[str, int]:
    """Delete a person's questions (and the answers shown to them, their votes and candidate variants),
    their settings (the users row, dialogs), the updates still kept from them; anonymise their tickets and
    close the open ones (the officials get ``closing_note(ticket_id)``); cancel messages still owed to them."""
    counts: dict[str, int] = {}
    async with db.transaction() as tx:
        tickets = await tx.fetchall("SELECT id, text, status FROM tickets WHERE user_id = ?", (user_id,))
        for ticket in tickets:
            await _anonymise_ticket(tx, ticket["id"], ticket["text"], clean, unlink_question=True)
            if ticket["status"] != "closed":
                await tx.execute("UPDATE tickets SET status = 'closed' WHERE id = ?", (ticket["id"],))
                await Outbox.add(tx, OFFICIALS_NOTE, ticket_id=ticket["id"], payload={"text": closing_note(ticket["id"])})
        counts["tickets"] = len(tickets)
        cur = await tx.execute(
            "UPDATE outbox SET state = 'failed', last_error = ?, owner = NULL, lease_until = NULL, done_at = ? "
            f"WHERE chat_id = ? AND kind IN ('{DELIVER_ANSWER}', '{ASKER_NOTICE}') "
            "AND state IN ('pending', 'claimed', 'blocked')",
            (CANCELLED, utcnow(), user_id),
        )
        counts["cancelled"] = cur.rowcount
        cur = await tx.execute("DELETE FROM shown_answers WHERE user_id = ?", (user_id,))
        counts["answers"] = cur.rowcount
        cur = await tx.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
        counts["questions"] = cur.rowcount
        await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        keys = await tx.fetchall("SELECT key FROM fsm")
        mine = [row["key"] for row in keys if str(user_id) in row["key"].split(":")[1:4]]
        await tx.executemany("DELETE FROM fsm WHERE key = ?", [(key,) for key in mine])
        cur = await tx.execute(
            "DELETE FROM inbox WHERE state = 'done' AND ? IN ("
            "json_extract(data, '$.message.from.id'), json_extract(data, '$.edited_message.from.id'), "
            "json_extract(data, '$.callback_query.from.id'), json_extract(data, '$.inline_query.from.id'), "
            "json_extract(data, '$.my_chat_member.from.id'))",
            (user_id,),
        )
        counts["updates"] = cur.rowcount
    return counts


async def anonymise_before(db: Database, cutoff: str, *, clean: Callable[[str], str]) -> int:
    """Questions asked before ``cutoff`` (ISO time, UTC) lose their link to the person (user and chat set to
    0) and the names and phone numbers in their text; so do the answers shown then and tickets closed
    before it. Returns how many questions were anonymised."""
    total = 0
    while True:
        async with db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id, text FROM questions WHERE created_at < ? AND user_id != 0 ORDER BY id LIMIT ?",
                (cutoff, ANONYMISE_BATCH),
            )
            for row in rows:
                await tx.execute("UPDATE questions SET text = ?, user_id = 0, chat_id = 0 WHERE id = ?",
                                 (clean(row["text"]), row["id"]))
        total += len(rows)
        if len(rows) < ANONYMISE_BATCH:
            break
    async with db.transaction() as tx:
        await tx.execute("UPDATE shown_answers SET user_id = 0 WHERE created_at < ? AND user_id != 0", (cutoff,))
        tickets = await tx.fetchall(
            "SELECT id, text FROM tickets WHERE status = 'closed' AND updated_at < ? AND user_id != 0", (cutoff,)
        )
        for ticket in tickets:
            await _anonymise_ticket(tx, ticket["id"], ticket["text"], clean, unlink_question=False)
    return total


