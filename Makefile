# The two commands a newcomer needs: `make run` and `make test`. Everything else is here
# so that those two work on a fresh machine (venv, packages, front-end assets, messages).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Optional local settings (see .env.example). A value in .env wins over the same variable
# in the environment (GNU make); `make -e …` lets the environment win.
-include .env
export

.PHONY: run https test fuzz setup deps deps-bench assets icons messages migrate seed bench lint format clean

run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: setup seed ## Set everything up, then serve the app and its task worker.
	@echo "→ http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the worker)"
	-@DEBUG=$${DEBUG:-1} $(PY) manage.py requeue_stale_jobs
	@DEBUG=$${DEBUG:-1} $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

# Certificate QR codes printed at a venue lead to this server unless PUBLIC_BASE_URL says otherwise.
https: export PUBLIC_BASE_URL ?= https://$(firstword $(shell hostname -I 2>/dev/null) localhost):8443
https: setup seed ## Serve over https on the LAN (port 8443) for phones at a venue; see README.
	./deploy/venue-cert.sh
	-@DEBUG=$${DEBUG:-1} $(PY) manage.py requeue_stale_jobs
	@DEBUG=$${DEBUG:-1} $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-*} $(VENV)/bin/gunicorn config.wsgi --bind 0.0.0.0:8443 \
	  --certfile certs/server.crt --keyfile certs/server.key --workers 2 --threads 4 --access-logfile -

.PHONY: worker
# First the jobs a killed worker left behind are queued again (docs/deployment.md); its
# failure ("-") never keeps the worker from starting. No DEBUG default: a production target.
worker: ## Run the task worker alone: rqworker with TASKS_BACKEND=django_tasks_rq.RQBackend, else db_worker.
	-@$(PY) manage.py requeue_stale_jobs
	@case "$${TASKS_BACKEND:-}" in \
	  *RQBackend) exec $(PY) manage.py rqworker default ;; \
	  *) exec $(PY) manage.py db_worker ;; \
	esac

# The storage tests need an S3-compatible server: unless S3_TEST_ENDPOINT names one, an
# in-memory moto server is started on a free loopback port for the run (tests/storage/).
test: deps assets messages ## Run every test (browser tests included when Chromium is present).
	@if [ -n "$${S3_TEST_ENDPOINT:-}" ]; then exec $(PY) -m pytest $(PYTEST_ARGS); fi; \
	port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(VENV)/bin/moto_server -H 127.0.0.1 -p $$port >/dev/null 2>&1 & moto=$$!; \
	trap 'kill $$moto 2>/dev/null; wait $$moto 2>/dev/null' EXIT INT TERM; \
	S3_TEST_ENDPOINT=http://127.0.0.1:$$port $(PY) -m pytest $(PYTEST_ARGS)

# The test suite replays the API fuzz test's recorded examples and a fixed-seed sample, so it
# never fails by chance; this is the random exploration (a new seed each run), which records
# any failure in tests/api/fuzz_examples/ for the suite to replay. FUZZ_EXAMPLES per operation.
FUZZ_EXAMPLES ?= 300
fuzz: deps assets messages ## Random exploration: the JSON API (schemathesis) and the property tests (hypothesis).
	API_FUZZ=1 API_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -p no:cacheprovider tests/api/test_openapi_fuzz.py $(PYTEST_ARGS)
	HYPOTHESIS_PROFILE=explore FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -p no:cacheprovider tests/attendees/test_import_properties.py tests/courses/test_vietnamese_properties.py $(PYTEST_ARGS)

bench: deps-bench assets messages ## Performance benchmarks, reported as ratios against a floor.
	$(PY) -m bench

lint: ## ruff, and the import layers (.importlinter; see the README's architecture map).
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

setup: deps assets messages migrate

deps: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The load test's locust (and its gevent stack) only for `make bench`: the test set
# stays without it. Installed into the same .venv, on top of requirements-dev.txt.
deps-bench: $(VENV)/.installed-bench
$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

assets: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# static/icons/ is committed: run this only after using an icon it lacks (tests/courses/test_icons.py says so).
icons: deps assets ## Rebuild the icon font: the Bootstrap Icons the templates, scripts and views use.
	DEBUG=1 $(PY) manage.py subset_icons

messages: deps
	DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules

migrate: deps
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
