package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// roundTripInputs are the inputs of the full level × window bits matrix;
// they are kept short so that the matrix stays quick under -race.
func roundTripInputs() []struct {
	name string
	data []byte
} {
	return []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"1byte", []byte{'x'}},
		{"4bytes", []byte("abcd")},
		{"zeros", make([]byte, 20_000)},
		{"random", randomBytes(12_000, 1)},
		{"pattern", bytes.Repeat([]byte("abcabdabe"), 2_000)},
		{"text", text(20_000)},
		{"json", bytes.Join(jsonMessages(8, 3), []byte("\n"))},
		{"mixed", append(append(text(5_000), randomBytes(3_000, 2)...), text(5_000)...)},
	}
}

// quick reports whether to run a smaller matrix: in -short mode, and under
// the race detector, which makes the bit-by-bit test inflater slow.
func quick() bool { return testing.Short() || raceEnabled }

// allBits returns every window size, or a spread of them if quick.
func allBits() []int {
	if quick() {
		return []int{8, 11, 15}
	}
	return []int{8, 9, 10, 11, 12, 13, 14, 15}
}

// TestRoundTrip runs every input at every level and every window size, with
// and without history, through both decoders.
func TestRoundTrip(t *testing.T) {
	e := NewEncoder()
	hist := text(40_000)[7_000:]
	for _, in := range roundTripInputs() {
		t.Run(in.name, func(t *testing.T) {
			for level := MinLevel; level <= MaxLevel; level++ {
				for _, bits := range allBits() {
					for _, withHist := range []bool{false, true} {
						var w *Window
						var before []byte
						if withHist {
							w = new(Window)
							w.Write(hist, 1<<bits)
							before = append([]byte(nil), w.Bytes()...)
						}
						out := encode(t, e, level, bits, w, in.data, nil)
						verify(t, out, before, bits, in.data)
						if withHist {
							want := tailOf(append(before, in.data...), 1<<bits)
							if got := w.Bytes(); !bytes.Equal(got, want) {
								t.Fatalf("level %d bits %d: history after the message: %d bytes, want %d", level, bits, len(got), len(want))
							}
						}
					}
				}
			}
		})
	}
}

// TestSizes crosses the buffer and block boundaries up to 1 MiB.
func TestSizes(t *testing.T) {
	sizes := []int{2, 3, 5, 257, 258, 259, 263, 4095, 4096, 4097,
		bufSize - lookahead - 1, bufSize - lookahead, bufSize - 1, bufSize, bufSize + 1,
		maxStored - 1, maxStored, maxStored + 1, 3*maxWindow + 17, 300_000, 1 << 20}
	lvls := []int{1, 2, 4, 9}
	if quick() {
		sizes = sizes[:len(sizes)-2]
		lvls = []int{1, 6}
	}
	big := text(1 << 20)
	rnd := randomBytes(1<<20, 9)
	e := NewEncoder()
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range sizes {
		for _, level := range lvls {
			for _, bits := range []int{8, 15} {
				for _, src := range [][]byte{big, rnd} {
					msg := src[:size]
					w := new(Window)
					w.Write(src[len(src)-5000:], 1<<bits)
					before := append([]byte(nil), w.Bytes()...)
					out := encode(t, e, level, bits, w, msg, r)
					verify(t, out, before, bits, msg)
				}
			}
		}
	}
}

// TestSplitWrites checks that how a message is cut into writes does not
// change the output at all.
func TestSplitWrites(t *testing.T) {
	msg := append(text(150_000), randomBytes(70_000, 4)...)
	msg = append(msg, make([]byte, 50_000)...)
	e := NewEncoder()
	r := rand.New(rand.NewPCG(5, 6))
	lvls, bitsList, splits := []int{1, 3, 5, 9}, []int{8, 11, 15}, 3
	if quick() {
		lvls, bitsList, splits = []int{1, 6}, []int{8, 15}, 1
	}
	for _, level := range lvls {
		for _, bits := range bitsList {
			whole := encode(t, e, level, bits, nil, msg, nil)
			verify(t, whole, nil, bits, msg)
			for range splits {
				split := encode(t, e, level, bits, nil, msg, r)
				if !bytes.Equal(split, whole) {
					t.Fatalf("level %d bits %d: output depends on the write sizes", level, bits)
				}
			}
		}
	}
}

