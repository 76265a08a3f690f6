"""Guard rails on the shipped FAQ, so the knowledge cannot silently rot.

The required topic ids and the article numbers each topic may cite are read from
``../shared/knowledge/topics.md``; a copy of what was read is kept in ``tests/data/topics_articles.json``
so the suite also runs where ``shared/`` is absent (and fails when the two disagree).

The style rules of CONTENT_BRIEF.md and docs/knowledge.md are checked too: no «Кабмин», no «МГА» and
no «гос.» / «муниц.» / «мамл.» / dd.mm.yyyy dates in Kyrgyz text, the basis ends with the date the facts
were checked (and that date is the entry's ``reviewed``), no variant is repeated anywhere in the FAQ, and
every section-G topic has an entry with enough variants. Each detector has its own small negative test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.core.evaluation import load_question_set
from bot.core.knowledge import LANGS, load_knowledge
from bot.core.text import normalize
from tests.conftest import KNOWLEDGE, SHARED

TOPICS_MD = SHARED / "topics.md"
SNAPSHOT = Path(__file__).parent / "data" / "topics_articles.json"
MAX_ANSWER = 700
MIN_VARIANTS = 10  # per language, every entry (CONTENT_BRIEF.md: "at least 10 per language")
MIN_VARIANTS_REVISED = 12  # per language, the 36 entries of sections A-F after the November 2026 review

# Sections A-F of topics.md: the 36 topics the FAQ had before section G was added (November 2026). The
# section-G topics are the snapshot's ids minus these; when topics.md is present the test also checks
# that its sections A-F still name exactly these ids.
EXISTING_TOPICS = frozenset(
    {
        "law-identity", "law-subject", "law-priority", "law-special-territories", "law-repealed-acts",
        "law-amendments", "official-text",
        "lsa-definition", "lsa-accountability", "lsa-collegium", "delegated-powers-control",
        "akim-powers-general", "akim-appointment", "akim-native-restriction", "personnel-reserve",
        "akim-territorial-heads", "akim-reports", "akim-lsg-heads", "akim-responsibility", "akim-qualifications",
        "lsa-structure", "territorial-pilot",
        "mayor-appointment", "mayor-dismissal", "mayor-office-structure", "lsg-head-term",
        "aiyl-okmotu-native-rule", "district-kenesh", "lsg-development-program", "local-kenesh-size",
        "local-community-charter", "delegation-law", "atr-reform",
        "meeting-2021-12-08", "meeting-decision",
        "bot-ask-official",
    }
)  # fmt: skip

# "ст. 47", "статья 9", "статьи 1", "Art. 70"; Kyrgyz "47-берене", "47-беренесинин", "46- жана 52-беренелердин".
ARTICLE_PATTERNS = [
    re.compile(r"\b(?:ст\.|стать[яиеюй]\w*|art\.)\s*(\d+)", re.IGNORECASE),
    re.compile(r"(\d+)\s*-\s*берене", re.IGNORECASE),
    re.compile(r"(\d+)\s*-\s*(?=жана\s+\d+\s*-\s*берене)", re.IGNORECASE),
]


def cited_articles(text: str) -> set[int]:
    found = set()
    for pattern in ARTICLE_PATTERNS:
        found |= {int(n) for n in pattern.findall(text)}
    return found


def parse_topics(markdown: str) -> dict[str, set[int]]:
    """topic id -> the article numbers its facts mention.

    A topic's facts are the lines under its "### id — " heading, plus the bullets of the closing
    "## Corrections ..." section that name it in their bold lead ("- **akim-appointment (addition):**").
    """
    topics: dict[str, set[int]] = {}
    current: list[str] = []
    corrections = False
    for line in markdown.splitlines():
        heading = re.match(r"^### ([a-z0-9-]+) — ", line)
        if heading:
            current = [heading.group(1)]
            topics[current[0]] = set()
        elif line.startswith("## "):
            current = []
            corrections = line.startswith("## Corrections")
        elif corrections and line.startswith("- "):
            lead = re.match(r"^- \*\*([^*]+)\*\*", line)
            current = [t for t in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", lead.group(1)) if t in topics] if lead else []
        for topic in current:
            topics[topic] |= cited_articles(line)
    return topics


@pytest.fixture(scope="module")
def topics() -> dict[str, set[int]]:
    snapshot = {k: set(v) for k, v in json.loads(SNAPSHOT.read_text(encoding="utf-8")).items()}
    if TOPICS_MD.exists():
        live = parse_topics(TOPICS_MD.read_text(encoding="utf-8"))
        assert live == snapshot, "topics.md changed: refresh tests/data/topics_articles.json and the FAQ"
    return snapshot


@pytest.fixture(scope="module")
def entries():
    return load_knowledge(KNOWLEDGE)


def test_topics_snapshot_is_plausible(topics):
    assert len(topics) == 54
    assert topics["law-subject"] == {1}
    assert 47 in topics["mayor-appointment"]


def test_every_required_topic_has_an_entry(entries, topics):
    ids = {e.id for e in entries}
    assert not set(topics) - ids, f"missing topics: {sorted(set(topics) - ids)}"


def test_ids_are_unique(entries):
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))


def test_every_field_in_both_languages(entries):
    for e in entries:
        for lang in LANGS:
            for field in (e.question, e.answer, e.basis):
                assert field[lang].strip(), (e.id, lang)
            assert len(e.variants[lang]) >= MIN_VARIANTS, (e.id, lang, len(e.variants[lang]))


def test_no_two_entries_share_a_question_text(entries):
    owner: dict[str, str] = {}
    for e in entries:
        for lang in LANGS:
            for text in e.texts(lang):
                key = " ".join(normalize(text).strip(" ?!.").split())
                assert owner.setdefault(key, e.id) == e.id, f"{text!r} is in {owner[key]} and {e.id}"


def test_answers_fit_a_phone_screen(entries):
    for e in entries:
        for lang in LANGS:
            assert len(e.answer[lang]) <= MAX_ANSWER, (e.id, lang, len(e.answer[lang]))


def test_cited_articles_come_from_the_topic_facts(entries, topics):
    """An answer or basis may cite only article numbers the facts give for that topic."""
    for e in entries:
        allowed = topics.get(e.id, set())
        for lang in LANGS:
            for field in ("answer", "basis"):
                cited = cited_articles(getattr(e, field)[lang])
                assert cited <= allowed, f"{e.id} {field}.{lang} cites {sorted(cited - allowed)}; allowed {sorted(allowed)}"


def test_article_detection_itself():
    assert cited_articles("ст. 47 Закона; статьи 9 и по ч. 5 ст. 70") == {47, 70, 9}
    assert cited_articles("47-беренесинин 1-бөлүгү; 46- жана 52-беренелердин") == {47, 46, 52}
    assert cited_articles("1-бөлүк, 2-пункт, № 123") == set()


def test_unconfirmed_akim_appointment_article_is_not_cited(entries):
    entry = next(e for e in entries if e.id == "akim-appointment")
    for lang in LANGS:
        assert cited_articles(entry.answer[lang]) == set()


def test_no_word_mixes_latin_and_cyrillic(entries):
    mixed = re.compile(r"\w*(?:[a-z][а-яөүң]|[а-яөүң][a-z])\w*", re.IGNORECASE)
    for e in entries:
        for lang in LANGS:
            for text in (e.question[lang], e.answer[lang], e.basis[lang], *e.variants[lang]):
                assert not mixed.search(text), (e.id, text)


@pytest.mark.skipif(not (SHARED / "dev_questions.tsv").exists(), reason="shared dev set not present")
def test_dev_questions_are_not_copied_into_variants(entries):
    dev = [normalize(i.question).strip(" ?") for i in load_question_set(SHARED / "dev_questions.tsv")]
    for e in entries:
        for lang in LANGS:
            for text in e.texts(lang):
                best = process.extractOne(normalize(text).strip(" ?"), dev, scorer=fuzz.ratio)
                assert best[1] < 90, f"{e.id}: {text!r} is nearly the dev question {best[0]!r}"


# --- Style of answers and bases (CONTENT_BRIEF.md, review-2026-11.md "Across the whole FAQ") ---------

_NOT_A_LETTER = r"(?<![A-Za-zА-Яа-яЁёӨөҮүҢң])"
_BANNED_IN_BOTH = [
    ("«Кабмин»: write «Кабинет Министров» / «Министрлер Кабинети»", re.compile(r"кабмин", re.IGNORECASE)),
    ("«гос.»: write the word out", re.compile(_NOT_A_LETTER + r"гос\.", re.IGNORECASE)),
    ("«муниц.»: write the word out", re.compile(_NOT_A_LETTER + r"муниц\.", re.IGNORECASE)),
    ("«в наших источниках»: «в открытых официальных источниках не выявлено»", re.compile(r"в наших источниках", re.I)),
]
_BANNED_IN_KYRGYZ = [
    ("«МГА» in Kyrgyz text: «райондук мамлекеттик администрация»", re.compile(_NOT_A_LETTER + "МГА")),
    ("«ЖМА» is not confirmed in sources", re.compile(_NOT_A_LETTER + "ЖМА")),
    ("«мамл.»: write the word out", re.compile(_NOT_A_LETTER + r"мамл\.", re.IGNORECASE)),
    ("dd.mm.yyyy in Kyrgyz text: «2022-жылдын 28-ноябрындагы»", re.compile(r"(?<!\d)\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d)")),
    ("«биздин булактарда»: «ачык расмий булактардан табылган жок»", re.compile(r"биздин булактар", re.IGNORECASE)),
]


def style_problems(text: str, lang: str) -> list[str]:
    """What in an answer or basis breaks the abbreviation, date and wording rules, one line per rule."""
    rules = _BANNED_IN_BOTH + (_BANNED_IN_KYRGYZ if lang == "ky" else [])
    return [f"{rule}: {match.group(0)!r}" for rule, pattern in rules if (match := pattern.search(text))]


def test_answers_and_bases_follow_the_style_rules(entries):
    problems = [
        f"{e.id} {field}.{lang}: {problem}"
        for e in entries
        for lang in LANGS
        for field in ("answer", "basis")
        for problem in style_problems(getattr(e, field)[lang], lang)
    ]
    assert not problems, "\n".join(problems)


def test_style_detection_itself():
    assert style_problems("Кабмин коллегиясынын жыйындарында", "ky")
    assert style_problems("выговор на коллегии Кабмина", "ru")
    assert style_problems("МГАнын башчысы", "ky") and style_problems("(МГА) башчысы", "ky")
    assert not style_problems("глава МГА (аким)", "ru")  # the abbreviation is allowed in Russian
    assert style_problems("гос. органдар", "ky") and style_problems("гос. или муниц. должности", "ru")
    assert style_problems("мамл. же муниц. кызмат", "ky") and style_problems("ЖМА башчысы", "ky")
    assert style_problems("28.11.2022-жылдагы № 113", "ky") and style_problems("1.01.2026-жылдан", "ky")
    assert not style_problems("от 28.11.2022 № 113", "ru")  # dd.mm.yyyy is fine in Russian
    assert style_problems("в наших источниках не найден", "ru") and style_problems("биздин булактарда жок", "ky")
    assert not style_problems("2022-жылдын 28-ноябрындагы № 113 Мыйзамы; райондук мамлекеттик администрация", "ky")
    assert not style_problems("Министрлер Кабинети; cbd.minjust.gov.kg; 24.kg, 2021-жылдын 21-октябры", "ky")
    assert not style_problems("Кабинет Министров; государственных органов; госорганы", "ru")


# --- The basis ends with the date the facts were checked, and that date is `reviewed` ------------------

KY_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "май": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_RU_BASIS_DATE = re.compile(r"По состоянию на (\d{2})\.(\d{2})\.(\d{4})\.$")
_KY_BASIS_DATE = re.compile(r"Маалымат (\d{4})-жылдын (\d{1,2})-([а-яөүң]+) карата\.$")


def basis_date(text: str, lang: str) -> dt.date | None:
    """The date a basis ends with: ru «… По состоянию на 29.11.2026.», ky «… Маалымат 2026-жылдын
    29-ноябрына карата.»; None when the basis does not end in exactly that form."""
    text = text.strip()
    if lang == "ru":
        match = _RU_BASIS_DATE.search(text)
        year, month, day = (match[3], match[2], match[1]) if match else (None, None, None)
    else:
        match = _KY_BASIS_DATE.search(text)
        month_number = next((n for stem, n in KY_MONTHS.items() if match and match[3].startswith(stem)), None)
        year, month, day = (match[1], month_number, match[2]) if match and month_number else (None, None, None)
    try:
        return dt.date(int(year), int(month), int(day)) if year else None
    except ValueError:  # a day the month does not have
        return None


def test_reviewed_is_the_date_the_basis_ends_with(entries):
    problems = [
        f"{e.id} basis.{lang} ends {e.basis[lang][-48:]!r}; reviewed {e.reviewed}"
        for e in entries
        for lang in LANGS
        if basis_date(e.basis[lang], lang) != e.reviewed
    ]
    assert not problems, "\n".join(problems)


def test_basis_date_detection_itself():
    assert basis_date("Закон КР от 20.10.2021 № 123. По состоянию на 29.11.2026.", "ru") == dt.date(2026, 11, 29)
    assert basis_date("№ 123 Мыйзамы. Маалымат 2026-жылдын 29-ноябрына карата.", "ky") == dt.date(2026, 11, 29)
    assert basis_date("Маалымат 2026-жылдын 1-январына карата.", "ky") == dt.date(2026, 1, 1)
    assert basis_date("Маалымат 2025-жылдын 5-майына карата.", "ky") == dt.date(2025, 5, 5)
    assert basis_date("Маалымат 2025-жылдын 30-июнуна карата.", "ky") == dt.date(2025, 6, 30)
    assert basis_date("Сведения на 01.01.2026; актуальная редакция — cbd.minjust.gov.kg.", "ru") is None
    assert basis_date("По состоянию на 29.11.2026. Тексты — cbd.minjust.gov.kg.", "ru") is None  # not at the end
    assert basis_date("Маалымат 01.01.2026-жылга карата.", "ky") is None
    assert basis_date("Маалымат 2026-жылдын 31-ноябрына карата.", "ky") is None  # November has 30 days
    assert basis_date("Маалымат 2026-жылдын 29-брюмерине карата.", "ky") is None  # not a month


# --- No question text twice in the FAQ ---------------------------------------------------------------


def variant_key(text: str) -> str:
    """How question texts are compared: lower case, ё as е, punctuation and extra spaces ignored."""
    text = text.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def duplicate_texts(owned_texts: list[tuple[str, str]]) -> list[str]:
    """(owner, text) pairs -> one line for every text whose key an earlier pair already had."""
    first: dict[str, tuple[str, str]] = {}
    repeats = []
    for owner, text in owned_texts:
        key = variant_key(text)
        if key in first:
            repeats.append(f"{owner}: {text!r} repeats {first[key][0]}: {first[key][1]!r}")
        else:
            first[key] = (owner, text)
    return repeats


def test_no_variant_is_repeated_within_or_across_entries(entries):
    """The canonical question counts as one of the entry's texts."""
    owned = [(f"{e.id} [{lang}]", text) for e in entries for lang in LANGS for text in e.texts(lang)]
    repeats = duplicate_texts(owned)
    assert not repeats, f"{len(repeats)} repeated texts:\n" + "\n".join(repeats)


