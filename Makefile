# Okmot developer tasks. Needs only Python 3.11+ (and, for `make test`, Debian's apt for PostgreSQL).
#   make test     run the fast test suite (what CI runs)
#   make run      open the app on the built-in demo database

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp

# Translation catalogs: each data/locale/<lang>/LC_MESSAGES/okmot.po compiles to the .mo beside it.
PO_FILES := $(wildcard data/locale/*/LC_MESSAGES/okmot.po)
MO_FILES := $(PO_FILES:.po=.mo)

# Where Debian puts the PostgreSQL server binaries (initdb, pg_ctl); the test fixture looks there too.
PG_BIN_GLOB := /usr/lib/postgresql/*/bin

.PHONY: venv translations catalogs postgres test run bench bench-quick clean distclean
.SUFFIXES:

# venv: the virtualenv with Okmot (editable) and the dev tools; rebuilt when pyproject.toml changes.
venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/pip install -e '.[dev]'
	touch $@

# translations: compile each .po catalog into its .mo, only when the .po is newer.
translations: $(MO_FILES)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile --domain=okmot --input-file=$< --output-file=$@

# catalogs: re-extract the strings into data/locale/okmot.pot and merge them into every .po
# (run after adding or changing user-facing strings, then translate what is new).
catalogs: $(STAMP)
	$(BIN)/pybabel extract --mapping=babel.cfg --keywords=N_ --no-location --sort-output \
	    --project=Okmot --msgid-bugs-address=- --copyright-holder=Okmot --output-file=data/locale/okmot.pot .
	for lang in ky ru; do \
	    if [ -f data/locale/$$lang/LC_MESSAGES/okmot.po ]; then \
	        $(BIN)/pybabel update --domain=okmot --input-file=data/locale/okmot.pot --output-dir=data/locale \
	            --locale=$$lang --no-fuzzy-matching --ignore-obsolete; \
	    else \
	        $(BIN)/pybabel init --domain=okmot --input-file=data/locale/okmot.pot --output-dir=data/locale --locale=$$lang; \
	    fi; \
	done

# postgres: make sure PostgreSQL server binaries are installed (the tests start their own throwaway server).
postgres:
	@for d in $(PG_BIN_GLOB); do \
	    if [ -x "$$d/initdb" ] && [ -x "$$d/pg_ctl" ]; then echo "PostgreSQL found in $$d"; exit 0; fi; \
	done; \
	echo "PostgreSQL server binaries not found under $(PG_BIN_GLOB); installing the 'postgresql' package"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "ERROR: apt-get is not available; install the PostgreSQL server (initdb, pg_ctl) by hand." >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	else echo "ERROR: not root and sudo is missing; run as root: apt-get install postgresql" >&2; exit 1; fi; \
	$$SUDO apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql && \
	for d in $(PG_BIN_GLOB); do \
	    if [ -x "$$d/initdb" ] && [ -x "$$d/pg_ctl" ]; then echo "PostgreSQL installed in $$d"; exit 0; fi; \
	done; \
	echo "ERROR: the 'postgresql' package is installed but initdb/pg_ctl are still missing" >&2; exit 1

# test: the fast suite on two processes (scale tests marked `slow` are left to `make bench`).
test: venv translations postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m "not slow" -n 2

# run: start the app on the built-in demo database (created on first use).
run: venv translations
	$(BIN)/python main.py --demo

# bench: the household-book timings on a 10 000-household village, the scale tests (marked `slow`),
# and the crash test killing a writer 100 times.
bench: venv translations postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.foundation --households 10000
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m slow
	OKMOT_CRASH_ROUNDS=100 $(BIN)/pytest -q tests/test_durability.py

# bench-quick: the same timings on a 2 000-household village (under a minute; no scale tests).
bench-quick: venv translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.foundation --households 2000

# clean: remove generated files (compiled catalogs, caches, build output); keeps the virtualenv.
clean:
	rm -f $(MO_FILES)
	rm -rf .pytest_cache .hypothesis build dist *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# distclean: clean, and remove the virtualenv too.
distclean: clean
	rm -rf $(VENV)
