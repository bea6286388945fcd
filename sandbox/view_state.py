"""A modal's `state.values` in Slack's exact shape, from what the browser's form held.

    {block_id: {action_id: {"type": ..., "value" | "selected_option" | "selected_options" |
                            "selected_date" | "selected_time": ...}}}

Every input block of the view gets an entry, filled or not, as in Slack. The browser sends only
raw strings per (block_id, action_id); option objects are looked up in the view itself, so a
tampered value matches nothing. Slack checks some things in the client before the app ever sees
a submission (a required field left empty, a number that is not one, a length or range set on the
element); those come back as errors here and nothing is sent, as in Slack.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.records import JsonObject
from sandbox.render import REQUIRED, action_id, block_id

RawFields = Mapping[str, Mapping[str, Sequence[str]]]  # block_id -> action_id -> strings

_WHOLE = re.compile(r"-?\d+")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Submission:
    values: dict[str, dict[str, JsonObject]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> what Slack would say


def build_state(blocks: Sequence[Mapping[str, Any]], raw: RawFields) -> Submission:
    values: dict[str, dict[str, JsonObject]] = {}
    errors: dict[str, str] = {}
    for index, block in enumerate(blocks):
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        bid, aid = block_id(block, index), action_id(element, index)
        given = [str(v) for v in (raw.get(bid) or {}).get(aid) or [] if isinstance(v, str)]
        state, problem = element_state(element, given)
        values[bid] = {aid: state}
        if problem is None and not block.get("optional") and is_empty(state):
            problem = REQUIRED
        if problem is not None:
            errors[bid] = problem
    return Submission(values, errors)


def element_state(
    element: Mapping[str, Any], given: Sequence[str]
) -> tuple[JsonObject, str | None]:
    """One element's state entry, and the client-side complaint about it, if any."""
    kind = str(element.get("type", ""))
    first = given[0] if given else ""
    if kind in ("plain_text_input", "email_text_input", "url_text_input"):
        return {"type": kind, "value": first or None}, _length_problem(element, first)
    if kind == "number_input":
        return {"type": kind, "value": first.strip() or None}, _number_problem(element, first)
    if kind in ("static_select", "radio_buttons"):
        chosen = _chosen(element, given[:1])
        return {"type": kind, "selected_option": chosen[0] if chosen else None}, None
    if kind in ("multi_static_select", "checkboxes"):
        chosen = _chosen(element, given)
        limit = element.get("max_selected_items")
        if isinstance(limit, int) and len(chosen) > limit:
            return {"type": kind, "selected_options": chosen}, f"Select at most {limit}."
        return {"type": kind, "selected_options": chosen}, None
    if kind == "datepicker":
        return {"type": kind, "selected_date": first or None}, _date_problem(first)
    if kind == "timepicker":
        problem = None if not first or _TIME.fullmatch(first) else "Enter a time as HH:MM."
        return {"type": kind, "selected_time": first or None}, problem
    return {"type": kind}, None


def is_empty(state: Mapping[str, Any]) -> bool:
    present = [k for k in state if k != "type"]
    return all(state[k] in (None, "", []) for k in present) if present else False


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += list(group.get("options") or [])
    return [o for o in options if isinstance(o, Mapping)]


def _chosen(element: Mapping[str, Any], given: Sequence[str]) -> list[JsonObject]:
    wanted = set(given)
    return [copy.deepcopy(dict(o)) for o in _options(element) if str(o.get("value")) in wanted]


def _length_problem(element: Mapping[str, Any], text: str) -> str | None:
    shortest, longest = element.get("min_length"), element.get("max_length")
    if text and isinstance(shortest, int) and len(text) < shortest:
        return f"Must be at least {shortest} characters."
    if isinstance(longest, int) and len(text) > longest:
        return f"Must be {longest} characters or fewer."
    return None


def _number_problem(element: Mapping[str, Any], text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    decimals = bool(element.get("is_decimal_allowed"))
    if not decimals and not _WHOLE.fullmatch(text):
        return "Enter a whole number."
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "Enter a number."
    if not number.is_finite():
        return "Enter a number."
    low, high = _decimal(element.get("min_value")), _decimal(element.get("max_value"))
    if low is not None and number < low:
        return f"Must be at least {element['min_value']}."
    if high is not None and number > high:
        return f"Must be at most {element['max_value']}."
    return None


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date_problem(text: str) -> str | None:
    if not text:
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return "Enter a date as YYYY-MM-DD."
    return None if _DATE.fullmatch(text) else "Enter a date as YYYY-MM-DD."
