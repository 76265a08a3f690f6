"""Every user-facing string in the code exists, translated, in both the ky and ru catalogs."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import LOCALES, ROOT

KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2), "N_": None}  # N_: core problem messages


def texts(value) -> tuple[str, ...]:
    """A message id or string as a tuple of its forms (plural messages have several)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def load_catalog(lang: str):
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as fp:
        return read_po(fp, locale=lang)


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_catalog_is_complete(lang):
    catalog = load_catalog(lang)
    messages = source_messages()
    assert len(messages) > 15
    missing = sorted(m for m in messages if m not in catalog or not all(texts(catalog[m].string)))
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert not missing, f"{lang}: untranslated {missing}"
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"


def test_placeholders_survive_translation():
    import re

    for lang in ("ky", "ru"):
        for message in load_catalog(lang):
            if message.id:
                wanted = set(re.findall(r"{\w+}", texts(message.id)[-1]))
                for form in texts(message.string):
                    assert set(re.findall(r"{\w+}", form)) == wanted, message.id


def test_translations_are_valid_telegram_html():
    """A translated text must not smuggle in tags Telegram rejects (like a literal "<id>")."""
    import re

    from tests.harness import assert_telegram_html

    for lang in ("ky", "ru"):
        for message in load_catalog(lang):
            if message.id:
                for text in (*texts(message.id), *texts(message.string)):
                    assert_telegram_html(re.sub(r"{\w+}", "x", text))
