"""Sphinx extension: ``{eval}`...``` in the book means what ``{glue:text}`...``` means.

The chapters' numbers come from code. In the built book myst-nb's glue pastes them
(``{glue:text}`ch3_kappa:.0f```); JupyterLab's MyST renderer (jupyterlab-myst) cannot read
glue, but it evaluates inline expressions, ``{eval}`f"{ch3_kappa:.0f}"```, in the kernel once
the cells have run. Written as ``{eval}``, a number shows in both: this role replaces myst-nb's
``eval`` role (which works only with ``execution_mode: inline``, not the book's ``force``) and
pastes the glued value of the same name with the same format, exactly as ``{glue:text}`` does.

Accepted forms: ``{eval}`key``` and ``{eval}`f"{key:spec}"``` (or with single quotes); ``key``
is a glue key (the chapters also bind it as a variable: ``tools/glue_to_eval.py``). Anything else
is a warning, so the strict build fails on it.
"""

from __future__ import annotations

import re

from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import glue_warning

EXPRESSION = re.compile(r"""^(?:f(?P<q>["'])\{(?P<key>[A-Za-z_]\w*)(?::(?P<spec>[^{}"']*))?\}(?P=q)"""
                        r"""|(?P<bare>[A-Za-z_]\w*))$""")


def glue_text(expression: str) -> str | None:
    """The ``{glue:text}`` target for an ``{eval}`` expression, or None when it is not one of the two forms."""
    m = EXPRESSION.match(expression.strip())
    if m is None:
        return None
    key = m["key"] or m["bare"]
    return f"{key}:{m['spec']}" if m["spec"] else key


class EvalAsGlueText(PasteTextRole):
    """``{eval}`f"{key:spec}"``` pastes the glued ``key`` formatted with ``spec``."""

    def run(self):
        target = glue_text(self.text)
        if target is None:
            return [], [glue_warning(f"{{eval}} in this book takes `key` or `f\"{{key:spec}}\"`, not {self.text!r}",
                                     self.document, self.line)]
        self.text = target
        return super().run()


def setup(app):
    app.add_role("eval", EvalAsGlueText(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
