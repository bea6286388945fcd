"""Modal forms declared once: the same declaration renders the inputs and reads them back.

Every input's block_id is the name of the model field it fills (checkbox groups fill several
booleans), so a pydantic error's location names the block to show it beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any, Literal

from bot.vocab import label
from handlers.blocks.kit import Blocks, clip, plain
from handlers.ids import INPUT

Kind = Literal["text", "long_text", "number", "select", "multi", "date", "time", "checks"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    optional: bool = False
    hint: str | None = None
    placeholder: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    fields: tuple[Field, ...]
    fallback: str  # where an error about the form as a whole is shown
    field_names: dict[str, str] = field(default_factory=dict)  # model field -> block_id


def choices(enum: type[StrEnum]) -> tuple[tuple[str, str], ...]:
    """A vocabulary as (value, label) options: the labels every other surface shows too."""
    return tuple((m.value, label(m)) for m in enum)


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


def _element(f: Field, initial: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"action_id": INPUT}
    match f.kind:
        case "text" | "long_text":
            e["type"] = "plain_text_input"
            e["multiline"] = f.kind == "long_text"
            if f.max_length:
                e["max_length"] = f.max_length
            if initial:
                e["initial_value"] = clip(str(initial), f.max_length or 3000)
        case "number":
            e.update(type="number_input", is_decimal_allowed=False)
            if initial is not None:
                e["initial_value"] = str(initial)
        case "select":
            e["type"] = "static_select"
            e["options"] = [_option(v, t) for v, t in f.options]
            match = [o for o in e["options"] if o["value"] == str(initial)]
            if match:
                e["initial_option"] = match[0]
        case "multi":
            e["type"] = "multi_static_select"
            e["options"] = [_option(v, t) for v, t in f.options]
            chosen = [o for o in e["options"] if o["value"] in {str(i) for i in initial or []}]
            if chosen:
                e["initial_options"] = chosen
        case "checks":
            e["type"] = "checkboxes"
            e["options"] = [_option(v, t) for v, t in f.options]
            chosen = [o for o in e["options"] if (initial or {}).get(o["value"])]
            if chosen:
                e["initial_options"] = chosen
        case "date":
            e["type"] = "datepicker"
            if initial:
                e["initial_date"] = initial.isoformat() if isinstance(initial, date) else initial
        case "time":
            e["type"] = "timepicker"
            if initial:
                e["initial_time"] = (
                    initial.strftime("%H:%M") if isinstance(initial, time) else initial
                )
    if f.placeholder and f.kind not in ("checks",):
        e["placeholder"] = plain(f.placeholder)
    return e


def render(form: Form, initial: dict[str, Any] | None = None) -> Blocks:
    initial = initial or {}
    blocks = []
    for f in form.fields:
        start = (
            {v: initial.get(v) for v, _ in f.options} if f.kind == "checks" else initial.get(f.name)
        )
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f.name,
            "label": plain(f.label, 2000),
            "element": _element(f, start),
            "optional": f.optional or f.kind == "checks",
        }
        if f.hint:
            block["hint"] = plain(f.hint, 2000)
        blocks.append(block)
    return blocks


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _option_values(raw: dict[str, Any]) -> list[Any]:
    options = raw.get("selected_options")
    if not isinstance(options, list):
        return []
    return [_mapping(o).get("value") for o in options]


def read(form: Form, values: dict[str, Any]) -> dict[str, Any]:
    """Turn a view's `state.values` into plain field values (strings stay strings).

    The shapes are Slack's, but the request could be forged: anything of the wrong shape reads
    as an empty field, and validation then says what is missing.
    """
    out: dict[str, Any] = {}
    for f in form.fields:
        raw = _mapping(_mapping(_mapping(values).get(f.name)).get(INPUT))
        match f.kind:
            case "text" | "long_text" | "number":
                value = raw.get("value")
                if value not in (None, ""):
                    out[f.name] = value
            case "select":
                option = _mapping(raw.get("selected_option"))
                if option:
                    out[f.name] = option.get("value")
            case "multi":
                out[f.name] = _option_values(raw)
            case "checks":
                chosen = {v for v in _option_values(raw) if isinstance(v, str)}
                for value, _ in f.options:
                    out[value] = value in chosen
            case "date":
                if raw.get("selected_date"):
                    out[f.name] = raw["selected_date"]
            case "time":
                if raw.get("selected_time"):
                    out[f.name] = raw["selected_time"]
    return out


def block_for(form: Form, loc: tuple[int | str, ...]) -> str:
    """The block to show an error at, from a pydantic error location."""
    names = {f.name for f in form.fields}
    checks = {v: f.name for f in form.fields if f.kind == "checks" for v, _ in f.options}
    if loc:
        head = str(loc[0])
        head = form.field_names.get(head, head)
        if head in names:
            return head
        if head in checks:
            return checks[head]
    return form.fallback
