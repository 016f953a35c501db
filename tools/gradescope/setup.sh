#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (an Ubuntu image;
# choose Ubuntu 24.04 or newer in the autograder settings). It installs what `make grade` uses:
# Python 3.11+, the pinned requirements.txt (the same as the book's), and bubblewrap, the
# sandbox `make grade` runs each notebook in (Gradescope's containers usually cannot give it the
# user namespaces it needs; run_autograder then says so and grades with --insecure).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends bubblewrap util-linux python3 python3-venv python3-pip || true
apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv 2>/dev/null || true
PY=$(command -v python3.11 || command -v python3)
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the labs need Python 3.11 or newer: choose a newer base image")'
"$PY" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet -r requirements.txt   # its last line installs labs from here
