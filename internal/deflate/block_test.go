package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

// tokenize runs the matcher over msg as one whole message, without writing
// anything, leaving the block pending in e.
func tokenize(t *testing.T, e *Encoder, level int, hist *Window, msg []byte) {
	t.Helper()
	if len(msg) > bufSize-maxWindow-lookahead {
		t.Fatalf("message of %d bytes is more than one round", len(msg))
	}
	e.Reset(io.Discard, level, 15, hist)
	if _, err := e.Write(msg); err != nil {
		t.Fatal(err)
	}
	e.prime()
	e.primed = true
	var full bool
	if e.p.lazy {
		full = e.lazy(e.end, true)
	} else {
		full = e.greedy(e.end, true)
	}
	if full || e.pos != e.end {
		t.Fatalf("tokenizing stopped at %d of %d (full %v)", e.pos, e.end, full)
	}
}

// blockInputs are messages that fit in one block.
var blockInputs = []struct {
	name string
	data []byte
	want int // expected block type: headerStored, headerFixed or headerDynamic; -1 for any
}{
	{"1byte", []byte("a"), headerFixed},
	{"short-text", []byte("Hello, hello, hello world!"), headerFixed},
	{"random", randomBytes(10_000, 5), headerStored},
	{"random-short", randomBytes(40, 6), headerFixed}, // 8.6 bits a byte beats stored's 40-bit header
	{"text", text(20_000), headerDynamic},
	{"json", jsonMessages(1, 7)[0], headerDynamic},
	{"zeros", make([]byte, 5000), -1},
	{"ends-like-sync", append(randomBytes(100, 7), 0, 0, 0xff, 0xff), -1},
}

// TestBlockCosts writes each pending block in all three types and checks
// that the size computed beforehand is exact to the bit, that every type
// decodes, and that Finish picks the smallest.
func TestBlockCosts(t *testing.T) {
	e := NewEncoder()
	for _, in := range blockInputs {
		for _, level := range []int{1, 6} {
			tokenize(t, e, level, nil, in.data)
			c := e.costs()
			sizes := map[int]int{headerStored: c.stored, headerFixed: c.fixed, headerDynamic: c.dynamic}
			for typ, want := range sizes {
				e.bw = bitWriter{}
				e.bw.reserve(want/8 + 1)
				switch typ {
				case headerStored:
					e.writeStored(e.buf[e.blockStart:e.pos])
				case headerFixed:
					e.bw.put(headerFixed, 3)
					e.writeSeqs(&fixedLitCodes, &fixedDistCodes)
				default:
					e.bw.put(headerDynamic, 3)
					e.writeDynamicHeader()
					e.writeSeqs(&e.litCodes, &e.distCodes)
				}
				got := 8*e.bw.o + int(e.bw.n)
				if got != want {
					t.Errorf("%s level %d type %d: wrote %d bits, computed %d", in.name, level, typ, got, want)
				}
				e.bw.reserve(8)
				e.bw.put(headerStored, 3)
				e.bw.align()
				verify(t, e.bw.out[:e.bw.o], nil, 15, in.data)
			}

			out := encode(t, e, level, 15, nil, in.data, nil)
			best := min(c.stored, c.fixed, c.dynamic)
			if want := (best + 3 + 7) / 8; len(out) != want {
				t.Errorf("%s level %d: Finish wrote %d bytes, smallest block is %d bits (%d bytes with the end)", in.name, level, len(out), best, want)
			}
			typ := int(out[0] & 6)
			if sizes[typ] != best {
				t.Errorf("%s level %d: chose type %d of %d bits; smallest %d", in.name, level, typ, sizes[typ], best)
			}
			if in.want >= 0 && typ != in.want {
				t.Errorf("%s level %d: chose type %d, want %d", in.name, level, typ, in.want)
			}
		}
	}
}

// TestStoredSplit checks stored blocks over 65535 bytes: a block of
// incompressible data as long as the buffer allows is split in two.
func TestStoredSplit(t *testing.T) {
	e := NewEncoder()
	// A message that exactly fills the buffer is tokenized whole by Finish.
	msg := randomBytes(bufSize, 11)
	out := encode(t, e, 1, 8, nil, msg, nil)
	verify(t, out, nil, 8, msg)
	if want := len(msg) + 2*5 + 1; len(out) != want {
		t.Fatalf("%d bytes of random data: %d bytes out, want %d (two stored blocks and the end)", len(msg), len(out), want)
	}
}

// TestFinishOutput checks the framing RFC 7692 §7.2.1 asks for: all blocks
// non-final, the output is exactly a sync flush less its last 4 bytes.
func TestFinishOutput(t *testing.T) {
	e := NewEncoder()
	for _, in := range blockInputs {
		out := encode(t, e, DefaultLevel, 15, nil, in.data, nil)
		// compress/flate's own sync flush of the same data ends with the
		// same empty stored block; both streams must stop at its LEN.
		stream := append(append([]byte(nil), out...), syncTail...)
		r := flate.NewReader(bytes.NewReader(stream))
		got := make([]byte, len(in.data)+1)
		n, err := io.ReadFull(r, got)
		if err != io.ErrUnexpectedEOF || !bytes.Equal(got[:n], in.data) {
			t.Fatalf("%s: read %d bytes, %v; want exactly the message then the end of the input", in.name, n, err)
		}
	}
}
