"""Normalisation, stemming, language detection and the three outcome bands."""

from __future__ import annotations

import pytest
from rapidfuzz import process

from bot.core.analysis import analyze, detect_language, small_talk_kind
from bot.core.evaluation import Outcome, evaluate, load_question_set, matcher_outcome
from bot.core.knowledge import load_knowledge
from bot.core.kyrgyz import strip_suffixes
from bot.core.matcher import Candidate, Matcher, Thresholds, decide
from bot.core.text import fuzzy_form, fold, transliterate_latin, words
from tests.conftest import KNOWLEDGE, SHARED


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(KNOWLEDGE))


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("ukuk", "укук"),
        ("okmotu", "окмоту"),
        ("aiyl", "айыл"),
        ("naznachaet", "назначает"),
        ("polnomochiya", "полномочия"),
        ("zhogorku", "жогорку"),
        ("jergiliktuu", "жергиликтуу"),
        ("shaardyn", "шаардын"),
        ("chuy", "чуй"),
        ("kengesh", "кеңеш"),
        ("yugo", "юго"),
        ("administratsiia", "администрация"),
        ("ökmötü", "өкмөтү"),
        ("bashchysy", "башчысы"),
        ("kaysy", "кайсы"),  # "y" after a vowel is й: Kyrgyz has no "аы"
        ("dayyndayt", "дайындайт"),
        ("yigarym", "ыйгарым"),
        ("koet", "коет"),  # коёт: "oe" is two letters in chat, not ө
    ],
)
def test_latin_is_transliterated(latin, cyrillic):
    assert transliterate_latin(latin) == cyrillic


def test_words_fold_and_fix_mixed_scripts():
    assert words("Ёлка, AКИМ!  и 123") == ["елка", "аким", "и", "123"]  # Latin А inside a Cyrillic word
    assert fold("өкмөтү мэриясы кеңеш объём") == "окмоту мериясы кенеш обем"
    assert fold("щит ъ ь") == "шчит  "
    assert words("Ұлуттук қызмат ѳкмѳт") == ["улуттук", "кызмат", "өкмөт"]  # Kazakh letters typed for Kyrgyz
    assert fuzzy_form("  Айыл ӨКМӨТҮ, кеңеш?! ").split() == ["айыл", "окмоту", "кенеш"]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("акимдердин", "аким"),
        ("акимдин", "аким"),
        ("акимге", "аким"),
        ("мэрлеринин", "мер"),
        ("өкмөтүнүн", "окмот"),
        ("окмотунун", "окмот"),  # typed without the Kyrgyz letters
        ("райондордун", "район"),
        ("районуна", "район"),  # must not cut into the protected stem
        ("дайындалышы", "дайында"),
        ("дайындоо", "дайында"),
        ("дайындайт", "дайында"),
        ("шаардын", "шаар"),
        ("аймагынын", "аймак"),  # г back to к
        ("кеңешмеде", "кенешме"),
        ("башчысын", "башчы"),
        ("мыйзамдарды", "мыйзам"),
        ("депутаттар", "депутат"),
        ("барбы", "бар"),
        ("окуйм", "оку"),  # 1st person after a vowel
        ("дайындашабы", "дайында"),  # reciprocal + question particle
    ],
)
def test_kyrgyz_suffix_stripping(word, stem):
    assert strip_suffixes(fold(word)) == stem


def test_suffix_stripping_respects_vowel_harmony():
    # -дын after a front vowel is wrong Kyrgyz, so it is not an ending there
    assert strip_suffixes("кечедын") == "кечедын"
    assert strip_suffixes("кеченин") == "кече"  # front vowel + -нин is a real ending
    assert strip_suffixes("китептер") == "китеп"
    assert strip_suffixes("китептар") == "китептар"  # back-vowel plural after a front stem: not stripped


def test_russian_stemming_keeps_kyrgyz_loanwords():
    assert analyze("аким акима акимом", "ru") == ("аким", "аким", "аким")
    assert analyze("айыл окмоту кенеша", "ru") == ("айыл", "окмот", "кенеш")
    assert analyze("полномочия полномочий", "ru") == ("полномоч", "полномоч")
    assert analyze("мэр мэрия мэрии", "ru") == ("мер", "мерия", "мерия")


def test_a_stop_word_with_an_ending_is_still_a_stop_word():
    assert analyze("аким эмнелерди чечет", "ky") == analyze("аким чечет", "ky")


def test_stop_words_dropped_and_question_words_become_intents():
    assert analyze("Кто назначает акима?", "ru") == ("?who", "назнача", "аким")
    assert analyze("акимди ким дайындайт", "ky") == ("аким", "?who", "дайында")
    assert analyze("О чём закон?", "ru") == ("?what", "закон")


