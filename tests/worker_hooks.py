"""Loaded into the test Celery worker only (`celery worker --include tests.worker_hooks`).

With TEPAI_TEST_HOOK_DIR set, a map render waits while the file `hold` exists in that folder,
after writing `rendering-<pid>`: a test can then kill the worker's child mid-render, for real,
and watch the broker redeliver the job. Everything else in the worker is the production code.
"""

import os
import time
from pathlib import Path

HOOK_DIR = os.environ.get("TEPAI_TEST_HOOK_DIR")

if HOOK_DIR:
    from specialists.coverage import maps as coverage_maps

    _render = coverage_maps.coverage_map

    def coverage_map(**kwargs):
        hold = Path(HOOK_DIR) / "hold"
        if hold.exists():
            (Path(HOOK_DIR) / f"rendering-{os.getpid()}").write_text("")
            deadline = time.monotonic() + 60
            while hold.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return _render(**kwargs)

    coverage_maps.coverage_map = coverage_map
