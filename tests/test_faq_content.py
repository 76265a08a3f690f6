"""Guard rails on the shipped FAQ, so the knowledge cannot silently rot.

The required topic ids and the article numbers each topic may cite are read from
``../shared/knowledge/topics.md``; a copy of what was read is kept in ``tests/data/topics_articles.json``
so the suite also runs where ``shared/`` is absent (and fails when the two disagree).
"""

from __future__ import annotations

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
MIN_VARIANTS = 6

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
