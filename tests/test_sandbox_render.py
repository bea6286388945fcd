"""The console's Block Kit renderer, its mrkdwn, and the modal state builder: fast, no processes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from sandbox import page
from sandbox.console import slack_escape
from sandbox.demo import PEOPLE, person
from sandbox.mrkdwn import mrkdwn_to_html, mrkdwn_to_text, plain_to_html
from sandbox.render import (
    REQUIRED,
    Context,
    element_at,
    render_blocks,
    render_message,
    render_modal,
)
from sandbox.timeline import Conversation, Item, ItemKind, Kind
from sandbox.view_state import build_state, element_state

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NAMES = {"UMENTEE01": "Maya Rahman", "C0MENTORS": "mentors"}
CTX = Context("m|C0GENERAL|1.000001", NAMES.get)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


class Tags(HTMLParser):
    """Every start tag and attribute in a fragment, to prove no markup slipped through."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def tags(fragment: str) -> Tags:
    parser = Tags()
    parser.feed(fragment)
    return parser


def assert_inert(fragment: str) -> None:
    found = tags(fragment)
    assert "script" not in found.tags
    assert "img" not in found.tags
    assert not [a for a in found.attrs if a.startswith("on")]


# -- mrkdwn ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*bold*", "<strong>bold</strong>"),
        ("_italic_", "<em>italic</em>"),
        ("~gone~", "<del>gone</del>"),
        ("`S2-BELOW`", "<code>S2-BELOW</code>"),
        ("```a\n<b>```", "<pre>a\n&lt;b&gt;</pre>"),
        ("one\ntwo", "one<br>two"),
        ("&gt; quoted\nafter", "<blockquote>quoted</blockquote>after"),
        (":warning: done", "⚠️ done"),
        (":no_such_emoji:", ":no_such_emoji:"),
        ("10:30:45", "10:30:45"),
        ("snake_case_name", "snake_case_name"),
        ("2*3*4", "2*3*4"),
        ("Q&amp;A &lt;3", "Q&amp;A &lt;3"),
        ("&amp;lt;", "&amp;lt;"),
    ],
)
def test_mrkdwn_formatting(source: str, expected: str) -> None:
    assert mrkdwn_to_html(source) == expected


def test_mrkdwn_nests_bold_and_italic_without_breaking_tags() -> None:
    assert mrkdwn_to_html("*a _b_ c*") == "<strong>a <em>b</em> c</strong>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<@UMENTEE01>", '<span class="mention">@Maya Rahman</span>'),
        ("<@UMENTEE01|maya>", '<span class="mention">@Maya Rahman</span>'),
        ("<@UNKNOWN9|sam>", '<span class="mention">@sam</span>'),
        ("<@UNKNOWN9>", '<span class="mention">@UNKNOWN9</span>'),
        ("<#C0MENTORS>", '<span class="channel">#mentors</span>'),
        ("<!here>", '<span class="mention">@here</span>'),
        ("<!date^1700000000^{date}|Nov 14>", '<span class="mention">Nov 14</span>'),
        (
            "<https://example.org/a?b=1&amp;c=2|the docs>",
            '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" '
            'rel="noopener noreferrer">the docs</a>',
        ),
        (
            "<mailto:a@example.org>",
            '<a href="mailto:a@example.org" target="_blank" rel="noopener noreferrer">'
            "mailto:a@example.org</a>",
        ),
    ],
)
def test_mrkdwn_controls(source: str, expected: str) -> None:
    assert mrkdwn_to_html(source, NAMES.get) == expected


@pytest.mark.parametrize(
    "source",
    [
        EVIL,
        "<javascript:alert(1)|click me>",
        '<https://x.org/" onmouseover="alert(1)|x>',
        "*<script>alert(1)</script>*",
        "`</code><script>alert(1)</script>`",
        "<@U1|<img src=x onerror=alert(1)>>",
        "\ue0000\ue001<script>x</script>",  # cannot forge the renderer's placeholders
    ],
)
def test_mrkdwn_is_inert(source: str) -> None:
    rendered = mrkdwn_to_html(source, lambda _: '<img src=x onerror="alert(1)">')
    assert_inert(rendered)
    assert "<a" not in rendered or 'href="https://x.org/&quot; onmouseover=' in rendered


