"""A small rule-based Kyrgyz suffix stripper.

Snowball has no Kyrgyz stemmer and the statistical taggers need a model download, so we strip the
endings that matter for matching questions: plural, possessive, case, the question particle and a few
verb forms (-ган, -ат/-йт, -уу, -ыш, passive -ыл/-л). A suffix is removed only where it agrees with the
stem by vowel harmony and by the consonant at the stem's end, so "акимдердин" → "аким",
"өкмөтүнүн" → "окмот", "райондордун" → "район".

It works on folded text (ө→о, ү→у, ң→н) because people type without those letters; the harmony rules
are written for that alphabet (о/у stand for both the back and the front rounded vowels).
"""

from __future__ import annotations

from functools import lru_cache

from bot.core.text import WORD_CACHE

VOWELS = frozenset("аеиоуыэюяё")
VOICELESS = frozenset("пткфхцчшщс")
_MIN_STEM = 3
_MAX_STRIPS = 5

# Domain words that look like they end in a suffix but must stay whole.
PROTECTED = frozenset(
    {
        "аким",
        "айыл",
        "кенеш",
        "район",
        "шаар",
        "мыйзам",
        "мэр",
        "мер",
        "мэрия",
        "мерия",
        "башчы",
        "берене",
        "бөлүк",
        "болук",
        "токтом",
        "жарлык",
        "указ",
        "буйрук",
        "устав",
        "резерв",
        "коллегия",
        "кенешме",
        "облус",
        "аймак",
        "өкмөт",
        "окмот",
        "мамлекет",
        "министр",
        "президент",
        "депутат",
        "программа",
        "реформа",
        "тартип",
        "милдет",
        "укук",
        "ыйгарым",
        "кадр",
        "жамаат",
        "агенттик",
        "талап",
        "сөгүш",
        "согуш",
        "стаж",
        "тажрыйба",
        "бошот",
        "дайында",
        "кызмат",
        "мумкун",
        "тузум",
        "болум",
        "суроо",
        "кабыл",
        "талапкер",
        "шайла",
        "жооп",
    }
)


def _last_vowel(stem: str) -> str | None:
    for ch in reversed(stem):
        if ch in VOWELS:
            return ch
    return None


# For each last stem vowel: the high (ы-type) and low (а-type) vowels a suffix may carry.
_HARMONY = {
    "а": ("ы", "а"),
    "ы": ("ы", "а"),
    "я": ("ы", "а"),
    "е": ("и", "е"),
    "э": ("и", "е"),
    "и": ("и", "е"),
    "о": ("у", "о"),
    "ё": ("у", "о"),
    "у": ("у", "ао"),  # у takes а (кулак-тар) and folded ү takes ө→о (үй-лөр)
    "ю": ("у", "а"),
}


# The infinitive -уу/-үү (folded: уу) is rounded whatever the stem, so it skips the harmony check.
_HARMONY_FREE = frozenset({"уу", "оо"})


def _harmony_ok(stem: str, suffix_vowels: str) -> bool:
    if not suffix_vowels:
        return True
    last = _last_vowel(stem)
    if last is None:
        return False
    high, low = _HARMONY.get(last, ("ыиу", "аео"))
    allowed = set(high) | set(low)
    return all(v in allowed for v in suffix_vowels)


def _consonant_ok(stem: str, suffix: str) -> bool:
    end = stem[-1]
    first = suffix[0]
    end_vowel = end in VOWELS
    if first in VOWELS:
        return not end_vowel  # -ы, -ын, -ыш, -уу attach to consonants
    if first in "тпк":
        return end in VOICELESS
    if first in "дгб":
        return end not in VOICELESS
    if first == "н":
        return end_vowel or end == "н"
    if first == "л":
        return end_vowel or end in "йрл"
    if first in "сйш":
        return end_vowel
    return True


def _vowels(s: str) -> str:
    return "".join(ch for ch in s if ch in VOWELS)


