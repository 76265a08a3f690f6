"""Admins edit the FAQ from Telegram, through the real Dispatcher; everyone else is refused."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from aiogram.methods import SendDocument
from aiogram.types import Document

from bot.core.knowledge import load_knowledge, parse_yaml_text
from bot.telegram.callbacks import AdminDelete, LanguageChoice
from tests.conftest import KNOWLEDGE, make_settings
from tests.harness import BotHarness

ADMIN = 900


def admin(h: BotHarness):
    return h.user(ADMIN, "Admin")


async def send_file(h: BotHarness, content: bytes, caption: str, user=None, name: str = "faq.yaml"):
    file_id = f"file{len(h.session.files)}"
    h.session.files[file_id] = content
    document = Document(file_id=file_id, file_unique_id=file_id, file_name=name, file_size=len(content))
    return await h.send(None, user=user or admin(h), document=document, caption=caption)


async def answered_id(h: BotHarness, question: str) -> str | None:
    result = h.services.knowledge.matcher.match(question)
    return result.entry_id if result.status == "answer" else None


NEW_ENTRY = [
    "akim-deputies",
    "akims",
    "Акимдин канча орун басары болот?",
    "Сколько заместителей у акима?",
    "Адатта эки орун басар.",
    "Обычно два заместителя.",
    "Практика.",
    "Практика.",
    "акимдин орун басарлары канча\nорун басарлардын саны",
    "заместители акима сколько\nчисло заместителей акима",
]


async def test_add_entry_through_the_dialog_and_it_is_answered_at_once(harness: BotHarness):
    h = harness
    await h.press(LanguageChoice(code="ru").pack(), user=admin(h))
    await h.send("/add", user=admin(h))
    assert "/cancel" in h.last_text()
    await h.send("Not A Slug", user=admin(h))
    assert "slug" in h.last_text() or "слаг" in h.last_text().lower() or "id" in h.last_text()
    for value in NEW_ENTRY:
        await h.send(value, user=admin(h))
    assert "akim-deputies" in h.last_text()
    stored = await h.services.kb_admin.get("akim-deputies")
    assert stored is not None and stored[0].variants["ru"] == ("заместители акима сколько", "число заместителей акима")
    entry_ids = [e.id for e in h.services.knowledge.matcher.entries]
    assert "akim-deputies" in entry_ids  # the live index has it without a restart


async def test_cancel_at_any_step_changes_nothing(harness: BotHarness):
    before = len(harness.services.knowledge.matcher.entries)
    await harness.send("/add", user=admin(harness))
    await harness.send("new-entry", user=admin(harness))
    await harness.send("/cancel", user=admin(harness))
    assert len(harness.services.knowledge.matcher.entries) == before
    await harness.send("Кто назначает акима района?", user=admin(harness))  # a plain question again
    rows = await harness.services.question_log.recent(1)
    assert rows[0]["text"] == "Кто назначает акима района?"  # went to the matcher, not into the dialog


async def test_list_search_and_show(harness: BotHarness):
    await harness.send("/faq коллегия", user=admin(harness))
    assert "lsa-collegium" in harness.last_text()
    harness.clear()
    await harness.send("/show lsa-collegium", user=admin(harness))
    texts = [m.text for m in harness.sent()]
    assert any("[ky]" in t for t in texts) and any("[ru]" in t for t in texts)
    assert "v1" in texts[0]
    await harness.send("/show nothing-here", user=admin(harness))
    assert "nothing-here" in harness.last_text()


async def test_edit_field_variants_history_and_rollback(harness: BotHarness):
    h = harness
    await h.send("/edit lsa-collegium answer.ru", user=admin(h))
    await h.send("Новый <b>ответ</b> о коллегии.", user=admin(h))
    entry, version = await h.services.kb_admin.get("lsa-collegium")
    assert entry.answer["ru"] == "Новый <b>ответ</b> о коллегии." and version == 2
    assert h.services.knowledge.entry("lsa-collegium").answer["ru"].startswith("Новый")

    await h.send("/variant_add lsa-collegium ru коллегия при акиме кто там сидит", user=admin(h))
    entry, version = await h.services.kb_admin.get("lsa-collegium")
    assert entry.variants["ru"][-1] == "коллегия при акиме кто там сидит" and version == 3
    await h.send(f"/variant_del lsa-collegium ru {len(entry.variants['ru'])}", user=admin(h))
    assert (await h.services.kb_admin.get("lsa-collegium"))[1] == 4

    await h.send("/history lsa-collegium", user=admin(h))
    assert "v4" in h.last_text() and "v1" in h.last_text()
    await h.send("/rollback lsa-collegium 1", user=admin(h))
    entry, version = await h.services.kb_admin.get("lsa-collegium")
    original = next(e for e in load_knowledge(KNOWLEDGE) if e.id == "lsa-collegium")
    assert entry.answer == original.answer and version == 5

    await h.send("/edit lsa-collegium answer.ru", user=admin(h))
    await h.send("/cancel", user=admin(h))
    assert (await h.services.kb_admin.get("lsa-collegium"))[1] == 5


async def test_delete_needs_confirmation_and_survives_restart(tmp_path):
    settings = make_settings(tmp_path)
    async with await BotHarness.start(settings) as h:
        await h.send("/delete lsa-collegium", user=admin(h))
        assert AdminDelete(entry_id="lsa-collegium", confirm=True).pack() in [d for _, d in h.buttons()]
        assert h.services.knowledge.entry("lsa-collegium") is not None  # nothing happened yet
        await h.press(AdminDelete(entry_id="lsa-collegium", confirm=True).pack(), user=admin(h))
        assert h.services.knowledge.entry("lsa-collegium") is None
    async with await BotHarness.start(settings) as again:  # the shipped file is not newer: the deletion stands
        assert again.services.knowledge.entry("lsa-collegium") is None


async def test_admin_edit_is_not_overwritten_by_older_shipped_files(tmp_path):
    settings = make_settings(tmp_path)
    async with await BotHarness.start(settings) as h:
        await h.send("/edit lsa-collegium answer.ky", user=admin(h))
        await h.send("Админ оңдогон жооп.", user=admin(h))
    async with await BotHarness.start(settings) as again:
        assert again.services.knowledge.entry("lsa-collegium").answer["ky"] == "Админ оңдогон жооп."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"- id: [unclosed\n", "YAML катасы"),
        (b"- id: x\n  category: c\n  question: {ky: a}\n", "'question.ru' талаасы бош эмес текст болушу керек"),
        (b"\xff\xfe not utf-8", "UTF-8 коддоосунда эмес"),
        (b"x" * 1_000_001, "1000000 байттан ашпашы керек"),
    ],
)
async def test_bad_import_is_refused_and_changes_nothing(harness: BotHarness, content, expected):
    """The problems are named in the admin's language (ky here: the default locale)."""
    before = await harness.services.kb_admin.export_yaml()
    await send_file(harness, content, "/import replace")
    assert expected in harness.last_text()
    assert await harness.services.kb_admin.export_yaml() == before


