"""What the bot learns from real use, for admins: /review walks the questions the FAQ did not answer well
(one tap adds one as a variant of an entry, or starts /add with it), and /stats shows the numbers (a chart,
a summary, the raw counts as CSV). Anyone else is refused politely, and the attempt is logged."""

from __future__ import annotations

import asyncio
import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.knowledge import KnowledgeError
from bot.services.knowledge import KnowledgeBase
from bot.services.privacy import PrivacyService
from bot.services.review import ReviewItem, ReviewService
from bot.services.stats import MAX_DAYS, PERIODS, build_report, format_summary, to_csv
from bot.storage.stats import StatsQueries
from bot.telegram.callbacks import ReviewAdd, ReviewDecision, StatsView
from bot.telegram.filters import PRIVATE_CHAT
from bot.telegram.keyboards import shorten
from bot.telegram.render import esc
from bot.telegram.routers.admin import AddEntry, IsAdmin, problems_text, prompts, refuse
from bot.telegram.sending import answer_long

log = logging.getLogger(__name__)
REVIEW_ACTIONS = {"new", "skip", "scope", "next"}
DEFAULT_DAYS = 7


# -- /review -------------------------------------------------------------------------------------------


def what_the_bot_did(item: ReviewItem) -> str:
    row, details = item.question, item.details
    status = row["status"]
    if status == "answer":
        parts = [_("answered with {entry}").format(entry=f"<code>{esc(row['entry_id'] or '')}</code>")]
    elif status == "suggest":
        parts = [_("offered suggestions")]
    elif status == "ask":
        parts = [_("the person sent it straight to an official")]
    else:
        parts = [_("found nothing")]
    parts += [_("the person picked {entry}").format(entry=f"<code>{esc(e)}</code>") for e in details["picked"]]
    parts += [_("👎 on {entry}").format(entry=f"<code>{esc(e)}</code>") for e in details["down"]]
    if details["ticket"]:
        parts.append(_("sent to the officials as #{number}").format(number=details["ticket"]))
    return "; ".join(parts)


