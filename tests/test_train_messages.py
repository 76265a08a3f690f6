"""Guard rails for bench/train_messages.tsv, our own training/validation messages for the matcher.

The file must stay independent of the held-out dev sets: this test compares it with them (when they exist)
so that nobody has to open them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.core.evaluation import load_question_set
from tests.conftest import KNOWLEDGE, ROOT, SHARED

TRAIN = ROOT / "bench" / "train_messages.tsv"
TOPICS = ROOT / "tests" / "data" / "topics_articles.json"
OUT_OF_SCOPE = "-"
MIN_PER_ID = 5
MIN_OUT_OF_SCOPE = 80
FAQ_RATIO = 85
DEV_RATIO = 80
DEV_TOKEN_SET = 90
DEV_TOKEN_SET_MIN_LEN = 60


def norm(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def parse() -> list[tuple[int, str, str]]:
    rows = []
    for number, line in enumerate(TRAIN.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 2, f"line {number}: expected 'id<TAB>message', got {line!r}"
        expected, message = parts
        assert expected == expected.strip() and expected, f"line {number}: bad id {expected!r}"
        assert message.strip() == message and message, f"line {number}: empty or padded message"
        rows.append((number, expected, message))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, str, str]]:
    return parse()


@pytest.fixture(scope="module")
def faq_texts() -> list[str]:
    texts = []
    for path in sorted((KNOWLEDGE / "faq").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for lang, question in (entry.get("question") or {}).items():
                texts.append(question)
            for lang, variants in (entry.get("variants") or {}).items():
                texts.extend(variants or [])
    assert texts
    return sorted({norm(t) for t in texts})


def test_header():
    first = TRAIN.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == "# expect\tmessage"


def test_every_line_parses(rows):
    text = TRAIN.read_text(encoding="utf-8")
    assert "\r" not in text
    assert len(rows) >= 400


def test_ids_are_topic_ids(rows):
    topics = set(json.loads(TOPICS.read_text(encoding="utf-8")))
    assert len(topics) == 54
    unknown = {(n, e) for n, e, _ in rows if e != OUT_OF_SCOPE and e not in topics}
    assert not unknown, sorted(unknown)


def test_every_id_has_enough_messages(rows):
    topics = json.loads(TOPICS.read_text(encoding="utf-8"))
    counts = Counter(e for _, e, _ in rows)
    few = {t: counts[t] for t in topics if counts[t] < MIN_PER_ID}
    assert not few, few


def test_enough_out_of_scope(rows):
    assert sum(e == OUT_OF_SCOPE for _, e, _ in rows) >= MIN_OUT_OF_SCOPE


def test_no_duplicates(rows):
    seen: dict[str, int] = {}
    for number, _, message in rows:
        key = norm(message)
        assert key not in seen, f"line {number} repeats line {seen[key]}: {message!r}"
        seen[key] = number


def test_some_messages_in_latin_letters(rows):
    latin = [m for _, _, m in rows if not re.search(r"[а-яёөүң]", m, re.IGNORECASE)]
    assert len(latin) >= len(rows) // 20


def test_not_copied_from_the_faq(rows, faq_texts):
    close = []
    for number, _, message in rows:
        best = process.extractOne(norm(message), faq_texts, scorer=fuzz.ratio)
        if best[1] >= FAQ_RATIO:
            close.append((number, message, best[0], round(best[1], 1)))
    assert not close, close


def dev_texts() -> list[str]:
    texts = []
    for name in ("dev_messages.tsv", "dev_questions.tsv"):
        path = SHARED / name
        if path.exists():
            texts.extend(norm(item.question) for item in load_question_set(path))
    return sorted(set(texts))


@pytest.mark.skipif(
    not ((SHARED / "dev_messages.tsv").exists() or (SHARED / "dev_questions.tsv").exists()),
    reason="shared dev sets not present",
)
def test_independent_of_the_dev_sets(rows):
    dev = dev_texts()
    assert dev
    close = []
    for number, _, message in rows:
        text = norm(message)
        ratio = process.extractOne(text, dev, scorer=fuzz.ratio)
        if ratio[1] >= DEV_RATIO:
            close.append((number, message, "ratio", round(ratio[1], 1)))
        if len(text) > DEV_TOKEN_SET_MIN_LEN:
            token_set = process.extractOne(text, dev, scorer=fuzz.token_set_ratio)
            if token_set[1] >= DEV_TOKEN_SET:
                close.append((number, message, "token_set_ratio", round(token_set[1], 1)))
    # Only our own line and the score are reported: the dev text stays unread.
    assert not close, close
