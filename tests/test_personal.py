"""Names, phone numbers and contacts taken out of people's texts (bot/core/personal.py)."""

from __future__ import annotations

import pytest

from bot.core.knowledge import load_knowledge
from bot.core.personal import clean_text, is_phone, known_words
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def known() -> frozenset[str]:
    return known_words(t for e in load_knowledge(KNOWLEDGE) for lang in ("ky", "ru")
                       for t in (e.question[lang], e.answer[lang], e.basis[lang], *e.variants[lang]))


@pytest.mark.parametrize(("text", "gone", "kept"), [
    ("Меня зовут Айбек Токтогулов, кто назначает акима района? +996 555 123 456",
     ["Айбек", "Токтогулов", "555"], ["кто назначает акима района?"]),
    ("Менин атым Айгүл, аким ким дайындайт? 0700 12 34 56", ["Айгүл", "0700"], ["аким ким дайындайт?"]),
    ("Кто назначает акима в Ошской области? Иванов Иван Иванович", ["Иван"], ["Ошской области"]),
    ("Жогорку Кеңеш акимди кетире алабы? Асанов Бакыт уулу", ["Асанов", "Бакыт", "уулу"], ["Жогорку Кеңеш акимди"]),
    ("Может ли мэр Бишкека уволить Петрова? a.b@mail.ru, @aibek_k, https://t.me/x",
     ["Петрова", "mail", "@aibek", "t.me"], ["мэр Бишкека уволить"]),
    ("Айбек, кто назначает акима?", ["Айбек"], ["кто назначает акима?"]),
    ("мэр города? Айбек Токтогулов 0555123456", ["Айбек", "Токтогулов", "0555"], ["мэр города?"]),
    ("Кто назначает акима? Спасибо.", [], ["Кто назначает акима? Спасибо."]),
    ("Закон № 123 от 20 октября 2021 года, 8 декабря 2021, 2021-2025", [], ["№ 123", "20 октября 2021", "2021-2025"]),
    ("Кто утверждает структуру МГА? тел. 62-12-34", ["62-12-34"], ["МГА"]),
])
def test_clean_text(known, text, gone, kept):
    for mask in ("", "***"):
        cleaned = clean_text(text, known, mask)
        for word in gone:
            assert word not in cleaned, (mask, cleaned)
        for words in kept:
            assert words in cleaned, (mask, cleaned)
    assert "***" in clean_text(text, known, "***") or not gone


def test_an_introduction_goes_with_the_name_unless_masked(known):
    assert clean_text("Меня зовут Айбек, кто назначает акима?", known) == "кто назначает акима?"
    assert clean_text("Меня зовут Айбек, кто назначает акима?", known, "***") == "Меня зовут ***, кто назначает акима?"


def test_phone_rule():
    assert is_phone("+996 555 123 456") and is_phone("0555123456") and is_phone("62-12-34")
    assert not is_phone("2021") and not is_phone("123 2021") and not is_phone("2021-2025")
