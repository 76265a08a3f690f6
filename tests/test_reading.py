"""Reading a message before matching it: the clauses that ask, the rest set aside; junk recognised.

The messages here are written for this test (ky, ru, Latin letters, code-switched), not taken from any set.
"""

from __future__ import annotations

import pytest

from bot.core.knowledge import load_knowledge
from bot.core.matcher import Matcher
from bot.core.reading import is_junk, read
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(KNOWLEDGE))


@pytest.mark.parametrize(
    ("message", "asked", "left_out"),
    [
        # Kyrgyz: greeting, self-introduction with a place, the question, thanks and a name
        (
            "Саламатсызбы! Мен Кочкор районундагы Кара-Суу айыл өкмөтүнүн адисимин. Айыл өкмөтүнүн башчысын "
            "азыр ким дайындайт? Алдын ала рахмат, Нурбек.",
            ["башчысын", "дайындайт"],
            ["Саламатсызбы", "адисимин", "Кочкор", "рахмат", "Нурбек"],
        ),
        # Russian: greeting, introduction, story, a request without a question mark, sign-off
        (
            "Добрый день, коллеги. Я депутат айылного кенеша в Таласском районе. У нас давно спорят о "
            "коллегии. Подскажите, кто входит в коллегию районной администрации. С уважением, Айгуль.",
            ["коллегию", "входит"],
            ["Добрый", "депутат", "Таласском", "спорят", "уважением", "Айгуль"],
        ),
        # Latin letters
        (
            "Salam. Men Naryn shaarynan jazyp jatam. Akimdi kim dayyndayt? Rahmat.",
            ["Akimdi", "dayyndayt"],
            ["Salam", "Naryn", "jazyp", "Rahmat"],
        ),
        # code-switched: a Kyrgyz sentence with Russian words, the question in the middle
        (
            "Здравствуйте. Биздин районго жаңы аким келди. Аким территориальные подразделениялардын "
            "руководителдерин назначать кыла алабы? Спасибо заранее.",
            ["назначать", "подразделениялардын"],
            ["Здравствуйте", "Спасибо"],
        ),
    ],
)
def test_the_asking_clause_is_the_focus(matcher, message, asked, left_out):
    reading = matcher.read(message)
    for word in asked:
        assert word in reading.focus, (reading, word)
    for word in left_out:
        assert word not in reading.focus, (reading, word)


def test_a_question_that_points_back_borrows_the_sentence_before():
    reading = read("Мурда айыл өкмөтүнүн башчысын айылдык кеңеш шайлачу. Азыр аны ким дайындайт?")
    assert "башчысын" in reading.focus and "дайындайт" in reading.focus
    reading = read("Я глава айыл окмоту. Кто меня назначает?")
    assert "окмоту" in reading.focus


def test_a_story_without_a_question_is_read_whole():
    reading = read("Хочу узнать про коллегию районной госадминистрации")
    assert "коллегию" in reading.focus


def test_the_story_stays_as_context():
    reading = read("У нас в селе третий год нет воды. Кто назначает акима района?")
    assert "воды" not in reading.focus and "воды" in reading.context


def test_place_names_the_knowledge_base_does_not_know_are_dropped(matcher):
    reading = matcher.read("Может ли аким Ак-Талинского района назначить начальника налоговой?")
    assert "Ак" not in reading.focus.split() and "района" in reading.focus
    assert "Ош" in matcher.read("Кто назначает мэра Ош шаарынын?").focus  # known to the FAQ: kept


@pytest.mark.parametrize(
    "text",
    ["👍", "🙏🙏🙏", "???", "...", "!!!", "\u200b\u200b", "\u3164", "\u2800\u2800", "123", "#вопрос", "@ukuk_bot",
     "/start", "https://example.org/x", "  \u200d ", "—", "😂 ?"],
)
def test_junk_is_recognised(matcher, text):
    assert is_junk(text)
    result = matcher.match(text)
    assert result.status == "none" and result.small_talk == "junk"


@pytest.mark.parametrize("text", ["кто?", "мэр", "akim", "привет", "Рахмат!", "аким 👍"])
def test_words_are_not_junk(matcher, text):
    assert not is_junk(text)
    assert matcher.match(text).small_talk != "junk"


def test_greetings_and_thanks_keep_their_kind(matcher):
    assert matcher.match("Саламатсызбы!").small_talk == "greeting"
    assert matcher.match("Чоң рахмат!").small_talk == "thanks"


def test_a_long_message_is_answered_from_its_question(matcher):
    message = (
        "Ассалому алейкум, урматтуу адистер! Мен Ысык-Көл облусундагы бир айылдан жазып жатам, мугалиммин. "
        "Балдар менен сабакта мамлекеттик башкаруу тууралуу сүйлөштүк, алар көп суроо беришти. "
        "Район акимин ким дайындайт жана ким кызматтан бошотот? Жообуңузду күтөм, рахмат."
    )
    result = matcher.match(message)
    assert result.status == "answer" and result.entry_id == "akim-appointment", result
