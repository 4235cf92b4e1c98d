// Package inflate is a small DEFLATE decoder (RFC 1951) that reports how far back a
// message's matches reach, so that the Autobahn runner and the interop suite can hold
// a permessage-deflate peer to the window and context takeover it negotiated. It is
// independent of the library's own codec on purpose.
package inflate

import (
	"errors"
	"fmt"
)

// A DEFLATE decoder (RFC 1951) written for one purpose compress/flate does
// not serve: to tell how far back a testee's matches reach. RFC 7692 §7.1.2
// lets each side cap the other's LZ77 window (server_max_window_bits,
// client_max_window_bits) and §7.1.1 lets it forbid references into earlier
// messages (*_no_context_takeover). compress/flate decodes such data without
// complaint whatever distances it uses, so the runner checks them here. The
// decoder is simple rather than fast; it runs only on connections where a
// window below 15 bits was negotiated.

// Result is one decoded message and the farthest match it used.
type Result struct {
	Out     []byte
	MaxDist int // the largest match distance in the message, 0 if none
}

// ErrLimit means the message inflates to more than the limit.
var ErrLimit = errors.New("inflated message exceeds the limit")

// Message decodes the permessage-deflate payload of one message: the
// DEFLATE blocks with the trailing 0x00 0x00 0xff 0xff removed (RFC 7692
// §7.2.2). hist is what earlier messages produced (the most recent 32 KiB is
// enough); matches may reach into it, never before it.
func Message(hist, payload []byte, limit int) (Result, error) {
	src := make([]byte, 0, len(payload)+4)
	src = append(append(src, payload...), 0x00, 0x00, 0xff, 0xff)
	d := inflater{br: bitReader{src: src}, limit: limit}
	d.buf = append(make([]byte, 0, len(hist)+4*len(payload)+64), hist...)
	d.start = len(hist)
	if err := d.run(); err != nil {
		return Result{}, err
	}
	return Result{Out: d.buf[d.start:], MaxDist: d.maxDist}, nil
}

type inflater struct {
	br      bitReader
	buf     []byte // history followed by this message's output
	start   int    // where this message's output begins in buf
	limit   int
	maxDist int
}

// run decodes blocks until a final block, or until the input ends right
// after a block (the empty stored block that ends every message).
func (d *inflater) run() error {
	for {
		final, err := d.br.bits(1)
		if err != nil {
			return err
		}
		typ, err := d.br.bits(2)
		if err != nil {
			return err
		}
		switch typ {
		case 0:
			err = d.stored()
		case 1:
			err = d.codes(&fixedLitLen, &fixedDist)
		case 2:
			var lit, dist huffman
			if err = d.dynamicTables(&lit, &dist); err == nil {
				err = d.codes(&lit, &dist)
			}
		default:
			err = errors.New("deflate: block type 3 is reserved")
		}
		if err != nil {
			return err
		}
		if final == 1 || d.br.done() {
			return nil
		}
	}
}

func (d *inflater) stored() error {
	d.br.align()
	n, err := d.br.bits(16)
	if err != nil {
		return err
	}
	nn, err := d.br.bits(16)
	if err != nil {
		return err
	}
	if n != ^nn&0xffff {
		return fmt.Errorf("deflate: stored block length %#04x does not match its complement %#04x", n, nn)
	}
	if len(d.buf)-d.start+int(n) > d.limit {
		return ErrLimit
	}
	p, err := d.br.bytes(int(n))
	if err != nil {
		return err
	}
	d.buf = append(d.buf, p...)
	return nil
}

// Length and distance codes (RFC 1951 §3.2.5): base values and extra bits.
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// codes decodes the compressed data of one block with the given tables.
func (d *inflater) codes(lit, dist *huffman) error {
	for {
		sym, err := lit.decode(&d.br)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			if len(d.buf)-d.start >= d.limit {
				return ErrLimit
			}
			d.buf = append(d.buf, byte(sym))
			continue
		case sym == 256:
			return nil
		case sym > 285:
			return fmt.Errorf("deflate: invalid length symbol %d", sym)
		}
		i := sym - 257
		extra, err := d.br.bits(uint(lengthExtra[i]))
		if err != nil {
			return err
		}
		length := int(lengthBase[i]) + int(extra)
		ds, err := dist.decode(&d.br)
		if err != nil {
			return err
		}
		if ds > 29 {
			return fmt.Errorf("deflate: invalid distance symbol %d", ds)
		}
		extra, err = d.br.bits(uint(distExtra[ds]))
		if err != nil {
			return err
		}
		distance := int(distBase[ds]) + int(extra)
		if distance > len(d.buf) {
			return fmt.Errorf("deflate: match distance %d reaches %d octets before the start of the history", distance, distance-len(d.buf))
		}
		if len(d.buf)-d.start+length > d.limit {
			return ErrLimit
		}
		d.maxDist = max(d.maxDist, distance)
		from := len(d.buf) - distance
		for k := range length { // byte by byte: the source may overlap what is being written
			d.buf = append(d.buf, d.buf[from+k])
		}
	}
}

