package main

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hayate-ws/websocket/autobahn/internal/report"
)

// Case is one entry of the catalogue: the suite's id and description, what
// the testee must do (Expect and Close), and the runner's part (Play).
type Case struct {
	ID          string
	Desc        string
	Expectation string
	// Expect lists the acceptable event sequences with their outcome class,
	// OK first. Unused when Custom is set.
	Expect []expectation
	// Close is how the connection must end.
	Close closeExpect
	// Play sends the case's traffic and ends with session.finish.
	Play func(s *session)
	// Custom cases judge their own behavior (performance cases) through
	// session.setOutcome; the close is still judged against Close.
	Custom bool
	// Informational cases report INFORMATIONAL for behavior and close;
	// InfoResult, if set, explains which expected outcome was seen.
	Informational bool
	InfoResult    map[string]string
	// WrongCodeFails turns a WRONG CODE close into a FAILED behavior too
	// (the close-code cases of section 7).
	WrongCodeFails bool
	// Deflate is non-nil for compression cases: the permessage-deflate
	// parameter sets to offer (as client) or ask for (as server, first only).
	Deflate []pmdOffer
	// Timeout bounds the whole case; 0 means defaultCaseTimeout.
	Timeout time.Duration
	// NoWirelog turns the frame log off for bulk cases.
	NoWirelog bool
}

const (
	defaultCaseTimeout = 30 * time.Second
	settle             = time.Second            // the suite's killAfter/closeAfter delay
	octetPause         = 500 * time.Microsecond // between octet-wise chops
)

// catalogue returns every case, sorted by id.
func catalogue() []Case {
	var all []Case
	for _, section := range [][]Case{
		framingCases(), pingCases(), reservedBitCases(), opcodeCases(),
		fragmentationCases(), utf8Cases(), closeCases(), limitCases(),
		miscCases(), compressionCases(),
	} {
		all = append(all, section...)
	}
	slices.SortStableFunc(all, func(a, b Case) int { return report.CompareIDs(a.ID, b.ID) })
	return all
}

// splitPatterns splits a comma-separated list of case patterns.
func splitPatterns(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// selectCases keeps the cases matching any include pattern and no exclude
// pattern. Patterns are globs over case ids ("*", "6.4.*", "9.7.1"), as in
// the suite's "cases" and "exclude-cases" spec entries.
func selectCases(all []Case, include, exclude []string) ([]Case, error) {
	match := func(pats []string, id string) (bool, error) {
		for _, p := range pats {
			ok, err := path.Match(p, id)
			if err != nil {
				return false, fmt.Errorf("bad case pattern %q: %w", p, err)
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	}
	var out []Case
	for _, c := range all {
		in, err := match(include, c.ID)
		if err != nil {
			return nil, err
		}
		ex, err := match(exclude, c.ID)
		if err != nil {
			return nil, err
		}
		if in && !ex {
			out = append(out, c)
		}
	}
	return out, nil
}

// ---- helpers the section files share ----

func dataFrame(op byte, fin bool, payload []byte) frame {
	return frame{fin: fin, opcode: op, payload: payload}
}

func textFrame(s string) frame { return dataFrame(opText, true, []byte(s)) }

func pingFrame(p []byte) frame { return frame{fin: true, opcode: opPing, payload: p} }

func ok(events ...event) []expectation {
	return []expectation{{outcome: OK, events: events}}
}

// okOrNonStrict accepts events as OK and, NON-STRICT, a testee that failed
// the connection before producing any of them.
func okOrNonStrict(events ...event) []expectation {
	return []expectation{{outcome: OK, events: events}, {outcome: NonStrict, events: nil}}
}

func repeat(b byte, n int) []byte { return []byte(strings.Repeat(string([]byte{b}), n)) }

// pattern returns n bytes of a repeating ASCII pattern, so that a testee
// that shuffles or drops data does not echo an equal payload by accident.
func pattern(n int) []byte {
	const p = "BAsd7&jh23"
	b := make([]byte, n)
	for i := range b {
		b[i] = p[i%len(p)]
	}
	return b
}

// binPattern returns n bytes covering every octet value.
func binPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// fragments splits payload into frames of at most size octets, the first
// with opcode op and the rest continuations.
func fragments(op byte, payload []byte, size int) []frame {
	var fs []frame
	for off := 0; off == 0 || off < len(payload); off += size {
		end := min(off+size, len(payload))
		f := dataFrame(opContinuation, end == len(payload), payload[off:end])
		if off == 0 {
			f.opcode = op
		}
		fs = append(fs, f)
	}
	return fs
}

// echoCase is the common shape "send this, expect it back, close normally".
func echoCase(id, desc string, expect event, play func(s *session)) Case {
	return Case{
		ID:          id,
		Desc:        desc,
		Expectation: "Receive echo'ed message, then clean close with normal code.",
		Expect:      ok(expect),
		Close:       closeNormal,
		Play: func(s *session) {
			play(s)
			s.finish(settle)
		},
	}
}

// violationCase is "send this, the testee must fail the connection".
func violationCase(id, desc string, play func(s *session)) Case {
	return Case{
		ID:          id,
		Desc:        desc,
		Expectation: "The connection is failed immediately (1002/Protocol Error).",
		Expect:      ok(),
		Close:       failProto,
		Play: func(s *session) {
			play(s)
			s.finish(settle)
		},
	}
}
