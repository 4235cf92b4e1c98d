package utf8

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"
)

// The reference these tests judge the automaton against, feasible and
// refFailIndex, is in reference_test.go.

// feedFailIndex feeds p to a new Validator one byte at a time and returns
// the index of the first byte Feed rejects, or -1. It fails t if a rejection
// does not stick, or if Complete then disagrees with unicode/utf8.Valid.
func feedFailIndex(t testing.TB, p []byte) int {
	var v Validator
	fail := -1
	for i := range p {
		ok := v.Feed(p[i : i+1])
		if fail >= 0 && ok {
			t.Helper() // only here: Helper is too slow for the exhaustive tests
			t.Fatalf("%q: Feed of byte %d returned true after a rejection at %d", p, i, fail)
		}
		if !ok && fail < 0 {
			fail = i
		}
	}
	if got, want := v.Complete(), stdutf8.Valid(p); got != want {
		t.Helper()
		t.Fatalf("%q: Complete() after byte-by-byte Feed = %v, want %v", p, got, want)
	}
	return fail
}

// cases lists inputs with their fail index (-1: never fails) and whether
// they are complete, valid UTF-8. Most come from the Autobahn testsuite's
// 6.* cases, which follow Markus Kuhn's UTF-8 decoder stress test.
var cases = []struct {
	name     string
	in       string
	fail     int
	complete bool
}{
	{"empty", "", -1, true},

	// Edges of each encoding length and of the code space.
	{"U+0000", "\x00", -1, true},
	{"U+007F last 1-byte", "\x7f", -1, true},
	{"U+0080 first 2-byte", "\xc2\x80", -1, true},
	{"U+07FF last 2-byte", "\xdf\xbf", -1, true},
	{"U+0800 first 3-byte", "\xe0\xa0\x80", -1, true},
	{"U+D7FF before surrogates", "\xed\x9f\xbf", -1, true},
	{"U+D800 first surrogate", "\xed\xa0\x80", 1, false},
	{"U+DBFF last high surrogate", "\xed\xaf\xbf", 1, false},
	{"U+DC00 first low surrogate", "\xed\xb0\x80", 1, false},
	{"U+DFFF last surrogate", "\xed\xbf\xbf", 1, false},
	{"U+E000 after surrogates", "\xee\x80\x80", -1, true},
	{"U+FFFD replacement", "\xef\xbf\xbd", -1, true},
	{"U+FFFE noncharacter", "\xef\xbf\xbe", -1, true},
	{"U+FFFF last 3-byte", "\xef\xbf\xbf", -1, true},
	{"U+10000 first 4-byte", "\xf0\x90\x80\x80", -1, true},
	{"U+10FFFF last scalar", "\xf4\x8f\xbf\xbf", -1, true},
	{"U+110000 beyond", "\xf4\x90\x80\x80", 1, false},
	{"F4 BF beyond", "\xf4\xbf\xbf\xbf", 1, false},
	{"F5 lead of U+140000", "\xf5\x80\x80\x80", 0, false},
	{"F7 BF BF BF", "\xf7\xbf\xbf\xbf", 0, false},
	{"5-byte form", "\xf8\x88\x80\x80\x80", 0, false},
	{"6-byte form", "\xfc\x84\x80\x80\x80\x80", 0, false},
	{"paired surrogates", "\xed\xa0\x80\xed\xb0\x80", 1, false},
	{"BOM", "\xef\xbb\xbfa", -1, true},

	// Overlong forms: the lead alone already fails for C0 and C1; after E0
	// and F0 the second byte does.
	{"overlong NUL 2-byte", "\xc0\x80", 0, false},
	{"overlong NUL 3-byte", "\xe0\x80\x80", 1, false},
	{"overlong NUL 4-byte", "\xf0\x80\x80\x80", 1, false},
	{"overlong slash 2-byte", "\xc0\xaf", 0, false},
	{"overlong slash 3-byte", "\xe0\x80\xaf", 1, false},
	{"overlong slash 4-byte", "\xf0\x80\x80\xaf", 1, false},
	{"overlong slash 5-byte", "\xf8\x80\x80\x80\xaf", 0, false},
	{"max overlong 2-byte", "\xc1\xbf", 0, false},
	{"max overlong 3-byte", "\xe0\x9f\xbf", 1, false},
	{"max overlong 4-byte", "\xf0\x8f\xbf\xbf", 1, false},

	// Continuation bytes where a character should start.
	{"lone 80", "\x80", 0, false},
	{"lone BF", "\xbf", 0, false},
	{"ASCII then 80", "a\x80b", 1, false},
	{"tail after whole char", "\xc2\x80\x80", 2, false},
	{"tails 80-BF", "\x80\x81\x82\xbf", 0, false},
	{"FE", "\xfe", 0, false},
	{"FF", "\xff", 0, false},
	{"UTF-16 BOM", "\xfe\xff", 0, false},

	// Truncated characters: still possibly valid, not complete.
	{"truncated 2-byte", "\xc2", -1, false},
	{"truncated 3-byte after 1", "\xe2", -1, false},
	{"truncated 3-byte after 2", "a\xe2\x82", -1, false},
	{"truncated E0 A0", "\xe0\xa0", -1, false},
	{"truncated ED 9F", "\xed\x9f", -1, false},
	{"truncated 4-byte after 3", "\xf0\x9f\x98", -1, false},
	{"truncated F4 8F BF", "\xf4\x8f\xbf", -1, false},
	{"truncated after long ASCII", "0123456789abcdefghijklmnopqrstuvwxyz\xf0\x9f", -1, false},

	// A character cut short by something other than a tail.
	{"C2 then space", "\xc2 ", 1, false},
	{"E0 then space", "\xe0 ", 1, false},
	{"E2 82 then A", "\xe2\x82A", 2, false},
	{"F0 9F 98 then A", "\xf0\x9f\x98A", 3, false},
	{"lead then lead", "\xc2\xc2\x80", 1, false},
	{"concatenated incomplete", "\xc0\xe0\x80\xf0\x80\x80\xdf\xef\xbf", 0, false},
	{"incomplete DF then EF BF", "\xdf\xef\xbf", 1, false},

	// Whole texts.
	{"kosme", "κόσμε", -1, true},
	{"mixed", "Hello-µ@ßöäüàá-UTF-8!!", -1, true},
	{"emoji", "😀🎉🚀", -1, true},
	{"kosme then surrogate", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", 12, false},
	{"kosme then F4 90", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", 12, false},
	{"long ASCII then surrogate", "The quick brown fox jumps over the lazy dog \xed\xa0\x80", 45, false},
	{"long ASCII then FF", "The quick brown fox jumps over the lazy dog \xff and more", 44, false},
}

func TestCases(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := []byte(tc.in)
			if got := stdutf8.Valid(p); got != tc.complete {
				t.Fatalf("table error: unicode/utf8.Valid = %v", got)
			}
			if got := refFailIndex(p); got != tc.fail {
				t.Fatalf("table error: reference fail index = %d", got)
			}
			if got := Valid(p); got != tc.complete {
				t.Errorf("Valid = %v, want %v", got, tc.complete)
			}
			if got := feedFailIndex(t, p); got != tc.fail {
				t.Errorf("byte-by-byte Feed fails at %d, want %d", got, tc.fail)
			}
			var v Validator
			if got, want := v.Feed(p), tc.fail < 0; got != want {
				t.Errorf("Feed = %v, want %v", got, want)
			}
			if got := v.Complete(); got != tc.complete {
				t.Errorf("Complete = %v, want %v", got, tc.complete)
			}
			// Fed whole, every prefix up to the fail index passes.
			for k := range len(p) + 1 {
				var v Validator
				if got, want := v.Feed(p[:k]), tc.fail < 0 || k <= tc.fail; got != want {
					t.Errorf("Feed(first %d bytes) = %v, want %v", k, got, want)
				}
			}
		})
	}
}

