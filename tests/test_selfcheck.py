"""labs.selfcheck: every diagnosis, on the mistakes readers make, and checks that never stop a notebook.

The mistakes are written out as small wrong gradients of the lab's cost
C(w, b) = 1/(2N) sum (Xw + b - y)^2 (a flipped sign, a dropped 1/2, a missing
1/N, a column instead of a vector, ...), and each must get its own diagnosis.
"""

import numpy as np
import pytest

from labs import mse, selfcheck
from labs.selfcheck import assert_matches, check_function, check_gradient, check_value, diagnose

N, D = 8, 3


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    return rng.standard_normal((N, D)), rng.standard_normal(N), rng.standard_normal(D), 0.7


def right(X, y, w, b):
    err = X @ w + b - y
    return X.T @ err / len(y), float(np.mean(err))


def numeric(X, y, w, b):
    return selfcheck.numerical_gradients(lambda w_, b_: mse(X @ w_ + b_, y)[0], w, b)


# --- diagnose, one mistake at a time ------------------------------------------------

def test_right_gradient_matches_the_numerical_one(problem):
    dw, db = right(*problem)
    num_dw, num_db = numeric(*problem)
    verdict = diagnose(dw, num_dw)
    assert verdict.ok and verdict.kind == "ok" and verdict.error < 1e-8
    assert diagnose(db, num_db).ok


def test_sign_error(problem):
    X, y, w, b = problem
    v = diagnose(-right(X, y, w, b)[0], numeric(X, y, w, b)[0], what="your dC/dw")
    assert (v.ok, v.kind) == (False, "sign")
    assert v.message == "sign error: your dC/dw is the negative of the right one"


def test_sign_error_of_a_number():
    v = diagnose(-1.7, 1.7)
    assert v.kind == "sign"


def test_constant_factor_two_points_at_the_half(problem):
    X, y, w, b = problem
    v = diagnose(2 * right(X, y, w, b)[0], numeric(X, y, w, b)[0], n=N)
    assert v.kind == "factor"
    assert "constant factor 2.00" in v.message and "1/2" in v.message


def test_missing_average_is_recognised_as_a_factor_n(problem):
    X, y, w, b = problem
    err = X @ w + b - y
    v = diagnose(X.T @ err, numeric(X, y, w, b)[0], n=N)  # the sum, not the average
    assert v.kind == "factor"
    assert f"constant factor {N:.2f}" in v.message and f"divide by N = {N}" in v.message


def test_other_constant_factor_gets_the_generic_hint():
    e = np.array([1.0, -2.0, 0.5, 3.0])
    v = diagnose(7.3 * e, e)
    assert v.kind == "factor" and "7.30" in v.message and "1/2" in v.message and "1/N" in v.message


def test_factor_with_a_flipped_sign():
    e = np.array([1.0, -2.0, 0.5, 3.0])
    v = diagnose(-2 * e, e)
    assert v.kind == "factor" and "-2.00" in v.message and "sign is flipped" in v.message


def test_a_wrong_number_is_not_called_a_factor():
    # any wrong number is some multiple of the right one; only the telling factors are named
    assert diagnose(3.1, 1.7).kind == "mismatch"
    assert diagnose(3.4, 1.7).kind == "factor"


def test_shape_mismatch_column_instead_of_vector(problem):
    X, y, w, b = problem
    dw = right(X, y, w, b)[0]
    v = diagnose(dw.reshape(-1, 1), dw)
    assert v.kind == "shape"
    assert v.message.startswith("shape mismatch: expected (3,), got (3, 1)")
    assert "numbers are right" in v.message


def test_shape_mismatch_from_broadcasting(problem):
    X, y, w, b = problem
    err = (X @ w + b).reshape(-1, 1) - y  # (N, 1) - (N,) broadcasts to (N, N)
    v = diagnose(err, X @ w + b - y, n=N)
    assert v.kind == "shape" and "broadcasting" in v.message


def test_shape_mismatch_with_wrong_numbers():
    v = diagnose(np.ones(4), np.ones(3))
    assert v.kind == "shape" and v.message == "shape mismatch: expected (3,), got (4,)"


