"""The tray icon under a real X server (Xvfb): title, menu actions, refresh, quit; and no display at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tokledger.env import Env
from tokledger.errors import TokledgerError
from tokledger.tray import Tray, TrayUnavailable, display_problem, load_pystray

# pystray's X icon closes its display connection when it is collected; kept here, it is never collected after
# this module's X server has stopped (which would raise in its __del__).
_ICONS: list = []


@pytest.fixture(scope="module")
def xvfb():
    """A private X server on a free display number, for the whole module."""
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb); the tray needs an X server to run against")
    number = next(n for n in range(87, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())  # fmt: skip
    proc = subprocess.Popen([exe, f":{number}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    socket = Path(f"/tmp/.X11-unix/X{number}")
    for _ in range(400):  # wait until the server listens (or died)
        if socket.exists() or proc.poll() is not None:
            break
        time.sleep(0.025)
    if not socket.exists():
        proc.kill()
        pytest.fail(f"Xvfb :{number} did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait()


class Calls:
    def __init__(self):
        self.cost, self.synced, self.opened = "$1.23", 0, []

    def today_cost(self) -> str:
        return self.cost

    def sync_now(self) -> None:
        self.synced += 1
        self.cost = "$2.50"


def _window_names(display_name: str) -> set[str]:
    from Xlib import display as xdisplay

    conn = xdisplay.Display(display_name)
    try:
        return {w.get_wm_name() or "" for w in conn.screen().root.query_tree().children}
    finally:
        conn.close()


def _until(condition, tries=400):
    for _ in range(tries):
        if condition():
            return True
        time.sleep(0.025)
    return condition()


def test_tray_title_menu_and_quit_under_xvfb(xvfb, monkeypatch, tmp_path):
    monkeypatch.setenv("DISPLAY", xvfb)
    pystray = load_pystray(Env(home=tmp_path, environ={"DISPLAY": xvfb}), platform="linux")
    calls = Calls()
    tray = Tray(calls.today_cost, calls.sync_now, "http://127.0.0.1:8787/", open_url=calls.opened.append,
                refresh_seconds=3600)  # fmt: skip
    icon = tray.build(pystray)
    _ICONS.append(icon)
    runner = threading.Thread(target=tray.run, args=(pystray,), daemon=True)
    runner.start()
    assert tray.ready.wait(10), "the icon's setup never ran"
    assert icon.title == "tokledger: $1.23 today"
    assert _until(lambda: "tokledger: $1.23 today" in _window_names(xvfb)), (
        "the X window does not carry the title"
    )

    items = {str(item): item for item in icon.menu.items if item is not pystray.Menu.SEPARATOR}
    assert list(items) == ["Today: $1.23", "Open dashboard", "Sync now", "Quit"]
    assert not items["Today: $1.23"].enabled and items["Open dashboard"].default
    items["Open dashboard"](icon)
    assert calls.opened == ["http://127.0.0.1:8787/"]

    icon.menu.items[2](icon)  # Sync now: runs in the background, then refreshes the title
    assert _until(lambda: icon.title == "tokledger: $2.50 today")
    assert calls.synced == 1 and str(icon.menu.items[0]) == "Today: $2.50"
    # (pystray's X backend renames its window from another thread; only its first name is checked above)

    items["Quit"](icon)
    runner.join(10)
    assert not runner.is_alive()


def test_refresh_survives_a_failing_cost_and_a_failing_sync():
    def broken() -> str:
        raise TokledgerError("ledger locked")

    def failing_sync() -> None:
        raise TokledgerError("anthropic_api: the credential in ANTHROPIC_ADMIN_KEY was refused")

    tray = Tray(broken, failing_sync, "http://x/")
    assert tray.refresh() == "tokledger: unavailable today"
    tray.sync().join()
    assert tray.last_error and tray.title == "tokledger: unavailable today (last sync failed)"


def test_no_display_is_one_clear_line(tmp_path):
    env = Env(home=tmp_path, environ={})
    assert display_problem(env, "linux").startswith("no display:")
    assert display_problem(env, "darwin") is None
    assert display_problem(Env(tmp_path, {"WAYLAND_DISPLAY": "wayland-0"}), "linux") is None
    with pytest.raises(TrayUnavailable) as err:
        load_pystray(env, platform="linux")
    assert "\n" not in str(err.value)


def test_a_display_that_cannot_be_reached(tmp_path):
    """A fresh interpreter, since pystray picks its backend once per process."""
    code = ("from tokledger.env import Env; from tokledger.tray import load_pystray, TrayUnavailable\n"
            "try:\n    load_pystray(Env.from_os(), 'linux')\nexcept TrayUnavailable as e:\n    print(e)\n")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = subprocess.run([sys.executable, "-c", code], env={**env, "DISPLAY": ":199"}, capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    assert out.startswith("no display: cannot connect to :199")