// TestFragments feeds messages split as the Autobahn 6.4 cases split them
// across frames: the validator must fail on the fragment holding the bad
// byte, not wait for the end of the message.
func TestFragments(t *testing.T) {
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	tests := []struct {
		name  string
		frags []string
		want  []bool
	}{
		{"6.4.1 bad code point in own fragment", []string{kosme, "\xf4\x90\x80\x80", "edited"}, []bool{true, false, false}},
		{"6.4.2 lead ends first fragment", []string{kosme + "\xf4", "\x90", "\x80\x80edited"}, []bool{true, false, false}},
		{"surrogate split after ED", []string{kosme + "\xed", "\xa0\x80edited"}, []bool{true, false}},
		{"valid split inside every char", []string{"\xce", "\xba\xe1", "\xbd", "\xb9\xcf\x83\xce\xbc\xce", "\xb5"}, []bool{true, true, true, true, true}},
		{"empty fragments", []string{"", "\xf0", "", "\x9f\x98", "", "\x80", ""}, []bool{true, true, true, true, true, true, true}},
		{"fails on empty fragment after failure", []string{"\xc0", ""}, []bool{false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v Validator
			var all []byte
			for i, f := range tc.frags {
				all = append(all, f...)
				if got := v.Feed([]byte(f)); got != tc.want[i] {
					t.Fatalf("Feed(fragment %d %q) = %v, want %v", i, f, got, tc.want[i])
				}
			}
			if got, want := v.Complete(), stdutf8.Valid(all); got != want {
				t.Errorf("Complete = %v, want %v", got, want)
			}
		})
	}
}

