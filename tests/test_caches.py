"""Every cache the matcher fills as questions arrive is bounded (issue #13, point 11).

bench/memory.py measures the resident memory over 20,000 varied questions; this only checks the bounds.
"""

from __future__ import annotations

import random

import pytest

from bot.core import analysis, kyrgyz, scope, text
from bot.core.analysis import TEXT_CACHE
from bot.core.bounded import BoundedCache
from bot.core.index import EXPANSION_CACHE
from bot.core.knowledge import load_knowledge
from bot.core.matcher import ENTRY_CACHE_SIZE, Matcher
from bot.core.text import WORD_CACHE
from tests.conftest import KNOWLEDGE

WORD_CACHES = [
    text.transliterate_latin, text._to_cyrillic, kyrgyz.strip_suffixes, analysis._stem_ru, analysis._expansion,
    analysis._prepared, analysis._term, scope._starting, scope.word_date_bits,
]
TEXT_CACHES = [analysis._analyze_cached, analysis._word_units]


def test_bounded_cache_keeps_its_bound_and_the_newest_items():
    cache: BoundedCache[int, int] = BoundedCache(8)
    for k in range(100):
        cache.put(k, k * k)
        assert len(cache) <= 8
    assert cache.get(99) == 99 * 99 and cache.get(0) is None
    assert cache.get_or_make(5, lambda: 25) == 25 and cache.get(5) == 25
    with pytest.raises(ValueError):
        BoundedCache(0)


def test_every_function_cache_has_a_bound():
    for cached in WORD_CACHES:
        assert cached.cache_info().maxsize is not None and cached.cache_info().maxsize <= WORD_CACHE, cached
    for cached in TEXT_CACHES:
        assert cached.cache_info().maxsize == TEXT_CACHE, cached


def test_caches_stay_within_their_bounds_under_new_words(monkeypatch):
    """Small bounds, many never-seen words: nothing grows past its bound (the bounds are the same code)."""
    matcher = Matcher(load_knowledge(KNOWLEDGE))
    for index in (*matcher._indexes.values(), *matcher._answer_indexes.values()):
        monkeypatch.setattr(index._expansions, "maxsize", 50)
    for name in ("_entry_terms", "_fuzzy_texts", "_question_terms"):
        monkeypatch.setattr(getattr(matcher, name), "maxsize", 5)
    rng = random.Random(3)
    syllables = ["ка", "ло", "ми", "ру", "те", "зы", "на", "бо", "ше", "чу", "ар", "өз"]
    for _ in range(150):
        invented = " ".join("".join(rng.choice(syllables) for _ in range(3)) for _ in range(6))
        matcher.match(f"акимдин {invented} ким дайындайт мэр айыл окмоту")
    for index in (*matcher._indexes.values(), *matcher._answer_indexes.values()):
        assert len(index._expansions) <= 50
    for name in ("_entry_terms", "_fuzzy_texts", "_question_terms"):
        assert len(getattr(matcher, name)) <= 5
    for cached in WORD_CACHES + TEXT_CACHES:
        info = cached.cache_info()
        assert info.currsize <= info.maxsize, cached


def test_the_bounds_are_the_documented_ones():
    assert (WORD_CACHE, TEXT_CACHE, EXPANSION_CACHE, ENTRY_CACHE_SIZE) == (16_384, 256, 8_192, 2_048)
