"""Self-checks for the lab notebooks: instant feedback that says *what* is wrong.

A reader who studies alone has no grader, so every task of a lab is followed by
a visible self-check cell built from this module. A self-check compares what the
reader's code returns with a reference (usually the numerical gradient of
:mod:`labs.gradcheck`, never the solution itself), prints one line per result
and returns ``True`` or ``False``. It names the mistake when it can:

* ``shape mismatch: expected (10,), got (10, 1)``;
* ``sign error: your dC/dw is the negative of the right one``;
* ``off by a constant factor 2.00: did you forget the 1/2 of the cost ...?``;
* ``transposed: ...``; ``3 of 10 entries are NaN or infinite``;
* ``not implemented yet: mse_gradient raises NotImplementedError``.

The self-checks never raise: a task that is not done yet, or that crashes, prints a
line and the rest of the notebook still runs. The graded (hidden) tests use
:func:`assert_matches`, which raises ``AssertionError`` with the same diagnosis.

>>> check_value(np.array([2.0, 4.0]), np.array([1.0, 2.0]), name="grad")  # doctest: +SKIP
✘ grad: off by a constant factor 2.00: did you forget the 1/2 of the cost, or the 1/N of the average?
False
"""

import contextlib
import inspect
import traceback
from dataclasses import dataclass

import numpy as np

from .gradcheck import numerical_gradient, rel_error

__all__ = [
    "Verdict", "diagnose", "check_value", "check_function", "check_gradient", "check_that",
    "numerical_gradients", "try_run", "assert_matches", "substituted",
]

PASS, FAIL, TODO = "✔", "✘", "○"
_NICE_FACTORS = (2.0, 0.5)


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one result with its reference.

    ``ok``: whether they agree. ``kind``: ``"ok"``, ``"none"``, ``"type"``, ``"shape"``,
    ``"transpose"``, ``"nan"``, ``"zero"``, ``"sign"``, ``"factor"`` or ``"mismatch"``.
    ``message``: one line, in plain words, that says what is wrong (or the error when ok).
    ``error``: the relative error (``labs.gradcheck.rel_error``) when the shapes agree, else ``nan``.
    """

    ok: bool
    kind: str
    message: str
    error: float = float("nan")


def _fmt_factor(c):
    return f"{c:.2f}" if 0.01 <= abs(c) < 1000 else f"{c:.3g}"


def _factor_hint(c, n):
    """Why a result could be ``c`` times the right one, for the usual suspects."""
    a = abs(c)
    if n and n > 2 and np.isclose(a, n, rtol=1e-3):
        return f"did you forget to divide by N = {n} (the cost is an average over the batch)?"
    if n and n > 2 and np.isclose(a, 1.0 / n, rtol=1e-3):
        return f"did you divide by N = {n} twice?"
    if np.isclose(a, 2.0, rtol=1e-3):
        return "did you forget the 1/2 of the cost (the 2 from differentiating the square cancels it)?"
    if np.isclose(a, 0.5, rtol=1e-3):
        return "is there an extra factor 1/2?"
    return "did you forget the 1/2 of the cost, or the 1/N of the average?"


def _is_nice_factor(c, n):
    candidates = list(_NICE_FACTORS) + ([float(n), 1.0 / n] if n and n > 2 else [])
    return any(np.isclose(abs(c), f, rtol=1e-6) for f in candidates)


def _shape_text(shape):
    return "a number (shape ())" if shape == () else str(shape)


def diagnose(got, expected, *, rtol=1e-6, atol=0.0, n=None, what="your result"):
    """Compare ``got`` with ``expected`` and say what is wrong, as a :class:`Verdict`.

    ``rtol``: the largest relative error (``labs.gradcheck.rel_error``) that still
    counts as right; ``atol``: an absolute tolerance per entry for references
    near zero. ``n``: the batch size, when known, to recognise a missing or doubled
    ``1/N``. ``what``: how to call the result in the message (``"your dC/dw"``).
    Diagnoses, in this order: ``None`` returned, not numbers, transposed, wrong
    shape, NaN/inf, right values, transposed (square), all zeros, sign flipped,
    off by a constant factor, other wrong values.
    """
    if got is None:
        return Verdict(False, "none", "returned None: did you forget the `return` statement?")
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return Verdict(False, "type", f"expected numbers, got {type(got).__name__}: {str(got)[:60]}")
    e = np.asarray(expected, dtype=np.float64)

    if g.shape != e.shape:
        return _shape_verdict(g, e, rtol, atol, n, what)

    bad = int(g.size - np.count_nonzero(np.isfinite(g)))
    if bad:
        return Verdict(False, "nan", f"{bad} of {g.size} entries are NaN or infinite: an overflow (a learning "
                       "rate too large?) or a division by zero?")

    err = rel_error(g, e)
    if err <= rtol or (atol > 0 and np.allclose(g, e, rtol=rtol, atol=atol)):
        return Verdict(True, "ok", f"relative error {err:.0e}", err)

    return _wrong_values_verdict(g, e, err, rtol, atol, n, what)


def _shape_verdict(g, e, rtol, atol, n, what):
    """The :class:`Verdict` for a result ``g`` whose shape differs from the reference ``e``'s."""
    if g.ndim == 2 and e.ndim == 2 and g.shape == e.shape[::-1] and np.allclose(g.T, e, rtol=rtol, atol=atol):
        return Verdict(False, "transpose", f"transposed: expected shape {e.shape}, got {g.shape}; "
                       f"{what} is the transpose of the right one")
    message = f"shape mismatch: expected {_shape_text(e.shape)}, got {_shape_text(g.shape)}"
    if g.size == e.size and np.allclose(g.ravel(), e.ravel(), rtol=max(rtol, 1e-12), atol=atol):
        message += " (the numbers are right: fix the shape, e.g. with .ravel(), .reshape(...) or float(...))"
    elif g.ndim == 2 and g.shape[0] == g.shape[1] and e.ndim <= 1 and g.shape[0] in (e.size, n):
        message += (" (an (N, N) array usually comes from broadcasting a column of shape (N, 1) against"
                    " a vector of shape (N,))")
    elif g.ndim == e.ndim + 1 and g.shape[-1] == 1:
        message += " (an extra axis of length 1: a column where a vector is expected?)"
    return Verdict(False, "shape", message)