// prefix is a validator that has been fed an input one byte at a time,
// with the reference fail index of that input.
type prefix struct {
	v    Validator
	fail int
}

// next feeds the last byte of p, which extends the input of x by that byte,
// and checks Feed against the reference fail index, Complete against
// unicode/utf8.Valid, and Valid(p) too. Helper is left to the failure paths:
// it costs more than the checks in the exhaustive tests.
func (x prefix) next(t *testing.T, p []byte) prefix {
	y := prefix{v: x.v, fail: x.fail}
	if y.fail < 0 && !feasible(p) {
		y.fail = len(p) - 1
	}
	if got := y.v.Feed(p[len(p)-1:]); got != (y.fail < 0) {
		t.Helper()
		t.Fatalf("%q: Feed of the last byte = %v, want %v (reference fail index %d)", p, got, !got, y.fail)
	}
	valid := stdutf8.Valid(p)
	if got := y.v.Complete(); got != valid {
		t.Helper()
		t.Fatalf("%q: Complete after Feed byte by byte = %v, want %v", p, got, valid)
	}
	if got := Valid(p); got != valid {
		t.Helper()
		t.Fatalf("Valid(%q) = %v, want %v", p, got, valid)
	}
	return y
}

var empty = prefix{fail: -1}

// TestExhaustive checks every input of one, two and three bytes, fed one
// byte at a time: Feed must turn false exactly at the reference fail index.
func TestExhaustive(t *testing.T) {
	for b0 := range 256 {
		t.Run(fmt.Sprintf("%02X", b0), func(t *testing.T) {
			t.Parallel()
			if testing.Short() && b0%8 != 0 && b0 < 0xC0 {
				t.Skip("ASCII and tail first bytes sampled in short mode")
			}
			p := []byte{byte(b0), 0, 0}
			x0 := empty.next(t, p[:1])
			for b1 := range 256 {
				p[1] = byte(b1)
				x1 := x0.next(t, p[:2])
				for b2 := range 256 {
					p[2] = byte(b2)
					x1.next(t, p)
				}
			}
		})
	}
}

