"""Settings: one object, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCALES = ("ky", "ru")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="Telegram bot token from @BotFather")
    telegram_api_base: str = Field(
        default="https://api.telegram.org", description="Bot API server (a self-hosted one, or a test server)"
    )
    database_path: Path = Field(default=Path("data/bot.sqlite3"), description="SQLite database file")
    knowledge_dir: Path = Field(default=Path("knowledge"), description="Folder with faq/*.yaml")
    locales_dir: Path = Field(default=Path("locales"), description="Folder with the ky and ru catalogs")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Comma-separated Telegram user ids of the admins"
    )
    officials_chat_id: int | None = Field(default=None, description="Chat id of the officials' group")
    default_locale: str = Field(default="ky", description="Language before a user chooses one: ky or ru")
    officials_locale: str | None = Field(default=None, description="Language of the officials' chat (default: DEFAULT_LOCALE)")
    officials_answer_hours: int = Field(default=48, description="How soon officials usually answer, told to askers")
    ticket_remind_after_hours: float = Field(default=24.0, description="Remind officials of open tickets this old")
    tickets_open_limit: int = Field(default=3, description="Open tickets one user may have at once")
    tickets_daily_limit: int = Field(default=10, description="Tickets one user may create per 24 hours")
    throttle_messages: int = Field(default=12, description="Messages a user may send per throttle window")
    throttle_window_seconds: float = Field(default=30.0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        return value
