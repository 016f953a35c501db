"""labs.glue: the chapters' glue binds each key as a notebook variable and calls myst-nb's glue."""


def test_labs_glue_binds_the_key_in_the_notebook_and_calls_myst_nbs_glue(monkeypatch):
    """The chapters' glue: a variable for JupyterLab's {eval}, and myst-nb's glue for the book."""
    import myst_nb
    from IPython.core.interactiveshell import InteractiveShell

    import labs.glue

    shell = InteractiveShell.instance()
    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setattr(labs.glue, "get_ipython", lambda: shell)
    labs.glue.glue("ch3_kappa", 12.5, display=False)
    assert shell.user_ns["ch3_kappa"] == 12.5
    assert calls == [(("ch3_kappa", 12.5), {"display": False})]
