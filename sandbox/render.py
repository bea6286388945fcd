"""Block Kit as readable HTML: messages, App Home and modals.

Blocks come from the bot, and the bot echoes what users typed, so nothing in them is trusted:
every string is escaped on its way out (`sandbox.mrkdwn`), and controls carry only an address
(`data-source`, `data-block`, `data-element`) that the console resolves against the stored blocks
when clicked, never the action itself.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.mrkdwn import Names, mrkdwn_to_html, mrkdwn_to_text, plain_to_html

Block = Mapping[str, Any]
ACCESSORY = "accessory"
REQUIRED = "Please complete this required field."


def _no_names(_: str) -> str | None:
    return None


@dataclass(frozen=True)
class Context:
    """Where the blocks live (an opaque address the console can resolve) and how to name ids."""

    source: str
    names: Names = _no_names


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def text_object(obj: object, ctx: Context) -> str:
    """A `plain_text` or `mrkdwn` text object as HTML; anything else as empty."""
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_html(text, ctx.names)
    return plain_to_html(text, with_emoji=bool(obj.get("emoji", True)))


def text_of(obj: object, ctx: Context) -> str:
    """A text object's words, unformatted."""
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    return mrkdwn_to_text(text, ctx.names) if obj.get("type") == "mrkdwn" else text


def block_id(block: Block, index: int) -> str:
    """The block's id, or the stand-in the console uses for a block sent without one."""
    given = block.get("block_id")
    return str(given) if given else f"b{index}"


def action_id(element: Mapping[str, Any], index: int | str) -> str:
    given = element.get("action_id")
    return str(given) if given else f"a{index}"


# -- messages and App Home -------------------------------------------------------------------


def render_message(text: str, blocks: Sequence[Block] | None, ctx: Context) -> str:
    """A message as Slack shows it: its blocks, or its text when it has none."""
    if blocks:
        return render_blocks(blocks, ctx)
    return (
        f'<div class="b-section"><div class="b-text">{mrkdwn_to_html(text, ctx.names)}</div></div>'
    )


def render_blocks(blocks: Sequence[Block], ctx: Context) -> str:
    return "".join(_block(block, index, ctx) for index, block in enumerate(blocks))


def _block(block: Block, index: int, ctx: Context) -> str:
    kind = block.get("type")
    if kind == "section":
        return _section(block, index, ctx)
    if kind == "header":
        return f'<h3 class="b-header">{text_object(block.get("text"), ctx)}</h3>'
    if kind == "divider":
        return '<hr class="b-divider">'
    if kind == "context":
        parts = [_context_element(e, ctx) for e in block.get("elements") or []]
        return f'<div class="b-context">{"".join(parts)}</div>'
    if kind == "actions":
        elements = block.get("elements") or []
        parts = [_element(e, index, j, ctx) for j, e in enumerate(elements)]
        return f'<div class="b-actions">{"".join(parts)}</div>'
    if kind == "input":
        return _input(block, index, ctx, error=None)
    if kind == "image":
        return _image(block, ctx)
    if kind == "rich_text":
        return f'<div class="b-rich">{_rich_text(block.get("elements") or [], ctx)}</div>'
    return f'<div class="b-unknown">[{esc(kind or "unknown")} block]</div>'


def _section(block: Block, index: int, ctx: Context) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="b-text">{text_object(block["text"], ctx)}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="b-field">{text_object(f, ctx)}</div>' for f in fields)
        parts.append(f'<div class="b-fields">{cells}</div>')
    body = f'<div class="b-section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    if isinstance(accessory, Mapping):
        body += f'<div class="b-accessory">{_element(accessory, index, ACCESSORY, ctx)}</div>'
    return f'<div class="b-section">{body}</div>'


def _context_element(element: object, ctx: Context) -> str:
    if isinstance(element, Mapping) and element.get("type") == "image":
        return f'<span class="b-img-alt">[{esc(element.get("alt_text", "image"))}]</span>'
    return f"<span>{text_object(element, ctx)}</span>"


def _image(block: Block, ctx: Context) -> str:
    # Remote images are never fetched: the console works offline and leaks nothing.
    title = text_object(block.get("title"), ctx)
    caption = f"<figcaption>{title}</figcaption>" if title else ""
    alt = esc(block.get("alt_text", "image"))
    return f'<figure class="b-image"><div class="b-img-alt">[image: {alt}]</div>{caption}</figure>'


def _element(element: Mapping[str, Any], index: int, position: int | str, ctx: Context) -> str:
    kind = element.get("type")
    if kind == "button":
        return _button(element, index, position, ctx)
    if kind == "image":
        return f'<span class="b-img-alt">[{esc(element.get("alt_text", "image"))}]</span>'
    # Selects, pickers and menus outside a modal do nothing here; the bot sends none today.
    shown = text_of(element.get("placeholder"), ctx) or str(kind)
    return (
        f'<span class="b-inert" title="not interactive in the sandbox">{esc(shown)} '
        f"<small>({esc(kind)})</small></span>"
    )


