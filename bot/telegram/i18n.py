"""gettext catalogs: compiled from the committed .po files at start (the .mo files are not committed)."""

from __future__ import annotations

import logging
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
log = logging.getLogger(__name__)


def compile_catalogs(locales_dir: str | Path, domain: str = DOMAIN) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/<domain>.po`` whose .mo is missing or older; return those."""
    compiled = []
    for po_path in sorted(Path(locales_dir).glob(f"*/LC_MESSAGES/{domain}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fp:
            write_mo(fp, catalog)
        tmp.replace(mo_path)  # atomic: a bot starting in parallel never reads half a file
        compiled.append(mo_path)
        log.info("compiled %s", mo_path)
    return compiled


def create_i18n(locales_dir: str | Path, default_locale: str) -> I18n:
    compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)
