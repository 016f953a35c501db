"""nbgrader's markers: solution regions and hidden-test regions in a cell's source, and what a release makes of them.

Solutions stand between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, hidden
tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: the same
markers (matched the same way, as substrings of a line) that nbgrader's
``ClearSolutions`` and ``ClearHiddenTests`` preprocessors use.

Two rules go beyond nbgrader, so that a student release runs top to bottom and
says what to do: every solution region is inside a function body (its stub
raises only when the function is called), and right above its ``### BEGIN
SOLUTION`` stands a ``# TODO: ...`` comment (one or more lines), which becomes the
message of the stub's ``NotImplementedError``.
"""

import ast
import json
import re

__all__ = [
    "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "LabFormatError", "regions", "todo",
    "enclosing_function", "stub_solutions", "remove_hidden_tests", "solution_lines",
]

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


class LabFormatError(ValueError):
    """A lab notebook breaks the format: the message lists every problem found."""


def regions(lines, begin, end, where):
    """``[(i_begin, i_end)]``: the line numbers of each pair of markers; raises on bad nesting."""
    found, start = [], None
    for i, line in enumerate(lines):
        if begin in line:
            if start is not None:
                raise LabFormatError(f"{where}: '{begin}' inside another '{begin}' region (line {i + 1})")
            start = i
        elif end in line:
            if start is None:
                raise LabFormatError(f"{where}: '{end}' without '{begin}' (line {i + 1})")
            found.append((start, i))
            start = None
    if start is not None:
        raise LabFormatError(f"{where}: '{begin}' (line {start + 1}) has no matching '{end}'")
    return found


def _indent(line):
    return line[: len(line) - len(line.lstrip())]


def todo(lines, start, where):
    """The message of a solution region's stub: the ``# TODO: ...`` comment block right above its BEGIN marker."""
    block = []
    for line in reversed(lines[:start]):
        if not line.strip().startswith("#"):
            break
        block.insert(0, line.strip())
    while block and not block[0].lstrip("# ").startswith("TODO"):
        block.pop(0)  # comments above the TODO are not part of it
    if not block:
        raise LabFormatError(
            f"{where}: the solution region at line {start + 1} needs a '# TODO: ...' comment right above "
            "'### BEGIN SOLUTION' saying what to implement; it becomes the message of the student's "
            "NotImplementedError")
    words = [c.lstrip("#").strip() for c in block]
    words[0] = re.sub(r"^TODO:?\s*", "", words[0])
    return " ".join(w for w in words if w)


def enclosing_function(lines, start):
    """The name of the innermost function whose body holds line ``start`` (0-based), or ``None``.

    Read from the AST of the cell with its solution region stubbed (so the source
    parses whatever the region holds); ``None`` also when the cell does not parse.
    """
    indent = _indent(lines[start])
    stubbed = lines[:start] + [f"{indent}pass"] + [""] * (len(lines) - start - 1)
    try:
        tree = ast.parse("\n".join(stubbed))
    except SyntaxError:
        return None
    row, best = start + 1, None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body[0].lineno <= row <= node.end_lineno:
            if best is None or node.lineno > best.lineno:
                best = node
    return best.name if best else None


def stub_solutions(source, where="cell"):
    """Replace every solution region of ``source`` (markers included) by a ``raise NotImplementedError``.

    ``# TODO: return (dC/dw, dC/db)`` / ``### BEGIN SOLUTION`` / ...code... /
    ``### END SOLUTION`` becomes ``# TODO: return (dC/dw, dC/db)`` /
    ``raise NotImplementedError("return (dC/dw, dC/db)")``, indented like the marker.
    """
    lines = source.split("\n")
    out, last = [], 0
    for start, stop in regions(lines, BEGIN_SOLUTION, END_SOLUTION, where):
        message = todo(lines, start, where)
        out.extend(lines[last:start])
        out.append(f"{_indent(lines[start])}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})")
        last = stop + 1
    out.extend(lines[last:])
    return "\n".join(out)


def remove_hidden_tests(source, where="cell"):
    """Remove every hidden-test region of ``source`` (markers included) and the blank lines it leaves at the end."""
    lines = source.split("\n")
    hidden = {i for start, stop in regions(lines, BEGIN_HIDDEN, END_HIDDEN, where) for i in range(start, stop + 1)}
    kept = [line for i, line in enumerate(lines) if i not in hidden]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def solution_lines(source):
    """The non-blank lines inside ``source``'s solution regions (what the release must not contain)."""
    lines = source.split("\n")
    return [line for start, stop in regions(lines, BEGIN_SOLUTION, END_SOLUTION, "cell")
            for line in lines[start + 1: stop] if line.strip()]
