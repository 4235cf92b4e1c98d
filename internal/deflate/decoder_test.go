package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// ---- helpers ----

// decEncode compresses msg as one message with e, as a peer would send it.
func decEncode(t testing.TB, e *Encoder, level, windowBits int, hist *Window, msg []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	e.Reset(&out, level, windowBits, hist)
	if _, err := e.Write(msg); err != nil {
		t.Fatalf("Encoder.Write: %v", err)
	}
	if err := e.Finish(); err != nil {
		t.Fatalf("Encoder.Finish: %v", err)
	}
	return out.Bytes()
}

// decReadAll reads the rest of the message from d, psize bytes at most at a
// time.
func decReadAll(d *Decoder, psize int) ([]byte, error) {
	var out []byte
	p := make([]byte, psize)
	for idle := 0; idle < 1000; {
		n, err := d.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			idle++
		}
	}
	return out, errors.New("test: Read makes no progress")
}

// decDecode decodes one message.
func decDecode(d *Decoder, src io.Reader, windowBits int, hist *Window, psize int) ([]byte, error) {
	d.Reset(src, windowBits, hist)
	return decReadAll(d, psize)
}

// decWindowOf returns a Window holding b (its last 32 KiB).
func decWindowOf(b []byte) *Window {
	w := new(Window)
	w.Write(b, 1<<MaxWindowBits)
	return w
}

// decHistBytes returns a copy of the history in w.
func decHistBytes(w *Window) []byte {
	return append([]byte(nil), w.Bytes()...)
}

// decInputs are messages of every kind: empty, tiny, compressible,
// incompressible, long runs, JSON, and long enough to slide the window
// buffer.
func decInputs() []struct {
	name string
	data []byte
} {
	return []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"1byte", []byte{'x'}},
		{"short", []byte("hello, hello, hello world")},
		{"zeros", make([]byte, 70_000)},
		{"random", randomBytes(20_000, 1)},
		{"pattern", bytes.Repeat([]byte("abcabdabe"), 3_000)},
		{"json", bytes.Join(jsonMessages(8, 3), []byte("\n"))},
		// Long enough to slide the window buffer.
		{"text", text(130_000)},
		{"mixed", append(append(text(30_000), randomBytes(40_000, 2)...), text(40_000)...)},
	}
}

// decSplitReader returns data[:at] on its first Read and the rest after.
type decSplitReader struct {
	data []byte
	at   int
}

func (r *decSplitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := len(r.data)
	if r.at > 0 {
		k = min(k, r.at)
		r.at = 0
	}
	n := copy(p, r.data[:k])
	r.data = r.data[n:]
	return n, nil
}

// decCountingReader counts the bytes read from r.
type decCountingReader struct {
	r     io.Reader
	n     int
	reads int
}

func (c *decCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	c.reads++
	return n, err
}

// decErrReader fails every Read with err.
type decErrReader struct{ err error }

func (r decErrReader) Read([]byte) (int, error) { return 0, r.err }

// decBits writes a DEFLATE stream by hand, field by field, to write streams
// that no encoder would.
type decBits struct {
	out []byte
	n   uint // bits written
}

// v writes the n low bits of x, least significant first: header fields and
// extra bits.
func (b *decBits) v(x uint32, n uint) *decBits {
	for i := range n {
		if b.n%8 == 0 {
			b.out = append(b.out, 0)
		}
		b.out[len(b.out)-1] |= byte(x>>i&1) << (b.n % 8)
		b.n++
	}
	return b
}

// code writes a Huffman code given as RFC 1951 prints it, most significant
// bit first: "0110001".
func (b *decBits) code(s string) *decBits {
	for _, c := range s {
		b.v(uint32(c-'0'), 1)
	}
	return b
}

// c writes the code c of n bits, most significant bit first.
func (b *decBits) c(c uint32, n uint) *decBits {
	for i := n; i > 0; i-- {
		b.v(c>>(i-1)&1, 1)
	}
	return b
}

// align pads with zero bits to a byte boundary.
func (b *decBits) align() *decBits {
	for b.n%8 != 0 {
		b.v(0, 1)
	}
	return b
}

// raw appends whole bytes, after aligning.
func (b *decBits) raw(p ...byte) *decBits {
	b.align()
	b.out = append(b.out, p...)
	b.n += 8 * uint(len(p))
	return b
}

// fixedLit writes literal/length symbol s in the fixed code.
func (b *decBits) fixedLit(s int) *decBits {
	switch {
	case s < 144:
		return b.c(uint32(0x30+s), 8)
	case s < 256:
		return b.c(uint32(0x190+s-144), 9)
	case s < 280:
		return b.c(uint32(s-256), 7)
	default:
		return b.c(uint32(0xc0+s-280), 8)
	}
}

// fixedMatch writes a match of length 3 (symbol 257) whose distance is code
// dc with the extra bits x (n of them) in the fixed code.
func (b *decBits) fixedMatch(dc, x uint32, n uint) *decBits {
	return b.fixedLit(257).c(dc, 5).v(x, n)
}

