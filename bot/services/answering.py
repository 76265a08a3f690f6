"""Answering a question: match it, pick the reply language, and log it before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge import FaqEntry
from bot.core.matcher import MatchResult
from bot.services.knowledge import KnowledgeBase
from bot.storage.database import QuestionLog

MAX_QUESTION_CHARS = 1000  # longer messages are matched on their beginning; the log keeps all of it
LANGUAGE_SWITCH_CONFIDENCE = 0.5


def reply_language(chosen: str, detected: str | None, confidence: float) -> str:
    """The user's chosen language, unless the question is clearly written in the other one."""
    if detected and detected != chosen and confidence >= LANGUAGE_SWITCH_CONFIDENCE:
        return detected
    return chosen


@dataclass(frozen=True)
class Reply:
    question_id: int
    lang: str
    result: MatchResult
    entry: FaqEntry | None  # set when status == "answer"
    suggestions: tuple[FaqEntry, ...]


class AnsweringService:
    def __init__(self, knowledge: KnowledgeBase, log: QuestionLog):
        self.knowledge = knowledge
        self.log = log

    async def ask(self, *, user_id: int, chat_id: int, text: str, chosen_lang: str) -> Reply:
        matcher = self.knowledge.matcher  # one index for the whole question, even if a rebuild lands now
        result = matcher.match(text[:MAX_QUESTION_CHARS], fallback_lang=chosen_lang)
        lang = reply_language(chosen_lang, result.lang if result.lang_confidence else None, result.lang_confidence)
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
        )
        return Reply(question_id, lang, result, entry, suggestions)
