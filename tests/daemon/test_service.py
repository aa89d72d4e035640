"""install / uninstall / status of the user service, in a temporary home with a fake service manager."""

from __future__ import annotations

import plistlib
import subprocess

from tokledger.daemon.service import LABEL, Service, systemd_unit
from tokledger.env import Env

ARGV = ["/opt/py 3/bin/python", "-m", "tokledger", "--db", "/data/50%/ledger.db", "daemon", "run"]


class Manager:
    """Records the commands run; answers with ``codes[program]`` (0 by default)."""

    def __init__(self, codes=None, stdout="active\n"):
        self.calls: list[list[str]] = []
        self.codes = codes or {}
        self.stdout = stdout

    def __call__(self, argv):
        self.calls.append(list(argv))
        code = self.codes.get(" ".join(argv[:3]), 0)
        return subprocess.CompletedProcess(
            argv, code, self.stdout, "Failed to connect to bus" if code else ""
        )


def service(tmp_path, platform="linux", manager=None, which=lambda name: f"/usr/bin/{name}"):
    env = Env(home=tmp_path / "home", environ={})
    return Service(env, platform=platform, runner=manager or Manager(), which=which, uid=501)


def test_systemd_install_enables_and_starts(tmp_path):
    manager = Manager()
    svc = service(tmp_path, manager=manager)
    lines = svc.install(ARGV)
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "tokledger.service"
    assert svc.path == unit and unit.exists()
    assert manager.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "tokledger.service"],
    ]
    assert lines == [
        f"wrote {unit}",
        "ran: systemctl --user daemon-reload",
        "ran: systemctl --user enable --now tokledger.service",
    ]
    text = unit.read_text()
    assert 'ExecStart="/opt/py 3/bin/python" -m tokledger --db /data/50%%/ledger.db daemon run' in text
    assert "ExecReload=/bin/kill -HUP $MAINPID" in text and "WantedBy=default.target" in text
    assert svc.status() == {"installed": True, "path": str(unit), "active": "active"}


def test_systemd_unit_honours_xdg_config_home(tmp_path):
    env = Env(home=tmp_path / "home", environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert Service(env, platform="linux").path == tmp_path / "cfg" / "systemd" / "user" / "tokledger.service"


def test_without_systemctl_it_says_what_to_run(tmp_path):
    svc = service(tmp_path, which=lambda name: None)
    lines = svc.install(ARGV)
    assert lines[1:] == [
        "systemctl not found; run: systemctl --user daemon-reload",
        "then: systemctl --user enable --now tokledger.service",
    ]
    assert svc.status()["active"] is None


def test_no_user_bus_says_what_to_run(tmp_path):
    svc = service(tmp_path, manager=Manager(codes={"systemctl --user daemon-reload": 1}))
    lines = svc.install(ARGV)
    assert "systemctl --user daemon-reload failed: Failed to connect to bus; run it yourself" in lines
    assert lines[-1] == "then: systemctl --user enable --now tokledger.service"


def test_uninstall_removes_the_unit(tmp_path):
    manager = Manager()
    svc = service(tmp_path, manager=manager)
    svc.install(ARGV)
    manager.calls.clear()
    lines = svc.uninstall()
    assert not svc.path.exists()
    assert manager.calls == [
        ["systemctl", "--user", "disable", "--now", "tokledger.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert f"removed {svc.path}" in lines
    assert svc.uninstall()[-1] == f"not installed ({svc.path} does not exist)"
    assert svc.status() == {"installed": False, "path": str(svc.path), "active": None}


def test_launchd_agent_on_macos(tmp_path):
    manager = Manager()
    svc = service(tmp_path, platform="darwin", manager=manager)
    lines = svc.install(ARGV)
    path = tmp_path / "home" / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    assert svc.path == path and lines[0] == f"wrote {path}"
    doc = plistlib.loads(path.read_bytes())
    assert doc["Label"] == LABEL and doc["ProgramArguments"] == ARGV and doc["RunAtLoad"] is True
    assert doc["StandardErrorPath"] == str(
        tmp_path / "home" / "Library" / "Logs" / "tokledger" / "daemon.log"
    )
    assert manager.calls == [["launchctl", "bootstrap", "gui/501", str(path)]]
    assert svc.status()["active"] == "active"
    manager.calls.clear()
    svc.uninstall()
    assert manager.calls == [["launchctl", "bootout", "gui/501", str(path)]] and not path.exists()


def test_unit_quoting():
    text = systemd_unit(["/usr/bin/python3", "-m", "tokledger", "--config", '/home/a "b"/c.toml', "$HOME"])
    assert 'ExecStart=/usr/bin/python3 -m tokledger --config "/home/a \\"b\\"/c.toml" $$HOME' in text
