"""Logging to stderr; the level comes from LOG_LEVEL (default INFO)."""

from __future__ import annotations

import logging
import os


def setup_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "WARNING")).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