// TestFourByteDense checks four-byte inputs whose first byte is at least
// 0xC0: every first three bytes, and a last byte from each edge of the byte
// ranges the grammar distinguishes plus one random byte.
func TestFourByteDense(t *testing.T) {
	last := []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF}
	for b0 := 0xC0; b0 <= 0xFF; b0++ {
		t.Run(fmt.Sprintf("%02X", b0), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(b0), 4))
			p := []byte{byte(b0), 0, 0, 0}
			x0 := empty.next(t, p[:1])
			for b1 := range 256 {
				p[1] = byte(b1)
				x1 := x0.next(t, p[:2])
				for b2 := range 256 {
					p[2] = byte(b2)
					x2 := x1.next(t, p[:3])
					if x2.fail >= 0 {
						// The last byte cannot matter; try one.
						p[3] = byte(r.IntN(256))
						x2.next(t, p)
						continue
					}
					for _, b3 := range last {
						p[3] = b3
						x2.next(t, p)
					}
					p[3] = byte(r.IntN(256))
					x2.next(t, p)
				}
			}
		})
	}
}

// genInput returns a random byte string built from runs of ASCII and whole
// characters of every length and, unless valid is set, characters cut short,
// the inputs of the cases table and random bytes.
func genInput(r *rand.Rand, valid bool) []byte {
	var p []byte
	pieces := r.IntN(24)
	for range pieces {
		switch k := r.IntN(10); {
		case k < 3:
			for range 1 + r.IntN(40) {
				p = append(p, byte(0x20+r.IntN(0x5F)))
			}
		case k < 7:
			var c rune
			switch r.IntN(4) {
			case 0:
				c = 0x80 + r.Int32N(0x800-0x80)
			case 1:
				c = 0x800 + r.Int32N(0x10000-0x800)
			case 2:
				c = 0x10000 + r.Int32N(stdutf8.MaxRune+1-0x10000)
			default:
				edges := []rune{0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF}
				c = edges[r.IntN(len(edges))]
			}
			if !stdutf8.ValidRune(c) {
				c = 0xFFFD
			}
			p = stdutf8.AppendRune(p, c)
		case valid:
			p = append(p, "é中😀"...)
		case k == 7:
			enc := stdutf8.AppendRune(nil, 0x80+r.Int32N(stdutf8.MaxRune-0x80))
			p = append(p, enc[:r.IntN(len(enc))]...)
		case k == 8:
			tc := cases[r.IntN(len(cases))]
			p = append(p, tc.in...)
		default:
			p = append(p, byte(r.IntN(256)))
		}
	}
	return p
}

// TestSplit checks that how the stream is cut does not matter: for random
// inputs and every split point, Feed(a) reports whether a is feasible,
// Feed(a) && Feed(b) whether a+b is, and Complete agrees with
// unicode/utf8.Valid(a+b).
func TestSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		p := genInput(r, i%3 == 0)
		wantAll := refFailIndex(p) < 0
		wantComplete := stdutf8.Valid(p)
		for cut := range len(p) + 1 {
			a, b := p[:cut], p[cut:]
			var v Validator
			okA := v.Feed(a)
			if want := feasible(a); okA != want {
				t.Fatalf("%q: Feed(first %d bytes) = %v, want %v", p, cut, okA, want)
			}
			okB := v.Feed(b)
			if got := okA && okB; got != wantAll || okB != wantAll {
				t.Fatalf("%q split at %d: Feed, Feed = %v, %v; want stream result %v", p, cut, okA, okB, wantAll)
			}
			if got := v.Complete(); got != wantComplete {
				t.Fatalf("%q split at %d: Complete = %v, want %v", p, cut, got, wantComplete)
			}
		}
		// And in three pieces of random size.
		c1 := r.IntN(len(p) + 1)
		c2 := c1 + r.IntN(len(p)-c1+1)
		var v Validator
		v.Feed(p[:c1])
		v.Feed(p[c1:c2])
		if got := v.Feed(p[c2:]); got != wantAll {
			t.Fatalf("%q split at %d, %d: last Feed = %v, want %v", p, c1, c2, got, wantAll)
		}
		if got := v.Complete(); got != wantComplete {
			t.Fatalf("%q split at %d, %d: Complete = %v, want %v", p, c1, c2, got, wantComplete)
		}
		if got := Valid(p); got != wantComplete {
			t.Fatalf("Valid(%q) = %v, want %v", p, got, wantComplete)
		}
	}
}

