"""The executed notebook written for the instructor: the student's outputs, checked and capped, and the verdicts.

The outputs come from the student's process, so they are rebuilt here field by
field (only the output types and fields a notebook may hold, text values only,
sizes capped); anything else is dropped.
"""

import copy

import nbformat

from .metadata import grade_id, is_grade

__all__ = ["executed_notebook", "clean_output"]

MAX_TEXT = 300_000  # characters of one output field
MAX_NOTEBOOK = 3 * 2**20  # characters of all outputs of the executed notebook


def _text(value):
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _bundle(data):
    if not isinstance(data, dict):
        return {}
    return {mime[:100]: _text(v) for mime, v in list(data.items())[:20] if isinstance(mime, str) and "/" in mime}


def clean_output(out):
    """An nbformat output built from the fields of ``out`` that a notebook may hold, or ``None``."""
    if not isinstance(out, dict):
        return None
    kind = out.get("output_type")
    if kind == "stream":
        name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
        return nbformat.v4.new_output("stream", name=name, text=_text(out.get("text")))
    if kind in ("display_data", "execute_result"):
        data = _bundle(out.get("data"))
        if not data:
            return None
        if kind == "execute_result":
            return nbformat.v4.new_output(kind, data=data, execution_count=None)
        return nbformat.v4.new_output(kind, data=data)
    if kind == "error":
        tb = out.get("traceback")
        tb = [_text(t)[:4000] for t in tb[:30]] if isinstance(tb, list) else []
        return nbformat.v4.new_output("error", ename=_text(out.get("ename"))[:200],
                                      evalue=_text(out.get("evalue"))[:2000], traceback=tb)
    return None


def executed_notebook(nb, ready, tests):
    """``nb`` with the outputs the runner reported (``ready``) and each test's verdict under its cell."""
    nb = copy.deepcopy(nb)
    used = 0
    for cell in ready.get("cells", []) if isinstance(ready.get("cells"), list) else []:
        index = cell.get("index") if isinstance(cell, dict) else None
        if not (isinstance(index, int) and 0 <= index < len(nb.cells) and nb.cells[index].cell_type == "code"):
            continue
        outs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        for out in outs[:200]:
            clean = clean_output(out)
            size = len(str(clean)) if clean else 0
            if clean is not None and used + size <= MAX_NOTEBOOK:
                nb.cells[index].outputs.append(clean)
                used += size
    verdicts = {t.test: t for t in tests}
    for cell in nb.cells:
        t = verdicts.get(grade_id(cell)) if is_grade(cell) else None
        if t is not None:
            mark = "✔ passed" if t.status == "passed" else f"✘ {t.status.replace('_', ' ')}: {t.reason}"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{mark} "
                                                   f"({t.points:g} / {t.max_points:g} points)\n")]
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError:
        for cell in nb.cells:
            if cell.cell_type == "code" and not is_grade(cell):
                cell.outputs = []
    return nb
