// Package mask holds benchmarks that compare Hayate's WebSocket masking
// (RFC 6455 §5.3) with the masking of the other Go WebSocket libraries and
// with a plain copy of the same number of bytes (the memory-bandwidth
// reference).
//
// Every contender masks a whole payload in place, starting at key octet 0.
// Libraries run one after another within each size, in an order rotated by the
// BENCH_ROTATE environment variable, so that several invocations interleave
// them. `make -C bench peers` runs them; by hand:
//
//	for i in 0 1 2 3 4 5; do BENCH_ROTATE=$i go test -run '^$' -bench . -benchmem ./mask/; done > /tmp/mask.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /lib /tmp/mask.txt
package mask
