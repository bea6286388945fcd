"""Settings from the environment and an optional `.env` file (pydantic-settings).

A missing or malformed setting becomes one `ConfigError` line naming it; the CLI prints that line
and exits, so nobody ever sees a traceback for a typo in an environment variable.

The secrets may also come from files, as container secrets are mounted: `SLACK_BOT_TOKEN_FILE`
names a file holding the token (one line; surrounding white space and the final newline are
dropped). Setting both forms of one secret, or naming a file that is missing, unreadable or
empty, stops the command with one line naming the `_FILE` variable (never the secret).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///matchpath.db"
SLACK_API_URL = "https://slack.com/api/"
METRICS_TOKEN_LENGTH = 16


# Each secret that may be read from a file instead, and the variable naming that file.
SECRET_FILES = {
    name: f"{name}_FILE"
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_SECRET",
        "MATCHPATH_DATABASE_URL",
    )
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class SecretFileError(ValueError):
    """A `_FILE` setting that cannot give its secret; `setting` is the variable to blame."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN", repr=False)
    # Both set: many workspaces, each installed through Slack's OAuth flow (handlers/install.py)
    # instead of one SLACK_BOT_TOKEN.
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET", repr=False)
    # Serving many workspaces, the one a command run by hand works on (its team id).
    workspace: str | None = Field(default=None, alias="MATCHPATH_WORKSPACE")
    metrics_token: str | None = Field(default=None, alias="MATCHPATH_METRICS_TOKEN", repr=False)
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="MATCHPATH_DATABASE_URL")
    slack_api_url: str = Field(default=SLACK_API_URL, alias="MATCHPATH_SLACK_API_URL")
    admins: str = Field(default="", alias="MATCHPATH_ADMINS")
    mentors_channel: str | None = Field(default=None, alias="MATCHPATH_MENTORS_CHANNEL")
    ruleset: Path | None = Field(default=None, alias="MATCHPATH_RULESET")
    incident_dir: Path | None = Field(default=None, alias="MATCHPATH_INCIDENT_DIR")
    port: int = Field(default=3000, alias="MATCHPATH_PORT", ge=1, le=65535)
    # Where people reach `serve` from outside (its calendar feeds' links begin with it).
    public_url: str | None = Field(default=None, alias="MATCHPATH_PUBLIC_URL")
    tick_seconds: int = Field(default=60, alias="MATCHPATH_TICK_SECONDS", ge=1, le=3600)
    send_rate: float = Field(default=5.0, alias="MATCHPATH_SEND_RATE", gt=0, le=1000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="MATCHPATH_LOG_LEVEL"
    )
    log_format: Literal["text", "json"] = Field(default="text", alias="MATCHPATH_LOG_FORMAT")
    shutdown_seconds: int = Field(default=20, alias="MATCHPATH_SHUTDOWN_SECONDS", ge=1, le=600)
    workers: int = Field(default=1, alias="MATCHPATH_WORKERS", ge=1, le=64)
    db_lock_timeout: float = Field(default=5.0, alias="MATCHPATH_DB_LOCK_TIMEOUT", gt=0, le=3600)
    db_statement_timeout: float = Field(
        default=60.0, alias="MATCHPATH_DB_STATEMENT_TIMEOUT", gt=0, le=86400
    )
    db_idle_in_transaction_timeout: float = Field(
        default=30.0, alias="MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT", gt=0, le=86400
    )
    # How long what only records the past is kept before `matchpath prune` (and the daily
    # job) deletes it: docs/deploy.md defends each default.
    retain_audit_days: int = Field(
        default=400, alias="MATCHPATH_RETAIN_AUDIT_DAYS", ge=30, le=36500
    )
    # At least 30 days: a finished row is what stops its reminder from being planned again, so
    # it must outlive the planner's look-back (bot/retention.py adds the row's expiry to that).
    retain_ledger_days: int = Field(
        default=90, alias="MATCHPATH_RETAIN_LEDGER_DAYS", ge=30, le=36500
    )
    retain_events_days: int = Field(default=7, alias="MATCHPATH_RETAIN_EVENTS_DAYS", ge=1, le=36500)
    # Read only so that the `_FILE` forms reach `_secrets_from_files` (which replaces each by
    # the secret it names): never used after that.
    slack_bot_token_file: str | None = Field(default=None, alias="SLACK_BOT_TOKEN_FILE")
    slack_signing_secret_file: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET_FILE")
    slack_app_token_file: str | None = Field(default=None, alias="SLACK_APP_TOKEN_FILE")
    slack_client_secret_file: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET_FILE")
    database_url_file: str | None = Field(default=None, alias="MATCHPATH_DATABASE_URL_FILE")

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, file_setting in SECRET_FILES.items():
            path = data.pop(file_setting, None)
            if not path:
                continue
            if data.get(name):
                raise SecretFileError(file_setting, f"set {name} or {file_setting}, not both")
            data[name] = read_secret_file(file_setting, str(path))
        return data

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

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")) or any(c in value for c in "?#"):
            raise ValueError(
                "must be the http(s) address of `serve`, like https://matchpath.example.org"
            )
        return value.rstrip("/")

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

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_token(cls, value: str | None) -> str | None:
        if value is not None and (len(value) < METRICS_TOKEN_LENGTH or not value.isprintable()):
            raise ValueError(
                f"must be at least {METRICS_TOKEN_LENGTH} printable characters "
                "(e.g. from `openssl rand -hex 32`)"
            )
        return value or None

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
        # Serving many workspaces, admins are each workspace's own (its installer, then
        # `assign`): a user id names no one across workspaces.
        return frozenset() if self.many_workspaces else frozenset(_split_ids(self.admins))

    @property
    def many_workspaces(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials, for the log to hide wherever they appear."""
        values = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.metrics_token,
        )
        return tuple(value for value in values if value)


def read_secret_file(setting: str, path: str) -> str:
    """The secret in the file `path` names, as one stripped line; `SecretFileError` otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretFileError(setting, f"no such file: {path}") from None
    except IsADirectoryError:
        raise SecretFileError(setting, f"{path} is a directory, not a file") from None
    except PermissionError:
        raise SecretFileError(setting, f"cannot read {path}: permission denied") from None
    except UnicodeDecodeError:
        raise SecretFileError(setting, f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise SecretFileError(setting, f"cannot read {path}: {exc.strerror}") from None
    secret = text.strip()
    if not secret:
        raise SecretFileError(setting, f"{path} is empty")
    if "\n" in secret or "\r" in secret:
        raise SecretFileError(setting, f"{path} holds more than one line")
    return secret


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise `ConfigError` with one line naming the first bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, SecretFileError):
            name = cause.setting
        else:
            name = str(error["loc"][0]) if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"setting {name}: {message}") from None