def test_duplicate_detection_itself():
    assert variant_key("  Кто назначает  акима? ") == variant_key("кто назначает акима") == "кто назначает акима"
    assert variant_key("Шаардын мэрин ким бошотот!") == variant_key("шаардын мэрин ким бошотот")
    assert variant_key("объём полномочий") == variant_key("объем полномочий")
    assert variant_key("акимдин ыйгарым укуктары") != variant_key("акимдин ыйгарым укуктары кандай")
    assert duplicate_texts([("a [ru]", "Кто назначает акима?"), ("a [ru]", "кто назначает акима")])
    assert duplicate_texts([("a [ky]", "акимди ким бошотот"), ("b [ky]", "Акимди ким бошотот?")])
    assert not duplicate_texts([("a [ru]", "кто назначает акима"), ("b [ru]", "кто назначает мэра")])


def test_revised_entries_keep_twelve_distinct_variants(entries):
    for e in entries:
        if e.id in EXISTING_TOPICS:
            for lang in LANGS:
                distinct = {variant_key(v) for v in e.variants[lang]} - {variant_key(e.question[lang])}
                assert len(distinct) >= MIN_VARIANTS_REVISED, (e.id, lang, len(distinct))


# --- Section G of topics.md (added November 2026) ----------------------------------------------------


