"""MATCHPATH_MENTORS_CHANNEL is honoured by every command, not only `serve`: a deployment whose
scheduler runs apart from `serve` posts a card for every active mentee, imported ones included,
as soon as a channel is known (from the environment or from `/matchpath dashboard channel`).

Real `matchpath import` and `matchpath sweep` processes against the fake Slack Web API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.dashboards.outbox import CHANNEL_SETTING
from bot.db.engine import Database
from bot.models import AppSetting, Mentee
from sandbox.fake_slack import FakeSlack
from tests.botproc import BotProcess
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
MENTORS = "GMENTORS1"
COUNT = 20


def roster(count: int) -> dict[str, object]:
    return {
        "admins": ["UADMIN01"],
        "mentors": [{"slack_user_id": "UMENTOR01", "name": "Dr. Mentor", "tz": "UTC"}],
        "mentees": [
            {
                "slack_user_id": f"UIMP{i:03d}",
                "name": f"Imported Mentee {i:03d}",
                "tz": "UTC",
                "mentors": ["UMENTOR01"],
                "applicant_type": "non_us_img",
                "visa": "j1",
                "ecfmg": "certified",
                "targets": ["preliminary_surgery"],
            }
            for i in range(count)
        ],
    }


class Deployment:
    """The CLI as an operator runs it, one process per command, against one database."""

    def __init__(self, fake: FakeSlack, url: str, tmp: Path) -> None:
        self.fake = fake
        self.url = url
        self.tmp = tmp
        self.roster = tmp / "roster.json"
        self.roster.write_text(json.dumps(roster(COUNT)))

    def run(self, *args: str, channel: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "MATCHPATH_DATABASE_URL": self.url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "MATCHPATH_SLACK_API_URL": self.fake.url,
        }
        env.pop("MATCHPATH_MENTORS_CHANNEL", None)
        if channel:
            env["MATCHPATH_MENTORS_CHANNEL"] = channel
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def ok(self, *args: str, channel: str | None = None) -> str:
        done = self.run(*args, channel=channel)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def import_roster(self, channel: str | None = None) -> None:
        assert f"imported {COUNT} mentees" in self.ok("import", str(self.roster), channel=channel)

    def sweep(self, channel: str | None = None) -> str:
        return self.ok("sweep", channel=channel)

    def cards(self) -> Counter[str]:
        """How many cards (top-level posts in the mentors channel) name each mentee."""
        names: Counter[str] = Counter()
        for message in self.fake.messages(MENTORS):
            if message.thread_ts is None:
                shown = json.dumps(message.blocks)
                names.update(
                    name for i in range(COUNT) if (name := f"Imported Mentee {i:03d}") in shown
                )
        return names


@pytest.fixture
def deployment(db_factory: DatabaseFactory, tmp_path: Path) -> Iterator[Deployment]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel(MENTORS, "mentors", is_private=True)
        fake.add_user("UADMIN01", "Admin", tz="UTC")
        yield Deployment(fake, db.url, tmp_path)
    db.dispose()


def one_card_each(cards: Counter[str]) -> None:
    assert len(cards) == COUNT, sorted(cards)
    assert set(cards.values()) == {1}, {name: n for name, n in cards.items() if n != 1}


def test_imported_with_the_channel_set_then_a_sweep_posts_every_card_once(
    deployment: Deployment,
) -> None:
    deployment.import_roster(channel=MENTORS)
    report = deployment.sweep(channel=MENTORS)
    assert f"cards {COUNT}" in report, report
    one_card_each(deployment.cards())
    deployment.sweep(channel=MENTORS)
    one_card_each(deployment.cards())


def test_channel_set_in_the_environment_after_the_import(deployment: Deployment) -> None:
    deployment.import_roster()
    deployment.sweep()
    assert deployment.cards() == Counter()
    deployment.sweep(channel=MENTORS)
    one_card_each(deployment.cards())


def test_channel_chosen_in_slack_after_the_import(deployment: Deployment) -> None:
    deployment.import_roster()
    deployment.sweep()
    assert deployment.cards() == Counter()
    bot = BotProcess(deployment.fake, deployment.url, workdir=deployment.tmp).start()
    try:
        chosen = bot.command(f"dashboard channel <#{MENTORS}|mentors>", "UADMIN01")
    finally:
        bot.stop()
    assert "Dashboards now live" in chosen.text()
    deployment.sweep()
    one_card_each(deployment.cards())


def test_an_admins_choice_outlives_the_environment(deployment: Deployment) -> None:
    deployment.fake.add_channel("GOTHER01", "other", is_private=True)
    deployment.import_roster(channel=MENTORS)
    done = deployment.run("sweep", channel="GOTHER01")
    assert done.returncode == 0, done.stderr
    assert "MATCHPATH_MENTORS_CHANNEL=GOTHER01 is not used" in done.stderr
    assert deployment.fake.messages("GOTHER01") == []
    one_card_each(deployment.cards())


def test_a_malformed_channel_is_one_line_and_writes_nothing(deployment: Deployment) -> None:
    done = deployment.run("import", str(deployment.roster), channel="#mentors")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "matchpath: setting MATCHPATH_MENTORS_CHANNEL: '#mentors' is not a Slack channel id "
        "(like G012ABCDEF)"
    ]
    assert "imported" not in done.stdout
    db = Database(deployment.url)
    try:
        with db.read_only() as session:
            assert session.scalar(select(func.count(Mentee.id))) == 0
            assert session.get(AppSetting, CHANNEL_SETTING) is None
    finally:
        db.dispose()
