"""The quick start: which calls skip the command-line framework, and that they load neither it nor the
sources when the transcript has not changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tokledger.launch import quick

ROOT = Path(__file__).parent.parent


def test_the_quick_forms():
    assert quick(["statusline"]) == ({}, "statusline", [])
    assert quick(["--db", "l.db", "--config=c.toml", "hook", "Stop"]) == (
        {"--db": "l.db", "--config": "c.toml"}, "hook", ["Stop"])  # fmt: skip
    assert quick(["hook"]) == ({}, "hook", [])
    assert quick(["statusline", "--format", "{model}"]) == ({}, "statusline", ["--format", "{model}"])
    assert quick(["statusline", "--format={model} x"]) == ({}, "statusline", ["--format", "{model} x"])


@pytest.mark.parametrize("argv", [[], ["daily"], ["--debug", "statusline"], ["statusline", "--help"],
                                  ["hook", "--help"], ["hook", "Stop", "extra"], ["--db"], ["statusline", "-h"],
                                  ["--version"], ["statusline", "--format"]])  # fmt: skip
def test_everything_else_goes_to_the_command_line(argv):
    assert quick(argv) is None


@pytest.mark.slow
def test_an_unchanged_transcript_loads_neither_click_nor_the_sources(tmp_path):
    transcript = tmp_path / "home/.claude/projects/-p/sess-a.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text((FIXTURES / "claude_code" / "streaming_multiline.jsonl").read_text())
    payload = json.dumps({"session_id": "sess-a", "transcript_path": str(transcript)})
    code = (
        "import io, sys\n"
        f"sys.argv, sys.stdin = ['tokledger', 'statusline'], io.StringIO({payload!r})\n"
        "from tokledger import launch\n"
        "try:\n    launch.main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('click', 'tokledger.cli', 'tokledger.sources', 'tokledger.pricing',"
        " 'tokledger.ingest') if m in sys.modules))\n"
    )
    env = {"HOME": str(tmp_path / "home"), "PATH": os.environ["PATH"], "TOKLEDGER_DB": str(tmp_path / "l.db"),
           "TOKLEDGER_CONFIG": str(tmp_path / "none.toml"), "NO_COLOR": "1"}  # fmt: skip
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=120, check=True).stdout.splitlines() for _ in range(2)]  # fmt: skip
    assert (
        runs[0][0].startswith("$0.0487 session") and "tokledger.ingest" in runs[0][1]
    )  # read it the first time
    assert runs[1] == [runs[0][0], "[]"]


@pytest.mark.slow
def test_a_json_report_with_nothing_new_loads_no_face_and_no_price_table(tmp_path):
    """The path a script or a status bar calls over and over: no Rich, Textual, Starlette, genai-prices
    or pydantic once the logs have been read."""
    transcript = tmp_path / "home/.claude/projects/-p/sess-a.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text((FIXTURES / "claude_code" / "streaming_multiline.jsonl").read_text())
    heavy = ("rich", "textual", "starlette", "uvicorn", "genai_prices", "pydantic", "psycopg", "email")
    code = (
        "import io, sys, contextlib\n"
        "sys.argv = ['tokledger', 'daily', '--json']\n"
        "from tokledger import launch\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        launch.main()\n    except SystemExit:\n        pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    env = {"HOME": str(tmp_path / "home"), "PATH": os.environ["PATH"], "TOKLEDGER_DB": str(tmp_path / "l.db"),
           "TOKLEDGER_CONFIG": str(tmp_path / "none.toml"), "NO_COLOR": "1"}  # fmt: skip
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=120, check=True).stdout.splitlines() for _ in range(2)]  # fmt: skip
    assert runs[1] == ["[]"]
