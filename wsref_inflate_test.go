package websocket

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"

	"github.com/hayate-ws/websocket/autobahn/inflate"
)

// The DEFLATE half of the reference reading of wsref_test.go: a decoder for the
// compressed payload of one permessage-deflate message, written from RFC 1951 §3.2 and
// RFC 7692 §7.2, which records how much input each byte of output took.

// refHuffman is a canonical prefix code (RFC 1951 §3.2.2): the number of codes of each
// length and the symbols in code order.
type refHuffman struct {
	count  [16]int
	symbol []int
}

// refBuildCode makes the code with the given code lengths, or says why they make none.
// A code-length code must be complete. A literal/length or distance code (incomplete
// true) may instead have a single code, of one bit (§3.2.7 says so of distance codes;
// zlib and compress/flate allow it of both, and a literal/length code must hold the end
// of block), and a distance code none at all.
func refBuildCode(lens []int, incomplete bool) (*refHuffman, string) {
	h := &refHuffman{}
	used := 0
	for _, l := range lens {
		if l != 0 {
			h.count[l]++
			used++
		}
	}
	left := 1 // codes of the current length not yet taken
	for l := 1; l <= 15; l++ {
		left = left<<1 - h.count[l]
		if left < 0 {
			return nil, "over-subscribed code"
		}
	}
	if left > 0 && !(incomplete && (used == 0 || used == 1 && h.count[1] == 1)) {
		return nil, "incomplete code"
	}
	var next [16]int
	for l := 1; l < 15; l++ {
		next[l+1] = next[l] + h.count[l]
	}
	h.symbol = make([]int, used)
	for s, l := range lens {
		if l != 0 {
			h.symbol[next[l]] = s
			next[l]++
		}
	}
	return h, ""
}

// refFixedLit and refFixedDist are the codes of §3.2.6. All 32 distance codes have five
// bits; 30 and 31 decode but are invalid.
var refFixedLit, refFixedDist = func() (*refHuffman, *refHuffman) {
	lit := make([]int, 288)
	for s := range lit {
		switch {
		case s < 144:
			lit[s] = 8
		case s < 256:
			lit[s] = 9
		case s < 280:
			lit[s] = 7
		default:
			lit[s] = 8
		}
	}
	dist := make([]int, 32)
	for s := range dist {
		dist[s] = 5
	}
	l, _ := refBuildCode(lit, false)
	d, _ := refBuildCode(dist, true)
	return l, d
}()

