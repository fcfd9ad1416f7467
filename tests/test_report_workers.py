"""The report's forked workers end when their work is done, whatever signal handlers the
parent process had (a Dagster run in the same process installs its own)."""

import subprocess
import sys

from tests.conftest import REPO

# The parent notes SIGTERM and goes on, as an in-process orchestrator's handler may; a fork
# inherits that handler unless the worker sets the default back.
PROGRAM = """
import signal
signal.signal(signal.SIGTERM, lambda *_: None)
from assets.report.render import forked_map

def default_sigterm(_):
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL

print(forked_map(default_sigterm, [1, 2, 3], 2), forked_map(len, [[1], [1, 2]], 2))
"""


def test_forked_workers_have_the_default_sigterm_and_finish():
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, True, True] [1, 2]"
