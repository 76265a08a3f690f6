"""Admins keep the FAQ current from Telegram: list, show, add (a guided dialog), edit, variants, delete,
export/import, history/rollback, and roles. Anyone else gets a polite refusal, and the attempt is logged."""

from __future__ import annotations

import io
import logging
from typing import Any

import yaml
from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.knowledge import ID_RE, LANGS, FaqEntry, KnowledgeError, translated
from bot.services.admin import EDITABLE_FIELDS, MAX_IMPORT_BYTES, KnowledgeAdmin, too_big
from bot.storage.roles import ROLES
from bot.storage.tickets import TicketStore
from bot.telegram.arguments import row_id, user_id
from bot.telegram.callbacks import AdminDelete
from bot.telegram.filters import NOT_A_COMMAND, PRIVATE_CHAT
from bot.telegram.render import esc
from bot.telegram.sending import answer_long

log = logging.getLogger(__name__)
ADMIN_COMMANDS = ("faq", "show", "add", "drafts", "edit", "variant_add", "variant_del", "delete", "export", "import",
                  "history", "rollback", "grant", "revoke", "roles")
PROBLEMS_SHOWN = 15


class IsAdmin(Filter):
    async def __call__(self, event: TelegramObject, kb_admin: KnowledgeAdmin) -> bool:
        user = getattr(event, "from_user", None)
        return user is not None and await kb_admin.is_admin(user.id)


class AddEntry(StatesGroup):
    id = State()
    category = State()
    question_ky = State()
    question_ru = State()
    answer_ky = State()
    answer_ru = State()
    basis_ky = State()
    basis_ru = State()
    variants_ky = State()
    variants_ru = State()


class EditField(StatesGroup):
    value = State()


def prompts() -> dict[str, str]:
    return {
        "id": _("Step 1 of 10. The id: a short slug of latin letters, digits and '-', for example akim-deputies."),
        "category": _("Step 2 of 10. The category, for example: akims."),
        "question_ky": _("Step 3 of 10. The question in Kyrgyz."),
        "question_ru": _("Step 4 of 10. The question in Russian."),
        "answer_ky": _("Step 5 of 10. The answer in Kyrgyz."),
        "answer_ru": _("Step 6 of 10. The answer in Russian."),
        "basis_ky": _("Step 7 of 10. The legal basis in Kyrgyz."),
        "basis_ru": _("Step 8 of 10. The legal basis in Russian."),
        "variants_ky": _("Step 9 of 10. Other ways to ask in Kyrgyz, one per line (or - for none)."),
        "variants_ru": _("Step 10 of 10. Other ways to ask in Russian, one per line (or - for none)."),
    }


STEPS = ["id", "category", "question_ky", "question_ru", "answer_ky", "answer_ru", "basis_ky", "basis_ru",
         "variants_ky", "variants_ru"]


def problems_text(exc: KnowledgeError) -> str:
    shown = exc.problems[:PROBLEMS_SHOWN]
    more = len(exc.problems) - len(shown)
    text = _("Nothing was changed. Problems:") + "\n" + "\n".join(f"• {esc(translated(p, _))}" for p in shown)
    if more:
        text += "\n" + _("…and {count} more.").format(count=more)
    return text


def entry_text(entry: FaqEntry, version: int) -> list[str]:
    """One message per language (each cut further when long: never inside a tag)."""
    parts = [f"<b>{esc(entry.id)}</b> · {esc(entry.category)} · v{version} · {entry.reviewed.isoformat()}"]
    for lang in LANGS:
        variants = "\n".join(f"{i}. {esc(v)}" for i, v in enumerate(entry.variants[lang], start=1))
        parts.append(
            f"<b>[{lang}] {esc(entry.question[lang])}</b>\n\n{esc(entry.answer[lang])}\n\n"
            f"<i>{esc(entry.basis[lang])}</i>\n\n{variants}"
        )
    return parts


# -- listing and showing ---------------------------------------------------------------------------


async def list_entries(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, i18n: I18n) -> None:
    """/faq lists every entry (in as many messages as it takes); /faq WORDS the 30 that fit best."""
    lang = i18n.current_locale
    query = (command.args or "").strip()
    found = kb_admin.search(query, limit=30 if query else len(kb_admin.knowledge.matcher))
    if not found:
        await message.answer(_("No entries found."))
        return
    lines = [f"<code>{esc(e.id)}</code> — {esc(e.question[lang])}" for e in found]
    await answer_long(message, "\n".join(lines) + "\n\n" + _("/show ID shows an entry."))