def _wrong_values_verdict(g, e, err, rtol, atol, n, what):
    """The :class:`Verdict` for wrong values of the right shape: transposed, zero, sign, factor or other."""
    if e.ndim == 2 and e.shape[0] == e.shape[1] > 1 and not np.allclose(e, e.T, rtol=rtol, atol=atol) \
            and rel_error(g, e.T) <= rtol:
        return Verdict(False, "transpose", f"transposed: {what} is the transpose of the right one", err)

    norm_g, norm_e = np.linalg.norm(g), np.linalg.norm(e)
    if norm_g == 0 and norm_e > 0:
        return Verdict(False, "zero", f"{what} is all zeros: is something never updated or never added up?", err)

    if norm_e > 0:
        c = float(np.sum(g * e) / np.sum(e * e))  # least-squares factor: got ~ c * expected
        residual = np.linalg.norm(g - c * e) / max(norm_g, 1e-300)
        if residual <= max(10 * rtol, 1e-9):
            if np.isclose(c, -1.0, rtol=10 * rtol, atol=0):
                return Verdict(False, "sign", f"sign error: {what} is the negative of the right one", err)
            if g.size >= 3 or _is_nice_factor(c, n):  # any wrong number is a multiple of the right one
                sign = " (and the sign is flipped)" if c < 0 else ""
                values = f" (got {g.item():.6g}, expected {e.item():.6g})" if g.size == 1 else ""
                return Verdict(False, "factor", f"off by a constant factor {_fmt_factor(c)}{sign}{values}: "
                               f"{_factor_hint(c, n)}", err)

    if g.size == 1:
        return Verdict(False, "mismatch", f"got {g.item():.6g}, expected {e.item():.6g}", err)
    right = np.isclose(g, e, rtol=max(rtol, 1e-9), atol=atol)
    message = f"wrong values: relative error {err:.1e} (should be below {rtol:.0e})"
    if 0 < right.sum() < g.size:
        idx = tuple(int(i) for i in np.argwhere(~right)[0])
        index = idx[0] if len(idx) == 1 else idx
        message += (f"; {int(right.sum())} of {g.size} entries are right, the first wrong one is [{index}]: "
                    f"{g[idx]:.4g} instead of {e[idx]:.4g}")
    return Verdict(False, "mismatch", message, err)


