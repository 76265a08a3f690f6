"""Turn a question into the terms the matcher compares, for Kyrgyz or for Russian.

Pipeline per word: Latin → Cyrillic (in :mod:`bot.core.text`), abbreviation expansion, stop and question
words dropped, then the language's stemmer (Snowball for Russian, our suffix stripper for Kyrgyz), then
folding (ө→о, ү→у, ң→н) and synonyms. Both sides of a comparison (the FAQ and the question) go through the
same function, so they meet on the same terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from bot.core import kyrgyz, scope, text
from bot.core.kyrgyz import strip_suffixes
from bot.core.lexicon import (
    ABBREVIATIONS,
    GREETINGS,
    INTENT_PHRASES,
    KY_STOP,
    RU_LOAN_CANONICAL,
    RU_LOAN_ROOTS,
    RU_STOP,
    SYNONYMS,
    THANKS,
)
from bot.core.text import KYRGYZ_LETTERS, WORD_CACHE, fold, words

LANGUAGES = ("ky", "ru")
# Whole texts analysed recently: one question is analysed several times while it is matched (its parts,
# both languages, each view), so a few hundred are enough; a long message can be 2,000 characters.
TEXT_CACHE = 256
_RU_STEMMER = snowballstemmer.stemmer("russian")
_RU_ENDING = re.compile(r"(ость|ости|ение|ения|ании|ание|ого|его|ому|ему|ый|ий|ая|яя|ое|ые|ых|ими|ться|ется|ются|ует|ют|ешь|ство|ства|ции|ция|цию)$")
_KY_ENDING = re.compile(r"(дын|дин|дун|нын|нин|нун|тын|тин|тун|лар|лер|лор|дар|дер|дор|тар|тер|тор|ган|ген|гон|кан|кен|кон|уу|оо|бы|бу|би|пы|пу|пи|дык|дик|дук|лык|лик|лук|чы|чу|чи|ыш|иш|уш)$")
_OSH_FORMS = frozenset({"ош", "оша", "ошу", "ошом", "оше", "ошский", "ошского", "ошском", "ошской", "ошкий"})


@lru_cache(maxsize=WORD_CACHE)
def _stem_ru(word: str) -> str:
    folded = fold(word)
    if folded in _OSH_FORMS:
        return "ош"
    for root in RU_LOAN_ROOTS:
        if folded.startswith(root) and len(folded) - len(root) <= 4:
            return RU_LOAN_CANONICAL.get(root, root)
    return fold(_RU_STEMMER.stemWord(word))


def _stem_ky(word: str) -> str:
    return strip_suffixes(fold(word))


@lru_cache(maxsize=WORD_CACHE)
def _expansion(token: str, lang: str) -> tuple[str, ...]:
    key = fold(token)
    if key not in ABBREVIATIONS and lang == "ky":
        key = strip_suffixes(key)  # "МГАнын" is МГА with a genitive ending
    expansion = ABBREVIATIONS.get(key)
    return tuple(expansion[lang].split()) if expansion else (token,)


@lru_cache(maxsize=WORD_CACHE)
def _prepared(token: str, lang: str) -> tuple[tuple[str, str], ...]:
    """(word, folded word) pairs a token stands for after abbreviation expansion; cached per token."""
    return tuple((word, fold(word)) for word in _expansion(token, lang))


_MAX_PHRASE = max(len(k) for k in INTENT_PHRASES)
_PHRASE_STARTS = frozenset(k[0] for k in INTENT_PHRASES)


def _intent_at(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The intent term a question-word phrase starting at ``i`` stands for, and its length in words."""
    if tokens[i] not in _PHRASE_STARTS:
        return None
    for size in range(_MAX_PHRASE, 0, -1):
        intent = INTENT_PHRASES.get(tuple(tokens[i : i + size]))
        if intent:
            return intent, size
    return None


@lru_cache(maxsize=WORD_CACHE)
def _term(token: str, lang: str) -> str | None:
    """One word's term in ``lang`` (None for stop words and fragments). Cached: a knowledge base of ten
    thousand entries repeats the same few thousand words, so each is stemmed once."""
    folded = fold(token)
    if folded in (RU_STOP if lang == "ru" else KY_STOP) or (len(folded) < 2 and not folded.isdigit()):
        return None
    if folded.isdigit():
        return folded
    term = _stem_ru(token) if lang == "ru" else _stem_ky(token)
    if len(term) < 2 or term in (RU_STOP if lang == "ru" else KY_STOP):
        return None  # also a stop word under an ending: "эмнелерди" is "эмне"
    return SYNONYMS[lang].get(term, term)