async def show_entry(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin) -> None:
    entry_id = (command.args or "").strip()
    found = await kb_admin.get(entry_id) if entry_id else None
    if found is None:
        await message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(entry_id)))
        return
    for part in entry_text(*found):
        await answer_long(message, part)


# -- the guided dialog for a new entry ---------------------------------------------------------------


async def add_start(message: Message, state: FSMContext) -> None:
    await state.set_state(AddEntry.id)
    await state.update_data(new_entry={})
    await message.answer(_("A new FAQ entry. /cancel stops at any step.") + "\n\n" + prompts()["id"])


async def add_step(message: Message, state: FSMContext, kb_admin: KnowledgeAdmin, user) -> None:
    current = (await state.get_state() or "").split(":")[-1]
    value = (message.text or "").strip()
    if not value:
        await message.answer(_("Please send text.") + "\n\n" + prompts()[current])
        return
    if current == "id":
        if not ID_RE.match(value):
            await message.answer(_("This id is not a slug.") + "\n\n" + prompts()["id"])
            return
        if await kb_admin.get(value) is not None:
            await message.answer(_("The id '{id}' is already used.").format(id=esc(value)) + "\n\n" + prompts()["id"])
            return
    data = (await state.get_data()).get("new_entry", {})
    data[current] = value
    await state.update_data(new_entry=data)
    following = STEPS.index(current) + 1
    while following < len(STEPS) and STEPS[following] in data:  # filled in already (/review's "new entry")
        following += 1
    if following < len(STEPS):
        await state.set_state(getattr(AddEntry, STEPS[following]))
        await message.answer(prompts()[STEPS[following]])
        return
    await state.clear()

    def lines(text: str) -> list[str]:
        return [] if text == "-" else [line.strip() for line in text.splitlines() if line.strip()]

    raw = {
        "id": data["id"],
        "category": data["category"],
        "question": {lang: data[f"question_{lang}"] for lang in LANGS},
        "variants": {lang: lines(data[f"variants_{lang}"]) for lang in LANGS},
        "answer": {lang: data[f"answer_{lang}"] for lang in LANGS},
        "basis": {lang: data[f"basis_{lang}"] for lang in LANGS},
    }
    try:
        entry = await kb_admin.add(raw, user.id)
    except KnowledgeError as exc:
        await message.answer(problems_text(exc))
        return
    log.info("admin %s added FAQ entry %s", user.id, entry.id)
    await message.answer(_("Entry '{id}' added; it is answered from now on.").format(id=esc(entry.id)))


async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("Nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled. Nothing was changed."))


# -- editing -------------------------------------------------------------------------------------


async def edit_start(message: Message, command: CommandObject, state: FSMContext, kb_admin: KnowledgeAdmin) -> None:
    args = (command.args or "").split()
    if len(args) != 2 or args[1] not in EDITABLE_FIELDS:
        await message.answer(_("Usage: /edit ID FIELD. Fields: {fields}").format(fields=", ".join(EDITABLE_FIELDS)))
        return
    found = await kb_admin.get(args[0])
    if found is None:
        await message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(args[0])))
        return
    name, _sep, lang = args[1].partition(".")
    current = getattr(found[0], name)[lang] if lang else getattr(found[0], name)
    await state.set_state(EditField.value)
    await state.update_data(edit={"id": args[0], "field": args[1]})
    await answer_long(
        message,
        _("Now: {value}").format(value=esc(current))
        + "\n\n" + _("Send the new text of {field}, or /cancel.").format(field=args[1]),
    )


async def edit_value(message: Message, state: FSMContext, kb_admin: KnowledgeAdmin, user) -> None:
    data = (await state.get_data()).get("edit", {})
    await state.clear()
    try:
        entry = await kb_admin.edit_field(data["id"], data["field"], (message.text or "").strip(), user.id)
    except KnowledgeError as exc:
        await message.answer(problems_text(exc))
        return
    except KeyError:
        await message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(data.get("id", ""))))
        return
    log.info("admin %s edited %s of %s", user.id, data["field"], entry.id)
    await message.answer(_("Saved. The change is live."))


async def variant_add(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, user) -> None:
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) != 3:
        await message.answer(_("Usage: /variant_add ID ky|ru TEXT"))
        return
    await _apply(message, lambda: kb_admin.add_variant(parts[0], parts[1], parts[2], user.id), parts[0])


