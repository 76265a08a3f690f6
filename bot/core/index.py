"""The inverted indexes the matcher scores against, built from whole arrays at once.

One :class:`TermIndex` holds the texts of one view in one language: the questions and variants (one doc
per text), all of an entry's questions as one bag (one doc per entry), or the answers (one doc per
entry). Postings are grouped by term in one numpy array (CSR), so scoring a question touches each
posting in C, and so does building: the only Python work per text is in :mod:`bot.core.corpus`.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.bounded import BoundedCache
from bot.core.corpus import Terms
from bot.core.lexicon import INTENT_PREFIX


EXPANSION_CACHE = 8_192


def dedupe_grouped(doc: np.ndarray, term: np.ndarray, n_terms: int, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Unique (doc, term) pairs grouped by term, docs ascending within a term.

    ``doc`` must be ascending (pairs come text by text). A stable sort by term then leaves the docs of each
    term in order, so a repeated pair is next to its twin. Term ids that fit 16 bits sort by radix.
    """
    if not presorted and len(term):
        keys = term.astype(np.uint16) if n_terms <= 1 << 16 else term
        order = np.argsort(keys, kind="stable")
        doc, term = doc[order], term[order]
    if len(term) > 1:
        keep = np.empty(len(term), dtype=bool)
        keep[0] = True
        np.not_equal(term[1:], term[:-1], out=keep[1:])
        keep[1:] |= doc[1:] != doc[:-1]
        doc, term = doc[keep], term[keep]
    return doc, term


def idf_over_entries(entry_term: np.ndarray, terms: Terms, n_entries: int, intent_weight: float) -> np.ndarray:
    """IDF per term id from unique (entry, term) pairs: a term every entry uses weighs almost nothing;
    question-word intents ("?who") weigh ``intent_weight`` of theirs."""
    df = np.bincount(entry_term, minlength=len(terms.names))
    idf = np.log1p(max(n_entries, 1) / np.maximum(df, 1)) * (df > 0)
    if intent_weight != 1.0:
        intents = np.fromiter((n.startswith(INTENT_PREFIX) for n in terms.names), dtype=bool, count=len(terms.names))
        idf[intents] *= intent_weight
    return idf


