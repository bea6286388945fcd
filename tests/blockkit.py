"""Validate Block Kit payloads offline the way Slack does, with slack_sdk.models plus the limits
slack_sdk does not check."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


def _walk_fields(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        for field in block.get("fields") or []:
            assert len(field["text"]) <= 2000, "section field over 2000 characters"


def assert_valid_message(payload: dict[str, Any]) -> None:
    blocks = payload.get("blocks") or []
    assert payload.get("text"), "a message needs a text fallback"
    assert len(payload["text"]) <= 40_000
    assert len(blocks) <= 50, f"{len(blocks)} blocks in a message (limit 50)"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        assert parsed.to_dict() is not None  # to_dict validates every limit slack_sdk knows
    _walk_fields(blocks)


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    assert len(json.dumps(view)) <= 250_000
    _walk_fields(view["blocks"])