// decCanonical returns the canonical codes of the code lengths lens.
func decCanonical(lens []uint8) []uint32 {
	var count, next [17]uint32
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	for l := 1; l <= 16; l++ {
		next[l] = (next[l-1] + count[l-1]) << 1
	}
	codes := make([]uint32, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}

// decCLOp is one code-length symbol of a dynamic header, with its extra
// bits.
type decCLOp struct {
	sym   int
	extra uint32
}

// decPlainLens spells code lengths one by one, without repeats.
func decPlainLens(lens ...[]uint8) []decCLOp {
	var ops []decCLOp
	for _, ls := range lens {
		for _, l := range ls {
			ops = append(ops, decCLOp{sym: int(l)})
		}
	}
	return ops
}

// decStdCL is a complete code-length code of all 19 symbols: 13 of 4 bits
// and 6 of 5.
var decStdCL = func() []uint8 {
	cl := make([]uint8, 19)
	for s := range cl {
		cl[s] = 4
		if s >= 13 {
			cl[s] = 5
		}
	}
	return cl
}()

// dynamic writes a dynamic block header with nlit and ndist codes, the
// code-length code lengths cl (19, in symbol order) and the code-length
// symbols ops.
func (b *decBits) dynamic(final bool, nlit, ndist int, cl []uint8, ops []decCLOp) *decBits {
	fin := uint32(0)
	if final {
		fin = 1
	}
	b.v(fin, 1).v(2, 2)
	b.v(uint32(nlit-257), 5).v(uint32(ndist-1), 5).v(19-4, 4)
	for _, s := range decCLOrder {
		b.v(uint32(cl[s]), 3)
	}
	codes := decCanonical(cl)
	for _, op := range ops {
		b.c(codes[op.sym], uint(cl[op.sym]))
		switch op.sym {
		case 16:
			b.v(op.extra, 2)
		case 17:
			b.v(op.extra, 3)
		case 18:
			b.v(op.extra, 7)
		}
	}
	return b
}

// decLitLens returns the lengths of a complete literal/length code: 255
// literals of 8 bits, then literal 255 and the end of block of 9 bits. With
// withMatch, literals 254 and 255, the end of block and length symbol 257
// (length 3) have 9 bits.
func decLitLens(withMatch bool) []uint8 {
	lens := make([]uint8, 286)
	if !withMatch {
		for s := range 255 {
			lens[s] = 8
		}
		lens[255], lens[256] = 9, 9
		return lens
	}
	for s := range 254 {
		lens[s] = 8
	}
	lens[254], lens[255] = 9, 9
	lens[256], lens[257] = 9, 9
	return lens
}

// ---- round trips ----

// TestDecoderRoundTrip decodes the Encoder's output at every level and window
// size, with and without history, and checks the history after.
func TestDecoderRoundTrip(t *testing.T) {
	e := NewEncoder()
	d := NewDecoder()
	histData := text(40_000)[3_000:]
	levels := []int{MinLevel, 2, 3, 4, 5, 6, 7, 8, MaxLevel}
	if testing.Short() {
		levels = []int{MinLevel, 4, MaxLevel}
	}
	for _, in := range decInputs() {
		t.Run(in.name, func(t *testing.T) {
			for _, level := range levels {
				for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
					if len(in.data) > 100_000 && bits%4 != 0 && bits != MaxWindowBits {
						continue
					}
					for _, withHist := range []bool{false, true} {
						var we, wd *Window
						var before []byte
						if withHist {
							we, wd = decWindowOf(histData), decWindowOf(histData)
							before = decHistBytes(wd)
						}
						comp := decEncode(t, e, level, bits, we, in.data)
						// Reads of 1 MiB let decoding run up to the end of
						// the window buffer.
						psize := 32 << 10
						if (level+bits)%2 == 0 {
							psize = 1 << 20
						}
						got, err := decDecode(d, bytes.NewReader(comp), bits, wd, psize)
						if err != nil || !bytes.Equal(got, in.data) {
							t.Fatalf("level %d, bits %d, history %v: %d bytes, %v; want %d bytes", level, bits, withHist, len(got), err, len(in.data))
						}
						if withHist {
							want := tailOf(append(before, in.data...), 1<<bits)
							if h := wd.Bytes(); !bytes.Equal(h, want) {
								t.Fatalf("level %d, bits %d: history after: %d bytes, want %d (%s)", level, bits, len(h), len(want), firstDiff(h, want))
							}
						}
					}
				}
			}
		})
	}
}

// TestDecoderTakeover decodes a conversation of many messages under context
// takeover: one Window on each side, one Decoder, as a connection would.
func TestDecoderTakeover(t *testing.T) {
	msgs := jsonMessages(120, 5)
	msgs = append(msgs, text(50_000), nil, randomBytes(3_000, 9), text(70_000))
	msgs = append(msgs, jsonMessages(20, 6)...)
	for _, bits := range []int{8, 10, 12, 15} {
		for _, level := range []int{1, 2, 6} {
			t.Run(fmt.Sprintf("bits%d/level%d", bits, level), func(t *testing.T) {
				e, d := NewEncoder(), NewDecoder()
				var we, wd Window
				var all []byte
				for i, m := range msgs {
					comp := decEncode(t, e, level, bits, &we, m)
					got, err := decDecode(d, bytes.NewReader(comp), bits, &wd, 1+i*997%20_000)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d: %d bytes, %v; want %d bytes (%s)", i, len(got), err, len(m), firstDiff(got, m))
					}
					all = append(all, m...)
					if want := tailOf(all, 1<<bits); !bytes.Equal(wd.Bytes(), want) {
						t.Fatalf("message %d: history differs", i)
					}
				}
			})
		}
	}
}

