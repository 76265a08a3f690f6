"""Read a message before matching it: find the clauses that ask, and set aside what only surrounds them.

People write to the bot the way they write to a colleague in Telegram: a greeting, who they are ("мен …
районунун акимимин", "я депутат …"), a story, then the question, thanks and a name. Matched as one bag of
words, the greeting, the place names and the story dilute the question or decide it. Here a message is
split into sentences (and sentences into comma clauses at their edges), and each is read as one of:

- courtesy: greetings, addressing ("урматтуу адистер", "коллеги"), thanks, sign-offs and the name after
  them; dropped;
- introduction: who the writer is and where from ("Я глава айыл окмоту …", "… юристимин", "Пишу из
  Нарына"); context;
- asking: a question mark, a question word (кто, ким, канча, кандай, …), a Kyrgyz question particle
  (-бы/-би/-бу/-пы: барбы, алабы, керекпи), Russian "ли", or a request ("подскажите", "айтып бериңиз");
- story: everything else; context.

The *focus* the matcher scores is the asking clauses; when nothing asks, the story and introduction (a
message can be a bare topic). A focus with almost no content words of its own ("Кто его назначает?")
borrows the sentence before it. Place names written before a place word ("Ат-Башы районундагы",
"в Аламудунском районе") are dropped from the focus when the knowledge base does not know them.

Junk (no letters at all: emoji, punctuation, digits, blank-looking characters; or a lone #tag, @name,
/command or link) is recognised here too, so the bot can ask for the question in words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.lexicon import (
    COURTESY,
    INTRO_FIRST_WORDS,
    INTRO_PHRASES,
    KY_STOP,
    QUESTION_CUES,
    REQUEST_CUES,
    RU_STOP,
    THANKS_MARKERS,
)
from bot.core.text import fold, words

# Characters that render as nothing or as a blank: zero-width marks, fillers people paste to send an
# "empty" message (Hangul fillers are letters to Unicode, so they are named here).
_BLANK_LOOKING = dict.fromkeys(
    map(ord, "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062"
        "\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f\u2800\u3164\ufeff\uffa0"),
    " ",
)
_LONE_TAG = re.compile(r"^(?:[#@/]\S+|https?://\S+|www\.\S+)$", re.IGNORECASE)

# A sentence ends after ? ! … (any run of them), after a full stop followed by a space (unless the word
# before it is an abbreviation or an initial: "ст. 47", "С.Н. Жапаров"), at a semicolon or a line break.
_ABBREVIATIONS = frozenset(
    "г гг ст ч п пп стр см им обл р с тел т е д др каб ул мкр кырг рус англ млн млрд тыс ж жж б бб у эл "
    "пр прим напр руб сом".split()
)
_SPLIT = re.compile(r"([?!…]+)|(\.)(?=\s)|[;\n]+")
# Comma-like clause boundaries inside a sentence (for trimming courtesy and introductions at its edges).
_CLAUSE = re.compile(r",|:|\s[—–-]\s|\(|\)")

_KY_QUESTION_PARTICLE = re.compile(r"(?:бы|би|бу|пы|пи|пу)$")
_RU_WORDS_ENDING_LIKE_A_PARTICLE = frozenset(fold(w) for w in "бы трубы судьбы рыбы грибы зубы дубы клубы".split())
# Kyrgyz first-person predicate on the last word of a clause: юристимин, депутатымын, мугалиммин,
# студентпин ("I am a lawyer / a deputy / a teacher / a student").
_KY_FIRST_PERSON = re.compile(r"(?:мын|мин|мун|пын|пин|пун|бын|бин|бун)$")
_KY_FIRST_PERSON_VERBS = re.compile(r"(?:жатам|жатабыз|иштейм|иштеймин|жашайм|жашаймын|турам|келдим|кирдим)$")

# Place words: a capitalised name right before one of these is a place name ("Ат-Башы районундагы",
# "Кеминского района", "Kara-Balta shaarynyn").
_PLACE_WORDS = (
    "район", "шаар", "облус", "област", "город", "село", "айыл", "аймаг", "аймак", "кыштак", "поселок",
    "посёлок", "rayon", "raion", "shaar", "oblus", "oblast", "gorod", "aiyl", "ayil", "aimak",
)
_PLACE_NAME = re.compile(
    r"((?:[A-ZА-ЯЁӨҮҢ][\w'’`]*(?:-[\w'’`]+)*\s+){1,3})(?=(?:" + "|".join(_PLACE_WORDS) + r")\w*)",
)
_INDEFINITE = frozenset({"нибудь", "то", "либо"})
# Words that point back to an earlier sentence ("Этот запрет ещё действует?", "Азыр аны ким дайындайт?").
_ANAPHORA = frozenset(fold(w) for w in """
    это этот эта эти этого этом этой этим этих он она оно они его её ее их ему ей им них нем ней нём такой
    такая такое такие таких такого тот та те того тем тогда там
    бул ушул ошол ошо ал аны анын ага алар аларды алардын мындай ушундай ошондой булар ошону ошого ушуга
    буга муну мунун андай
    """.split())
_ANAPHORA_STEMS = tuple(fold(w) for w in "ошол ушул мындай ушундай ошондой булар ошого ушуга".split())
# An asking sentence with fewer content words than this, or with a word pointing back, borrows the
# sentence before it; that one borrows the one before it in turn when it is short (fewer content words
# than _CHAIN_CONTENT_WORDS) and points back too (at most _MAX_BORROWED in all).
_MIN_CONTENT_WORDS = 2
_ANAPHORIC_CONTENT_WORDS = 5
_CHAIN_CONTENT_WORDS = 4
_MAX_BORROWED = 2
# Words that ask for help without saying about what.
_NOT_CONTENT = frozenset(fold(w) for w in """
    жардам берип бериңиз бериңизчи берсеңиз берип коёсузбу коесузбу помогите помочь помогите хочу хотел
    хотела хотелось нужно надо просим прошу дать узнать понять знать билгим келет
    """.split())


@dataclass(frozen=True)
class Reading:
    """How a message was read. ``focus`` is what the matcher scores; ``questions`` are the asking
    sentences one by one (after trimming); ``context`` the introduction and story left out of the focus."""

    focus: str
    questions: tuple[str, ...] = ()
    context: str = ""
    junk: bool = False


def is_junk(text: str) -> bool:
    """No letters at all (emoji, punctuation, digits, blank-looking characters), or a lone tag, mention,
    command or link."""
    cleaned = text.translate(_BLANK_LOOKING).strip()
    if not cleaned:
        return True
    if not any(unicodedata.category(ch).startswith("L") for ch in cleaned):
        return True
    return bool(_LONE_TAG.match(cleaned))


def _folded_words(text: str) -> list[str]:
    return [fold(w) for w in words(text)]


_CAPITALISED = re.compile(r"^[A-ZА-ЯЁӨҮҢ][a-zа-яёөүң'’]+$")


def _names(raw: str, known: Callable[[str], bool] | None) -> set[str]:
    """The capitalised words of ``raw`` the knowledge base does not know (people's and places' names)."""
    return {w for token in raw.split() if _CAPITALISED.match(token.strip(".,!?;:«»\"()"))
            for w in _folded_words(token) if known is None or not known(w)}


def _is_courtesy(folded: list[str], raw: str, known: Callable[[str], bool] | None = None,
                 name_alone: bool = True) -> bool:
    """Only greetings, addressing, thanks and sign-offs, with stop words and names around them; a name
    alone ("…, Айбек.", unless ``name_alone`` is False: a sentence may start with a capital); or thanks with
    at most two other words ("Маалымат берсеңиз ыраазы болом")."""
    if not folded:
        return True
    names = _names(raw, known)
    if name_alone and len(folded) <= 2 and all(w in names for w in folded):
        return True
    if not any(w in COURTESY for w in folded):
        return False
    rest = [w for w in folded if w not in COURTESY and w not in RU_STOP and w not in KY_STOP and w not in names]
    if not rest:
        return True
    return "?" not in raw and any(w in THANKS_MARKERS for w in folded) and len(rest) <= 2


def _asks(folded: list[str], raw: str) -> bool:
    if "?" in raw:
        return True
    for i, w in enumerate(folded):
        if w in QUESTION_CUES and (i + 1 == len(folded) or folded[i + 1] not in _INDEFINITE):
            return True  # "когда-нибудь", "кто-то", "какой-либо" do not ask
        if w in REQUEST_CUES:
            return True
        if len(w) >= 4 and _KY_QUESTION_PARTICLE.search(w) and w not in _RU_WORDS_ENDING_LIKE_A_PARTICLE:
            return True
    return False


def _is_intro(folded: list[str]) -> bool:
    """Who the writer is: starts with "я"/"мен"/"меня зовут"/"пишу из", or ends with a Kyrgyz first-person
    predicate ("…юристимин", "…жазып жатам")."""
    if not folded:
        return False
    if folded[0] in INTRO_FIRST_WORDS or tuple(folded[:2]) in INTRO_PHRASES:
        return True
    last = folded[-1]
    return len(last) >= 6 and bool(_KY_FIRST_PERSON.search(last) or _KY_FIRST_PERSON_VERBS.search(last))


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        end = m.end()
        if m.group(2):  # a full stop: not after an abbreviation, an initial or a number ("ст. 47")
            before = text[start : m.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if len(last) == 1 or last.split(".")[-1] in _ABBREVIATIONS:
                continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _trim(sentence: str, known: Callable[[str], bool] | None) -> tuple[str, str]:
    """(the sentence without courtesy clauses at its edges, and without introductions at its start when
    the rest asks; the introductions taken off)."""
    clauses = [c for c in _CLAUSE.split(sentence) if c and c.strip()]
    while len(clauses) > 1 and _is_courtesy(_folded_words(clauses[-1]), clauses[-1], known):
        clauses.pop()
    intro: list[str] = []
    while len(clauses) > 1:
        first = _folded_words(clauses[0])
        if _is_courtesy(first, clauses[0], known, name_alone=False):
            clauses.pop(0)
        elif _is_intro(first) and not _asks(first, clauses[0]):
            intro.append(clauses.pop(0))
        else:
            break
    rest = " ".join(c.strip() for c in clauses)
    if intro and not _asks(_folded_words(rest), rest):
        return " ".join([*intro, rest]), "*"  # an introduction that goes on: all of it is introduction
    return rest, " ".join(c.strip() for c in intro)


def _content_words(folded: list[str]) -> int:
    return sum(len(w) >= 3 and w not in RU_STOP and w not in KY_STOP and w not in COURTESY
               and w not in QUESTION_CUES and w not in REQUEST_CUES and w not in _NOT_CONTENT for w in folded)


def _points_back(folded: list[str]) -> bool:
    return any(w in _ANAPHORA or w.startswith(_ANAPHORA_STEMS) for w in folded)


def _borrowed(kinds: list[tuple[str, str]], i: int) -> list[str]:
    """The non-asking sentences right before sentence ``i``: one, or two when the nearer one points back too."""
    out: list[str] = []
    j = i - 1
    while j >= 0 and kinds[j][0] != "ask" and len(out) < _MAX_BORROWED:
        out.insert(0, kinds[j][1])
        folded = _folded_words(kinds[j][1])
        if not _points_back(folded) or _content_words(folded) >= _CHAIN_CONTENT_WORDS:
            break
        j -= 1
    return out


def drop_place_names(text: str, known: Callable[[str], bool] | None = None) -> str:
    """Remove capitalised names written right before a place word, unless the knowledge base knows them
    ("Ош шаарынын мэри" keeps Ош)."""

    def replace(m: re.Match) -> str:
        names = m.group(1)
        if known is not None and all(known(w) for w in words(names)):
            return names
        return " "

    return _PLACE_NAME.sub(replace, text)


def read(text: str, known: Callable[[str], bool] | None = None) -> Reading:
    """Split ``text`` into what it asks and what surrounds it (see the module's docstring)."""
    if is_junk(text):
        return Reading("", junk=True)
    text = text.translate(_BLANK_LOOKING)
    asking: list[str] = []
    context: list[str] = []
    kinds: list[tuple[str, str]] = []  # (kind, text) per sentence, in order
    for sentence in _sentences(text):
        trimmed, intro = _trim(sentence, known)
        if intro == "*":
            kinds.append(("intro", trimmed))
            continue
        if intro:
            kinds.append(("intro", intro))
        folded = _folded_words(trimmed)
        if _is_courtesy(folded, trimmed, known):
            continue
        if _asks(folded, trimmed):
            kinds.append(("ask", trimmed))
        elif _is_intro(folded):
            kinds.append(("intro", trimmed))
        else:
            kinds.append(("story", trimmed))
    asking = [t for k, t in kinds if k == "ask"]
    if not asking:
        focus_parts = [t for _, t in kinds]
    else:
        focus_parts = []
        for i, (kind, sentence) in enumerate(kinds):
            if kind != "ask":
                continue
            folded = _folded_words(sentence)
            content = _content_words(folded)
            if content < _MIN_CONTENT_WORDS or (content < _ANAPHORIC_CONTENT_WORDS and _points_back(folded)):
                focus_parts.extend(_borrowed(kinds, i))  # "Этот запрет ещё действует?" needs the sentence before
            if content:
                focus_parts.append(sentence)
            after = kinds[i + 1] if i + 1 < len(kinds) else None
            if after and after[0] == "story" and _points_back(_folded_words(after[1])[:3]):
                focus_parts.append(after[1])  # "Кто назначает мэра? Это же город районного значения."
        if not focus_parts:
            focus_parts = [t for _, t in kinds]
    focus_parts = list(dict.fromkeys(focus_parts))
    context = [t for _, t in kinds if t not in focus_parts]
    focus = drop_place_names(" ".join(focus_parts), known).strip()
    if not focus:
        focus = text.strip()
    context_text = drop_place_names(" ".join(context), known)
    return Reading(" ".join(focus.split()), tuple(asking), " ".join(context_text.split()))
