"""Answering a question: match it and log it (with its outcome) before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge import FaqEntry
from bot.core.matcher import Matcher, MatchResult
from bot.services.knowledge import KnowledgeBase
from bot.storage.feedback import MATCH, Feedback
from bot.storage.questions import QuestionLog

MAX_QUESTION_CHARS = 1000  # longer messages are matched on their beginning; the log keeps all of it


@dataclass(frozen=True)
class Reply:
    question_id: int
    lang: str
    result: MatchResult
    entry: FaqEntry | None  # set when status == "answer"
    suggestions: tuple[FaqEntry, ...]
    shown_id: int | None = None  # the answer as shown (bot/storage/feedback.py), when there is one


def best_answers(matcher: Matcher, text: str, lang: str, limit: int = 5) -> list[FaqEntry]:
    """The entries worth offering for ``text`` (inline mode): the answer and the other candidates that are
    likely enough to suggest, as the matcher bands them; nothing when it would answer "not found"."""
    result = matcher.match(text[:MAX_QUESTION_CHARS], fallback_lang=lang)
    if result.status == "none":
        return []
    floor = matcher.thresholds.suggest
    ids = [result.entry_id] if result.entry_id else []
    ids += [c.entry_id for c in result.suggestions]
    ids += [c.entry_id for c in result.candidates if c.score >= floor]
    entries = []
    for entry_id in dict.fromkeys(ids):
        entry = matcher.entry(entry_id)
        if entry is not None:
            entries.append(entry)
    return entries[:limit]


class AnsweringService:
    def __init__(self, knowledge: KnowledgeBase, log: QuestionLog, feedback: Feedback):
        self.knowledge = knowledge
        self.log = log
        self.feedback = feedback

    async def ask(self, *, user_id: int, chat_id: int, text: str, lang: str, update_id: int | None = None,
                  question_lang: str | None = None) -> Reply:
        """Match ``text`` and log it; ``lang`` is the language the asker is answered in (decided by
        bot.services.language), ``question_lang`` the language the text was detected in, if any."""
        matcher = self.knowledge.matcher  # one index for the whole question, even if a rebuild lands now
        result = matcher.match(text[:MAX_QUESTION_CHARS], fallback_lang=lang)
        entry = matcher.entry(result.entry_id) if result.entry_id else None
        suggestions = tuple(e for c in result.suggestions if (e := matcher.entry(c.entry_id)))
        question_id = await self.log.record(
            user_id=user_id,
            chat_id=chat_id,
            text=text,
            lang=lang,
            status=result.small_talk or result.status,
            entry_id=result.entry_id,
            score=result.score,
            candidates=[(c.entry_id, c.score) for c in result.candidates[:3]],
            update_id=update_id,
            question_lang=question_lang,
        )
        shown_id = None
        if entry is not None:
            shown_id = await self.feedback.shown(user_id=user_id, entry_id=entry.id, lang=lang, source=MATCH,
                                                 question_id=question_id)
        return Reply(question_id, lang, result, entry, suggestions, shown_id)
