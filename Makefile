# The README's two commands: `make demo` (the main job) and `make test` (the test suite).
# Each creates the virtual environment and installs povsim on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.povsim-installed

.PHONY: setup demo screenshot test test-fast guides lint bench calibration notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "povsim needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch's CPU build first (the calibration's neural posterior, through sbi): PyPI's plain
	# 'torch' on Linux is a CUDA build of several GB; 2.13.0 here is the CPU one
	$(PY) -m pip install --quiet 'torch==2.13.0'
	$(PY) -m pip install --quiet -e '.[dev,calibrate]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/povsim run scenarios/xixiu.yaml --seed 1 --replicates 8 --out results/xixiu
	@echo "report (open it in a browser):"
	@$(VENV)/bin/povsim report results/xixiu

# the README's screenshots of the demo's report (its top 1200x1400 pixels, the reported figures, the
# plots; headless chromium) and the summary they show, which tests/test_report.py checks against a
# run of today's model
screenshot: $(STAMP)
	test -f results/xixiu/manifest.json || $(MAKE) demo
	$(VENV)/bin/povsim report results/xixiu --screenshot docs/images/report-xixiu.png --size 1200x1400
	$(VENV)/bin/povsim report results/xixiu --screenshot docs/images/report-xixiu-figures.png --section reported --size 1200x900
	$(VENV)/bin/povsim report results/xixiu --screenshot docs/images/report-xixiu-plots.png --section plots --size 1200x1000
	$(PY) -c "from povsim.reporting.results import Results; Results.read('results/xixiu').summary().to_csv('docs/images/report-xixiu.csv', index=False)"

# pytest's progress per file (each file's name, then a dot per test and the share done so far),
# the ten slowest tests, and at the end how long the suite took
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -o addopts= --durations=10

# the suite without the end-to-end runs marked slow
test-fast: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -m "not slow"

# every command of the README, docs/*.md and notebooks/README.md exactly as written, in document
# order, as a reader would type them: in a fresh clone of this checkout's last commit with its own
# environment (tests/test_documented_commands.py with POVSIM_GUIDES=written; estimated at 2 hours on 2
# cores, most of it the calibrations). Each command's exit status and wall time go to
# results/guides.csv, what it printed to results/guides-logs/, and what the commands changed in
# the clone's tracked files (make calibration rewrites the scenarios, the ODD and
# docs/calibration.md) to results/guides-changes.txt.
GUIDES := results/guides-clone
guides:
	rm -rf $(GUIDES) && git clone --quiet . $(GUIDES)
	cd $(GUIDES) && make setup PYTHON=$(PYTHON) && POVSIM_GUIDES=written .venv/bin/python -m pytest -o addopts= \
	  -p no:cacheprovider --durations=0 -rs tests/test_documented_commands.py \
	  -k documented_command_runs; s=$$?; \
	  rm -rf ../guides-logs; cp -r results/guides.csv results/guides-logs ../; \
	  git diff --stat > ../guides-changes.txt; exit $$s

# JupyterLab on the notebooks, with the notebooks extra installed into the same environment
NB_STAMP := $(VENV)/.povsim-notebooks
$(NB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,calibrate,notebooks]'
	touch $(NB_STAMP)

# (Jupyter refuses to start as root, e.g. in a container, without --allow-root)
notebooks: $(NB_STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)
	$(PY) -m benchmarks

# The calibration of the bundled scenarios (issues 15, 27): the joint staged fit of the five cases
# (screening, history matching, a neural posterior), one fit per left-out case (reusing the
# joint fit's screening runs and shares: the same per case; two waves and 1,024 training runs),
# then the posterior medians into
# scenarios/*.yaml and docs/calibration.md. WORKERS=16 (or more) where there are more cores.
WORKERS ?= 2
POSTERIORS := calibration/posteriors
calibration: $(STAMP)
	$(VENV)/bin/povsim calibrate all --workers $(WORKERS) --draws 200 --out $(POSTERIORS)/all --quiet
	for c in yushu xixiu jiangkou sanba zhenbao; do \
	  mkdir -p $(POSTERIORS)/all-but-$$c/stages && \
	  cp $(POSTERIORS)/all/stages/screening-*.npz $(POSTERIORS)/all/stages/shares-*.csv \
	    $(POSTERIORS)/all-but-$$c/stages/ && \
	  $(VENV)/bin/povsim calibrate all --leave-out $$c --waves 2 --training-runs 1024 \
	    --draws 100 --workers $(WORKERS) --no-plots --quiet --out $(POSTERIORS)/all-but-$$c \
	    || exit 1; \
	done
	$(PY) -m povsim.calibration.publish --apply $(POSTERIORS)/all --doc docs/calibration.md
	$(PY) -m povsim.schema.paramdoc --write docs/ODD.md

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# also numba's cache of the compiled kernels (sim/__pycache__/*.nbi, *.nbc): a stale one, e.g.
# written under another module name, stops the next run until it is gone
clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .hypothesis *.egg-info
	find sim agents -path '*/__pycache__/*.nb[ic]' -delete
