"""Words that put a question outside an entry's scope even when the rest of it is the entry's own words.

"Сколько депутатов в Жогорку Кенеше?" shares every content word but one with "Сколько депутатов в
местных кенешах?"; "Кто в Казахстане назначает акимов?" with "Кто назначает акима района?". The one word
is a *scope marker*: another institution (the Jogorku Kenesh, ministers, courts, the President), another
country, another post (a deputy, a secretary, a director), or another attribute than the entry answers (a
salary, a budget, a phone number, the name of the person in office). The FAQ's own posts and bodies (akim,
mayor, aiyl okmotu head, envoy, ...) are tracked the same way but apart: "the aiyl okmotu head's deputy"
is not "the akim's deputy". A marker the question names with words the entry's own question texts (its
canonical question and variants, both languages) never use is a *gap*, a feature the ranker learns to
weigh. Dates get the same treatment against the entry's texts and answer: "the meeting of 15 January 2023"
is not the meeting of 8 December 2021.

Markers are found in the question's folded lower-case words (:func:`bot.core.text.words` then
:func:`fold`, so Latin-typed questions are covered after transliteration): a rule is one or more word
patterns in a row, "x*" a word starting with x, "x" the word x itself. Whether an entry's texts name the
same thing is read off the matcher's indexes (the terms of the very words that named it), so nothing is
computed per entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.core.text import WORD_CACHE, fold

_MARKER_RULES: dict[str, tuple[str, ...]] = {
    # national institutions and their people ("Кабинет Министров" is the cabinet, not a minister)
    "cabinet": ("кабинет*", "кабмин*", "министрлер* кабинет*", "кабинет* министр*", "премьер* министр*",
                "премер* министр*", "премьер*", "премер*",
                "правительств*"),
    "parliament": ("жогорку*", "парламент*", "спикер*"),
    "minister": ("министр", "министра", "министру", "министром", "министре", "министров", "министрам",
                 "министрди", "министрге", "министрдин", "министрлер", "министрлерди", "министрлердин",
                 "министры", "министрин"),
    "court": ("суд", "суда", "судом", "суде", "судья*", "судьи", "судей", "сот", "соттун", "сотко", "сотто",
              "соту", "прокурор*", "прокуратур*", "омбудсмен*", "акыйкатчы*", "конституционн*", "конституциялык*"),
    "president": ("президент*",),
    "election_body": ("цик", "бшк", "шайлоо комиссия*", "избирательн*"),
    "chair": ("директор*", "ректор*", "председател*", "торага*"),
    # other countries
    "foreign": ("казахст*", "казакст*", "алматы*", "астана*", "шымкент*", "караганд*", "узбекист*", "озбекст*",
                "ташкент*", "хоким*", "росси*", "орусия*", "москв*", "тажикст*", "таджикист*", "душанбе*",
                "жамоат*", "туркия*", "турци*", "кытай*", "китай*", "америк*", "украин*", "беларус*", "грузи*",
                "армени*", "азербайдж*", "туркмен*"),
    # other posts
    "deputy": ("заместител*", "зам", "замглав*", "орунбасар*", "орун басар*", "вице*"),
    "secretary": ("секретар*", "катчы*"),
    "assistant": ("помощник*", "жардамчы*"),
    # other attributes
    "term": ("срок*", "моонот*"),
    "pay": ("зарплат*", "заработн*", "айлык*", "айлыг*", "маяна*", "оклад*", "получает", "получают", "премия",
            "премии", "акы алабы", "акы алышат", "акы толон*"),
    "budget": ("бюджет*",),
    "contact": ("телефон*", "адрес*", "дарек*", "дарег*", "email", "емайл", "почта", "почту", "кабыл алуу кун*",
                "кабыл алуусу*", "приемн*", "прием", "приема", "график работ*", "часы работ*", "иштейт саат*",
                "саат канча*"),
    # ("акими ким?" asks who holds the post, but "мэри ким дайындайт" who appoints: words alone cannot tell)
    "holder": ("зовут", "фамили*", "аты жон*", "кто сейчас аким*", "кто сейчас мер*", "кто сейчас глав*",
               "кто теперь аким*", "азыркы аким*", "азыркы мер*"),
    "age": ("возраст*", "жашы", "жашта", "жашка"),
    "vacancy": ("ваканс*", "бош орун*", "резюме"),
    "pension": ("пенси*",),
    "leave": ("отпуск*", "оргуу*", "эс алуу*"),
}
# The FAQ's own posts and bodies.
_POST_RULES: dict[str, tuple[str, ...]] = {
    "akim": ("аким", "акима", "акиму", "акимом", "акиме", "акимы", "акимов", "акимам", "акимами", "акимах",
             "акимд*", "акимг*", "акимин*", "акими", "акимибиз", "акимдер*", "акимге"),
    "mayor": ("мер", "мера", "меру", "мером", "мере", "меров", "мерам", "мери", "мерин*", "мерге",
              "мерди", "мердин", "мерлер*", "мериң", "мерибиз"),
    "mayor_office": ("мерия*", "мерии", "мерию", "мерией"),
    "aiyl_head": ("айыл окмот* башчы*", "айыл окмот* глав*", "глав* айыл*", "глав* ао", "ао башчы*",
                  "айыл башчы*"),
    "envoy": ("полпред*", "губернатор*", "окул*", "полномочн* представител*"),
    "kenesh_deputy": ("депутат*",),
    "kenesh_chair": ("кенеш* торага*", "торага* кенеш*", "председател* кенеш*", "председател* айылн* кенеш*",
                     "председател* городск* кенеш*"),
}
MARKERS = tuple(_MARKER_RULES)
POSTS = tuple(_POST_RULES)
# Institutions and countries an answer names only as the source of a rule ("adopted by the Jogorku Kenesh",
# "appointed by the President"): a question about them is covered only by an entry whose questions name them.
STRICT = frozenset({"cabinet", "parliament", "minister", "court", "president", "election_body", "foreign"})


Rule = tuple[tuple[str, ...], str]  # (word patterns after the first, name)


def _compile(rules: dict[str, tuple[str, ...]]) -> tuple[dict[str, list[Rule]], dict[str, list[Rule]]]:
    """Rules by their first word pattern: (exact first words, first-word prefixes)."""
    exact: dict[str, list[Rule]] = {}
    prefix: dict[str, list[Rule]] = {}
    for name, patterns in rules.items():
        for pattern in patterns:
            first, *rest = (fold(p) for p in pattern.split())
            table = prefix if first.endswith("*") else exact
            table.setdefault(first.rstrip("*"), []).append((tuple(rest), name))
    return exact, prefix


_TABLES = {"marker": _compile(_MARKER_RULES), "post": _compile(_POST_RULES)}
_LONGEST_PREFIX = max(len(p) for table in _TABLES.values() for p in table[1])


def _word_fits(word: str, pattern: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


@lru_cache(maxsize=WORD_CACHE)
def _starting(word: str, kind: str) -> tuple[Rule, ...]:
    """The rules whose first word pattern ``word`` fits."""
    exact, prefix = _TABLES[kind]
    found = list(exact.get(word, ()))
    for length in range(1, min(len(word), _LONGEST_PREFIX) + 1):
        found += prefix.get(word[:length], ())
    return tuple(found)


def find(words: Sequence[str], kind: str = "marker") -> dict[str, list[tuple[int, ...]]]:
    """name → the positions of the words that name it, per occurrence (``kind``: "marker" or "post").
    Phrases first; the words a phrase matched are not matched again ("министрлер кабинети" is the
    cabinet, not a minister)."""
    found: dict[str, list[tuple[int, ...]]] = {}
    n = len(words)
    taken = [False] * n
    starting = [_starting(word, kind) for word in words]
    for i in range(n):
        for rest, name in starting[i]:
            if rest and i + len(rest) < n and all(_word_fits(words[i + 1 + k], p) for k, p in enumerate(rest)):
                found.setdefault(name, []).append(tuple(range(i, i + 1 + len(rest))))
                taken[i : i + 1 + len(rest)] = [True] * (1 + len(rest))
    for i in range(n):
        if not taken[i]:
            for rest, name in starting[i]:
                if not rest:
                    found.setdefault(name, []).append((i,))
    return found


def markers(words: Sequence[str]) -> frozenset[str]:
    """The scope markers named by folded words (institutions, countries, posts, attributes)."""
    return frozenset(find(words, "marker"))


def posts(words: Sequence[str]) -> frozenset[str]:
    """The FAQ's own posts and bodies named by folded words (akim, mayor, aiyl okmotu head, ...)."""
    return frozenset(find(words, "post"))


