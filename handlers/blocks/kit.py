"""Small constructors for Block Kit dicts, so builders read as layouts, not JSON."""

from __future__ import annotations

import re
from typing import Any

Blocks = list[dict[str, Any]]
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000


def escape(text: str) -> str:
    """User-provided text in mrkdwn: neutralise &, < and > so it cannot ping or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Our own mentions of people, once escaped with the text around them, made live again.
MENTION_ESCAPED = re.compile(r"&lt;@([UW][A-Z0-9]{2,30})&gt;")


def with_mentions(text: str) -> str:
    """Escape `text` but for its user mentions: for replies only the asker sees, where a
    mention cannot ping anyone, and names read better than ids."""
    return MENTION_ESCAPED.sub(r"<@\1>", escape(text))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def section(
    text: str, *, block_id: str | None = None, accessory: dict[str, Any] | None = None
) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [mrkdwn(f"*{label}*\n{value}", FIELD_LIMIT) for label, value in pairs[:10]],
    }


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm_dialog(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": mrkdwn(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
        "style": "danger",
    }


def message(blocks: Blocks, text: str, *, escaped: bool = False) -> dict[str, Any]:
    """A message payload: blocks plus the `text` fallback for notifications and screen readers.

    Slack renders the fallback as mrkdwn too (a `<!channel>` in it notifies everyone), so it is
    escaped like any user text, unless the caller has escaped it already.
    """
    return {"blocks": blocks[:50], "text": clip(text if escaped else escape(text), 3000)}