@lru_cache(maxsize=TEXT_CACHE)
def _analyze_cached(text: str, lang: str) -> tuple[str, ...]:
    pairs = [pair for token in words(text) for pair in _prepared(token, lang)]
    tokens = [word for word, _ in pairs]
    folded_tokens = [folded for _, folded in pairs]
    terms: list[str] = []
    skip = 0
    for i, token in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        intent = _intent_at(folded_tokens, i)
        if intent:
            terms.append(intent[0])
            skip = intent[1] - 1
            continue
        term = _term(token, lang)
        if term is not None:
            terms.append(term)
    return tuple(terms)


@lru_cache(maxsize=TEXT_CACHE)
def _word_units(text: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    units = []
    for token in words(text):
        folded = fold(token)
        if (folded,) in INTENT_PHRASES:
            continue
        ky = tuple(term for word, _ in _prepared(token, "ky") if (term := _term(word, "ky")) is not None)
        ru = tuple(term for word, _ in _prepared(token, "ru") if (term := _term(word, "ru")) is not None)
        if ky and ru:  # a stop word in either language is no content
            units.append((ky, ru))
    return tuple(units)


def word_units(text: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Per content word of ``text``: (its Kyrgyz terms, its Russian terms). A code-switched question
    ("айыл өкмөт башчысын увольнять кылса болобу") is covered word by word in whichever language the
    word is written in."""
    return _word_units(text[:2000])


def analyze(text: str, lang: str) -> tuple[str, ...]:
    """The question's terms as seen by the ``lang`` pipeline (duplicates kept, order kept)."""
    return _analyze_cached(text[:2000], lang)


def clear_caches() -> None:
    """Forget every per-word and per-text result (benchmarks time cold builds with it)."""
    for cached in (_stem_ru, _expansion, _prepared, _term, _analyze_cached, _word_units, kyrgyz.strip_suffixes,
                   text.transliterate_latin, text._to_cyrillic, scope._starting, scope.word_date_bits):
        cached.cache_clear()


def _marker_votes(tokens: list[str]) -> tuple[float, float]:
    ky = ru = 0.0
    for token in tokens:
        if KYRGYZ_LETTERS & set(token):
            ky += 2
            continue
        folded = fold(token)
        if folded in KY_STOP:
            ky += 1
        elif folded in RU_STOP:
            ru += 1
        elif _KY_ENDING.search(folded):
            ky += 0.5
        elif _RU_ENDING.search(folded):
            ru += 0.5
    return ky, ru


def detect_language(
    text: str, vocabulary: dict[str, frozenset[str]] | None = None
) -> tuple[str | None, float]:
    """Guess "ky" or "ru" for a question; returns (language or None, confidence 0..1).

    Votes come from Kyrgyz letters, each language's function words and endings, and, when given, the
    FAQ's own vocabulary per language (so "мыйзам" counts for Kyrgyz and "закон" for Russian).
    """
    tokens = words(text)
    if not tokens:
        return None, 0.0
    ky, ru = _marker_votes(tokens)
    if vocabulary:
        for token in tokens:
            ky_term, ru_term = _stem_ky(token), _stem_ru(token)
            in_ky = ky_term in vocabulary.get("ky", ()) or fold(token) in vocabulary.get("ky", ())
            in_ru = ru_term in vocabulary.get("ru", ()) or fold(token) in vocabulary.get("ru", ())
            if in_ky and not in_ru:
                ky += 1
            elif in_ru and not in_ky:
                ru += 1
    total = ky + ru
    if total == 0:
        return None, 0.0
    if ky == ru:
        return None, 0.0
    lang = "ky" if ky > ru else "ru"
    return lang, abs(ky - ru) / total


def small_talk_kind(text: str) -> str | None:
    """"greeting" or "thanks" when the message is only that (plus stop words), else None."""
    tokens = [fold(t) for t in words(text)]
    if not tokens:
        return None
    kinds = set()
    for token in tokens:
        if token in GREETINGS:
            kinds.add("greeting")
        elif token in THANKS:
            kinds.add("thanks")
        elif token in RU_STOP or token in KY_STOP:
            continue
        else:
            return None
    if not kinds:
        return None
    return "thanks" if "thanks" in kinds else "greeting"
