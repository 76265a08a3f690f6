"""Settings: one object, read from the environment and an optional ``.env`` file.

Every field's description is the documentation: docs/operations.md's table of environment variables is
generated from this class (``python -m bot settings``), so the two cannot drift.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCALES = ("ky", "ru")


def _http_url(value: str, name: str, *, path_allowed: bool = True) -> str:
    """An http(s) URL with a host and a valid port; the message never repeats a secret (there is none in
    these URLs: the bot token is added to the API base only when requests are made)."""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a port outside 0..65535
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must start with http:// or https:// and name a host, like https://api.telegram.org")
    if port == 0:
        raise ValueError(f"{name}: port 0 is not a port")
    if parts.query or parts.fragment or (parts.path not in ("", "/") and not path_allowed):
        raise ValueError(f"{name} must not carry a query or fragment")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(
        default=None, description="Telegram bot token from @BotFather; without it `python -m bot` starts the console"
    )
    telegram_api_base: str = Field(
        default="https://api.telegram.org", description="Bot API server (a self-hosted one, or a local fake for testing)"
    )
    database_path: Path = Field(default=Path("data/bot.sqlite3"), description="SQLite database (WAL mode); created on first start")
    knowledge_dir: Path = Field(default=Path("knowledge"), description="Folder holding `faq/*.yaml`")
    locales_dir: Path = Field(default=Path("locales"), description="gettext catalogs (`ky`, `ru`), compiled to `.mo` on start")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Comma-separated Telegram user ids of the admins"
    )
    officials_chat_id: int | None = Field(
        default=None, description="Chat id of the officials' group; without it the bot offers no escalation"
    )
    default_locale: str = Field(default="ky", description="Language before a user chooses one (`ky` or `ru`)")
    officials_locale: str | None = Field(
        default=None, description="Language of the bot's messages in the officials' chat (default: DEFAULT_LOCALE)"
    )
    officials_answer_hours: int = Field(default=48, ge=1, description="\"Officials usually answer within … hours\", told to askers")
    ticket_remind_after_hours: float = Field(default=24.0, ge=0, description="Open tickets older than this are reminded daily")
    tickets_open_limit: int = Field(default=3, ge=1, description="Open tickets one user may have at once")
    tickets_daily_limit: int = Field(default=10, ge=1, description="Tickets one user may create per 24 hours")
    throttle_messages: int = Field(default=12, ge=1, description="Messages (and, separately, button presses) a user may send per window")
    throttle_window_seconds: float = Field(default=30.0, gt=0, description="The throttling window, in seconds")
    question_log_retention_days: int = Field(
        default=365, ge=1,
        description="Questions older than this many days are anonymised: names and phone numbers removed from "
        "the text, the link to the person dropped (closed tickets too)",
    )
    shutdown_grace_seconds: float = Field(
        default=20.0, ge=0, description="On SIGTERM, how long to wait for updates being handled before stopping"
    )
    log_level: str = Field(default="WARNING", description="Logging level: DEBUG, INFO, WARNING or ERROR")
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to; set it to run in webhook mode"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret token Telegram sends with every webhook call (required in webhook mode)"
    )
    webhook_host: str = Field(default="0.0.0.0", description="Address the webhook server listens on")
    webhook_port: int = Field(default=8080, ge=1, le=65535, description="Port the webhook server listens on")
    webhook_path: str = Field(default="/telegram", description="Path of the webhook endpoint on this server")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
            except ValueError:
                raise ValueError("ADMIN_IDS must be numbers separated by commas") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("default_locale", "officials_locale")
    @classmethod
    def _known_locale(cls, value: str | None) -> str | None:
        if value is not None and value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        return _http_url(value, "TELEGRAM_API_BASE")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return None if not value else _http_url(value, "WEBHOOK_URL")

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        if not value.startswith("/") or "?" in value or "#" in value:
            raise ValueError("WEBHOOK_PATH must start with / (for example /telegram)")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if not isinstance(logging.getLevelName(value.upper()), int):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set (Telegram sends it with every call)")
        if self.webhook_secret and not all(c.isalnum() or c in "_-" for c in self.webhook_secret.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return self

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)
