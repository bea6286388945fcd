"""Scripting a fake Slack that runs in another process: the `/_fake/*` endpoints and a client.

    GET  /_fake/state          everything recorded, as JSON (files' bytes in base64)
    POST /_fake/fail           {"method", "kind", "times"?, "error"?, "retry_after"?, "delay"?,
                                "status"?, "match"?: {param: value}}
    POST /_fake/rate_limit     {"method", "per_second": number | null, "per_channel"?}
    POST /_fake/users          {"id", "real_name", "tz"?, "deleted"?, "is_bot"?, "name"?,
                                "display_name"?}
    POST /_fake/channels       {"id", "name", "is_private"?, "is_archived"?, "is_member"?}
    POST /_fake/triggers       {"user_id"}                          -> {"trigger_id"}
    POST /_fake/response_urls  {"channel_id", "user_id", "message_ts"?} -> {"response_url"}
    POST /_fake/reset

They listen on the same loopback port as the fake Web API and need no token.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.error import HTTPError

from pydantic import BaseModel, ConfigDict, ValidationError

from sandbox.faults import FaultKind, Matcher
from sandbox.records import JsonObject
from sandbox.wire import SlackError

CONTROL_PREFIX = "/_fake/"


class Scriptable(Protocol):
    """What the control endpoints do to a fake Slack (`sandbox.fake_slack.FakeSlack` is one).
    Named here so that this module needs nothing from the server that calls it."""

    def state(self) -> JsonObject: ...

    def reset(self) -> None: ...

    def add_user(
        self,
        user_id: str,
        real_name: str,
        tz: str = ...,
        deleted: bool = ...,
        *,
        is_bot: bool = ...,
        name: str = ...,
        display_name: str = ...,
    ) -> object: ...

    def add_channel(
        self,
        channel_id: str,
        name: str,
        is_private: bool = ...,
        *,
        is_archived: bool = ...,
        is_member: bool = ...,
    ) -> object: ...

    def issue_trigger(self, user_id: str) -> str: ...

    def issue_response_url(
        self, channel_id: str, user_id: str, *, message_ts: str | None = ...
    ) -> str: ...

    def fail_next(
        self,
        method: str,
        kind: FaultKind | str,
        times: int = ...,
        *,
        error: str | None = ...,
        retry_after: int = ...,
        delay: float = ...,
        status: int = ...,
        match: Matcher | None = ...,
    ) -> None: ...

    def set_rate_limit(
        self, method: str, per_second: float | None, *, per_channel: bool = ...
    ) -> None: ...


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FailSpec(_Spec):
    method: str
    kind: FaultKind
    times: int = 1
    error: str | None = None
    retry_after: int = 1
    delay: float = 3.0
    status: int = 500
    match: dict[str, Any] | None = None


class RateLimitSpec(_Spec):
    method: str
    per_second: float | None
    per_channel: bool = False


class UserSpec(_Spec):
    id: str
    real_name: str
    tz: str = "America/New_York"
    deleted: bool = False
    is_bot: bool = False
    name: str = ""
    display_name: str = ""


class ChannelSpec(_Spec):
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = True


class TriggerSpec(_Spec):
    user_id: str


class ResponseUrlSpec(_Spec):
    channel_id: str
    user_id: str
    message_ts: str | None = None


def handle_control(fake: Scriptable, verb: str, name: str, body: bytes) -> tuple[int, JsonObject]:
    """Serve `/_fake/<name>`; returns the HTTP status and JSON body."""
    if verb == "GET" and name == "state":
        return 200, fake.state()
    action = _ACTIONS.get(name) if verb == "POST" else None
    if action is None:
        return 404, {"ok": False, "error": "unknown_control_endpoint"}
    try:
        raw = json.loads(body) if body else {}
        return 200, {"ok": True, **action(fake, raw)}
    except (ValidationError, ValueError) as error:  # pydantic's, json's and the fake's own
        return 400, {"ok": False, "error": "invalid_control_request", "detail": str(error)}
    except SlackError as error:  # e.g. a trigger for a user the workspace does not have
        return 400, {"ok": False, "error": error.code}


def _fail(fake: Scriptable, raw: object) -> JsonObject:
    spec = FailSpec.model_validate(raw)
    fake.fail_next(
        spec.method,
        spec.kind,
        spec.times,
        error=spec.error,
        retry_after=spec.retry_after,
        delay=spec.delay,
        status=spec.status,
        match=spec.match,
    )
    return {}


def _rate_limit(fake: Scriptable, raw: object) -> JsonObject:
    spec = RateLimitSpec.model_validate(raw)
    fake.set_rate_limit(spec.method, spec.per_second, per_channel=spec.per_channel)
    return {}


def _user(fake: Scriptable, raw: object) -> JsonObject:
    spec = UserSpec.model_validate(raw)
    fake.add_user(
        spec.id,
        spec.real_name,
        spec.tz,
        spec.deleted,
        is_bot=spec.is_bot,
        name=spec.name,
        display_name=spec.display_name,
    )
    return {}


def _channel(fake: Scriptable, raw: object) -> JsonObject:
    spec = ChannelSpec.model_validate(raw)
    fake.add_channel(
        spec.id,
        spec.name,
        spec.is_private,
        is_archived=spec.is_archived,
        is_member=spec.is_member,
    )
    return {}


def _trigger(fake: Scriptable, raw: object) -> JsonObject:
    spec = TriggerSpec.model_validate(raw)
    return {"trigger_id": fake.issue_trigger(spec.user_id)}


def _response_url(fake: Scriptable, raw: object) -> JsonObject:
    spec = ResponseUrlSpec.model_validate(raw)
    url = fake.issue_response_url(spec.channel_id, spec.user_id, message_ts=spec.message_ts)
    return {"response_url": url}


def _reset(fake: Scriptable, raw: object) -> JsonObject:
    fake.reset()
    return {}


_ACTIONS: dict[str, Callable[[Scriptable, object], JsonObject]] = {
    "fail": _fail,
    "rate_limit": _rate_limit,
    "users": _user,
    "channels": _channel,
    "triggers": _trigger,
    "response_urls": _response_url,
    "reset": _reset,
}


class RemoteFakeSlack:
    """Script a fake Slack in another process, e.g. one started with `python -m sandbox.fake_slack`.

    Accepts the URL the process printed (`http://127.0.0.1:PORT/api/`) or its base URL.
    """

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.base_url = url.removesuffix("/").removesuffix("/api")
        self.url = self.base_url + "/api/"
        self._timeout = timeout

    def state(self) -> JsonObject:
        return self._request("GET", "state", None)

    def fail_next(
        self,
        method: str,
        kind: FaultKind | str,
        times: int = 1,
        *,
        error: str | None = None,
        retry_after: int = 1,
        delay: float = 3.0,
        status: int = 500,
        match: Mapping[str, object] | None = None,
    ) -> None:
        spec = FailSpec(
            method=method,
            kind=FaultKind(kind),
            times=times,
            error=error,
            retry_after=retry_after,
            delay=delay,
            status=status,
            match=dict(match) if match is not None else None,
        )
        self._request("POST", "fail", spec)

    def set_rate_limit(
        self, method: str, per_second: float | None, *, per_channel: bool = False
    ) -> None:
        spec = RateLimitSpec(method=method, per_second=per_second, per_channel=per_channel)
        self._request("POST", "rate_limit", spec)

    def add_user(
        self, user_id: str, real_name: str, tz: str = "America/New_York", deleted: bool = False
    ) -> None:
        spec = UserSpec(id=user_id, real_name=real_name, tz=tz, deleted=deleted)
        self._request("POST", "users", spec)

    def add_channel(self, channel_id: str, name: str, is_private: bool = False) -> None:
        self._request(
            "POST", "channels", ChannelSpec(id=channel_id, name=name, is_private=is_private)
        )

    def issue_trigger(self, user_id: str) -> str:
        return str(self._request("POST", "triggers", TriggerSpec(user_id=user_id))["trigger_id"])

    def issue_response_url(
        self, channel_id: str, user_id: str, *, message_ts: str | None = None
    ) -> str:
        spec = ResponseUrlSpec(channel_id=channel_id, user_id=user_id, message_ts=message_ts)
        return str(self._request("POST", "response_urls", spec)["response_url"])

    def reset(self) -> None:
        self._request("POST", "reset", None)

    def _request(self, verb: str, name: str, spec: BaseModel | None) -> JsonObject:
        data = spec.model_dump_json().encode() if spec is not None else b"{}"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            f"{self.base_url}{CONTROL_PREFIX}{name}",
            data=data if verb == "POST" else None,
            method=verb,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310  # a 127.0.0.1 URL  # nosec B310
                answer: JsonObject = json.loads(response.read())
        except HTTPError as error:
            raise RuntimeError(f"fake Slack refused {name}: {error.read().decode()}") from error
        return answer
