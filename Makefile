# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
E2E_STAMP := $(VENV)/.installed-e2e
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run init demo test test-postgres test-e2e test-disclosure test-outside-audit lint format lexicon bench bench-deid bench-review bench-trends bench-scale bench-pulse bench-floods bench-hidden clean

EXTRAS := test,dev,postgres,redis

# Exact versions from constraints.txt; the extras bring pytest, ruff, psycopg2 and redis.
$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

## Create (or upgrade) the instance: secrets, example taxonomy, schema, review keys.
init: $(STAMP)
	$(BIN)/reporting init

## Serve on http://127.0.0.1:5000 through gunicorn (set REPORTING_BIND to change).
run: init
	$(BIN)/gunicorn -c python:reporting.ops.gunicorn_conf wsgi:app

## Fill a fresh instance with a demo hospital, two years of synthetic reports and a login.
# A throwaway instance (REPORTING_INSTANCE_PATH=/tmp/demo) gets its own recovery key beside
# its folder (/tmp/demo-recovery-key.txt), so it never collides with the main instance's.
demo: $(STAMP)
	$(BIN)/reporting init $(if $(REPORTING_INSTANCE_PATH),--recovery-key-out "$(REPORTING_INSTANCE_PATH)-recovery-key.txt")
	$(BIN)/reporting demo

## The unit and integration suite (SQLite).
test: $(STAMP)
	$(BIN)/pytest -m "not postgres and not e2e"

## The storage tests again, on PostgreSQL (PG_TEST_URL).
test-postgres: $(STAMP)
	REPORTING_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -m postgres

## The long disclosure profile: the release property over EXAMPLES random hospitals (500).
test-disclosure: $(STAMP)
	DISCLOSURE_EXAMPLES=$${EXAMPLES:-500} $(BIN)/pytest -m "not postgres" -s tests/test_release_property.py

## The outside audit (every query the API allows, one LP) over SEEDS hospitals (0-199).
test-outside-audit: $(STAMP)
	OUTSIDE_AUDIT_SEEDS=$${SEEDS:-0-199} $(BIN)/pytest -m "not postgres" -s tests/test_outside_audit.py

## Browser tests: playwright drives Debian's chromium (/usr/bin/chromium; apt-get install chromium).
$(E2E_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS),e2e]'
	touch $(E2E_STAMP)

test-e2e: $(E2E_STAMP)
	$(BIN)/pytest -m e2e tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Rebuild the name model deid/data/lexicon.tsv.gz from the lexicon extra (30 s, 2.2 GB memory).
lexicon: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS),lexicon]'
	$(BIN)/python -m reporting.privacy.deid.lexicon_build

## Filing throughput against a bare endpoint (needs wrk; installs it with apt-get if missing).
bench: $(STAMP)
	$(BIN)/python bench/submit.py

## De-identification recall, kept clinical text and speed on the shipped corpus.
bench-deid: $(STAMP)
	$(BIN)/python bench/deid_corpus.py

## Floods: other addresses' filing latency (p99, goal < 100 ms) while one address floods.
bench-floods: $(STAMP)
	$(BIN)/pytest -q -s -m "not postgres" tests/test_floods.py -k "flood_from_one_address"

## Hidden share of each dashboard view on the demo's data (issue 13).
bench-hidden: $(STAMP)
	$(BIN)/python bench/hidden_share.py

## Pulse: 5,000 respondents' token exchange + submission with 2 processes, and the release.
bench-pulse: $(STAMP)
	$(BIN)/python bench/pulse.py

## Trends: release build time and memory, lookups under gunicorn against a raw GROUP BY.
bench-review: $(STAMP)
	$(BIN)/python bench/review.py

bench-trends: $(STAMP)
	$(BIN)/python bench/trends.py --sizes "$${SIZES:-100000,1000000}"

## Scale (PostgreSQL): filing with 1, 2, 4 workers and two instances; at 100k, 1M, 5M reports.
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --database-url $(PG_TEST_URL) --sizes "$${SIZES:-100000,1000000,5000000}"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