// TestTakeover sends a sequence of messages under context takeover through
// one Window, and checks each message alone against the history before it,
// and the whole stream with one persistent compress/flate reader, as a peer
// reads it.
func TestTakeover(t *testing.T) {
	msgs := jsonMessages(60, 11)
	msgs = append(msgs, []byte{}, text(70_000), []byte("x"), randomBytes(3000, 3), bytes.Repeat([]byte{'a'}, 40_000))
	msgs = append(msgs, jsonMessages(20, 12)...)
	lvls := []int{1, 2, 3, 4, 6, 9}
	if quick() {
		lvls = []int{1, 6}
	}
	for _, level := range lvls {
		for _, bits := range []int{8, 10, 15} {
			t.Run(fmt.Sprintf("level%d/bits%d", level, bits), func(t *testing.T) {
				e := NewEncoder()
				var w Window
				var all, stream []byte
				var wire int
				for _, m := range msgs {
					before := append([]byte(nil), w.Bytes()...)
					if want := tailOf(all, 1<<bits); !bytes.Equal(before, want) {
						t.Fatalf("history holds %d bytes, want the last %d", len(before), len(want))
					}
					out := encode(t, e, level, bits, &w, m, nil)
					verify(t, out, before, bits, m)
					all = append(all, m...)
					stream = append(append(stream, out...), syncTail...)
					wire += len(out)
				}
				stream = append(stream, finalEmpty...)
				got, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
				if err != nil || !bytes.Equal(got, all) {
					t.Fatalf("persistent reader: %d bytes, err %v; want %d bytes", len(got), err, len(all))
				}
				t.Logf("%d bytes in %d messages -> %d (ratio %.3f)", len(all), len(msgs), wire, float64(wire)/float64(len(all)))
			})
		}
	}
}

// TestEncoderReuse reuses one Encoder across levels, window sizes,
// connections and messages with and without takeover, in random order.
func TestEncoderReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	e := NewEncoder()
	msgs := jsonMessages(30, 5)
	inputs := roundTripInputs()
	type conn struct {
		w    Window
		bits int
	}
	conns := make([]conn, 4)
	for i := range conns {
		conns[i].bits = MinWindowBits + r.IntN(MaxWindowBits-MinWindowBits+1)
	}
	for range 300 {
		level := r.IntN(MaxLevel + 1) // 0 is the default level
		var msg []byte
		if r.IntN(2) == 0 {
			msg = msgs[r.IntN(len(msgs))]
		} else {
			msg = inputs[r.IntN(len(inputs))].data
		}
		if r.IntN(3) == 0 {
			bits := MinWindowBits + r.IntN(MaxWindowBits-MinWindowBits+1)
			out := encode(t, e, level, bits, nil, msg, r)
			verify(t, out, nil, bits, msg)
			continue
		}
		c := &conns[r.IntN(len(conns))]
		before := append([]byte(nil), c.w.Bytes()...)
		out := encode(t, e, level, c.bits, &c.w, msg, r)
		verify(t, out, before, c.bits, msg)
	}
}

// TestEmptyMessage checks RFC 7692 §7.2.3.6: an empty message is the byte 0x00.
func TestEmptyMessage(t *testing.T) {
	e := NewEncoder()
	for level := MinLevel; level <= MaxLevel; level++ {
		var w Window
		w.Write([]byte("some history"), 1<<15)
		for _, hist := range []*Window{nil, &w} {
			out := encode(t, e, level, 15, hist, nil, nil)
			if !bytes.Equal(out, []byte{0}) {
				t.Fatalf("level %d: empty message = % x, want 00", level, out)
			}
			out = encode(t, e, level, 15, hist, []byte{}, nil)
			if !bytes.Equal(out, []byte{0}) {
				t.Fatalf("level %d: empty write = % x, want 00", level, out)
			}
		}
		if string(w.Bytes()) != "some history" {
			t.Fatalf("empty message changed the history to %q", w.Bytes())
		}
	}
}

// TestWindowExactlyHonoured uses data that repeats at exactly the window
// size, which must be matched (distance 1<<bits is allowed), and at one byte
// more than it, which must not be; the test inflater rejects any distance over
// the window.
func TestWindowExactlyHonoured(t *testing.T) {
	e := NewEncoder()
	lvls := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	if quick() {
		lvls = []int{1, 3, 4, 9}
	}
	for _, bits := range allBits() {
		size := 1 << bits
		for _, level := range lvls {
			for _, period := range []int{size, size + 1} {
				unit := randomBytes(period, uint64(bits))
				msg := bytes.Repeat(unit, max(4, 3*maxWindow/period))
				out := encode(t, e, level, bits, nil, msg, nil)
				verify(t, out, nil, bits, msg)
				// The lazy levels find every repeat; the greedy ones probe
				// once per position and lose some to hash collisions.
				limit := period + len(msg)/20
				if !levels[level].lazy {
					limit = period + len(msg)/3
				}
				if period == size && len(out) > limit {
					t.Errorf("bits %d level %d: period %d: %d bytes from %d, distance %d not used", bits, level, period, len(out), len(msg), size)
				}
				if period == size+1 && len(out) < len(msg)*9/10 {
					t.Errorf("bits %d level %d: period %d compressed to %d < %d", bits, level, period, len(out), len(msg))
				}
				// The same through history: the message repeats its history
				// exactly one window back.
				var w Window
				w.Write(unit, size)
				before := append([]byte(nil), w.Bytes()...)
				out = encode(t, e, level, bits, &w, unit[:min(len(unit), size)], nil)
				verify(t, out, before, bits, unit[:min(len(unit), size)])
			}
		}
	}
}

