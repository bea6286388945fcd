"""Check messages and views the way Slack does, including the limits slack_sdk leaves unchecked.

Problems are phrased like the `response_metadata.messages` Slack returns, so a failing test reads
like a failing call to the real API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
SECTION_FIELD_MAX_CHARS = 2000
MESSAGE_TEXT_MAX_CHARS = 40_000
UPDATE_TEXT_MAX_CHARS = 4_000
VIEW_MAX_BYTES = 250 * 1024

# The view properties an app may send; Slack adds the rest (id, hash, state, ...) itself.
_VIEW_INPUT_KEYS = {
    "type",
    "title",
    "blocks",
    "close",
    "submit",
    "private_metadata",
    "callback_id",
    "clear_on_close",
    "notify_on_close",
    "external_id",
}


def block_problems(blocks: object, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Everything Slack would reject in a `blocks` array; empty when the array is acceptable."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    for index, block in enumerate(blocks):
        problems.extend(_one_block_problems(block, f"{pointer}/{index}"))
    return problems


def view_problems(view: object) -> list[str]:
    """Everything Slack would reject in a view payload except its size (see `view_too_large`)."""
    if not isinstance(view, Mapping):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    problems = [
        f"[ERROR] unknown field '{key}' [json-pointer:/view/{key}]"
        for key in view
        if key not in _VIEW_INPUT_KEYS
    ]
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        problems.append(f"[ERROR] unsupported view type: {kind} [json-pointer:/view/type]")
    if kind == "modal" and "title" not in view:
        problems.append("[ERROR] missing required field: title [json-pointer:/view]")
    if "blocks" not in view:
        problems.append("[ERROR] missing required field: blocks [json-pointer:/view]")
    else:
        problems.extend(
            block_problems(view["blocks"], max_blocks=VIEW_MAX_BLOCKS, pointer="/view/blocks")
        )
    if problems:
        return problems
    # Blocks were checked one by one above (with pointers); the model checks the view's own fields,
    # given one stand-in block because it refuses an empty list.
    shell = {key: value for key, value in view.items() if key != "blocks"}
    try:
        kept = View(**shell, blocks=[{"type": "divider"}]).to_dict()
    except Exception as error:  # slack_sdk raises several types; any of them means "invalid"
        return [f"[ERROR] {error} [json-pointer:/view]"]
    return _lost_fields(shell, kept, "/view")


def view_too_large(view: object) -> bool:
    return len(json.dumps(view, separators=(",", ":")).encode()) > VIEW_MAX_BYTES


def _one_block_problems(block: object, pointer: str) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"[ERROR] must be an object [json-pointer:{pointer}]"]
    try:
        model = Block.parse(dict(block))
        if model is None:
            return [f"[ERROR] unsupported type: {block.get('type')} [json-pointer:{pointer}/type]"]
        kept = model.to_dict()
    except Exception as error:  # slack_sdk raises several types; any of them means "invalid"
        return [f"[ERROR] {error} [json-pointer:{pointer}]"]
    return _lost_fields(block, kept, pointer) + _section_field_problems(block, pointer)


def _section_field_problems(block: Mapping[str, Any], pointer: str) -> list[str]:
    fields = block.get("fields") if block.get("type") == "section" else None
    if not isinstance(fields, Sequence):
        return []
    return [
        f"[ERROR] must be less than {SECTION_FIELD_MAX_CHARS + 1} characters "
        f"[json-pointer:{pointer}/fields/{index}/text]"
        for index, field in enumerate(fields)
        if isinstance(field, Mapping) and len(str(field.get("text", ""))) > SECTION_FIELD_MAX_CHARS
    ]


def _lost_fields(sent: object, kept: object, pointer: str) -> list[str]:
    """Fields slack_sdk silently dropped or coerced: Slack itself rejects those payloads."""
    if isinstance(sent, Mapping):
        if not isinstance(kept, Mapping):
            return [f"[ERROR] must not be an object [json-pointer:{pointer}]"]
        problems: list[str] = []
        for key, value in sent.items():
            if key not in kept:
                problems.append(f"[ERROR] unknown or null field '{key}' [json-pointer:{pointer}]")
            else:
                problems.extend(_lost_fields(value, kept[key], f"{pointer}/{key}"))
        return problems
    if isinstance(sent, list):
        if not isinstance(kept, list) or len(kept) != len(sent):
            return [f"[ERROR] failed to match all allowed schemas [json-pointer:{pointer}]"]
        return [
            problem
            for index, (item, kept_item) in enumerate(zip(sent, kept, strict=True))
            for problem in _lost_fields(item, kept_item, f"{pointer}/{index}")
        ]
    if sent != kept or type(sent) is not type(kept):
        return [f"[ERROR] failed to match all allowed schemas [json-pointer:{pointer}]"]
    return []
