"""One person's view of one conversation: threads folded, ephemerals only for them, and clicks
resolved only against what they can see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from sandbox.demo import GENERAL, MENTORS, person, register_in_fake
from sandbox.fake_slack import FakeSlack
from sandbox.timeline import (
    DM,
    HOME,
    ConsoleLog,
    ItemKind,
    RecordKind,
    conversations_for,
    count,
    items,
    locate,
)

MENTOR, MENTEE = "UMENTOR01", "UMENTEE01"
SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "card"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    ticks = iter(range(1_800_000_000, 1_900_000_000))
    with FakeSlack(clock=lambda: float(next(ticks))) as fake:
        register_in_fake(fake)
        yield fake


def names(some_id: str) -> str | None:
    found = person(some_id)
    return found.name if found else None


def test_conversations_depend_on_who_you_are(fake: FakeSlack) -> None:
    mentor, mentee = person(MENTOR), person(MENTEE)
    assert mentor is not None
    assert mentee is not None
    assert [c.key for c in conversations_for(mentor, fake)] == [HOME, DM, GENERAL.id, MENTORS.id]
    assert [c.key for c in conversations_for(mentee, fake)] == [HOME, DM, GENERAL.id]
    assert conversations_for(mentee, fake)[1].channel_id == fake.dm_channel(MENTEE)


def test_a_channel_merges_messages_threads_ephemerals_and_the_consoles_records(
    fake: FakeSlack,
) -> None:
    client = WebClient(base_url=fake.url, token="xoxb-test")
    log = ConsoleLog(lambda: 1_950_000_000.0)
    parent = client.chat_postMessage(channel=MENTORS.id, text="Maya", blocks=SECTION)["ts"]
    client.chat_postMessage(channel=MENTORS.id, text="logged a letter", thread_ts=parent)
    client.chat_postMessage(channel=MENTORS.id, text="flag raised", thread_ts=parent)
    client.chat_postEphemeral(channel=MENTORS.id, user=MENTOR, text="only for Grace")
    client.chat_postEphemeral(channel=MENTORS.id, user="UMENTOR02", text="only for Samuel")
    log.add(MENTOR, MENTORS.id, RecordKind.COMMAND, "/matchpath flags")
    log.add(MENTOR, MENTORS.id, RecordKind.NOTICE, "the bot is slow")
    mentor = person(MENTOR)
    assert mentor is not None
    channel = conversations_for(mentor, fake)[3]

    found = items(fake, log, MENTOR, channel, names)

    assert [(i.kind, i.text) for i in found] == [
        (ItemKind.MESSAGE, "Maya"),
        (ItemKind.EPHEMERAL, "only for Grace"),
        (ItemKind.COMMAND, "/matchpath flags"),
        (ItemKind.NOTICE, "the bot is slow"),
    ]
    assert [r.text for r in found[0].replies] == ["logged a letter", "flag raised"]
    assert found[0].author == "MatchPath"
    assert count(found) == 6


def test_clicks_resolve_only_against_what_the_person_can_see(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.url, token="xoxb-test")
    log = ConsoleLog(lambda: 1.0)
    posted = client.chat_postMessage(channel=MENTORS.id, text="card", blocks=SECTION)["ts"]
    client.chat_postEphemeral(channel=GENERAL.id, user=MENTOR, text="yours", blocks=SECTION)
    mine = fake.ephemerals[0].message_ts
    ack = log.add(MENTOR, GENERAL.id, RecordKind.ACK, "help", SECTION)
    home = {"type": "home", "blocks": SECTION}
    client.views_publish(user_id=MENTOR, view=home)
    view = fake.home_views[MENTOR].id
    staff = {GENERAL.id, MENTORS.id}

    message = locate(fake, log, MENTOR, f"m|{MENTORS.id}|{posted}", staff)
    assert message is not None
    assert (message.channel_id, message.message_ts) == (MENTORS.id, posted)
    assert locate(fake, log, MENTEE, f"m|{MENTORS.id}|{posted}", {GENERAL.id}) is None
    assert locate(fake, log, MENTOR, f"e|{mine}", staff) is not None
    assert locate(fake, log, "UMENTOR02", f"e|{mine}", staff) is None
    assert locate(fake, log, MENTOR, f"a|{ack.number}", staff) is not None
    assert locate(fake, log, MENTEE, f"a|{ack.number}", staff) is None
    located_view = locate(fake, log, MENTOR, f"v|{view}", staff)
    assert located_view is not None
    assert located_view.view is not None
    assert locate(fake, log, "UMENTOR02", f"v|{view}", staff) is None
    for nonsense in ("", "x|1", "a|x", "m|C0GENERAL", f"m|{MENTORS.id}|1.0"):
        assert locate(fake, log, MENTOR, nonsense, staff) is None
