"""The console's HTML: the whole page on first load, and the fragments the browser swaps in when
it polls. Server-rendered; the page's script only fetches, swaps and posts (no inline script or
style anywhere, so a strict Content-Security-Policy holds)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sandbox.demo import Person, Role
from sandbox.mrkdwn import Names, plain_to_html
from sandbox.records import JsonObject, StoredView
from sandbox.render import (
    ACCESSORY,
    Context,
    action_id,
    block_id,
    esc,
    render_blocks,
    render_message,
    render_modal,
    text_of,
)
from sandbox.timeline import BOT_NAME, Attached, Conversation, Item, ItemKind, Kind

ADVANCES = (("+1 hour", 3600), ("+1 day", 86400), ("+1 week", 7 * 86400))
ROLE_GROUPS = ((Role.ADMIN, "Admin"), (Role.MENTOR, "Mentors"), (Role.MENTEE, "Mentees"))


@dataclass(frozen=True)
class Screen:
    """Everything one page shows one person."""

    who: Person
    active: Conversation
    conversations: Sequence[Conversation]
    unread: dict[str, int]
    items: Sequence[Item]
    home: StoredView | None
    modal: StoredView | None
    modal_errors: dict[str, str]
    now: datetime
    names: Names
    people: Sequence[Person]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.who.tz))


def link(who: str, conversation: str) -> str:
    return "/?" + urlencode({"as": who, "c": conversation})


# -- fragments --------------------------------------------------------------------------------


def clock_label(screen: Screen) -> str:
    local = screen.local(screen.now)
    return (
        f"Simulated now: {screen.now:%a %d %b %Y %H:%M} UTC · "
        f"{local:%H:%M} {local.tzname()} for {screen.who.name}"
    )


def sidebar(screen: Screen) -> str:
    rows = []
    for conversation in screen.conversations:
        active = " active" if conversation.key == screen.active.key else ""
        unread = screen.unread.get(conversation.key, 0) if not active else 0
        badge = f' <span class="badge" data-unread="{unread}">{unread}</span>' if unread else ""
        rows.append(
            f'<a class="conv{active}" data-key="{esc(conversation.key)}" '
            f'href="{esc(link(screen.who.id, conversation.key))}">'
            f"{_conversation_name(conversation)}{badge}</a>"
        )
    return "".join(rows)


def _conversation_name(conversation: Conversation) -> str:
    if conversation.kind is Kind.CHANNEL:
        mark = "🔒 " if conversation.private else "# "
        return f'<span class="mark">{mark}</span>{esc(conversation.name)}'
    if conversation.kind is Kind.DM:
        return f'<span class="mark">● </span>{esc(conversation.name)} <small>(DM)</small>'
    return f'<span class="mark">⌂ </span>{esc(conversation.name)}'


def timeline(screen: Screen) -> str:
    if screen.active.kind is Kind.HOME:
        return _home(screen)
    if not screen.items:
        return _empty(screen)
    return "".join(_item(screen, item) for item in screen.items)


def _home(screen: Screen) -> str:
    if screen.home is None:
        return (
            '<div class="home pending">Opening Home… (MatchPath publishes it on each visit)</div>'
        )
    ctx = Context(f"v|{screen.home.id}", screen.names)
    return f'<div class="home">{render_blocks(screen.home.blocks, ctx)}</div>'


def _empty(screen: Screen) -> str:
    if screen.active.kind is Kind.DM:
        intro = (
            "Nothing from MatchPath yet. Reminders and confirmations arrive here: move the "
            "clock on (top right) and watch."
        )
    elif screen.active.kind is Kind.CHANNEL and screen.active.private:
        intro = "Mentee dashboards are posted here for mentors and admins."
    else:
        intro = "Replies to your commands are shown only to you. Try one:"
    chips = "".join(
        f'<button type="button" class="chip" data-fill="{esc(s)}">{esc(s)}</button>'
        for s in screen.who.suggestions()[:4]
    )
    return f'<div class="empty"><p>{esc(intro)}</p><div class="chips">{chips}</div></div>'


def _item(screen: Screen, item: Item, *, reply: bool = False) -> str:
    when = screen.local(datetime.fromtimestamp(item.ts, UTC))
    tags = ""
    if item.author == BOT_NAME:
        tags += ' <span class="tag">APP</span>'
    if item.kind is ItemKind.EPHEMERAL:
        tags += ' <span class="only-you">Only visible to you</span>'
    if item.edited:
        tags += ' <span class="edited">(edited)</span>'
    head = (
        f'<div class="item-head"><span class="author">{esc(item.author)}</span>{tags} '
        f'<time datetime="{when.isoformat()}">{when:%a %d %b %H:%M}</time></div>'
    )
    if item.kind is ItemKind.COMMAND:
        body = f"<code>{esc(item.text)}</code>"
    elif item.kind is ItemKind.NOTICE:
        body = plain_to_html(item.text, with_emoji=False)
    else:
        body = render_message(item.text, item.blocks, Context(item.source, screen.names))
    body += "".join(_file_chip(screen, f) for f in item.files)
    thread = ""
    if item.replies:
        replies = "".join(_item(screen, r, reply=True) for r in item.replies)
        label = f"{len(item.replies)} {'reply' if len(item.replies) == 1 else 'replies'}"
        thread = (
            f'<details class="thread" data-thread="{esc(item.key)}"><summary>{label}</summary>'
            f"{replies}</details>"
        )
    css = f"item item-{item.kind.value}" + (" reply" if reply else "")
    return (
        f'<article class="{css}" data-key="{esc(item.key)}">{head}'
        f'<div class="item-body">{body}</div>{thread}</article>'
    )


def modal(screen: Screen) -> str:
    if screen.modal is None:
        return ""
    ctx = Context(f"v|{screen.modal.id}", screen.names)
    form = render_modal(screen.modal.payload, ctx, screen.modal_errors)
    return f'<div class="backdrop">{form}</div>'


# -- JSON for the browser and the tests -------------------------------------------------------


def state_json(screen: Screen) -> JsonObject:
    timeline_html = timeline(screen)
    modal_html = modal(screen)
    state: JsonObject = {
        "ok": True,
        "who": {"id": screen.who.id, "name": screen.who.name, "role": screen.who.role.value},
        "conversation": screen.active.key,
        "clock": {
            "now": screen.now.isoformat(),
            "label": clock_label(screen),
        },
        "conversations": [
            {
                "key": c.key,
                "name": c.name,
                "kind": c.kind.value,
                "unread": screen.unread.get(c.key, 0),
            }
            for c in screen.conversations
        ],
        "sidebar_html": sidebar(screen),
        "timeline_key": _digest(timeline_html),
        "timeline_html": timeline_html,
        "items": [_item_json(item, screen.names) for item in screen.items],
        "home": None,
        "modal": None,
    }
    if screen.home is not None and screen.active.kind is Kind.HOME:
        ctx = Context(f"v|{screen.home.id}", screen.names)
        state["home"] = {"view_id": screen.home.id, "buttons": buttons(screen.home.blocks, ctx)}
    if screen.modal is not None:
        view = screen.modal
        errors = screen.modal_errors
        state["modal"] = {
            "key": f"{view.id}:{view.hash}",  # errors are shown in place, not by a re-render
            "view_id": view.id,
            "callback_id": view.callback_id,
            "title": text_of(view.payload.get("title"), Context("")),
            "inputs": inputs(view.blocks),
            "errors": errors,
            "html": modal_html,
        }
    return state


def _file_chip(screen: Screen, shared: Attached) -> str:
    href = "/files/" + shared.id + "?" + urlencode({"as": screen.who.id})
    size = f"{shared.size / 1024:.1f} KB" if shared.size >= 1024 else f"{shared.size} B"
    return (
        f'<div class="file"><a href="{esc(href)}" download="{esc(shared.name)}">'
        f'&#128206; {esc(shared.title)}</a> <span class="file-meta">{esc(shared.name)} · '
        f"{esc(size)}</span></div>"
    )


def _item_json(item: Item, names: Names) -> JsonObject:
    ctx = Context(item.source, names)
    return {
        "key": item.key,
        "kind": item.kind.value,
        "author": item.author,
        "ts": item.ts,
        "text": item.text,
        "blocks": item.blocks,
        "buttons": buttons(item.blocks or [], ctx),
        "replies": [_item_json(r, names) for r in item.replies],
    }


def buttons(blocks: Sequence[Any], ctx: Context) -> list[JsonObject]:
    """Every button in the blocks with the address a click on it carries."""
    found = []
    for index, block in enumerate(blocks):
        candidates: list[tuple[str, Any]] = []
        if block.get("type") == "actions":
            candidates = [(str(j), e) for j, e in enumerate(block.get("elements") or [])]
        elif isinstance(block.get("accessory"), dict):
            candidates = [(ACCESSORY, block["accessory"])]
        for position, element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append(
                    {
                        "text": text_of(element.get("text"), ctx),
                        "action_id": action_id(element, position),
                        "source": ctx.source,
                        "block": index,
                        "element": position,
                        "confirm": "confirm" in element,
                    }
                )
    return found


def inputs(blocks: Sequence[Any]) -> list[JsonObject]:
    found = []
    for index, block in enumerate(blocks):
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        options = list(element.get("options") or [])
        for group in element.get("option_groups") or []:
            options += list(group.get("options") or [])
        found.append(
            {
                "block_id": block_id(block, index),
                "action_id": action_id(element, index),
                "type": element.get("type"),
                "label": text_of(block.get("label"), Context("")),
                "optional": bool(block.get("optional")),
                "options": [str(o.get("value")) for o in options if isinstance(o, dict)],
            }
        )
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the whole page ---------------------------------------------------------------------------


def document(screen: Screen) -> str:
    who = screen.who
    composer = "" if screen.active.kind is Kind.HOME else _composer(screen)
    heading = _conversation_name(screen.active)
    ticks = "".join(
        f'<button type="button" class="tick" data-advance="{seconds}">{esc(label)}</button>'
        for label, seconds in ADVANCES
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MatchPath sandbox</title>
<link rel="stylesheet" href="/static/console.css">
<script src="/static/console.js" defer></script>
</head>
<body data-as="{esc(who.id)}" data-conversation="{esc(screen.active.key)}"
      data-kind="{esc(screen.active.kind.value)}">
<header class="topbar">
  <div class="brand">MatchPath <span>sandbox</span></div>
  {_picker(screen)}
  <div class="clock">
    <span id="clock-label">{esc(clock_label(screen))}</span>
    {ticks}
  </div>
</header>
<div class="layout">
  <nav class="sidebar" aria-label="Conversations">
    <div class="me">{esc(who.name)}<small>{esc(who.summary)}</small></div>
    <div id="sidebar">{sidebar(screen)}</div>
  </nav>
  <main class="pane">
    <div class="pane-head"><h2>{heading}</h2><p>{esc(screen.active.topic)}</p></div>
    <div class="timeline" id="timeline" aria-live="polite">{timeline(screen)}</div>
    {composer}
  </main>
</div>
<div id="modal-root">{modal(screen)}</div>
<div id="toast" class="toast" role="status" hidden></div>
</body>
</html>
"""


