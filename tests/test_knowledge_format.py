"""Validation of the FAQ format names the file, the entry and the field."""

from __future__ import annotations

import pytest

from bot.core.knowledge import KnowledgeError, dump_entries, load_knowledge, parse_yaml_text

GOOD = """
- id: sample-entry
  category: test
  question: {ky: "Суроо?", ru: "Вопрос?"}
  variants: {ky: ["вариант"], ru: ["вариант"]}
  answer: {ky: "Жооп.", ru: "Ответ."}
  basis: {ky: "Негиз.", ru: "Основание."}
  reviewed: 2026-11-26
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        parse_yaml_text(text, "faq/test.yaml")
    return info.value.problems


def test_good_entry_round_trips():
    entries = parse_yaml_text(GOOD, "faq/test.yaml")
    assert entries[0].id == "sample-entry"
    assert parse_yaml_text(dump_entries(entries), "again.yaml") == entries


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace('ru: "Ответ."', 'ru: ""'), "entry 'sample-entry': field 'answer.ru' must be a non-empty text"),
        (lambda t: t.replace('ru: "Ответ."', 'de: "Antwort"'), "field 'answer.de' is not a known language"),
        (lambda t: t.replace("  reviewed: 2026-11-26\n", ""), "entry 'sample-entry': field 'reviewed' is missing"),
        (lambda t: t.replace("reviewed: 2026-11-26", "reviewed: soon"), "field 'reviewed' must be a date"),
        (lambda t: t + "  colour: red\n", "field 'colour' is not a known field"),
        (lambda t: t.replace("id: sample-entry", "id: Sample Entry"), "field 'id' must be a slug"),
        (lambda t: t.replace('variants: {ky: ["вариант"], ru: ["вариант"]}', 'variants: {ky: "вариант", ru: []}'),
         "field 'variants.ky' must be a list of texts"),
        (lambda t: t + t, "field 'id' duplicates"),
        (lambda t: t.replace("question:", "question: [", 1), "not valid YAML at line"),
        (lambda t: "just: a mapping\n", "the file must be a YAML list of entries"),
    ],
)
def test_problems_name_file_entry_and_field(change, expected):
    problems = problems_of(change(GOOD))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("faq/test.yaml") for p in problems)


def test_directory_errors_collect_every_file(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")  # same id in another file
    (tmp_path / "c.yaml").write_text("- {id: x}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path)
    text = str(info.value)
    assert "b.yaml: entry 'sample-entry': field 'id' duplicates the entry in" in text
    assert "c.yaml: entry 'x': field 'category' is missing" in text


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(KnowledgeError, match="no FAQ files"):
        load_knowledge(tmp_path)
