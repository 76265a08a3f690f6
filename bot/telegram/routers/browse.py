"""Browsing and sharing, for everybody in a private chat: /topics lists the FAQ by category (paged, in the
person's language), and a link t.me/<bot>?start=<entry id> (the "Share" button under every answer) opens
that answer directly, for a brand-new user too (who chooses the language after)."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import LOCALES
from bot.core.knowledge import ID_RE, MAX_ID, FaqEntry
from bot.services.knowledge import KnowledgeBase
from bot.storage.feedback import LINK, Feedback
from bot.storage.users import User, Users
from bot.telegram.answers import show_answer
from bot.telegram.callbacks import LinkLanguage, OpenEntry, TopicEntries, TopicsPage
from bot.telegram.filters import PRIVATE_CHAT
from bot.telegram.keyboards import shorten
from bot.telegram.relay import OfficialsRelay
from bot.telegram.render import esc
from bot.telegram.routers.common import help_text, start

log = logging.getLogger(__name__)
PAGE = 8


def category_name(slug: str) -> str:
    """The categories the shipped FAQ uses, named in the reader's language; any other shown as it is."""
    names = {
        "akims": _("Akims"),
        "mayors": _("City mayors"),
        "law": _("The law"),
        "local-state-administration": _("Local state administration"),
        "local-self-government": _("Local self-government"),
        "meeting": _("The meeting of 8 December 2021"),
        "bot": _("About this bot"),
    }
    return names.get(slug, slug)


def categories(knowledge: KnowledgeBase) -> list[tuple[str, list[FaqEntry]]]:
    """(category, its entries) in a stable order: the buttons carry positions in this list."""
    grouped: dict[str, list[FaqEntry]] = {}
    for entry in knowledge.matcher.entries:
        grouped.setdefault(entry.category, []).append(entry)
    return [(slug, sorted(grouped[slug], key=lambda e: e.id)) for slug in sorted(grouped)]


def _pages(count: int) -> int:
    return max(1, -(-count // PAGE))


def _nav(builder: InlineKeyboardBuilder, page: int, pages: int, make) -> None:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="«", callback_data=make(page - 1).pack()))
    if page < pages - 1:
        row.append(InlineKeyboardButton(text="»", callback_data=make(page + 1).pack()))
    if row:
        builder.row(*row)


def topics_view(knowledge: KnowledgeBase, page: int) -> tuple[str, InlineKeyboardMarkup]:
    found = categories(knowledge)
    pages = _pages(len(found))
    page = min(page, pages - 1)
    builder = InlineKeyboardBuilder()
    for number in range(page * PAGE, min(len(found), (page + 1) * PAGE)):
        slug, entries = found[number]
        builder.row(InlineKeyboardButton(text=shorten(f"{category_name(slug)} ({len(entries)})"),
                                         callback_data=TopicEntries(category=number, page=0).pack()))
    _nav(builder, page, pages, lambda p: TopicsPage(page=p))
    text = _("The FAQ by topic. Choose one:")
    if pages > 1:
        text += f" ({page + 1}/{pages})"
    return text, builder.as_markup()


def entries_view(knowledge: KnowledgeBase, category: int, page: int, lang: str) -> tuple[str, InlineKeyboardMarkup] | None:
    found = categories(knowledge)
    if category >= len(found):
        return None
    slug, entries = found[category]
    pages = _pages(len(entries))
    page = min(page, pages - 1)
    builder = InlineKeyboardBuilder()
    for entry in entries[page * PAGE:(page + 1) * PAGE]:
        builder.row(InlineKeyboardButton(text=shorten(entry.question[lang]),
                                         callback_data=OpenEntry(entry_id=entry.id, lang=lang).pack()))
    _nav(builder, page, pages, lambda p: TopicEntries(category=category, page=p))
    builder.row(InlineKeyboardButton(text=_("« All topics"), callback_data=TopicsPage(page=0).pack()))
    text = f"<b>{esc(category_name(slug))}</b>" + (f" ({page + 1}/{pages})" if pages > 1 else "")
    return text + "\n" + _("Choose a question:"), builder.as_markup()


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """Turn the page in place (a new message when the old one cannot be edited)."""
    await query.answer()
    if query.message is None:
        return
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            await query.message.answer(text, reply_markup=markup)


async def topics(message: Message, knowledge: KnowledgeBase) -> None:
    text, markup = topics_view(knowledge, 0)
    await message.answer(text, reply_markup=markup)


async def topics_page(query: CallbackQuery, callback_data: TopicsPage, knowledge: KnowledgeBase) -> None:
    await _show(query, *topics_view(knowledge, callback_data.page))


async def topic_entries(query: CallbackQuery, callback_data: TopicEntries, knowledge: KnowledgeBase, i18n: I18n) -> None:
    view = entries_view(knowledge, callback_data.category, callback_data.page, i18n.current_locale)
    if view is None:  # the FAQ's topics changed since the list was sent
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    await _show(query, *view)


# -- links that open an answer ------------------------------------------------------------------------


def link_language_keyboard(entry_id: str, shown: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Кыргызча"), callback_data=LinkLanguage(code="ky", shown=shown, entry_id=entry_id))
    builder.button(text=_("Русский"), callback_data=LinkLanguage(code="ru", shown=shown, entry_id=entry_id))
    builder.adjust(2)
    return builder.as_markup()


async def start_with_link(message: Message, command: CommandObject, user: User, knowledge: KnowledgeBase,
                          feedback: Feedback, bot: Bot, i18n: I18n, relay: OfficialsRelay) -> None:
    """/start <entry id>: the answer first, in the language we would speak anyway; a new user chooses the
    language after it (and gets the answer again if they choose the other one)."""
    entry_id = (command.args or "").strip()
    entry = knowledge.entry(entry_id) if len(entry_id) <= MAX_ID and ID_RE.match(entry_id) else None
    if entry is None:
        log.info("start link %r from user %s opens no entry", entry_id[:64], user.id)
        await start(message, user)
        return
    lang = i18n.current_locale
    await show_answer(message, bot, feedback, user_id=user.id, entry=entry, lang=lang, source=LINK,
                      officials=relay.chat_id is not None)
    if user.lang is None:
        await message.answer(_("Choose your language:"), reply_markup=link_language_keyboard(entry.id, lang))


async def link_language(query: CallbackQuery, callback_data: LinkLanguage, users: Users, user: User,
                        knowledge: KnowledgeBase, feedback: Feedback, bot: Bot, i18n: I18n,
                        relay: OfficialsRelay) -> None:
    await users.set_language(user.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer(_("Language saved."))
        if query.message is None:
            return
        entry = knowledge.entry(callback_data.entry_id)
        if entry is not None and callback_data.code != callback_data.shown:
            await show_answer(query.message, bot, feedback, user_id=user.id, entry=entry, lang=callback_data.code,
                              source=LINK, officials=relay.chat_id is not None)
        await query.message.answer(_("Language saved.") + "\n\n" + help_text())


def create_router() -> Router:
    router = Router(name="browse")
    router.message.filter(PRIVATE_CHAT)
    router.message.register(start_with_link, CommandStart(deep_link=True))
    router.message.register(topics, Command("topics"))
    router.callback_query.register(topics_page, TopicsPage.filter())
    router.callback_query.register(topic_entries, TopicEntries.filter())
    router.callback_query.register(link_language, LinkLanguage.filter(F.code.in_(LOCALES) & F.shown.in_(LOCALES)))
    return router
