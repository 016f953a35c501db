# Two commands do all set-up on a fresh machine with Python 3.11:
#   make book   build the book (executes every notebook) into _build/html
#   make test   lint, unit tests, every notebook under nbval, the strict book build
# Both create .venv and install the pinned requirements.txt the first time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD  := $(BIN)/jupyter-book build . -W -n --keep-going

.PHONY: book test lint unit notebooks build-strict bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BUILD)
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: lint unit notebooks build-strict

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

notebooks: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=300 book

build-strict: $(STAMP)
	$(BIN)/jupyter-book clean .
	$(BUILD)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build $(VENV)

# Labs for a course (see book/instructors.md):
#   make student                          student notebooks (no solutions, no hidden tests) into release/labs
#   make grade SUBMISSIONS=path [TIMEOUT=120] [JOBS=1]
#                                         grade path/<student>/<lab>.ipynb into grades/ (CSV and feedback)
.PHONY: student grade
TIMEOUT ?= 120
JOBS    ?= 1

student: $(STAMP)
	$(BIN)/python -m grader release --source book/labs --out release/labs

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/submissions [TIMEOUT=120] [JOBS=1]"; exit 2; }
	$(BIN)/python -m grader autograde "$(SUBMISSIONS)" --source book/labs --out grades --timeout $(TIMEOUT) --jobs $(JOBS)
