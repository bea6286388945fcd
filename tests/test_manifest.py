"""manifest.yml is a valid v1 manifest whose scopes and events match what the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from handlers.install import BOT_SCOPES, REDIRECT_PATH

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
SOURCES = [
    p
    for d in ("app", "handlers", "bot", "sandbox")
    for p in (ROOT / d).rglob("*.py")
    if "sandbox" not in p.parts
]

# Web API method -> the bot scopes it needs (None: no scope). A tuple: every scope listed.
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "conversations_open": "im:write",
    # DM history to reconcile reminders; the private mentors channel to reconcile cards.
    "conversations_history": ("im:history", "groups:history"),
    "conversations_replies": "groups:history",
    # Private channels to post dashboards; public ones so that they can be recognised, refused.
    "conversations_info": ("groups:read", "channels:read"),
    "users_info": "users:read",
    "views_open": None,
    "views_update": None,
    "views_publish": None,
    "views_push": None,
    "files_upload_v2": "files:write",
    "reactions_add": "reactions:write",
}
EVENT_SCOPES = {
    "app_home_opened": None,
    "user_change": "users:read",
    "app_mention": "app_mentions:read",
    "message": None,
    # Serving many workspaces: the app left a workspace (no scope needed).
    "app_uninstalled": None,
    "tokens_revoked": None,
}
EXTRA_SCOPES = {"commands"}  # the slash command itself


def called_methods() -> set[str]:
    pattern = re.compile(r"\bclient\.(\w+)\(")
    found: set[str] = set()
    for path in SOURCES:
        found |= set(pattern.findall(path.read_text()))
    return {m for m in found if m in METHOD_SCOPES or re.fullmatch(r"[a-z]+_[a-zA-Z0-9_]+", m)}


def subscribed_events() -> set[str]:
    pattern = re.compile(r"@app\.event\(\"(\w+)\"\)")
    return {e for path in SOURCES for e in pattern.findall(path.read_text())}


def test_manifest_shape() -> None:
    assert MANIFEST["_metadata"]["major_version"] == 1
    assert 1 <= len(MANIFEST["display_information"]["name"]) <= 35
    assert MANIFEST["features"]["bot_user"]["display_name"]
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/matchpath"
    assert 2 <= len(command["command"]) <= 32
    assert command["description"]
    assert command["url"].startswith("https://")
    assert command["url"].endswith("/slack/events")
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_scopes_match_the_code() -> None:
    methods = called_methods()
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods to METHOD_SCOPES: {unknown}"
    needed = set(EXTRA_SCOPES)
    for scope in [METHOD_SCOPES[m] for m in methods] + [
        EVENT_SCOPES[e] for e in subscribed_events()
    ]:
        needed |= set(scope) if isinstance(scope, tuple) else {scope} if scope else set()
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_events_match_the_code() -> None:
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == subscribed_events()
    assert len(events) == len(set(events))


def test_an_install_asks_for_the_manifests_scopes() -> None:
    assert set(BOT_SCOPES) == set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert len(BOT_SCOPES) == len(set(BOT_SCOPES))


def test_the_many_workspaces_manifest_is_the_same_app_with_token_rotation() -> None:
    many = yaml.safe_load((ROOT / "deploy" / "manifest-many-workspaces.yml").read_text())
    assert many["settings"].pop("token_rotation_enabled") is True
    assert MANIFEST["settings"].get("token_rotation_enabled") is False
    single = {**MANIFEST, "settings": dict(MANIFEST["settings"])}
    single["settings"].pop("token_rotation_enabled")
    assert many == single
    [redirect] = many["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH)
