"""Scope markers: questions in the FAQ's own words about something else (our own trap questions)."""

from __future__ import annotations

import pytest

from bot.core import scope
from bot.core.corpus import Terms, analyze_many, analyze_scope
from bot.core.evaluation import load_question_set
from bot.core.knowledge import load_knowledge
from bot.core.matcher import Matcher
from bot.core.ranker import ENTRY_FEATURES
from bot.core.text import fold, words
from tests.conftest import KNOWLEDGE, ROOT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(KNOWLEDGE))


def named(text: str) -> set[str]:
    folded = [fold(w) for w in words(text)]
    return set(scope.markers(folded)) | set(scope.posts(folded))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Парламенттин депутаттары канча жылга шайланат?", {"parliament", "kenesh_deputy"}),
        ("Кто назначает министра финансов?", {"minister"}),
        ("Министрлер Кабинетинин Төрагасын ким дайындайт?", {"cabinet", "chair"}),  # not a minister
        ("Өзбекстанда хокимдерди ким дайындайт?", {"foreign"}),
        ("Almatynyn akimin kim dayyndayt?", {"foreign", "akim"}),  # Latin letters
        ("Айыл өкмөтү башчысынын орун басарын ким коёт?", {"deputy", "aiyl_head"}),
        ("Какая зарплата у главы айыл окмоту?", {"pay", "aiyl_head"}),
        ("Бишкек мэриясынын дареги кайда?", {"contact", "mayor_office"}),
        ("Кто сейчас аким Сузакского района?", {"holder", "akim"}),
        ("Шаардын мэри ким дайындайт?", {"mayor"}),
        ("Какие меры принимает аким?", {"akim"}),  # "меры" are measures, not mayors
    ],
)
def test_markers_and_posts(text, expected):
    assert named(text) == expected


def test_dates():
    _, dates = analyze_scope("2021-жылдын 8-декабрындагы кеңешме жана 29.07.2024 мыйзам")
    assert dates == scope.month_bit(12) | scope.year_bit(2021) | scope.month_bit(7) | scope.year_bit(2024)
    assert analyze_scope("совещание 15 января 2023 года")[1] == scope.month_bit(1) | scope.year_bit(2023)


def test_the_index_reads_each_text_as_a_question_is_read():
    """analyze_many(scope=True) over all FAQ texts gives, text by text, what analyze_scope() gives."""
    texts = [t for e in load_knowledge(KNOWLEDGE) for lang in ("ky", "ru") for t in (*e.texts(lang), e.answer[lang])]
    for lang in ("ky", "ru"):
        found = analyze_many(texts, lang, Terms(), scope=True)
        for k, text in enumerate(texts):
            bits, dates = analyze_scope(text)
            # analyze_scope reads both languages' abbreviation expansions: the index reads one; per language
            # the index's bits are a subset, and together they are the same.
            assert found.scope[k] & ~bits == 0, text
            assert found.dates[k] & ~dates == 0, text


def gaps(matcher: Matcher, question: str) -> dict[str, tuple[float, float, float, float]]:
    found = matcher.question_evidence(question)
    cols = [ENTRY_FEATURES.index(n) for n in ("scope_gap", "post_gap", "date_gap", "key_missing")]
    return {matcher.entries[i].id: tuple(found.features[k, cols]) for k, i in enumerate(found.entries)}


def test_gap_features_on_our_traps(matcher):
    assert gaps(matcher, "Парламенттин депутаттары канча жылга шайланат?")["local-kenesh-size"][0] == 1.0
    assert gaps(matcher, "Айыл өкмөтү башчысынын орун басарын ким коёт?")["deputy-akims"][1] == 1.0
    assert gaps(matcher, "2019-жылдын мартындагы жумушчу кеңешмеде эмне чечилди?")["meeting-decision"][2] == 1.0
    assert gaps(matcher, "Кто назначает министра финансов?")["akim-appointment"][3] >= 0.5  # "аким" is missing
    # The entry's own words: no gap.
    assert gaps(matcher, "Акимди Президент дайындайбы?")["akim-appointment"][:3] == (0.0, 0.0, 0.0)
    assert gaps(matcher, "2021-жылдын 8-декабрындагы кеңешменин чечими")["meeting-decision"][2] == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "Өзбекстанда хокимдерди ким дайындайт?",
        "Какая зарплата у главы айыл окмоту?",
        "Айыл өкмөтү башчысынын орун басарын ким коёт?",
        "2019-жылдын мартындагы жумушчу кеңешмеде эмне чечилди?",
        "Кто назначает председателя Верховного суда?",
        "Парламенттин депутаттары канча жылга шайланат?",
        "Президенттин ыйгарым укуктары кайсылар?",
        "Кто сейчас аким Сузакского района?",
        "Бишкек мэриясынын дареги кайда?",
    ],
)
def test_our_traps_are_not_answered(matcher, question):
    assert matcher.match(question).status != "answer"


def test_the_trap_file_is_not_answered(matcher):
    traps = load_question_set(ROOT / "bench" / "out_of_scope_traps.tsv")
    assert traps
    answered = {t.question: r.entry_id for t in traps if (r := matcher.match(t.question)).status == "answer"}
    assert not answered, answered


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("Акимди Президент дайындайбы же Министрлер Кабинети?", "akim-appointment"),
        ("Жогорку Кеңеш 123-мыйзамды качан кабыл алган?", "law-identity"),
    ],
)
def test_the_same_words_in_scope_are_still_answered(matcher, question, entry):
    result = matcher.match(question)
    assert (result.status, result.entry_id) == ("answer", entry)


def test_gap_bits_per_entry_are_those_of_its_texts(matcher):
    """What the matcher holds per entry is what its texts name (read in their own language)."""
    for i, e in enumerate(matcher.entries):
        union = 0
        for lang in ("ky", "ru"):
            for text in e.texts(lang):
                union |= analyze_scope(text)[0]
        assert matcher._scope_texts[i] & ~union == 0, e.id
        assert matcher._scope_texts[i] != 0 or union == 0, e.id
