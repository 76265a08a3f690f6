from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
LOCALES = ROOT / "locales"
SHARED = ROOT.parent / "shared" / "knowledge"


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(
        bot_token=None,
        database_path=tmp_path / "bot.sqlite3",
        knowledge_dir=KNOWLEDGE,
        locales_dir=LOCALES,
        admin_ids=frozenset({900}),
        officials_chat_id=-100500,
        default_locale="ky",
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def harness(settings: Settings):
    async with await BotHarness.start(settings) as h:
        yield h
