"""The trusted side: the instructor's cells and hidden tests, run where no student code ever runs.

The namespace the hidden tests see is built from the *source* lab only:

* every name a solution cell of the source defines (``mse_gradient``, ...) is a
  :class:`Proxy`: calling it calls the student's function in the sandbox, with
  the arguments and the result crossing as plain data (:mod:`grader.wire`); array
  arguments the student's function changes in place are changed here too, as in
  one process (:meth:`grader.wire.Codec.write_back`);
* the source's read-only cells run here, in order, unless they evaluate a
  student's name or a name such a cell defined (:func:`plan`): set-up and data
  cells run, self-check and figure cells that call the student's code do not;
* each graded test cell then runs here, hidden tests included; it passes when it
  runs to its end.

``selfcheck.substituted(globals(), mse_gradient=_reference)`` works unchanged: a
proxy sends along every student name the test has replaced, and the student's
side binds it, for the length of the call, to a stub that calls the grader back.
"""

import ast
import builtins
import contextlib
import io

from IPython.core.inputtransformer2 import TransformerManager

from . import metadata as md

__all__ = ["Proxy", "student_names", "plan", "TrustedLab"]


class Proxy:
    """Stands for the student's ``name`` in the grader's namespace ``ns``."""

    def __init__(self, session, name, ns, names):
        self._session, self.__name__, self._ns, self._names = session, name, ns, names

    def __call__(self, *args, **kwargs):
        subst = {n: self._ns[n] for n in self._names
                 if n in self._ns and not (isinstance(self._ns[n], Proxy) and self._ns[n].__name__ == n)}
        return self._session.call(self.__name__, args, kwargs, subst)

    def __repr__(self):
        return f"<the student's {self.__name__}>"


def _parse(source):
    """The cell's AST, IPython syntax (``%pip``, ``!ls``) turned into Python first; ``None`` if it does not parse."""
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def defined_names(tree):
    """Names a module binds at its top level (functions, classes, imports, assignments, loop targets)."""
    names = set()
    for node in tree.body:
        for sub in _evaluated_nodes(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(sub.name)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                names.add(sub.id)
            elif isinstance(sub, ast.alias):
                names.add((sub.asname or sub.name).split(".")[0])
    return names


def evaluated_names(tree):
    """Names a module reads while it runs: not those inside function bodies, which are read only when called."""
    return {sub.id for node in tree.body for sub in _evaluated_nodes(node)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}


def _evaluated_nodes(node):
    """``node`` and the nodes below it that run when it runs (decorators and defaults, not function bodies)."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        children = node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
    elif isinstance(node, ast.Lambda):
        children = node.args.defaults + [d for d in node.args.kw_defaults if d]
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        yield from _evaluated_nodes(child)


def student_names(source):
    """The functions and classes the source's solution cells define: what the hidden tests may call."""
    names = set()
    for cell in source.cells:
        if md.is_solution(cell):
            tree = _parse(cell.source)
            if tree is not None:
                names |= {n.name for n in tree.body
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return names


def plan(source):
    """``[(cell, role)]`` with role ``"run"`` (a read-only cell the grader runs) or ``"test"``, in source order.

    A read-only cell is left out when it reads a student's name or a name that a
    left-out cell defines, or when it needs IPython (``get_ipython``); a test cell
    is always in.
    """
    tainted = set(student_names(source)) | {"get_ipython"}
    steps = []
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        if md.is_grade(cell):
            steps.append((cell, "test"))
        elif md.kind(cell) == "readonly":
            tree = _parse(cell.source)
            if tree is None or evaluated_names(tree) & tainted:
                tainted |= defined_names(tree) if tree is not None else set()
                continue
            steps.append((cell, "run"))
    return steps


class TrustedLab:
    """The grader's namespace for one submission: proxies for the student's names, the instructor's cells."""

    def __init__(self, source, session):
        self.source, self.session = source, session
        self.names = student_names(source)
        self.ns = {"__name__": "__main__", "__builtins__": builtins}
        for name in self.names:
            self.ns[name] = Proxy(session, name, self.ns, self.names)

    def run(self, cell, filename):
        """Run ``cell``'s source (hidden tests included) in the namespace; its prints are discarded."""
        code = compile(_python(cell.source), filename, "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, self.ns)  # noqa: S102 (the instructor's own code)


def _python(source):
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        return TransformerManager().transform_cell(source)