# Bit sets, so that an index can hold what each entry names in one integer per entry.
BIT = {name: 1 << k for k, name in enumerate((*MARKERS, *POSTS))}
MARKER_MASK = sum(BIT[name] for name in MARKERS)
POST_MASK = sum(BIT[name] for name in POSTS)
STRICT_MASK = sum(BIT[name] for name in STRICT)


def bits(words: Sequence[str]) -> int:
    """The markers and posts named by folded words, as a bit set."""
    out = 0
    for kind in ("marker", "post"):
        for name in find(words, kind):
            out |= BIT[name]
    return out


def rules() -> list[tuple[str, tuple[str, ...], str]]:
    """Every rule as (first word pattern, the patterns of the words after it, name), folded."""
    out = []
    for table in (_MARKER_RULES, _POST_RULES):
        for name, patterns in table.items():
            for pattern in patterns:
                first, *rest = (fold(p) for p in pattern.split())
                out.append((first, tuple(rest), name))
    return out


def gap(asked: int, in_texts: int, in_answer: int, mask: int) -> float:
    """Of what the question names within ``mask``: 0 when the entry's texts name all of it, 0.5 when its
    answer names the rest (not for institutions and countries: see STRICT), else 1."""
    missing = asked & mask & ~in_texts
    if not missing:
        return 0.0
    return 0.5 if not missing & ~(in_answer & ~STRICT_MASK) else 1.0


