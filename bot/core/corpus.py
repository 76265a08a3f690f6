"""Analyse many texts at once: the same terms as :func:`bot.core.analysis.analyze`, as flat arrays.

Building the index for ten thousand entries means analysing four hundred thousand short texts. Doing it
text by text costs microseconds of Python per text, which is most of the build. Here every distinct
space-separated chunk is analysed once (through the very functions ``analyze`` uses), the texts become
one stream of word ids, and the multi-word question phrases ("о чём", "в какой срок") are found with
numpy over that stream. ``tests/test_corpus.py`` checks that the result equals ``analyze`` text by text.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count

import numpy as np

from bot.core.analysis import _prepared, _term
from bot.core.lexicon import INTENT_PHRASES
from bot.core.scope import BIT, bits, date_rules, numeric_date_bits, rules, word_date_bits
from bot.core.text import _WORD_RE, _to_cyrillic, unify_letters

_SEP = "\x00"  # between texts; never part of a word, so no phrase spans two texts
_MAX_TEXT = 2000  # as in analyze()


@dataclass
class Terms:
    """Term strings ↔ ids, shared by the indexes of one language in one build."""

    names: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def id(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.names)
            self.names.append(term)
        return found


@dataclass(frozen=True)
class Analysed:
    """The terms of ``n_texts`` texts: ``doc[i]`` is the text the ``i``-th term came from, in text order."""

    n_texts: int
    doc: np.ndarray  # int64
    term: np.ndarray  # int64 ids into Terms.names
    # With scope=True: per text, the scope markers and posts it names (bits of bot.core.scope.BIT) and the
    # months and years it names (bits of bot.core.scope.month_bit / year_bit).
    scope: np.ndarray | None = None
    dates: np.ndarray | None = None

    def per_text(self, terms: Terms) -> list[tuple[str, ...]]:
        """Back to one tuple per text (for tests and small jobs)."""
        out: list[list[str]] = [[] for _ in range(self.n_texts)]
        for d, t in zip(self.doc.tolist(), self.term.tolist(), strict=True):
            out[d].append(terms.names[t])
        return [tuple(x) for x in out]


def analyze_many(texts: Sequence[str], lang: str, terms: Terms, scope: bool = False) -> Analysed:
    """Analyse ``texts`` with the ``lang`` pipeline; term ids are taken from (and added to) ``terms``.
    ``scope``: also find what each text names (:mod:`bot.core.scope`), as analyze_scope() does one text."""
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return Analysed(0, empty, empty, empty if scope else None, empty if scope else None)
    # Space-separated chunks ("акимдин,", "(МГА)") repeat a lot, so everything per word (NFC, lower
    # case, the look-alike table, the word pattern, the language pipeline) runs once per distinct chunk.
    # None of it crosses a space, so the words found are those analyze() finds in the whole text.
    separator = f" {_SEP} "
    joined = separator.join(texts)
    if joined.count(_SEP) != len(texts) - 1 or max(map(len, texts)) > _MAX_TEXT:
        joined = separator.join(t[:_MAX_TEXT].replace(_SEP, " ") for t in texts)
    chunks = joined.split(" ")

    chunk_ids: defaultdict[str, int] = defaultdict(count().__next__)
    chunk_ids[_SEP]  # chunk 0 is the separator
    chunk_of = np.fromiter(map(chunk_ids.__getitem__, chunks), dtype=np.int64, count=len(chunks))

    folded_ids: defaultdict[str, int] = defaultdict(count().__next__)
    sep_folded = folded_ids[_SEP]
    word_folded: list[int] = [sep_folded]  # the expanded words of every distinct chunk, flat
    word_term: list[int] = [-1]
    chunk_start = [0]
    chunk_length = [1]
    for chunk in list(chunk_ids)[1:]:
        chunk_start.append(len(word_folded))
        before = len(word_folded)
        for token in _WORD_RE.findall(unicodedata.normalize("NFC", chunk).lower()):
            for word, folded in _prepared(_to_cyrillic(unify_letters(token)), lang):
                word_folded.append(folded_ids[folded])
                term = _term(word, lang)
                word_term.append(-1 if term is None else terms.id(term))
        chunk_length.append(len(word_folded) - before)

    # The stream of words, chunk by chunk (a chunk holds 0..n words; an abbreviation becomes its words).
    lengths = np.asarray(chunk_length, dtype=np.int64)[chunk_of]
    out_starts = np.cumsum(lengths) - lengths
    positions = np.repeat(np.asarray(chunk_start, dtype=np.int64)[chunk_of] - out_starts, lengths)
    positions += np.arange(len(positions), dtype=np.int64)
    folded = np.asarray(word_folded, dtype=np.int64)[positions]
    term = np.asarray(word_term, dtype=np.int64)[positions]
    is_sep = folded == sep_folded
    doc = np.cumsum(is_sep) - is_sep

    scope_bits = date_bits = None
    if scope:
        names = list(folded_ids)
        scope_bits, date_bits = _scope_bits(folded, is_sep, doc, names, len(texts))
        # Dates written with dots are one chunk ("08.12.2021,"): found per distinct chunk.
        chunk_dates = np.fromiter((numeric_date_bits(c.lower()) if "." in c else 0 for c in chunk_ids),
                                  dtype=np.int64, count=len(chunk_ids))
        if chunk_dates.any():
            chunk_doc = np.cumsum(chunk_of == 0) - (chunk_of == 0)
            has = chunk_dates[chunk_of] != 0
            np.bitwise_or.at(date_bits, chunk_doc[has], chunk_dates[chunk_of[has]])

    keep = ~is_sep
    _apply_phrases(folded, term, keep, folded_ids, terms)
    keep &= term >= 0
    return Analysed(len(texts), doc[keep], term[keep], scope_bits, date_bits)


class _Vocabulary:
    """The distinct folded words of a corpus, for finding by pattern all the words that fit it at once."""

    def __init__(self, names: list[str]):
        self.size = len(names)
        self.index = {name: i for i, name in enumerate(names)}
        self.sorted = sorted(names)
        self.order = np.fromiter(map(self.index.__getitem__, self.sorted), dtype=np.int64, count=len(names))

    def fitting(self, pattern: str) -> np.ndarray:
        """Boolean per word id: fits ``pattern`` ("x*": starts with x; "x": is x)."""
        out = np.zeros(self.size, dtype=bool)
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            lo = bisect_left(self.sorted, prefix)
            hi = bisect_left(self.sorted, prefix + "\uffff", lo)
            out[self.order[lo:hi]] = True
        elif pattern in self.index:
            out[self.index[pattern]] = True
        return out


def _scope_bits(folded: np.ndarray, is_sep: np.ndarray, doc: np.ndarray, names: list[str],
                n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per doc: (the scope bits, the date bits) of its words, with bot.core.scope.find()'s phrase rule (a
    phrase's words are not matched again one by one). Every rule is looked up once in the sorted distinct
    words and applied to the word stream with numpy: no Python work per word or per position."""
    vocabulary = _Vocabulary(names)
    single = np.zeros(len(names), dtype=np.int64)
    phrase_rules: list[tuple[str, tuple[str, ...], str]] = []
    for first, rest, name in rules():
        if rest:
            phrase_rules.append((first, rest, name))
        else:
            single[vocabulary.fitting(first)] |= BIT[name]
    position_bits = single[folded]
    n = len(folded)
    phrase_bits = np.zeros(n, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    firsts = {first: vocabulary.fitting(first) for first, _, _ in phrase_rules}
    may_start = np.zeros(len(names), dtype=bool)
    for fits in firsts.values():
        may_start |= fits
    candidates = np.flatnonzero(may_start[folded])  # the few positions any phrase can start at
    for first, rest, name in phrase_rules:
        starts = candidates[firsts[first][folded[candidates]]]
        starts = starts[starts + len(rest) < n]
        for k, pattern in enumerate(rest, start=1):
            if not len(starts):
                break
            starts = starts[vocabulary.fitting(pattern)[folded[starts + k]] & ~is_sep[starts + k]]
        for k in range(len(rest) + 1):
            taken[starts + k] = True
        phrase_bits[starts] |= BIT[name]
    position_bits[taken] = 0
    position_bits |= phrase_bits
    out = np.zeros(n_docs, dtype=np.int64)
    keep = ~is_sep & (position_bits != 0)
    np.bitwise_or.at(out, doc[keep], position_bits[keep])

    date_word = np.zeros(len(names), dtype=np.int64)
    for pattern, bit in date_rules():
        date_word[vocabulary.fitting(pattern)] |= bit
    position_dates = date_word[folded]
    dates = np.zeros(n_docs, dtype=np.int64)
    keep = ~is_sep & (position_dates != 0)
    np.bitwise_or.at(dates, doc[keep], position_dates[keep])
    return out, dates


def analyze_scope(text: str) -> tuple[int, int]:
    """(the scope bits, the date bits) of one text, read as analyze_many(scope=True) reads its texts, in
    both languages' abbreviation expansions."""
    scope_bits = date_bits = 0
    lowered = unicodedata.normalize("NFC", text[:_MAX_TEXT]).lower()
    tokens = [_to_cyrillic(unify_letters(token)) for token in _WORD_RE.findall(lowered)]
    for lang in ("ky", "ru"):
        words = [folded for token in tokens for _, folded in _prepared(token, lang)]
        scope_bits |= bits(words)
        for word in words:
            date_bits |= word_date_bits(word)
    return scope_bits, date_bits | numeric_date_bits(lowered)


def _apply_phrases(folded: np.ndarray, term: np.ndarray, keep: np.ndarray, folded_ids: dict[str, int],
                   terms: Terms) -> None:
    """Replace question-word phrases by their intent term, as analyze() does: at each word the longest
    phrase starting there wins and its other words are consumed (left to right)."""
    n = len(folded)
    n_folded = len(folded_ids) + 1
    by_size: dict[int, dict[int, int]] = defaultdict(dict)
    first_words = np.zeros(n_folded, dtype=bool)
    for phrase, intent in INTENT_PHRASES.items():
        if all(w in folded_ids for w in phrase):
            key = 0
            for w in phrase:
                key = key * n_folded + folded_ids[w]
            by_size[len(phrase)][key] = terms.id(intent)
            first_words[folded_ids[phrase[0]]] = True
    starts = np.flatnonzero(first_words[folded])  # only these positions can begin a phrase
    best_size = np.zeros(len(starts), dtype=np.int64)
    best_intent = np.zeros(len(starts), dtype=np.int64)
    for size in sorted(by_size):  # longer sizes overwrite shorter ones
        fits = starts[starts + size <= n]
        keys = np.zeros(len(fits), dtype=np.int64)
        for offset in range(size):
            keys = keys * n_folded + folded[fits + offset]
        table = by_size[size]
        known = np.fromiter(table, dtype=np.int64, count=len(table))
        hits = np.flatnonzero(np.isin(keys, known))  # fits is a prefix of starts: same positions
        best_size[hits] = size
        best_intent[hits] = [table[k] for k in keys[hits].tolist()]
    found = np.flatnonzero(best_size)
    consumed_until = -1
    for pos, size, intent in zip(starts[found].tolist(), best_size[found].tolist(), best_intent[found].tolist(), strict=True):
        if pos <= consumed_until:
            continue  # inside an earlier phrase
        term[pos] = intent
        if size > 1:
            keep[pos + 1 : pos + size] = False
            consumed_until = pos + size - 1