// codeLengthOrder is the order in which a dynamic block lists the code
// lengths of the code-length alphabet (RFC 1951 §3.2.7).
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func (d *inflater) dynamicTables(lit, dist *huffman) error {
	hlit, err := d.br.bits(5)
	if err != nil {
		return err
	}
	hdist, err := d.br.bits(5)
	if err != nil {
		return err
	}
	hclen, err := d.br.bits(4)
	if err != nil {
		return err
	}
	nlit, ndist := int(hlit)+257, int(hdist)+1
	if nlit > 286 || ndist > 30 {
		return fmt.Errorf("deflate: %d literal/length and %d distance codes is too many", nlit, ndist)
	}
	var clLens [19]uint8
	for i := range int(hclen) + 4 {
		v, err := d.br.bits(3)
		if err != nil {
			return err
		}
		clLens[codeLengthOrder[i]] = uint8(v)
	}
	var cl huffman
	if err := cl.init(clLens[:]); err != nil {
		return fmt.Errorf("deflate: code length code: %w", err)
	}
	lens := make([]uint8, nlit+ndist)
	for i := 0; i < len(lens); {
		sym, err := cl.decode(&d.br)
		if err != nil {
			return err
		}
		var rep int
		var val uint8
		switch {
		case sym < 16:
			lens[i] = uint8(sym)
			i++
			continue
		case sym == 16:
			if i == 0 {
				return errors.New("deflate: code length repeat with nothing to repeat")
			}
			v, err := d.br.bits(2)
			if err != nil {
				return err
			}
			rep, val = 3+int(v), lens[i-1]
		case sym == 17:
			v, err := d.br.bits(3)
			if err != nil {
				return err
			}
			rep = 3 + int(v)
		default:
			v, err := d.br.bits(7)
			if err != nil {
				return err
			}
			rep = 11 + int(v)
		}
		if i+rep > len(lens) {
			return errors.New("deflate: code length repeat runs past the end")
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 {
		return errors.New("deflate: no code for the end of block")
	}
	if err := lit.init(lens[:nlit]); err != nil {
		return fmt.Errorf("deflate: literal/length code: %w", err)
	}
	if err := dist.init(lens[nlit:]); err != nil {
		return fmt.Errorf("deflate: distance code: %w", err)
	}
	return nil
}

// huffman is a canonical Huffman code (RFC 1951 §3.2.2), decoded through a
// table indexed by the next maxLen input bits.
type huffman struct {
	maxLen uint
	table  []uint16 // symbol<<4 | code length; 0 for bit patterns with no code
}

func (h *huffman) init(lengths []uint8) error {
	var count [16]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	h.maxLen = 0
	for l := 15; l > 0; l-- {
		if count[l] > 0 {
			h.maxLen = uint(l)
			break
		}
	}
	if h.maxLen == 0 { // no codes at all: allowed for a distance code that is never used
		h.table = nil
		return nil
	}
	// The first code of each length, and a check that the lengths do not
	// describe more codes than the bits allow.
	var next [16]int
	code, left := 0, 1
	for l := 1; l <= 15; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
		left = left<<1 - count[l]
		if left < 0 {
			return errors.New("over-subscribed code lengths")
		}
	}
	h.table = make([]uint16, 1<<h.maxLen)
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		// Codes are sent most significant bit first, into a stream read least
		// significant bit first: index the table by the reversed code.
		rev := 0
		for b := range int(l) {
			rev |= (c >> b & 1) << (int(l) - 1 - b)
		}
		for fill := rev; fill < len(h.table); fill += 1 << l {
			h.table[fill] = uint16(sym)<<4 | uint16(l)
		}
	}
	return nil
}

func (h *huffman) decode(br *bitReader) (int, error) {
	if h.maxLen == 0 {
		return 0, errors.New("deflate: symbol from an empty code")
	}
	v, n := br.peek(h.maxLen)
	e := h.table[v&(1<<h.maxLen-1)]
	l := uint(e & 15)
	if l == 0 {
		return 0, errors.New("deflate: invalid Huffman code")
	}
	if l > n {
		return 0, errors.New("deflate: unexpected end of data")
	}
	br.consume(l)
	return int(e >> 4), nil
}

var fixedLitLen, fixedDist huffman

func init() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	_ = fixedLitLen.init(l[:])
	var dl [30]uint8
	for i := range dl {
		dl[i] = 5
	}
	_ = fixedDist.init(dl[:])
}

// bitReader reads a DEFLATE stream least significant bit first.
type bitReader struct {
	src   []byte
	pos   int    // next byte of src to load
	acc   uint64 // loaded bits not consumed yet, the next one lowest
	nbits uint
}

var errEOF = errors.New("deflate: unexpected end of data")

// fill loads bytes until n bits are available or the input ends.
func (b *bitReader) fill(n uint) {
	for b.nbits < n && b.pos < len(b.src) {
		b.acc |= uint64(b.src[b.pos]) << b.nbits
		b.pos++
		b.nbits += 8
	}
}

// peek returns up to n bits and how many of them are real input.
func (b *bitReader) peek(n uint) (uint64, uint) {
	b.fill(n)
	return b.acc, min(n, b.nbits)
}

func (b *bitReader) consume(n uint) {
	b.acc >>= n
	b.nbits -= n
}

func (b *bitReader) bits(n uint) (uint64, error) {
	if n == 0 {
		return 0, nil
	}
	b.fill(n)
	if b.nbits < n {
		return 0, errEOF
	}
	v := b.acc & (1<<n - 1)
	b.consume(n)
	return v, nil
}

// align drops the bits left in the current byte (before a stored block).
func (b *bitReader) align() { b.consume(b.nbits % 8) }

// bytes returns the next n whole bytes; the reader must be aligned.
func (b *bitReader) bytes(n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for n > 0 && b.nbits >= 8 {
		out = append(out, byte(b.acc))
		b.consume(8)
		n--
	}
	if b.pos+n > len(b.src) {
		return nil, errEOF
	}
	out = append(out, b.src[b.pos:b.pos+n]...)
	b.pos += n
	return out, nil
}

// done reports whether all input has been consumed, ignoring the padding
// bits of the last byte.
func (b *bitReader) done() bool { return b.pos == len(b.src) && b.nbits < 8 }