def _expand(patterns: list[str]) -> list[str]:
    """'ДЫН' style templates → concrete folded spellings (Ы=ы/и/у, А=а/е/о, Д=д/т, Г=г/к, Л=л/д/т)."""
    out = {""}
    results: set[str] = set()
    for pattern in patterns:
        out = {""}
        for ch in pattern:
            options = {
                "Ы": "ыиу",
                "А": "аео",
                "Д": "дт",
                "Г": "гк",
                "Л": "лдт",
                "Б": "бп",
            }.get(ch, ch)
            out = {prefix + o for prefix in out for o in options}
        results |= out
    return sorted(results, key=len, reverse=True)


SUFFIXES = _expand(
    [
        # question particle
        "БЫ",
        # case endings
        "нЫн",
        "ДЫн",
        "нЫ",
        "ДЫ",
        "ГА",
        "нА",
        "ДА",
        "нДА",
        "ДАн",
        "нАн",
        "ДАГЫ",  # adjectival locative: райондогу, шаардагы, облустагы ("the one in the district")
        "нДАГЫ",
        # plural
        "ЛАр",
        # possessive
        "ЫбЫз",
        "бЫз",
        "ЫнЫз",
        "нЫз",
        "ЫнЫ",
        "сЫ",
        "сЫн",
        "сЫнЫн",
        "сЫнА",
        "сЫнДА",
        "сЫнДАн",
        # (1st person "-ым"/"-м" left out: rare in questions, and it eats stems like бөлүм, түзүм)
        "Ын",
        "Ы",
        # verbal forms
        "ГАн",
        "ГАнДЫ",
        "Ат",
        "йт",
        "йм",  # 1st person after a vowel: оку-й-м (I read)
        "Ыш",
        "ЫшЫ",
        "уу",
        "оо",
        "ЫшЫн",
        "Ыл",
        "л",
        "ДЫр",
        "ЫП",
        "сА",
        "Бы",
        "мЫн",
        "бЫ",
        "чЫ",
        "шА",  # reciprocal after a vowel: дайында-ша-бы, шайла-ша-бы
        "лЫк",
        "ДЫк",
        "ЛЫк",
        "ДЫкт",
    ]
)


def _cuts_into_protected(stem: str, candidate: str) -> bool:
    """True when stripping would shorten a protected word itself (районун → райо instead of район)."""
    # A protected word longer than the candidate is one of the stem's longer prefixes.
    return any(stem[:length] in PROTECTED for length in range(len(candidate) + 1, len(stem) + 1))


_SUFFIXES_BY_LENGTH = {
    length: frozenset(x for x in SUFFIXES if len(x) == length) for length in sorted({len(x) for x in SUFFIXES})
}
_LENGTHS = sorted(_SUFFIXES_BY_LENGTH, reverse=True)


@lru_cache(maxsize=WORD_CACHE)
def strip_suffixes(word: str) -> str:
    """Strip Kyrgyz endings from a folded word while they agree with the stem (longest ending first)."""
    stem = word
    for _ in range(_MAX_STRIPS):
        if stem in PROTECTED:
            return stem
        for length in _LENGTHS:
            suffix = stem[-length:]
            if len(stem) - length < _MIN_STEM or suffix not in _SUFFIXES_BY_LENGTH[length]:
                continue
            candidate = stem[:-length]
            if _last_vowel(candidate) is None:
                continue
            if not _consonant_ok(candidate, suffix):
                continue
            if _cuts_into_protected(stem, candidate):
                continue
            if suffix not in _HARMONY_FREE and not _harmony_ok(candidate, _vowels(suffix)):
                continue
            if suffix == "оо" and _last_vowel(candidate) in ("а", "ы"):
                candidate += "а"  # a vowel-final verb stem merges with the ending: дайында + оо
            elif suffix[0] in VOWELS and candidate[-1] in "гб":
                # Voicing before a vowel-initial ending: аймак → аймагы, китеп → китеби.
                candidate = candidate[:-1] + {"г": "к", "б": "п"}[candidate[-1]]
            stem = candidate
            break
        else:
            return stem
    return stem
