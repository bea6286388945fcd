"""A missing or malformed setting fails at start-up with one clear line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings, read_secret_file


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
        ({"MATCHPATH_LOG_FORMAT": "xml"}, "MATCHPATH_LOG_FORMAT"),
        ({"MATCHPATH_SHUTDOWN_SECONDS": "0"}, "MATCHPATH_SHUTDOWN_SECONDS"),
        ({"MATCHPATH_DB_LOCK_TIMEOUT": "0"}, "MATCHPATH_DB_LOCK_TIMEOUT"),
        ({"MATCHPATH_DB_STATEMENT_TIMEOUT": "a minute"}, "MATCHPATH_DB_STATEMENT_TIMEOUT"),
        (
            {"MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT": "-5"},
            "MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT",
        ),
        ({"MATCHPATH_RETAIN_AUDIT_DAYS": "7"}, "MATCHPATH_RETAIN_AUDIT_DAYS"),
        ({"MATCHPATH_RETAIN_LEDGER_DAYS": "29"}, "MATCHPATH_RETAIN_LEDGER_DAYS"),
        ({"MATCHPATH_RETAIN_EVENTS_DAYS": "0"}, "MATCHPATH_RETAIN_EVENTS_DAYS"),
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
    assert (
        settings.retain_audit_days,
        settings.retain_ledger_days,
        settings.retain_events_days,
    ) == (400, 90, 7)
    assert "xoxb" not in repr(load_settings(SLACK_BOT_TOKEN="xoxb-secret"))


def test_cli_prints_one_line_no_traceback(tmp_path: os.PathLike[str]) -> None:
    env = {**os.environ, "MATCHPATH_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
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


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("MATCHPATH_LOG_FORMAT", "yaml", "Input should be 'text' or 'json'"),
        ("MATCHPATH_LOG_LEVEL", "loud", "Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
    ],
)
def test_a_bad_log_setting_stops_serve_in_one_line(
    tmp_path: os.PathLike[str], name: str, value: str, said: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        env={**os.environ, name: value},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"matchpath: setting {name}: {said}"]


def test_log_settings_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHPATH_LOG_FORMAT", " JSON ")
    monkeypatch.setenv("MATCHPATH_LOG_LEVEL", "debug")
    settings = load_settings()
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")


# -- secrets from files (the `_FILE` form container secrets use) -------------------------------


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("SLACK_BOT_TOKEN", "slack_bot_token"),
        ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
        ("SLACK_APP_TOKEN", "slack_app_token"),
        ("MATCHPATH_DATABASE_URL", "database_url"),
    ],
)
def test_a_secret_is_read_from_the_file_its_FILE_variable_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, field: str
) -> None:
    monkeypatch.chdir(tmp_path)
    value = "sqlite:///from-file.db" if name == "MATCHPATH_DATABASE_URL" else "xoxb-from-file"
    secret = tmp_path / "secret"
    secret.write_text(value + "\n")  # as `echo value > file` writes it
    monkeypatch.setenv(f"{name}_FILE", str(secret))
    loaded = load_settings()
    assert getattr(loaded, field) == value
    if name != "MATCHPATH_DATABASE_URL":
        assert value in loaded.secrets  # hidden from the log like any other credential
        assert value not in repr(loaded)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file: {path}"),
        ("", "{path} is empty"),
        ("  \n\n", "{path} is empty"),
        ("xoxb-one\nxoxb-two\n", "{path} holds more than one line"),
        (b"\xff\xfe", "{path} is not UTF-8 text"),
    ],
)
def test_a_FILE_variable_that_cannot_give_its_secret_names_itself_and_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str | bytes | None, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "token"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"setting SLACK_BOT_TOKEN_FILE: {problem.format(path=path)}"


def test_a_FILE_variable_naming_a_directory_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_SIGNING_SECRET_FILE", str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        f"setting SLACK_SIGNING_SECRET_FILE: {tmp_path} is a directory, not a file"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_secret_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "token"
    path.write_text("xoxb-secret")
    path.chmod(0)
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert (
        str(caught.value) == f"setting SLACK_BOT_TOKEN_FILE: cannot read {path}: permission denied"
    )


def test_both_forms_of_one_secret_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "token"
    path.write_text("xoxb-file")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "setting SLACK_BOT_TOKEN_FILE: set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both"
    )
    assert "xoxb" not in str(caught.value)


def test_a_database_url_from_a_file_is_validated_as_the_variable_would_be(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "url"
    path.write_text("mysql://user:hunter2@db/x\n")
    monkeypatch.setenv("MATCHPATH_DATABASE_URL_FILE", str(path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("setting MATCHPATH_DATABASE_URL:")
    assert "hunter2" not in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(
    secret=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=80,
    ).filter(lambda s: s.strip() == s and s),
    before=st.sampled_from(["", " ", "\t"]),
    after=st.sampled_from(["", "\n", "\r\n", " \n", "\n\n"]),
)
def test_any_one_line_secret_round_trips_through_its_file(
    secret: str, before: str, after: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "secret")
        path.write_bytes((before + secret + after).encode())
        assert read_secret_file("SLACK_SIGNING_SECRET_FILE", str(path)) == secret


def test_the_cli_reads_its_database_from_a_secret_file(tmp_path: Path) -> None:
    url_file = tmp_path / "database-url"
    url_file.write_text(f"sqlite:///{tmp_path / 'from-secret.db'}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHPATH_", "SLACK_"))} | {
        "MATCHPATH_DATABASE_URL_FILE": str(url_file)
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "from-secret.db").is_file()
    assert not (tmp_path / "matchpath.db").exists()
    missing = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        env=env | {"MATCHPATH_DATABASE_URL_FILE": str(tmp_path / "gone")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"matchpath: setting MATCHPATH_DATABASE_URL_FILE: no such file: {tmp_path / 'gone'}"
    ]
