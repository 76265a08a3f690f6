"""Command arguments checked at the boundary (a number too big for SQLite is a user's typo, not a crash)."""

from __future__ import annotations

MAX_ROW_ID = 2**62


def row_id(text: str) -> int | None:
    """A positive database id written by a person ("#12", "12"), or None."""
    text = text.strip().lstrip("#")
    if not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def user_id(text: str) -> int | None:
    """A Telegram user id (positive, at most 2**52 as Telegram promises), or None."""
    text = text.strip()
    if not text.isdigit() or len(text) > 16:
        return None
    value = int(text)
    return value if 1 <= value <= 2**52 else None
