"""gettext catalogs: compiled from the committed .po files at start (the .mo files are not committed)."""

from __future__ import annotations

import logging
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import LOCALES

DOMAIN = "messages"
log = logging.getLogger(__name__)


class CatalogsMissing(RuntimeError):
    """The catalogs are not where LOCALES_DIR says, or cannot be read."""


def compile_catalogs(locales_dir: str | Path, domain: str = DOMAIN) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/<domain>.po`` whose .mo is missing or older; return those.

    Where the folder is read-only (the container compiles the catalogs at build time), an existing .mo is
    used as it is.
    """
    compiled = []
    for po_path in sorted(Path(locales_dir).glob(f"*/LC_MESSAGES/{domain}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        try:
            with tmp.open("wb") as fp:
                write_mo(fp, catalog)
            tmp.replace(mo_path)  # atomic: a bot starting in parallel never reads half a file
        except OSError as exc:
            if not mo_path.exists():
                raise
            log.warning("%s is older than its .po but cannot be rewritten (%s): using it", mo_path, exc.strerror)
            continue
        compiled.append(mo_path)
        log.info("compiled %s", mo_path)
    return compiled


def create_i18n(locales_dir: str | Path, default_locale: str) -> I18n:
    root = Path(locales_dir)
    missing = [lang for lang in LOCALES if not (root / lang / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
               and not (root / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()]
    if missing:
        raise CatalogsMissing(f"{root}: no catalog for {', '.join(missing)} (expected {root}/<lang>/LC_MESSAGES/{DOMAIN}.po)")
    try:
        compile_catalogs(root)
        return I18n(path=root, default_locale=default_locale, domain=DOMAIN)
    except (OSError, ValueError) as exc:
        raise CatalogsMissing(f"{root}: {type(exc).__name__}: {exc}") from exc