async def variant_del(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, user) -> None:
    parts = (command.args or "").split()
    number = row_id(parts[2]) if len(parts) == 3 else None
    if number is None:
        await message.answer(_("Usage: /variant_del ID ky|ru NUMBER (the number shown by /show)"))
        return
    await _apply(message, lambda: kb_admin.remove_variant(parts[0], parts[1], number, user.id), parts[0])


async def _apply(message: Message, change, entry_id: str) -> None:
    try:
        await change()
    except KnowledgeError as exc:
        await message.answer(problems_text(exc))
        return
    except KeyError:
        await message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(entry_id)))
        return
    await message.answer(_("Saved. The change is live."))


# -- deleting, with confirmation ---------------------------------------------------------------------------


async def delete_start(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin) -> None:
    entry_id = (command.args or "").strip()
    if not entry_id or await kb_admin.get(entry_id) is None:
        await message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(entry_id)))
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Delete"), callback_data=AdminDelete(entry_id=entry_id, confirm=True))
    builder.button(text=_("Cancel"), callback_data=AdminDelete(entry_id=entry_id, confirm=False))
    await message.answer(
        _("Delete the entry '{id}'? Its history is kept; /rollback brings it back.").format(id=esc(entry_id)),
        reply_markup=builder.as_markup(),
    )


async def delete_confirmed(query: CallbackQuery, callback_data: AdminDelete, kb_admin: KnowledgeAdmin) -> None:
    await query.answer()
    if query.message is None:
        return
    if not callback_data.confirm:
        await query.message.answer(_("Cancelled. Nothing was changed."))
        return
    try:
        await kb_admin.delete(callback_data.entry_id, query.from_user.id)
    except KeyError:
        await query.message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(callback_data.entry_id)))
        return
    log.info("admin %s deleted FAQ entry %s", query.from_user.id, callback_data.entry_id)
    await query.message.answer(_("Entry '{id}' deleted.").format(id=esc(callback_data.entry_id)))


# -- export and import -------------------------------------------------------------------------------


async def export(message: Message, kb_admin: KnowledgeAdmin) -> None:
    data = (await kb_admin.export_yaml()).encode("utf-8")
    await message.answer_document(BufferedInputFile(data, filename="faq.yaml"), caption=_("The whole FAQ, in the format of knowledge/faq/."))


async def import_file(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, bot: Bot, user) -> None:
    document = message.document
    if document is None:
        await message.answer(_("Send the YAML file with the caption /import (adds and updates entries) or /import replace (the file becomes the whole FAQ)."))
        return
    mode = (command.args or "").strip().lower()
    if mode not in ("", "merge", "replace"):
        await message.answer(_("Unknown mode '{mode}': use /import or /import replace.").format(mode=esc(mode)))
        return
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        await message.answer(problems_text(KnowledgeError([too_big(document.file_name or "", document.file_size)])))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        counts = await kb_admin.import_yaml(buffer.getvalue(), user.id, replace=mode == "replace",
                                            source=document.file_name or "upload")
    except KnowledgeError as exc:
        log.info("admin %s: import of %s refused (%d problems)", user.id, document.file_name, len(exc.problems))
        await message.answer(problems_text(exc))
        return
    log.info("admin %s imported %s: %s", user.id, document.file_name, counts)
    await message.answer(_("Imported: {added} added, {updated} updated, {unchanged} unchanged, {deleted} deleted. The change is live.").format(**counts))


# -- history -----------------------------------------------------------------------------------------


async def history(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin) -> None:
    entry_id = (command.args or "").strip()
    rows = await kb_admin.history(entry_id) if entry_id else []
    if not rows:
        await message.answer(_("No history for '{id}'.").format(id=esc(entry_id)))
        return
    lines = [f"v{r['version']} · {r['at']} · {r['action']} · {r['actor'] if r['actor'] is not None else '—'}" for r in rows]
    await message.answer(
        f"<b>{esc(entry_id)}</b>\n" + "\n".join(lines[-40:]) + "\n\n" + _("/rollback ID VERSION restores a version.")
    )


async def rollback(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, user) -> None:
    parts = (command.args or "").split()
    version = row_id(parts[1].lstrip("v")) if len(parts) == 2 else None
    if version is None:
        await message.answer(_("Usage: /rollback ID VERSION"))
        return
    try:
        await kb_admin.rollback(parts[0], version, user.id)
    except KeyError:
        await message.answer(_("There is no such version. /history ID lists them."))
        return
    log.info("admin %s rolled %s back to v%s", user.id, parts[0], parts[1])
    await message.answer(_("Restored. The change is live."))


