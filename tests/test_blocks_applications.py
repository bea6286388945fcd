"""The answers to `log STATUS` and the statuses form: golden, valid per slack_sdk.models, the
picker's values and the form's metadata read back as sent."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.applications.dto import (
    ApplicationRead,
    Applications,
    ChangeRead,
    Funnel,
    StatusesUpdated,
)
from bot.applications.logbook import StatusForm, StatusLogged
from bot.applications.matching import Candidate, Found, NameMatch
from bot.applications.vocab import ApplicationStatus as S
from bot.applications.vocab import ChangeVia
from bot.errors import InvalidInput
from bot.programmes.vocab import ProgrammeTrack, Tier
from handlers.blocks.applications import (
    PAGE,
    status_logged,
    statuses_modal,
    statuses_saved,
)
from handlers.blocks.help import help_message
from handlers.ids import INPUT, Action, Block, Sub, View
from handlers.payloads import StatusesForm, StatusPick, load_state
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.test_blocks import golden

ON = date(2027, 10, 20)
FUNNEL = Funnel(listed=96, applied=40, invited=6, interviewed=2)


def shown(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def application(n: int, status: S = S.PLANNED, name: str | None = None) -> ApplicationRead:
    return ApplicationRead(
        id=n,
        season=2028,
        name=name or f"Synthetic Regional Medical Center {n:03d}",
        city=f"Synthetic City {n:03d}",
        state="OH",
        track=ProgrammeTrack.PRELIMINARY_SURGERY,
        tier=Tier.CORE,
        reasons=[],
        status=status,
        furthest=status,
        applied_on=date(2027, 9, 3) if status is S.APPLIED else None,
        invited_on=None,
        interviewed_on=None,
        ranked_on=None,
        outcome_on=None,
        closed_on=None,
    )


def changed(to: S = S.INTERVIEW_INVITED, *, correction: bool = False) -> StatusesUpdated:
    return StatusesUpdated(
        changes=[
            ChangeRead(
                application=application(17, to, "St Mary's <Synthetic> & Co"),
                from_status=S.APPLIED,
                to_status=to,
                happened_on=ON,
                changed_by="UMENTOR1",
                via=ChangeVia.UPDATE,
                correction=correction,
            )
        ],
        unchanged=[],
        funnel=FUNNEL,
    )


def logged(match: NameMatch, updated: StatusesUpdated | None = None) -> StatusLogged:
    return StatusLogged(season=2028, on=ON, match=match, updated=updated)


def answer(result: StatusLogged, typed: str = "regional", **kw: Any) -> dict[str, Any]:
    return status_logged(
        result,
        mentee_id="UMENTEE1",
        typed=typed,
        to=kw.get("to", S.INTERVIEW_INVITED),
        correction=kw.get("correction", False),
    )


def one(key: int = 17) -> NameMatch:
    return NameMatch(found=Found.ONE, candidates=[Candidate(key=key, name="x")], total=1)


def test_a_change_says_what_changed_and_escapes_the_name() -> None:
    payload = answer(logged(one(), changed()))
    assert_valid_message(payload)
    golden("log-changed", payload)
    text = shown(payload)
    assert (
        "Logged for <@UMENTEE1>: Interview invitation from St Mary's &lt;Synthetic&gt; &amp; Co "
        "(preliminary surgery), 2027-10-20." in text
    )
    assert "40 applied · 6 invited" in text
    assert "<Synthetic>" not in text


def test_the_status_it_had_already_is_said() -> None:
    same = StatusesUpdated(changes=[], unchanged=[application(5, S.APPLIED)], funnel=FUNNEL)
    payload = answer(logged(one(5), same))
    assert_valid_message(payload)
    assert "is applied already: nothing changed." in payload["text"]


def test_several_close_names_offer_a_button_each() -> None:
    candidates = [
        Candidate(key=n, name=f"Synthetic Regional Medical Center {n:03d}", detail=f"d{n}")
        for n in (17, 18, 170)
    ]
    match = NameMatch(found=Found.AMBIGUOUS, candidates=candidates, total=11)
    payload = answer(logged(match), typed="regional <!channel>", correction=True, to=S.APPLIED)
    assert_valid_message(payload)
    golden("log-picker", payload)
    text = shown(payload)
    assert "regional &lt;!channel&gt;" in text
    assert "pick one to correct to *applied* on 2027-10-20" in text
    assert "8 more match" in text
    buttons = [b["accessory"] for b in payload["blocks"] if "accessory" in b]
    assert [b["action_id"] for b in buttons] == [Action.PICK_APPLICATION] * 3
    picks = [load_state(StatusPick, b["value"]) for b in buttons]
    assert picks[2] == StatusPick(
        mentee="UMENTEE1", season=2028, application=170, to=S.APPLIED, on=ON, correction=True
    )


def test_no_close_name_offers_the_closest_and_the_form() -> None:
    near = [Candidate(key=3, name="Synthetic General Hospital 003", detail="transitional year")]
    payload = answer(logged(NameMatch(found=Found.NONE, candidates=near, total=1)), "Genral 3")
    assert_valid_message(payload)
    golden("log-none", payload)
    text = shown(payload)
    assert "is called “Genral 3”, so nothing changed" in text
    assert "The closest: *Synthetic General Hospital 003* (transitional year)." in text
    [button] = payload["blocks"][-1]["elements"]
    assert button["action_id"] == Action.OPEN_APPLICATIONS
    empty = answer(logged(NameMatch(found=Found.NONE, candidates=[], total=0)), "qqq")
    assert "No name is close." in empty["text"]


def form(apps: list[ApplicationRead]) -> StatusForm:
    listed = Applications(mentee_id=1, season=2028, saved=None, applications=apps, funnel=FUNNEL)
    return StatusForm(applications=listed, today=ON)


def test_the_statuses_form() -> None:
    apps = [application(1, S.APPLIED), application(2), application(3, S.PLANNED, "A <b> & co")]
    view = statuses_modal(
        form(apps), mentee_id="UMENTEE1", page=1, may_correct=True, channel="C0GENERAL"
    )
    assert_valid_view(view)
    golden("applications-modal", view)
    assert view["callback_id"] == View.APPLICATIONS
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[Block.ON]["element"]["initial_date"] == "2027-10-20"
    assert Block.CORRECTION in blocks
    first = blocks[f"{Block.APPLICATION}.1"]
    assert first["element"]["action_id"] == INPUT
    assert first["element"]["initial_option"]["value"] == "applied"
    assert first["hint"]["text"] == "applied since 2027-09-03"
    assert len(first["element"]["options"]) == len(S)
    metadata = load_state(StatusesForm, view["private_metadata"])
    assert metadata.statuses() == {1: S.APPLIED, 2: S.PLANNED, 3: S.PLANNED}
    assert (metadata.mentee, metadata.season, metadata.channel) == ("UMENTEE1", 2028, "C0GENERAL")
    mentee = statuses_modal(
        form(apps), mentee_id="UMENTEE1", page=1, may_correct=False, channel=None
    )
    assert Block.CORRECTION not in {b.get("block_id") for b in mentee["blocks"]}


def test_a_long_list_comes_a_page_at_a_time() -> None:
    statuses = list(S)
    apps = [application(n, statuses[n % len(statuses)]) for n in range(1, 2 * PAGE + 11)]
    for page, count in ((1, PAGE), (2, PAGE), (3, 10)):
        view = statuses_modal(
            form(apps), mentee_id="UMENTEE1", page=page, may_correct=True, channel=None
        )
        assert_valid_view(view)
        assert len(view["private_metadata"]) < 2000
        selects = [b for b in view["blocks"] if b.get("block_id", "").startswith("application.")]
        assert len(selects) == count
        sent = load_state(StatusesForm, view["private_metadata"]).statuses()
        assert list(sent) == [a.id for a in apps[(page - 1) * PAGE :][:count]]
        text = shown(view)
        assert f"page {page} of 3" in text
        assert ("`/matchpath applications @mentee" in text) is (page < 3)
    beyond = statuses_modal(
        form(apps), mentee_id="UMENTEE1", page=4, may_correct=True, channel=None
    )
    assert_valid_view(beyond)
    assert "There is no page 4: the list has 3." in shown(beyond)
    assert "submit" not in beyond


def test_the_saved_confirmation_lists_the_changes() -> None:
    assert statuses_saved(changed(S.PLANNED, correction=True), "UMENTEE1").splitlines()[:2] == [
        "Updated <@UMENTEE1>'s applications (1 change):",
        "• Corrected: St Mary's <Synthetic> & Co (preliminary surgery) is planned (was applied), "
        "2027-10-20",
    ]
    nothing = StatusesUpdated(changes=[], unchanged=[], funnel=FUNNEL)
    assert statuses_saved(nothing, "UMENTEE1") == "No status changed on <@UMENTEE1>'s list."


def test_the_metadata_refuses_a_status_per_application_that_does_not_add_up() -> None:
    sent = StatusesForm.showing({4: S.APPLIED, 5: S.MATCHED}, mentee="UMENTEE1", season=2028)
    raw = json.loads(sent.dump())
    assert load_state(StatusesForm, sent.dump()).statuses() == {4: S.APPLIED, 5: S.MATCHED}
    for tampered in ({**raw, "shown": raw["shown"][:1]}, {**raw, "shown": "9" * 2}):
        with pytest.raises(InvalidInput, match="out of date"):
            load_state(StatusesForm, json.dumps(tampered))


def test_the_help_shows_both_forms_and_how_to_correct() -> None:
    focused = help_message("name the programme", Sub.LOG)
    assert_valid_message(focused)
    text = shown(focused)
    assert (
        '/matchpath log invite [@mentee] \\"Programme name\\" [YYYY-MM-DD] [--correction]' in text
    )
    assert "unmatched (or not-matched)" in text
    assert "/matchpath applications [@mentee] [page]" in shown(help_message())