def _button(element: Mapping[str, Any], index: int, position: int | str, ctx: Context) -> str:
    style = element.get("style")
    css = "b-button" + (f" b-{style}" if style in ("primary", "danger") else "")
    attrs = {
        "type": "button",
        "class": css,
        "data-source": ctx.source,
        "data-block": str(index),
        "data-element": str(position),
        "data-action-id": action_id(element, position),
    }
    confirm = element.get("confirm")
    if isinstance(confirm, Mapping):
        attrs["data-confirm"] = json.dumps(
            {
                "title": text_of(confirm.get("title"), ctx),
                "text": text_of(confirm.get("text"), ctx),
                "confirm": text_of(confirm.get("confirm"), ctx) or "Yes",
                "deny": text_of(confirm.get("deny"), ctx) or "Cancel",
            }
        )
    url = element.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        attrs["data-url"] = url
    rendered = " ".join(f'{name}="{esc(value)}"' for name, value in attrs.items())
    return f"<button {rendered}>{text_object(element.get('text'), ctx)}</button>"


def _rich_text(elements: Sequence[Any], ctx: Context) -> str:
    out = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        kind = element.get("type")
        inner = element.get("elements") or []
        if kind == "rich_text_section":
            out.append(f"<div>{_rich_inline(inner, ctx)}</div>")
        elif kind == "rich_text_preformatted":
            out.append(f"<pre>{_rich_inline(inner, ctx)}</pre>")
        elif kind == "rich_text_quote":
            out.append(f"<blockquote>{_rich_inline(inner, ctx)}</blockquote>")
        elif kind == "rich_text_list":
            tag = "ol" if element.get("style") == "ordered" else "ul"
            items = "".join(f"<li>{_rich_text([i], ctx)}</li>" for i in inner)
            out.append(f"<{tag}>{items}</{tag}>")
    return "".join(out)


def _rich_inline(elements: Sequence[Any], ctx: Context) -> str:
    out = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        kind = element.get("type")
        if kind == "text":
            piece = plain_to_html(str(element.get("text", "")), with_emoji=False)
            style = element.get("style") or {}
            for flag, tag in (("bold", "strong"), ("italic", "em"), ("strike", "del")):
                if style.get(flag):
                    piece = f"<{tag}>{piece}</{tag}>"
            if style.get("code"):
                piece = f"<code>{piece}</code>"
            out.append(piece)
        elif kind == "link":
            out.append(mrkdwn_to_html(f"<{element.get('url', '')}|{element.get('text', '')}>"))
        elif kind == "user":
            name = ctx.names(str(element.get("user_id", ""))) or element.get("user_id", "")
            out.append(f'<span class="mention">@{esc(name)}</span>')
        elif kind == "emoji":
            out.append(plain_to_html(f":{element.get('name', '')}:"))
    return "".join(out)


# -- modals ----------------------------------------------------------------------------------


def render_modal(
    view: Mapping[str, Any], ctx: Context, errors: Mapping[str, str] | None = None
) -> str:
    """A modal as a form: its title, blocks (inputs as fields, errors beside them), buttons."""
    errors = errors or {}
    title = text_object(view.get("title"), ctx) or "Modal"
    body = []
    for index, block in enumerate(view.get("blocks") or []):
        if block.get("type") == "input":
            body.append(_input(block, index, ctx, error=errors.get(block_id(block, index))))
        else:
            body.append(_block(block, index, ctx))
    submit = text_object(view.get("submit"), ctx)
    close = text_object(view.get("close"), ctx) or "Cancel"
    buttons = f'<button type="button" class="b-button m-close" data-close>{close}</button>'
    if submit:
        buttons += f'<button type="submit" class="b-button b-primary m-submit">{submit}</button>'
    stray = {k: v for k, v in errors.items() if not _has_input(view, k)}
    banner = "".join(f'<div class="m-banner" role="alert">{esc(v)}</div>' for v in stray.values())
    return (
        f'<form class="modal" data-view-id="{esc(view.get("id", ""))}" novalidate>'
        f'<header class="m-title">{title}</header>{banner}'
        f'<div class="m-body">{"".join(body)}</div>'
        f'<footer class="m-buttons">{buttons}</footer></form>'
    )


def _has_input(view: Mapping[str, Any], wanted: str) -> bool:
    return any(
        b.get("type") == "input" and block_id(b, i) == wanted
        for i, b in enumerate(view.get("blocks") or [])
    )


