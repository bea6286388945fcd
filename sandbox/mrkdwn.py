"""Slack's mrkdwn and plain_text as safe HTML.

Everything here is untrusted (a mentee's notes, a profile's free text): every character that
reaches the output has been HTML-escaped first. Pieces that must not be touched by the
formatting pass (code, links, mentions) are rendered up front, parked behind placeholders made of
private-use characters (stripped from the input, so the input cannot forge them) and put back at
the end.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

Names = Callable[[str], str | None]  # a user or channel id -> its display name, if known

_OPEN, _CLOSE = "\ue000", "\ue001"
_PRIVATE = re.compile(f"[{_OPEN}{_CLOSE}]")
_PARKED = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_CODE_BLOCK = re.compile(r"```\n?(.+?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_CONTROL = re.compile(r"<([^<>\n]*)>")
# Slack's rule: a marker opens after a non-word character and closes before one, hugging text.
_BOLD = re.compile(r"(?<![A-Za-z0-9*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![A-Za-z0-9*])")
_ITALIC = re.compile(r"(?<![A-Za-z0-9_])_(?!\s)([^_\n<>]+?)(?<!\s)_(?![A-Za-z0-9_])")
_STRIKE = re.compile(r"(?<![A-Za-z0-9~])~(?!\s)([^~\n<>]+?)(?<!\s)~(?![A-Za-z0-9~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_QUOTE = "&gt;"
_URL_SCHEMES = ("http://", "https://", "mailto:")

EMOJI: dict[str, str] = {
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "no_entry": "⛔",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "large_blue_circle": "🔵",
    "star": "⭐",
    "triangular_flag_on_post": "🚩",
    "tada": "🎉",
    "memo": "📝",
    "memory": "📝",
    "calendar": "📆",
    "spiral_calendar_pad": "🗓️",
    "date": "📅",
    "alarm_clock": "⏰",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "bell": "🔔",
    "bulb": "💡",
    "pushpin": "📌",
    "clipboard": "📋",
    "mag": "🔍",
    "lock": "🔒",
    "passport_control": "🛂",
    "information_source": "ℹ️",
    "arrow_right": "➡️",
    "thumbsup": "👍",
    "+1": "👍",
    "wave": "👋",
    "eyes": "👀",
    "rocket": "🚀",
    "books": "📚",
    "mortar_board": "🎓",
    "hospital": "🏥",
    "stethoscope": "🩺",
    "speech_balloon": "💬",
    "envelope": "✉️",
    "heart": "❤️",
    "sparkles": "✨",
    "chart_with_upwards_trend": "📈",
    "question": "❓",
    "exclamation": "❗",
}


def _no_names(_: str) -> str | None:
    return None


def unslack(text: str) -> str:
    """Undo the three escapes Slack asks senders to make (&, < and >)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(escaped: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def plain_to_html(text: str, *, with_emoji: bool = True) -> str:
    escaped = html.escape(text, quote=True)
    if with_emoji:
        escaped = emoji(escaped)
    return escaped.replace("\n", "<br>")


def mrkdwn_to_html(text: str, names: Names = _no_names) -> str:
    parked: list[str] = []

    def park(fragment: str) -> str:
        parked.append(fragment)
        return f"{_OPEN}{len(parked) - 1}{_CLOSE}"

    text = _PRIVATE.sub("", text)
    text = _CODE_BLOCK.sub(lambda m: park(f"<pre>{_literal(m.group(1))}</pre>"), text)
    text = _CODE.sub(lambda m: park(f"<code>{_literal(m.group(1))}</code>"), text)
    text = _CONTROL.sub(lambda m: park(_control(m.group(1), names)), text)
    out = html.escape(unslack(text), quote=True)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)
    out = _STRIKE.sub(r"<del>\1</del>", out)
    out = emoji(out)
    out = _quotes_and_breaks(out)
    return _PARKED.sub(lambda m: parked[int(m.group(1))], out)


def mrkdwn_to_text(text: str, names: Names = _no_names) -> str:
    """The words a reader sees, without markup (for confirm() dialogs and previews)."""
    text = _CONTROL.sub(lambda m: _control_label(m.group(1), names), text)
    text = _CODE_BLOCK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for marker in (_BOLD, _ITALIC, _STRIKE):
        text = marker.sub(r"\1", text)
    return unslack(text)


def _literal(text: str) -> str:
    return html.escape(unslack(text), quote=True)


def _control(inner: str, names: Names) -> str:
    """One <…> sequence: a mention, a channel, a special mention, a link, or literal text."""
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#", "!")):
        css = "mention" if target[0] != "#" else "channel"
        return f'<span class="{css}">{_literal(_control_label(inner, names))}</span>'
    if target.startswith(_URL_SCHEMES):
        href = html.escape(unslack(target), quote=True)
        shown = _literal(label) if label else href
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'
    return html.escape(f"<{unslack(inner)}>", quote=True)


def _control_label(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names(target[1:]) or label or target[1:])
    if target.startswith("#"):
        return "#" + (names(target[1:]) or label or target[1:])
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        if word in {"here", "channel", "everyone"}:
            return "@" + word
        return label or word
    if target.startswith(_URL_SCHEMES):
        return label or target
    return f"<{inner}>"


def _quotes_and_breaks(escaped: str) -> str:
    """Lines starting with > become a blockquote; the other newlines become <br>."""
    pieces: list[tuple[bool, str]] = []  # (quoted?, html)
    for line in escaped.split("\n"):
        if line.startswith(_QUOTE):
            body = line.removeprefix(_QUOTE).removeprefix(" ")
            if pieces and pieces[-1][0]:
                pieces[-1] = (True, pieces[-1][1] + "<br>" + body)
            else:
                pieces.append((True, body))
        else:
            pieces.append((False, line))
    out = ""
    for index, (quoted, body) in enumerate(pieces):
        if quoted:
            out += f"<blockquote>{body}</blockquote>"
            continue
        if index and not pieces[index - 1][0]:
            out += "<br>"
        out += body
    return out
