"""The book's notebooks as a whole: what every chapter and lab must have."""

import glob
import re

import nbformat
import pytest
import yaml

NOTEBOOKS = sorted(glob.glob("book/0*.ipynb") + glob.glob("book/lab_notebooks/lab*.ipynb"))


def _repository_url():
    with open("_config.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)["repository"]["url"]


def test_there_are_eight_chapters_and_eight_labs():
    assert len([p for p in NOTEBOOKS if not p.rsplit("/", 1)[-1].startswith("lab")]) == 8
    assert len([p for p in NOTEBOOKS if p.rsplit("/", 1)[-1].startswith("lab")]) == 8


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_first_code_cell_installs_labs_from_the_configured_repository(path):
    """Opened in Colab, every notebook installs labs from the repository _config.yml names, and only then."""
    nb = nbformat.read(path, 4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "from labs import" in first.source and "except ImportError" in first.source
    urls = re.findall(r"git\+(\S+?)\"", first.source)
    assert urls == [_repository_url()], f"{path}: installs from {urls}, _config.yml says {_repository_url()}"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebooks_are_committed_without_outputs(path):
    nb = nbformat.read(path, 4)
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs]
    assert with_outputs == [], f"{path}: cells {with_outputs} have stored outputs"