def _input(block: Block, index: int, ctx: Context, *, error: str | None) -> str:
    element = block.get("element") or {}
    bid = block_id(block, index)
    field_id = f"f{index}"
    optional = " <small>(optional)</small>" if block.get("optional") else ""
    label = f'<label for="{field_id}">{text_object(block.get("label"), ctx)}{optional}</label>'
    control = _control(element, bid, action_id(element, index), field_id, ctx)
    hint = text_object(block.get("hint"), ctx)
    hint_html = f'<div class="b-hint">{hint}</div>' if hint else ""
    error_html = (
        f'<div class="b-error" data-error-for="{esc(bid)}" role="alert">{esc(error or "")}</div>'
    )
    css = "b-input has-error" if error else "b-input"
    return (
        f'<div class="{css}" data-block-id="{esc(bid)}">'
        f"{label}{control}{hint_html}{error_html}</div>"
    )


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += list(group.get("options") or [])
    return [o for o in options if isinstance(o, Mapping)]


def _control(element: Mapping[str, Any], bid: str, aid: str, field_id: str, ctx: Context) -> str:
    kind = str(element.get("type", ""))
    data = f'data-block-id="{esc(bid)}" data-action-id="{esc(aid)}" data-kind="{esc(kind)}"'
    placeholder = text_of(element.get("placeholder"), ctx)
    ph = f' placeholder="{esc(placeholder)}"' if placeholder else ""
    if kind == "plain_text_input":
        initial = esc(element.get("initial_value", ""))
        limit = element.get("max_length")
        maxlength = f' maxlength="{int(limit)}"' if isinstance(limit, int) else ""
        if element.get("multiline"):
            return f'<textarea id="{field_id}" rows="4" {data}{ph}{maxlength}>{initial}</textarea>'
        return f'<input id="{field_id}" type="text" value="{initial}" {data}{ph}{maxlength}>'
    if kind in ("number_input", "email_text_input", "url_text_input"):
        mode = {"number_input": "decimal", "email_text_input": "email", "url_text_input": "url"}
        initial = esc(element.get("initial_value", ""))
        return (
            f'<input id="{field_id}" type="text" inputmode="{mode[kind]}" value="{initial}" '
            f"{data}{ph}>"
        )
    if kind in ("static_select", "multi_static_select"):
        multi = kind == "multi_static_select"
        chosen = _initial_values(element)
        rows = (
            [] if multi else [f'<option value="">{esc(placeholder or "Select an option")}</option>']
        )
        for option in _options(element):
            value = str(option.get("value", ""))
            selected = " selected" if value in chosen else ""
            rows.append(
                f'<option value="{esc(value)}"{selected}>{esc(text_of(option.get("text"), ctx))}'
                "</option>"
            )
        size = f' multiple size="{min(len(rows), 6)}"' if multi else ""
        return f'<select id="{field_id}" {data}{size}>{"".join(rows)}</select>'
    if kind in ("checkboxes", "radio_buttons"):
        chosen = _initial_values(element)
        box = "checkbox" if kind == "checkboxes" else "radio"
        rows = []
        for j, option in enumerate(_options(element)):
            value = str(option.get("value", ""))
            checked = " checked" if value in chosen else ""
            described = text_object(option.get("description"), ctx)
            description = f'<small class="b-hint">{described}</small>' if described else ""
            rows.append(
                f'<label class="b-choice"><input type="{box}" name="{field_id}" '
                f'id="{field_id}-{j}" value="{esc(value)}"{checked} {data}> '
                f"{text_object(option.get('text'), ctx)}{description}</label>"
            )
        return f'<div class="b-choices" id="{field_id}">{"".join(rows)}</div>'
    if kind == "datepicker":
        initial = esc(element.get("initial_date", ""))
        return f'<input id="{field_id}" type="date" value="{initial}" {data}>'
    if kind == "timepicker":
        initial = esc(element.get("initial_time", ""))
        return f'<input id="{field_id}" type="time" value="{initial}" {data}>'
    return (
        f'<div class="b-inert">[{esc(kind or "unknown")} input: not supported in the sandbox]</div>'
    )


def _initial_values(element: Mapping[str, Any]) -> set[str]:
    initial = element.get("initial_options") or []
    single = element.get("initial_option")
    if isinstance(single, Mapping):
        initial = [single, *initial]
    return {str(o.get("value")) for o in initial if isinstance(o, Mapping)}


# -- resolving a click -----------------------------------------------------------------------


def element_at(
    blocks: Sequence[Block], index: int, position: str
) -> tuple[Block, Mapping[str, Any]] | None:
    """The block and element a rendered control points at, or None if it is not there (any
    more): the address came from a browser, so it is checked, never trusted."""
    if not 0 <= index < len(blocks):
        return None
    block = blocks[index]
    if position == ACCESSORY:
        element = block.get("accessory")
    elif position.isdigit() and block.get("type") == "actions":
        elements = block.get("elements") or []
        element = elements[int(position)] if int(position) < len(elements) else None
    else:
        element = None
    if not isinstance(element, Mapping):
        return None
    return block, element
