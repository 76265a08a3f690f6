"""Analysing many texts at once gives exactly what analyze() gives text by text."""

from pathlib import Path

import pytest

from bot.core.analysis import analyze
from bot.core.corpus import Terms, analyze_many
from bot.core.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "",
    "   ",
    "О чём закон?",  # a two-word intent at the start
    "в какой срок назначают акима",  # a three-word phrase start, partly matching
    "МГАнын коллегиясы деген эмне",  # an abbreviation with a Kyrgyz ending; "деген эмне" phrase
    "akimdin yigarym ukuktary kandai",  # Latin letters
    "aким с латинской a",  # a look-alike letter inside a Cyrillic word
    "ЁЛКА Ёлка қазақша ұ",  # upper case, ё, Kazakh letters
    "что такое что это",  # overlapping phrases
    "кто\nкто\x00кто",  # line breaks and a separator inside a text
    "№ 123, ст. 47 ч. 1",
    "x" * 2500 + " аким",  # longer than analyze() reads
]


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_same_terms_as_analyze_on_tricky_texts(lang):
    terms = Terms()
    assert analyze_many(TRICKY, lang, terms).per_text(terms) == [analyze(t, lang) for t in TRICKY]


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_same_terms_as_analyze_on_the_whole_faq(lang):
    texts = []
    for e in load_knowledge(ROOT / "knowledge"):
        texts += [*e.texts("ky"), *e.texts("ru"), e.answer["ky"], e.answer["ru"], e.basis[lang]]
    terms = Terms()
    assert analyze_many(texts, lang, terms).per_text(terms) == [analyze(t, lang) for t in texts]


def test_no_texts():
    terms = Terms()
    assert analyze_many([], "ky", terms).per_text(terms) == []
