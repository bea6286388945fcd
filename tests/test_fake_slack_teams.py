"""The fake serves several teams, each installed through the OAuth flow with token rotation, as
the multi-workspace mode meets Slack: a code for a token that belongs to one team, refreshed
before it expires, refused once the team removes the app."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.fake_slack import FakeSlack
from sandbox.records import TEAM_ID

ID, SECRET = "111.222", "client-secret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def _install(fake: FakeSlack, team_id: str, user_id: str) -> dict[str, object]:
    code = fake.grant_install(team_id, user_id, team_name=f"Team {team_id}")
    app = WebClient(base_url=fake.url)
    return dict(app.oauth_v2_access(client_id=ID, client_secret=SECRET, code=code).data)  # type: ignore[arg-type]


def test_each_token_is_served_by_its_own_team(fake: FakeSlack) -> None:
    alpha, beta = _install(fake, "T0ALPHA", "U1"), _install(fake, "T0BETA", "U1")
    assert alpha["team"] == {"id": "T0ALPHA", "name": "Team T0ALPHA"}
    assert alpha["authed_user"] == {"id": "U1"}
    assert alpha["token_type"] == "bot"
    assert alpha["expires_in"] == 43_200
    for team_id, answer in [("T0ALPHA", alpha), ("T0BETA", beta)]:
        fake.team(team_id).add_user("U1", f"Person of {team_id}")
        client = WebClient(base_url=fake.url, token=str(answer["access_token"]))
        assert client.auth_test()["team_id"] == team_id
        assert client.users_info(user="U1")["user"]["real_name"] == f"Person of {team_id}"
        client.chat_postMessage(channel="U1", text=f"hello {team_id}")
    assert [m.text for m in fake.team("T0ALPHA").messages()] == ["hello T0ALPHA"]
    assert [m.text for m in fake.team("T0BETA").messages()] == ["hello T0BETA"]
    assert fake.messages() == []  # the default team saw none of it
    assert WebClient(base_url=fake.url, token="xoxb-test").auth_test()["team_id"] == TEAM_ID


def test_a_code_works_once_and_needs_the_apps_credentials(fake: FakeSlack) -> None:
    code = fake.grant_install("T0ALPHA", "U1")
    app = WebClient(base_url=fake.url)
    with pytest.raises(SlackApiError, match="invalid_client_id"):
        app.oauth_v2_access(client_id=ID, client_secret="", code=code)
    app.oauth_v2_access(client_id=ID, client_secret=SECRET, code=code)
    with pytest.raises(SlackApiError, match="invalid_code"):
        app.oauth_v2_access(client_id=ID, client_secret=SECRET, code=code)


def test_a_refresh_gives_a_new_pair_and_a_revoked_team_is_refused(fake: FakeSlack) -> None:
    first = _install(fake, "T0ALPHA", "U1")
    app = WebClient(base_url=fake.url)
    refreshed = app.oauth_v2_access(
        client_id=ID,
        client_secret=SECRET,
        grant_type="refresh_token",
        refresh_token=str(first["refresh_token"]),
    )
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["team"]["id"] == "T0ALPHA"
    with pytest.raises(SlackApiError, match="invalid_refresh_token"):
        app.oauth_v2_access(
            client_id=ID, client_secret=SECRET, grant_type="refresh_token", refresh_token="nope"
        )
    token = str(refreshed["access_token"])
    assert WebClient(base_url=fake.url, token=token).auth_test()["team_id"] == "T0ALPHA"
    fake.revoke("T0ALPHA")
    with pytest.raises(SlackApiError, match="token_revoked"):
        WebClient(base_url=fake.url, token=token).auth_test()
    with pytest.raises(SlackApiError, match="invalid_refresh_token"):
        app.oauth_v2_access(
            client_id=ID,
            client_secret=SECRET,
            grant_type="refresh_token",
            refresh_token=str(refreshed["refresh_token"]),
        )


def test_response_urls_reach_the_team_that_issued_them(fake: FakeSlack) -> None:
    _install(fake, "T0ALPHA", "U1")
    url = fake.team("T0ALPHA").issue_response_url("C1", "U1")
    request = urllib.request.Request(  # the fake's own URL
        url, data=b'{"text": "answer"}', headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # nosec B310
        assert response.status == 200
    assert [r.payload["text"] for r in fake.team("T0ALPHA").responses] == ["answer"]
    assert fake.responses == []
