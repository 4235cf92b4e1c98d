// Package mask holds benchmarks that compare Hayate's WebSocket masking
// (RFC 6455 §5.3) with the masking of other Go WebSocket libraries and with
// a plain copy of the same number of bytes.
//
// Run them with
//
//	go test -run '^$' -bench . -benchmem -count 10 ./mask/ > /tmp/mask.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /lib /tmp/mask.txt
package mask