async def test_import_with_duplicate_and_unknown_field_names_entry_and_field(harness: BotHarness):
    entries = yaml.safe_load(await harness.services.kb_admin.export_yaml())
    broken = [dict(entries[0], colour="red"), entries[1], entries[1]]
    before = await harness.services.kb_admin.export_yaml()
    await send_file(harness, yaml.safe_dump(broken, allow_unicode=True).encode(), "/import")
    text = harness.last_text()
    assert f"'{entries[0]['id']}' жазуусу: 'colour' деген талаа белгисиз" in text
    assert f"'{entries[1]['id']}' жазуусу: бул id буга чейин колдонулган" in text
    assert await harness.services.kb_admin.export_yaml() == before


async def test_import_problems_reach_a_russian_speaking_admin_in_russian(harness: BotHarness):
    await harness.press(LanguageChoice(code="ru").pack(), user=admin(harness))
    entries = yaml.safe_load(await harness.services.kb_admin.export_yaml())
    broken = [dict(entries[0], colour="red", reviewed="26.11.2026")]
    await send_file(harness, yaml.safe_dump(broken, allow_unicode=True).encode(), "/import")
    text = harness.last_text()
    assert f"faq.yaml: запись '{entries[0]['id']}': неизвестное поле 'colour'" in text
    assert "поле 'reviewed' должно быть датой вида 2026-11-26" in text
    assert "field" not in text and "entry" not in text


def test_problems_read_as_english_outside_the_bot():
    """The CLI and the logs print a problem as it is: the English text."""
    from bot.core.knowledge import KnowledgeError, parse_yaml_text

    with pytest.raises(KnowledgeError) as caught:
        parse_yaml_text("- id: x\n  colour: red\n", "f.yaml")
    assert "f.yaml: entry 'x': field 'colour' is not a known field" in caught.value.problems


