"""The time budget: every notebook executes in at most 60 s, the whole book in at most 5 minutes.

Reads the report the build writes (tools/execution_report.py):
``_build/html/reports/execution_report.json``, myst-nb's own timings of the build that the
browser tests then open. The limits are the report's ``budget``; the book's "Execution
statistics" page shows the same times.
"""

from __future__ import annotations

import json

import pytest
import yaml
from booksite import ROOT, SITE

REPORT = SITE / "reports" / "execution_report.json"


def _toc_files(node) -> list[str]:
    if isinstance(node, dict):
        return ([node["file"]] if "file" in node else []) + [f for v in node.values() for f in _toc_files(v)]
    if isinstance(node, list):
        return [f for v in node for f in _toc_files(v)]
    return []


@pytest.fixture(scope="module")
def report():
    if not REPORT.is_file():
        pytest.fail(f"no execution report at {REPORT}: build the book first (`make book`; `make test` does)",
                    pytrace=False)
    return json.loads(REPORT.read_text(encoding="utf-8"))


def test_every_notebook_in_the_toc_was_executed(report):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    notebooks = [f for f in [toc.get("root", ""), *_toc_files(toc)] if (ROOT / f"{f}.ipynb").is_file()]
    executed = {n["docname"] for n in report["notebooks"]}
    missing = [f for f in notebooks if f not in executed]
    assert not missing, f"notebooks in _toc.yml without execution data in {REPORT}: {missing}"
    failed = [n["docname"] for n in report["notebooks"] if not n["succeeded"]]
    assert not failed, f"notebooks that failed to execute: {failed} (tracebacks in {SITE / 'reports'})"


def test_each_notebook_within_budget(report):
    limit = report["budget"]["per_notebook_s"]
    slow = {n["docname"]: round(n["runtime_s"], 1) for n in report["notebooks"] if (n["runtime_s"] or 0) > limit}
    assert not slow, f"notebooks over the {limit} s budget (seconds): {slow}"


def test_whole_book_within_budget(report):
    limit = report["budget"]["total_s"]
    total = sum(n["runtime_s"] or 0.0 for n in report["notebooks"])
    slowest = sorted(((round(n["runtime_s"] or 0, 1), n["docname"]) for n in report["notebooks"]), reverse=True)[:5]
    assert total <= limit, (f"the book took {total:.0f} s to execute, over the {limit} s budget; slowest: {slowest} "
                            "(times measured during this build: a machine busy with other work inflates them)")