var (
	refLenBase   = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	refLenExtra  = [29]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	refDistBase  = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	refDistExtra = [30]int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	refCLOrder   = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// refInflated is what refInflate makes of the compressed payload of one message.
type refInflated struct {
	out []byte
	at  []int // at[i] is how many bytes of input it took to produce out[i]

	// How decoding stopped. If none of these is set, the input ran out where a message
	// may not end: it was cut short.
	ended  bool // a block with BFINAL set ended: the rest of the input is not data
	endOK  bool // the input ran out where a message may end
	over   bool // out grew past the limit (its last byte is the one too many)
	errAt  int  // with corrupt: the bytes of input that showed the data invalid, and
	lateAt int  // the bytes a decoder that reads a whole code before deciding may need
	// corrupt says why the input is not valid DEFLATE data, or is "".
	corrupt string
}

// refInflater is the state of refInflate.
type refInflater struct {
	in     []byte
	bit    int    // bits of in consumed
	hist   []byte // earlier messages' data, under context takeover
	window int
	limit  int
	r      refInflated
}

// refInflate decodes in, the compressed payload of one message, as RFC 7692 §7.2.2 reads
// it: DEFLATE blocks that the sender ended with an empty stored block and then removed
// its LEN and NLEN (00 00 ff ff), so the message ends where the input ends right after
// a stored block's header. A message also ends where the input ends between blocks with
// no more than the padding of a byte left (a sender that kept 00 00 ff ff, or flushed
// otherwise), and after a block with BFINAL set (§7.2.3.3). Matches may reach into hist
// and must not reach farther back than 1<<windowBits bytes. Decoding stops after limit+1
// bytes of output.
func refInflate(hist, in []byte, windowBits, limit int) refInflated {
	d := &refInflater{in: in, hist: hist, window: 1 << windowBits, limit: limit}
	d.run()
	return d.r
}

// bits takes the next n bits, least significant first (§3.1.1), or reports that the
// input ends before them.
func (d *refInflater) bits(n int) (int, bool) {
	if d.bit+n > 8*len(d.in) {
		return 0, false
	}
	v := 0
	for i := range n {
		b := d.in[(d.bit+i)/8] >> ((d.bit + i) % 8) & 1
		v |= int(b) << i
	}
	d.bit += n
	return v, true
}

// used is the number of input bytes the bits consumed so far come from.
func (d *refInflater) used() int { return (d.bit + 7) / 8 }

func (d *refInflater) fail(why string, late int) {
	d.r.corrupt, d.r.errAt, d.r.lateAt = why, d.used(), max(d.used(), late)
}

// emit appends one byte of output; it reports false once the output is past the limit.
func (d *refInflater) emit(c byte) bool {
	d.r.out = append(d.r.out, c)
	d.r.at = append(d.r.at, d.used())
	if len(d.r.out) > d.limit {
		d.r.over = true
		return false
	}
	return true
}

// decode reads one symbol of code h, one bit at a time (§3.2.2). It reports false when
// the input ends first; a symbol of -1 means no code of h starts with the bits read.
func (d *refInflater) decode(h *refHuffman) (int, bool) {
	code, first, index := 0, 0, 0
	if len(h.symbol) == 0 {
		return -1, true
	}
	for l := 1; l <= 15; l++ {
		b, ok := d.bits(1)
		if !ok {
			return 0, false
		}
		code |= b
		if n := h.count[l]; code-first < n {
			return h.symbol[index+code-first], true
		}
		index += h.count[l]
		first = (first + h.count[l]) << 1
		code <<= 1
		if index == len(h.symbol) {
			break // no longer codes left
		}
	}
	return -1, true
}

// run decodes blocks until the input ends, a final block ends, the data is found
// invalid or the output passes the limit.
func (d *refInflater) run() {
	for {
		// Between blocks: the message may end here (see refInflate).
		if 8*len(d.in)-d.bit < 8 {
			d.r.endOK = true
			return
		}
		final, _ := d.bits(1)
		typ, _ := d.bits(2)
		var ok bool
		switch typ {
		case 0:
			ok = d.stored()
		case 1:
			ok = d.codes(refFixedLit, refFixedDist)
		case 2:
			ok = d.dynamic()
		default:
			d.fail("reserved block type", 0)
			return
		}
		if !ok {
			return
		}
		if final == 1 {
			d.r.ended = true
			return
		}
	}
}

// stored copies a stored block (§3.2.4); it reports false when decoding stops.
func (d *refInflater) stored() bool {
	d.bit = d.used() * 8 // skip to a byte boundary
	if d.bit == 8*len(d.in) {
		// The input ends after the block's header: the sender removed LEN and NLEN.
		d.r.endOK = true
		return false
	}
	n, ok1 := d.bits(16)
	nn, ok2 := d.bits(16)
	if !ok1 || !ok2 {
		return false
	}
	if n != ^nn&0xffff {
		d.fail("stored block length does not match its complement", 0)
		return false
	}
	for range n {
		c, ok := d.bits(8)
		if !ok || !d.emit(byte(c)) {
			return false
		}
	}
	return true
}

// dynamic reads the codes of a dynamic block (§3.2.7) and decodes its data.
func (d *refInflater) dynamic() bool {
	hlit, ok1 := d.bits(5)
	hdist, ok2 := d.bits(5)
	hclen, ok3 := d.bits(4)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	nlit, ndist, ncl := hlit+257, hdist+1, hclen+4
	// HDIST may say up to 32, but distance codes 30 and 31 never occur (§3.2.5):
	// decoders refuse more than 30, as zlib does.
	if nlit > 286 || ndist > 30 {
		d.fail("too many literal/length or distance codes", 0)
		return false
	}
	clLens := make([]int, 19)
	for i := range ncl {
		l, ok := d.bits(3)
		if !ok {
			return false
		}
		clLens[refCLOrder[i]] = l
	}
	cl, why := refBuildCode(clLens, false)
	if why != "" {
		d.fail(why+" in the code-length code", 0)
		return false
	}
	lens := make([]int, nlit+ndist)
	for i := 0; i < len(lens); {
		sym, ok := d.decode(cl)
		if !ok {
			return false
		}
		if sym < 16 {
			lens[i] = sym
			i++
			continue
		}
		var v, rep int
		switch sym {
		case 16:
			if i == 0 {
				d.fail("repeat of a code length with none before", 0)
				return false
			}
			x, ok := d.bits(2)
			if !ok {
				return false
			}
			v, rep = lens[i-1], 3+x
		case 17:
			x, ok := d.bits(3)
			if !ok {
				return false
			}
			rep = 3 + x
		default:
			x, ok := d.bits(7)
			if !ok {
				return false
			}
			rep = 11 + x
		}
		if i+rep > len(lens) {
			d.fail("code lengths repeated past the end", 0)
			return false
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if lens[256] == 0 {
		d.fail("no end-of-block code", 0)
		return false
	}
	lit, why := refBuildCode(lens[:nlit], true) // not empty: it has the end of block
	if why != "" {
		d.fail(why+" in the literal/length code", 0)
		return false
	}
	dist, why := refBuildCode(lens[nlit:], true)
	if why != "" {
		d.fail(why+" in the distance code", 0)
		return false
	}
	return d.codes(lit, dist)
}

// codes decodes the data of a Huffman block (§3.2.5) up to its end of block.
func (d *refInflater) codes(lit, dist *refHuffman) bool {
	for {
		start := d.bit
		sym, ok := d.decode(lit)
		if !ok {
			return false
		}
		switch {
		case sym < 0:
			// A table-driven decoder may read a whole code's worth of bits first.
			d.fail("invalid literal/length code", (start+15+7)/8)
			return false
		case sym < 256:
			if !d.emit(byte(sym)) {
				return false
			}
			continue
		case sym == 256:
			return true
		case sym > 285:
			d.fail("literal/length symbol 286 or 287", 0)
			return false
		}
		x, ok := d.bits(refLenExtra[sym-257])
		if !ok {
			return false
		}
		length := refLenBase[sym-257] + x
		from := d.bit
		dsym, ok := d.decode(dist)
		if !ok {
			return false
		}
		switch {
		case dsym < 0:
			// A table-driven decoder may read a whole code's worth of bits first.
			d.fail("invalid distance code", (from+15+7)/8)
			return false
		case dsym > 29:
			d.fail("distance symbol 30 or 31", 0)
			return false
		}
		x, ok = d.bits(refDistExtra[dsym])
		if !ok {
			return false
		}
		distance := refDistBase[dsym] + x
		if distance > d.window {
			d.fail("distance past the window", 0)
			return false
		}
		if distance > len(d.hist)+len(d.r.out) {
			d.fail("distance past the start of the data", 0)
			return false
		}
		for range length {
			var c byte
			if k := len(d.r.out) - distance; k >= 0 {
				c = d.r.out[k]
			} else {
				c = d.hist[len(d.hist)+k]
			}
			if !d.emit(c) {
				return false
			}
		}
	}
}

// TestRefInflate holds refInflate to compress/flate and to autobahn/inflate on messages
// compressed with and without a dictionary, at levels from none to best, flushed as RFC 7692 does,
// and on the ways a message may end.
func TestRefInflate(t *testing.T) {
	inputs := [][]byte{nil, []byte("a"), jsonPayload(3000, 1), binaryPayload(2000), bytes.Repeat([]byte("abc"), 1000)}
	for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, 5, flate.BestCompression} {
		for i, msg := range inputs {
			for _, hist := range [][]byte{nil, jsonPayload(5000, 2)} {
				var buf bytes.Buffer
				w, err := flate.NewWriterDict(&buf, level, hist)
				if err != nil {
					t.Fatal(err)
				}
				w.Write(msg)
				w.Flush()
				payload := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
				z := refInflate(hist, payload, 15, 1<<20)
				if !z.endOK || z.corrupt != "" || !bytes.Equal(z.out, msg) {
					t.Fatalf("level %d, input %d: refInflate = %q..., endOK %v, corrupt %q", level, i, clipped(z.out), z.endOK, z.corrupt)
				}
				res, err := inflate.Message(hist, payload, 1<<20)
				if err != nil || !bytes.Equal(res.Out, msg) {
					t.Fatalf("level %d, input %d: inflate.Message: %v", level, i, err)
				}
				want := 1 << 8
				for want < res.MaxDist {
					want <<= 1
				}
				if got := refMaxDist(t, hist, payload); got != want {
					t.Fatalf("level %d, input %d: refInflate needs a window of %d bytes, inflate.Message %d (farthest match %d)", level, i, got, want, res.MaxDist)
				}
				for cut := 0; cut < len(payload); cut += 1 + len(payload)/16 {
					// A payload cut short decodes to the start of the message, each byte
					// from the input before it.
					z := refInflate(hist, payload[:cut], 15, 1<<20)
					if z.corrupt != "" || !bytes.HasPrefix(msg, z.out) {
						t.Fatalf("level %d, input %d, cut at %d of %d: endOK %v, corrupt %q, %d bytes out", level, i, cut, len(payload), z.endOK, z.corrupt, len(z.out))
					}
					for k, at := range z.at {
						if at > cut {
							t.Fatalf("level %d, input %d, cut at %d: byte %d of output needs %d bytes", level, i, cut, k, at)
						}
					}
				}
				w.Close()
				z = refInflate(hist, buf.Bytes(), 15, 1<<20) // a final block after the flush
				if !z.ended || !bytes.Equal(z.out, msg) {
					t.Fatalf("level %d, input %d: with a final block: ended %v, corrupt %q", level, i, z.ended, z.corrupt)
				}
			}
		}
	}
	if z := refInflate(nil, []byte{0x01}, 15, 100); !z.endOK || len(z.out) != 0 {
		t.Fatalf("final stored block without LEN: %+v", z)
	}
	// A literal/length code of one code, the end of block, as compress/flate reads it.
	for _, bad := range []bool{false, true} {
		block := singleEOBBlock(bad)
		// With the tail of §7.2.2, compress/flate waits for more blocks.
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(append(bytes.Clone(block), 0, 0, 0xff, 0xff))))
		z := refInflate(nil, block, 15, 100)
		if (err != io.ErrUnexpectedEOF) != bad || len(out) != 0 || (z.corrupt != "") != bad || !bad && !z.endOK {
			t.Fatalf("single end-of-block code, bad %v: compress/flate %q, %v; refInflate %+v", bad, out, err, z)
		}
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(bytes.Repeat([]byte("a"), 1000))
	w.Flush()
	if z := refInflate(nil, buf.Bytes(), 8, 100); !z.over || len(z.out) != 101 {
		t.Fatalf("over the limit: %d bytes, over %v", len(z.out), z.over)
	}
}

// refMaxDist returns the smallest window bits' window, in bytes, within which refInflate
// decodes payload.
func refMaxDist(t *testing.T, hist, payload []byte) int {
	t.Helper()
	for bits := 8; bits <= 15; bits++ {
		if z := refInflate(hist, payload, bits, 1<<20); z.corrupt == "" {
			return 1 << bits
		}
	}
	t.Fatal("refInflate refuses the payload with a 32 KiB window")
	return 0
}

func clipped(p []byte) []byte { return p[:min(len(p), 32)] }