// TestDecoderEmptyMessage decodes the empty message of RFC 7692 §7.2.3.6, the
// byte 0x00, and its variants.
func TestDecoderEmptyMessage(t *testing.T) {
	d := NewDecoder()
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"byte-00", []byte{0x00}},
		{"no-bytes", nil},
		{"sync-tail-kept", []byte{0x00, 0x00, 0x00, 0xff, 0xff}},
		{"final-stored-header", []byte{0x01}},
		{"final-empty-stored", []byte{0x01, 0x00, 0x00, 0xff, 0xff}},
		{"empty-fixed-block", []byte{0x02, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := decWindowOf([]byte("history"))
			got, err := decDecode(d, bytes.NewReader(tc.in), 15, w, 100)
			if err != nil || len(got) != 0 {
				t.Fatalf("got %q, %v; want an empty message", got, err)
			}
			if string(w.Bytes()) != "history" {
				t.Fatalf("history %q", w.Bytes())
			}
		})
	}
}

// TestDecoderShortReads decodes messages that src delivers in every way:
// cut at every byte boundary, one byte at a time, in halves, with io.EOF
// along with the last bytes, into buffers of many sizes.
func TestDecoderShortReads(t *testing.T) {
	e, d := NewEncoder(), NewDecoder()
	hist := text(33_000)
	msgs := [][]byte{
		jsonMessages(1, 11)[0],
		[]byte("abc"),
		bytes.Repeat([]byte{'z'}, 1000),
		append(text(3_000), randomBytes(1_500, 3)...),
	}
	for mi, m := range msgs {
		for _, level := range []int{1, 6} {
			comp := decEncode(t, e, level, 15, decWindowOf(hist), m)
			// Every cut, with history.
			for at := 1; at < len(comp); at++ {
				w := decWindowOf(hist)
				got, err := decDecode(d, &decSplitReader{data: comp, at: at}, 15, w, 4096)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("message %d, level %d, cut at %d: %d bytes, %v", mi, level, at, len(got), err)
				}
			}
			readers := map[string]func(io.Reader) io.Reader{
				"one-byte": iotest.OneByteReader,
				"half":     iotest.HalfReader,
				"data-err": iotest.DataErrReader,
				"one-byte-data-err": func(r io.Reader) io.Reader {
					return iotest.OneByteReader(iotest.DataErrReader(r))
				},
			}
			for name, wrap := range readers {
				for _, psize := range []int{1, 7, 258, 259, 4096, 100_000} {
					w := decWindowOf(hist)
					got, err := decDecode(d, wrap(bytes.NewReader(comp)), 15, w, psize)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d, level %d, %s reader, reads of %d: %d bytes, %v", mi, level, name, psize, len(got), err)
					}
					if want := tailOf(append(append([]byte(nil), hist...), m...), 1<<15); !bytes.Equal(w.Bytes(), want) {
						t.Fatalf("message %d, %s reader, reads of %d: history differs", mi, name, psize)
					}
				}
			}
		}
	}
}

// decFlateMessages compresses msgs with compress/flate at level, each ended
// with a Flush whose 00 00 ff ff is removed, as RFC 7692 §7.2.1 says. With
// takeover one writer serves the conversation, otherwise one per message.
func decFlateMessages(t testing.TB, level int, msgs [][]byte, takeover bool) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		if !takeover {
			fw.Reset(&buf)
		}
		if _, err := fw.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasSuffix(b, []byte{0, 0, 0xff, 0xff}) {
			t.Fatalf("flush output does not end with 00 00 ff ff")
		}
		out[i] = append([]byte(nil), b[:len(b)-4]...)
		buf.Reset()
	}
	return out
}

// TestDecoderFlate decodes compress/flate's output at each of its levels:
// messages that end with a sync flush, under context takeover and without,
// and messages that end with a final block.
func TestDecoderFlate(t *testing.T) {
	msgs := jsonMessages(30, 8)
	msgs = append(msgs, text(100_000), nil, randomBytes(70_000, 4), make([]byte, 100_000), []byte("x"))
	levels := []struct {
		name  string
		level int
	}{
		{"speed", flate.BestSpeed},
		{"default", flate.DefaultCompression},
		{"best", flate.BestCompression},
		{"huffman-only", flate.HuffmanOnly},
		{"stored", flate.NoCompression},
	}
	d := NewDecoder()
	for _, lv := range levels {
		for _, takeover := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/takeover=%v", lv.name, takeover), func(t *testing.T) {
				comp := decFlateMessages(t, lv.level, msgs, takeover)
				var wd *Window
				if takeover {
					wd = new(Window)
				}
				var all []byte
				for i, c := range comp {
					got, err := decDecode(d, iotest.HalfReader(bytes.NewReader(c)), 15, wd, 10_000)
					if err != nil || !bytes.Equal(got, msgs[i]) {
						t.Fatalf("message %d: %d bytes, %v; want %d (%s)", i, len(got), err, len(msgs[i]), firstDiff(got, msgs[i]))
					}
					all = append(all, msgs[i]...)
					if takeover && !bytes.Equal(wd.Bytes(), tailOf(all, 1<<15)) {
						t.Fatalf("message %d: history differs", i)
					}
				}
			})
		}
		t.Run(lv.name+"/final-block", func(t *testing.T) {
			for i, m := range msgs {
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, lv.level)
				fw.Write(m)
				fw.Close()
				whole := buf.Bytes()
				// As sent: the final stored block's LEN and NLEN removed. Or
				// not, and some garbage after the final block, never read.
				stripped := bytes.TrimSuffix(whole, []byte{0, 0, 0xff, 0xff})
				garbage := io.MultiReader(bytes.NewReader(whole), decErrReader{errors.New("read past the final block")})
				for _, src := range []io.Reader{bytes.NewReader(stripped), garbage} {
					got, err := decDecode(d, src, 15, nil, 5_000)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
					}
				}
			}
		})
	}
}

