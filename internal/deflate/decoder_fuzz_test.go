package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// FuzzDecoder decodes arbitrary input, after an arbitrary history, with any
// window size, and compares with compress/flate: when both succeed, the
// output must be the same. The Decoder must not panic or hang, must give the
// same result whether src delivers the input whole or a byte at a time and
// whatever the size of the reads, and after a message must hold the right
// history. Seeds are in testdata/fuzz/FuzzDecoder, and below.
//
// mode picks the reads: bit 0 a history even if hist is empty, bit 1 a source
// that gives one byte at a time, bits 2-4 the read size.
func FuzzDecoder(f *testing.F) {
	e := NewEncoder()
	msgs := jsonMessages(3, 7)
	var w Window
	for _, m := range msgs {
		before := decHistBytes(&w)
		f.Add(before, decEncode(f, e, 2, 15, &w, m), uint8(7), uint8(1))
	}
	f.Add([]byte(nil), []byte{0x00}, uint8(7), uint8(0))
	f.Add([]byte("abc"), []byte{0x02, 0x00}, uint8(0), uint8(3))
	for _, level := range []int{flate.BestSpeed, flate.BestCompression, flate.HuffmanOnly} {
		comp := decFlateMessages(f, level, [][]byte{msgs[0], msgs[1]}, true)
		f.Add(msgs[0], comp[1], uint8(7), uint8(6))
	}
	for _, tc := range decCases() {
		f.Add(tc.hist, tc.in, uint8(tc.bits-MinWindowBits), uint8(0))
	}

	d := NewDecoder()
	psizes := [8]int{100_000, 1, 2, 7, 258, 1000, 4096, 40_000}
	f.Fuzz(func(t *testing.T, hist, data []byte, bits, mode uint8) {
		wbits := MinWindowBits + int(bits)%(MaxWindowBits-MinWindowBits+1)
		var before []byte
		var wd *Window
		if len(hist) > 0 || mode&1 != 0 {
			wd = new(Window)
			wd.Write(hist, 1<<wbits)
			before = decHistBytes(wd)
		}
		var src io.Reader = bytes.NewReader(data)
		if mode&2 != 0 {
			src = iotest.OneByteReader(src)
		}
		got, err := decDecode(d, src, wbits, wd, psizes[mode>>2&7])
		// Whatever the reads, the same result.
		var w2 *Window
		if wd != nil {
			w2 = decWindowOf(before)
		}
		again, err2 := decDecode(d, bytes.NewReader(data), wbits, w2, 1<<16)
		if !bytes.Equal(got, again) && err == nil || (err == nil) != (err2 == nil) || errors.Is(err, ErrCorrupt) != errors.Is(err2, ErrCorrupt) {
			t.Fatalf("results differ with the reads: %d bytes, %v; %d bytes, %v", len(got), err, len(again), err2)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && err != io.ErrUnexpectedEOF {
				t.Fatalf("unexpected error %v", err)
			}
			if wd != nil && !bytes.Equal(wd.Bytes(), before) {
				t.Fatalf("history changed by a failed message")
			}
			return
		}
		if wd != nil {
			if want := tailOf(append(before, got...), 1<<wbits); !bytes.Equal(wd.Bytes(), want) {
				t.Fatalf("history after the message: %d bytes, want %d", wd.Len(), len(want))
			}
		}
		// Ended by the rule for a block end with nothing but padding left,
		// the Decoder left bits that compress/flate reads as a block header
		// followed by the tail; it may then decode more.
		lenient := !d.final && d.nbits%8 != 0
		stream := append(append(append([]byte(nil), data...), 0x00, 0x00, 0xff, 0xff), 0x01, 0x00, 0x00, 0xff, 0xff)
		want, ferr := io.ReadAll(flate.NewReaderDict(bytes.NewReader(stream), before))
		if ferr != nil || lenient && bytes.HasPrefix(want, got) {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, compress/flate %d (%s)", len(got), len(want), firstDiff(got, want))
		}
	})
}
