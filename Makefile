# Hayate: development targets. Run `make help` for the list.
#
# Go commands here cover the main module only: bench/ and interop/ are modules of their
# own (their own go.mod), which ./... does not descend into.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Budget for each fuzz target in `make fuzz`.
FUZZTIME ?= 20s
# Budget for each fuzz target in `make fuzz-smoke`, which `make test` runs.
FUZZSMOKE ?= 4s
# Extra flags for the go test -fuzz runs of `make fuzz` and `make fuzz-smoke`, such as
# -parallel=1 on a shared machine (the default is one worker per CPU).
FUZZFLAGS ?=
# Extra flags for the go test runs of `make test`, such as -v or -run.
TESTFLAGS ?=
# A previous bench.txt to compare with in `make bench`, such as BENCH_OLD=old.txt.
BENCH_OLD ?=

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

# The Go files of this module: everything except testdata/, hidden folders and folders
# that hold a module of their own.
GOFILES_CMD := find . \( -name testdata -o -name ".?*" -o \( -type d ! -path . -exec test -e "{}/go.mod" \; \) \) -prune -o -name "*.go" -print

.PHONY: help test vet staticcheck fmt-check unit purego fuzz fuzz-smoke bench autobahn autobahn-full interop bench-peers demo

help:
	@echo 'make test         vet, staticcheck, gofmt check, tests with -race and with -tags purego, fuzz-smoke'
	@echo 'make fuzz         every fuzz target of the module, FUZZTIME each (now $(FUZZTIME))'
	@echo 'make fuzz-smoke   every fuzz target of the module from its corpus, FUZZSMOKE each (now $(FUZZSMOKE))'
	@echo 'make bench        benchmarks of the package into bench.txt, summarised by benchstat'
	@echo 'make autobahn     Autobahn conformance run (autobahn/run.sh): 1-10 and a subset of 12-13, about 2 min'
	@echo 'make autobahn-full  every Autobahn case, all of 12-13, both roles at once: about 15 min'
	@echo 'make interop      interoperability matrix (interop/run.sh)'
	@echo 'make bench-peers  benchmarks against other Go WebSocket libraries (bench/)'
	@echo 'make demo         the echo server of examples/echo on http://127.0.0.1:8080'

test: vet staticcheck fmt-check unit purego fuzz-smoke

vet:
	go vet ./...

staticcheck:
	go run $(STATICCHECK) ./...

fmt-check:
	@files=$$(gofmt -l $$($(GOFILES_CMD))); \
	if [ -n "$$files" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$files"; \
		exit 1; \
	fi; \
	echo "gofmt: ok"

unit:
	go test -race -count=1 $(TESTFLAGS) ./...

purego:
	go test -tags purego -count=1 $(TESTFLAGS) ./...

# Fuzz targets are found with go test -list over the whole module (the names a package
# lists come before its "ok" line), so new ones are picked up without editing this file.
# go test -fuzz takes one target of one package at a time. Each run starts from the
# target's corpus in testdata/fuzz/<Target>/ and keeps what it finds in the build cache
# (the fuzz folder of `go env GOCACHE`), not in the repository; only a failing input is
# written to testdata/fuzz/<Target>/, to be committed with its fix. Every target runs, and
# the recipe fails at the end if any of them failed.
#
# Go 1.26's fuzzing coordinator can fail a run that found nothing with a bare "context
# deadline exceeded" when -fuzztime ends while a worker is busy (go.dev/issue/75804,
# fixed in Go 1.27). Such a run, with no failing input written and no other failure in
# its output, is reported as a warning rather than a failure.
define fuzz_all
	@list=$$(go test -list '^Fuzz' ./...); \
	targets=$$(awk '/^Fuzz/ { names[n++] = $$1; next } \
		/^ok[ \t]/ { for (i = 0; i < n; i++) print $$2, names[i] } { n = 0 }' <<<"$$list"); \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	failed=(); count=0; \
	while read -r pkg target; do \
		[ -n "$$target" ] || continue; \
		count=$$((count + 1)); \
		echo "== fuzz $$pkg $$target for $(1)"; \
		rc=0; \
		go test -run '^$$' -fuzz "^$$target\$$" -fuzztime '$(1)' $(FUZZFLAGS) "$$pkg" 2>&1 | tee "$$log" || rc=$$?; \
		if ((rc == 0)); then continue; fi; \
		if grep -qx '    context deadline exceeded' "$$log" && \
			! grep -qE 'Failing input written|failure while testing seed corpus|^panic:|^\s+\S+\.go:[0-9]+:' "$$log"; then \
			echo "!!! $$target: the fuzzing coordinator's deadline race (go.dev/issue/75804), not a failing input: ignored" >&2; \
			continue; \
		fi; \
		failed+=("$$pkg $$target"); \
	done <<<"$$targets"; \
	if ((count == 0)); then echo "fuzz: no fuzz targets found" >&2; exit 1; fi; \
	if (($${#failed[@]} > 0)); then \
		echo "fuzz: $${#failed[@]} of $$count targets FAILED:" >&2; \
		printf '  %s\n' "$${failed[@]}" >&2; \
		exit 1; \
	fi; \
	echo "fuzz: $$count targets ok"
endef

fuzz:
	$(call fuzz_all,$(FUZZTIME))

# fuzz-smoke is make fuzz on a budget that fits every make test: a few seconds per
# target replay the committed corpus and try some mutations of it.
fuzz-smoke:
	$(call fuzz_all,$(FUZZSMOKE))

bench:
	go test -run '^$$' -bench . -benchmem -count 6 . | tee bench.txt
	go run $(BENCHSTAT) $(BENCH_OLD) bench.txt

autobahn:
	bash autobahn/run.sh

autobahn-full:
	AUTOBAHN_FULL=1 AUTOBAHN_PARALLEL=1 bash autobahn/run.sh

interop:
	bash interop/run.sh

bench-peers:
	@if ! grep -qE '^peers[[:space:]]*:' bench/Makefile 2>/dev/null; then \
		echo "bench-peers: bench/Makefile has no 'peers' target yet (the peer benchmarks live in bench/, a module of their own)" >&2; \
		exit 1; \
	fi
	$(MAKE) -C bench peers

demo:
	go run ./examples/echo