// ---- invalid input ----

// decFixed starts a non-final block with the fixed code.
func decFixed() *decBits { return new(decBits).v(0, 1).v(1, 2) }

// decCases are hand-built streams, each breaking one rule, and the error
// each must give: nil for a valid stream (whose output is want), or the
// error it must match with errors.Is.
func decCases() []struct {
	name string
	in   []byte
	hist []byte
	bits int
	want string
	err  error
} {
	// A literal/length code with a length symbol (257, length 3).
	lit := decLitLens(true)
	type tc = struct {
		name string
		in   []byte
		hist []byte
		bits int
		want string
		err  error
	}
	withMatch := func(name string, dist []uint8, distCode uint32, distBits uint, want string, err error) tc {
		b := new(decBits).dynamic(false, 286, len(dist), decStdCL, decPlainLens(lit, dist))
		codes := decCanonical(lit)
		b.c(codes['a'], 8).c(codes['b'], 8).c(codes[257], 9)
		b.c(distCode, distBits)
		b.c(codes[256], 9).v(0, 3)
		return tc{name: name, in: b.out, want: want, err: err, bits: 15}
	}
	litOnly := func(name string, litLens, dist []uint8, err error) tc {
		b := new(decBits).dynamic(false, len(litLens), len(dist), decStdCL, decPlainLens(litLens, dist))
		if err == nil {
			codes := decCanonical(litLens)
			b.c(codes['a'], uint(litLens['a'])).c(codes[256], uint(litLens[256]))
		}
		b.v(0, 3)
		return tc{name: name, in: b.out, want: "a", err: err, bits: 15}
	}
	plain := decLitLens(false)[:257]
	overLit := decLitLens(false)[:258]
	overLit[257] = 9
	incLit := decLitLens(false)[:257]
	incLit[100] = 0
	noEOB := decLitLens(false)[:258]
	noEOB[256], noEOB[257] = 0, 9
	// Literal/length codes of a single code: the end of block in one bit
	// (which zlib and compress/flate accept, like a distance code of one
	// code), in two bits, or a literal in one bit.
	eobOnly := func(name string, l uint8, sym int, codes string, err error) tc {
		lens := make([]uint8, 257)
		lens[sym] = l
		b := new(decBits).dynamic(false, 257, 1, decStdCL, decPlainLens(lens, []uint8{0}))
		return tc{name: name, in: b.code(codes).v(0, 3).out, err: err, bits: 15}
	}
	// A fixed block of 'a' and n 9-bit literals (0xff), then the end of
	// block, then bits of padding, all ones, to the end of the byte.
	padded := func(name string, n int) tc {
		b := decFixed().fixedLit('a')
		for range n {
			b.fixedLit(0xff)
		}
		b.fixedLit(256)
		for b.n%8 != 0 {
			b.v(1, 1)
		}
		return tc{name: name, in: b.out, want: "a" + strings.Repeat("\xff", n), bits: 15}
	}

	cases := []tc{
		// Block headers.
		{name: "reserved-type", in: new(decBits).v(0, 1).v(3, 2).v(0, 5).out, err: ErrCorrupt},
		{name: "stored-nlen", in: new(decBits).v(0, 3).raw(0x05, 0x00, 0xfa, 0xfe, 1, 2, 3, 4, 5).v(0, 3).out, err: ErrCorrupt},
		{name: "stored", in: new(decBits).v(0, 3).raw(0x03, 0x00, 0xfc, 0xff, 'x', 'y', 'z').v(0, 3).out, want: "xyz"},
		{name: "stored-short", in: new(decBits).v(0, 3).raw(0x05, 0x00, 0xfa, 0xff, 'x', 'y').out, err: io.ErrUnexpectedEOF},
		{name: "stored-half-len", in: new(decBits).v(0, 3).raw(0x05, 0x00).out, err: io.ErrUnexpectedEOF},
		// The fixed code.
		// RFC 1951 §3.2.6 prints the fixed codes: 'a' (0x61) is 0x30+0x61,
		// 8 bits; the end of block 7 zero bits.
		{name: "fixed-by-hand", in: decFixed().code("10010001").code("0000000").v(0, 3).out, want: "a"},
		{name: "fixed", in: decFixed().fixedLit('a').fixedLit('b').fixedMatch(1, 0, 0).fixedLit(256).v(0, 3).out, want: "ababa"},
		{name: "fixed-286", in: decFixed().fixedLit('a').fixedLit(286).fixedLit(256).out, err: ErrCorrupt},
		{name: "fixed-287", in: decFixed().fixedLit('a').fixedLit(287).fixedLit(256).out, err: ErrCorrupt},
		{name: "fixed-dist-30", in: decFixed().fixedLit('a').fixedMatch(30, 0, 0).fixedLit(256).out, err: ErrCorrupt},
		{name: "fixed-dist-31", in: decFixed().fixedLit('a').fixedMatch(31, 0, 0).fixedLit(256).out, err: ErrCorrupt},
		{name: "fixed-truncated", in: decFixed().fixedLit('a').fixedLit('b').out, err: io.ErrUnexpectedEOF},
		{name: "fixed-truncated-match", in: decFixed().fixedLit('a').fixedLit(257).out, err: io.ErrUnexpectedEOF},
		{name: "header-only-fixed", in: decFixed().out, err: io.ErrUnexpectedEOF},
		// Distances.
		{name: "dist-no-history", in: decFixed().fixedMatch(0, 0, 0).fixedLit(256).out, err: ErrCorrupt},
		{name: "dist-past-output", in: decFixed().fixedLit('a').fixedMatch(1, 0, 0).fixedLit(256).out, err: ErrCorrupt},
		{name: "dist-into-history", in: decFixed().fixedMatch(1, 0, 0).fixedLit(256).v(0, 3).out, hist: []byte("xyz12"), want: "121"},
		{name: "dist-past-history", in: decFixed().fixedMatch(4, 1, 1).fixedLit(256).out, hist: []byte("12345"), err: ErrCorrupt},
		{name: "dist-all-history", in: decFixed().fixedMatch(4, 0, 1).fixedLit(256).v(0, 3).out, hist: []byte("12345"), want: "123"},
		// Dynamic headers.
		withMatch("dynamic", []uint8{1, 1}, 1, 1, "ababa", nil),
		{name: "hlit-287", in: new(decBits).dynamic(false, 287, 1, decStdCL, nil).out, err: ErrCorrupt},
		{name: "hlit-288", in: new(decBits).dynamic(false, 288, 1, decStdCL, nil).out, err: ErrCorrupt},
		{name: "hdist-31", in: new(decBits).dynamic(false, 257, 31, decStdCL, nil).out, err: ErrCorrupt},
		{name: "hdist-32", in: new(decBits).dynamic(false, 257, 32, decStdCL, nil).out, err: ErrCorrupt},
		{name: "cl-over-subscribed", in: new(decBits).dynamic(false, 257, 1, []uint8{1, 1, 1, 18: 0}, nil).out, err: ErrCorrupt},
		{name: "cl-incomplete", in: new(decBits).dynamic(false, 257, 1, []uint8{2, 2, 2, 18: 0}, nil).out, err: ErrCorrupt},
		{name: "cl-single", in: new(decBits).dynamic(false, 257, 1, []uint8{1, 18: 0}, nil).out, err: ErrCorrupt},
		{name: "cl-empty", in: new(decBits).dynamic(false, 257, 1, make([]uint8, 19), nil).out, err: ErrCorrupt},
		{name: "repeat-first", in: new(decBits).dynamic(false, 257, 1, decStdCL, []decCLOp{{16, 0}}).out, err: ErrCorrupt},
		{name: "repeat-overflow", in: new(decBits).dynamic(false, 257, 1, decStdCL, []decCLOp{{18, 127}, {18, 127}, {8, 0}}).out, err: ErrCorrupt},
		{name: "repeat-16-overflow", in: new(decBits).dynamic(false, 257, 1, decStdCL, []decCLOp{{18, 127}, {18, 105}, {8, 0}, {16, 3}}).out, err: ErrCorrupt},
		{name: "repeat-17-overflow", in: new(decBits).dynamic(false, 257, 1, decStdCL, []decCLOp{{18, 127}, {18, 105}, {17, 7}}).out, err: ErrCorrupt},
		{name: "truncated-header", in: new(decBits).dynamic(false, 257, 1, decStdCL, []decCLOp{{8, 0}}).out, err: io.ErrUnexpectedEOF},
		litOnly("lit-valid", plain, []uint8{1, 1}, nil),
		litOnly("lit-over-subscribed", overLit, []uint8{1, 1}, ErrCorrupt),
		litOnly("lit-incomplete", incLit, []uint8{1, 1}, ErrCorrupt),
		litOnly("no-end-of-block", noEOB, []uint8{1, 1}, ErrCorrupt),
		litOnly("dist-none", plain, []uint8{0}, nil),
		litOnly("dist-incomplete", plain, []uint8{1, 2}, ErrCorrupt),
		litOnly("dist-single-2-bits", plain, []uint8{2}, ErrCorrupt),
		litOnly("dist-over-subscribed", plain, []uint8{1, 1, 1}, ErrCorrupt),
		withMatch("dist-single", []uint8{1}, 0, 1, "abbbb", nil),
		withMatch("dist-single-unused-code", []uint8{1}, 1, 1, "", ErrCorrupt),
		withMatch("dist-none-used", []uint8{0}, 0, 0, "", ErrCorrupt),
		withMatch("dist-single-second", []uint8{0, 1}, 0, 1, "ababa", nil),
		eobOnly("lit-single-eob", 1, 256, "00", nil),
		eobOnly("lit-single-eob-other-code", 1, 256, "1", ErrCorrupt),
		eobOnly("lit-single-eob-2-bits", 2, 256, "00", ErrCorrupt),
		eobOnly("lit-single-literal", 1, 'a', "00", ErrCorrupt),
		// The end of the message.
		{name: "end-at-byte-boundary", in: decFixed().fixedLit('a').fixedLit(256).align().out, want: "a"},
		// Padding that is no stored block's header: ours ends the message
		// there, compress/flate with 00 00 ff ff after it does not.
		padded("end-padding-6-bits", 0),
		padded("end-padding-3-bits", 3),
		padded("end-padding-2-bits", 4),
		padded("end-padding-1-bit", 5),
		padded("end-padding-none", 6),
		{name: "end-after-stored-header", in: decFixed().fixedLit('a').fixedLit(256).v(0, 3).out, want: "a"},
		{name: "end-sync-tail-kept", in: decFixed().fixedLit('a').fixedLit(256).v(0, 3).raw(0, 0, 0xff, 0xff).out, want: "a"},
		{name: "end-after-final", in: new(decBits).v(1, 1).v(1, 2).fixedLit('a').fixedLit(256).raw(0xde, 0xad).out, want: "a"},
		{name: "end-in-block-header", in: new(decBits).v(0, 3).raw(0, 0, 0xff, 0xff).v(0, 1).v(2, 2).v(0, 5).raw(0x10).out, err: io.ErrUnexpectedEOF},
	}
	for i := range cases {
		if cases[i].bits == 0 {
			cases[i].bits = 15
		}
	}
	return cases
}

