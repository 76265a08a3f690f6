"""Find the FAQ entry a question asks about.

Every canonical question and variant is analysed into terms (:mod:`bot.core.analysis`) and indexed per
language. A question is analysed by both language pipelines and compared with the texts of that
language, so a wrong language guess costs little. Terms are weighted by inverse document frequency over
entries: "аким" or "мыйзам", present almost everywhere, weigh little; "коллегия" or "резерв" weigh a lot.
Typos are absorbed by fuzzy term expansion (rapidfuzz over the vocabulary, plus shared prefixes).

A text's score is the weighted F-measure of two coverages: how much of the question the text explains
and how much of the text the question touches. Unknown words in the question count against it, which is
what keeps "the akim's phone number" from being answered with the akim's powers.

The outcome is banded: an answer only when the best entry is strong and clearly ahead of the runner-up;
suggestions (at most three) when something is plausible; otherwise nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.core.analysis import LANGUAGES, analyze, detect_language, small_talk_kind
from bot.core.knowledge import FaqEntry
from bot.core.lexicon import INTENT_PREFIX


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.58  # the best entry's score needed to answer (tuned on held-out variants: bench/evaluate.py --tune)
    margin: float = 0.14  # ... and its lead over the second entry
    suggest: float = 0.30  # the lowest score worth suggesting
    suggest_ratio: float = 0.55  # suggestions within this fraction of the best score
    max_suggestions: int = 3
    other_language: float = 0.92  # factor on texts in the language the question is not in
    beta: float = 1.6  # >1 weighs the question's coverage above the text's
    intent_weight: float = 0.5  # question-word intents ("?who") weigh this fraction of their IDF
    # An entry's score mixes three views of it (weights sum to 1): its best single question text
    # (F-measure), all its question texts as one bag, and its answer (both by how much of the question
    # they cover). The bag and the answer find words a single variant lacks; the best text rewards
    # a question phrased the way the entry already knows.
    w_text: float = 0.5
    w_bag: float = 0.35
    w_answer: float = 0.15


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    lang: str


@dataclass(frozen=True)
class MatchResult:
    query: str
    lang: str  # the language the question is in (best guess; falls back to the caller's)
    lang_confidence: float
    status: str  # "answer" | "suggest" | "none"
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[Candidate, ...] = ()
    small_talk: str | None = None  # "greeting" | "thanks" when that is all the message is
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "lang": self.lang,
            "status": self.status,
            "id": self.entry_id if self.status == "answer" else None,
            "score": round(self.score, 4),
            "suggestions": [{"id": c.entry_id, "score": round(c.score, 4)} for c in self.suggestions],
        }


_QUERY_COVERAGE_ONLY = 1000.0  # a beta this large turns the F-measure into the question's coverage


class _LanguageIndex:
    """Inverted index over the texts of one language."""

    def __init__(
        self, lang: str, texts: list[tuple[int, tuple[str, ...]]], n_entries: int, intent_weight: float = 1.0
    ):
        self.lang = lang
        self.doc_entry: list[int] = []
        self.doc_terms: list[frozenset[str]] = []
        df: dict[str, set[int]] = {}
        for entry_idx, terms in texts:
            unique = frozenset(terms)
            if not unique:
                continue
            self.doc_entry.append(entry_idx)
            self.doc_terms.append(unique)
            for term in unique:
                df.setdefault(term, set()).add(entry_idx)
        n = max(n_entries, 1)
        self.idf = {
            term: math.log(1 + n / len(entries)) * (intent_weight if term.startswith(INTENT_PREFIX) else 1.0)
            for term, entries in df.items()
        }
        self.unknown_idf = math.log(1 + n) if df else 1.0
        self.postings: dict[str, list[int]] = {}
        for doc, terms in enumerate(self.doc_terms):
            for term in terms:
                self.postings.setdefault(term, []).append(doc)
        self.doc_weight = [sum(self.idf[t] for t in terms) for terms in self.doc_terms]
        self.vocabulary = sorted(self.idf)
        self.vocabulary_set = frozenset(self.vocabulary)
        self._expansions: dict[str, tuple[tuple[str, float], ...]] = {}

    def expand(self, term: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary terms that ``term`` may stand for, each with a similarity in (0, 1]."""
        cached = self._expansions.get(term)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if term in self.idf:
            found[term] = 1.0
        if len(term) >= 4 and not term.isdigit() and not term.startswith(INTENT_PREFIX):
            # Shared beginnings: an unstripped ending or a longer derivation of the same root.
            start = bisect_left(self.vocabulary, term[:4])
            for other in self.vocabulary[start:]:
                if not other.startswith(term[:4]):
                    break
                if other != term and (other.startswith(term) or term.startswith(other)) and min(len(other), len(term)) >= 4:
                    shorter, longer = sorted((len(other), len(term)))
                    found.setdefault(other, 0.75 + 0.2 * shorter / longer)
            if term not in self.idf:
                cutoff = 75 if len(term) >= 6 else 80
                for other, score, _ in process.extract(
                    term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4
                ):
                    sim = 0.5 + 0.45 * (score - cutoff) / (100 - cutoff)
                    if sim > found.get(other, 0):
                        found[other] = sim
        result = tuple(sorted(found.items(), key=lambda kv: -kv[1]))
        if len(self._expansions) < 100_000:
            self._expansions[term] = result
        return result

    def score_docs(self, terms: Sequence[str], beta: float) -> dict[int, float]:
        """Score every text that shares at least one (expanded) term with the question."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        query_weight = 0.0
        matched_q: dict[int, float] = {}
        matched_d: dict[int, float] = {}
        has_content: dict[int, bool] = {}  # a text that shares only question words is no match
        for term in unique:
            expansions = self.expand(term)
            if not expansions:
                # An unknown word is evidence the question is about something else; an intent word the
                # texts never use is not.
                query_weight += 0.0 if term.startswith(INTENT_PREFIX) else self.unknown_idf
                continue
            weight = self.idf[expansions[0][0]]
            query_weight += weight
            best: dict[int, float] = {}
            for other, sim in expansions:
                idf_other = self.idf[other]
                for doc in self.postings[other]:
                    if sim > best.get(doc, 0.0):
                        best[doc] = sim
                    # Text-side coverage: each of the text's terms counts once, at its best similarity.
                    matched_d[doc] = matched_d.get(doc, 0.0) + sim * idf_other
            is_content = not term.startswith(INTENT_PREFIX)
            for doc, sim in best.items():
                matched_q[doc] = matched_q.get(doc, 0.0) + sim * weight
                if is_content:
                    has_content[doc] = True
        b2 = beta * beta
        scores = {}
        if query_weight == 0:
            return {}
        for doc, q_hit in matched_q.items():
            if doc not in has_content:
                continue
            q = q_hit / query_weight
            d = min(1.0, matched_d[doc] / self.doc_weight[doc])
            scores[doc] = (1 + b2) * q * d / (b2 * d + q) if q + d else 0.0
        return scores


class Matcher:
    """An immutable index over FAQ entries; build a new one to change what it knows."""

    def __init__(self, entries: Iterable[FaqEntry], thresholds: Thresholds | None = None):
        self.entries: list[FaqEntry] = list(entries)
        self.thresholds = thresholds or Thresholds()
        self._ids = [e.id for e in self.entries]
        self._by_id = {e.id: e for e in self.entries}
        t = self.thresholds
        self._indexes = {
            lang: _LanguageIndex(
                lang,
                [(i, analyze(text, lang)) for i, e in enumerate(self.entries) for text in e.texts(lang)],
                len(self.entries),
                t.intent_weight,
            )
            for lang in LANGUAGES
        }
        # Two further views per entry: all its questions as one bag of terms, and its answer text, which
        # says things people ask about in words the questions do not use ("образование", "Джантаев").
        self._bag_indexes = {
            lang: _LanguageIndex(
                lang,
                [(i, tuple(t for text in e.texts(lang) for t in analyze(text, lang))) for i, e in enumerate(self.entries)],
                len(self.entries),
                t.intent_weight,
            )
            for lang in LANGUAGES
        }
        self._answer_indexes = {
            lang: _LanguageIndex(
                lang, [(i, analyze(e.answer[lang], lang)) for i, e in enumerate(self.entries)], len(self.entries)
            )
            for lang in LANGUAGES
        }
        self._vocabulary = {lang: index.vocabulary_set for lang, index in self._indexes.items()}

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def detect_language(self, text: str) -> tuple[str | None, float]:
        return detect_language(text, self._vocabulary)

    def rank(self, text: str, lang: str | None = None) -> list[Candidate]:
        """Every entry with any evidence, best first (one score per entry: its best text)."""
        t = self.thresholds
        text_score: dict[int, tuple[float, str]] = {}
        bag: dict[int, float] = {}
        answer: dict[int, float] = {}
        for index_lang in LANGUAGES:
            terms = analyze(text, index_lang)
            factor = 1.0 if lang in (None, index_lang) else t.other_language
            texts = self._indexes[index_lang]
            for doc, score in texts.score_docs(terms, t.beta).items():
                entry_idx = texts.doc_entry[doc]
                if score * factor > text_score.get(entry_idx, (0.0, ""))[0]:
                    text_score[entry_idx] = (score * factor, index_lang)
            for index, into in ((self._bag_indexes[index_lang], bag), (self._answer_indexes[index_lang], answer)):
                for doc, cover in index.score_docs(terms, _QUERY_COVERAGE_ONLY).items():
                    entry_idx = index.doc_entry[doc]
                    into[entry_idx] = max(into.get(entry_idx, 0.0), cover * factor)
        best: dict[int, Candidate] = {}
        for entry_idx in text_score.keys() | bag.keys() | answer.keys():
            score, found_lang = text_score.get(entry_idx, (0.0, lang or "ky"))
            score = t.w_text * score + t.w_bag * bag.get(entry_idx, 0.0) + t.w_answer * answer.get(entry_idx, 0.0)
            best[entry_idx] = Candidate(self._ids[entry_idx], score, found_lang)
        return sorted(best.values(), key=lambda c: (-c.score, c.entry_id))

    def match(self, text: str, fallback_lang: str = "ky") -> MatchResult:
        query = text.strip()
        detected, confidence = self.detect_language(query)
        lang = detected or fallback_lang
        talk = small_talk_kind(query)
        if talk or not (_has_content(analyze(query, "ky")) or _has_content(analyze(query, "ru"))):
            return MatchResult(query, lang, confidence, "none", small_talk=talk)
        ranked = self.rank(query, detected)[:5]
        status, entry_id, suggestions = decide(ranked, self.thresholds)
        top = ranked[0].score if ranked else 0.0
        return MatchResult(query, lang, confidence, status, entry_id, top, suggestions, candidates=tuple(ranked))


def _has_content(terms: Sequence[str]) -> bool:
    """Numbers and question words alone ("123", "кто?") are not a question the FAQ can answer."""
    return any(not t.startswith(INTENT_PREFIX) and not t.isdigit() for t in terms)


def decide(ranked: Sequence[Candidate], t: Thresholds) -> tuple[str, str | None, tuple[Candidate, ...]]:
    """Band a ranking into (status, answered id, suggestions): the single place the thresholds apply."""
    if not ranked:
        return "none", None, ()
    top = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    if top.score >= t.answer and top.score - second >= t.margin:
        return "answer", top.entry_id, ()
    floor = max(t.suggest, top.score * t.suggest_ratio)
    suggestions = tuple(c for c in ranked[: t.max_suggestions] if c.score >= floor)
    return ("suggest" if suggestions else "none"), None, suggestions