def test_script_in_text_comes_out_as_text() -> None:
    assert mrkdwn_to_html("<script>alert(1)</script>") == ("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert mrkdwn_to_html("&lt;script&gt;") == "&lt;script&gt;"


def test_mrkdwn_to_text_drops_markup() -> None:
    assert mrkdwn_to_text("*Forget* <@UMENTEE01|maya>? It &amp; `all`", NAMES.get) == (
        "Forget @Maya Rahman? It & all"
    )


def test_plain_text_is_escaped_not_formatted() -> None:
    assert plain_to_html("*a* <b> :tada:\nx") == "*a* &lt;b&gt; 🎉<br>x"
    assert plain_to_html(":tada:", with_emoji=False) == ":tada:"


# -- blocks -----------------------------------------------------------------------------------


def every_block_type(text: str) -> list[dict[str, Any]]:
    button = {
        "type": "button",
        "text": plain(text),
        "action_id": "profile.open",
        "value": text,
        "style": "primary",
        "confirm": {
            "title": plain(text),
            "text": md(f"*Sure?* {text}"),
            "confirm": plain("Yes"),
            "deny": plain("No"),
        },
    }
    return [
        {"type": "header", "text": plain(text)},
        {
            "type": "section",
            "text": md(f"*{text}*"),
            "fields": [md(f"*Visa*\n{text}"), plain(text)],
            "accessory": dict(button, action_id="accessory.go"),
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                md(text),
                {"type": "image", "image_url": "https://x/y.png", "alt_text": text},
            ],
        },
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [button, {"type": "button", "text": plain("Plain"), "action_id": "x"}],
        },
        {
            "type": "image",
            "image_url": "https://example.org/a.png",
            "alt_text": text,
            "title": plain(text),
        },
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": text, "style": {"bold": True}},
                        {"type": "user", "user_id": "UMENTEE01"},
                        {"type": "link", "url": "https://example.org", "text": text},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                },
            ],
        },
        {"type": "video", "title": plain(text)},
    ]


def test_every_block_type_renders() -> None:
    rendered = render_blocks(every_block_type("Tariq"), CTX)
    found = tags(rendered)
    assert '<h3 class="b-header">Tariq</h3>' in rendered
    assert "<strong>Tariq</strong>" in rendered
    assert rendered.count('class="b-field"') == 2
    assert '<hr class="b-divider">' in rendered
    assert '<div class="b-context">' in rendered
    assert "[image: Tariq]" in rendered  # never fetched: the console works offline
    assert "img" not in found.tags
    assert '<span class="mention">@Maya Rahman</span>' in rendered
    assert "<li>" in rendered
    assert "[video block]" in rendered
    assert found.tags.count("button") == 3


def test_buttons_carry_an_address_not_the_action() -> None:
    rendered = render_blocks(every_block_type("Go"), CTX)
    assert 'data-source="m|C0GENERAL|1.000001" data-block="1" data-element="accessory"' in rendered
    assert 'data-block="4" data-element="0" data-action-id="profile.open"' in rendered
    assert 'class="b-button b-primary"' in rendered
    assert "data-value" not in rendered
    confirm = re.search(r'data-confirm="([^"]*)"', rendered)
    assert confirm is not None
    dialog = json.loads(confirm.group(1).replace("&quot;", '"'))
    assert dialog == {"title": "Go", "text": "Sure? Go", "confirm": "Yes", "deny": "No"}


def test_untrusted_text_in_every_block_is_inert() -> None:
    rendered = render_blocks(every_block_type(EVIL), CTX)
    assert_inert(rendered)
    assert "&lt;script&gt;" in rendered


def test_a_message_without_blocks_shows_its_text() -> None:
    assert "<em>hi</em>" in render_message("_hi_", None, CTX)
    assert "fallback" not in render_message("fallback", [{"type": "divider"}], CTX)


@pytest.mark.parametrize(
    ("index", "position", "found"),
    [(1, "accessory", "accessory.go"), (4, "0", "profile.open"), (4, "1", "x")],
)
def test_element_at_finds_what_was_rendered(index: int, position: str, found: str) -> None:
    located = element_at(every_block_type("Go"), index, position)
    assert located is not None
    assert located[1]["action_id"] == found


@pytest.mark.parametrize(
    ("index", "position"), [(-1, "0"), (99, "0"), (4, "9"), (0, "0"), (4, "accessory"), (4, "x")]
)
def test_element_at_refuses_addresses_that_point_nowhere(index: int, position: str) -> None:
    assert element_at(every_block_type("Go"), index, position) is None


# -- modals -----------------------------------------------------------------------------------