class TermIndex:
    """Postings of one view in one language, with term weights computed over entries."""

    def __init__(
        self,
        doc_entry: np.ndarray,
        post_doc: np.ndarray,
        post_term: np.ndarray,
        terms: Terms,
        idf_by_id: np.ndarray,
        n_entries: int,
        keep_doc_terms: bool = False,
    ):
        """``doc_entry``: the entry of every doc (docs stored entry by entry); ``post_doc``/``post_term``:
        unique pairs grouped by term (:func:`dedupe_grouped`)."""
        self.n_docs = len(doc_entry)
        self.doc_entry = doc_entry
        n_terms = len(terms.names)
        counts = np.bincount(post_term, minlength=n_terms)
        self._ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=self._ptr[1:])
        self._docs = post_doc.astype(np.intp)  # numpy indexes with intp: int32 would be converted per query
        present = np.flatnonzero(counts).tolist()
        names = [terms.names[i] for i in present]
        self._term_id = dict(zip(names, present, strict=True))
        self.idf = dict(zip(names, idf_by_id[present].tolist(), strict=True))
        self.unknown_idf = math.log(1 + max(n_entries, 1)) if names else 1.0
        self.doc_weight = np.bincount(post_doc, weights=idf_by_id[post_term], minlength=self.n_docs)
        if self.n_docs:
            self._starts = np.flatnonzero(np.r_[True, doc_entry[1:] != doc_entry[:-1]])
            self._entries_present = doc_entry[self._starts]
        else:
            self._starts = self._entries_present = np.zeros(0, dtype=np.int64)
        self._entry_ptr = np.zeros(n_entries + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc_entry, minlength=n_entries), out=self._entry_ptr[1:])
        self._one_doc_per_entry = self.n_docs == n_entries and bool(np.all(doc_entry == np.arange(n_entries)))
        self.vocabulary = sorted(names)
        self.vocabulary_set = frozenset(names)
        # Typo and prefix expansions of the words questions use, the most recent EXPANSION_CACHE of them.
        self._expansions: BoundedCache[str, tuple[tuple[str, float], ...]] = BoundedCache(EXPANSION_CACHE)
        self._by_first_letter: dict[str, list[str]] | None = None  # built on the first unknown word
        self._doc_terms: tuple[np.ndarray, np.ndarray] | None = None
        if keep_doc_terms:  # the terms of a doc, for "which of the question's words does this entry use"
            order = np.argsort(post_doc, kind="stable")
            doc_ptr = np.zeros(self.n_docs + 1, dtype=np.int64)
            np.cumsum(np.bincount(post_doc, minlength=self.n_docs), out=doc_ptr[1:])
            self._doc_terms = (doc_ptr, post_term[order])
        self._names = terms.names

    def share_expansions(self, other: TermIndex) -> None:
        """Use ``other``'s cache of typo expansions: only for an index over the same terms and weights."""
        if self.vocabulary != other.vocabulary or self.idf != other.idf:
            raise ValueError("different vocabularies")
        self._expansions = other._expansions

    def postings(self, term: str) -> np.ndarray:
        tid = self._term_id[term]
        return self._docs[self._ptr[tid] : self._ptr[tid + 1]]

    def doc_terms(self, doc: int) -> frozenset[str]:
        if self._doc_terms is None:
            raise ValueError("built without keep_doc_terms")
        ptr, term_ids = self._doc_terms
        return frozenset(self._names[t] for t in term_ids[ptr[doc] : ptr[doc + 1]].tolist())

    def per_entry_max(self, doc_scores: np.ndarray, n_entries: int) -> np.ndarray:
        if self._one_doc_per_entry:
            return doc_scores
        out = np.zeros(n_entries)
        if self.n_docs:
            out[self._entries_present] = np.maximum.reduceat(doc_scores, self._starts)
        return out

    def entry_docs(self, entry: int) -> tuple[int, int]:
        """The range of doc ids of one entry (its texts, in the order they were given)."""
        return int(self._entry_ptr[entry]), int(self._entry_ptr[entry + 1])

    def entry_max(self, doc_scores: np.ndarray, entries: Sequence[int]) -> np.ndarray:
        """The best doc score of each of a few ``entries`` (0 for an entry without docs)."""
        ptr = self._entry_ptr
        return np.array([doc_scores[ptr[e] : ptr[e + 1]].max(initial=0.0) for e in entries])

    def has_all(self, terms: Sequence[str], n_entries: int) -> np.ndarray:
        """1.0 for entries with a doc holding every one of ``terms`` (none given: all zeros)."""
        out = np.zeros(n_entries)
        wanted = set(terms)
        if not wanted or not self.n_docs:
            return out
        hits = np.zeros(self.n_docs, dtype=np.int32)
        for term in wanted:
            if term not in self._term_id:
                return out
            hits[self.postings(term)] += 1
        out[self.doc_entry[hits == len(wanted)]] = 1.0
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
            vocabulary = self.vocabulary
            for k in range(bisect_left(vocabulary, term[:4]), len(vocabulary)):  # no slice: no copy
                other = vocabulary[k]
                if not other.startswith(term[:4]):
                    break
                if other != term and (other.startswith(term) or term.startswith(other)) and min(len(other), len(term)) >= 4:
                    shorter, longer = sorted((len(other), len(term)))
                    found.setdefault(other, 0.75 + 0.2 * shorter / longer)
            if term not in self.idf:
                cutoff = 75 if len(term) >= 6 else 80
                # Only words that start with the word's first or second letter (a typo rarely hits the
                # first letter; swapping the first two is covered): a small share of the vocabulary,
                # which keeps a typo cheap in a large knowledge base.
                nearby = self._starting_with(term[0]) + (self._starting_with(term[1]) if term[1] != term[0] else [])
                for other, score, _ in process.extract(term, nearby, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4):
                    sim = 0.5 + 0.45 * (score - cutoff) / (100 - cutoff)
                    if sim > found.get(other, 0):
                        found[other] = sim
        result = tuple(sorted(found.items(), key=lambda kv: -kv[1]))
        self._expansions.put(term, result)
        return result

    def _starting_with(self, letter: str) -> list[str]:
        if self._by_first_letter is None:
            groups: dict[str, list[str]] = {}
            for word in self.vocabulary:
                groups.setdefault(word[0], []).append(word)
            self._by_first_letter = groups
        return self._by_first_letter.get(letter, [])

    def coverages(self, terms: Sequence[str], weights: Sequence[float] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Per text: (question coverage, text coverage, share of the question's weight that is unknown).

        Question coverage is the IDF-weighted share of the question's terms found in the text, at their
        best fuzzy similarity; text coverage is the same the other way. ``weights`` (one per term, default
        1) scale a term's part in both: the words around a question count less than the question's own.
        None when no text shares a content term with the question.
        """
        query_weight = unknown_weight = 0.0
        q_hit = np.zeros(self.n_docs)
        d_hit = np.zeros(self.n_docs)
        content = np.zeros(self.n_docs, dtype=bool)  # a text that shares only question words is no match
        scale: dict[str, float] = {}
        for k, term in enumerate(terms):
            scale[term] = max(scale.get(term, 0.0), 1.0 if weights is None else weights[k])
        for term, factor in scale.items():
            expansions = self.expand(term)
            is_content = not term.startswith(INTENT_PREFIX)
            if not expansions:
                # An unknown word is evidence the question is about something else; an unknown
                # question word is not.
                if is_content:
                    query_weight += self.unknown_idf * factor
                    unknown_weight += self.unknown_idf * factor
                continue
            weight = self.idf[expansions[0][0]] * factor
            query_weight += weight
            if len(expansions) == 1:  # the usual case: the word itself
                other, sim = expansions[0]
                docs = self.postings(other)
                best = np.full(len(docs), sim)
            else:  # a doc found by several expansions counts at the most similar one
                docs = np.concatenate([self.postings(other) for other, _ in expansions])
                sims = np.concatenate([np.full(len(self.postings(other)), sim) for other, sim in expansions])
                docs, first = np.unique(docs, return_index=True)  # expansions come most similar first
                best = sims[first]
            for other, sim in expansions:
                d_hit[self.postings(other)] += sim * self.idf[other] * factor  # one posting per text and term
            q_hit[docs] += weight * best
            if is_content:
                content[docs] = True
        if query_weight == 0 or not content.any():
            return None
        q = np.where(content, q_hit / query_weight, 0.0)
        d = np.divide(d_hit, self.doc_weight, out=np.zeros(self.n_docs), where=content & (self.doc_weight > 0))
        np.minimum(d, 1.0, out=d)
        return q, d, unknown_weight / query_weight


def f_measure(q: np.ndarray, d: np.ndarray, beta: float) -> np.ndarray:
    """Weighted F-measure of question coverage ``q`` and text coverage ``d`` (beta > 1 favours ``q``)."""
    b2 = beta * beta
    denominator = b2 * d + q
    return np.divide((1 + b2) * q * d, denominator, out=np.zeros(len(q)), where=denominator > 0)
