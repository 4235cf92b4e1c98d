# Hayate: development targets. Run `make help` for the list.
#
# Go commands here cover the main module only: bench/ and interop/ are modules of their
# own (their own go.mod), which ./... does not descend into.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Budget for each fuzz target in `make fuzz`.
FUZZTIME ?= 20s
# Extra flags for the go test runs of `make test`, such as -v or -run.
TESTFLAGS ?=
# A previous bench.txt to compare with in `make bench`, such as BENCH_OLD=old.txt.
BENCH_OLD ?=

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

# The Go files of this module: everything except testdata/, hidden folders and folders
# that hold a module of their own.
GOFILES_CMD := find . \( -name testdata -o -name ".?*" -o \( -type d ! -path . -exec test -e "{}/go.mod" \; \) \) -prune -o -name "*.go" -print

.PHONY: help test vet staticcheck fmt-check unit purego fuzz bench autobahn autobahn-full interop bench-peers demo

help:
	@echo 'make test         vet, staticcheck, gofmt check, tests with -race and with -tags purego'
	@echo 'make fuzz         every fuzz target of the module, FUZZTIME each (now $(FUZZTIME))'
	@echo 'make bench        benchmarks of the package into bench.txt, summarised by benchstat'
	@echo 'make autobahn     Autobahn conformance run (autobahn/run.sh): 1-10 and a subset of 12-13, about 2 min'
	@echo 'make autobahn-full  every Autobahn case, all of 12-13, both roles at once: about 15 min'
	@echo 'make interop      interoperability matrix (interop/run.sh)'
	@echo 'make bench-peers  benchmarks against other Go WebSocket libraries (bench/)'
	@echo 'make demo         the echo server of examples/echo on http://127.0.0.1:8080'

test: vet staticcheck fmt-check unit purego

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

# Fuzz targets are found with go test -list, package by package, so new ones are picked
# up without editing this file. go test -fuzz takes one target of one package at a time.
fuzz:
	@for pkg in $$(go list ./...); do \
		list=$$(go test -list '^Fuzz' "$$pkg"); \
		for target in $$(grep '^Fuzz' <<<"$$list" || true); do \
			echo "== fuzz $$pkg $$target for $(FUZZTIME)"; \
			go test -run '^$$' -fuzz "^$$target\$$" -fuzztime '$(FUZZTIME)' "$$pkg"; \
		done; \
	done

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
