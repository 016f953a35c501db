"""fit's progress bar: shown on request, silent by default outside a notebook."""

import numpy as np

import labs


def _fit(progress):
    rng = np.random.default_rng(0)
    X, y = labs.data.line(64, rng)
    model = labs.Linear(1, 1, rng=rng)
    return labs.fit(model, labs.mse, labs.SGD(model.parameters(), lr=0.1), X, y,
                    epochs=3, batch_size=16, rng=rng, progress=progress)


def test_default_is_silent_outside_a_notebook(capsys):
    """progress=None (the default) prints nothing when not running in a Jupyter kernel."""
    history = _fit(progress=None)
    out, err = capsys.readouterr()
    assert history.epochs == 3
    assert out == "" and err == ""


def test_progress_true_draws_a_tqdm_bar(capsys):
    """progress=True shows tqdm's bar (on stderr in a terminal) with the running loss."""
    _fit(progress=True)
    err = capsys.readouterr().err
    assert "epochs" in err and "/3" in err and "loss=" in err


def test_in_notebook_is_false_in_tests():
    """The notebook detection that decides the default says no under pytest."""
    assert labs.train._in_notebook() is False