def review_view(item: ReviewItem, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    row = item.question
    language = {"ky": _("Kyrgyz"), "ru": _("Russian")}.get(item.lang, item.lang)
    text = (
        _("Question #{number} · {date} · {language}").format(number=row["id"], date=row["created_at"][:10],
                                                            language=language)
        + f"\n<blockquote>{esc(item.cleaned) or '—'}</blockquote>\n"
        + _("What the bot did: {what}").format(what=what_the_bot_did(item)) + "\n"
        + _("Waiting for review: {count}").format(count=item.waiting)
    )
    builder = InlineKeyboardBuilder()
    added = 0
    for entry in item.likely:
        try:
            data = ReviewAdd(question_id=row["id"], entry_id=entry.id).pack()
        except ValueError:  # over Telegram's 64 bytes: /variant_add still does it
            continue
        builder.row(InlineKeyboardButton(text="+ " + shorten(entry.question[lang], 56), callback_data=data))
        added += 1
    if added:
        text += "\n\n" + _("Tap an entry to add the question to it as a variant (names and phone numbers removed, "
                           "as shown above):")
    builder.row(
        InlineKeyboardButton(text=_("New entry"), callback_data=ReviewDecision(action="new", question_id=row["id"]).pack()),
        InlineKeyboardButton(text=_("Not in scope"), callback_data=ReviewDecision(action="scope", question_id=row["id"]).pack()),
    )
    builder.row(
        InlineKeyboardButton(text=_("Skip"), callback_data=ReviewDecision(action="skip", question_id=row["id"]).pack()),
        InlineKeyboardButton(text=_("Later ›"), callback_data=ReviewDecision(action="next", question_id=row["id"]).pack()),
    )
    return text, builder.as_markup()


async def send_review(message: Message, item: ReviewItem | None, lang: str) -> None:
    if item is None:
        await message.answer(_("Nothing to review: every recent question the FAQ did not answer well has a decision."))
        return
    text, markup = review_view(item, lang)
    await answer_long(message, text, markup)


async def review(message: Message, review: ReviewService, i18n: I18n) -> None:
    await send_review(message, await review.next(), i18n.current_locale)


async def review_add(query: CallbackQuery, callback_data: ReviewAdd, review: ReviewService, i18n: I18n) -> None:
    row = await review.question(callback_data.question_id)
    if row is None or query.message is None:
        log.warning("admin %s: review of unknown question %s", query.from_user.id, callback_data.question_id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    try:
        lang, variant, added = await review.add_variant(row, callback_data.entry_id, query.from_user.id)
    except KeyError:
        await query.answer()
        await query.message.answer(_("There is no entry '{id}'. /faq lists the entries.").format(id=esc(callback_data.entry_id)))
        return
    except KnowledgeError as exc:
        await query.answer()
        await query.message.answer(problems_text(exc))
        return
    await query.answer()
    log.info("admin %s added question %s as a %s variant of %s", query.from_user.id, row["id"], lang, callback_data.entry_id)
    if added:
        text = _("Added to '{id}' as a variant in {lang}: {variant}. The change is live.")
    else:
        text = _("'{id}' already has this question in {lang}: {variant}. Nothing was added.")
    await query.message.answer(text.format(id=esc(callback_data.entry_id), lang=lang, variant=esc(variant)))
    await send_review(query.message, await review.next(before=row["id"]), i18n.current_locale)


async def review_decision(query: CallbackQuery, callback_data: ReviewDecision, review: ReviewService,
                          state: FSMContext, i18n: I18n) -> None:
    row = await review.question(callback_data.question_id)
    if row is None or query.message is None:
        log.warning("admin %s: review of unknown question %s", query.from_user.id, callback_data.question_id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    action = callback_data.action
    if action == "new":
        item = await review.item(row)
        await review.decide(row["id"], action, query.from_user.id)
        await query.answer()
        await state.set_state(AddEntry.id)
        await state.update_data(new_entry={f"question_{item.lang}": item.cleaned} if item.cleaned else {})
        filled = _("The question in {lang} is filled in: {text}").format(lang=item.lang, text=esc(item.cleaned))
        await query.message.answer(
            _("A new FAQ entry. /cancel stops at any step.") + "\n" + filled + "\n\n" + prompts()["id"]
        )
        return
    if action in ("skip", "scope"):
        await review.decide(row["id"], action, query.from_user.id)
        await query.answer(_("Skipped.") if action == "skip" else _("Marked as not in scope."))
    else:
        await query.answer()
    await send_review(query.message, await review.next(before=row["id"]), i18n.current_locale)


# -- /stats --------------------------------------------------------------------------------------------


def stats_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in PERIODS:
        builder.button(text=_("{days} days").format(days=days), callback_data=StatsView(days=days, csv=False))
    builder.button(text="CSV", callback_data=StatsView(days=PERIODS[1], csv=True))
    builder.adjust(len(PERIODS) + 1)
    return builder.as_markup()


def chart_labels(days: int) -> dict[str, str]:
    return {
        "answered": _("answered"), "suggested": _("suggestions"), "none": _("not found"),
        "escalated": _("to officials"), "rate": _("answer rate"), "questions": _("questions"),
        "title": _("Questions per day, last {days} days").format(days=days),
    }


async def send_stats(message: Message, days: int, csv: bool, stats: StatsQueries, privacy: PrivacyService,
                     knowledge: KnowledgeBase, lang: str) -> None:
    report = await build_report(stats, days, clean=privacy.clean)
    if csv:
        data = to_csv(report).encode("utf-8")
        await message.answer_document(BufferedInputFile(data, filename=f"stats-{days}d.csv"),
                                      caption=_("Raw counts per day, last {days} days (UTC).").format(days=days))
        return
    from bot.services.chart import render_png  # matplotlib is imported only when a chart is asked for

    png = await asyncio.to_thread(render_png, report, chart_labels(days))
    await message.answer_photo(BufferedInputFile(png, filename=f"stats-{days}d.png"))

    def title(entry_id: str) -> str | None:
        entry = knowledge.entry(entry_id)
        return shorten(entry.question[lang], 50) if entry else None

    summary = format_summary(report, _, esc, lambda text: f"<b>{text}</b>", title)
    await answer_long(message, summary, stats_keyboard())


async def stats_command(message: Message, command: CommandObject, stats: StatsQueries, privacy: PrivacyService,
                        knowledge: KnowledgeBase, i18n: I18n) -> None:
    days, csv = DEFAULT_DAYS, False
    for arg in (command.args or "").lower().split():
        if arg == "csv":
            csv = True
        elif arg.isdigit() and len(arg) <= 3 and 1 <= int(arg) <= MAX_DAYS:
            days = int(arg)
        else:
            await message.answer(_("Usage: /stats [DAYS] [csv], for example /stats 30 or /stats csv (DAYS: 1 to {max})")
                                 .format(max=MAX_DAYS))
            return
    await send_stats(message, days, csv, stats, privacy, knowledge, i18n.current_locale)


async def stats_view(query: CallbackQuery, callback_data: StatsView, stats: StatsQueries, privacy: PrivacyService,
                     knowledge: KnowledgeBase, i18n: I18n) -> None:
    await query.answer()
    if query.message is not None:
        await send_stats(query.message, callback_data.days, callback_data.csv, stats, privacy, knowledge,
                         i18n.current_locale)


def create_router() -> Router:
    router = Router(name="insights")
    router.message.filter(PRIVATE_CHAT)
    admin = IsAdmin()
    router.message.register(review, Command("review"), admin)
    router.message.register(stats_command, Command("stats"), admin)
    router.callback_query.register(review_add, ReviewAdd.filter(), admin)
    router.callback_query.register(review_decision, ReviewDecision.filter(F.action.in_(REVIEW_ACTIONS)), admin)
    router.callback_query.register(stats_view, StatsView.filter(), admin)
    router.message.register(refuse, Command("review", "stats"))
    router.callback_query.register(refuse, ReviewAdd.filter())
    router.callback_query.register(refuse, ReviewDecision.filter())
    router.callback_query.register(refuse, StatsView.filter())
    return router
