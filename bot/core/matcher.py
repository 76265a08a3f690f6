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

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.analysis import LANGUAGES, analyze, detect_language, small_talk_kind
from bot.core.knowledge import FaqEntry
from bot.core import ranker_weights
from bot.core.lexicon import INTENT_PREFIX
from bot.core.ranker import Ranker
from bot.core.text import fold, normalize


# Candidates are chosen by a fixed mix of the three views before the ranker looks at them; the mix only
# has to keep the right entry among the first few (it does for 99 % of held-out variants).
PRESCORE_TEXT, PRESCORE_BAG, PRESCORE_ANSWER = 0.5, 0.35, 0.15


@dataclass(frozen=True)
class Thresholds:
    # Both probabilities are chosen by bench/train_ranker.py on held-out variants, never on dev questions.
    answer: float = ranker_weights.ANSWER  # the best entry's probability needed to answer
    suggest: float = ranker_weights.SUGGEST  # the lowest probability worth offering as a suggestion
    max_suggestions: int = 3
    candidates: int = 10  # entries the ranker compares
    other_language: float = 0.92  # factor on texts in the language the question is not in
    beta: float = 1.6  # >1 weighs the question's coverage above the text's
    intent_weight: float = 0.5  # question-word intents ("?who") weigh this fraction of their IDF


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


def _idf(bags: Sequence[frozenset[str]], intent_weight: float) -> dict[str, float]:
    """IDF over entries (one bag of terms per entry): a term every entry uses weighs almost nothing."""
    df: dict[str, int] = {}
    for bag in bags:
        for term in bag:
            df[term] = df.get(term, 0) + 1
    n = max(len(bags), 1)
    return {
        term: math.log(1 + n / count) * (intent_weight if term.startswith(INTENT_PREFIX) else 1.0)
        for term, count in df.items()
    }