def test_abbreviations_expand_in_the_texts_language():
    assert analyze("МГА", "ru") == analyze("местная государственная администрация", "ru")
    assert analyze("МГАнын", "ky") == analyze("жергиликтүү мамлекеттик администрация", "ky")
    assert analyze("АӨ башчысы", "ky") == analyze("айыл өкмөтү башчысы", "ky")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Кто назначает акима района?", "ru"),
        ("акимди ким дайындайт", "ky"),
        ("айыл окмотунун башчысы ким", "ky"),
        ("kim daiyndait akimdi", "ky"),
        ("kto naznachaet akima", "ru"),
        ("Мыйзам кайсы күнү кол коюлган?", "ky"),
    ],
)
def test_language_detection(matcher, text, lang):
    assert matcher.detect_language(text)[0] == lang


def test_language_detection_without_evidence():
    assert detect_language("123") == (None, 0.0)


@pytest.mark.parametrize("text", ["привет", "?", "ok", "123", "", "   ", "салам", "рахмат", "спасибо большое", "кто?"])
def test_contentless_input_is_never_answered(matcher, text):
    assert matcher.match(text).status == "none"


def test_greetings_and_thanks_are_recognised():
    assert small_talk_kind("Саламатсызбы!") == "greeting"
    assert small_talk_kind("рахмат чоң") == "thanks"
    assert small_talk_kind("салам, акимди ким дайындайт?") is None


def test_bands_on_a_ranking():
    t = Thresholds(answer=0.7, lead=0.7, lead_ratio=1.0, suggest=0.1)
    c = lambda i, s: Candidate(i, s, "ru")  # noqa: E731
    assert decide([c("a", 0.9), c("b", 0.05)], t)[:2] == ("answer", "a")
    status, entry_id, suggestions = decide([c("a", 0.4), c("b", 0.3), c("d", 0.15), c("e", 0.12)], t)
    assert (status, entry_id) == ("suggest", None) and [s.entry_id for s in suggestions] == ["a", "b", "d"]
    assert [s.entry_id for s in decide([c("a", 0.6), c("b", 0.05)], t)[2]] == ["a"]  # b is under the floor
    assert decide([c("a", 0.08)], t) == ("none", None, ())
    assert decide([], t) == ("none", None, ())
    limited = Thresholds(answer=0.7, lead=0.7, lead_ratio=1.0, suggest=0.1, none_limit=0.8)
    assert decide([c("a", 0.15)], limited, none=0.5)[0] == "suggest"
    assert decide([c("a", 0.15)], limited, none=0.82) == ("none", None, ())  # likely about something else
    assert decide([c("a", 0.95)], limited, none=0.9)[0] == "answer"


def test_an_answer_carries_the_plausible_runner_ups():
    t = Thresholds(answer=0.7, lead=0.7, lead_ratio=1.0, suggest=0.1, max_suggestions=3)
    c = lambda i, s: Candidate(i, s, "ru")  # noqa: E731
    status, entry_id, others = decide([c("a", 0.75), c("b", 0.15), c("d", 0.04)], t)
    assert (status, entry_id) == ("answer", "a") and [o.entry_id for o in others] == ["b"]  # d is not plausible
    assert decide([c("a", 0.97), c("b", 0.01)], t)[2] == ()  # nothing else plausible: no buttons
    status, _, others = decide([c("a", 0.8), c("b", 0.3), c("d", 0.2), c("e", 0.15), c("f", 0.12)], t)
    assert status == "answer" and len(others) == 3  # at most max_suggestions under an answer


def test_a_clear_leader_is_answered_and_a_tie_is_offered():
    t = Thresholds(answer=0.8, lead=0.5, lead_ratio=4.0, suggest=0.05, none_limit=0.95)
    c = lambda i, s: Candidate(i, s, "ru")  # noqa: E731
    # 0.6 is under "answer" but four times the runner-up and "none": a clear leader, answered with the runner-up
    assert decide([c("a", 0.6), c("b", 0.12)], t, none=0.1)[:2] == ("answer", "a")
    assert [o.entry_id for o in decide([c("a", 0.6), c("b", 0.12)], t, none=0.1)[2]] == ["b"]
    # the same 0.6 against a close runner-up: a real tie, the person chooses
    status, entry_id, offered = decide([c("a", 0.6), c("b", 0.35)], t, none=0.02)
    assert (status, entry_id) == ("suggest", None) and [o.entry_id for o in offered] == ["a", "b"]
    # ... and against a likely "none of them": not answered either
    assert decide([c("a", 0.6), c("b", 0.02)], t, none=0.35)[0] == "suggest"
    # under "lead" nothing is a clear leader
    assert decide([c("a", 0.45), c("b", 0.01)], t, none=0.02)[0] == "suggest"


def test_match_json_has_suggestions_under_an_answer(matcher):
    result = matcher.match("акимдин орун басарын ким дайындайт жана ким бошотот")
    assert result.status == "answer"
    data = result.to_json()
    assert set(data) == {"query", "lang", "status", "id", "score", "suggestions"}
    assert data["id"] == result.entry_id and len(data["suggestions"]) == len(result.suggestions)
    assert all(s["id"] != result.entry_id for s in data["suggestions"])


def test_scores_are_probabilities_with_room_for_none(matcher):
    ranked = matcher.rank("акимди ким дайындайт", "ky", limit=10)
    assert ranked[0].entry_id == "akim-appointment"
    assert 0 < sum(c.score for c in ranked) <= 1
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_an_unknown_word_lowers_the_confidence(matcher):
    known = matcher.rank("акимди ким дайындайт", "ky")[0]
    unknown = matcher.rank("акимдин айдоочусун ким дайындайт", "ky")[0]  # the akim's driver
    assert unknown.score < known.score


