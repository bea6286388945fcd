"""Settings from the environment and an optional `.env` file (pydantic-settings).

A missing or malformed setting becomes one `ConfigError` line naming it; the CLI prints that line
and exits, so nobody ever sees a traceback for a typo in an environment variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///matchpath.db"
SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN", repr=False)
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="MATCHPATH_DATABASE_URL")
    slack_api_url: str = Field(default=SLACK_API_URL, alias="MATCHPATH_SLACK_API_URL")
    admins: str = Field(default="", alias="MATCHPATH_ADMINS")
    mentors_channel: str | None = Field(default=None, alias="MATCHPATH_MENTORS_CHANNEL")
    ruleset: Path | None = Field(default=None, alias="MATCHPATH_RULESET")
    incident_dir: Path | None = Field(default=None, alias="MATCHPATH_INCIDENT_DIR")
    port: int = Field(default=3000, alias="MATCHPATH_PORT", ge=1, le=65535)
    tick_seconds: int = Field(default=60, alias="MATCHPATH_TICK_SECONDS", ge=1, le=3600)
    send_rate: float = Field(default=5.0, alias="MATCHPATH_SEND_RATE", gt=0, le=1000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="MATCHPATH_LOG_LEVEL"
    )
    shutdown_seconds: int = Field(default=20, alias="MATCHPATH_SHUTDOWN_SECONDS", ge=1, le=600)
    db_lock_timeout: float = Field(default=5.0, alias="MATCHPATH_DB_LOCK_TIMEOUT", gt=0, le=3600)
    db_statement_timeout: float = Field(
        default=60.0, alias="MATCHPATH_DB_STATEMENT_TIMEOUT", gt=0, le=86400
    )
    db_idle_in_transaction_timeout: float = Field(
        default=30.0, alias="MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT", gt=0, le=86400
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, value: str) -> str:
        for part in _split_ids(value):
            if not part[:1].isalpha() or not part.isalnum():
                raise ValueError(f"{part!r} is not a Slack user id (like U012ABCDEF)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("ruleset")
    @classmethod
    def _ruleset_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("mentors_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value and not (value[0] in "CG" and value.isalnum() and value.isupper()):
            raise ValueError(f"{value!r} is not a Slack channel id (like G012ABCDEF)")
        return value or None

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(_split_ids(self.admins))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials, for the log to hide wherever they appear."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
        return tuple(value for value in values if value)


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise `ConfigError` with one line naming the first bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"setting {name}: {message}") from None
