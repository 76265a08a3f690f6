"""Taking personal data out of a person's text: phone numbers, e-mail addresses, @usernames, links and names.

Used wherever a question outlives the conversation it came from: a question an admin adds to the FAQ as a
variant (/review), the ticket text officials keep after the asker deleted their data (/forget_me), and
questions older than the retention period (the background job). No aiogram here.

Names are found by rules, not by a model, so the rules lean towards removing: a capitalised word in the
middle of a sentence that the FAQ never uses and that is not a place in Kyrgyzstan is taken for a name,
and so are the words after "меня зовут" / "менин атым", patronymics (-ович, -овна, ... and "уулу",
"кызы"), and a word the message opens with when a comma follows it (an address: "Айбек, ..."). A name
written in lower case in the middle of a sentence, without such a cue, is not found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from bot.core.text import fold, words

# Places a question may name: kept even when the FAQ never mentions them (stems: they are declined).
PLACE_STEMS = (
    "бишкек", "ош", "чуй", "чүй", "нарын", "талас", "ысык", "иссык", "жалал", "джалал", "баткен", "каракол",
    "токмок", "балыкч", "кара-балт", "карабалт", "кант", "кызыл-кы", "өзгөн", "озгон", "узген", "майлуу",
    "таш-көмүр", "таш-комур", "сулюкт", "сүлүкт", "кара-суу", "карасуу", "кемин", "кочкор", "ат-башы",
    "аламүдүн", "аламедин", "аламудун", "сокулук", "жайыл", "панфилов", "кыргыз", "киргиз", "москв", "росси",
    "казахстан", "узбекистан", "тажикистан", "манас",
)
# Words people open or close a message with: never names.
COMMON_WORDS = frozenset(fold(w) for w in (
    "салам", "саламатсызбы", "саламатсыңарбы", "ассалому", "алейкум", "кутман", "кутмандуу", "рахмат", "ыракмат",
    "здравствуйте", "привет", "добрый", "доброе", "добрый день", "спасибо", "пожалуйста", "скажите", "подскажите",
    "извините", "кечиресиз", "айтып", "айтыңызчы", "суроо", "вопрос", "уважаемые", "уважаемый", "урматтуу",
))
INTRO = re.compile(
    r"(?i:\b(меня\s+зовут|мо[её]\s+имя|моя\s+фамилия|я\s*[-—–]|менин\s+атым|менин\s+ысымым|атым|ысымым|фамилиям))"
    r"(\s*[:,-]?\s*)([^\W\d_][\w'-]*(?:\s+[A-ZА-ЯЁӨҮҢ][\w'-]*){0,2})"
)
PATRONYMIC = re.compile(
    r"(?:\b[А-ЯЁӨҮҢ][а-яёөүң'-]+\s+){0,2}\b[А-ЯЁӨҮҢ][а-яёөүң]+(?:ович|евич|ьевич|овна|евна|ична|инична)\b"
    r"(?:\s+[А-ЯЁӨҮҢ][а-яёөүң'-]+)?"
)
KYRGYZ_PATRONYMIC = re.compile(r"(?:\b[А-ЯЁӨҮҢ][а-яёөүң'-]+\s+)?\b[А-ЯЁӨҮҢ][а-яёөүң'-]+\s+(?:уулу|кызы)\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?i)\b(?:https?://|www\.|t\.me/)\S+")
USERNAME = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s()\-]{4,}\d(?![\w])")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
SENTENCE_END = re.compile(r"[.!?…\n]\s*$")


def is_phone(candidate: str) -> bool:
    """Nine digits or more, or six to eight written like a phone (+..., 0..., or groups such as 62-12-34)."""
    digits = sum(c.isdigit() for c in candidate)
    if digits >= 9:
        return True
    if digits < 6:
        return False
    stripped = candidate.lstrip("(")
    if stripped.startswith(("+", "0")):
        return True
    groups = re.split(r"[\s\-()]+", candidate.strip("()"))
    return len(groups) >= 3 and all(1 < len(g) <= 3 for g in groups)


def known_words(texts: Iterable[str]) -> frozenset[str]:
    """The vocabulary that is never a name (from the FAQ's texts): folded Cyrillic words."""
    return frozenset(fold(w) for text in texts for w in words(text) if len(w) > 1)


def _stem_known(word: str, known: Collection[str]) -> bool:
    forms = words(word)
    if not forms:
        return True
    form = fold(forms[0])
    if form in known or form in COMMON_WORDS:
        return True
    if any(form.startswith(fold(stem)) for stem in PLACE_STEMS):
        return True
    # A declined form of a known word ("акимдин", "Кеңешинин"): a known word of 4+ letters is its start.
    return any(form[:n] in known for n in range(len(form) - 1, 3, -1))


def _is_capitalised(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and letters[0].isupper() and any(c.islower() for c in letters[1:])


def _only_names(rest: str, known: Collection[str]) -> bool:
    sentence = re.split(r"[.!?…\n]", rest, maxsplit=1)[0]
    found = WORD.findall(sentence)
    return bool(found) and all(_is_capitalised(w) and not _stem_known(w, known) for w in found)


def clean_text(text: str, known: Collection[str] = frozenset(), mask: str = "") -> str:
    """``text`` without phone numbers, e-mails, @usernames, links and names (each replaced by ``mask``;
    with an empty mask the words are dropped and the spacing and commas around them tidied)."""
    out = URL.sub(mask, text)
    out = EMAIL.sub(mask, out)
    out = USERNAME.sub(mask, out)
    out = PHONE.sub(lambda m: mask if is_phone(m.group(0)) else m.group(0), out)
    # "Меня зовут Айбек": with a mask the phrase stays readable; without one it goes with the name.
    out = INTRO.sub(lambda m: m.group(1) + m.group(2) + mask if mask else "", out)
    out = KYRGYZ_PATRONYMIC.sub(mask, out)
    out = PATRONYMIC.sub(mask, out)

    pieces: list[str] = []
    position = 0
    for match in WORD.finditer(out):
        word = match.group(0)
        before = out[:match.start()]
        at_start = not before.strip() or bool(SENTENCE_END.search(before))
        after = out[match.end():match.end() + 2]
        name = False
        if _is_capitalised(word) and not _stem_known(word, known):
            # In mid-sentence an unknown capitalised word is a name; at the start, only when it is an
            # address followed by a comma ("Айбек, ...") or the sentence is nothing but such words (a
            # signature: "Айбек Токтогулов").
            name = not at_start or after.startswith(",") or _only_names(out[match.start():], known)
        if name:
            pieces.append(out[position:match.start()] + mask)
            position = match.end()
    pieces.append(out[position:])
    out = "".join(pieces)
    return tidy(out)


def tidy(text: str) -> str:
    """Spaces and punctuation left behind by removed words."""
    out = re.sub(r"[ \t]+", " ", text)
    out = re.sub(r"\s+([,.!?:;])", r"\1", out)
    out = re.sub(r"([,:;])(\s*[,:;])+", r"\1", out)
    out = re.sub(r"^[\s,.:;-]+", "", out)
    out = re.sub(r"\(\s*\)", "", out)
    out = re.sub(r"[ \t]+", " ", out)
    return out.strip(" ,;:-\t")
