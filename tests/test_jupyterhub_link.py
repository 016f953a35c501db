"""The JupyterHub launch button: with ``launch_buttons.jupyterhub_url`` set, a page's link is nbgitpuller's.

nbgitpuller's documented link (https://nbgitpuller.readthedocs.io, "Options in an nbgitpuller URL"
and its link generator) is

    <hub>/hub/user-redirect/git-pull?repo=<git URL>&urlpath=lab/tree/<repository folder>/<file>&branch=<branch>

where <repository folder> is the folder nbgitpuller clones into (the repository's name) and <file>
the notebook's path in the repository. The test builds a one-page book with the repository's own
``repository`` and ``launch_buttons`` settings plus a hub address (the chapter 3 notebook, not
executed: the link does not depend on outputs), and checks the link sphinx-book-theme wrote.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HUB = "https://hub.example.edu"
PAGE = "book/03_gradient_descent_and_momentum"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


@pytest.fixture(scope="module")
def hub_link(tmp_path_factory):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    book = tmp_path_factory.mktemp("hubbook")
    (book / "book").mkdir()
    shutil.copy(ROOT / f"{PAGE}.ipynb", book / f"{PAGE}.ipynb")
    small = {
        "title": "hub link", "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "parse": config["parse"],
        "repository": config["repository"],
        "launch_buttons": {**config["launch_buttons"], "jupyterhub_url": HUB + "/"},
        "html": {"use_repository_button": True},
        "sphinx": {"config": {"suppress_warnings": ["myst.xref_missing", "mystnb.unknown_mime_type"]}},
    }
    (book / "_config.yml").write_text(yaml.safe_dump(small))
    (book / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": PAGE}))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    out = subprocess.run([str(jupyter_book), "build", str(book), "--builder", "html"],
                         capture_output=True, text=True, timeout=300)
    html = book / "_build" / "html" / f"{PAGE}.html"
    assert html.is_file(), out.stdout[-3000:] + out.stderr[-3000:]
    parser = _Links()
    parser.feed(html.read_text())
    hub = [a["href"] for a in parser.links if "git-pull" in a.get("href", "")]
    assert len(hub) == 1, f"expected one JupyterHub launch link on {PAGE}.html, found {hub}"
    return hub[0], config


def test_jupyterhub_link_is_nbgitpullers(hub_link):
    url, config = hub_link
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{HUB}/hub/user-redirect/git-pull", url
    query = parse_qs(parts.query, strict_parsing=True)
    assert sorted(query) == ["branch", "repo", "urlpath"], url
    repo_url = config["repository"]["url"]
    assert query["repo"] == [repo_url]
    assert query["branch"] == [config["repository"].get("branch", "main")]
    folder = repo_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")  # where nbgitpuller clones
    assert query["urlpath"] == [f"lab/tree/{folder}/{PAGE}.ipynb"], url


def test_jupyterhub_link_opens_a_file_of_the_repository(hub_link):
    """The urlpath, less lab/tree/<folder>/, is the page's notebook, at that path in the repository."""
    url, config = hub_link
    path = parse_qs(urlsplit(url).query)["urlpath"][0].split("/", 3)[3]
    prefix = config["repository"].get("path_to_book", "").strip("/")
    assert (ROOT / prefix / path).is_file(), path
