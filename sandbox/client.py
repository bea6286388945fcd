"""A client for the console's JSON API (`sandbox.web`): act as a demo person and look at what
they see, as the page's script does. For tests and scripted demos."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.error import HTTPError
from urllib.parse import urlencode

from sandbox.records import JsonObject

T = TypeVar("T")


class ConsoleClient:
    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"the console listens on 127.0.0.1 only, not {url!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout

    # -- reading ----------------------------------------------------------------------------

    def state(self, who: str, conversation: str, *, peek: bool = False) -> JsonObject:
        """What `who` sees in `conversation`; a peek does not mark it read for them."""
        query = {"as": who, "c": conversation} | ({"peek": "1"} if peek else {})
        return self.get("/api/state?" + urlencode(query))

    def page(self, who: str, conversation: str) -> tuple[int, str]:
        return self._raw("GET", "/?" + urlencode({"as": who, "c": conversation}), None, {})

    def people(self) -> list[JsonObject]:
        people: list[JsonObject] = self.get("/api/people")["people"]
        return people

    def status(self) -> JsonObject:
        return self.get("/api/status")

    # -- acting -----------------------------------------------------------------------------

    def command(self, who: str, conversation: str, text: str) -> JsonObject:
        return self.post("/api/command", {"as": who, "c": conversation, "text": text})

    def click(self, who: str, conversation: str, button: JsonObject) -> JsonObject:
        payload = {"as": who, "c": conversation}
        payload |= {key: button[key] for key in ("source", "block", "element")}
        return self.post("/api/click", payload)

    def submit(self, who: str, view_id: str, fields: dict[str, dict[str, list[str]]]) -> JsonObject:
        return self.post("/api/submit", {"as": who, "view_id": view_id, "fields": fields})

    def close(self, who: str, view_id: str) -> JsonObject:
        return self.post("/api/close", {"as": who, "view_id": view_id})

    def open_home(self, who: str) -> JsonObject:
        return self.post("/api/home", {"as": who})

    def advance(self, seconds: float) -> JsonObject:
        return self.post("/api/clock", {"seconds": seconds})

    # -- plumbing ---------------------------------------------------------------------------

    def get(self, path: str) -> JsonObject:
        status, text = self._raw("GET", path, None, {})
        return _json(status, text)

    def post(self, path: str, payload: object) -> JsonObject:
        body = json.dumps(payload).encode()
        status, text = self._raw("POST", path, body, {"Content-Type": "application/json"})
        return _json(status, text)

    def _raw(
        self, verb: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - the URL is checked in __init__
            self.url + path, data=body, method=verb, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310  # our own 127.0.0.1 URL  # nosec B310
                return int(answer.status), answer.read().decode()
        except HTTPError as error:
            return int(error.code), error.read().decode()


def _json(status: int, text: str) -> JsonObject:
    decoded: Any = json.loads(text)
    if not isinstance(decoded, dict):
        raise ValueError(f"HTTP {status}: not a JSON object")
    answer: JsonObject = {**decoded, "http_status": status}
    return answer


def every_item(state: JsonObject) -> Iterator[JsonObject]:
    """The items of a state, thread replies included."""
    for item in state["items"]:
        yield item
        yield from item["replies"]


def button(state: JsonObject, text: str) -> JsonObject:
    """The last button labelled `text` in what the person sees (timeline or App Home)."""
    found: list[JsonObject] = [
        b for item in every_item(state) for b in item["buttons"] if b["text"] == text
    ]
    if state.get("home"):
        found += [b for b in state["home"]["buttons"] if b["text"] == text]
    if not found:
        raise LookupError(f"no {text!r} button on screen")
    return found[-1]


def wait_for(check: Callable[[], T | None], timeout: float = 15.0, what: str = "it") -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