// TestDecoderInvalid decodes hand-built streams, valid and not, through
// every short reader: each must give its output or its error.
func TestDecoderInvalid(t *testing.T) {
	d := NewDecoder()
	for _, tc := range decCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, wrap := range []func(io.Reader) io.Reader{
				func(r io.Reader) io.Reader { return r },
				iotest.OneByteReader,
				iotest.DataErrReader,
			} {
				for _, psize := range []int{1, 3, 1000} {
					var w *Window
					if tc.hist != nil {
						w = decWindowOf(tc.hist)
					}
					got, err := decDecode(d, wrap(bytes.NewReader(tc.in)), tc.bits, w, psize)
					if tc.err == nil {
						if err != nil || string(got) != tc.want {
							t.Fatalf("reads of %d: got %q, %v; want %q", psize, got, err, tc.want)
						}
						continue
					}
					if !errors.Is(err, tc.err) {
						t.Fatalf("reads of %d: got %q, %v; want %v", psize, got, err, tc.err)
					}
					if tc.err == io.ErrUnexpectedEOF && err != io.ErrUnexpectedEOF {
						t.Fatalf("io.ErrUnexpectedEOF wrapped: %v", err)
					}
					// Errors stick.
					if n, err2 := d.Read(make([]byte, 10)); n != 0 || err2 != err {
						t.Fatalf("Read after the error: %d, %v", n, err2)
					}
				}
			}
		})
	}
}

