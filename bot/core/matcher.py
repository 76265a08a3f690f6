"""Find the FAQ entry a question asks about.

A message is first read (:mod:`bot.core.reading`): greetings, introductions, thanks and place names are set
aside, the clauses that ask are the focus and the story around them is context that counts a quarter.
Junk (no words) and small talk are recognised there and answered without matching.

Every canonical question and variant is analysed into terms (:mod:`bot.core.analysis`) and indexed per
language. A question is analysed by both language pipelines and compared with the texts of that
language, so a wrong language guess costs little; code-switched questions are also covered word by word
in whichever language each word is written in. Terms are weighted by inverse document frequency over
entries: "аким" or "мыйзам", present almost everywhere, weigh little; "коллегия" or "резерв" weigh a lot.
Typos are absorbed by fuzzy term expansion (rapidfuzz over the vocabulary, plus shared prefixes).

Each entry is seen three ways (its best question text, all its questions as one bag, its answer), each by
how much of the question it covers and how much of itself the question touches; unknown words count
against the question, which keeps "the akim's phone number" from being answered with the akim's powers.
Three more kinds of evidence say when a question in an entry's words is about something else: the
entry's key terms the question lacks ("министров" for "who appoints the akim"), and the institutions,
countries, posts, attributes (:mod:`bot.core.scope`) and dates the question names and the entry's texts
never do. The entries with the most evidence go to the ranker (:mod:`bot.core.ranker`), which turns
their evidence into probabilities with "none of them" as an option.

The outcome is banded on those probabilities (:func:`decide`): an answer when the best is likely enough,
or a clear leader far ahead of the runner-up and of "none of them", with the still-plausible runner-ups
shown under it; suggestions (at most three) when something is plausible but nothing leads; otherwise
nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.core import ranker_weights, scope
from bot.core.analysis import LANGUAGES, analyze, detect_language, small_talk_kind, word_units
from bot.core.bounded import BoundedCache
from bot.core.corpus import Terms, analyze_many, analyze_scope
from bot.core.index import TermIndex, dedupe_grouped, f_measure, idf_over_entries
from bot.core.knowledge import FaqEntry
from bot.core.lexicon import INTENT_PREFIX
from bot.core.ranker import BASE_FEATURES, QUERY_FEATURES, Ranker, entry_features, length_of
from bot.core.reading import Reading, read
from bot.core.text import fuzzy_form


# Candidates are chosen by a fixed mix of the three views before the ranker looks at them; the mix only
# has to keep the right entry among the first few.
PRESCORE_TEXT, PRESCORE_BAG, PRESCORE_ANSWER = 0.5, 0.35, 0.15
# A content term that at least this share of an entry's texts (in one language) use is one of its key terms.
KEY_SHARE = 0.4
# A scope gap this large (the question names an institution, country or attribute that neither the entry's
# questions nor, at 1.0, its answer name) keeps the entry from being answered: it may still be offered.
# On our own held-out messages it cost half a point of top-1 and saved a third of the out-of-scope answers.
SCOPE_VETO = 0.5
# Per-entry caches filled as questions arrive (the entries that become candidates): at most this many each.
ENTRY_CACHE_SIZE = 2048
# The character-level similarity compares the question with this many of a candidate's best texts per language.
FUZZY_TEXTS = 6


@dataclass(frozen=True)
class Thresholds:
    # The probabilities are chosen by bench/train_ranker.py on cross-validated held-out variants, our own
    # messages and out-of-scope questions, never on the development sets.
    answer: float = ranker_weights.ANSWER  # the best entry's probability that is enough to answer
    lead: float = ranker_weights.LEAD  # a clear leader is answered from this probability ...
    lead_ratio: float = ranker_weights.LEAD_RATIO  # ... when it is this many times the runner-up and "none"
    suggest: float = ranker_weights.SUGGEST  # the lowest probability worth offering as a suggestion
    none_limit: float = ranker_weights.NONE_LIMIT  # nothing is suggested when "none of them" is this likely
    max_suggestions: int = 3
    candidates: int = 6  # entries the ranker compares (the right one is among them for 98 % of our questions)
    other_language: float = 0.92  # factor on texts in the language the question is not in
    beta: float = 1.6  # >1 weighs the question's coverage above the text's
    intent_weight: float = 0.5  # question-word intents ("?who") weigh this fraction of their IDF
    context_weight: float = 0.25  # words around the question (its story) weigh this fraction of its own


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    lang: str
    # False when the question names an institution, country or attribute (or a date) the entry's questions
    # never do: the entry may be offered, never answered (bot.core.scope).
    answerable: bool = True


@dataclass(frozen=True)
class MatchResult:
    query: str
    lang: str  # the language the question is in (best guess; falls back to the caller's)
    lang_confidence: float
    status: str  # "answer" | "suggest" | "none"
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[Candidate, ...] = ()
    small_talk: str | None = None  # "greeting" | "thanks" when that is all the message is; "junk": no words
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
    # Per candidate: may it be answered? Not when the question names something outside its scope that its
    # questions never name ("Сколько депутатов в Жогорку Кенеше?" is not the local kenesh's size, however
    # clearly that entry leads), nor a date its texts and answer never name.
    answerable: np.ndarray | None = None


class Matcher:
    """An immutable index over FAQ entries; build a new one to change what it knows."""

    def __init__(self, entries: Iterable[FaqEntry], thresholds: Thresholds | None = None, ranker: Ranker | None = None):
        self.entries: list[FaqEntry] = list(entries)
        self.thresholds = thresholds or Thresholds()
        self.ranker = ranker or Ranker.trained()
        self._ids = [e.id for e in self.entries]
        self._by_id = {e.id: e for e in self.entries}
        self._indexes: dict[str, TermIndex] = {}
        self._bag_indexes: dict[str, TermIndex] = {}
        self._answer_indexes: dict[str, TermIndex] = {}
        self._keys: dict[str, tuple[np.ndarray, list[tuple[str, ...]], np.ndarray]] = {}
        n = len(self.entries)
        # Per entry, both languages: the scope markers and posts its question texts name, those its answer
        # names, and the months and years its texts and answer name (bit sets of bot.core.scope).
        self._scope_texts = np.zeros(n, dtype=np.int64)
        self._scope_answers = np.zeros(n, dtype=np.int64)
        self._dates = np.zeros(n, dtype=np.int64)
        with _gc_paused():
            for lang in LANGUAGES:
                self._build(lang)
        self._vocabulary = {lang: index.vocabulary_set for lang, index in self._indexes.items()}
        # Filled on first use (most entries never become a candidate), each bounded.
        self._entry_terms: BoundedCache[tuple[str, int], frozenset[str]] = BoundedCache(ENTRY_CACHE_SIZE)
        self._fuzzy_texts: BoundedCache[tuple[str, int], tuple[str, ...]] = BoundedCache(ENTRY_CACHE_SIZE)
        self._question_terms: BoundedCache[tuple[str, int], frozenset[str]] = BoundedCache(ENTRY_CACHE_SIZE)

    def _build(self, lang: str) -> None:
        """Three views per language: every question text; all of an entry's questions as one bag; its
        answer, which says things people ask about in words the questions do not use ("образование")."""
        n = len(self.entries)
        terms = Terms()
        per_entry = [e.texts(lang) for e in self.entries]
        doc_entry = np.repeat(np.arange(n, dtype=np.int64), [len(texts) for texts in per_entry])
        questions = analyze_many([text for texts in per_entry for text in texts], lang, terms, scope=True)
        answers = analyze_many([e.answer[lang] for e in self.entries], lang, terms, scope=True)
        # What each entry's texts (and its answer) name, for the scope features: one bit set per entry.
        starts = np.flatnonzero(np.r_[True, doc_entry[1:] != doc_entry[:-1]]) if len(doc_entry) else doc_entry
        in_texts = np.zeros(n, dtype=np.int64)
        text_dates = np.zeros(n, dtype=np.int64)
        if len(doc_entry):
            in_texts[doc_entry[starts]] = np.bitwise_or.reduceat(questions.scope, starts)
            text_dates[doc_entry[starts]] = np.bitwise_or.reduceat(questions.dates, starts)
        self._scope_texts |= in_texts
        self._scope_answers |= answers.scope
        self._dates |= text_dates | answers.dates
        n_terms = len(terms.names)
        text_doc, text_term = dedupe_grouped(questions.doc, questions.term, n_terms)
        bag_entry, bag_term = dedupe_grouped(doc_entry[text_doc], text_term, n_terms, presorted=True)
        idf = idf_over_entries(bag_term, terms, n, self.thresholds.intent_weight)
        self._indexes[lang] = TermIndex(doc_entry, text_doc, text_term, terms, idf, n)
        entries = np.arange(n, dtype=np.int64)
        self._bag_indexes[lang] = TermIndex(entries, bag_entry, bag_term, terms, idf, n, keep_doc_terms=True)
        self._bag_indexes[lang].share_expansions(self._indexes[lang])  # same words, same weights
        self._keys[lang] = _key_terms(doc_entry, doc_entry[text_doc], text_term, terms, n)
        answer_doc, answer_term = dedupe_grouped(answers.doc, answers.term, n_terms)
        self._answer_indexes[lang] = TermIndex(
            entries, answer_doc, answer_term, terms, idf_over_entries(answer_term, terms, n, 1.0), n, keep_doc_terms=True
        )

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def detect_language(self, text: str) -> tuple[str | None, float]:
        return detect_language(text, self._vocabulary)

    def evidence(self, text: str, lang: str | None = None, context: str = "") -> Evidence | None:
        """Features of the ``t.candidates`` entries with the most evidence (None when no entry has any).
        ``text`` is what is asked; the words of ``context`` (the story around it) count ``t.context_weight``
        as much in the coverages."""
        t = self.thresholds
        n = len(self.entries)
        per_lang: dict[str, np.ndarray] = {}  # best text F-measure per entry
        coverages: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}  # per text: (q, d, factor)
        text_scores: dict[str, np.ndarray] = {}  # per text: F-measure of q and d
        bag, answer, intent = np.zeros(n), np.zeros(n), np.zeros(n)
        unknown, content_words = 1.0, 0
        for index_lang in LANGUAGES:
            asked = analyze(text, index_lang)
            terms, weights = asked, None
            if context and t.context_weight > 0:
                own = set(asked)
                around = [x for x in analyze(context, index_lang) if x not in own and not x.startswith(INTENT_PREFIX)]
                if around:
                    terms = (*asked, *around)
                    weights = [1.0] * len(asked) + [t.context_weight] * len(around)
            factor = 1.0 if lang in (None, index_lang) else t.other_language
            texts = self._indexes[index_lang]
            found = texts.coverages(terms, weights)
            if found is None:
                per_lang[index_lang] = np.zeros(n)
            else:
                q, d, unknown_share = found
                unknown = min(unknown, unknown_share)
                doc_f = f_measure(q, d, t.beta)
                per_lang[index_lang] = texts.per_entry_max(doc_f, n) * factor
                coverages[index_lang] = (q, d, factor)
                text_scores[index_lang] = doc_f
            content_words = max(content_words, sum(not term.startswith(INTENT_PREFIX) for term in asked))
            for index, into in ((self._bag_indexes[index_lang], bag), (self._answer_indexes[index_lang], answer)):
                found = index.coverages(terms, weights)
                if found is not None:
                    np.maximum(into, index.per_entry_max(found[0], n) * factor, out=into)
            np.maximum(intent, self._bag_indexes[index_lang].has_all(
                [term for term in terms if term.startswith(INTENT_PREFIX)], n), out=intent)
        ky, ru = per_lang["ky"], per_lang["ru"]
        text_score = np.maximum(ky, ru)
        prescore = PRESCORE_TEXT * text_score + PRESCORE_BAG * bag + PRESCORE_ANSWER * answer
        found = np.flatnonzero(prescore > 0)
        if not len(found):
            return None
        if len(found) > t.candidates:
            found = found[np.argpartition(-prescore[found], t.candidates - 1)[: t.candidates]]
        chosen = np.array(sorted(found.tolist(), key=lambda i: (-prescore[i], self._ids[i])), dtype=np.int64)
        fuzzy = self._fuzzy(fuzzy_form(text[:2000]), chosen.tolist(), text_scores)
        # The best question and text coverage per candidate (each at its own best text), per language.
        query_cover, text_cover = np.zeros(len(chosen)), np.zeros(len(chosen))
        for index_lang, (q, d, factor) in coverages.items():
            index = self._indexes[index_lang]
            np.maximum(query_cover, index.entry_max(q, chosen.tolist()) * factor, out=query_cover)
            np.maximum(text_cover, index.entry_max(d, chosen.tolist()) * factor, out=text_cover)
        text_c = text_score[chosen]
        bag_c = bag[chosen]
        langs = tuple("ky" if ky[i] >= ru[i] else "ru" for i in chosen)
        unexplained = np.array([self._left_unexplained(text, lang_, i) for lang_, i in zip(langs, chosen.tolist(), strict=True)])
        asked, asked_dates = analyze_scope(text)
        scope_gap = np.array([scope.gap(asked, self._scope_texts[i], self._scope_answers[i], scope.MARKER_MASK)
                              for i in chosen.tolist()])
        post_gap = np.array([scope.gap(asked, self._scope_texts[i], self._scope_answers[i], scope.POST_MASK)
                             for i in chosen.tolist()])
        date_gap = (asked_dates & ~self._dates[chosen]) != 0
        key_missing = self._key_missing(text, chosen.tolist())
        mixed, unknown_mixed = self._bag_mixed(text, chosen.tolist())
        if mixed is None:
            mixed, unknown_mixed = bag[chosen], unknown
        by_name = {
            "text": text_c,
            "bag": bag_c,
            "answer": answer[chosen],
            "text_squared": text_c**2,
            "bag_x_text": bag_c * text_c,
            "question_coverage": query_cover,
            "text_coverage": text_cover,
            "intent": intent[chosen],
            "fuzzy": fuzzy,
            "fuzzy_squared": fuzzy**2,
            "unexplained": unexplained[:, 0],
            "rarest_unexplained": unexplained[:, 1],
            "bag_mixed": mixed,
            "key_missing": key_missing,
            "scope_gap": scope_gap,
            "post_gap": post_gap,
            "date_gap": date_gap,
        }
        length = length_of(content_words)
        features = entry_features(np.column_stack([by_name[name] for name in BASE_FEATURES]), length)
        query = np.array([{"bias": 1.0, "unknown": min(unknown, unknown_mixed), "brevity": 1.0 / (1 + content_words),
                           "length": length}[name] for name in QUERY_FEATURES])
        one_shared_word = content_words <= 1 and np.count_nonzero(bag) > 1
        answerable = (scope_gap < SCOPE_VETO) & ~date_gap
        return Evidence(chosen, features, query, langs, one_shared_word, answerable)

    def _bag_mixed(self, text: str, chosen: list[int]) -> tuple[np.ndarray | None, float]:
        """(per candidate: the IDF-weighted share of the question's content words found among the
        entry's question texts, each word in whichever language covers it best; the share of the
        question's weight in words neither language knows). Code-switched questions ("айыл өкмөт башчысын
        увольнять кылса болобу") are half unknown to each language on its own. (None, 0) for a question
        with no word known only in Kyrgyz or none known only in Russian: the bag view already says it."""
        n = len(chosen)
        units = word_units(text)
        known = [[any(self._bag_indexes[lang].expand(term) for term in terms) for lang, terms in zip(LANGUAGES, unit)]
                 for unit in units]
        if not ({(True, False), (False, True)} <= {tuple(k) for k in known}):
            return None, 0.0  # not code-switched: the bag view says the same
        own = {lang: [self._bag_terms(lang, i) for i in chosen] for lang in LANGUAGES}
        total = unknown = 0.0
        hit = np.zeros(n)
        for unit in units:
            weight = 0.0
            best = [0.0] * n
            for lang, terms in zip(LANGUAGES, unit, strict=True):
                index = self._bag_indexes[lang]
                shares = [0.0] * n
                for term in terms:
                    expansions = index.expand(term)
                    if not expansions:
                        continue
                    weight = max(weight, index.idf[expansions[0][0]])
                    for k, terms_of_entry in enumerate(own[lang]):
                        shares[k] += max((sim for other, sim in expansions if other in terms_of_entry), default=0.0)
                best = [max(b, s / len(terms)) for b, s in zip(best, shares, strict=True)]
            if weight == 0.0:
                weight = self._bag_indexes["ky"].unknown_idf  # unknown in both languages
                unknown += weight
            total += weight
            hit += weight * np.array(best)
        return (hit / total, unknown / total) if total else (hit, 0.0)

    def _bag_terms(self, lang: str, entry_idx: int) -> frozenset[str]:
        return self._question_terms.get_or_make((lang, entry_idx), lambda: self._bag_indexes[lang].doc_terms(entry_idx))

    def _key_missing(self, text: str, chosen: list[int]) -> np.ndarray:
        """Per candidate: the share of its key terms (weighted by how many of its texts use them) that the
        question lacks, in the language where it lacks the fewest. "Кто назначает министров?" lacks
        "аким", the key of every text of the akim's appointment."""
        out = np.full(len(chosen), np.inf)
        for lang in LANGUAGES:
            index = self._indexes[lang]
            reach = {other for term in analyze(text, lang) for other, _ in index.expand(term)}
            ptr, names, shares = self._keys[lang]
            for k, i in enumerate(chosen):
                keys, weights = names[i], shares[ptr[i] : ptr[i + 1]]
                if keys:
                    missing = sum(w for key, w in zip(keys, weights.tolist(), strict=True) if key not in reach)
                    out[k] = min(out[k], missing / float(weights.sum()))
        out[np.isinf(out)] = 0.0  # no key terms in either language: nothing to miss
        return out

    def _left_unexplained(self, text: str, lang: str, entry_idx: int) -> tuple[float, float]:
        """How much of the question's known vocabulary the entry (texts and answer) does not explain: the
        IDF-weighted share, and the weight of the rarest such word relative to the question's rarest word.
        "Срок полномочий президента" is all known words, but the term-of-office entry never says "президент".
        """
        index = self._indexes[lang]
        own = self._entry_terms.get_or_make(
            (lang, entry_idx),
            lambda: self._bag_indexes[lang].doc_terms(entry_idx) | self._answer_indexes[lang].doc_terms(entry_idx),
        )
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

    def _fuzzy(self, folded_query: str, chosen: list[int], text_scores: dict[str, np.ndarray]) -> np.ndarray:
        """Per candidate: rapidfuzz token_set_ratio of the question with the closest of its texts, 0..1.
        Only each candidate's FUZZY_TEXTS best texts by the term scores (per language) are compared: the
        character-level score only has to see past typos and word order, and it is the costliest step."""
        texts: list[str] = []
        counts: list[int] = []
        for i in chosen:
            n_before = len(texts)
            for lang, doc_f in text_scores.items():
                start, end = self._indexes[lang].entry_docs(i)
                if end == start:
                    continue
                best = np.argsort(-doc_f[start:end], kind="stable")[:FUZZY_TEXTS].tolist()
                own = self._fuzzy_texts.get_or_make((lang, i), lambda i=i, lang=lang: tuple(
                    fuzzy_form(x) for x in self.entries[i].texts(lang)))
                texts.extend(own[j] for j in best)
            counts.append(len(texts) - n_before)
        out = np.zeros(len(chosen))
        if not texts or not folded_query:
            return out
        scores = process.cdist([folded_query], texts, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
        ends = np.cumsum(counts)
        for k, (start, end) in enumerate(zip(ends - counts, ends, strict=True)):
            if end > start:
                out[k] = scores[start:end].max() / 100
        return out

    def rank(self, text: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        """The ``limit`` likeliest entries, best first, each scored by its probability (ties: by id)."""
        return self._ranked(self.evidence(text, lang), limit)[0]

    def _ranked(self, found: Evidence | None, limit: int) -> tuple[list[Candidate], float]:
        """(the likeliest candidates, the probability of none of them)."""
        if found is None:
            return [], 1.0
        probabilities, none = self.ranker.probabilities(found.features, found.query)
        order = sorted(range(len(found.entries)), key=lambda k: (-probabilities[k], self._ids[found.entries[k]]))
        answerable = found.answerable if found.answerable is not None else np.ones(len(found.entries), dtype=bool)
        return [
            Candidate(self._ids[found.entries[k]], float(probabilities[k]), found.lang[k], bool(answerable[k]))
            for k in order[:limit]
        ], none

    def known(self, word: str) -> bool:
        """Whether the knowledge base's questions use ``word`` (in either language's analysis)."""
        return any(term in self._vocabulary[lang] for lang in LANGUAGES for term in analyze(word, lang))

    def read(self, text: str) -> Reading:
        """The message as :mod:`bot.core.reading` reads it: what asks, what only surrounds it."""
        return read(text, self.known)

    def question_evidence(self, text: str) -> Evidence | None:
        """The evidence match() decides on: None for junk, small talk, contentless input or no evidence."""
        query = text.strip()
        reading = self.read(query)
        if reading.junk or small_talk_kind(query) or not _has_content(reading.focus):
            return None
        return self.evidence(reading.focus, self.detect_language(query)[0], reading.context)

    def match(self, text: str, fallback_lang: str = "ky") -> MatchResult:
        query = text.strip()
        detected, confidence = self.detect_language(query)
        lang = detected or fallback_lang
        reading = self.read(query)
        if reading.junk:
            return MatchResult(query, lang, confidence, "none", small_talk="junk")
        talk = small_talk_kind(query)
        if talk or not _has_content(reading.focus):
            return MatchResult(query, lang, confidence, "none", small_talk=talk)
        found = self.evidence(reading.focus, detected, reading.context)
        ranked, none = self._ranked(found, limit=5)
        status, entry_id, suggestions = decide(
            ranked, self.thresholds, may_answer=not (found and found.one_shared_word), none=none
        )
        top = ranked[0].score if ranked else 0.0
        return MatchResult(query, lang, confidence, status, entry_id, top, suggestions, candidates=tuple(ranked))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building allocates millions of short-lived lists and tuples, none in reference cycles; the cyclic
    collector would walk them again and again (about 15 % of a large build). Cycles made elsewhere
    meanwhile are collected as soon as the build ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _key_terms(doc_entry: np.ndarray, pair_entry: np.ndarray, pair_term: np.ndarray, terms: Terms,
               n_entries: int) -> tuple[np.ndarray, list[tuple[str, ...]], np.ndarray]:
    """Per entry, its key terms in one language: the content terms at least ``KEY_SHARE`` of its texts use,
    with that share. ``pair_entry``/``pair_term``: unique (text, term) pairs mapped to their entries.
    Returns (pointer per entry, term names per entry, shares) in entry order."""
    n_terms = max(len(terms.names), 1)
    texts_per_entry = np.bincount(doc_entry, minlength=n_entries)
    keys, counts = np.unique(pair_entry * n_terms + pair_term, return_counts=True)
    entry, term = np.divmod(keys, n_terms)
    share = counts / np.maximum(texts_per_entry[entry], 1)
    intent = np.fromiter((name.startswith(INTENT_PREFIX) for name in terms.names), dtype=bool, count=len(terms.names))
    keep = (share >= KEY_SHARE) & ~intent[term]
    entry, term, share = entry[keep], term[keep], share[keep]
    ptr = np.zeros(n_entries + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry, minlength=n_entries), out=ptr[1:])
    names = [tuple(terms.names[x] for x in term[ptr[i] : ptr[i + 1]].tolist()) for i in range(n_entries)]
    return ptr, names, share


def _has_content(query: str) -> bool:
    """Numbers and question words alone ("123", "кто?") are not a question the FAQ can answer."""
    return any(
        not t.startswith(INTENT_PREFIX) and not t.isdigit() for lang in LANGUAGES for t in analyze(query, lang)
    )


def leads(ranked: Sequence[Candidate], t: Thresholds, none: float) -> bool:
    """The first candidate is likely enough on its own, or a clear leader: likely enough and far ahead of
    both the runner-up and "none of them"."""
    if not ranked:
        return False
    top = ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return top >= t.answer or (top >= t.lead and top >= t.lead_ratio * max(second, none))


def decide(
    ranked: Sequence[Candidate], t: Thresholds, may_answer: bool = True, none: float = 0.0
) -> tuple[str, str | None, tuple[Candidate, ...]]:
    """Band a ranking (scores are probabilities; ``none`` is the probability of none of them) into
    (status, answered id, suggestions): the single place the thresholds apply. An answer carries the
    runner-ups that are still plausible (shown under it as other questions); "suggest" is for the rest."""
    if not ranked:
        return "none", None, ()
    if may_answer and ranked[0].answerable and leads(ranked, t, none):
        return "answer", ranked[0].entry_id, tuple(c for c in ranked[1 : 1 + t.max_suggestions] if c.score >= t.suggest)
    if none >= t.none_limit:
        return "none", None, ()  # most likely about something the FAQ does not cover: offer nothing
    suggestions = tuple(c for c in ranked[: t.max_suggestions] if c.score >= t.suggest)
    return ("suggest" if suggestions else "none"), None, suggestions
