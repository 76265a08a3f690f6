"""Which language the bot speaks to a person: decided in one place, the same way for every message.

Order: the language they chose (/lang, the /start buttons) > the language of their question (the one
they are asking now, else the one they asked last) > their Telegram app's language > DEFAULT_LOCALE.
The result is always one of the bot's languages (ky, ru), never empty.
"""

from __future__ import annotations

from bot.config import LOCALES

QUESTION_LANGUAGE_CONFIDENCE = 0.5  # below this a detected language is a guess, not the question's language


def confident_language(detected: str | None, confidence: float) -> str | None:
    return detected if detected in LOCALES and confidence >= QUESTION_LANGUAGE_CONFIDENCE else None


def choose_language(*, chosen: str | None, question_lang: str | None, client_code: str | None, default: str) -> str:
    for candidate in (chosen, question_lang, (client_code or "").split("-")[0].lower()):
        if candidate in LOCALES:
            return candidate
    return default if default in LOCALES else LOCALES[0]
