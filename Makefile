# The two commands the README starts with.

.PHONY: run test build lint

run:
	go run ./cmd/parley serve --demo

# The whole suite: formatting, vet, then every Go test (SQLite always;
# PostgreSQL at 127.0.0.1:5432 or PARLEY_TEST_POSTGRES_DSN; node-zendesk
# through npm). With CI=true nothing may skip.
test:
	@unformatted="$$(gofmt -l cmd internal migrations)"; if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	@if [ "$$CI" = "true" ]; then go tool templ generate >/dev/null && git diff --exit-code --stat -- '*_templ.go' || { echo "generated templ files are stale: run go tool templ generate and commit"; exit 1; }; fi
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; else echo "npm not found: node-zendesk and browser tests will skip (CI fails them)"; fi
	go test -count=1 -timeout 20m ./...

build:
	CGO_ENABLED=0 go build -o parley ./cmd/parley
