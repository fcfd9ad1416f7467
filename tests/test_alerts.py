"""Run failures reach alerts.log and the configured hook."""

import datetime as dt

from pipelines.alerts import alert_line, raise_alert


def test_failure_is_logged_and_handed_to_the_hook(tmp_path):
    when = dt.datetime(2026, 11, 5, 6, 0, 3)
    line = alert_line("abc123", "refresh", "Check failed: population\nTraceback ...", when)
    assert line == "2026-11-05 06:00:03 UTC\trefresh\tabc123\tCheck failed: population"
    hook_out = tmp_path / "hook.txt"
    raise_alert(line, tmp_path / "wh", f"sh -c 'cat > {hook_out}'")
    raise_alert(line, tmp_path / "wh", None)
    assert (tmp_path / "wh" / "alerts.log").read_text().splitlines() == [line, line]
    assert hook_out.read_text() == line + "\n"