def test_number_expected_array_given():
    v = diagnose(np.array([0.5]), 0.5)
    assert v.kind == "shape" and "a number (shape ())" in v.message and "numbers are right" in v.message


def test_transposed_non_square():
    W = np.arange(6.0).reshape(2, 3)
    v = diagnose(W.T, W)
    assert v.kind == "transpose" and "(2, 3)" in v.message and "(3, 2)" in v.message


def test_transposed_square():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    v = diagnose(W.T, W, what="your dC/dW")
    assert v.kind == "transpose" and "your dC/dW is the transpose" in v.message


def test_nan_and_inf():
    v = diagnose(np.array([1.0, np.nan, np.inf]), np.ones(3))
    assert v.kind == "nan" and v.message.startswith("2 of 3 entries are NaN or infinite")


def test_none_returned():
    v = diagnose(None, np.ones(3))
    assert v.kind == "none" and "return" in v.message


def test_not_numbers():
    assert diagnose("a string", np.ones(3)).kind == "type"


def test_all_zeros():
    assert diagnose(np.zeros(3), np.ones(3)).kind == "zero"


def test_generic_mismatch_points_at_the_first_wrong_entry():
    e = np.array([1.0, 2.0, 3.0, 4.0])
    g = e.copy()
    g[2] = -7.0
    v = diagnose(g, e)
    assert v.kind == "mismatch"
    assert "relative error" in v.message and "3 of 4 entries are right" in v.message
    assert "[2]: -7 instead of 3" in v.message


def test_rtol_and_atol():
    assert diagnose(1.0005, 1.0, rtol=1e-3).ok
    assert not diagnose(1.0005, 1.0).ok
    assert diagnose(1e-12, 0.0, atol=1e-9).ok


# --- the printing checks -------------------------------------------------------------

def test_check_function_passes_and_says_against_what(problem, capsys):
    ok = check_function(right, numeric(*problem), *problem, parts=("dC/dw", "dC/db"), against="the numerical gradient")
    out = capsys.readouterr().out
    assert ok is True
    assert out.startswith("✔ right: dC/dw and dC/db match the numerical gradient (relative error")


def test_check_function_names_the_failing_part(problem, capsys):
    def half_wrong(X, y, w, b):
        dw, db = right(X, y, w, b)
        return dw, -db

    ok = check_function(half_wrong, numeric(*problem), *problem, name="mse_gradient", parts=("dC/dw", "dC/db"))
    out = capsys.readouterr().out
    assert ok is False
    assert out.strip() == "✘ mse_gradient, dC/db: sign error: your dC/db is the negative of the right one"


def test_not_implemented_is_reported_not_raised(problem, capsys):
    def mse_gradient(X, y, w, b):
        raise NotImplementedError("return (dC/dw, dC/db)")

    ok = check_function(mse_gradient, numeric(*problem), *problem, parts=("dC/dw", "dC/db"))
    out = capsys.readouterr().out
    assert ok is False
    assert out.strip() == ("○ mse_gradient: not implemented yet (mse_gradient raises NotImplementedError: "
                           "return (dC/dw, dC/db))")


def test_not_implemented_deeper_down_names_the_missing_function(capsys):
    def mse_gradient():
        raise NotImplementedError

    def gradient_descent():
        return mse_gradient()

    assert check_function(gradient_descent, 1.0) is False
    out = capsys.readouterr().out
    assert "○ gradient_descent: not implemented yet (mse_gradient raises NotImplementedError)" in out


def test_any_exception_is_reported_with_where_it_happened(capsys):
    def broken(X):
        return X @ np.ones(5)

    assert check_function(broken, np.ones(3), np.ones((3, 2))) is False
    out = capsys.readouterr().out
    assert out.startswith("✘ broken raised ValueError: ") and "in broken, line" in out


def test_wrong_number_of_results(problem, capsys):
    assert check_function(lambda *a: right(*a)[0], numeric(*problem), *problem, name="g",
                          parts=("dC/dw", "dC/db")) is False
    assert "expected 2 values (dC/dw, dC/db), got one array of shape (3,)" in capsys.readouterr().out


