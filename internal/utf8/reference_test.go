package utf8

import (
	"math/rand/v2"
	"sync"
	"testing"
	stdutf8 "unicode/utf8"
)

// The tests judge the automaton against a reference built only from
// unicode/utf8: its encoder (AppendRune) and its whole-buffer check (Valid).
//
// A byte string q is "feasible" when some continuation makes it valid UTF-8,
// that is, when q is a prefix of a valid string. A validator fed q must
// report true exactly when q is feasible. Feasibility only ever goes from true
// to false as bytes are added, so every input has a fail index: the index of
// the first byte after which the input is no longer feasible, or -1 if it
// never stops being.

// ref holds the proper prefixes of the encodings of all Unicode scalar
// values, by length: the partial characters a feasible string may end with.
var ref struct {
	once     sync.Once
	partial1 [1 << 8]bool
	partial2 [1 << 16]bool
	partial3 [1 << 24 / 64]uint64 // bit set indexed by the three bytes, big-endian
}

func loadRef() {
	ref.once.Do(func() {
		var buf []byte
		for r := rune(0); r <= stdutf8.MaxRune; r++ {
			if !stdutf8.ValidRune(r) {
				continue // surrogates have no encoding
			}
			buf = stdutf8.AppendRune(buf[:0], r)
			switch len(buf) {
			case 4:
				k := int(buf[0])<<16 | int(buf[1])<<8 | int(buf[2])
				ref.partial3[k/64] |= 1 << (k % 64)
				fallthrough
			case 3:
				ref.partial2[int(buf[0])<<8|int(buf[1])] = true
				fallthrough
			case 2:
				ref.partial1[buf[0]] = true
			}
		}
	})
}

// isPartial reports whether q is empty or a proper prefix of the encoding of
// some scalar value.
func isPartial(q []byte) bool {
	switch len(q) {
	case 0:
		return true
	case 1:
		return ref.partial1[q[0]]
	case 2:
		return ref.partial2[int(q[0])<<8|int(q[1])]
	case 3:
		k := int(q[0])<<16 | int(q[1])<<8 | int(q[2])
		return ref.partial3[k/64]&(1<<(k%64)) != 0
	}
	return false
}

// feasible reports whether some continuation makes q valid UTF-8. Such a q is
// a run of whole characters followed by a partial one of at most three bytes,
// since no encoding is longer than four.
func feasible(q []byte) bool {
	loadRef()
	for j := len(q); j >= 0 && j >= len(q)-3; j-- {
		if isPartial(q[j:]) && stdutf8.Valid(q[:j]) {
			return true
		}
	}
	return false
}

// refFailIndex returns the index of the first byte of p after which p is no
// longer feasible, or -1.
func refFailIndex(p []byte) int {
	if feasible(p) {
		return -1
	}
	// Search for the shortest infeasible prefix; feasible(p[:0]) holds.
	lo, hi := 0, len(p)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if feasible(p[:mid]) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi - 1
}

// bruteFeasible is feasible by exhaustive search: whether appending some zero
// to three bytes makes q valid per unicode/utf8.Valid. Only bytes 0x80-0xBF
// are tried: a partial character can be completed only by UTF8-tail bytes
// (RFC 3629 §4), and a string ending on a character boundary needs nothing.
func bruteFeasible(q []byte) bool {
	var arr [16]byte
	buf := append(arr[:0], q...)
	n := len(buf)
	if stdutf8.Valid(buf) {
		return true
	}
	for c1 := 0x80; c1 <= 0xBF; c1++ {
		buf = append(buf[:n], byte(c1))
		if stdutf8.Valid(buf) {
			return true
		}
		for c2 := 0x80; c2 <= 0xBF; c2++ {
			buf = append(buf[:n+1], byte(c2))
			if stdutf8.Valid(buf) {
				return true
			}
			for c3 := 0x80; c3 <= 0xBF; c3++ {
				buf = append(buf[:n+2], byte(c3))
				if stdutf8.Valid(buf) {
					return true
				}
			}
		}
	}
	return false
}

// TestReference checks the fast reference, feasible, against the literal
// definition, bruteFeasible, before the other tests rely on it.
func TestReference(t *testing.T) {
	check := func(q []byte) {
		t.Helper()
		if got, want := feasible(q), bruteFeasible(q); got != want {
			t.Fatalf("feasible(%q) = %v, brute force says %v", q, got, want)
		}
	}
	check(nil)
	for b := range 256 {
		check([]byte{byte(b)})
	}
	// Every lead byte against second bytes at each range edge.
	edges := []byte{0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0}
	for b0 := 0xC2; b0 <= 0xF4; b0++ {
		for _, b1 := range edges {
			check([]byte{byte(b0), b1})
		}
	}
	// Random 2- to 5-byte strings, mostly leads and tails.
	r := rand.New(rand.NewPCG(1, 2))
	n := 100
	if testing.Short() {
		n = 20
	}
	for range n {
		q := make([]byte, 2+r.IntN(4))
		for i := range q {
			switch r.IntN(4) {
			case 0:
				q[i] = byte(r.IntN(256))
			case 1:
				q[i] = byte(0xC0 + r.IntN(64))
			default:
				q[i] = byte(0x80 + r.IntN(64))
			}
		}
		check(q)
	}
	for _, tc := range cases {
		check([]byte(tc.in))
	}
}
