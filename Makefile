# JakCCTV. `make demo` serves the portal with demo data; `make test` runs every test.
# Both install what they need first (Python venv, npm packages, compiled translations).

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PO := $(wildcard jakcctv/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

# Two `make test` may run at once (CI runs one per database): they install one after the other.
LOCK := $(shell command -v flock >/dev/null 2>&1 && echo flock .install.lock)

.PHONY: install installed test-tools demo test lint format bench messages lock clean

install:
	@$(LOCK) $(MAKE) --no-print-directory installed

installed: $(VENV)/.installed node_modules/.installed $(MO)

# The programs the tests need from the machine (Chromium, Caddy): found, or installed.
test-tools: install
	@$(LOCK) $(PY) -m tests.provision

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || { python=$$(tools/find-python.sh) && echo "Using $$python" && $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

jakcctv/locale/%/LC_MESSAGES/django.mo: jakcctv/locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

demo: install
	PORT=$(PORT) tools/demo.sh

test: install test-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) -m pytest -n 4 --dist loadscope

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the translation catalogues after changing user-facing strings.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l id -l en --no-obsolete -i .venv -i node_modules -i tests -i bench

# Benchmarks print figures (see each script's docstring for its targets); they assert nothing.
BENCHES := bench/areas.py bench/stream_gate.py bench/import_cameras.py bench/api.py bench/alerts.py bench/import_people.py bench/trail.py bench/reports.py bench/recordings.py bench/recordings_clip.py bench/footage_requests.py bench/maintenance.py bench/push.py bench/phone.py

bench: install
	@for script in $(BENCHES); do echo "== $$script"; DEBUG=1 $(PY) $$script || exit 1; done

# Pin every Python package anew: the newest releases pyproject.toml's ranges allow, in a
# scratch venv. Run the tests before committing the new constraints.txt.
lock:
	rm -rf .lock-venv
	$$(tools/find-python.sh) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules staticfiles .install.lock