async def test_export_import_round_trip_is_lossless(harness: BotHarness):
    await harness.send("/export", user=admin(harness))
    document = harness.session.calls(SendDocument)[-1]
    exported = document.document.data
    entries = parse_yaml_text(exported.decode(), "export")
    shipped = load_knowledge(KNOWLEDGE)
    assert {e.id: e.to_dict() for e in entries} == {e.id: e.to_dict() for e in shipped}

    await send_file(harness, exported, "/import replace")
    assert "0 added, 0 updated" in harness.last_text() or "0 кошулду" in harness.last_text()
    assert await harness.services.kb_admin.export_yaml() == exported.decode()


async def test_merge_import_updates_and_replace_import_deletes(harness: BotHarness):
    entries = yaml.safe_load(await harness.services.kb_admin.export_yaml())
    changed = dict(entries[0])
    changed["answer"] = {"ky": "Жаңы жооп.", "ru": "Новый ответ."}
    await send_file(harness, yaml.safe_dump([changed], allow_unicode=True).encode(), "/import")
    assert harness.services.knowledge.entry(changed["id"]).answer["ru"] == "Новый ответ."
    assert len(harness.services.knowledge.matcher.entries) == len(entries)

    await send_file(harness, yaml.safe_dump([changed], allow_unicode=True).encode(), "/import replace")
    assert [e.id for e in harness.services.knowledge.matcher.entries] == [changed["id"]]


async def test_questions_during_an_edit_see_one_whole_index(harness: BotHarness):
    """While an import swaps the index, every question is answered from either the old or the new one."""
    entries = yaml.safe_load(await harness.services.kb_admin.export_yaml())
    renamed = [dict(e, answer={"ky": e["answer"]["ky"] + " (v2)", "ru": e["answer"]["ru"] + " (v2)"}) for e in entries]
    payload = yaml.safe_dump(renamed, allow_unicode=True).encode()

    async def ask_once():
        reply = await harness.services.answering.ask(user_id=1, chat_id=1, text="туулган районуна аким болсо болобу?", lang="ky")
        return reply.entry.answer["ky"].endswith("(v2)") if reply.entry else None

    edit = asyncio.create_task(harness.services.kb_admin.import_yaml(payload, ADMIN, replace=False))
    seen = []
    while not edit.done():
        seen.append(await ask_once())
        await asyncio.sleep(0)
    await edit
    seen.append(await ask_once())
    assert None not in seen
    assert seen == sorted(seen)  # old answers, then new ones: never a mix
    assert seen[0] is False and seen[-1] is True


async def test_non_admins_are_refused_and_logged(harness: BotHarness, caplog):
    stranger = harness.user(555, "Stranger")
    for command in ["/faq", "/show lsa-collegium", "/add", "/edit lsa-collegium answer.ru", "/delete lsa-collegium",
                    "/export", "/history lsa-collegium", "/rollback lsa-collegium 1", "/grant 555 admin", "/roles"]:
        harness.clear()
        await harness.send(command, user=stranger)
        assert "админ" in harness.last_text().lower() or "admin" in harness.last_text().lower(), command
        assert not harness.session.calls(SendDocument)
    await send_file(harness, b"- id: x\n", "/import replace", user=stranger)
    await harness.press(AdminDelete(entry_id="lsa-collegium", confirm=True).pack(), user=stranger)
    assert harness.callback_answers()[-1].show_alert
    assert harness.services.knowledge.entry("lsa-collegium") is not None
    assert any("admin action" in r.message for r in caplog.records)


async def test_grant_and_revoke_roles(harness: BotHarness):
    await harness.send("/grant 555 admin", user=admin(harness))
    assert await harness.services.kb_admin.is_admin(555)
    harness.clear()
    await harness.send("/faq", user=harness.user(555))
    listing = "".join(m.text for m in harness.sent())
    assert "lsa-collegium" in listing and "kenesh-dissolution" in listing  # every entry, in as many messages as needed
    await harness.send("/roles", user=admin(harness))
    assert "555" in harness.last_text()
    await harness.send("/revoke 555 admin", user=admin(harness))
    assert not await harness.services.kb_admin.is_admin(555)
    await harness.send("/grant 556 official", user=admin(harness))
    assert await harness.services.roles.has(556, "official")
    await harness.send("/grant 556 emperor", user=admin(harness))
    assert "/grant" in harness.last_text()


async def test_admin_dialogs_are_in_the_admins_language(harness: BotHarness):
    await harness.press(LanguageChoice(code="ru").pack(), user=admin(harness))
    await harness.send("/add", user=admin(harness))
    assert "Шаг 1" in harness.last_text()
    await harness.send("/cancel", user=admin(harness))
    await harness.press(LanguageChoice(code="ky").pack(), user=admin(harness))
    await harness.send("/add", user=admin(harness))
    assert "1-кадам" in harness.last_text()