def option(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def form_view() -> dict[str, Any]:
    def field(block_id: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": plain(block_id.title()),
            "element": {"action_id": "value", **element},
            **extra,
        }

    return {
        "id": "V1",
        "type": "modal",
        "title": plain("Log an exam result"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {"type": "section", "text": md("Fill in *everything*")},
            field("name", {"type": "plain_text_input", "initial_value": "Maya", "max_length": 20}),
            field("notes", {"type": "plain_text_input", "multiline": True}, optional=True),
            field(
                "score",
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": "1",
                    "max_value": "300",
                },
                hint=plain("1 to 300"),
            ),
            field(
                "exam",
                {
                    "type": "static_select",
                    "options": [option("step1", "Step 1"), option("step2ck", "Step 2 CK")],
                    "initial_option": option("step2ck", "Step 2 CK"),
                },
            ),
            field(
                "targets",
                {
                    "type": "multi_static_select",
                    "option_groups": [
                        {
                            "label": plain("Surgery"),
                            "options": [option("gs", "General"), option("ps", "Plastics")],
                        }
                    ],
                    "initial_options": [option("ps", "Plastics")],
                },
                optional=True,
            ),
            field(
                "flags",
                {"type": "checkboxes", "options": [option("us", "US"), option("strong", "Strong")]},
                optional=True,
            ),
            field(
                "mode",
                {"type": "radio_buttons", "options": [option("a", "A"), option("b", "B")]},
                optional=True,
            ),
            field("taken_on", {"type": "datepicker", "initial_date": "2026-10-02"}),
            field("at", {"type": "timepicker", "initial_time": "09:30"}, optional=True),
            {
                "type": "input",
                "label": plain("No ids"),
                "element": {"type": "plain_text_input"},
                "optional": True,
            },
        ],
    }


def test_modal_renders_each_input_as_its_form_control() -> None:
    rendered = render_modal(form_view(), Context("v|V1"), {"score": "too high"})
    assert '<header class="m-title">Log an exam result</header>' in rendered
    assert (
        'type="text" value="Maya" data-block-id="name" data-action-id="value" '
        'data-kind="plain_text_input" maxlength="20"' in rendered
    )
    assert '<textarea id="f2" rows="4" data-block-id="notes"' in rendered
    assert 'inputmode="decimal"' in rendered
    assert '<option value="step2ck" selected>Step 2 CK</option>' in rendered
    assert 'multiple size="2"' in rendered
    assert '<option value="ps" selected>Plastics</option>' in rendered
    assert rendered.count('type="checkbox"') == 2
    assert rendered.count('type="radio"') == 2
    assert 'type="date" value="2026-10-02"' in rendered
    assert 'type="time" value="09:30"' in rendered
    assert '<div class="b-hint">1 to 300</div>' in rendered
    assert 'class="b-input has-error" data-block-id="score"' in rendered
    assert '<div class="b-error" data-error-for="score" role="alert">too high</div>' in rendered
    assert 'data-block-id="b10" data-action-id="a10"' in rendered  # stand-ins for missing ids
    assert "(optional)" in rendered
    assert '<button type="submit" class="b-button b-primary m-submit">Save</button>' in rendered
    assert "data-close" in rendered


def test_modal_error_without_a_field_shows_as_a_banner_and_stays_escaped() -> None:
    rendered = render_modal(form_view(), Context("v|V1"), {"": EVIL, "nowhere": "lost"})
    assert rendered.count('class="m-banner"') == 2
    assert_inert(rendered)


def test_untrusted_text_in_a_modal_is_inert() -> None:
    view = form_view()
    view["title"] = plain(EVIL)
    view["blocks"][1]["element"]["initial_value"] = '"><script>alert(1)</script>'
    view["blocks"][4]["element"]["options"].append(option('"><script>', EVIL))
    assert_inert(render_modal(view, Context("v|V1")))


# -- the view state Slack would send ---------------------------------------------------------


def test_state_has_slacks_exact_shape_for_every_input() -> None:
    raw = {
        "name": {"value": ["Maya R"]},
        "notes": {"value": [""]},
        "score": {"value": ["236"]},
        "exam": {"value": ["step1"]},
        "targets": {"value": ["gs", "ps"]},
        "flags": {"value": ["strong"]},
        "mode": {"value": ["b"]},
        "taken_on": {"value": ["2026-10-02"]},
        "at": {"value": ["08:15"]},
    }
    built = build_state(form_view()["blocks"], raw)
    assert built.errors == {}
    assert built.values == {
        "name": {"value": {"type": "plain_text_input", "value": "Maya R"}},
        "notes": {"value": {"type": "plain_text_input", "value": None}},
        "score": {"value": {"type": "number_input", "value": "236"}},
        "exam": {"value": {"type": "static_select", "selected_option": option("step1", "Step 1")}},
        "targets": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [option("gs", "General"), option("ps", "Plastics")],
            }
        },
        "flags": {
            "value": {"type": "checkboxes", "selected_options": [option("strong", "Strong")]}
        },
        "mode": {"value": {"type": "radio_buttons", "selected_option": option("b", "B")}},
        "taken_on": {"value": {"type": "datepicker", "selected_date": "2026-10-02"}},
        "at": {"value": {"type": "timepicker", "selected_time": "08:15"}},
        "b10": {"a10": {"type": "plain_text_input", "value": None}},
    }