def test_changing_an_argument_in_place_is_caught_and_the_caller_is_safe(capsys):
    def step(w, lr):
        w -= lr  # changes the caller's array
        return w

    w = np.ones(3)
    assert check_function(step, lambda w, lr: w - lr, w, 0.5) is False
    assert np.array_equal(w, np.ones(3))  # the check passed a copy
    assert "changed its argument w in place" in capsys.readouterr().out


def test_expected_can_be_a_reference_function(capsys):
    assert check_function(np.sin, np.sin, np.linspace(0, 1, 5)) is True
    assert capsys.readouterr().out.startswith("✔ sin: matches the expected value")


def test_check_gradient_with_a_callable(problem, capsys):
    X, y, w, b = problem

    def analytic():
        raise NotImplementedError("write it")

    assert check_gradient(analytic, numeric(X, y, w, b), "mse_gradient", parts=("dC/dw", "dC/db")) is False
    assert "not implemented yet" in capsys.readouterr().out
    assert check_gradient(lambda: right(X, y, w, b), numeric(X, y, w, b), "g", parts=("dC/dw", "dC/db")) is True
    assert "match the numerical gradient" in capsys.readouterr().out


def test_check_value_on_a_triple_and_quiet(capsys):
    assert check_value((1.0, 2.0, [3.0]), (1.0, 2.0, [3.0]), "t", parts=("a", "b", "c"))
    assert "a, b and c match" in capsys.readouterr().out
    assert not check_value(1.0, 2.0, "t", quiet=True)
    assert capsys.readouterr().out == ""


def test_check_that(capsys):
    assert selfcheck.check_that(True, "history has 11 entries") is True
    assert selfcheck.check_that(False, "history has 11 entries", "it has 10") is False
    assert capsys.readouterr().out == "✔ history has 11 entries\n✘ history has 11 entries: it has 10\n"


def test_try_run(capsys):
    def todo():
        raise NotImplementedError("later")

    assert selfcheck.try_run(lambda a, b: a + b, 1, b=2) == 3
    assert selfcheck.try_run(todo, default="skipped") == "skipped"
    assert "○ todo: not implemented yet (todo raises NotImplementedError: later); skipping this step" \
        in capsys.readouterr().out
    assert selfcheck.try_run(lambda: 1 / 0, name="divide") is None
    assert "✘ divide raised ZeroDivisionError" in capsys.readouterr().out


def test_try_run_lets_keyboard_interrupt_through():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        selfcheck.try_run(interrupted)


# --- for graded tests -------------------------------------------------------------------

def test_assert_matches_raises_with_the_diagnosis(problem):
    X, y, w, b = problem
    dw, db = right(X, y, w, b)
    assert_matches((dw, db), numeric(X, y, w, b), "mse_gradient", parts=("dC/dw", "dC/db"))
    with pytest.raises(AssertionError, match=r"^mse_gradient, dC/dw: sign error: your dC/dw is the negative"):
        assert_matches((-dw, db), numeric(X, y, w, b), "mse_gradient", parts=("dC/dw", "dC/db"))
    with pytest.raises(AssertionError, match=r"^total: got 3.1, expected 1.7$"):
        assert_matches(3.1, 1.7, "total")
    with pytest.raises(AssertionError, match=r"^total: off by a constant factor 2.00 \(got 2, expected 1\): "):
        assert_matches(2.0, 1.0, "total")


def test_numerical_gradients_leave_the_arguments_alone():
    w, b = np.array([1.0, 2.0]), 3.0
    gw, gb = selfcheck.numerical_gradients(lambda w, b: np.sum(w**2) + b**2, w, b)
    assert np.allclose(gw, [2.0, 4.0]) and isinstance(gb, float) and np.isclose(gb, 6.0)
    assert np.array_equal(w, [1.0, 2.0])


def test_substituted_restores_names():
    ns = {"f": 1}
    with selfcheck.substituted(ns, f=2, g=3):
        assert ns == {"f": 2, "g": 3}
    assert ns == {"f": 1}
    with pytest.raises(RuntimeError), selfcheck.substituted(ns, f=5):
        raise RuntimeError
    assert ns == {"f": 1}


def test_part_names_must_match_expected():
    with pytest.raises(ValueError, match="2 part names for 3 expected values"):
        check_value((1, 2, 3), (1, 2, 3), "x", parts=("a", "b"))