def _picker(screen: Screen) -> str:
    groups = []
    for role, title in ROLE_GROUPS:
        options = "".join(
            f'<option value="{esc(p.id)}"{" selected" if p.id == screen.who.id else ""}>'
            f"{esc(p.name)}</option>"
            for p in screen.people
            if p.role is role
        )
        groups.append(f'<optgroup label="{esc(title)}">{options}</optgroup>')
    return (
        '<form class="who" method="get" action="/">'
        '<label for="who">You are</label> '
        f'<select id="who" name="as">{"".join(groups)}</select>'
        f'<input type="hidden" name="c" value="{esc(screen.active.key)}">'
        '<noscript><button type="submit">Switch</button></noscript></form>'
    )


def _composer(screen: Screen) -> str:
    suggestions = "".join(f'<option value="{esc(s)}"></option>' for s in screen.who.suggestions())
    handles = " ".join(f"@{p.handle}" for p in screen.people)
    where = esc(("#" if screen.active.kind is Kind.CHANNEL else "") + screen.active.name)
    return (
        '<form class="composer" id="composer" autocomplete="off">'
        f'<input id="composer-input" name="text" value="/matchpath " list="suggestions" '
        f'aria-label="Message {where}" spellcheck="false">'
        '<button type="submit">Send</button>'
        f'<datalist id="suggestions">{suggestions}</datalist>'
        f'<div class="composer-hint">People: {esc(handles)}</div>'
        '<div class="composer-error" id="composer-error" role="alert"></div>'
        "</form>"
    )


def error_document(message: str, status: int) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MatchPath sandbox</title>
<link rel="stylesheet" href="/static/console.css"></head>
<body><main class="problem"><h1>MatchPath sandbox</h1>
<p>{esc(message)}</p><p><a href="/">Back to the console</a></p>
<p><small>HTTP {status}</small></p></main></body></html>
"""
