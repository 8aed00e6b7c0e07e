# The two commands a learner needs:  make lab   and   make test
# Everything is installed into .venv (created on first use) with pip.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NB     ?= 05

.PHONY: lab test notebooks figures present bench site student clean help

help:
	@echo "make lab        open the course in JupyterLab (sets up .venv on first run)"
	@echo "make test       run every test: unit tests, strict nbval, browser tests"
	@echo "make notebooks  re-execute every notebook and refresh navigation"
	@echo "make figures    redraw every static figure in figures/"
	@echo "make present NB=05   serve one notebook as a clean app (Voila) for projection"
	@echo "make bench      print the speed and time-budget benchmarks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.course: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.course

lab: $(VENV)/.course
	$(BIN)/jupyter lab notebooks/00-start-here.ipynb

test: $(VENV)/.test
	$(BIN)/python -m pytest

notebooks: $(VENV)/.test
	$(BIN)/python notebooks/make_notebooks.py $(ONLY)

figures: $(VENV)/.course
	$(BIN)/python figures/make_figures.py

present: $(VENV)/.course
	$(BIN)/voila --strip_sources=True --theme=light notebooks/$(NB)-*.ipynb

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
