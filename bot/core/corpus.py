"""Analyse many texts at once: the same terms as :func:`bot.core.analysis.analyze`, as flat arrays.

Building the index for ten thousand entries means analysing four hundred thousand short texts. Doing it
text by text costs microseconds of Python per text, which is most of the build. Here every distinct
space-separated chunk is analysed once (through the very functions ``analyze`` uses), the texts become
one stream of word ids, and the multi-word question phrases ("о чём", "в какой срок") are found with
numpy over that stream. ``tests/test_corpus.py`` checks that the result equals ``analyze`` text by text.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count

import numpy as np

from bot.core.analysis import _prepared, _term
from bot.core.lexicon import INTENT_PHRASES
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

    def per_text(self, terms: Terms) -> list[tuple[str, ...]]:
        """Back to one tuple per text (for tests and small jobs)."""
        out: list[list[str]] = [[] for _ in range(self.n_texts)]
        for d, t in zip(self.doc.tolist(), self.term.tolist(), strict=True):
            out[d].append(terms.names[t])
        return [tuple(x) for x in out]


def analyze_many(texts: Sequence[str], lang: str, terms: Terms) -> Analysed:
    """Analyse ``texts`` with the ``lang`` pipeline; term ids are taken from (and added to) ``terms``."""
    if not texts:
        return Analysed(0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
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

    keep = ~is_sep
    _apply_phrases(folded, term, keep, folded_ids, terms)
    keep &= term >= 0
    return Analysed(len(texts), doc[keep], term[keep])


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
