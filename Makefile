# Two commands for a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup demo demo-reset worker beat lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The demo loads once (about a minute); later runs check it is current in a second or two and skip the load.
demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	@if $(BIN)/python manage.py demo --check; then echo "Skipping the demo load (make demo-reset loads it again)."; \
	else \
		$(BIN)/python manage.py demo && \
		$(BIN)/python manage.py load_seed_benchmarks && \
		$(BIN)/python manage.py rebuild_market_ranges && \
		$(BIN)/python manage.py check_benchmarks && \
		$(BIN)/python manage.py publish_reports; \
	fi
	$(BIN)/python manage.py ensure_admin

demo-reset: $(STAMP)
	rm -f db.sqlite3
	$(MAKE) demo

run: demo
	@echo ""
	@echo "  Jobs:      http://$(HOST):$(PORT)/ (search, job pages, feeds at /jobs/feed/rss/)"
	@echo "  API:       http://$(HOST):$(PORT)/api/v1/"
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/"
	@echo "  Admin:     http://$(HOST):$(PORT)/admin/"
	@echo "  Reports:   http://$(HOST):$(PORT)/api/v1/reports/?public=true (each with its page at /reports/<id>/)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(STAMP)
	$(BIN)/celery -A config worker -Q $$($(BIN)/python manage.py recompute_queues),imports,reports,celery -l info

beat: $(STAMP)
	$(BIN)/celery -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
