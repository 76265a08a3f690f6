"""Any text in a private chat is a question: answer it, offer suggestions, or say kindly that we have none."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import LOCALES
from bot.services.answering import MAX_QUESTION_CHARS, AnsweringService, Reply
from bot.services.knowledge import KnowledgeBase
from bot.services.review import other_candidates, question_language, stored_candidates
from bot.storage.feedback import BROWSE, DOWN, UP, Feedback
from bot.storage.questions import QuestionLog
from bot.storage.users import User
from bot.telegram.answers import share_for, show_answer
from bot.telegram.callbacks import OpenEntry, PickSuggestion, Vote
from bot.telegram.filters import PRIVATE_CHAT, OnLoop
from bot.telegram.keyboards import answer_keyboard, ask_button, escalate_keyboard, suggestions_keyboard, with_vote
from bot.telegram.relay import OfficialsRelay
from bot.telegram.render import answer_text
from bot.telegram.sending import answer_long

log = logging.getLogger(__name__)


def reply_notes(message: Message, text: str, late: bool) -> str:
    """What the person should know about how their message was read, before the answer itself."""
    notes = []
    if late:
        notes.append(_("Sorry for the wait: the bot was restarting. Here is the answer to your question."))
    if message.text is None:
        notes.append(_("I read only the caption: I cannot open photos or files."))
    if len(text) > MAX_QUESTION_CHARS:
        notes.append(_("Your message is long: I read its first {limit} characters.").format(limit=MAX_QUESTION_CHARS))
    return "".join(note + "\n\n" for note in notes)


def reply_for(reply: Reply, escalatable: int | None, share: str | None = None) -> tuple[str, object]:
    """The text and keyboard answering a matched question (in the current locale). Under an answer: the
    runner-ups, 👍/👎 (👎 leads to the other candidates and an official) and "Share"."""
    result = reply.result
    if result.small_talk == "greeting":
        return _("Hello! Ask me a question about the powers of akims and mayors."), None
    if result.small_talk == "thanks":
        return _("You are welcome! Ask if you have more questions."), None
    if result.small_talk == "junk":
        return _("Please write your question in words, for example: Who appoints the akim of a district?"), None
    if reply.entry is not None:
        text = answer_text(reply.entry, reply.lang)
        if reply.suggestions:
            text += "\n\n" + _("Other questions:")
        return text, answer_keyboard(reply.suggestions, reply.lang, reply.question_id, shown_id=reply.shown_id,
                                     share=share, ask=ask_button(escalatable, escalatable is not None))
    if reply.suggestions:
        return (_("I am not sure which question you mean. Choose one:"),
                suggestions_keyboard(reply.suggestions, reply.lang, escalatable, reply.question_id))
    text = _(
        "I could not find this in the FAQ. Try asking in other words, with the key terms: "
        "akim, mayor, aiyl okmotu, collegium, personnel reserve. /help shows examples."
    )
    if escalatable is not None:
        text += "\n\n" + _("Or send the question to an official: the answer will come here.")
    return text, escalate_keyboard(escalatable)


async def question(
    message: Message, user: User, answering: AnsweringService, question_log: QuestionLog, relay: OfficialsRelay,
    i18n: I18n, event_update: Update, bot: Bot, question_lang: str | None = None, late: bool = False,
    replayed: bool = False,
) -> None:
    if replayed:
        done = await question_log.by_update(event_update.update_id)
        if done is not None and done["replied_at"]:
            return  # answered before the restart; only the "done" mark was missing
    text = message.text or message.caption or ""  # a photo or file with a caption: the caption is the question
    reply = await answering.ask(user_id=user.id, chat_id=message.chat.id, text=text, lang=i18n.current_locale,
                                update_id=event_update.update_id, question_lang=question_lang)
    escalatable = reply.question_id if relay.chat_id is not None else None
    share = await share_for(bot, reply.entry, reply.lang) if reply.entry is not None else None
    body, markup = reply_for(reply, escalatable, share)
    await answer_long(message, reply_notes(message, text, late) + body, markup)
    await question_log.mark_replied(reply.question_id)


async def open_entry(query: CallbackQuery, callback_data: OpenEntry, knowledge: KnowledgeBase, feedback: Feedback,
                     user: User, bot: Bot, i18n: I18n, relay: OfficialsRelay) -> None:
    """An entry opened from /topics (or a suggestion button from before suggestions were logged)."""
    entry = knowledge.entry(callback_data.entry_id)
    with i18n.use_locale(callback_data.lang):
        if entry is None or query.message is None:
            log.info("suggestion for a missing entry %r from user %s", callback_data.entry_id, query.from_user.id)
            await query.answer(_("This answer is no longer available. Please ask again."), show_alert=True)
            return
        await query.answer()
        await show_answer(query.message, bot, feedback, user_id=user.id, entry=entry, lang=callback_data.lang,
                          source=BROWSE, officials=relay.chat_id is not None)


async def pick_suggestion(query: CallbackQuery, callback_data: PickSuggestion, knowledge: KnowledgeBase,
                          feedback: Feedback, question_log: QuestionLog, user: User, bot: Bot, i18n: I18n,
                          relay: OfficialsRelay) -> None:
    """A suggestion (or a runner-up) picked for the person's own question: the answer, and the question
    remembered as a candidate variant of that entry (added to the FAQ only by an admin in /review)."""
    row = await question_log.get(callback_data.question_id)
    if row is None or row["user_id"] != user.id or query.message is None:
        log.warning("suggestion for question %s refused for user %s", callback_data.question_id, user.id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    lang = row["lang"] if row["lang"] in LOCALES else i18n.current_locale
    entry = knowledge.entry(callback_data.entry_id)
    with i18n.use_locale(lang):
        if entry is None:
            await query.answer(_("This answer is no longer available. Please ask again."), show_alert=True)
            return
        await query.answer()
        shown_id = await feedback.picked(question_id=row["id"], user_id=user.id, entry_id=entry.id, lang=lang,
                                         variant_lang=question_language(row, knowledge.matcher))
        await show_answer(query.message, bot, feedback, user_id=user.id, entry=entry, lang=lang, source="suggestion",
                          officials=relay.chat_id is not None, question_id=row["id"], shown_id=shown_id)


async def vote(query: CallbackQuery, callback_data: Vote, feedback: Feedback, knowledge: KnowledgeBase,
               question_log: QuestionLog, relay: OfficialsRelay, user: User, i18n: I18n) -> None:
    """👍 or 👎 on an answer (changeable; stored per answer shown). 👎 offers the question's other
    candidates and an official, as "did not help" did."""
    value = UP if callback_data.up else DOWN
    voted = await feedback.vote(callback_data.shown_id, user.id, value)
    if voted is None:
        log.warning("vote on answer %s refused for user %s", callback_data.shown_id, user.id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    shown, before = voted
    if query.message is not None and before != value:
        markup = with_vote(getattr(query.message, "reply_markup", None), shown["id"], value)
        if markup is not None:
            try:
                await query.message.edit_reply_markup(reply_markup=markup)
            except TelegramBadRequest as exc:  # an old message, or one Telegram no longer lets us edit
                log.info("vote marks not shown on answer %s: %s", shown["id"], exc.message)
    lang = shown["lang"] if shown["lang"] in LOCALES else i18n.current_locale
    with i18n.use_locale(lang):
        if value == UP:
            await query.answer(_("Thank you! Glad it helped."))
            return
        await query.answer(_("Thank you for telling us.") if before == DOWN else None)
        if before == DOWN or query.message is None:
            return  # the other candidates were offered already
        text, markup = _after_thumbs_down(shown, await _question_of(shown, question_log), knowledge, relay, lang)
        await query.message.answer(text, reply_markup=markup)


async def _question_of(shown, question_log: QuestionLog):
    return await question_log.get(shown["question_id"]) if shown["question_id"] is not None else None


def _after_thumbs_down(shown, question, knowledge: KnowledgeBase, relay: OfficialsRelay, lang: str):
    """(text, keyboard): the question's other candidates, and the way to an official."""
    text = _("Sorry that it did not help.")
    if question is None:  # opened from /topics or a link: there is no question of theirs to send on
        return text + " " + _("Write your question in your own words: I will look for it in the FAQ, and if it "
                              "is not there you can send it to an official."), None
    others = [knowledge.entry(i) for i in other_candidates(
        stored_candidates(question), exclude=[shown["entry_id"]], exists=lambda i: knowledge.entry(i) is not None)]
    escalatable = question["id"] if relay.chat_id is not None else None
    if others:
        return (text + " " + _("Perhaps you meant one of these:"),
                suggestions_keyboard(others, lang, escalatable, question["id"]))
    if escalatable is not None:
        return (text + " " + _("You can send the question to an official: the answer will come here."),
                escalate_keyboard(escalatable))
    return text + " " + _("Try asking in other words, with the key terms. /help shows examples."), None


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(PRIVATE_CHAT)
    router.message.register(question, OnLoop(F.text & ~F.text.startswith("/")))
    router.message.register(question, OnLoop(F.caption & ~F.caption.startswith("/")))
    router.callback_query.register(open_entry, OpenEntry.filter(F.lang.in_(LOCALES)))
    router.callback_query.register(pick_suggestion, PickSuggestion.filter())
    router.callback_query.register(vote, Vote.filter())
    return router
