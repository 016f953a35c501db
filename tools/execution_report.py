"""Write a machine-readable report of how long each notebook took to execute.

A Sphinx extension (listed in ``_config.yml`` under ``sphinx.local_extensions``).
myst-nb records, for every notebook it executes, the run time, the method and whether
it succeeded (the data behind its ``{nb-exec-table}`` directive, which the book's
"Execution statistics" page shows). When the build finishes, successfully or not,
this writes that data to ``<html output>/reports/execution_report.json``:

    {"budget": {"per_notebook_s": 60, "total_s": 300},
     "total_runtime_s": 123.4,
     "notebooks": [{"docname": "book/01_linear_regression", "source": "book/01_linear_regression.ipynb",
                    "runtime_s": 12.3, "method": "auto", "succeeded": true, "error": null, "mtime": ...}, ...]}

``tests/browser/test_time_budget.py`` reads it; CI uploads ``_build/html/reports/``
(this report and myst-nb's ``*.err.log`` tracebacks) when a build fails.
"""

from __future__ import annotations

import json
from pathlib import Path

REPORT = Path("reports") / "execution_report.json"  # relative to the HTML output folder
BUDGET = {"per_notebook_s": 60, "total_s": 300}


def collect(app) -> list[dict]:
    """One entry per executed notebook, from myst-nb's data in the Sphinx environment."""
    from myst_nb.sphinx_ import NbMetadataCollector

    rows = []
    for docname, data in sorted(NbMetadataCollector.get_doc_data(app.env).items()):
        exec_data = data.get("exec_data")
        if not exec_data:
            continue
        rows.append({
            "docname": docname,
            "source": Path(app.env.doc2path(docname, base=False)).as_posix(),
            "runtime_s": exec_data.get("runtime"),
            "method": exec_data.get("method"),
            "succeeded": bool(exec_data.get("succeeded")),
            "error": exec_data.get("error"),
            "mtime": exec_data.get("mtime"),
        })
    return rows


def write_report(app, exception) -> None:
    if app.builder.format != "html" or not hasattr(app, "env") or app.env is None:
        return
    rows = collect(app)
    report = {
        "budget": BUDGET,
        "build_exception": None if exception is None else f"{type(exception).__name__}: {exception}",
        "build_warnings": getattr(app, "_warncount", None),
        "total_runtime_s": round(sum(r["runtime_s"] or 0.0 for r in rows), 3),
        "notebooks": rows,
    }
    path = Path(app.outdir) / REPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    from sphinx.util import logging

    logging.getLogger(__name__).info(f"execution report: {path} ({len(rows)} notebooks, "
                                     f"{report['total_runtime_s']:.1f} s)")


def setup(app):
    app.connect("build-finished", write_report)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