def _as_parts(value, parts):
    """``value`` as a list of ``len(parts)`` results, or an error message."""
    if len(parts) == 1:
        return [value], None
    if isinstance(value, (tuple, list)) and len(value) == len(parts):
        return list(value), None
    names = ", ".join(parts)
    if value is None:
        return None, f"returned None; expected {len(parts)} values ({names}): did you forget the `return`?"
    if isinstance(value, (tuple, list)):
        return None, f"expected {len(parts)} values ({names}), got {len(value)}"
    shape = np.shape(value) if isinstance(value, np.ndarray) else None
    got = f"one array of shape {shape}" if shape is not None else f"one {type(value).__name__}"
    return None, f"expected {len(parts)} values ({names}), got {got}"


def _verdicts(got, expected, parts, rtol, atol, n):
    """``[(part name, Verdict)]`` for every part, or ``[(None, Verdict)]`` if ``got`` has the wrong structure."""
    if parts is None:
        parts = tuple(f"result[{i}]" for i in range(len(expected))) if isinstance(expected, tuple) else ("",)
    expected = list(expected) if len(parts) > 1 else [expected]
    if len(expected) != len(parts):
        raise ValueError(f"selfcheck: {len(parts)} part names for {len(expected)} expected values")
    values, problem = _as_parts(got, parts)
    if problem:
        return [(None, Verdict(False, "type", problem))]
    return [(p, diagnose(g, e, rtol=rtol, atol=atol, n=n, what=f"your {p}" if p else "your result"))
            for p, g, e in zip(parts, values, expected)]


def check_value(got, expected, name, *, parts=None, rtol=1e-6, atol=0.0, n=None, against="the expected value",
                quiet=False):
    """Compare a result with its reference, print one line per problem (or one ✔ line); return True/False.

    ``expected``: an array or number, or a tuple of them when the result is a tuple
    (then ``parts`` names each one, e.g. ``("dC/dw", "dC/db")``). ``against``: how to
    call the reference in the ✔ line. ``n``: the batch size, to recognise a missing
    ``1/N``. ``quiet``: print nothing.
    """
    results = _verdicts(got, expected, parts, rtol, atol, n)
    ok = all(v.ok for _, v in results)
    if quiet:
        return ok
    if ok:
        named = [p for p, _ in results if p]
        if len(named) > 1:
            subject = f"{', '.join(named[:-1])} and {named[-1]} match"
        else:
            subject = f"{named[0]} matches" if named else "matches"
        worst = max(v.error for _, v in results)
        print(f"{PASS} {name}: {subject} {against} (relative error {worst:.0e})")
    else:
        for part, verdict in results:
            if not verdict.ok:
                where = f"{name}, {part}" if part else name
                print(f"{FAIL} {where}: {verdict.message}")
    return ok


def _location(exc):
    """``(function, 'line N: code')`` of the innermost frame outside this module."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    if not frames:
        return None, ""
    f = frames[-1]
    return f.name, (f"line {f.lineno}: {f.line.strip()}" if f.line else f"line {f.lineno}")


def _run(fn, name, args, kwargs, *, skipping=False):
    """Call ``fn``; return ``(True, value)``, or print why it failed and return ``(False, None)``."""
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError as exc:
        inner, _ = _location(exc)
        who = inner if inner not in (None, "<lambda>", "<module>") else name
        todo = f": {exc}" if str(exc) else ""
        tail = "; skipping this step for now" if skipping else ""
        print(f"{TODO} {name}: not implemented yet ({who} raises NotImplementedError{todo}){tail}")
    except Exception as exc:  # the reader's code may fail in any way; say how, do not stop the notebook
        inner, where = _location(exc)
        place = f" in {inner}, {where}" if inner and inner != "<module>" else ""
        tail = "; skipping this step" if skipping else ""
        print(f"{FAIL} {name} raised {type(exc).__name__}: {exc}{place}{tail}")
    return False, None


def _arg_names(fn, indices):
    """The names of ``fn``'s positional parameters at ``indices`` (``#1``-style when unknown)."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"#{i + 1}" for i in indices]


