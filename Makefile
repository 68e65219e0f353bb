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

.PHONY: venv translations catalogs postgres zbar libreoffice test run bench bench-quick clean distclean dist dist-selftest installer-check help-screenshots
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

# zbar: the zbarimg QR decoder the certificate tests read printed QR codes with (Debian's zbar-tools).
zbar:
	@if command -v zbarimg >/dev/null 2>&1; then echo "zbarimg found"; exit 0; fi; \
	echo "zbarimg not found; installing the 'zbar-tools' package"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "ERROR: apt-get is not available; install zbar-tools (zbarimg) by hand." >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	else echo "ERROR: not root and sudo is missing; run as root: apt-get install zbar-tools" >&2; exit 1; fi; \
	$$SUDO apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends zbar-tools && \
	command -v zbarimg >/dev/null 2>&1 || { echo "ERROR: zbar-tools is installed but zbarimg is missing" >&2; exit 1; }

# libreoffice: LibreOffice Calc, which the report tests use to open every workbook (Debian's libreoffice-calc).
libreoffice:
	@if command -v libreoffice >/dev/null 2>&1 || command -v soffice >/dev/null 2>&1; then echo "LibreOffice found"; exit 0; fi; \
	echo "LibreOffice not found; installing the 'libreoffice-calc' package"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "ERROR: apt-get is not available; install LibreOffice Calc by hand." >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	else echo "ERROR: not root and sudo is missing; run as root: apt-get install libreoffice-calc" >&2; exit 1; fi; \
	$$SUDO apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-calc && \
	{ command -v libreoffice >/dev/null 2>&1 || command -v soffice >/dev/null 2>&1; } || \
	    { echo "ERROR: libreoffice-calc is installed but libreoffice/soffice is missing" >&2; exit 1; }

# test: the fast suite on two processes (scale tests marked `slow` are left to `make bench`).
test: venv translations postgres zbar libreoffice
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m "not slow" -n 2

# run: start the app on the built-in demo database (created on first use).
run: venv translations
	$(BIN)/python main.py --demo

# bench: the timings against their targets (docs/performance.md) on a 10 000-household village and a
# 20×5 000 district on PostgreSQL, JSON in bench/results/; then the scale tests (marked `slow`) and the
# crash test killing a writer 100 times. BENCH_FLAGS=--strict fails on a missed target.
bench: venv translations postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.run $(BENCH_FLAGS)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m slow
	OKMOT_CRASH_ROUNDS=100 $(BIN)/pytest -q tests/test_durability.py

# bench-quick: the same code paths on a 1 000-household village and a 3×500 district on SQLite (under a
# minute; misses are printed, never fatal: CI runs it to catch crashes and regressions by eye).
bench-quick: venv translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.run --quick

# dist: the frozen one-folder build in dist/okmot/ (PyInstaller, installer/okmot.spec; this OS only).
dist: venv translations
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller installer/okmot.spec

# dist-selftest: run the frozen build's self-test (database, certificate PDF, XLSX, Qt, help) with no
# display and a throwaway data folder, then the same build in portable mode (marker file beside it).
dist-selftest: dist
	OKMOT_FROZEN_DIST=dist/okmot QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m slow tests/test_frozen_build.py

# help-screenshots: retake the user guide's screenshots (data/help/img) from the real windows.
help-screenshots: venv translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots --help-images data/help/img

# installer-check: compile installer/okmot.nsi with Debian's makensis (installed when missing) against
# a stub of the Windows build folder: checks the script, not the Windows build itself.
installer-check:
	@if ! command -v makensis >/dev/null 2>&1; then \
	    echo "makensis not found; installing the 'nsis' package"; \
	    if ! command -v apt-get >/dev/null 2>&1; then \
	        echo "ERROR: apt-get is not available; install NSIS (makensis) by hand." >&2; exit 1; \
	    fi; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	    elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	    else echo "ERROR: not root and sudo is missing; run as root: apt-get install nsis" >&2; exit 1; fi; \
	    $$SUDO apt-get update && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nsis; \
	fi
	rm -rf build/nsis-stub && mkdir -p build/nsis-stub/_internal
	printf 'stub\n' > build/nsis-stub/okmot.exe
	printf 'stub\n' > build/nsis-stub/okmot-console.exe
	printf 'stub\n' > build/nsis-stub/_internal/base_library.zip
	makensis -V2 -WX -DDIST_DIR=$(CURDIR)/build/nsis-stub -DOUT_FILE=$(CURDIR)/build/okmot-setup-check.exe installer/okmot.nsi

# clean: remove generated files (compiled catalogs, caches, build output); keeps the virtualenv.
clean:
	rm -f $(MO_FILES)
	rm -rf .pytest_cache .hypothesis build dist *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# distclean: clean, and remove the virtualenv too.
distclean: clean
	rm -rf $(VENV)
