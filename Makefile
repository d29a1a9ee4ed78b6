# The commands a newcomer needs: `make demo` and `make test`. Nothing but Go
# is required; real-Redis tests run when redis-server is installed (and must
# run when REDIS_REQUIRED=1, as in CI), the Python interop tests when
# python3 with tornado and redis is (PYTHON_REQUIRED=1), the browser test
# when chromium is (BROWSER_REQUIRED=1).

GO          ?= go
# The race detector needs cgo (a C compiler); without one, test without it.
RACE        ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && echo -race)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 30s
BENCHCOUNT  ?= 8
BENCHTIME   ?= 1s
BENCHOUT    ?= benchmarks/results.txt
# Nested modules: integrations and tests with heavy dependencies of their
# own (gin, echo, chromedp), which never reach the library's go.mod.
MODULES     := ginstore examples/echo examples/demo/browsertest

.PHONY: test lint bench fuzz demo stress

## test: the whole suite with the race detector, against miniredis, a real Redis
## and a local Cluster, in the library and in every nested module
test:
	@[ -n "$(RACE)" ] || echo "note: no C compiler, so no race detector (apt-get install gcc to enable it)"
	$(GO) test $(RACE) -count=1 ./...
	@set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) test $(RACE) -count=1 ./...); done

## lint: go vet and staticcheck (library, nested modules, benchmarks), gofmt, tidy go.mod files
lint:
	$(GO) mod tidy -diff
	$(GO) vet -tags stress ./...
	$(GO) run $(STATICCHECK) -tags stress ./...
	@set -e; for m in $(MODULES) benchmarks; do echo "== $$m"; \
	  (cd $$m && $(GO) mod tidy -diff && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...); done
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: this project side by side with scs goredisstore/redisstore, boj/redistore
## v1 and v2 and rbcervilla/redisstore, on a redis-server the benchmark starts
## itself (plus what each command shape costs Redis, ServerCost); raw output in
## BENCHOUT, tables as in BENCHMARKS.md (which used BENCHCOUNT=6)
bench:
	cd benchmarks && REDIS_REQUIRED=1 $(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCHCOUNT) -benchtime=$(BENCHTIME) -timeout=0 . | tee ../$(BENCHOUT)
	cd benchmarks && $(GO) tool benchstat -filter '.name:/^SCS/' -col /store ../$(BENCHOUT)
	cd benchmarks && $(GO) tool benchstat -filter '.name:/^Gorilla/' -col /store ../$(BENCHOUT)
	cd benchmarks && $(GO) tool benchstat -filter '.name:FieldRead' -col /way ../$(BENCHOUT)
	cd benchmarks && $(GO) tool benchstat -filter '.name:ServerCost' -row /way -col .name ../$(BENCHOUT)

## fuzz: every fuzz target for FUZZTIME each (their seeds already run in make test)
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

STORE ?= scs

## demo: the example app on http://localhost:3000 (embedded miniredis; REDIS_URL=redis://... for a real server, STORE=gorilla)
demo:
	@$(GO) build -o bin/demo ./examples/demo
	@bin/demo -store $(STORE)

## stress: the long campaign: Redis killed and restarted, paused and starved of
## connections under load; 64 clients on the demo; then every fuzz target
stress:
	REDIS_REQUIRED=1 $(GO) test $(RACE) -count=1 -tags stress -timeout 20m -v -run 'TestRedis|TestConnection|TestDemoUnderLoad' ./internal/stress ./examples/demo
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)
