package deflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The decoding half of the package: a DEFLATE (RFC 1951) decoder for the
// messages of permessage-deflate (RFC 7692 §7.2.2).
//
// Output goes through buf, which holds the window (the history copied from
// the Window, then what the message decodes to) followed by room to decode
// into; Read copies the decoded bytes out. When the room runs out, the last
// window of data moves to the front. Input is read from the source in
// chunks of 4 KiB into in, and goes through a 64-bit bit buffer. Huffman
// codes are decoded through tables indexed by the next bits of input: a
// root table for as many bits as the block's longest code has, up to
// decLitBits (or decDistBits), and subtables for the rest of longer codes,
// which a root entry links to. All of it lives inside the Decoder: nothing
// is allocated after NewDecoder.
//
// A block header costs a bounded amount of work, building tables of no
// more entries than the codes it spells need; doc.go, "Cost of decoding",
// gives the figures.
//
// The fast path decodes while the input buffer holds at least 8 bytes: it
// refills the bit buffer to at least 56 bits once per round, enough for a
// length and a distance with their extra bits, or for three literals. Near
// the end of the input buffer, symbols are decoded one at a time from what
// the bit buffer holds, and the source is read only when a symbol needs
// more.

// ErrCorrupt is the error, wrapped with a detail, of a [Decoder] whose input
// is not valid DEFLATE data or refers back past the window.
var ErrCorrupt = errors.New("websocket: deflate: corrupt input")

// errDecNoReset is returned by a Decoder that was not Reset.
var errDecNoReset = errors.New("websocket: deflate: decoder used without Reset")

// errDecYield stops decoding where it would have to read the source (and
// perhaps wait) although there is output to hand back first. It never
// leaves the Decoder.
var errDecYield = errors.New("websocket: deflate: yield")

const (
	decMaxWindow = 1 << MaxWindowBits
	decMaxMatch  = 258
	// decBufSize is the window buffer: a window of history and then at
	// least 64 KiB to decode into before the window slides to the front,
	// which moves half a byte per byte decoded at most.
	decBufSize = 3 * decMaxWindow
	// decSlack lies past decBufSize. Decoding goes on while the output is
	// short of decBufSize: the fast path may then write two literals and a
	// match, whose copy runs up to 7 bytes past its end.
	decSlack = 2 + decMaxMatch + 7 + 5
	// decInSize is the input buffer, how much of the source is read at a
	// time.
	decInSize = 4 << 10

	// Root table sizes in bits, at most: a code's root table has as many
	// bits as its longest code, up to these. Codes of up to that many bits
	// take one lookup, longer ones two.
	decLitBits  = 10
	decDistBits = 8
	decCLBits   = 7 // the longest code-length code, so no subtables

	// Table sizes: the root table and room for the subtables. Codes are
	// canonical, so the codes longer than the root bits are the last ones
	// and share few subtables: all their entries are codes of the subtable's
	// longest length (one entry per code), except in the subtables where
	// the length grows, at most one per length past the root bits, each
	// of at most 1<<(15-root) entries. That bounds the subtables to 286 +
	// 4*32 entries for literal/length codes and 30 + 6*128 for distance
	// codes. (TestDecoderBuild checks random codes against the bound;
	// decBuild refuses a code that would not fit rather than overflow.)
	decLitSize  = 1<<decLitBits + 416
	decDistSize = 1<<decDistBits + 800

	// decMaxHeaderBits bounds a block header: 3 bits, a stored block's
	// alignment and LEN and NLEN, or a dynamic header of 14 bits, 19
	// code-length lengths, and 316 code lengths of 7 bits plus 7 extra
	// bits each.
	decMaxHeaderBits = 3 + 14 + 19*3 + 316*14
	// decMaxSymBits bounds what a literal or a length and distance take:
	// 15+5 bits for the length, 15+13 for the distance.
	decMaxSymBits = 48
)

// Table entries are uint32: bits 0-3 are the code length (the bits the entry
// stands for), bits 4-7 flags, bits 8-11 the number of extra bits of a length
// or distance code (for a link: the bits of the subtable's index), and bits
// 16-31 the value: a literal byte, a length or distance base, a code-length
// symbol, or a link's subtable index. An entry with no flag is a length or
// distance code.
const (
	decLit  = 1 << 4 // literal byte
	decEOB  = 1 << 5 // end of block
	decLink = 1 << 6 // longer codes: look up the next bits in a subtable
	decBad  = 1 << 7 // no valid code starts with these bits
)

