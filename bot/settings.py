"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.address import Address, AddressError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/daumoi.sqlite3"
DEFAULT_PLAN_FILE = Path("plans/kontum-2023.yaml")
TELEGRAM_API_URL = "https://api.telegram.org"
ZALO_API_URL = "https://bot-api.zaloplatforms.com"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    """Everything daumoi reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = TELEGRAM_API_URL
    bot_username: str = ""
    # Telegram by webhook (served on WEB_LISTEN at /telegram/webhook); without a URL: polling.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr = SecretStr("")
    database_url: str = DEFAULT_DATABASE_URL
    # One plan, several (separated by "," or the system's path separator) or a folder of them.
    plan_file: Path = DEFAULT_PLAN_FILE
    # The campaign (plan id) the CLI's commands (invites, summary, export…) are about, when
    # PLAN_FILE names several; default: the first.
    campaign: str = ""
    plan_event_date: date | None = None
    # Addresses: `zalo:<id>`, `telegram:<id>`; a bare number is a Telegram id (see /toi).
    admin_ids: Annotated[frozenset[Address], NoDecode] = frozenset()
    head_ids: Annotated[frozenset[Address], NoDecode] = frozenset()
    # The Zalo Bot Platform channel (see README): polling without a webhook URL.
    zalo_bot_token: SecretStr = SecretStr("")
    zalo_api_url: str = ZALO_API_URL
    zalo_webhook_secret: SecretStr = SecretStr("")
    zalo_webhook_url: str = ""
    zalo_monthly_quota: int = Field(default=3000, ge=0)
    zalo_bot_url: str = ""
    # The bot's own HTTP server (webhooks, signed file links) and the links' lifetime.
    web_listen: str = "127.0.0.1:8088"
    public_url: str = ""
    file_link_hours: float = Field(default=24.0, gt=0)
    default_locale: str = Field(default="vi", pattern="^(vi|en)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    # Libraries that log updates and SQL parameters stay at INFO unless asked (see bot/logs.py).
    log_libraries: str = Field(default="", pattern="^(|DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    # Reminders and the outbox (see bot/services/schedule.py for the formats).
    quiet_hours: str = "21:00-07:00"
    nudge_offsets: str = "3d,1d,0d"
    nudge_time: str = "08:00"
    overdue_nudges_max: int = Field(default=5, ge=0, le=30)
    reminder_grace_hours: float = Field(default=12.0, ge=0)
    skip_sundays: bool = True
    skip_holidays: bool = True
    digest_time: str = "17:00"
    # Personal data of people serving in no campaign still kept goes this long after the
    # campaign's end (Law 91/2025: kept no longer than its purpose needs).
    retention_months: int = Field(default=12, ge=1, le=120)
    reminder_tick_seconds: float = Field(default=30.0, gt=0)
    send_rate_limit: float = Field(default=30.0, gt=0)
    # Several instances on one database: only the one holding the leader lock sends reminders
    # and queued messages; the others try to take over this often (seconds).
    leader_retry_seconds: float = Field(default=5.0, gt=0)
    # Progress reports: where each confirmed report is announced, and the attachment archive.
    report_feed_chat_ids: Annotated[tuple[Address, ...], NoDecode] = ()
    archive_attachments: bool = False
    archive_dir: Path = Path("archive")

    @field_validator("admin_ids", "head_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return frozenset(_addresses(value))

    @field_validator("report_feed_chat_ids", mode="before")
    @classmethod
    def _feed_chats(cls, value: object) -> object:
        return tuple(_addresses(value))

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _secret_length(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not 8 <= len(secret) <= 256:
            raise ValueError("must be 8 to 256 characters (Zalo's rule)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("must be 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("web_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8088")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        from bot.services.schedule import parse_quiet_hours

        parse_quiet_hours(value)
        return value

    @field_validator("nudge_offsets")
    @classmethod
    def _nudge_offsets(cls, value: str) -> str:
        from bot.services.schedule import parse_offsets

        parse_offsets(value)
        return value

    @field_validator("nudge_time", "digest_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        from bot.services.schedule import parse_clock

        parse_clock(value)
        return value

    @field_validator("telegram_api_url", "zalo_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be sqlite+aiosqlite:///FILE or postgresql+asyncpg://...")
        return value

    @property
    def telegram_enabled(self) -> bool:
        """Whether a Telegram token is set."""
        return bool(self.bot_token.get_secret_value())

    @property
    def zalo_enabled(self) -> bool:
        """Whether a Zalo Bot Platform token is set."""
        return bool(self.zalo_bot_token.get_secret_value())

    @property
    def plan_files(self) -> list[Path]:
        """Every plan file PLAN_FILE names, in its order (a folder: its *.yaml by name)."""
        return plan_paths(str(self.plan_file))

    @property
    def listen(self) -> tuple[str, int]:
        """Host and port of the bot's own HTTP server."""
        host, _, port = self.web_listen.rpartition(":")
        return host, int(port)

    @property
    def bot_base_url(self) -> str:
        """The Bot API base URL that python-telegram-bot appends the token to."""
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_file_url(self) -> str:
        """The Bot API file download base URL."""
        return f"{self.telegram_api_url}/file/bot"


def plan_paths(value: str) -> list[Path]:
    """The files of "a.yaml,b.yaml", "a.yaml:b.yaml" or "plans/" (every *.yaml in it)."""
    parts = [part.strip() for chunk in value.split(",") for part in chunk.split(os.pathsep)]
    paths: list[Path] = []
    for part in filter(None, parts):
        path = Path(part)
        found = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        paths += [item for item in found if item not in paths]
    return paths


def _addresses(value: object) -> list[Address]:
    """Addresses from "zalo:abc, telegram:42; 43" (a bare number is a Telegram id)."""
    if isinstance(value, int):
        return [Address.of("telegram", value)]
    if isinstance(value, Address):
        return [value]
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",")]
        items: list[object] = [part for part in parts if part]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        raise ValueError("must be a list of addresses such as zalo:<id> or telegram:<id>")
    found = []
    for item in items:
        if isinstance(item, Address):
            found.append(item)
            continue
        text = str(item)
        try:
            address = Address.parse(text)
        except AddressError:
            raise ValueError("not an address: use zalo:<id> or telegram:<id>") from None
        if address.channel == "telegram" and not address.id.lstrip("-").isdigit():
            raise ValueError("a Telegram id is a number (send /toi to the bot to learn yours)")
        found.append(address)
    return found


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        # Never echo the offending value: it may be a secret.
        raise SettingsError(f"{name}: {first['msg']}") from None