// TestSweep places a sequence at every offset of ASCII buffers of every
// length up to a few times the widest ASCII skip, so that it lands at each
// position relative to the 64- and 16-byte skips and to the 16-byte
// unrolled blocks.
func TestSweep(t *testing.T) {
	inserts := []struct {
		seq  string
		fail int // fail index within seq, or -1
	}{
		{"\x80", 0},
		{"\xc0", 0},
		{"\xff", 0},
		{"\xed\xa0\x80", 1},
		{"\xf4\x90\x80\x80", 1},
		{"\xe0\x9f\xbf", 1},
		{"\xc2 ", 1},
		{"\xf0\x9f\x98 ", 3},
		{"é", -1},
		{"€", -1},
		{"😀", -1},
	}
	for _, ins := range inserts {
		for n := range 200 {
			for at := 0; at <= n; at++ {
				p := bytes.Repeat([]byte{'a'}, n)
				p = append(p[:at], append([]byte(ins.seq), p[at:]...)...)
				wantFail := -1
				if ins.fail >= 0 {
					wantFail = at + ins.fail
				}
				if got := Valid(p); got != (wantFail < 0) {
					t.Fatalf("Valid(%q) = %v", p, got)
				}
				for _, k := range []int{wantFail, wantFail + 1, len(p)} {
					if k < 0 {
						continue
					}
					var v Validator
					if got, want := v.Feed(p[:k]), wantFail < 0 || k <= wantFail; got != want {
						t.Fatalf("Feed(first %d bytes of %q) = %v, want %v", k, p, got, want)
					}
				}
			}
		}
	}

	// A pending character must keep the ASCII skip from running: after a
	// lead byte, no amount of ASCII is valid.
	for n := 1; n < 200; n++ {
		for _, lead := range []string{"\xc2", "\xe2", "\xe2\x82", "\xf0", "\xf0\x9f\x98"} {
			var v Validator
			v.Feed([]byte(lead))
			if v.Feed(bytes.Repeat([]byte{'a'}, n)) {
				t.Fatalf("Feed(%d ASCII bytes) after %q = true", n, lead)
			}
		}
		// Completing the character first lets the ASCII through.
		var v Validator
		if !v.Feed([]byte("\xe2\x82")) || !v.Feed(append([]byte("\xac"), bytes.Repeat([]byte{'a'}, n)...)) || !v.Complete() {
			t.Fatalf("%d ASCII bytes after a completed € rejected", n)
		}
	}
}

func TestStickyAndReset(t *testing.T) {
	var v Validator
	if !v.Complete() {
		t.Fatal("zero Validator not Complete")
	}
	if !v.Feed([]byte("ok ")) || v.Feed([]byte("\xc0")) {
		t.Fatal("Feed did not reject C0")
	}
	for _, p := range []string{"", "a", "κόσμε", "\x80", string(bytes.Repeat([]byte{'a'}, 100))} {
		if v.Feed([]byte(p)) {
			t.Fatalf("Feed(%q) after a rejection = true", p)
		}
		if v.Complete() {
			t.Fatalf("Complete after a rejection and Feed(%q) = true", p)
		}
	}
	v.Reset()
	if !v.Complete() || !v.Feed([]byte("κόσμε")) || !v.Complete() {
		t.Fatal("Reset did not restore a fresh Validator")
	}
	// Reset mid-character discards the pending bytes.
	v.Feed([]byte("\xe2\x82"))
	v.Reset()
	if !v.Feed([]byte("a")) || !v.Complete() {
		t.Fatal("Reset mid-character left the character pending")
	}
	// A copy forks the stream.
	v.Reset()
	v.Feed([]byte("\xf0\x9f"))
	w := v
	if !v.Feed([]byte("\x98\x80")) || !v.Complete() {
		t.Fatal("original did not complete the emoji")
	}
	if w.Feed([]byte("A")) {
		t.Fatal("copy shared state with the original")
	}
}

