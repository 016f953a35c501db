"""glue: hand a number computed in a chapter to its prose, in the book and in JupyterLab.

The chapters' prose quotes numbers as ``{eval}`f"{key:spec}"```. In the built book the
``eval`` role (``tools/eval_glue.py``) pastes the value that myst-nb's ``glue`` stored under
``key``; in JupyterLab, jupyterlab-myst evaluates the same expression in the kernel, so the
value must also be a variable of the notebook. ``glue`` does both. Where myst-nb is not
installed (Colab, a bare Jupyter), binding the variable is all there is to do.
"""

from IPython import get_ipython

__all__ = ["glue"]


def glue(name, value, display=True):
    """Store ``value`` under ``name`` for the prose: as a notebook variable and with myst-nb."""
    shell = get_ipython()
    if shell is not None:
        shell.user_ns[name] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # no book build in this environment: the variable is enough
        return
    myst_glue(name, value, display=display)
