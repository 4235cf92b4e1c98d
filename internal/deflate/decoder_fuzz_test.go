package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzDecoder decodes arbitrary input, after an arbitrary history, with any
// window size, and compares with compress/flate both ways: each accepts
// what the other accepts, with the same output, and rejects what the other
// rejects, except where the two are defined to differ (decCompareFlate,
// decCompareWindow). The Decoder must not panic or hang, must give the same
// result whether src delivers the input whole or a byte at a time and
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
	fr := flate.NewReader(nil)
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
		} else if wd != nil {
			if want := tailOf(append(before, got...), 1<<wbits); !bytes.Equal(wd.Bytes(), want) {
				t.Fatalf("history after the message: %d bytes, want %d", wd.Len(), len(want))
			}
		}

		// compress/flate's window is always 32 KiB: it is compared with a
		// decode with 15 window bits and the same history (at most 1<<wbits
		// bytes, so no further back than with wbits).
		got15, err15 := again, err2
		if wbits < MaxWindowBits {
			var w15 *Window
			if wd != nil {
				w15 = decWindowOf(before)
			}
			got15, err15 = decDecode(d, bytes.NewReader(data), MaxWindowBits, w15, 1<<16)
			decCompareWindow(t, got, err, got15, err15)
		}
		decCompareFlate(t, fr, data, before, got15, err15, d.final, d.nbits)
	})
}

// decWindowError is in the error of a distance past the window
// (Decoder.distError).
const decWindowError = "past the window"

// decCompareWindow compares the result of a decode with fewer than 15 window
// bits (got, err) with that of the same input and history with 15: they
// must be the same, except that with the smaller window a distance past it
// is corrupt data, and the message stops there.
func decCompareWindow(t *testing.T, got []byte, err error, got15 []byte, err15 error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), decWindowError) {
		if !bytes.HasPrefix(got15, got) {
			t.Fatalf("window error after %d bytes, not a prefix of the %d bytes with 15 window bits (%s)", len(got), len(got15), firstDiff(got, got15))
		}
		return
	}
	if fmt.Sprint(err) != fmt.Sprint(err15) || !bytes.Equal(got, got15) {
		t.Fatalf("small window: %d bytes, %v; 15 window bits: %d bytes, %v", len(got), err, len(got15), err15)
	}
}

// flateDecode decodes stream with compress/flate and the dictionary dict.
func flateDecode(fr io.ReadCloser, stream, dict []byte) ([]byte, error) {
	if err := fr.(flate.Resetter).Reset(bytes.NewReader(stream), dict); err != nil {
		return nil, err
	}
	return io.ReadAll(fr)
}

// decCompareFlate compares what the Decoder made of the message data with
// 15 window bits and the history hist (got and err, and how the message
// ended: the BFINAL bit of its last block, and the bits it left unread)
// with what compress/flate makes of the same bytes the way RFC 7692 §7.2.2
// has a receiver decode them: data, then 00 00 ff ff, then a final empty
// stored block (so that the stream ends), with hist as dictionary. Both
// must accept the message, with the same output, or both reject it, except
// where the two are defined to differ:
//
//   - The Decoder ends a message at the end of a block with no more than
//     the padding of a byte left (Reset documents it), whatever those bits
//     are; compress/flate reads them as the start of a block header, with
//     the tail after them. Both agree when the padding is at least 3 bits
//     that start with a stored block's header (000 or 100); otherwise
//     compress/flate may reject the stream, or decode more blocks. Then the
//     padding bits set to zero, and a byte of zeros after them if they are
//     fewer than 3, make the tail an empty stored block that starts where
//     the Decoder ended, and compress/flate must decode that to the same
//     output.
//   - Input that ends inside a block is io.ErrUnexpectedEOF to the Decoder,
//     which does not append the tail, while compress/flate reads the tail
//     as part of the block and may decode it to anything, or accept it.
//     compress/flate must reject data alone (it has no final block there
//     either), and its two outputs must bracket ours: decoding the same
//     bits, both go as far as the input allows, compress/flate without the
//     tail perhaps stopping sooner (it reads at least as many bits as the
//     end-of-block code has before it decodes any symbol).
//   - Where both reject, compress/flate may reject later: it accepts an
//     empty or single-code code-length code and a literal/length code
//     without an end of block, and fails only when it decodes with them,
//     perhaps after more output. The Decoder's output must be a prefix of
//     compress/flate's.
//
// Errors need not be of the same kind: with the tail, compress/flate may
// find corrupt data where the Decoder found the end of its input.
func decCompareFlate(t *testing.T, fr io.ReadCloser, data, hist, got []byte, err error, final bool, left uint) {
	t.Helper()
	stream := append(append(append([]byte(nil), data...), syncTail...), finalEmpty...)
	want, ferr := flateDecode(fr, stream, hist)
	switch {
	case err == nil:
		if ferr == nil && bytes.Equal(got, want) {
			return
		}
		if final || left >= 8 {
			t.Fatalf("got %d bytes; compress/flate %d bytes, %v (%s)", len(got), len(want), ferr, firstDiff(got, want))
		}
		// Ended by the rule of the padding: the last left bits of data.
		padded := append([]byte(nil), data...)
		if left > 0 {
			padded[len(padded)-1] &= 0xff >> left
		}
		if left < 3 {
			padded = append(padded, 0)
		}
		padded = append(append(padded, syncTail...), finalEmpty...)
		want2, ferr2 := flateDecode(fr, padded, hist)
		if ferr2 != nil || !bytes.Equal(got, want2) {
			t.Fatalf("got %d bytes, ended with %d bits left; compress/flate %d bytes, %v, and with the padding cleared %d bytes, %v (%s)", len(got), left, len(want), ferr, len(want2), ferr2, firstDiff(got, want2))
		}
	case errors.Is(err, ErrCorrupt):
		if ferr == nil {
			t.Fatalf("%v after %d bytes; compress/flate accepts %d bytes", err, len(got), len(want))
		}
		if !bytes.HasPrefix(want, got) {
			t.Fatalf("%v after %d bytes; compress/flate %v after %d bytes (%s)", err, len(got), ferr, len(want), firstDiff(got, want))
		}
	default: // io.ErrUnexpectedEOF
		if !bytes.HasPrefix(want, got) {
			t.Fatalf("%v after %d bytes; compress/flate, with the tail, %d bytes, %v (%s)", err, len(got), len(want), ferr, firstDiff(got, want))
		}
		short, serr := flateDecode(fr, data, hist)
		if serr == nil {
			t.Fatalf("%v after %d bytes; compress/flate accepts %d bytes without the tail", err, len(got), len(short))
		}
		if !bytes.HasPrefix(got, short) {
			t.Fatalf("%v after %d bytes; compress/flate, without the tail, %d bytes, %v (%s)", err, len(got), len(short), serr, firstDiff(got, short))
		}
	}
}