// TestInvalidParameters checks that invalid arguments to Reset are reported
// and write nothing.
func TestInvalidParameters(t *testing.T) {
	e := NewEncoder()
	for _, tc := range []struct{ level, bits int }{{-1, 15}, {10, 15}, {1, 7}, {1, 16}, {0, 0}} {
		var out bytes.Buffer
		e.Reset(&out, tc.level, tc.bits, nil)
		if _, err := e.Write([]byte("x")); err == nil || !strings.HasPrefix(err.Error(), "websocket: deflate: ") {
			t.Errorf("level %d bits %d: Write error %v", tc.level, tc.bits, err)
		}
		if err := e.Finish(); err == nil {
			t.Errorf("level %d bits %d: Finish succeeded", tc.level, tc.bits)
		}
		if out.Len() != 0 {
			t.Errorf("level %d bits %d: wrote %d bytes", tc.level, tc.bits, out.Len())
		}
	}
	// Without Reset after Finish, the Encoder refuses work.
	_ = encode(t, e, 1, 15, nil, []byte("ok"), nil)
	if _, err := e.Write([]byte("x")); err == nil {
		t.Errorf("Write after Finish without Reset succeeded")
	}
	if _, err := NewEncoder().Write(nil); err == nil {
		t.Errorf("Write before Reset succeeded")
	}
}

// errWriter fails after accepting n bytes.
type errWriter struct{ n int }

var errSink = fmt.Errorf("sink full")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errSink
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteError checks that an error of the destination is returned and
// sticks, and that the history is not extended by a failed message.
func TestWriteError(t *testing.T) {
	e := NewEncoder()
	msg := randomBytes(300_000, 8)
	var w Window
	w.Write([]byte("history"), 1<<15)
	e.Reset(&errWriter{n: 1000}, 1, 15, &w)
	var err error
	for i := 0; i < len(msg) && err == nil; i += 10_000 {
		_, err = e.Write(msg[i : i+10_000])
	}
	if err != errSink {
		t.Fatalf("Write error = %v, want the destination's", err)
	}
	if _, err := e.Write([]byte("x")); err != errSink {
		t.Fatalf("second Write error = %v, want the destination's", err)
	}
	if err := e.Finish(); err != errSink {
		t.Fatalf("Finish error = %v, want the destination's", err)
	}
	if string(w.Bytes()) != "history" {
		t.Fatalf("failed message changed the history")
	}
	// A small message fails in Finish.
	e.Reset(&errWriter{n: 0}, 1, 15, &w)
	if _, err := e.Write([]byte("hello")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := e.Finish(); err != errSink {
		t.Fatalf("Finish error = %v, want the destination's", err)
	}
	// The Encoder works again after Reset.
	out := encode(t, e, 1, 15, nil, []byte("hello"), nil)
	verify(t, out, nil, 15, []byte("hello"))
}

// TestOutputChunks checks that a long message reaches the destination in
// pieces as it is written, not all in Finish, and not in tiny writes.
func TestOutputChunks(t *testing.T) {
	e := NewEncoder()
	var cw countingWriter
	e.Reset(&cw, 1, 15, nil)
	msg := randomBytes(1<<20, 10)
	writeSplit(t, e, msg, nil)
	if cw.writes == 0 || cw.bytes < len(msg)/2 {
		t.Fatalf("after Write: %d writes, %d bytes", cw.writes, cw.bytes)
	}
	if err := e.Finish(); err != nil {
		t.Fatal(err)
	}
	if avg := cw.bytes / cw.writes; avg < flushSize {
		t.Fatalf("%d writes averaging %d bytes", cw.writes, avg)
	}
}

type countingWriter struct{ writes, bytes int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	w.bytes += len(p)
	return len(p), nil
}

// TestRebase runs messages across the point where absolute positions would
// overflow their int32 storage: within a long message (rebase) and between
// messages (table cleared).
func TestRebase(t *testing.T) {
	msg := append(text(200_000), jsonMessages(40, 1)[0]...)
	for _, level := range []int{1, 6} {
		e := NewEncoder()
		var w Window
		for i := range 4 {
			if i%2 == 0 {
				e.nextBase = maxBase - bufSize
			} else {
				e.nextBase = maxBase + 1
			}
			before := append([]byte(nil), w.Bytes()...)
			out := encode(t, e, level, 15, &w, msg, nil)
			verify(t, out, before, 15, msg)
			if i%2 == 0 && e.base > 2*bufSize {
				t.Fatalf("level %d: base %d after a long message past maxBase", level, e.base)
			}
		}
	}
}
