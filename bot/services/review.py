"""Learning from the question log (no aiogram here): which FAQ entries a question most likely meant, the
other candidates to offer after a 👎, and turning a reviewed question into a variant of an entry (cleaned
of names and phone numbers, versioned like any edit, live at once)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.config import LOCALES
from bot.core.knowledge import FaqEntry
from bot.core.personal import clean_text, known_words
from bot.core.matcher import Matcher
from bot.services.admin import KnowledgeAdmin
from bot.services.knowledge import KnowledgeBase
from bot.services.language import confident_language
from bot.storage.database import Row
from bot.storage.questions import QuestionLog
from bot.storage.review import NEW, OUT_OF_SCOPE, SKIP, VARIANT, ReviewStore

LIKELY_ENTRIES = 4
OTHER_CANDIDATES = 3


def stored_candidates(row: Row | dict) -> list[str]:
    """The entry ids the matcher considered for a logged question, best first."""
    try:
        return [str(pair[0]) for pair in json.loads(row["candidates"] or "[]")]
    except (TypeError, ValueError, IndexError):
        return []


def other_candidates(candidates: Iterable[str], exclude: Iterable[str], exists: Callable[[str], bool],
                     limit: int = OTHER_CANDIDATES) -> list[str]:
    """After a 👎: the question's other candidates (not the ones already shown), still in the FAQ."""
    excluded = set(exclude)
    out: list[str] = []
    for entry_id in candidates:
        if entry_id not in excluded and entry_id not in out and exists(entry_id):
            out.append(entry_id)
    return out[:limit]


def likely_entries(*, picked: Sequence[str], stored: Sequence[str], ranked_now: Sequence[str], down: Sequence[str],
                   exists: Callable[[str], bool], limit: int = LIKELY_ENTRIES) -> list[str]:
    """The entries a reviewed question most likely belongs to: what the person picked first (their own
    choice), then what the matcher considered when they asked, then what it ranks now (the FAQ may have
    changed since). An answer the person voted 👎 is left out unless they also picked it."""
    out: list[str] = []
    for entry_id in (*picked, *stored, *ranked_now):
        if entry_id in out or not exists(entry_id):
            continue
        if entry_id in down and entry_id not in picked:
            continue
        out.append(entry_id)
    return out[:limit]


def question_language(row: Row | dict, matcher: Matcher) -> str:
    """The language a logged question is written in: as detected when asked, else now, else the
    language it was answered in."""
    stored = row["question_lang"] if "question_lang" in row.keys() else None
    if stored in LOCALES:
        return stored
    detected = confident_language(*matcher.detect_language(row["text"]))
    if detected:
        return detected
    return row["lang"] if row["lang"] in LOCALES else LOCALES[0]


@dataclass(frozen=True)
class ReviewItem:
    question: Row
    lang: str  # the language the question is written in: its variant goes there
    cleaned: str  # the question without names and phone numbers, as it would be added
    details: dict
    likely: list[FaqEntry]
    waiting: int  # questions waiting, this one included


class Cleaner:
    """clean_text with the FAQ's own vocabulary (a word the FAQ uses is never a name), rebuilt when the
    FAQ changes."""

    def __init__(self, knowledge: KnowledgeBase):
        self.knowledge = knowledge
        self._for: object = None
        self._known: frozenset[str] = frozenset()

    def known(self) -> frozenset[str]:
        matcher = self.knowledge.matcher
        if self._for is not matcher:
            self._known = known_words(
                text for e in matcher.entries for lang in LOCALES
                for text in (e.question[lang], e.answer[lang], e.basis[lang], *e.variants[lang])
            )
            self._for = matcher
        return self._known

    def __call__(self, text: str, mask: str = "") -> str:
        return clean_text(text, self.known(), mask)


class ReviewService:
    def __init__(self, store: ReviewStore, knowledge: KnowledgeBase, kb_admin: KnowledgeAdmin, cleaner: Cleaner,
                 questions: QuestionLog):
        self.store = store
        self.questions = questions
        self.knowledge = knowledge
        self.kb_admin = kb_admin
        self.clean = cleaner

    async def item(self, row: Row) -> ReviewItem:
        matcher = self.knowledge.matcher
        details = await self.store.details(row["id"])
        lang = question_language(row, matcher)
        ranked = [c.entry_id for c in matcher.rank(row["text"][:1000], lang, limit=LIKELY_ENTRIES)]
        ids = likely_entries(picked=details["picked"], stored=stored_candidates(row), ranked_now=ranked,
                             down=details["down"], exists=lambda i: matcher.entry(i) is not None)
        return ReviewItem(row, lang, self.clean(row["text"]), details, [matcher.entry(i) for i in ids],
                          await self.store.count_waiting())

    async def next(self, before: int | None = None) -> ReviewItem | None:
        rows = await self.store.waiting(1, before)
        if not rows and before is not None:
            rows = await self.store.waiting(1)  # from the newest again
        return await self.item(rows[0]) if rows else None

    async def question(self, question_id: int) -> Row | None:
        return await self.questions.get(question_id)

    async def add_variant(self, row: Row, entry_id: str, actor: int) -> tuple[str, str, bool]:
        """Add the cleaned question as a variant of ``entry_id`` in its language (KnowledgeError, KeyError
        as KnowledgeAdmin raises them; a text the entry already has is not added twice); the decision is
        remembered. Returns (language, variant, added)."""
        lang = question_language(row, self.knowledge.matcher)
        variant = self.clean(row["text"])
        current = self.knowledge.entry(entry_id)
        added = current is None or variant.casefold() not in {t.casefold() for t in current.texts(lang)}
        if added:
            await self.kb_admin.add_variant(entry_id, lang, variant, actor)
        await self.store.decide(row["id"], VARIANT, actor, entry_id)
        return lang, variant, added

    async def decide(self, question_id: int, action: str, actor: int) -> None:
        decision = {"new": NEW, "skip": SKIP, "scope": OUT_OF_SCOPE}[action]
        await self.store.decide(question_id, decision, actor)