def test_typos_missing_letters_and_latin_reach_the_right_entry(matcher):
    for question in [
        "акимдин ыйгарым укуктары",  # exact words
        "акимдин ыйгарым укуктары кандай",
        "akimdin yigarym ukuktary",  # Latin, no special letters
        "акимдин ыйгарым укуктрары",  # a typo
    ]:
        result = matcher.match(question)
        ids = [result.entry_id] if result.status == "answer" else [c.entry_id for c in result.suggestions]
        assert "akim-powers-general" in ids, (question, result)


def test_an_unknown_word_keeps_a_question_from_a_confident_answer(matcher):
    assert matcher.match("Акимдин телефон номери кандай?").status != "answer"
    assert matcher.match("Сколько стоит хлеб?").status != "answer"


def plain_rapidfuzz(matcher: Matcher):
    choices, ids = [], []
    for e in matcher.entries:
        for lang in ("ky", "ru"):
            for text in e.texts(lang):
                choices.append(text)
                ids.append(e.id)

    def answer(question: str) -> Outcome:
        best = process.extractOne(question, choices)
        return Outcome(ids[best[2]] if best else None)

    return answer


# Regression floors on the development sets (measured only, never tuned on): the figures bench/evaluate.py
# measured for this version (bench/README.md) minus a margin of about one question. The targets are
# checked separately below; those not met yet are expected failures, strict, so meeting one fails the
# test until its floor is raised here.
DEV_FLOORS = {
    "dev_questions.tsv": dict(top1=0.84, reachable=0.97, wrong=0.02, oos_answered=0.05),  # measured .863/.986/0/0
    "dev_messages.tsv": dict(top1=0.72, reachable=0.92, wrong=0.04, oos_answered=0.11),  # .737/.937/.021/.069
}
DEV_TARGETS = {  # issues #3 and #10, minus a small margin
    "dev_questions.tsv": dict(top1=0.91, reachable=0.96, wrong=0.02, oos_answered=0.0),
    "dev_messages.tsv": dict(top1=0.83, reachable=0.96, wrong=0.025, oos_answered=0.06),
}


def dev_metrics(matcher: Matcher, name: str):
    return evaluate(matcher_outcome(matcher), load_question_set(SHARED / name))


def meets(metrics, bounds: dict[str, float]) -> bool:
    return (metrics.top1 >= bounds["top1"] and metrics.reachable >= bounds["reachable"]
            and metrics.wrong <= bounds["wrong"] and metrics.oos_answered <= bounds["oos_answered"])


@pytest.mark.parametrize("name", sorted(DEV_FLOORS))
def test_dev_set_floor_and_baseline(matcher, name):
    """Regression floor on a development set; bench/evaluate.py reports the figures themselves."""
    if not (SHARED / name).exists():
        pytest.skip("shared dev set not present")
    ours = dev_metrics(matcher, name)
    assert meets(ours, DEV_FLOORS[name]), ours
    baseline = evaluate(plain_rapidfuzz(matcher), load_question_set(SHARED / name))  # answers everything
    assert ours.top1 > baseline.top1, (ours, baseline)
    assert ours.wrong < baseline.wrong


@pytest.mark.xfail(strict=True, reason="the issue's targets are not met yet: see bench/README.md")
@pytest.mark.parametrize("name", sorted(DEV_TARGETS))
def test_dev_set_targets(matcher, name):
    if not (SHARED / name).exists():
        pytest.skip("shared dev set not present")
    ours = dev_metrics(matcher, name)
    assert meets(ours, DEV_TARGETS[name]), ours


def test_an_entry_is_never_answered_for_an_institution_its_questions_never_name(matcher):
    """However clearly it leads ("Сколько депутатов в местных кенешах?" shares every other word), the local
    kenesh's size is not the Jogorku Kenesh's: offered at most, never answered."""
    for question in ("Сколько депутатов в Жогорку Кенеше?", "Жогорку Кеңеште канча депутат бар?"):
        result = matcher.match(question)
        assert result.status != "answer", result
    assert matcher.match("Сколько депутатов в местном кенеше?").entry_id == "local-kenesh-size"


def test_decide_offers_a_leader_that_may_not_be_answered():
    t = Thresholds()
    vetoed = [Candidate("a", 0.99, "ru", answerable=False), Candidate("b", 0.005, "ru")]
    status, entry_id, offered = decide(vetoed, t, none=0.005)
    assert status == "suggest" and entry_id is None and offered[0].entry_id == "a"


@pytest.mark.parametrize("word", ["мэр", "кенеш", "аким", "mer"])
def test_one_word_several_entries_share_is_offered_not_answered(matcher, word):
    result = matcher.match(word)
    assert result.status == "suggest", result
    assert len(result.suggestions) >= 2


def test_one_word_only_one_entry_asks_about_can_be_answered(matcher):
    assert matcher.match("коллегия").entry_id == "lsa-collegium"
