"""Flag solutions that call the course's own implementation instead of writing one.

The sandbox runs whatever the student's code calls, ``labs`` included: a
``stable_softmax`` that returns ``labs.softmax(z)`` passes its tests. The grader
cannot tell a legitimate use of ``labs`` from this one by running the code, so it
reads it: every ``labs`` name the student's solution cells use (``labs.softmax``,
``softmax`` after ``from labs import softmax``, ``init.he`` after ``from labs import
init``) that the instructor's own solutions of the lab do not use is listed in a
note, "flagged for review". The points are not changed: an instructor decides.
"""

import ast

from .metadata import is_solution
from .trusted import _parse

__all__ = ["labs_bindings", "labs_uses", "flag_labs_uses"]


def labs_bindings(trees):
    """``{local name: "labs.dotted.path"}`` for every import of labs in ``trees``."""
    bound = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "labs":
                        name = alias.asname or alias.name.split(".")[0]
                        bound[name] = alias.name if alias.asname else "labs"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "labs" and not node.level:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _chain(node, bound):
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _chain(node.value, bound)
        return f"{head}.{node.attr}" if head else None
    return None


def labs_uses(trees, bound):
    """The dotted labs paths that ``trees`` read, longest chains only (``labs.init.he``, not ``labs.init``)."""
    found = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                path = _chain(node, bound)
                if path:
                    found.add(path)
        found |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                  and (n.module or "").split(".")[0] == "labs" and not n.level for a in n.names}
    return {p for p in found if not any(q.startswith(p + ".") for q in found)}


def _trees(cells):
    return [t for t in (_parse(c.source) for c in cells if c.cell_type == "code") if t is not None]


def flag_labs_uses(source, nb):
    """Notes for the labs names ``nb``'s solution cells use and the source's solutions do not."""
    everything = _trees(source.cells) + _trees(nb.cells)
    bound = labs_bindings(everything)
    allowed = labs_uses(_trees([c for c in source.cells if is_solution(c)]), bound)
    used = labs_uses(_trees([c for c in nb.cells if is_solution(c)]), bound)
    extra = sorted(p for p in used if not any(p == a or a.startswith(p + ".") for a in allowed))
    if not extra:
        return []
    return [f"flagged for review: your solution cells use {', '.join(extra)} from the course's labs package, which "
            "the lab's own solutions do not use; if that is the function the task asks you to write, the points "
            "may be withdrawn"]
