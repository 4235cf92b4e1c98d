package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"testing"
)

// A strict RFC 1951 decoder for tests. Unlike compress/flate, whose window is
// always 32 KiB, it has a window of exactly 1<<bits bytes and rejects any
// distance that reaches further back, history included; it also rejects
// final blocks (the encoder never writes one), incomplete or oversubscribed
// Huffman codes (the encoder always builds complete ones), and input that does
// not end exactly with an empty stored block. It decodes bit by bit and is
// written for clarity, not speed.

var errTooFar = errors.New("inflate: distance beyond the window")

type inflater struct {
	in     []byte
	pos    int    // next byte of in
	bitBuf uint64 // bits read from in, not yet used, least significant first
	nbits  uint
	out    []byte // history, then output
	window int
}

// inflate decodes a raw DEFLATE stream made of non-final blocks ending with
// an empty stored block (a sync flush), with hist as the history before it
// and a window of 1<<windowBits bytes. It returns the decoded bytes, without
// the history.
func inflate(in, hist []byte, windowBits int) ([]byte, error) {
	out, _, err := inflateBlocks(in, hist, windowBits)
	return out, err
}

// inflateBlocks is inflate that also returns the number of blocks,
// the empty stored block at the end included.
func inflateBlocks(in, hist []byte, windowBits int) ([]byte, int, error) {
	f := &inflater{in: in, window: 1 << windowBits}
	f.out = append(f.out, hist...)
	for blocks := 1; ; blocks++ {
		final, err := f.bits(1)
		if err != nil {
			return nil, 0, err
		}
		if final != 0 {
			return nil, 0, errors.New("inflate: final block")
		}
		typ, err := f.bits(2)
		if err != nil {
			return nil, 0, err
		}
		switch typ {
		case 0:
			n, err := f.stored()
			if err != nil {
				return nil, 0, err
			}
			if n == 0 && f.pos == len(f.in) {
				return f.out[len(hist):], blocks, nil
			}
		case 1:
			err = f.fixed()
		case 2:
			err = f.dynamic()
		default:
			err = errors.New("inflate: reserved block type")
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

func (f *inflater) bits(n uint) (uint32, error) {
	for f.nbits < n {
		if f.pos == len(f.in) {
			return 0, errors.New("inflate: unexpected end of input")
		}
		f.bitBuf |= uint64(f.in[f.pos]) << f.nbits
		f.pos++
		f.nbits += 8
	}
	v := uint32(f.bitBuf & (1<<n - 1))
	f.bitBuf >>= n
	f.nbits -= n
	return v, nil
}

// stored copies a stored block and returns its length.
func (f *inflater) stored() (int, error) {
	f.bitBuf, f.nbits = 0, 0 // skip to a byte boundary
	if len(f.in)-f.pos < 4 {
		return 0, errors.New("inflate: short stored header")
	}
	n := int(f.in[f.pos]) | int(f.in[f.pos+1])<<8
	nn := int(f.in[f.pos+2]) | int(f.in[f.pos+3])<<8
	if n != ^nn&0xffff {
		return 0, errors.New("inflate: stored LEN and NLEN disagree")
	}
	f.pos += 4
	if len(f.in)-f.pos < n {
		return 0, errors.New("inflate: short stored block")
	}
	f.out = append(f.out, f.in[f.pos:f.pos+n]...)
	f.pos += n
	return n, nil
}

// decoder is a canonical Huffman code: count[l] codes of length l, and the
// symbols in code order.
type decoder struct {
	count  [16]int
	symbol []int
}

func newDecoder(lens []uint8) (*decoder, error) {
	d := &decoder{}
	for _, l := range lens {
		d.count[l]++
	}
	d.count[0] = 0
	left := 1
	for l := 1; l <= 15; l++ {
		left = left*2 - d.count[l]
		if left < 0 {
			return nil, errors.New("inflate: oversubscribed code")
		}
	}
	if left != 0 {
		return nil, errors.New("inflate: incomplete code")
	}
	var offs [16]int
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + d.count[l]
	}
	d.symbol = make([]int, offs[15]+d.count[15])
	for s, l := range lens {
		if l != 0 {
			d.symbol[offs[l]] = s
			offs[l]++
		}
	}
	return d, nil
}

// decode reads one symbol: codes are sent most significant bit first, and
// the codes of one length are consecutive numbers.
func (f *inflater) decode(d *decoder) (int, error) {
	code, first, index := 0, 0, 0
	for l := 1; l <= 15; l++ {
		b, err := f.bits(1)
		if err != nil {
			return 0, err
		}
		code |= int(b)
		if code-first < d.count[l] {
			return d.symbol[index+code-first], nil
		}
		index += d.count[l]
		first = (first + d.count[l]) << 1
		code <<= 1
	}
	return 0, errors.New("inflate: invalid code")
}

var (
	testLenBase   = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	testLenExtra  = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	testDistBase  = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	testDistExtra = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

func (f *inflater) fixed() error {
	var lens [288 + 30]uint8
	for s := range 288 {
		switch {
		case s < 144:
			lens[s] = 8
		case s < 256:
			lens[s] = 9
		case s < 280:
			lens[s] = 7
		default:
			lens[s] = 8
		}
	}
	for s := 288; s < len(lens); s++ {
		lens[s] = 5
	}
	lit, err := newDecoder(lens[:288])
	if err != nil {
		return err
	}
	// The fixed distance code has 32 codes of 5 bits; 30 and 31 never occur.
	dl := make([]uint8, 32)
	for i := range dl {
		dl[i] = 5
	}
	dist, err := newDecoder(dl)
	if err != nil {
		return err
	}
	return f.codes(lit, dist)
}

func (f *inflater) dynamic() error {
	hlit, err := f.bits(5)
	if err != nil {
		return err
	}
	hdist, err := f.bits(5)
	if err != nil {
		return err
	}
	hclen, err := f.bits(4)
	if err != nil {
		return err
	}
	nlit, ndist, ncl := int(hlit)+257, int(hdist)+1, int(hclen)+4
	if nlit > 286 || ndist > 30 {
		return errors.New("inflate: too many length or distance codes")
	}
	order := [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
	var cl [19]uint8
	for i := range ncl {
		v, err := f.bits(3)
		if err != nil {
			return err
		}
		cl[order[i]] = uint8(v)
	}
	cld, err := newDecoder(cl[:])
	if err != nil {
		return fmt.Errorf("code-length code: %w", err)
	}
	lens := make([]uint8, nlit+ndist)
	for i := 0; i < len(lens); {
		sym, err := f.decode(cld)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var v uint8
		var rep uint32
		switch sym {
		case 16:
			if i == 0 {
				return errors.New("inflate: repeat with no previous length")
			}
			v = lens[i-1]
			rep, err = f.bits(2)
			rep += 3
		case 17:
			rep, err = f.bits(3)
			rep += 3
		default:
			rep, err = f.bits(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+int(rep) > len(lens) {
			return errors.New("inflate: lengths overflow")
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if lens[256] == 0 {
		return errors.New("inflate: no end-of-block code")
	}
	lit, err := newDecoder(lens[:nlit])
	if err != nil {
		return fmt.Errorf("literal/length code: %w", err)
	}
	dist, err := newDecoder(lens[nlit:])
	if err != nil {
		return fmt.Errorf("distance code: %w", err)
	}
	return f.codes(lit, dist)
}

// codes decodes the data of a Huffman block.
func (f *inflater) codes(lit, dist *decoder) error {
	for {
		sym, err := f.decode(lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			f.out = append(f.out, byte(sym))
			continue
		case sym == 256:
			return nil
		case sym > 285:
			return errors.New("inflate: invalid length symbol")
		}
		sym -= 257
		e, err := f.bits(testLenExtra[sym])
		if err != nil {
			return err
		}
		n := testLenBase[sym] + int(e)
		ds, err := f.decode(dist)
		if err != nil {
			return err
		}
		if ds >= 30 {
			return errors.New("inflate: invalid distance symbol")
		}
		e, err = f.bits(testDistExtra[ds])
		if err != nil {
			return err
		}
		d := testDistBase[ds] + int(e)
		if d > f.window {
			return fmt.Errorf("%w: distance %d, window %d", errTooFar, d, f.window)
		}
		if d > len(f.out) {
			return fmt.Errorf("%w: distance %d, %d bytes of history and output", errTooFar, d, len(f.out))
		}
		for range n {
			f.out = append(f.out, f.out[len(f.out)-d])
		}
	}
}

// testBits builds a DEFLATE stream by hand, for streams the encoder would
// never write.
type testBits struct {
	out  []byte
	nbit uint
}

// bits appends the n low bits of v, least significant first (header fields
// and extra bits).
func (b *testBits) bits(v uint32, n uint) {
	for i := range n {
		if b.nbit%8 == 0 {
			b.out = append(b.out, 0)
		}
		b.out[len(b.out)-1] |= byte(v>>i&1) << (b.nbit % 8)
		b.nbit++
	}
}

// code appends an n-bit Huffman code, most significant bit first.
func (b *testBits) code(c uint32, n uint) {
	for i := n; i > 0; i-- {
		b.bits(c>>(i-1)&1, 1)
	}
}

// fixedMatchStream is a fixed-Huffman block with one match of length 3 at
// distance d (encoded with distance code dc and extra value x), then the
// empty stored block of a sync flush.
func fixedMatchStream(dc, x uint32, extra uint) []byte {
	var b testBits
	b.bits(0, 1)         // BFINAL
	b.bits(1, 2)         // BTYPE fixed
	b.code(0b0000001, 7) // symbol 257: length 3
	b.code(dc, 5)
	b.bits(x, extra)
	b.code(0, 7) // end of block
	b.bits(0, 3) // empty stored block
	return append(b.out, 0x00, 0x00, 0xff, 0xff)
}

// TestInflaterRejectsFarDistance proves that the test inflater, which every
// round trip goes through, would catch a distance beyond the window: with 8
// window bits and plenty of history, distance 256 decodes and 257 does not,
// although compress/flate (whose window is always 32 KiB) takes both.
func TestInflaterRejectsFarDistance(t *testing.T) {
	hist := randomBytes(1000, 77)
	cases := []struct {
		name     string
		stream   []byte
		dist     int
		hist     []byte
		bits     int
		rejected bool
	}{
		// Distance code 15: 193 + 6 extra bits; code 16: 257 + 7 extra bits.
		{"256-in-window", fixedMatchStream(15, 63, 6), 256, hist, 8, false},
		{"257-past-window", fixedMatchStream(16, 0, 7), 257, hist, 8, true},
		{"257-window-9", fixedMatchStream(16, 0, 7), 257, hist, 9, false},
		{"past-history", fixedMatchStream(16, 0, 7), 257, hist[:256], 15, true},
		{"all-history", fixedMatchStream(16, 0, 7), 257, hist[:257], 15, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inflate(tc.stream, tc.hist, tc.bits)
			if tc.rejected {
				if !errors.Is(err, errTooFar) {
					t.Fatalf("inflate = %x, %v; want errTooFar", got, err)
				}
				if len(tc.hist) < tc.dist {
					return
				}
			}
			want := tc.hist[len(tc.hist)-tc.dist:][:3]
			if !tc.rejected && (err != nil || !bytes.Equal(got, want)) {
				t.Fatalf("inflate = %x, %v; want %x", got, err, want)
			}
			r := flate.NewReaderDict(bytes.NewReader(append(tc.stream, finalEmpty...)), tc.hist)
			got, err = io.ReadAll(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("compress/flate = %x, %v; want %x", got, err, want)
			}
		})
	}
}

// TestInflaterStrict checks the test inflater's other refusals.
func TestInflaterStrict(t *testing.T) {
	final := []byte{0x01, 0x00, 0x00, 0xff, 0xff} // final empty stored block
	if _, err := inflate(final, nil, 15); err == nil {
		t.Errorf("final block accepted")
	}
	if _, err := inflate([]byte{0x00, 0x00, 0x00, 0xff}, nil, 15); err == nil {
		t.Errorf("short stored header accepted")
	}
	// An empty message and the sync tail is the smallest valid input.
	if got, err := inflate([]byte{0x00, 0x00, 0x00, 0xff, 0xff}, nil, 15); err != nil || len(got) != 0 {
		t.Errorf("empty message: %x, %v", got, err)
	}
	// A dynamic block whose code-length code is incomplete: HCLEN = 4 with
	// one length of 1 bit.
	var b testBits
	b.bits(0, 1)
	b.bits(2, 2)
	b.bits(0, 5)
	b.bits(0, 5)
	b.bits(0, 4)
	b.bits(1, 3) // symbol 16: 1 bit
	b.bits(0, 9)
	if _, err := inflate(append(b.out, 0, 0, 0xff, 0xff), nil, 15); err == nil {
		t.Errorf("incomplete code accepted")
	}
}
