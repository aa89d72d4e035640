from tests.conftest import json_out


def test_empty_home_daily_json(run_cli):
    doc = json_out(run_cli("daily", "--json"))
    assert doc["rows"] == []
    assert doc["totals"]["total_tokens"] == 0