async def drafts(message: Message, tickets: TicketStore) -> None:
    """FAQ drafts made from answered tickets, as YAML ready to complete and /import."""
    rows = await tickets.drafts()
    if not rows:
        await message.answer(_("No FAQ drafts yet."))
        return
    for row in rows:
        other = "ru" if row["lang"] == "ky" else "ky"
        todo = "TODO"
        skeleton = {
            "id": f"draft-{row['id']}",
            "category": "from-tickets",
            "question": {row["lang"]: row["question"], other: todo},
            "variants": {"ky": [], "ru": []},
            "answer": {row["lang"]: row["answer"], other: todo},
            "basis": {"ky": todo, "ru": todo},
            "reviewed": row["created_at"][:10],
        }
        text = yaml.safe_dump([skeleton], allow_unicode=True, sort_keys=False, width=100)
        await answer_long(
            message,
            _("Draft #{draft} from question #{number}:").format(draft=row["id"], number=row["ticket_id"])
            + f"\n<pre>{esc(text)}</pre>",
        )


# -- roles -------------------------------------------------------------------------------------------


async def grant_or_revoke(message: Message, command: CommandObject, kb_admin: KnowledgeAdmin, user) -> None:
    parts = (command.args or "").split()
    target = user_id(parts[0]) if len(parts) == 2 else None
    if target is None or parts[1] not in ROLES:
        await message.answer(_("Usage: /{command} USER_ID admin|official").format(command=command.command))
        return
    role = parts[1]
    if command.command == "grant":
        await kb_admin.grant(target, role, user.id)
    else:
        if target in kb_admin.admin_ids and role == "admin":
            await message.answer(_("This admin is set in ADMIN_IDS; change it there."))
            return
        await kb_admin.revoke(target, role)
    log.info("admin %s: /%s %s %s", user.id, command.command, target, role)
    await message.answer(_("Done."))


async def list_roles(message: Message, kb_admin: KnowledgeAdmin) -> None:
    rows = await kb_admin.roles.all()
    lines = [f"{uid} · admin (ADMIN_IDS)" for uid in sorted(kb_admin.admin_ids)]
    lines += [f"{r['user_id']} · {r['role']} · {r['granted_at']}" for r in rows]
    await message.answer("\n".join(lines) or _("No roles granted."))


# -- everyone else -----------------------------------------------------------------------------------


async def refuse(event: Message | CallbackQuery, **_kwargs: Any) -> None:
    user = event.from_user
    what = (getattr(event, "text", None) or getattr(event, "data", None) or "").split(maxsplit=1)
    # The command only: its arguments may be anything (a phone number, a name).
    log.warning("user %s tried an admin action: %s", user and user.id, (what[0] if what else "")[:40])
    text = _("This command is for admins only.")
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    else:
        await event.answer(text)


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(PRIVATE_CHAT)
    admin = IsAdmin()
    router.message.register(cancel, Command("cancel"), ~StateFilter(None), admin)
    router.message.register(add_step, StateFilter(AddEntry), NOT_A_COMMAND, admin)  # cheap checks first
    router.message.register(edit_value, StateFilter(EditField.value), NOT_A_COMMAND, admin)
    router.message.register(list_entries, Command("faq"), admin)
    router.message.register(show_entry, Command("show"), admin)
    router.message.register(add_start, Command("add"), admin)
    router.message.register(edit_start, Command("edit"), admin)
    router.message.register(variant_add, Command("variant_add"), admin)
    router.message.register(variant_del, Command("variant_del"), admin)
    router.message.register(delete_start, Command("delete"), admin)
    router.message.register(export, Command("export"), admin)
    router.message.register(import_file, Command("import"), admin)
    router.message.register(history, Command("history"), admin)
    router.message.register(rollback, Command("rollback"), admin)
    router.message.register(drafts, Command("drafts"), admin)
    router.message.register(grant_or_revoke, Command("grant", "revoke"), admin)
    router.message.register(list_roles, Command("roles"), admin)
    router.callback_query.register(delete_confirmed, AdminDelete.filter(), admin)
    router.message.register(refuse, Command(*ADMIN_COMMANDS))
    router.callback_query.register(refuse, AdminDelete.filter())
    return router
