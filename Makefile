# billing-events: the commands a newcomer and CI need.
#   make run    start the service on SQLite (data/billing-events.db), port 8080, with
#               the development profile (no API keys; it warns at start-up)
#   make test   every test; the PostgreSQL suites run when a server answers on
#               127.0.0.1:5432 (or BILLING_TEST_POSTGRES_URL), and always with
#               BILLING_TEST_POSTGRES=required, where a missing server fails the run
#   make lint   rustfmt check (and no line over 100 characters, which rustfmt would
#               silently leave unformatted), clippy with warnings as errors, layering
#               (crate dependencies, and no import circle across folders), the systemd
#               unit's hardening (systemd-analyze), the alerting rules (promtool check
#               and unit tests), the docs' references (every results
#               file, path and Rust item a doc names exists), and cargo deny (licenses,
#               bans, sources; advisories need the internet)
#   make bench  the service against each database's own ceiling (a few minutes)
#   make bench-hostile  what one hostile request costs the service (about a minute)
#   make bench-growth  the cost of posts, pages and summaries as each backend fills to
#               ten million events (GROWTH_STEPS sets the sizes; not in CI)
#   make bench-verify  what `billing-events verify` and SQLite's check at start cost at
#               ten million events (VERIFY_EVENTS sets the size; about 15 minutes)
#   make contract  schemathesis against the release binary's own OpenAPI document, on
#               SQLite and PostgreSQL, keys on (installs schemathesis into target/); then
#               a Python and a TypeScript client generated from /openapi/generators.json
#               run a scenario as generated (installs the generators into target/)
#   make cluster  three etcd, three PostgreSQL under Patroni, HAProxy and three service
#               replicas on loopback (installs them from Debian); prints the service URL,
#               a Patroni URL and a key for client acme. make cluster-down stops it all
#   make drills the failover drills against a fresh cluster (about three minutes)
#   make interop  a .NET client (Mono from Debian: HttpClient, DataContractSerializer)
#               against the release binary, on SQLite and PostgreSQL
#   make fuzz   every fuzz target for FUZZ_SECONDS (default 30) each; an input slower
#               than FUZZ_INPUT_SECONDS (default 1) counts as a finding

CARGO ?= cargo
PG_FEATURES := --features infra-diesel/postgres-tests,black-box-tests/postgres-tests,api-actix/postgres-tests,billing-events-client/postgres-tests,black-box-tests/root-tests

.PHONY: run test lint fmt layering bench bench-growth bench-hostile bench-verify fuzz contract cluster cluster-down drills interop

run:
	BILLING_ENV=development $(CARGO) run --release -p api-actix --bin billing-events

test:
	./scripts/test

lint: layering
	./scripts/check-unit
	$(CARGO) fmt --all -- --check
	./scripts/check-line-width
	./scripts/check-docs
	./scripts/check-alerts
	$(CARGO) clippy --workspace --all-targets $(PG_FEATURES) -- -D warnings
	@command -v cargo-deny >/dev/null || { echo ">> installing cargo-deny"; $(CARGO) install --locked cargo-deny; }
	$(CARGO) deny check licenses bans sources

bench:
	./bench/run

bench-growth:
	./bench/growth

bench-hostile:
	./bench/hostile

bench-verify:
	./bench/verify-cost

fuzz:
	./scripts/fuzz

contract:
	./scripts/contract
	./scripts/generated-clients

cluster:
	./scripts/ha-install
	$(CARGO) build --release -p api-actix --bin billing-events
	./scripts/cluster up

cluster-down:
	./scripts/cluster down

drills:
	./scripts/drills

interop:
	./tests/dotnet/run

fmt:
	$(CARGO) fmt --all

# The layers point inward: domain stays pure, app knows no adapter, and in api-actix
# only the start-up wiring knows which database adapter it runs on.
layering:
	@status=0; for pair in domain:diesel domain:actix-web domain:tokio domain:diesel_migrations \
	                       app:diesel app:actix-web app:libsqlite3-sys app:pq-sys \
	                       billing-events-client:actix-web billing-events-client:diesel; do \
		pkg=$${pair%%:*}; dep=$${pair##*:}; \
		if [ -n "$$($(CARGO) tree -q -p $$pkg -e normal -i $$dep 2>/dev/null)" ]; then \
			echo "layering: $$pkg must not depend on $$dep"; status=1; fi; \
	done; \
	wiring=$$(grep -rlw infra_diesel crates/api-actix/src | grep -vE '/(startup|cli|settings)\.rs$$'); \
	if [ -n "$$wiring" ]; then \
		echo "layering: only the start-up wiring (startup.rs, cli.rs, settings.rs) may name infra-diesel: $$wiring"; status=1; fi; \
	./scripts/check-import-circles crates/*/src || status=1; \
	exit $$status
