"""How Web API arguments arrive (query string, form, multipart or JSON) and how to read them.

Slack accepts every method as form or JSON, and form callers send structured arguments (`blocks`,
`view`, `metadata`, `files`) as JSON strings; readers here accept both spellings.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


class SlackError(Exception):
    """A Slack error answer: `{"ok": false, "error": code}` plus optional explanations."""

    def __init__(self, code: str, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []
        self.status = status


def parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """All arguments of a request; body arguments win over the query string's."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise SlackError("invalid_json", [str(error)]) from error
        if not isinstance(decoded, dict):
            raise SlackError("invalid_json", ["the body must be a JSON object"])
        params.update(decoded)
    elif media_type == "multipart/form-data":
        params.update(_multipart(content_type, body))
    else:
        try:
            params.update(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (ValueError, UnicodeDecodeError) as error:
            raise SlackError("invalid_form_data", [str(error)]) from error
    return params


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[len("bearer ") :].strip() or None
    return None


def text_arg(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def flag_arg(params: dict[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes"}
    return bool(value)


def int_arg(params: dict[str, Any], key: str, default: int, error: str) -> int:
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError(error, [f"[ERROR] {key} must be an integer"]) from exc


def json_arg(params: dict[str, Any], key: str, error: str) -> Any:
    """A structured argument, decoded if it came as a JSON string; None when absent."""
    value = params.get(key)
    if not isinstance(value, str):
        return value
    if value == "":
        return None
    try:
        return json.loads(value)
    except ValueError as exc:
        raise SlackError(error, [f"[ERROR] {key} is not valid JSON: {exc}"]) from exc


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    envelope = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = BytesParser(policy=HTTP).parsebytes(envelope)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise SlackError("invalid_form_data", ["malformed multipart body"])
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        fields[name] = payload if part.get_filename() else payload.decode("utf-8")
    return fields
