# Two commands: `make app` (set up, build, open the map) and `make test` (set up, run every test).
# Set-up is idempotent: a venv in .venv with mapapp and its dependencies from PyPI, the map's browser
# libraries from npm into js/node_modules; for the tests,
# also Debian's chromium and fonts-noto-cjk (the browser tests and screenshots need them).
VENV   ?= .venv
PYTHON ?= python3
CORPUS ?= $(firstword $(wildcard ../shared/corpus))
PORT   ?=
STAMP  := $(VENV)/.installed
JS_STAMP := js/node_modules/.installed

.PHONY: setup system-deps test lint fuzz app bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The map's browser libraries (protomaps-leaflet for the vector tile layer) from the npm registry,
# pinned by js/package-lock.json, into js/node_modules (not in git); the app serves them locally.
$(JS_STAMP): js/package.json js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd js && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
	  echo "note: npm (Node.js) is not installed, so the vector-tile layer for builds over MAPAPP_TILES_ABOVE features is" >&2; \
	  echo "      not available (smaller builds, such as the embedded data, do not need it): apt-get install nodejs npm" >&2; \
	fi

setup: $(STAMP) $(JS_STAMP)

system-deps:
	bash scripts/install-system-deps.sh

test: system-deps setup lint
	$(VENV)/bin/python -m pytest -q -rs

lint: setup
	$(VENV)/bin/ruff check .

# The long fuzz profile: >= 5,000 generated cases per input class (about an hour on 2 cores).
fuzz: setup
	$(VENV)/bin/python bench/fuzz_long.py

app: setup
	$(VENV)/bin/mapapp app $(if $(CORPUS),--corpus $(CORPUS)) $(if $(PORT),--port $(PORT))

bench: setup system-deps
	$(VENV)/bin/python bench/run_all.py

clean:
	rm -rf build test-artifacts .pytest_cache
