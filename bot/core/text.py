"""Text normalisation shared by both languages.

Everything the matcher compares goes through :func:`tokenize`: lower case, ё/е, Latin letters turned
into Cyrillic, punctuation dropped. Folding of the Kyrgyz letters ө ү ң into о у н happens later
(:func:`fold`), after the language-specific stemmers had a chance to see the real letters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.utils import default_process

KYRGYZ_LETTERS = frozenset("өүң")
# Every per-word cache of the analysis (here, in kyrgyz.py and analysis.py) holds at most this many words:
# the common ones stay, a stream of new words (typos, names, invented words) cannot grow memory.
WORD_CACHE = 16_384
_VOWELS_LATIN = frozenset("aeiouy")

# Latin look-alikes inside otherwise Cyrillic words ("aким" typed with a Latin a) and the Kazakh/Tatar
# letters some keyboards offer for the Kyrgyz ones.
_HOMOGLYPHS = (
    ("ё", "е"),
    ("ѳ", "ө"),
    ("ұ", "у"),
    ("ҥ", "ң"),
    ("ӊ", "ң"),
    ("ғ", "г"),
    ("қ", "к"),
    ("һ", "х"),
    ("і", "и"),
    ("ә", "э"),
)
_HOMOGLYPH_TABLE = str.maketrans(dict(_HOMOGLYPHS))
_HOMOGLYPH_RE = re.compile("[" + "".join(old for old, _ in _HOMOGLYPHS) + "]")
_CYRILLIC_FOR_LATIN_LOOKALIKE = str.maketrans("aceopxyk", "асеорхук")

# Longest first: the transliterator tries these before single letters.
_LATIN_MULTI = [
    ("shch", "шч"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("iia", "ия"),
    ("iiu", "ию"),
    ("ya", "я"),
    ("ia", "я"),
    ("yu", "ю"),
    ("iu", "ю"),
    ("yo", "е"),
    ("ye", "е"),
    ("ng", "ң"),
    ("ue", "ү"),
]
_LATIN_SINGLE = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "ж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "кс",
    "y": "ы",
    "z": "з",
    "ö": "ө",
    "ü": "ү",
    "ñ": "ң",
    "ç": "ч",
    "ş": "ш",
    "ı": "ы",
    "'": "",
    "`": "",
}

# "и.о." (исполняющий обязанности, acting) is one word: split at the dot it would be two stop letters.
_WORD_RE = re.compile(r"(?<![^\W_])и\.о(?![^\W_])|[^\W_]+(?:['`][^\W_]+)*", re.UNICODE)
_LATIN_RE = re.compile(r"[a-zöüñçşı]")
_CYRILLIC_RE = re.compile(r"[а-яөүң]")


def fold(word: str) -> str:
    """Fold the letters people often leave out: ё→е, ө→о, ү→у, ң→н, э→е, щ→шч, and drop ъ/ь."""
    # Chained str.replace: each is one C scan, several times faster than str.translate (a dict lookup
    # per character) on the sentences the fuzzy similarity compares, and no slower on single words.
    return (
        word.replace("ё", "е").replace("ө", "о").replace("ү", "у").replace("ң", "н")
        .replace("э", "е").replace("ъ", "").replace("ь", "").replace("щ", "шч")
    )


def unify_letters(text: str) -> str:
    """Look-alike letters to the Kyrgyz/Russian ones (already lower case). They are rare: a regex search
    decides whether the slower character-by-character table is needed at all."""
    return text.translate(_HOMOGLYPH_TABLE) if _HOMOGLYPH_RE.search(text) else text


@lru_cache(maxsize=WORD_CACHE // 4)
def transliterate_latin(word: str) -> str:
    """Turn a Kyrgyz or Russian word typed in Latin letters into Cyrillic.

    Covers the ad-hoc spellings people use in chat ("okmotu", "naznachaet", "polnomochiya", "jergiliktuu")
    and ISO-like ones ("ö", "ü", "ñ"). Where the two conventions disagree the chat habit wins:
    "j" is ж, "y" is ы except after a vowel ("dayyndayt" → "дайындайт"), "i" after a vowel before a
    consonant is й ("aiyl" → "айыл"), and "oe" is two letters ("koet" → "коет", i.e. коёт), not ө.
    """
    out: list[str] = []
    i = 0
    n = len(word)
    while i < n:
        for latin, cyr in _LATIN_MULTI:
            if word.startswith(latin, i):
                # "ia"/"iu" are я/ю only after a consonant or at the start ("polnomochia");
                # after a vowel the "i" is й ("aiyl" stays "ai"+"yl").
                if latin in ("ia", "iu") and i > 0 and word[i - 1] in _VOWELS_LATIN:
                    continue
                out.append(cyr)
                i += len(latin)
                break
        else:
            ch = word[i]
            prev = word[i - 1] if i else ""
            nxt = word[i + 1] if i + 1 < n else ""
            prev_is_vowel = bool(prev) and prev in "aeiou"
            next_is_vowel = bool(nxt) and nxt in "aeiou"
            if ch == "i" and (prev_is_vowel or prev == "y") and not next_is_vowel:
                out.append("й")  # "aiyl" → айыл, "bai" → бай, "yigarym" → ыйгарым
            elif ch == "y" and prev in "aeou" and prev:
                out.append("й")  # "chuy" → чуй, "dayar" → дайар, "kaysy" → кайсы (Kyrgyz has no "аы")
            elif ch == "e" and i == 0:
                out.append("э")
            else:
                out.append(_LATIN_SINGLE.get(ch, ch))
            i += 1
    return "".join(out)


def _unified(text: str) -> str:
    return unify_letters(unicodedata.normalize("NFC", text).lower())


def normalize(text: str) -> str:
    """Lower-case, unify look-alike letters and whitespace; keeps ө ү ң (they help language detection)."""
    return " ".join(_unified(text).split())


@lru_cache(maxsize=WORD_CACHE)
def _to_cyrillic(word: str) -> str:
    has_latin = bool(_LATIN_RE.search(word))
    if not has_latin:
        return word
    if _CYRILLIC_RE.search(word):
        # Mixed script: a Latin look-alike typed by accident inside a Cyrillic word.
        return word.translate(_CYRILLIC_FOR_LATIN_LOOKALIKE)
    return transliterate_latin(word)


def fuzzy_form(text: str) -> str:
    """What character-level similarity compares: lower-case words without punctuation, letters folded."""
    return fold(default_process(_unified(text)))


def words(text: str) -> list[str]:
    """Split normalised text into Cyrillic words; Latin words are transliterated, digits kept."""
    return [_to_cyrillic(w) for w in _WORD_RE.findall(_unified(text))]
