package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"testing"
)

// syncTail is what RFC 7692 §7.2.1 strips from a message and a receiver
// appends back before decoding.
var syncTail = []byte{0x00, 0x00, 0xff, 0xff}

// finalEmpty is a final empty stored block, appended so that compress/flate
// ends the stream with io.EOF.
var finalEmpty = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// encode compresses msg as one message with e. If r is not nil, msg is
// written in pieces of random sizes.
func encode(t testing.TB, e *Encoder, level, windowBits int, hist *Window, msg []byte, r *rand.Rand) []byte {
	t.Helper()
	var out bytes.Buffer
	e.Reset(&out, level, windowBits, hist)
	writeSplit(t, e, msg, r)
	if err := e.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return out.Bytes()
}

// writeSplit writes msg to e, in pieces of random sizes if r is not nil.
func writeSplit(t testing.TB, e *Encoder, msg []byte, r *rand.Rand) {
	t.Helper()
	for len(msg) > 0 {
		k := len(msg)
		if r != nil {
			switch r.IntN(3) {
			case 0:
				k = min(k, 1+r.IntN(16))
			case 1:
				k = min(k, 1+r.IntN(4096))
			default:
				k = min(k, 1+r.IntN(100_000))
			}
		}
		n, err := e.Write(msg[:k])
		if err != nil || n != k {
			t.Fatalf("Write(%d bytes) = %d, %v", k, n, err)
		}
		msg = msg[k:]
	}
}

// verify checks that out, the output of Finish for msg with histBefore as the
// history, is well formed and decodes to msg both with the strict test
// inflater (window of 1<<windowBits bytes) and with compress/flate.
func verify(t testing.TB, out, histBefore []byte, windowBits int, msg []byte) {
	t.Helper()
	if len(out) == 0 {
		t.Fatalf("empty output")
	}
	if bytes.HasSuffix(out, syncTail) {
		t.Fatalf("output ends with 00 00 ff ff")
	}
	stream := append(append([]byte(nil), out...), syncTail...)
	got, err := inflate(stream, histBefore, windowBits)
	if err != nil {
		t.Fatalf("test inflater: %v (message of %d bytes, history %d, window bits %d)", err, len(msg), len(histBefore), windowBits)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("test inflater: got %d bytes, want %d (%s)", len(got), len(msg), firstDiff(got, msg))
	}
	stream = append(stream, finalEmpty...)
	got, err = io.ReadAll(flate.NewReaderDict(bytes.NewReader(stream), histBefore))
	if err != nil {
		t.Fatalf("compress/flate: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("compress/flate: got %d bytes, want %d (%s)", len(got), len(msg), firstDiff(got, msg))
	}
}

func firstDiff(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "first difference at " + itoa(i)
		}
	}
	return "one is a prefix of the other"
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// tailOf returns a copy of the last n bytes of b (all of b if shorter).
func tailOf(b []byte, n int) []byte {
	return append([]byte(nil), b[max(0, len(b)-n):]...)
}
