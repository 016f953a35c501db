"""The JupyterLab test's report: run-all times and raw MyST per chapter, printed at the end of the run."""

from __future__ import annotations

import json

from test_jupyterlab import REPORT


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        REPORT.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not REPORT.is_file():
        return
    report = json.loads(REPORT.read_text())
    tr = terminalreporter
    tr.section("the notebooks in JupyterLab")
    for path, seconds in sorted(report["run_all_seconds"].items()):
        tr.write_line(f"Run All Cells: {path}: {seconds} s")
    for path, r in sorted(report["raw_myst"].items()):
        tr.write_line(f"raw MyST left: {path}: {r['raw_total']} of {r['roles']} roles {r['raw']}")
    tr.write_line(f"report: {REPORT}")
