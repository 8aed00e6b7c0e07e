# The two commands a learner needs:  make lab   and   make test
# Everything is installed into .venv (created on first use) with pip.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NB     ?= 05

# One BLAS thread: the course multiplies small matrices, where threads only add
# overhead (measured up to 30x slower on a busy 2-core machine).
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: lab test notebooks figures present bench site student torch clean help

help:
	@echo "make lab        open the course in JupyterLab (sets up .venv on first run; NBDIR=student for the student edition)"
	@echo "make test       run every test: unit tests, strict nbval, browser tests"
	@echo "make notebooks  re-execute every notebook and refresh navigation"
	@echo "make figures    redraw every static figure in figures/"
	@echo "make present NB=05   serve one notebook as a clean app (Voila) for projection"
	@echo "make bench      print the speed and time-budget benchmarks"
	@echo "make site       build the course as a static HTML site in build/site (Jupyter Book 1)"
	@echo "make student    write the student edition (no solutions) into student/"
	@echo "make torch      install PyTorch (CPU build, about 190 MB) for notebook 09"
	@echo "make grade SUBMISSIONS=dir   grade a class: gradebook.csv and a feedback page per student"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.course: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# PyTorch (notebook 09, and the test extra's cross-checks), CPU build: on Linux a plain
# `pip install torch` pulls a multi-GB CUDA build. PyTorch's CPU index offers 2.13.0+cpu, which pip
# prefers to PyPI's 2.13.0 (the pin of pyproject.toml's test extra). TORCH_INDEX= (empty) skips that
# index, for a machine whose own package mirror already serves the CPU build (.ci/run).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIP   := $(BIN)/python -m pip install "torch==2.13.0" $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(TORCH_PIP) --quiet
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.course

# Jupyter refuses to run as root unless told (containers, some classroom VMs).
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

# The notebook's folder is the server's root: the learner sees the course, nothing else.
# make lab NBDIR=student opens the student edition (make student) the same way.
NBDIR ?= notebooks
lab: $(VENV)/.course
	$(BIN)/jupyter lab $(ROOT_FLAG) $(NBDIR)/00-start-here.ipynb

test: $(VENV)/.test
	$(BIN)/python -m pytest

notebooks: $(VENV)/.test
	$(BIN)/python tools/make_notebooks.py $(ONLY)

# Redraw figures/, then embed them into the notebooks that show them (no re-execution).
figures: $(VENV)/.course
	$(BIN)/python figures/make_figures.py
	$(BIN)/python tools/make_notebooks.py --no-execute

# Classroom app mode: one notebook, code hidden, widgets live. The "course" template
# (share/jupyter/voila/templates/course) leaves out navigation, exercises and solutions,
# and sets projector-sized text; COURSE_PRESENT=1 draws figures at 1.5x (helpers.plots).
# make present NB=05 [PORT=8866] [VOILA_ARGS=--no-browser]
PORT       ?= 8866
VOILA_ARGS ?=
present: $(VENV)/.course
	@test -n "$(wildcard $(NBDIR)/$(NB)-*.ipynb)" || { echo "No notebook $(NBDIR)/$(NB)-*.ipynb: pick one with NB=00 .. NB=09"; exit 1; }
	JUPYTER_PATH="$(CURDIR)/share/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))" COURSE_PRESENT=1 \
	$(BIN)/voila --strip_sources=True --theme=light --template=course --port=$(PORT) $(VOILA_ARGS) $(NBDIR)/$(NB)-*.ipynb

# The static site: stored outputs, no execution; open build/site/_build/html/index.html
$(VENV)/.site: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[site]'
	touch $@ $(VENV)/.course

site: $(VENV)/.site
	$(BIN)/python tools/make_site.py --out build/site

# The student edition: the notebooks without their solution cells, in student/
student: $(VENV)/.course
	$(BIN)/python tools/make_student.py --out student

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run.py

# PyTorch for notebook 09 (the rest of the course runs without it): the CPU build, see TORCH_INDEX.
torch: $(VENV)/.course
	$(TORCH_PIP)

clean:
	rm -rf $(VENV) build *.egg-info

# Grade a class (tools/make_grade.py): one folder per student in SUBMISSIONS, each holding
# the student's notebooks. Each notebook runs in a fresh kernel, offline, from a temporary copy,
# within TIMEOUT seconds (a cell longer than CELL_TIMEOUT is interrupted and the notebook goes on);
# writes OUT/gradebook.csv, OUT/feedback/<student>.html and OUT/executed/. Needs no nbgrader.
# make grade SUBMISSIONS=dir [OUT=build/grade] [TIMEOUT=180] [CELL_TIMEOUT=60] [JOBS=1] [NOTEBOOKS="00 03"]
.PHONY: grade
OUT          ?= build/grade
TIMEOUT      ?= 180
CELL_TIMEOUT ?= 60
JOBS         ?= 1
NOTEBOOKS    ?=
grade: $(if $(SUBMISSIONS),$(VENV)/.course)
	@test -n "$(SUBMISSIONS)" || { echo "make grade needs SUBMISSIONS=dir: a folder with one folder per student, holding their notebooks"; exit 2; }
	$(BIN)/python tools/make_grade.py "$(SUBMISSIONS)" --out "$(OUT)" --timeout $(TIMEOUT) --cell-timeout $(CELL_TIMEOUT) --jobs $(JOBS) $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS))