_MONTHS = {"январ": 1, "феврал": 2, "март": 3, "апрел": 4, "май": 5, "мая": 5, "мае": 5, "июн": 6, "июл": 7,
           "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12}
FIRST_YEAR, LAST_YEAR = 1990, 2039  # with the 12 months, 62 bits
_NUMERIC_DATE = re.compile(r"(?<![\d.])(?:[0-2]?\d|3[01])\.(0?[1-9]|1[0-2])\.(?:\d{4}|\d{2})(?![\d])")


def month_bit(month: int) -> int:
    return 1 << (month - 1)


def year_bit(year: int) -> int:
    return 1 << (12 + year - FIRST_YEAR) if FIRST_YEAR <= year <= LAST_YEAR else 0


def date_rules() -> list[tuple[str, int]]:
    """(word pattern, bit) for every month name and year, as word_date_bits() reads them."""
    return [(stem + "*", month_bit(month)) for stem, month in _MONTHS.items()] + [
        (str(year), year_bit(year)) for year in range(FIRST_YEAR, LAST_YEAR + 1)]


@lru_cache(maxsize=WORD_CACHE)
def word_date_bits(word: str) -> int:
    """The month or year one folded word names ("декабрында", "2021"), as a bit."""
    if word.isdigit():
        return year_bit(int(word)) if len(word) == 4 else 0
    for stem, month in _MONTHS.items():
        if word.startswith(stem):
            return month_bit(month)
    return 0


def numeric_date_bits(text: str) -> int:
    """The months of dates written with dots ("08.12.2021" names December) in a lower-case text."""
    out = 0
    if "." in text:
        for month in _NUMERIC_DATE.findall(text):
            out |= month_bit(int(month))
    return out
