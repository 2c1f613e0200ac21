"""`make run` with no platform configured: the dashboard beside the console community, signed in
to as one of the console's people, only from this machine; and the address checks around it."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import axe_violations, needs_chromium
from tests.web.world import WebWorld, free_port

pytestmark = [pytest.mark.web, needs_chromium]
ROOT = Path(__file__).resolve().parents[2]
CROSSINGS = Path(sys.executable).parent / "crossings"


@dataclass
class Local:
    process: subprocess.Popen[str]
    base: str
    lines: list[str]

    def type(self, line: str) -> None:
        """A line typed in the console community's terminal."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"{text!r} not printed: {self.lines[-20:]}"
            time.sleep(0.05)


def _clean_env(tmp: Path, port: int) -> dict[str, str]:
    """No platform token, no config file: as on a fresh clone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    env.update(
        CROSSINGS_CONFIG=str(tmp / "none.toml"),
        CROSSINGS_DATABASE_URL=f"sqlite:///{tmp}/local.db",
        CROSSINGS_METRICS__PORT=str(port),
        # A proxy on this machine may forward others' requests: its header is believed.
        CROSSINGS_WEB__TRUSTED_PROXIES='["127.0.0.1/32"]',
        COLUMNS="200",
    )
    return env


def _read(process: subprocess.Popen[str], into: list[str], found: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        into.append(line)
        if line.startswith("Dashboard: "):
            found.put(line.removeprefix("Dashboard: ").strip())


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    """What `make run` runs (the Makefile's two commands), from an empty directory."""
    tmp = tmp_path_factory.mktemp("local")
    env = _clean_env(tmp, free_port())
    subprocess.run([str(CROSSINGS), "db", "upgrade"], cwd=tmp, env=env, check=True)
    process = subprocess.Popen(
        [str(CROSSINGS), "run"],
        cwd=tmp,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    found: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read, args=(process, lines, found), daemon=True).start()
    try:
        address = found.get(timeout=90)
    except queue.Empty:
        process.kill()
        pytest.fail("no dashboard address printed:\n" + "".join(lines[-40:]))
    yield Local(process, address.rstrip("/"), lines)
    assert process.stdin is not None
    process.stdin.close()  # end of input: the console community says goodbye
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def sign_in_as(local: Local, page: Any, person: str) -> None:
    page.goto(local.base + "/")
    page.get_by_role("link", name="Sign in with the console community").click()
    page.get_by_role("button", name=f"Sign in as {person}").click()
    page.wait_for_url(local.base + "/")


def test_make_run_prints_the_address_and_the_owner_sees_the_queue(local: Local, page: Any) -> None:
    assert local.base.startswith("http://127.0.0.1:") and local.base.endswith("/dashboard")
    sign_in_as(local, page, "Olu, owner")
    assert "Olu" in page.locator(".who").inner_text()
    card = page.locator(".card").first
    assert "you are admin" in card.inner_text()  # the owner has every right
    page.goto(local.base + "/c/console/home/queue")
    expect(page.get_by_role("heading", name="Moderator queue", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Queue")).to_be_visible()


@pytest.mark.parametrize(
    ("person", "standing", "queue_link"),
    [
        ("Mira, moderator", "moderator", True),
        ("Ren, organizer", "organizer", False),
        ("Sam, member", "member", False),
    ],
)
def test_each_console_person_signs_in_with_their_standing(
    local: Local, page: Any, person: str, standing: str, queue_link: bool
) -> None:
    sign_in_as(local, page, person)
    assert f"you are {standing}" in page.locator(".card").first.inner_text()
    page.goto(local.base + "/c/console/home/")
    assert page.get_by_role("link", name="Queue", exact=True).count() == int(queue_link)
    response = page.goto(local.base + "/c/console/home/queue")
    assert response.status == (200 if queue_link else 403)


def test_the_people_are_listed_only_to_this_machine(local: Local, page: Any) -> None:
    page.goto(local.base + "/")
    page.get_by_role("link", name="Sign in with the console community").click()
    expect(page.get_by_role("button", name="Sign in as Olu, owner")).to_be_visible()
    # The same page asked for by another machine through the proxy on this one.
    other = page.request.get(page.url, headers={"X-Forwarded-For": "192.168.1.20"})
    assert other.status == 403
    assert "only in a browser on the machine running the bot" in other.text()
    assert "Olu" not in other.text()


def test_a_code_not_made_for_this_sign_in_signs_no_one_in(local: Local, page: Any) -> None:
    page.goto(local.base + "/")
    page.get_by_role("link", name="Sign in with the console community").click()
    state = page.url.split("state=", 1)[1]
    page.goto(f"{local.base}/login/console/callback?state={state}&code=olu.{'0' * 64}")
    expect(page.get_by_text("Signing in did not work")).to_be_visible()
    page.goto(local.base + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_address_without_its_slash_leads_to_the_dashboard(local: Local, page: Any) -> None:
    response = page.goto(local.base)  # ".../dashboard", as typed
    assert page.url == local.base + "/"
    assert response.status == 200
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_server_header_names_no_version(local: Local, page: Any) -> None:
    for path in ("/", "/static/dashboard.css"):
        response = page.request.get(local.base + path)
        assert response.headers.get("server") == "crossings"


def test_with_a_platform_configured_no_console_person_can_sign_in(
    world: WebWorld, page: Any
) -> None:
    page.goto(world.base + "/")
    expect(page.get_by_role("link", name="Sign in with Discord")).to_be_visible()
    assert page.get_by_role("link", name="Sign in with the console community").count() == 0
    assert page.request.get(world.base + "/login/console").status == 404
    assert page.request.get(world.base + "/login/console/pick?state=x").status == 404


def test_plain_http_at_another_address_says_why_sign_in_cannot_work(
    world: WebWorld, page: Any
) -> None:
    """A dashboard set up at http://<LAN address>: browsers would drop its Secure cookie."""
    from aiohttp import web

    from adapters.web import dashboard
    from adapters.web.keys import CFG
    from crossings.plugins import sign_in_providers

    port = free_port()
    cfg = world.dashboard[CFG].model_copy(
        update={"public_url": f"http://192.0.2.10:{port}/dashboard"}
    )
    assert world.runtime is not None
    providers = sign_in_providers(world.runtime.settings)

    async def serve() -> web.AppRunner:
        root = web.Application()
        root.add_subapp("/dashboard", dashboard(world.app, cfg, providers))
        runner = web.AppRunner(root)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = world.call(serve())
    try:
        base = f"http://127.0.0.1:{port}/dashboard"
        page.goto(base + "/")
        expect(page.get_by_text("served over plain http")).to_be_visible()
        page.get_by_role("link", name="Sign in with Discord").click()
        expect(page.get_by_text("Serve the dashboard over https")).to_be_visible()
        assert "has expired" not in page.content()
    finally:
        world.call(runner.cleanup())


def test_the_sign_in_pages_pass_axe(local: Local, page: Any) -> None:
    page.goto(local.base + "/")
    assert axe_violations(page) == {1280: [], 360: []}
    page.get_by_role("link", name="Sign in with the console community").click()
    expect(page.get_by_role("button", name="Sign in as Olu, owner")).to_be_visible()
    assert axe_violations(page) == {1280: [], 360: []}
