"""Logging to stderr; the level comes from LOG_LEVEL (default WARNING).

Nothing secret reaches a log line: the bot token (also inside a URL of a traceback) is replaced by
``<token>`` in every formatted record, whatever logger produced it.
"""

from __future__ import annotations

import logging
import os
import re

TOKEN_RE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str = FORMAT, secrets: tuple[str, ...] = ()):
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return TOKEN_RE.sub("<token>", text)


def setup_logging(level: str | None = None, secrets: tuple[str, ...] = ()) -> None:
    """Configure the root logger once (again: replaces the handler, e.g. to add the token to redact)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ukuk", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._ukuk = True  # type: ignore[attr-defined]
    handler.setFormatter(RedactingFormatter(secrets=secrets))
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("LOG_LEVEL", "WARNING")).upper())
    # aiosqlite logs every statement with its parameters (people's questions) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
