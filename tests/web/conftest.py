"""Web fixtures: a fake home with Claude Code logs over a few days of 2024–2025, the dashboard app over a
ledger synced from it (Starlette's TestClient), a real server in a thread, and headless Chromium."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tokledger.config import Config
from tokledger.env import Env
from tokledger.web import Backend, create_app
from tokledger.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

SONNET, OPUS, HAIKU, LOCAL = (
    "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001", "my-local-model",
)  # fmt: skip
# day: [(model, input, output, cache write, cache read)]; LOCAL has no price anywhere.
USAGE = {
    "2024-12-30": [(SONNET, 100, 200, 1_000, 5_000)],
    "2025-06-01": [
        (SONNET, 1_200, 3_400, 20_000, 150_000),
        (OPUS, 500, 800, 4_000, 30_000),
        (LOCAL, 100, 100, 0, 0),
    ],
    "2025-06-02": [(SONNET, 300, 900, 0, 80_000), (SONNET, 40, 500, 0, 90_000)],
    "2025-06-03": [(HAIKU, 50, 60, 0, 1_000)],
    "2025-07-01": [(LOCAL, 400, 300, 0, 0)],
    "2025-12-31": [(OPUS, 10, 20, 0, 0)],
}


def log_line(day: str, n: int, model: str, inp: int, out: int, cw: int, cr: int, hour: int = 10) -> str:
    return json.dumps({
        "type": "assistant", "sessionId": f"s-{day}", "cwd": "/home/dev/app", "uuid": f"u-{day}-{n}",
        "timestamp": f"{day}T{hour:02d}:{n % 60:02d}:00.000Z", "requestId": f"req-{day}-{n}",
        "message": {"id": f"msg-{day}-{n}", "model": model, "role": "assistant", "content": [],
                    "usage": {"input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": cw,
                              "cache_read_input_tokens": cr}},
    })  # fmt: skip


def write_usage(home: Path, usage: dict = USAGE) -> None:
    for day, requests in usage.items():
        path = home / ".claude" / "projects" / "-home-dev-app" / f"s-{day}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            for n, request in enumerate(requests):
                f.write(log_line(day, n, *request) + "\n")


def make_backend(home: Path, db: Path, **kw) -> Backend:
    env = Env(home=home, environ={"TZ": "UTC"})
    return Backend(Workspace(env, db_path=db, config=Config()), timezone="UTC", **kw)


@pytest.fixture
def usage_home(home: Path) -> Path:
    write_usage(home)
    return home


@pytest.fixture
def backend(usage_home: Path, tmp_path: Path):
    backend = make_backend(usage_home, tmp_path / "web.db")
    yield backend
    backend.close()


@pytest.fixture
def client(backend: Backend) -> TestClient:
    return TestClient(create_app(backend), base_url="http://127.0.0.1")


class ServerThread:
    """The dashboard served by uvicorn on a free loopback port, in a daemon thread."""

    def __init__(self, backend: Backend):
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(backend), log_level="warning", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    (root / "home").mkdir()
    write_usage(root / "home")
    backend = make_backend(root / "home", root / "ledger.db")
    thread = ServerThread(backend)
    thread.start()
    yield thread
    thread.stop()
    backend.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """The dashboard loaded (calendar and charts drawn); console errors are collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("html[data-dashboard=ready]", timeout=15_000)
    yield page
    context.close()