// TestDecoderWindowBits checks the window: with b window bits, a distance of
// 1<<b decodes and 1<<b + 1 does not, however much history there is.
func TestDecoderWindowBits(t *testing.T) {
	d := NewDecoder()
	hist := randomBytes(40_000, 6)
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		size := 1 << bits
		for _, dist := range []int{size, size + 1} {
			// Distance code c covers 1<<nb distances from its base.
			c := 0
			for c+1 < 30 && int(decDistBase[c+1]) <= dist {
				c++
			}
			nb := uint(decDistExtra[c])
			x := uint32(dist - int(decDistBase[c]))
			if dist > 32768 {
				continue
			}
			in := decFixed().fixedMatch(uint32(c), x, nb).fixedLit(256).v(0, 3).out
			got, err := decDecode(d, bytes.NewReader(in), bits, decWindowOf(hist), 100)
			if dist <= size {
				want := hist[len(hist)-dist:][:3]
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("bits %d, distance %d: %x, %v; want %x", bits, dist, got, err, want)
				}
			} else if !errors.Is(err, ErrCorrupt) {
				t.Errorf("bits %d, distance %d: %x, %v; want ErrCorrupt", bits, dist, got, err)
			}
		}
	}
	// A history shorter than the window: its first byte is as far back as
	// a match may reach.
	for _, n := range []int{1, 100, 4000} {
		for _, bits := range []int{8, 15} {
			in := decFixed().fixedLit('a').fixedMatch(29, 8191, 13).fixedLit(256).v(0, 3).out
			_, err := decDecode(d, bytes.NewReader(in), bits, decWindowOf(hist[:n]), 100)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("history %d, bits %d: distance 32768: %v", n, bits, err)
			}
		}
	}
}