def topic_sections(markdown: str) -> dict[str, set[str]]:
    """Section letter ("A" ... "G") -> the topic ids of the "### id — " headings under "## X. ..."."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            letter = re.match(r"^## ([A-Z])\. ", line)
            current = letter.group(1) if letter else None
            if current:
                sections.setdefault(current, set())
        elif current and (heading := re.match(r"^### ([a-z0-9-]+) — ", line)):
            sections[current].add(heading.group(1))
    return sections


@pytest.fixture(scope="module")
def section_g(topics) -> set[str]:
    """The section-G topic ids: from topics.md when it is present, else the snapshot's ids minus A-F."""
    from_snapshot = set(topics) - EXISTING_TOPICS
    if not TOPICS_MD.exists():
        return from_snapshot
    sections = topic_sections(TOPICS_MD.read_text(encoding="utf-8"))
    a_to_f = set().union(*(ids for letter, ids in sections.items() if letter != "G"))
    assert a_to_f == EXISTING_TOPICS, "sections A-F of topics.md changed: update EXISTING_TOPICS"
    assert sections.get("G") == from_snapshot, "section G of topics.md and the snapshot disagree"
    return sections["G"]


def test_topic_section_parsing_itself():
    markdown = "\n".join(
        [
            "# Required FAQ topics",
            "## A. The law itself",
            "### law-identity — Which law governs akims and mayors",
            "- a fact with an em dash — inside",
            "## G. Questions officials ask (added November 2026)",
            "### akim-dismissal — Dismissing an akim",
            "### acting-akim — Who acts for an akim",
            "## Corrections and additions (November 2026)",
            "### stray-id — not in a lettered section",
        ]
    )
    assert topic_sections(markdown) == {"A": {"law-identity"}, "G": {"akim-dismissal", "acting-akim"}}


def test_every_section_g_topic_has_an_entry_with_enough_variants(entries, section_g):
    """Fails until the 18 section-G entries (knowledge/faq/07-*.yaml, 08-*.yaml) are merged."""
    assert len(section_g) == 18, sorted(section_g)
    by_id = {e.id: e for e in entries}
    missing = sorted(section_g - set(by_id))
    assert not missing, f"section-G topics without an entry: {missing}"
    for topic in sorted(section_g):
        for lang in LANGS:
            distinct = {variant_key(v) for v in by_id[topic].variants[lang]}
            assert len(distinct) >= MIN_VARIANTS, (topic, lang, len(distinct))
