package websocket

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain runs the package's tests and then checks that they left no goroutine
// behind: every Conn a test makes must be closed, and every goroutine a Conn or a
// test starts must end with it.
func TestMain(m *testing.M) {
	baseline := runtime.NumGoroutine()
	before := goroutineIDs()
	code := m.Run()
	if leaked := waitForLeaks(baseline, before, 5*time.Second); leaked != "" {
		fmt.Fprintf(os.Stderr, "goroutines still running after the tests:\n\n%s\n", leaked)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// ignoredGoroutines are frames of goroutines that belong to the testing framework, the
// fuzzing engine or the runtime rather than to a test, and may outlive m.Run.
var ignoredGoroutines = []string{
	"testing.(*M).",
	"testing.(*F).",
	"testing.runFuzzing",
	"internal/fuzz.",
	"net/http.(*persistConn).", // idle keep-alive connections of http.DefaultTransport
	"net/http.(*Transport).dialConnFor",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime/trace.",
}

// waitForLeaks polls, for at most d, until the number of goroutines is back to baseline
// or every goroutine left is the caller's, one of before (running when the tests
// started) or an ignored one. It returns the stacks of the others still running then,
// or "" if none. Goroutines that are ending, such as a reader that has just seen its
// connection close, get the time they need.
func waitForLeaks(baseline int, before map[string]bool, d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		if runtime.NumGoroutine() <= baseline {
			return ""
		}
		leaked := leakedGoroutines(before)
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leakedGoroutines returns the stacks of the running goroutines that are not the
// caller's, not in before and not ignored.
func leakedGoroutines(before map[string]bool) []string {
	var leaked []string
	for i, g := range goroutineStacks() {
		if i == 0 || before[goroutineID(g)] || isIgnoredGoroutine(g) {
			continue
		}
		leaked = append(leaked, g)
	}
	return leaked
}

// goroutineIDs returns the IDs of the running goroutines.
func goroutineIDs() map[string]bool {
	ids := make(map[string]bool)
	for _, g := range goroutineStacks() {
		ids[goroutineID(g)] = true
	}
	return ids
}

// goroutineID returns the ID in the first line of a stack ("goroutine 7 [running]:").
func goroutineID(stack string) string {
	s := strings.TrimPrefix(stack, "goroutine ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return ""
}

// goroutineStacks returns the stacks of all goroutines, the caller's first.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var stacks []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if len(bytes.TrimSpace(g)) > 0 {
			stacks = append(stacks, string(g))
		}
	}
	return stacks
}

func isIgnoredGoroutine(stack string) bool {
	for _, frame := range ignoredGoroutines {
		if strings.Contains(stack, frame) {
			return true
		}
	}
	return false
}
