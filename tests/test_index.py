"""The array-built index: postings, per-entry views and edge cases the matcher relies on."""

import numpy as np
import pytest

from bot.core.corpus import Terms, analyze_many
from bot.core.index import TermIndex, dedupe_grouped, idf_over_entries
from bot.core.matcher import Matcher


def _index(texts_per_entry: list[list[str]], lang: str = "ru") -> tuple[TermIndex, Terms]:
    terms = Terms()
    doc_entry = np.repeat(np.arange(len(texts_per_entry)), [len(t) for t in texts_per_entry])
    analysed = analyze_many([t for texts in texts_per_entry for t in texts], lang, terms)
    doc, term = dedupe_grouped(analysed.doc, analysed.term, len(terms.names))
    _, bag_term = dedupe_grouped(doc_entry[doc], term, len(terms.names), presorted=True)
    idf = idf_over_entries(bag_term, terms, len(texts_per_entry), 0.5)
    return TermIndex(doc_entry, doc, term, terms, idf, len(texts_per_entry)), terms


def test_postings_are_unique_and_grouped_by_entry():
    index, _ = _index([["аким аким района", "назначение акима"], ["мэр города"], []])
    assert index.postings("аким").tolist() == [0, 1]  # twice in the first text, counted once
    assert index.postings("мер").tolist() == [2]
    assert index.n_docs == 3
    scores = np.array([0.2, 0.7, 0.4])
    assert index.per_entry_max(scores, 3).tolist() == [0.7, 0.4, 0.0]  # the third entry has no texts
    assert index.entry_max(scores, [1, 0, 2]).tolist() == [0.4, 0.7, 0.0]


def test_a_word_every_entry_uses_weighs_less_than_a_rare_one():
    index, _ = _index([["аким района"], ["аким коллегия"], ["аким мэр"]])
    assert index.idf["аким"] < index.idf["коллег"]


def test_expansion_cache_is_shared_only_between_equal_vocabularies():
    a, _ = _index([["аким района"]])
    b, _ = _index([["мэр города"]])
    with pytest.raises(ValueError):
        b.share_expansions(a)


def test_empty_knowledge_base_answers_nothing():
    matcher = Matcher([])
    assert len(matcher) == 0
    assert matcher.match("акимди ким дайындайт").status == "none"