// TestDecoderBomb reads a decompression bomb (about 1000 bytes of output per
// byte of input) in small pieces: the Decoder decodes little more than
// asked, and reads little more input than it decodes.
func TestDecoderBomb(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(make([]byte, 8<<20))
	fw.Flush()
	comp := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	d := NewDecoder()
	for _, psize := range []int{1, 100, 4096, 1 << 20} {
		src := &decCountingReader{r: bytes.NewReader(comp)}
		d.Reset(src, 15, nil)
		p := make([]byte, psize)
		total := 0
		for range 3 {
			n, err := d.Read(p)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			total += n
			if ahead := d.wpos - d.rpos; ahead > 258 {
				t.Fatalf("reads of %d: decoded %d bytes ahead", psize, ahead)
			}
		}
		if src.n > decInSize {
			t.Fatalf("reads of %d: %d bytes of output took %d of input", psize, total, src.n)
		}
	}
	// Read whole with a limit, as a Conn would: stops with 1 MiB.
	src := &decCountingReader{r: bytes.NewReader(comp)}
	d.Reset(src, 15, nil)
	got, err := io.ReadAll(io.LimitReader(d, 1<<20))
	if err != nil || len(got) != 1<<20 {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
	if src.n > 2*decInSize {
		t.Fatalf("1 MiB of output took %d bytes of input of %d", src.n, len(comp))
	}
}

// decStepReader gives its chunks one per Read and records how many it gave.
type decStepReader struct {
	chunks [][]byte
	given  int
}

func (r *decStepReader) Read(p []byte) (int, error) {
	if r.given == len(r.chunks) {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[r.given])
	if n < len(r.chunks[r.given]) {
		panic("test: chunk too big")
	}
	r.given++
	return n, nil
}

// TestDecoderStreaming checks that Read returns what it decoded before it
// reads src again: a message sent in pieces, each a sync flush, as a sender
// streaming a long message in fragments would, yields each piece's data
// before the next piece is read.
func TestDecoderStreaming(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	parts := [][]byte{[]byte("first part, "), text(5000), []byte("third"), bytes.Repeat([]byte("yo"), 3000)}
	var chunks [][]byte
	for _, p := range parts {
		fw.Write(p)
		fw.Flush()
		chunks = append(chunks, append([]byte(nil), buf.Bytes()...))
		buf.Reset()
	}
	last := chunks[len(chunks)-1]
	chunks[len(chunks)-1] = last[:len(last)-4]
	for _, chunked := range []bool{false, true} {
		src := &decStepReader{chunks: chunks}
		if chunked {
			// Pieces that cut blocks in the middle.
			all := bytes.Join(chunks, nil)
			src.chunks = [][]byte{all[:7], all[7:100], all[100:1000], all[1000:]}
		}
		d := NewDecoder()
		d.Reset(src, 15, nil)
		p := make([]byte, 1<<20)
		var out []byte
		for {
			given := src.given
			n, err := d.Read(p)
			out = append(out, p[:n]...)
			if src.given > given+1 {
				t.Fatalf("one Read read %d chunks", src.given-given)
			}
			if n == 0 && err == nil {
				t.Fatalf("Read returned nothing")
			}
			if !chunked && err == nil && src.given <= len(parts) {
				want := bytes.Join(parts[:src.given], nil)
				if !bytes.Equal(out, want) {
					t.Fatalf("after %d chunks: %d bytes, want %d", src.given, len(out), len(want))
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if want := bytes.Join(parts, nil); !bytes.Equal(out, want) {
			t.Fatalf("%d bytes, want %d", len(out), len(want))
		}
	}
}

// TestDecoderSourceErrors checks that errors of src come back as they are,
// and that they stick.
func TestDecoderSourceErrors(t *testing.T) {
	e := NewEncoder()
	comp := decEncode(t, e, 2, 15, nil, text(20_000))
	boom := errors.New("boom")
	d := NewDecoder()
	for _, at := range []int{0, 1, 10, len(comp) / 2, len(comp) - 1} {
		src := io.MultiReader(bytes.NewReader(comp[:at]), decErrReader{boom})
		w := decWindowOf([]byte("history"))
		_, err := decDecode(d, src, 15, w, 1000)
		if err != boom {
			t.Fatalf("cut at %d: %v, want boom", at, err)
		}
		if n, err := d.Read(make([]byte, 10)); n != 0 || err != boom {
			t.Fatalf("Read after: %d, %v", n, err)
		}
		if string(w.Bytes()) != "history" {
			t.Fatalf("history changed by a failed message")
		}
		// The end of src in the middle of a block. (Cut before its last
		// byte, the message may end validly, just after its last block.)
		if at > 0 && at < len(comp)-1 {
			_, err = decDecode(d, bytes.NewReader(comp[:at]), 15, nil, 1000)
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("cut at %d: %v, want io.ErrUnexpectedEOF", at, err)
			}
		}
	}
	// A source that makes no progress.
	_, err := decDecode(d, decErrReader{nil}, 15, nil, 10)
	if err != io.ErrNoProgress {
		t.Fatalf("source returning 0, nil: %v", err)
	}
}

// TestDecoderMisuse checks Read without Reset, invalid window bits, and a
// Reset in the middle of a message.
func TestDecoderMisuse(t *testing.T) {
	d := NewDecoder()
	if _, err := d.Read(make([]byte, 10)); err == nil || err == io.EOF {
		t.Fatalf("Read before Reset: %v", err)
	}
	for _, bits := range []int{0, 7, 16} {
		if _, err := decDecode(d, bytes.NewReader([]byte{0}), bits, nil, 10); err == nil || errors.Is(err, ErrCorrupt) {
			t.Fatalf("window bits %d: %v", bits, err)
		}
	}
	comp := decEncode(t, NewEncoder(), 2, 15, nil, text(100_000))
	d.Reset(bytes.NewReader(comp), 15, nil)
	if _, err := d.Read(make([]byte, 5000)); err != nil {
		t.Fatal(err)
	}
	got, err := decDecode(d, bytes.NewReader(comp), 15, nil, 3000)
	if err != nil || !bytes.Equal(got, text(100_000)) {
		t.Fatalf("after a Reset mid-message: %d bytes, %v", len(got), err)
	}
	if n, err := d.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the end: %d, %v", n, err)
	}
	if n, err := d.Read(nil); n != 0 || err != io.EOF {
		t.Fatalf("empty Read after the end: %d, %v", n, err)
	}
}

// TestDecoderNoAllocs checks that a warm Decoder decodes messages with
// dynamic, fixed and stored blocks, with and without history, without
// allocating.
func TestDecoderNoAllocs(t *testing.T) {
	e := NewEncoder()
	msgs := jsonMessages(40, 21)
	msgs = append(msgs, []byte("tiny"), randomBytes(2000, 3), text(100_000))
	start := text(1 << 15)
	we := decWindowOf(start)
	type message struct {
		plain, comp []byte
		takeover    bool
	}
	var comp []message
	for i, m := range msgs {
		takeover := i%3 != 0
		var w *Window
		if takeover {
			w = we
		}
		comp = append(comp, message{m, decEncode(t, e, 1+i%MaxLevel, 15, w, m), takeover})
	}
	d := NewDecoder()
	var wd Window
	var src bytes.Reader
	p := make([]byte, 16<<10)
	run := func() {
		// A full Window takes a full history without allocating.
		wd.Write(start, 1<<15)
		for i, c := range comp {
			var w *Window
			if c.takeover {
				w = &wd
			}
			src.Reset(c.comp)
			d.Reset(&src, 15, w)
			at := 0
			for {
				n, err := d.Read(p)
				if !bytes.Equal(p[:n], c.plain[at:at+n]) {
					t.Fatalf("message %d differs", i)
				}
				at += n
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if at != len(c.plain) {
				t.Fatalf("message %d: %d bytes, want %d", i, at, len(c.plain))
			}
		}
	}
	run()
	if allocs := testing.AllocsPerRun(10, run); allocs != 0 {
		t.Fatalf("%v allocations per %d messages", allocs, len(comp))
	}
}

// TestDecoderBuild builds tables for random complete codes, biased towards
// long codes of many lengths (which need the most subtable entries), and
// decodes every symbol's code through them as the fast path does.
func TestDecoderBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var lit [decLitSize]uint32
	var dist [decDistSize]uint32
	var ident [288]uint32
	for s := range ident {
		ident[s] = uint32(s) << 16
	}
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for _, tc := range []struct {
		table []uint32
		root  uint
		n     int
	}{{lit[:], decLitBits, 286}, {dist[:], decDistBits, 30}, {lit[:], decLitBits, 2}, {dist[:], decDistBits, 2}} {
		worst := 0
		for range rounds {
			lens := decRandomLens(r, 2+r.IntN(tc.n-1))
			root, err := decBuildLens(tc.table, tc.root, lens, ident[:len(lens)], false)
			if err != nil {
				t.Fatalf("lengths %v: %v", lens, err)
			}
			if longest := slices.Max(lens); root != min(tc.root, uint(longest)) {
				t.Fatalf("lengths %v: root table of %d bits", lens, root)
			}
			worst = max(worst, decTableUse(lens, tc.root))
			codes := decCanonical(lens)
			for s, l := range lens {
				if l == 0 {
					continue
				}
				// The code, first bit lowest, then random bits.
				in := uint64(bits.Reverse32(codes[s])>>(32-l)) | r.Uint64()<<l
				e := tc.table[in&(1<<root-1)]
				if e&decLink != 0 {
					e = tc.table[e>>16+uint32(in>>tc.root)&(1<<(e>>8&15)-1)]
				}
				if e>>16 != uint32(s) || e&15 != uint32(l) || e&0xf0 != 0 {
					t.Fatalf("lengths %v: symbol %d decodes as entry %#x", lens, s, e)
				}
			}
		}
		if worst > len(tc.table) {
			t.Fatalf("%d entries used", worst)
		}
		t.Logf("%d symbols, root %d bits: at most %d of %d entries used", tc.n, tc.root, worst, len(tc.table))
	}
}

// decRandomLens returns the code lengths of a random complete prefix code of n
// symbols (n >= 2) with codes of at most 15 bits, built by splitting leaves of
// a code tree, often the deepest, and then shuffled over the symbols.
func decRandomLens(r *rand.Rand, n int) []uint8 {
	lens := []uint8{1, 1}
	for len(lens) < n {
		var i int
		switch r.IntN(3) {
		case 0:
			i = r.IntN(len(lens))
		default:
			// The deepest leaf that can still split.
			i = -1
			for j, l := range lens {
				if l < 15 && (i < 0 || l > lens[i]) {
					i = j
				}
			}
		}
		if lens[i] == 15 {
			continue
		}
		lens[i]++
		lens = append(lens, lens[i])
	}
	r.Shuffle(len(lens), func(i, j int) { lens[i], lens[j] = lens[j], lens[i] })
	return lens
}

// decTableUse returns how many entries decBuild uses for the complete code
// with lengths lens: the root table, and for each root prefix that longer
// codes share, a subtable sized for the longest of them.
func decTableUse(lens []uint8, root uint) int {
	var count, next [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	for l := 1; l < 15; l++ {
		next[l+1] = next[l] + count[l]
	}
	order := make([]int, len(lens)-count[0])
	for s, l := range lens {
		if l != 0 {
			order[next[l]] = s
			next[l]++
		}
	}
	used, pos := 1<<root, 0
	prefix, longest := -1, 0
	for _, s := range order {
		l := int(lens[s])
		if l > int(root) {
			if p := pos >> (15 - root); p != prefix {
				if prefix >= 0 {
					used += 1 << (longest - int(root))
				}
				prefix = p
			}
			longest = l
		}
		pos += 1 << (15 - l)
	}
	if prefix >= 0 {
		used += 1 << (longest - int(root))
	}
	return used
}

// TestDecoderStoredAlignment decodes stored blocks of every small length
// after Huffman blocks of every bit length, so that a stored block's data
// starts at every position relative to what the bit buffer holds.
func TestDecoderStoredAlignment(t *testing.T) {
	d := NewDecoder()
	for k := range 70 {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 8, 9, 13, 300} {
			b := decFixed()
			var want []byte
			for i := range k {
				c := byte('a' + i%26)
				if i%3 == 2 {
					c = byte(200 + i%50) // a 9-bit code
				}
				b.fixedLit(int(c))
				want = append(want, c)
			}
			b.fixedLit(256)
			data := randomBytes(n, uint64(k))
			b.v(0, 3).raw(byte(n), byte(n>>8), ^byte(n), ^byte(n>>8)).raw(data...)
			want = append(want, data...)
			b.v(0, 1).v(1, 2)
			for i := range 20 {
				b.fixedLit('A' + i)
				want = append(want, byte('A'+i))
			}
			b.fixedLit(256).v(0, 3)
			for _, psize := range []int{1, 1 << 20} {
				got, err := decDecode(d, bytes.NewReader(b.out), 15, nil, psize)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%d literals, stored block of %d: %v (%s)", k, n, err, firstDiff(got, want))
				}
			}
		}
	}
}
