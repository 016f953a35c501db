"""tools/glue_to_eval.py (run once by hand) and tools/eval_glue.py (the book's {eval} role) agree."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from tools import eval_glue, glue_to_eval


@pytest.mark.parametrize("role, target", [
    ("{glue:text}`ch3_kappa:.0f`", "ch3_kappa:.0f"),
    ("{glue:text}`ch3_kappa`", "ch3_kappa"),
    ("{glue}`ch3_n`", "ch3_n"),
    ("{glue:text}`ch3_gap:.1%`", "ch3_gap:.1%"),
    ("{glue:text}`ch3_eta:,.3g`", "ch3_eta:,.3g"),
])
def test_the_eval_role_pastes_what_the_glue_role_pasted(role, target):
    """The book's {eval} role turns the rewritten expression back into the same glue target."""
    rewritten = glue_to_eval.rewrite_markdown(f"a {role} b", [])
    expression = rewritten.split("`")[1]
    assert rewritten.startswith("a {eval}`") and eval_glue.glue_text(expression) == target


def test_other_documents_keys_and_odd_keys_are_left_alone():
    skipped = []
    text = "x {glue:text}`other::k:.2f` y {glue:text}`not a name` z {glue:md}`k`"
    assert glue_to_eval.rewrite_markdown(text, skipped) == text
    assert len(skipped) == 2


def test_eval_role_refuses_other_expressions():
    assert eval_glue.glue_text("x + 1") is None
    assert eval_glue.glue_text('f"{x:.2f} and {y}"') is None


def test_script_is_idempotent_on_a_copy_of_a_chapter(tmp_path):
    src = sorted(glue_to_eval.Path("book").glob("0*.ipynb"))[0]
    path = tmp_path / src.name
    shutil.copy(src, path)
    glue_to_eval.convert(path)
    once = path.read_text()
    rewritten, _, wrapped = glue_to_eval.convert(path)
    assert (rewritten, wrapped) == (0, False) and path.read_text() == once
    nb = nbformat.read(str(path), 4)
    assert not any(glue_to_eval.ROLE.search(c.source) for c in nb.cells if c.cell_type == "markdown"
                   and "::" not in c.source)