def check_function(fn, expected, *args, name=None, parts=None, rtol=1e-6, atol=0.0, n=None,
                   against="the expected value", **kwargs):
    """Call ``fn(*args, **kwargs)`` and check its result; print what is wrong; return True/False.

    ``expected``: the reference result, or a callable computing it from the same
    arguments. Array arguments are copied first, so ``fn`` cannot change the
    caller's arrays; if it changes its own copies, that is reported. A
    ``NotImplementedError`` (a task not done yet) and any other exception are
    caught and printed: the check never stops the notebook.
    """
    name = name or getattr(fn, "__name__", "your function")
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    done, got = _run(fn, name, copies, kwargs)
    if not done:
        return False
    changed = [i for i, (a, c) in enumerate(zip(args, copies))
               if isinstance(a, np.ndarray) and (c.shape != a.shape or not np.array_equal(c, a, equal_nan=True))]
    if callable(expected):
        expected = expected(*args, **kwargs)
    ok = check_value(got, expected, name, parts=parts, rtol=rtol, atol=atol, n=n, against=against)
    if changed:
        print(f"{FAIL} {name} changed its argument {', '.join(_arg_names(fn, changed))} in place: "
              "work on a copy (w = w - lr * dw, not w -= lr * dw)")
        return False
    return ok


def check_gradient(analytic, numeric, name="gradient", *, parts=None, rtol=1e-6, n=None):
    """Compare an analytic gradient with a numerical one; print what is wrong; return True/False.

    ``analytic``: the gradient (an array, or a tuple of them with ``parts``), or a
    function of no arguments returning it (then a ``NotImplementedError`` or a crash
    inside it is caught and reported). ``numeric``: from :func:`numerical_gradients`.
    A correct float64 gradient agrees to a relative error of about 1e-8.
    """
    if callable(analytic):
        done, analytic = _run(analytic, name, (), {})
        if not done:
            return False
    return check_value(analytic, numeric, name, parts=parts, rtol=rtol, n=n, against="the numerical gradient")


def check_that(condition, claim, problem=""):
    """Print ``✔ claim`` when ``condition`` holds, else ``✘ claim: problem``; return it as a bool.

    For checks that are not a comparison of numbers: ``check_that(len(history) == steps + 1,
    "history has steps + 1 entries", f"it has {len(history)}")``.
    """
    condition = bool(condition)
    print(f"{PASS} {claim}" if condition else f"{FAIL} {claim}: {problem or 'no'}")
    return condition


def numerical_gradients(f, *args, h=1e-6):
    """Central-difference gradients of the scalar ``f(*args)`` with respect to each argument.

    One implementation: this calls :func:`labs.gradcheck.numerical_gradient`,
    which differentiates a function of no arguments with respect to an array it
    reads in place (a weight inside a model). This form takes a plain function
    of its arguments, as the labs' tasks are written, and works on float64
    copies of them (numbers included), so the caller's values are not touched.
    Returns a tuple with one gradient per argument, each of its argument's
    shape (a float for a number).
    """
    arrays = [np.array(a, dtype=np.float64, copy=True) for a in args]
    grads = []
    for x in arrays:
        g = numerical_gradient(lambda: float(f(*arrays)), x, h)
        grads.append(float(g) if g.ndim == 0 else g)
    return tuple(grads)


def try_run(fn, *args, name=None, default=None, **kwargs):
    """Return ``fn(*args, **kwargs)``, or ``default`` after printing why not.

    For cells that *use* a function from an earlier task: while that task is not
    done (``NotImplementedError``) or crashes, the cell prints one line and the
    notebook goes on.
    """
    done, value = _run(fn, name or getattr(fn, "__name__", "your function"), args, kwargs, skipping=True)
    return value if done else default


def assert_matches(got, expected, name, *, parts=None, rtol=1e-6, atol=0.0, n=None):
    """Like :func:`check_value`, but silent when right and raising ``AssertionError`` (with the diagnosis) when not.

    For the graded tests: the autograder reports the message of the first part
    that is wrong, e.g. ``mse_gradient, dC/dw: sign error: ...``.
    """
    for part, verdict in _verdicts(got, expected, parts, rtol, atol, n):
        if not verdict.ok:
            raise AssertionError(f"{name}, {part}: {verdict.message}" if part else f"{name}: {verdict.message}")


_MISSING = object()


@contextlib.contextmanager
def substituted(namespace, **replacements):
    """Temporarily set names in ``namespace`` (a notebook's ``globals()``), then restore them.

    Graded tests use it to grade one task on its own: while testing
    ``gradient_descent``, a correct ``mse_gradient`` stands in for the reader's,
    so a mistake in one task costs the points of that task only.
    """
    saved = {key: namespace.get(key, _MISSING) for key in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is _MISSING:
                namespace.pop(key, None)
            else:
                namespace[key] = value
