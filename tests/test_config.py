"""A missing or malformed setting fails at start-up with one clear line naming it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"MATCHPATH_PORT": "eighty"}, "MATCHPATH_PORT"),
        ({"MATCHPATH_PORT": "70000"}, "MATCHPATH_PORT"),
        ({"MATCHPATH_DATABASE_URL": "mysql://x"}, "MATCHPATH_DATABASE_URL"),
        ({"MATCHPATH_ADMINS": "U123, not an id"}, "MATCHPATH_ADMINS"),
        ({"MATCHPATH_RULESET": "/nonexistent/rules.yaml"}, "MATCHPATH_RULESET"),
        ({"MATCHPATH_SLACK_API_URL": "ftp://x"}, "MATCHPATH_SLACK_API_URL"),
        ({"MATCHPATH_LOG_LEVEL": "verbose"}, "MATCHPATH_LOG_LEVEL"),
        ({"MATCHPATH_SHUTDOWN_SECONDS": "0"}, "MATCHPATH_SHUTDOWN_SECONDS"),
        ({"MATCHPATH_DB_LOCK_TIMEOUT": "0"}, "MATCHPATH_DB_LOCK_TIMEOUT"),
        ({"MATCHPATH_DB_STATEMENT_TIMEOUT": "a minute"}, "MATCHPATH_DB_STATEMENT_TIMEOUT"),
        (
            {"MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT": "-5"},
            "MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT",
        ),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], name: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"setting {name}:")
    assert "\n" not in str(caught.value)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == "sqlite:///matchpath.db"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (
        settings.db_lock_timeout,
        settings.db_statement_timeout,
        settings.db_idle_in_transaction_timeout,
    ) == (5.0, 60.0, 30.0)
    assert "xoxb" not in repr(load_settings(SLACK_BOT_TOKEN="xoxb-secret"))


def test_cli_prints_one_line_no_traceback(tmp_path: os.PathLike[str]) -> None:
    env = {**os.environ, "MATCHPATH_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "matchpath: setting MATCHPATH_PORT: Input should be a valid integer, unable to parse "
        "string as an integer"
    ]
