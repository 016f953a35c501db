# Two commands do all set-up on a fresh machine with Python 3.11:
#   make book   build the book (executes every notebook) into _build/html
#   make test   lint, unit tests, every notebook under nbval, the strict book build,
#               then every page of that build in Chromium (tests/browser) and the time budget
# Both create .venv and install the pinned requirements.txt the first time, and install the
# npm packages (package-lock.json: MathJax, RequireJS, the widget manager, Vega, Vega-Lite, vega-embed,
# axe-core) that the book serves from its own _static/npm/ (tools/book_html.py).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
BUILD  := $(BIN)/jupyter-book build . -W -n --keep-going

.PHONY: book test lint unit notebooks build-strict browser assets linkcheck bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18+ and npm (Debian: sudo apt-get install nodejs npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NPM_STAMP)

assets: $(NPM_STAMP)

book: $(STAMP) $(NPM_STAMP)
	$(BUILD)
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: lint unit notebooks build-strict browser

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile tests --ignore=tests/browser

notebooks: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=300 book

build-strict: $(STAMP) $(NPM_STAMP)
	$(BIN)/jupyter-book clean .
	$(BUILD)

# The build in _build/html (build-strict's, in `make test`), every page in Chromium; and the time budget.
browser: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests/browser

# External links: needs the network, so it is not part of `make test`. Report: _build/html/output.txt
linkcheck: $(STAMP)
	$(BIN)/jupyter-book build . --builder linkcheck

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build $(VENV) node_modules

# Labs for a course (see book/instructors.md):
#   make student                          student notebooks (no solutions, no hidden tests) into release/labs
#   make grade SUBMISSIONS=path [TIMEOUT=120] [JOBS=1] [GRADE_FLAGS="--memory 4G ..."]
#                                         grade path/<student>/<lab>.ipynb into grades/ (CSV and feedback),
#                                         each notebook in a bubblewrap sandbox; a rerun resumes.
#                                         GRADE_FLAGS: --memory --processes --file-size --files --cpu-time, or
#                                         --insecure where bubblewrap is missing (every row is marked so)
.PHONY: student grade
TIMEOUT ?= 120
JOBS    ?= 1
GRADE_FLAGS ?=

student: $(STAMP)
	$(BIN)/python -m grader release --source book/lab_notebooks --out release/labs

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/submissions [TIMEOUT=120] [JOBS=1] [GRADE_FLAGS=...]"; exit 2; }
	$(BIN)/python -m grader autograde "$(SUBMISSIONS)" --source book/lab_notebooks --out grades --timeout $(TIMEOUT) --jobs $(JOBS) $(GRADE_FLAGS)

# Reading and running the notebooks (self-study): JupyterLab, pinned in requirements.txt with
# jupyterlab-myst (renders the book's MyST markdown), opened on book/ in your browser.
#   make lab                          http://localhost:8888/lab/tree/book (the URL with its token is printed)
#   make lab LAB_ARGS="--no-browser --port 8890"
.PHONY: lab
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/book \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The student-version book for a course (see book/instructors.md): every lab as `make student`
# releases it (no solutions, no hidden tests), built strictly into _build/student/html.
.PHONY: student-book
student-book: $(STAMP) $(NPM_STAMP)
	$(BIN)/python tools/student_book.py

# Gradescope (see book/instructors.md): one autograder zip per lab into _build/gradescope/, graded
# inside Gradescope by the same engine as `make grade` (grader/gradescope.py, tools/gradescope/).
.PHONY: gradescope
gradescope: $(STAMP)
	$(BIN)/python -m grader.gradescope build --source book/lab_notebooks --out _build/gradescope