func TestAllocs(t *testing.T) {
	p := []byte("Größe 日本語 😀 and some ASCII to skip past the fast path, twice over!")
	var v Validator
	allocs := testing.AllocsPerRun(100, func() {
		v.Reset()
		v.Feed(p[:7])
		v.Feed(p[7:])
		sink = v.Complete() && Valid(p)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

// TestTables checks the automaton's construction: the class ranges cover
// each byte once, the rejecting state is a trap, every other state can still
// reach the accepting state (so the automaton rejects no feasible prefix),
// and rows agrees with transitions.
func TestTables(t *testing.T) {
	if numStates*stateBits > 64 || (numStates-1)*stateBits > 63 {
		t.Fatalf("%d states of %d bits do not fit a row", numStates, stateBits)
	}
	var class [256]int
	for b := range class {
		class[b] = -1
	}
	next := 0
	for _, r := range classRanges {
		if int(r.lo) != next || r.hi < r.lo {
			t.Fatalf("class range %02X-%02X does not start at %02X", r.lo, r.hi, next)
		}
		for b := int(r.lo); b <= int(r.hi); b++ {
			class[b] = int(r.class)
		}
		next = int(r.hi) + 1
	}
	if next != 256 {
		t.Fatalf("class ranges end at %02X", next-1)
	}
	for c := range numClasses {
		if transitions[sReject][c] != sReject {
			t.Errorf("rejecting state left on class %d", c)
		}
	}
	// Backward search from the accepting state.
	live := map[int]bool{sAccept: true}
	for changed := true; changed; {
		changed = false
		for s := range numStates {
			for c := range numClasses {
				if !live[s] && live[int(transitions[s][c])] {
					live[s], changed = true, true
				}
			}
		}
	}
	for s := range numStates {
		if live[s] == (s == sReject) {
			t.Errorf("state %d: can reach the accepting state = %v", s, live[s])
		}
	}
	for b := range 256 {
		for s := range numStates {
			got := rows[b] >> (s * stateBits) & (1<<stateBits - 1)
			if want := uint64(transitions[s][class[b]]) * stateBits; got != want {
				t.Fatalf("rows[%02X] from state %d = %d, want %d", b, s, got, want)
			}
		}
	}
}

// FuzzValidator compares the validator with unicode/utf8.Valid and with the
// reference fail index, feeding data in pieces whose sizes come from cuts.
func FuzzValidator(f *testing.F) {
	for _, tc := range cases {
		f.Add([]byte(tc.in), []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		want := stdutf8.Valid(data)
		if got := Valid(data); got != want {
			t.Fatalf("Valid = %v, unicode/utf8.Valid = %v", got, want)
		}
		fail := refFailIndex(data)
		if want && fail >= 0 {
			t.Fatalf("reference: valid input fails at %d", fail)
		}
		if got := feedFailIndex(t, data); got != fail {
			t.Fatalf("byte-by-byte Feed fails at %d, want %d", got, fail)
		}

		var v Validator
		off := 0
		for i := 0; off < len(data); i++ {
			n := len(data) - off
			if i < len(cuts) {
				n = min(n, int(cuts[i]))
			}
			ok := v.Feed(data[off : off+n])
			off += n
			if want := fail < 0 || off <= fail; ok != want {
				t.Fatalf("Feed of bytes %d to %d = %v, want %v", off-n, off, ok, want)
			}
		}
		if got := v.Complete(); got != want {
			t.Fatalf("Complete = %v, want %v", got, want)
		}

		// Fed whole, a prefix passes exactly when it ends at or before the
		// fail index.
		for _, k := range []int{fail, fail + 1, len(data) / 2} {
			if k < 0 || k > len(data) {
				continue
			}
			var v Validator
			if got, want := v.Feed(data[:k]), fail < 0 || k <= fail; got != want {
				t.Fatalf("Feed(first %d bytes) = %v, want %v", k, got, want)
			}
		}
	})
}