class _LanguageIndex:
    """Inverted index over the texts of one language, with term weights computed over entries.

    Postings are numpy arrays so that scoring a question touches each posting in C, not in Python:
    with ten thousand entries a common word like "аким" has tens of thousands of postings.
    """

    def __init__(self, lang: str, docs: list[tuple[int, frozenset[str]]], idf: dict[str, float], n_entries: int):
        self.lang = lang
        kept = [(entry_idx, terms) for entry_idx, terms in docs if terms]
        self.doc_entry = np.fromiter((e for e, _ in kept), dtype=np.int32, count=len(kept))
        self.doc_terms = [terms for _, terms in kept]
        self.n_docs = len(kept)
        self.idf = idf
        self.unknown_idf = math.log(1 + max(n_entries, 1)) if idf else 1.0
        postings: dict[str, list[int]] = {}
        for doc, terms in enumerate(self.doc_terms):
            for term in terms:
                postings.setdefault(term, []).append(doc)
        self.postings = {term: np.asarray(docs_, dtype=np.int32) for term, docs_ in postings.items()}
        self.doc_weight = np.fromiter((sum(idf[t] for t in terms) for terms in self.doc_terms), dtype=np.float64,
                                      count=self.n_docs)
        # Docs are stored entry by entry: the first doc of each entry, for per-entry maxima.
        if self.n_docs:
            self._starts = np.flatnonzero(np.r_[True, self.doc_entry[1:] != self.doc_entry[:-1]])
        else:
            self._starts = np.zeros(0, dtype=np.int64)
        self._entries_present = self.doc_entry[self._starts] if self.n_docs else self.doc_entry
        self.vocabulary = sorted(postings)
        self.vocabulary_set = frozenset(self.vocabulary)
        self._expansions: dict[str, tuple[tuple[str, float], ...]] = {}

    def per_entry_max(self, doc_scores: np.ndarray, n_entries: int) -> np.ndarray:
        out = np.zeros(n_entries)
        if self.n_docs:
            out[self._entries_present] = np.maximum.reduceat(doc_scores, self._starts)
        return out

    def has_all(self, terms: Sequence[str], n_entries: int) -> np.ndarray:
        """1.0 for entries with a text holding every one of ``terms`` (none given: all zeros)."""
        out = np.zeros(n_entries)
        if not terms or not self.n_docs:
            return out
        hits = np.zeros(self.n_docs, dtype=np.int32)
        for term in set(terms):
            docs = self.postings.get(term)
            if docs is None:
                return out
            hits[docs] += 1
        out[self.doc_entry[hits == len(set(terms))]] = 1.0
        return out

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

    def coverages(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Per text: (question coverage, text coverage, share of the question's weight that is unknown).

        Question coverage is the IDF-weighted share of the question's terms found in the text, at their
        best fuzzy similarity; text coverage is the same the other way. None when no text shares a
        content term with the question.
        """
        query_weight = unknown_weight = 0.0
        q_hit = np.zeros(self.n_docs)
        d_hit = np.zeros(self.n_docs)
        content = np.zeros(self.n_docs, dtype=bool)  # a text that shares only question words is no match
        for term in dict.fromkeys(terms):
            expansions = self.expand(term)
            is_content = not term.startswith(INTENT_PREFIX)
            if not expansions:
                # An unknown word is evidence the question is about something else; an unknown
                # question word is not.
                if is_content:
                    query_weight += self.unknown_idf
                    unknown_weight += self.unknown_idf
                continue
            weight = self.idf[expansions[0][0]]
            query_weight += weight
            best = np.zeros(self.n_docs)
            for other, sim in expansions:
                docs = self.postings[other]
                best[docs] = np.maximum(best[docs], sim)
                d_hit[docs] += sim * self.idf[other]  # one posting per text and term: no repeats in docs
            q_hit += weight * best
            if is_content:
                content |= best > 0
        if query_weight == 0 or not content.any():
            return None
        q = np.where(content, q_hit / query_weight, 0.0)
        d = np.where(content, np.minimum(1.0, d_hit / self.doc_weight), 0.0)
        return q, d, unknown_weight / query_weight

    def score_docs(self, terms: Sequence[str], beta: float) -> np.ndarray | None:
        """A score for every text: the weighted F-measure of the two coverages (0 where nothing is shared)."""
        found = self.coverages(terms)
        if found is None:
            return None
        q, d, _ = found
        return f_measure(q, d, beta)


def f_measure(q: np.ndarray, d: np.ndarray, beta: float) -> np.ndarray:
    b2 = beta * beta
    denominator = b2 * d + q
    return np.divide((1 + b2) * q * d, denominator, out=np.zeros(len(q)), where=denominator > 0)


@dataclass(frozen=True)
class Evidence:
    """What the matcher knows about a question's best few entries: the ranker's input."""

    entries: np.ndarray  # entry indexes of the candidates, best pre-score first
    features: np.ndarray  # one row per candidate, columns as ranker.ENTRY_FEATURES
    query: np.ndarray  # ranker.QUERY_FEATURES of the question
    lang: tuple[str, ...]  # per candidate, the language of its best-matching text
    # One content word that several entries' questions use ("мэр", "кенеш"): whichever entry ranks first,
    # the person has not said which of them they mean, so the bot offers them instead of answering.
    one_shared_word: bool = False


class Matcher:
    """An immutable index over FAQ entries; build a new one to change what it knows."""

    def __init__(self, entries: Iterable[FaqEntry], thresholds: Thresholds | None = None, ranker: Ranker | None = None):
        self.entries: list[FaqEntry] = list(entries)
        self.thresholds = thresholds or Thresholds()
        self.ranker = ranker or Ranker.trained()
        self._ids = [e.id for e in self.entries]
        self._by_id = {e.id: e for e in self.entries}
        t = self.thresholds
        self._indexes: dict[str, _LanguageIndex] = {}
        self._bag_indexes: dict[str, _LanguageIndex] = {}
        self._answer_indexes: dict[str, _LanguageIndex] = {}
        self._entry_terms: dict[str, list[frozenset[str]]] = {}  # per entry: every term of its texts and answer
        for lang in LANGUAGES:
            texts = [(i, frozenset(analyze(text, lang))) for i, e in enumerate(self.entries) for text in e.texts(lang)]
            bags: list[set[str]] = [set() for _ in self.entries]
            for i, terms in texts:
                bags[i] |= terms
            frozen_bags = [frozenset(b) for b in bags]
            idf = _idf(frozen_bags, t.intent_weight)
            self._indexes[lang] = _LanguageIndex(lang, texts, idf, len(self.entries))
            # Two further views per entry: all its questions as one bag of terms, and its answer, which
            # says things people ask about in words the questions do not use ("образование", "Джантаев").
            self._bag_indexes[lang] = _LanguageIndex(lang, list(enumerate(frozen_bags)), idf, len(self.entries))
            answers = [frozenset(analyze(e.answer[lang], lang)) for e in self.entries]
            self._entry_terms[lang] = [bag | answer for bag, answer in zip(frozen_bags, answers, strict=True)]
            self._answer_indexes[lang] = _LanguageIndex(
                lang, list(enumerate(answers)), _idf(answers, 1.0), len(self.entries)
            )
        self._vocabulary = {lang: index.vocabulary_set for lang, index in self._indexes.items()}
        self._fuzzy_texts: dict[int, tuple[str, ...]] = {}  # filled on first use: most entries never need it

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def detect_language(self, text: str) -> tuple[str | None, float]:
        return detect_language(text, self._vocabulary)

    def evidence(self, text: str, lang: str | None = None) -> Evidence | None:
        """Features of the ``t.candidates`` entries with the most evidence (None when no entry has any)."""
        t = self.thresholds
        n = len(self.entries)
        per_lang: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        bag, answer, intent = np.zeros(n), np.zeros(n), np.zeros(n)
        unknown, content_words = 1.0, 0
        for index_lang in LANGUAGES:
            terms = analyze(text, index_lang)
            factor = 1.0 if lang in (None, index_lang) else t.other_language
            texts = self._indexes[index_lang]
            found = texts.coverages(terms)
            if found is None:
                per_lang[index_lang] = (np.zeros(n), np.zeros(n), np.zeros(n))
            else:
                q, d, unknown_share = found
                unknown = min(unknown, unknown_share)
                per_lang[index_lang] = tuple(
                    texts.per_entry_max(view, n) * factor for view in (f_measure(q, d, t.beta), q, d)
                )
            content_words = max(content_words, sum(not term.startswith(INTENT_PREFIX) for term in terms))
            for index, into in ((self._bag_indexes[index_lang], bag), (self._answer_indexes[index_lang], answer)):
                found = index.coverages(terms)
                if found is not None:
                    np.maximum(into, index.per_entry_max(found[0], n) * factor, out=into)
            np.maximum(intent, self._bag_indexes[index_lang].has_all(
                [term for term in terms if term.startswith(INTENT_PREFIX)], n), out=intent)
        ky, ru = per_lang["ky"], per_lang["ru"]
        text_score = np.maximum(ky[0], ru[0])
        prescore = PRESCORE_TEXT * text_score + PRESCORE_BAG * bag + PRESCORE_ANSWER * answer
        found = np.flatnonzero(prescore > 0)
        if not len(found):
            return None
        if len(found) > t.candidates:
            found = found[np.argpartition(-prescore[found], t.candidates - 1)[: t.candidates]]
        chosen = np.array(sorted(found.tolist(), key=lambda i: (-prescore[i], self._ids[i])), dtype=np.int64)
        folded_query = fold(normalize(text[:2000]))
        fuzzy = np.array([self._fuzzy(folded_query, i) for i in chosen])
        text_c = text_score[chosen]
        bag_c = bag[chosen]
        features = np.column_stack([
            text_c,
            bag_c,
            answer[chosen],
            text_c**2,
            bag_c * text_c,
            np.maximum(ky[1], ru[1])[chosen],
            np.maximum(ky[2], ru[2])[chosen],
            intent[chosen],
            fuzzy,
            fuzzy**2,
        ])
        query = np.array([1.0, unknown, 1.0 / (1 + content_words)])
        langs = tuple("ky" if ky[0][i] >= ru[0][i] else "ru" for i in chosen)
        left = np.array([self._left_unexplained(text, lang_, i) for lang_, i in zip(langs, chosen.tolist(), strict=True)])
        features = np.column_stack([features, left])
        one_shared_word = content_words <= 1 and np.count_nonzero(bag) > 1
        return Evidence(chosen, features, query, langs, one_shared_word)

    def _left_unexplained(self, text: str, lang: str, entry_idx: int) -> tuple[float, float]:
        """How much of the question's known vocabulary the entry (texts and answer) does not explain: the
        IDF-weighted share, and the weight of the rarest such word relative to the question's rarest word.
        "Срок полномочий президента" is all known words, but the term-of-office entry never says "президент".
        """
        index = self._indexes[lang]
        own = self._entry_terms[lang][entry_idx]
        total = missing = rarest_missing = rarest = 0.0
        for term in dict.fromkeys(analyze(text, lang)):
            if term.startswith(INTENT_PREFIX):
                continue
            expansions = index.expand(term)
            if not expansions:
                continue  # unknown everywhere: the query feature "unknown" speaks for it
            weight = index.idf[expansions[0][0]]
            total += weight
            rarest = max(rarest, weight)
            if not any(other in own for other, _ in expansions):
                missing += weight
                rarest_missing = max(rarest_missing, weight)
        if total == 0:
            return 0.0, 0.0
        return missing / total, rarest_missing / rarest

    def _fuzzy(self, folded_query: str, entry_idx: int) -> float:
        texts = self._fuzzy_texts.get(entry_idx)
        if texts is None:
            e = self.entries[entry_idx]
            texts = tuple(fold(normalize(x)) for lang in LANGUAGES for x in e.texts(lang))
            self._fuzzy_texts[entry_idx] = texts
        best = process.extractOne(folded_query, texts, scorer=fuzz.token_set_ratio)
        return best[1] / 100 if best else 0.0

    def rank(self, text: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        """The ``limit`` likeliest entries, best first, each scored by its probability (ties: by id)."""
        return self._ranked(self.evidence(text, lang), limit)

    def _ranked(self, found: Evidence | None, limit: int) -> list[Candidate]:
        if found is None:
            return []
        probabilities, _ = self.ranker.probabilities(found.features, found.query)
        order = sorted(range(len(found.entries)), key=lambda k: (-probabilities[k], self._ids[found.entries[k]]))
        return [
            Candidate(self._ids[found.entries[k]], float(probabilities[k]), found.lang[k]) for k in order[:limit]
        ]

    def match(self, text: str, fallback_lang: str = "ky") -> MatchResult:
        query = text.strip()
        detected, confidence = self.detect_language(query)
        lang = detected or fallback_lang
        talk = small_talk_kind(query)
        if talk or not (_has_content(analyze(query, "ky")) or _has_content(analyze(query, "ru"))):
            return MatchResult(query, lang, confidence, "none", small_talk=talk)
        found = self.evidence(query, detected)
        ranked = self._ranked(found, limit=5)
        status, entry_id, suggestions = decide(ranked, self.thresholds, may_answer=not (found and found.one_shared_word))
        top = ranked[0].score if ranked else 0.0
        return MatchResult(query, lang, confidence, status, entry_id, top, suggestions, candidates=tuple(ranked))


def _has_content(terms: Sequence[str]) -> bool:
    """Numbers and question words alone ("123", "кто?") are not a question the FAQ can answer."""
    return any(not t.startswith(INTENT_PREFIX) and not t.isdigit() for t in terms)


def decide(
    ranked: Sequence[Candidate], t: Thresholds, may_answer: bool = True
) -> tuple[str, str | None, tuple[Candidate, ...]]:
    """Band a ranking (scores are probabilities) into (status, answered id, suggestions): the single place
    the thresholds apply."""
    if not ranked:
        return "none", None, ()
    top = ranked[0]
    if may_answer and top.score >= t.answer:
        return "answer", top.entry_id, ()
    suggestions = tuple(c for c in ranked[: t.max_suggestions] if c.score >= t.suggest)
    return ("suggest" if suggestions else "none"), None, suggestions
