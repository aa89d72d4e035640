"""The system tray icon: today's cost in its title (the tooltip), and a menu to open the web dashboard,
sync now, or quit.

It is built against three things passed in — ``today_cost() -> str`` (the formatted figure, e.g.
"$1.23"), ``sync_now()`` and ``dashboard_url`` — so it knows nothing of the ledger. The title is read
again every ``refresh_seconds`` and after each sync. pystray is imported only by :func:`load_pystray`;
on Linux a missing ``DISPLAY`` / ``WAYLAND_DISPLAY`` (or an X server that cannot be reached) raises
:class:`TrayUnavailable` with a one-line reason before pystray is touched. pystray's plain X backend
shows no menu (a click opens the dashboard); with AppIndicator or GTK available the menu appears.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import webbrowser
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tokledger.env import Env
from tokledger.errors import TokledgerError

TITLE = "tokledger"
STOP_GRACE_SECONDS = 2.0


class TrayUnavailable(TokledgerError):
    """There is no display (or no tray library) to show the icon on."""


def display_problem(env: Env, platform: str = sys.platform) -> str | None:
    """Why no tray icon can be shown here, or None when a display is there to try."""
    if platform in ("darwin", "win32") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return "no display: the tray icon needs a desktop session (DISPLAY and WAYLAND_DISPLAY are not set)"


def load_pystray(env: Env, platform: str = sys.platform) -> ModuleType:
    problem = display_problem(env, platform)
    if problem:
        raise TrayUnavailable(problem)
    errors: tuple[type[Exception], ...] = (OSError, ValueError)
    try:
        from Xlib.error import DisplayError

        errors += (DisplayError,)
    except ImportError:
        pass
    try:
        import pystray
    except ImportError:
        raise TrayUnavailable("the tray icon needs pystray: pip install 'tokledger[tray]'") from None
    except errors as exc:
        shown = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
        raise TrayUnavailable(f"no display: cannot connect to {shown} ({type(exc).__name__})") from None
    return pystray


def icon_image(size: int = 64) -> Any:
    """A coin with a dollar sign, drawn with Pillow (pystray's own dependency)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, size - 3, size - 3), fill=(46, 125, 50, 255), outline=(27, 94, 32, 255), width=3)
    draw.text((size // 2, size // 2), "$", fill=(255, 255, 255, 255), anchor="mm", font_size=size // 2)
    return image


class Tray:
    def __init__(self, today_cost: Callable[[], str], sync_now: Callable[[], None], dashboard_url: str, *,
                 open_url: Callable[[str], object] = webbrowser.open, refresh_seconds: float = 60.0) -> None:  # fmt: skip
        self.today_cost = today_cost
        self.sync_now = sync_now
        self.dashboard_url = dashboard_url
        self.open_url = open_url
        self.refresh_seconds = refresh_seconds
        self.cost = "…"
        self.last_error: str | None = None
        self.icon: Any = None
        self.ready = threading.Event()
        self._stopping = threading.Event()

    @property
    def title(self) -> str:
        suffix = " (last sync failed)" if self.last_error else ""
        return f"{TITLE}: {self.cost} today{suffix}"

    def read_cost(self) -> str:
        try:
            self.cost = self.today_cost()
        except (TokledgerError, OSError, sqlite3.Error):
            self.cost = "unavailable"
        return self.cost

    def refresh(self) -> str:
        """Read today's cost again and show it in the title and menu."""
        self.read_cost()
        if self.icon is not None:
            self.icon.title = self.title
            self.icon.update_menu()
        return self.title

    def open_dashboard(self, *_: object) -> None:
        self.open_url(self.dashboard_url)

    def sync(self, *_: object) -> threading.Thread:
        """Sync in the background (the menu never waits for it), then refresh."""

        def work() -> None:
            try:
                self.sync_now()
                self.last_error = None
            except (TokledgerError, OSError, sqlite3.Error) as exc:
                self.last_error = str(exc)
            self.refresh()

        thread = threading.Thread(target=work, name="tokledger-tray-sync", daemon=True)
        thread.start()
        return thread

    def quit(self, *_: object) -> None:
        """Stop the icon; returns at once (pystray's stop waits on its loop thread, which may never answer)."""
        self._stopping.set()
        if self.icon is not None:
            threading.Thread(target=self.icon.stop, name="tokledger-tray-stop", daemon=True).start()

    def build(self, pystray: ModuleType) -> Any:
        item = pystray.MenuItem
        menu = pystray.Menu(
            item(lambda _: f"Today: {self.cost}", None, enabled=False),
            item("Open dashboard", self.open_dashboard, default=True),
            item("Sync now", self.sync),
            pystray.Menu.SEPARATOR,
            item("Quit", self.quit),
        )
        self.read_cost()
        self.icon = pystray.Icon(TITLE, icon_image(), self.title, menu)
        return self.icon

    def _setup(self, icon: Any) -> None:
        icon.visible = True
        self.refresh()
        self.ready.set()
        while not self._stopping.wait(self.refresh_seconds):
            self.refresh()

    def run(self, pystray: ModuleType, platform: str = sys.platform) -> None:
        """Show the icon and block until Quit (or until the icon's own loop ends)."""
        if self.icon is None:
            self.build(pystray)
        if platform == "darwin":  # AppKit runs its loop on the main thread only
            self.icon.run(setup=self._setup)
            return
        # Elsewhere the loop runs in a thread, and Quit returns even when pystray's plain X backend misses
        # the destruction of its own window and keeps waiting for X events.
        loop = threading.Thread(
            target=self.icon.run, kwargs={"setup": self._setup}, name="tokledger-tray", daemon=True
        )
        loop.start()
        while loop.is_alive() and not self._stopping.wait(0.5):
            pass
        loop.join(STOP_GRACE_SECONDS)


def run_tray(
    today_cost: Callable[[], str], sync_now: Callable[[], None], dashboard_url: str, env: Env
) -> None:
    """Show the tray icon until Quit; :class:`TrayUnavailable` when this machine has no display."""
    Tray(today_cost, sync_now, dashboard_url).run(load_pystray(env))