def test_state_checks_what_slack_checks_before_the_app_sees_anything() -> None:
    built = build_state(
        form_view()["blocks"],
        {
            "name": {"value": ["x" * 21]},
            "score": {"value": ["23.5"]},
            "exam": {"value": ["step9"]},  # not an option: a tampered form matches nothing
            "taken_on": {"value": ["02/10/2026"]},
            "at": {"value": ["25:00"]},
        },
    )
    assert built.errors == {
        "name": "Must be 20 characters or fewer.",
        "score": "Enter a whole number.",
        "exam": REQUIRED,
        "taken_on": "Enter a date as YYYY-MM-DD.",
        "at": "Enter a time as HH:MM.",
    }
    assert built.values["exam"] == {"value": {"type": "static_select", "selected_option": None}}


@pytest.mark.parametrize(
    ("element", "given", "problem"),
    [
        (
            {"type": "number_input", "min_value": "30", "max_value": "365"},
            "10",
            "Must be at least 30.",
        ),
        ({"type": "number_input", "max_value": "365"}, "366", "Must be at most 365."),
        ({"type": "number_input", "is_decimal_allowed": True}, "2.5", None),
        ({"type": "number_input", "is_decimal_allowed": True}, "abc", "Enter a number."),
        ({"type": "number_input", "is_decimal_allowed": True}, "NaN", "Enter a number."),
        ({"type": "plain_text_input", "min_length": 3}, "ab", "Must be at least 3 characters."),
        (
            {
                "type": "multi_static_select",
                "max_selected_items": 1,
                "options": [option("a", "A"), option("b", "B")],
            },
            "a,b",
            "Select at most 1.",
        ),
        ({"type": "users_select"}, "U1", None),
    ],
)
def test_element_checks(element: dict[str, Any], given: str, problem: str | None) -> None:
    assert element_state(element, given.split(","))[1] == problem


def test_empty_state_of_a_required_field_is_an_error_and_of_an_optional_one_is_not() -> None:
    built = build_state(form_view()["blocks"], {})
    assert set(built.errors) == {"name", "score", "exam", "taken_on"}
    assert all(v == REQUIRED for v in built.errors.values())
    assert built.values["flags"] == {"value": {"type": "checkboxes", "selected_options": []}}
    assert built.values["taken_on"] == {"value": {"type": "datepicker", "selected_date": None}}


# -- command text, as Slack escapes it --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("assess @maya", "assess <@UMENTEE01|maya>"),
        ("assess @Maya.", "assess <@UMENTEE01|maya>."),
        ("assess @UMENTEE02", "assess <@UMENTEE02|tariq>"),
        ("assign @lucia @samuel", "assign <@UMENTEE03|lucia> <@UMENTOR02|samuel>"),
        ("assess @nobody", "assess @nobody"),
        ("checkin @maya mail me@maya.org", "checkin <@UMENTEE01|maya> mail me@maya.org"),
        ('milestone add "<b> & co" 2027-01-01', 'milestone add "&lt;b&gt; &amp; co" 2027-01-01'),
        ("export #mentors", "export <#C0MENTORS|mentors>"),
    ],
)
def test_command_text_is_escaped_and_linked_as_slack_does(typed: str, sent: str) -> None:
    assert slack_escape(typed) == sent


# -- the page around it -----------------------------------------------------------------------


def test_the_page_escapes_what_the_bot_and_visitors_put_in_it() -> None:
    who = person("UMENTOR01")
    assert who is not None
    evil = Item("r1", 1.0, ItemKind.NOTICE, EVIL, EVIL, None, "a|1")
    command = Item("r2", 2.0, ItemKind.COMMAND, "You", f"/matchpath {EVIL}", None, "a|2")
    message = Item(
        "m1",
        3.0,
        ItemKind.MESSAGE,
        "MatchPath",
        EVIL,
        [{"type": "section", "text": md(EVIL)}],
        "m|C0GENERAL|3.0",
        replies=(evil,),
    )
    screen = page.Screen(
        who=who,
        active=Conversation("C0GENERAL", "general", Kind.CHANNEL, "C0GENERAL", topic=EVIL),
        conversations=[Conversation("C0GENERAL", "general", Kind.CHANNEL, "C0GENERAL")],
        unread={},
        items=[evil, command, message],
        home=None,
        modal=None,
        modal_errors={},
        now=datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        names=NAMES.get,
        people=PEOPLE,
    )
    document = page.document(screen)
    body = document.split("<body", 1)[1]
    assert_inert(body)
    assert body.count("<script") == 0
    assert '<details class="thread" data-thread="m1"><summary>1 reply</summary>' in body
    state = page.state_json(screen)
    assert_inert(state["timeline_html"])
    assert [i["kind"] for i in state["items"]] == ["notice", "command", "message"]