// Decoder states: what comes next in the input.
const (
	decStateHeader = iota // a block header
	decStateStored        // the data of a stored block
	decStateHuff          // the data of a Huffman block
	decStateDone          // nothing: err is set
)

var (
	decLenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	decLenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	decDistBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	decDistExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

	// The order of the code-length code's lengths in a dynamic header.
	decCLOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// Entries, without their code length, of each symbol of the three alphabets.
// Literal/length symbols 286 and 287 and distance symbols 30 and 31 have
// codes in the fixed code only, and are invalid.
var (
	decLitSyms  [288]uint32
	decDistSyms [32]uint32
	decCLSyms   [19]uint32
)

// The tables of the fixed code (RFC 1951 §3.2.6), and their root tables'
// index masks.
var (
	decFixedLit                       [decLitSize]uint32
	decFixedDist                      [decDistSize]uint32
	decFixedLitMask, decFixedDistMask uint64
)

func init() {
	for s := range 256 {
		decLitSyms[s] = decLit | uint32(s)<<16
	}
	decLitSyms[256] = decEOB
	for i := range decLenBase {
		decLitSyms[257+i] = uint32(decLenBase[i])<<16 | uint32(decLenExtra[i])<<8
	}
	decLitSyms[286], decLitSyms[287] = decBad, decBad
	for i := range decDistBase {
		decDistSyms[i] = uint32(decDistBase[i])<<16 | uint32(decDistExtra[i])<<8
	}
	decDistSyms[30], decDistSyms[31] = decBad, decBad
	for s := range decCLSyms {
		decCLSyms[s] = uint32(s) << 16
	}

	var lens [288]uint8
	for s := range lens {
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
	root, err := decBuildLens(decFixedLit[:], decLitBits, lens[:], decLitSyms[:], false)
	if err != nil {
		panic(err)
	}
	decFixedLitMask = 1<<root - 1
	for s := range 32 {
		lens[s] = 5
	}
	root, err = decBuildLens(decFixedDist[:], decDistBits, lens[:32], decDistSyms[:], false)
	if err != nil {
		panic(err)
	}
	decFixedDistMask = 1<<root - 1
}

// Decoder decompresses the messages of permessage-deflate (RFC 7692 §7.2.2),
// one message at a time. It is the heavy, short-lived half of a connection's
// decompression state, about 112 KiB (a window buffer of 96 KiB, a 4 KiB
// input buffer and the Huffman tables, all inside it), and allocates nothing
// after [NewDecoder]. Callers pool Decoders themselves, for instance in a
// sync.Pool, and [Decoder.Reset] one for each message of any connection.
// The history that must outlive a message under context takeover is kept
// apart, in a [Window]. After the end of a message or an error, a Decoder
// holds no reference to the source or the Window. A Decoder is not safe for
// concurrent use.
type Decoder struct {
	src    io.Reader
	hist   *Window
	err    error // sticky: io.EOF once the message ended, or why it failed
	srcErr error // what src returned with its last bytes, to report once they are used

	state int
	final bool // the current block is the last of the stream (BFINAL)
	wsize int  // the window, 1<<windowBits
	left  int  // bytes left in the current stored block

	// The next bits of input, least significant first: nbits of them.
	// Bits above nbits are zero, or the bits of in[ipos:] that the last
	// refill also loaded, which every refill loads to the same places.
	bits  uint64
	nbits uint
	ipos  int // in[ipos:iend] is input not yet in bits
	iend  int

	// buf[:wpos] is the window and what follows: history, then output;
	// buf[rpos:wpos] is output not yet returned. The message starts at
	// buf[msgStart] (negative once it slid out).
	wpos, rpos int
	msgStart   int

	// While decoding in a Read: whether the source may be read, and wpos
	// when the Read began decoding.
	canRead bool
	start   int

	// The tables of the current Huffman block: the fixed ones, or lit and
	// dist; and the index masks of their root tables, 1<<b - 1 for a root
	// table of b bits (see decBuild).
	lt           *[decLitSize]uint32
	dt           *[decDistSize]uint32
	lmask, dmask uint64

	lit    [decLitSize]uint32
	dist   [decDistSize]uint32
	cl     [1 << decCLBits]uint32
	lens   [286 + 30]uint8
	order  [286 + 30]uint16 // the symbols with a code, while building tables
	sorted [286]uint16      // the same in code order, for one table
	in     [decInSize]byte
	buf    [decBufSize + decSlack]byte
}

// NewDecoder returns a Decoder with all of its memory. It must be Reset
// before each message.
func NewDecoder() *Decoder {
	return &Decoder{err: errDecNoReset, state: decStateDone}
}

// Reset starts a message. src yields exactly the compressed payload of the
// message, frame after frame, without the 00 00 ff ff that the sender
// removed (RFC 7692 §7.2.1): the Decoder does without it. The message ends
//
//   - where src ends right after the header of a stored block, final or not
//     (the sender removed its LEN and NLEN, 00 00 ff ff);
//   - where src ends after the end of a block, or at the very start, with no
//     more than the padding bits of the last byte left (a sender that kept
//     00 00 ff ff, or that flushed some other way; an empty payload is an
//     empty message);
//   - at the end of a block whose BFINAL bit is set (RFC 7692 §7.2.3.3):
//     src is then not read further, and the caller discards what is left of
//     the payload.
//
// src ending anywhere else is io.ErrUnexpectedEOF.
//
// windowBits (8 to 15) is the sender's window: a distance of more than
// 1<<windowBits bytes, counting the history, is corrupt data. hist is the
// history of the connection's direction under context takeover, whose last
// 1<<windowBits bytes the message may refer back to, or nil (no context
// takeover). The Decoder uses hist until the end of the message, when it
// appends the message to it; meanwhile hist must not be used otherwise.
// Invalid window bits make Read fail.
func (d *Decoder) Reset(src io.Reader, windowBits int, hist *Window) {
	d.src, d.hist, d.err, d.srcErr = src, nil, nil, nil
	d.state, d.final, d.left = decStateHeader, false, 0
	d.bits, d.nbits, d.ipos, d.iend = 0, 0, 0, 0
	d.wpos, d.rpos, d.msgStart = 0, 0, 0
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		d.fail(fmt.Errorf("websocket: deflate: invalid window bits %d", windowBits))
		return
	}
	d.wsize = 1 << windowBits // 256 to 32768: windowBits is checked above
	if hist != nil {
		d.hist = hist
		k := min(hist.Len(), d.wsize) // at most 32 KiB, within buf
		hist.decTailTo(d.buf[:k])
		d.wpos, d.rpos, d.msgStart = k, k, k
	}
}

// decTailTo copies the last len(dst) bytes of the history (at most w.Len())
// into dst, oldest first. Unlike Bytes, it leaves the ring as it is.
func (w *Window) decTailTo(dst []byte) {
	a, b := w.segments(len(dst))
	copy(dst[copy(dst, a):], b)
}

// Read decompresses the message into p. It returns io.EOF at the end of the
// message, possibly with the last bytes; with a history, the message is then
// in it. Errors are sticky: an error of src is returned as it is (io.EOF in
// the middle of a block as io.ErrUnexpectedEOF), invalid data as an error
// that wraps [ErrCorrupt].
//
// Read decodes no more than len(p) bytes ahead of what it returns, give or
// take one match of at most 258 bytes, so that a caller that bounds the size
// of a message by the size of p stops a decompression bomb early. Once it
// has output to return, it returns instead of reading src (which might
// wait) for more.
func (d *Decoder) Read(p []byte) (int, error) {
	n := 0
	yield := false
	for {
		if d.rpos < d.wpos {
			k := copy(p[n:], d.buf[d.rpos:d.wpos])
			d.rpos += k
			n += k
		}
		if d.rpos == d.wpos && d.err != nil {
			return n, d.err
		}
		if n == len(p) || yield {
			return n, nil
		}
		yield = d.decode(len(p)-n, n == 0)
	}
}

// decode decodes into buf at least room bytes (fewer if the buffer is
// full), or up to the end of the message or an error, which it records in
// err. Without canRead, and once it has decoded something, it stops short of
// reading src and returns true.
func (d *Decoder) decode(room int, canRead bool) (yield bool) {
	if room > decBufSize-d.wpos && d.wpos > d.wsize {
		d.slide()
	}
	// limit <= decBufSize: a match that starts below it ends within the
	// slack past it.
	limit := d.wpos + min(room, decBufSize-d.wpos)
	d.canRead, d.start = canRead, d.wpos
	for d.wpos < limit && d.err == nil {
		var err error
		switch d.state {
		case decStateHeader:
			err = d.header()
		case decStateStored:
			err = d.stored(limit)
		case decStateHuff:
			err = d.huff(limit)
		}
		if err == errDecYield {
			return true
		}
		if err != nil {
			d.fail(err)
		}
	}
	return false
}

// slide keeps the last window of data, all of it already returned, at the
// front of buf.
func (d *Decoder) slide() {
	k := d.wpos - d.wsize // > 0: decode slides only past a window
	copy(d.buf[:], d.buf[k:d.wpos])
	d.wpos -= k
	d.rpos -= k
	d.msgStart -= k
}

// mayRead reports whether src may be read now: when decoding has nothing to
// return yet.
func (d *Decoder) mayRead() bool {
	return d.canRead && d.wpos == d.start || d.srcErr != nil
}

// fail ends the message with err.
func (d *Decoder) fail(err error) {
	d.err, d.state = err, decStateDone
	d.src, d.hist = nil, nil
}

// end ends the message normally, and appends it to the history.
func (d *Decoder) end() {
	d.err, d.state = io.EOF, decStateDone
	if d.hist != nil {
		from := max(d.msgStart, d.wpos-d.wsize)
		d.hist.Write(d.buf[from:d.wpos], d.wsize)
	}
	d.src, d.hist = nil, nil
}

// endBlock moves on after the end of a block.
func (d *Decoder) endBlock() {
	if d.final {
		d.end()
		return
	}
	d.state = decStateHeader
}

func decCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// ---- input ----

// read reads src into p, and returns how much it read, or the error of src
// once there is nothing more; io.EOF means src ended.
func (d *Decoder) read(p []byte) (int, error) {
	if d.srcErr != nil {
		return 0, d.srcErr
	}
	for range 100 {
		n, err := d.src.Read(p)
		if n < 0 || n > len(p) {
			return 0, errors.New("websocket: deflate: source returned an invalid count")
		}
		if err != nil {
			d.srcErr = err
		}
		if n > 0 {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, io.ErrNoProgress
}

// fill reads the next chunk of src into the input buffer, which is empty.
func (d *Decoder) fill() error {
	n, err := d.read(d.in[:])
	d.ipos, d.iend = 0, n
	return err
}

// refill moves input from the input buffer into the bit buffer: at least
// 56 bits' worth if the input buffer has them.
func (d *Decoder) refill() {
	if d.iend-d.ipos >= 8 {
		d.bits |= binary.LittleEndian.Uint64(d.in[d.ipos:]) << (d.nbits & 63)
		k := (63 - d.nbits) >> 3
		d.ipos += int(k)
		d.nbits += k << 3
		return
	}
	for d.nbits < 56 && d.ipos < d.iend {
		d.bits |= uint64(d.in[d.ipos]) << d.nbits
		d.ipos++
		d.nbits += 8
	}
}

// more gets at least one more byte into the bit buffer, reading src if
// needed; the end of src is then io.ErrUnexpectedEOF.
func (d *Decoder) more() error {
	if d.ipos == d.iend {
		if err := d.fill(); err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	d.refill()
	return nil
}

// need makes sure that the bit buffer holds at least n <= 56 bits.
func (d *Decoder) need(n uint) error {
	if d.nbits >= n {
		return nil
	}
	d.refill()
	for d.nbits < n {
		if err := d.more(); err != nil {
			return err
		}
	}
	return nil
}

// drop consumes n bits.
func (d *Decoder) drop(n uint) {
	d.bits >>= n & 63
	d.nbits -= n
}

// sym decodes a symbol with table t, whose root table has the index mask
// mask, reading src as needed. A table with subtables has a root table of
// root bits.
func (d *Decoder) sym(t []uint32, mask uint64, root uint) (uint32, error) {
	d.refill()
	for {
		e := t[d.bits&mask]
		if e&decLink != 0 {
			e = t[e>>16+uint32(d.bits>>root)&(1<<(e>>8&15)-1)]
		}
		if n := uint(e & 15); n <= d.nbits {
			d.drop(n)
			return e, nil
		}
		if err := d.more(); err != nil {
			return 0, err
		}
	}
}

// huff decodes the data of a Huffman block until limit.
func (d *Decoder) huff(limit int) error {
	for d.wpos < limit && d.state == decStateHuff {
		if d.iend-d.ipos >= 8 {
			if err := d.huffFast(limit); err != nil {
				return err
			}
			continue
		}
		// Near the end of the input buffer: one symbol at a time, from
		// the bit buffer if it holds the symbol, else reading src.
		d.refill()
		if ok, err := d.huffTry(); ok || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		if !d.mayRead() {
			return errDecYield
		}
		if err := d.huffSym(); err != nil {
			return err
		}
	}
	return nil
}

// huffTry decodes one literal, match or end of block if the bit buffer holds
// all of its bits. Otherwise it returns false and consumes nothing.
func (d *Decoder) huffTry() (bool, error) {
	bits, nbits := d.bits, d.nbits
	e := d.lt[bits&d.lmask]
	if e&decLink != 0 {
		e = d.lt[e>>16+uint32(bits>>decLitBits)&(1<<(e>>8&15)-1)]
	}
	n := uint(e & 15)
	if n > nbits {
		return false, nil
	}
	switch {
	case e&decLit != 0:
		d.drop(n)
		d.buf[d.wpos] = byte(e >> 16)
		d.wpos++
		return true, nil
	case e&decEOB != 0:
		d.drop(n)
		d.endBlock()
		return true, nil
	case e&decBad != 0:
		return true, decCorrupt("invalid literal/length code")
	}
	nb := uint(e >> 8 & 15)
	if n+nb > nbits {
		return false, nil
	}
	// A base and its extra bits (up to 5): 3 to 258, from the tables.
	length := int(e>>16) + int(bits>>n&(1<<nb-1))
	n += nb
	rest := bits >> (n & 63)
	e = d.dt[rest&d.dmask]
	if e&decLink != 0 {
		e = d.dt[e>>16+uint32(rest>>decDistBits)&(1<<(e>>8&15)-1)]
	}
	if n += uint(e & 15); n > nbits {
		return false, nil
	}
	if e&decBad != 0 {
		return true, decCorrupt("invalid distance code")
	}
	nb = uint(e >> 8 & 15)
	if n+nb > nbits {
		return false, nil
	}
	// A base and its extra bits (up to 13): 1 to 32768.
	dist := int(e>>16) + int(bits>>(n&63)&(1<<nb-1))
	d.drop(n + nb)
	// Refused past the window or before buf[0]; after, w-dist >= 0.
	if dist > d.wpos || dist > d.wsize {
		return true, d.distError(dist, d.wpos)
	}
	decCopy(d.buf[:], d.wpos, dist, length)
	d.wpos += length
	return true, nil
}

// huffSym decodes one literal, match or end of block, reading src as needed.
func (d *Decoder) huffSym() error {
	e, err := d.sym(d.lt[:], d.lmask, decLitBits)
	if err != nil {
		return err
	}
	switch {
	case e&decLit != 0:
		d.buf[d.wpos] = byte(e >> 16)
		d.wpos++
		return nil
	case e&decEOB != 0:
		d.endBlock()
		return nil
	case e&decBad != 0:
		return decCorrupt("invalid literal/length code")
	}
	nb := uint(e >> 8 & 15)
	if err := d.need(nb); err != nil {
		return err
	}
	// A base and its extra bits (up to 5): 3 to 258, from the tables.
	length := int(e>>16) + int(d.bits&(1<<nb-1))
	d.drop(nb)
	if e, err = d.sym(d.dt[:], d.dmask, decDistBits); err != nil {
		return err
	}
	if e&decBad != 0 {
		return decCorrupt("invalid distance code")
	}
	nb = uint(e >> 8 & 15)
	if err := d.need(nb); err != nil {
		return err
	}
	// A base and its extra bits (up to 13): 1 to 32768.
	dist := int(e>>16) + int(d.bits&(1<<nb-1))
	d.drop(nb)
	// Refused past the window or before buf[0]; after, w-dist >= 0.
	if dist > d.wpos || dist > d.wsize {
		return d.distError(dist, d.wpos)
	}
	decCopy(d.buf[:], d.wpos, dist, length)
	d.wpos += length
	return nil
}

// distError is the error of a match at buf[w:] whose distance reaches back
// past the window or past the data before it (history, then output).
func (d *Decoder) distError(dist, w int) error {
	if dist > d.wsize {
		return decCorrupt("distance %d past the window of %d bytes", dist, d.wsize)
	}
	return decCorrupt("distance %d past the %d bytes of history and output", dist, w)
}

// decCopy copies a match: length bytes from dist bytes before w to w. It
// may write up to 7 bytes of garbage past the match: with w below a limit
// of at most decBufSize and length at most 258, within decSlack.
func decCopy(buf []byte, w, dist, length int) {
	from := w - dist
	switch {
	case dist >= 8:
		// Each 8 bytes read lie before w+i, already copied.
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(buf[w+i:], binary.LittleEndian.Uint64(buf[from+i:]))
		}
	case dist == 1:
		v := uint64(buf[from]) * 0x0101010101010101
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(buf[w+i:], v)
		}
	default:
		for i := range length {
			buf[w+i] = buf[from+i]
		}
	}
}

// huffFast decodes while the input buffer holds at least 8 bytes, up to
// limit or the end of the block. Every round starts with a refill to at
// least 56 bits, enough for a length and a distance with their extra bits,
// and limit leaves room for a whole match.
func (d *Decoder) huffFast(limit int) error {
	var (
		bits  = d.bits
		nbits = d.nbits
		ip    = d.ipos
		w     = d.wpos
		in    = d.in[:d.iend]
		buf   = d.buf[:]
		lt    = d.lt
		dt    = d.dt
		wsize = d.wsize
		eob   bool
		err   error
	)
	for w < limit && len(in)-ip >= 8 {
		// nbits < 64 always: in holds 8 bytes at ip, and the shift and
		// the bytes taken keep nbits in [56, 63].
		bits |= binary.LittleEndian.Uint64(in[ip:]) << (nbits & 63)
		ip += int((63 - nbits) >> 3)
		nbits |= 56 // nbits + 8*((63-nbits)/8)

		e := lt[bits&d.lmask&(1<<decLitBits-1)]
		if e&decLink != 0 {
			e = lt[e>>16+uint32(bits>>decLitBits)&(1<<(e>>8&15)-1)]
		}
		if e&decLit != 0 {
			// Up to three literals take at most 45 bits, and leave room
			// for a fourth code: decode them without a refill.
			bits >>= e & 15
			nbits -= uint(e & 15)
			buf[w] = byte(e >> 16)
			w++
			e = lt[bits&d.lmask&(1<<decLitBits-1)]
			if e&decLink != 0 {
				e = lt[e>>16+uint32(bits>>decLitBits)&(1<<(e>>8&15)-1)]
			}
			if e&decLit != 0 {
				bits >>= e & 15
				nbits -= uint(e & 15)
				buf[w] = byte(e >> 16)
				w++
				e = lt[bits&d.lmask&(1<<decLitBits-1)]
				if e&decLink != 0 {
					e = lt[e>>16+uint32(bits>>decLitBits)&(1<<(e>>8&15)-1)]
				}
				if e&decLit != 0 {
					bits >>= e & 15
					nbits -= uint(e & 15)
					buf[w] = byte(e >> 16)
					w++
					continue
				}
			}
			if nbits < decMaxSymBits {
				// Not enough bits left for a match: refill first.
				continue
			}
		}
		bits >>= e & 15
		nbits -= uint(e & 15)
		if e&(decEOB|decBad) != 0 {
			if e&decBad != 0 {
				err = decCorrupt("invalid literal/length code")
				break
			}
			eob = true
			break
		}
		nb := e >> 8 & 15
		// A base and its extra bits (up to 5): 3 to 258, from the tables.
		length := int(e>>16) + int(bits&(1<<nb-1))
		bits >>= nb
		nbits -= uint(nb)

		e = dt[bits&d.dmask&(1<<decDistBits-1)]
		if e&decLink != 0 {
			e = dt[e>>16+uint32(bits>>decDistBits)&(1<<(e>>8&15)-1)]
		}
		if e&decBad != 0 {
			err = decCorrupt("invalid distance code")
			break
		}
		bits >>= e & 15
		nbits -= uint(e & 15)
		nb = e >> 8 & 15
		// A base and its extra bits (up to 13): 1 to 32768.
		dist := int(e>>16) + int(bits&(1<<nb-1))
		bits >>= nb
		nbits -= uint(nb)
		// Refused past the window or before buf[0]; after, w-dist >= 0.
		if dist > w || dist > wsize {
			err = d.distError(dist, w)
			break
		}
		if from := w - dist; dist >= 8 {
			// As in decCopy.
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(buf[w+i:], binary.LittleEndian.Uint64(buf[from+i:]))
			}
		} else {
			decCopy(buf, w, dist, length)
		}
		w += length
	}
	d.bits, d.nbits, d.ipos, d.wpos = bits, nbits, ip, w
	if eob {
		d.endBlock()
	}
	return err
}
