package deflate

import (
	"errors"
	"fmt"
	"io"
)

// DefaultLevel is the level that [Encoder.Reset] uses for level 0: the
// greedy level that indexes the whole 32 KiB of history, so that under
// context takeover a message finds its matches in messages well before it.
// On the bench/ corpus of 2 KiB JSON events it gives 0.283 wire bytes per
// payload byte where level 1 gives 0.334, at about four fifths of level 1's
// echo rate (make -C bench peers; see the package documentation).
const DefaultLevel = 3

// Limits of the parameters of [Encoder.Reset].
const (
	MinLevel      = 1
	MaxLevel      = 9
	MinWindowBits = 8
	MaxWindowBits = 15
)

const (
	maxWindow = 1 << MaxWindowBits
	// bufSize is the working buffer: up to a full window of history, then
	// message data. A long message is compressed bufSize-window bytes at a
	// time at the least.
	bufSize = 2 * maxWindow
	// lookahead is how many bytes past the last position tokenized in a
	// round are kept for the next round, so that no match is cut short at
	// a round's end.
	lookahead = maxMatch + minMatch
	// maxSeqs bounds the sequences of one block; a block ends when they run
	// out.
	maxSeqs = 1 << 12
	// flushSize is how much compressed output is gathered before it is
	// written to the destination in the middle of a message.
	flushSize = 16 << 10
	// maxBase bounds the absolute positions stored in the hash tables, which
	// are int32; when the next message could pass it, the tables are cleared.
	maxBase = 1<<31 - 2*bufSize
)

// errNoReset is returned by an Encoder that was not Reset since its last
// Finish.
var errNoReset = errors.New("websocket: deflate: encoder used without Reset")

// seq is one step of a block: lits literal bytes taken from the input, then,
// if mlen is not 0, a match of mlen bytes (3..258) at distance dist
// (1..32768).
type seq struct {
	lits uint32
	mlen uint16
	dist uint16
}

// Encoder compresses messages into raw DEFLATE (RFC 1951) for the
// permessage-deflate extension (RFC 7692), one message at a time. It is the
// heavy, short-lived half of a connection's compression state: hash tables,
// buffers and Huffman scratch, about 236 KiB once warm at levels 1 to 3 and
// 300 KiB at the others (see the package documentation). The history that
// must outlive a message is kept apart, in a [Window].
//
// Callers pool Encoders themselves, for instance in a sync.Pool of values
// made by [NewEncoder]: an Encoder may be Reset for any connection, level and
// window size, and after [Encoder.Finish] it holds no reference to the
// destination or the Window. An Encoder is not safe for concurrent use.
type Encoder struct {
	dst  io.Writer
	hist *Window
	err  error

	p     levelParams
	wsize int // window size 1<<windowBits

	// buf[:end] is history, then the message data received so far.
	// Positions before pos are tokenized; those before blockStart written.
	buf        []byte
	end        int
	pos        int
	blockStart int
	msgStart   int // index of the message's first byte; negative once slid out
	histLen    int // bytes of history at the start of buf, until primed
	primed     bool

	// base is the absolute position of buf[0]. Absolute positions grow
	// across messages, so entries left in the tables by earlier messages
	// are below base and recognised as stale without clearing the tables.
	base     int
	nextBase int

	// table maps a hash of 4 bytes to the absolute position of their last
	// occurrence. chain, for the lazy levels, maps a position (mod 32768)
	// to the distance back to the previous position with the same hash, or
	// 0 for none.
	table []int32
	chain []uint16
	tb    uint // table bits of this message, set by prime

	seqs []seq
	bw   bitWriter

	hf        huffman
	nlits     int // literals in the pending block
	litFreq   [numLitLen]uint32
	litFreq2  [256]uint32 // see count
	distFreq  [numDist]uint32
	clFreq    [numCodeLen]uint32
	litLens   [numLitLen]uint8
	distLens  [numDist]uint8
	clLens    [numCodeLen]uint8
	litCodes  [numLitLen]codeWord
	distCodes [numDist]codeWord
	clCodes   [numCodeLen]codeWord
	litSyms   symbols
	distSyms  symbols
	clSyms    symbols
	lens      [numLitLen + numDist]uint8
	rle       []rleSym
	hlit      int
	hdist     int
	hclen     int
}

// NewEncoder returns an Encoder with its buffers allocated. It must be Reset
// before use.
func NewEncoder() *Encoder {
	e := &Encoder{
		err:      errNoReset,
		buf:      make([]byte, bufSize),
		table:    make([]int32, 1<<maxTableBits),
		seqs:     make([]seq, 0, maxSeqs),
		rle:      make([]rleSym, 0, numLitLen+numDist),
		nextBase: 1,
	}
	return e
}

// Reset starts a message, to be written compressed to dst.
//
// level is 1 (fastest) to 9 (smallest), or 0 for [DefaultLevel]; windowBits
// is the negotiated window size, 8 to 15: no match reaches back more than
// 1<<windowBits bytes, history included. hist is the history of the
// connection's direction under context takeover, or nil for a message
// compressed on its own (no context takeover). With a history, its last
// 1<<windowBits bytes are the dictionary, and Finish appends the message to
// it. Invalid arguments make Write and Finish return an error.
func (e *Encoder) Reset(dst io.Writer, level, windowBits int, hist *Window) {
	e.dst, e.hist, e.err = dst, nil, nil
	if level == 0 {
		level = DefaultLevel
	}
	switch {
	case level < MinLevel || level > MaxLevel:
		e.err = fmt.Errorf("websocket: deflate: invalid level %d", level)
		return
	case windowBits < MinWindowBits || windowBits > MaxWindowBits:
		e.err = fmt.Errorf("websocket: deflate: invalid window bits %d", windowBits)
		return
	}
	e.p = levels[level]
	e.wsize = 1 << windowBits
	if e.p.lazy && e.chain == nil {
		e.chain = make([]uint16, maxWindow)
	}
	if e.nextBase > maxBase {
		clear(e.table)
		e.nextBase = 1
	}
	e.base = e.nextBase
	// Whatever happens to this message, the next starts past every
	// position it can store.
	e.nextBase = e.base + bufSize

	n := 0
	if hist != nil {
		e.hist = hist
		// Only the part of the history that priming indexes can be matched,
		// so only that part is copied.
		n = min(hist.Len(), e.wsize, e.p.primeSpan)
		a, b := hist.segments(n)
		copy(e.buf[copy(e.buf, a):], b)
	}
	e.end, e.pos, e.blockStart, e.msgStart, e.histLen = n, n, n, n, n
	e.primed = false
	e.seqs = e.seqs[:0]
	e.clearCounts()
	e.bw.o, e.bw.acc, e.bw.n = 0, 0, 0
}

// Write compresses p as the next part of the message. Memory use is bounded
// however long the message: data is compressed as the buffer fills, and the
// compressed output is written to the destination in pieces of about 16 KiB
// as blocks complete. An error from the destination is returned as is, and
// sticks until the next Reset.
func (e *Encoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := len(p)
	for len(p) > 0 {
		if e.end == len(e.buf) {
			e.compress(false)
			e.slide()
			if e.bw.o >= flushSize {
				if err := e.writeOut(); err != nil {
					return n - len(p), err
				}
			}
		}
		k := copy(e.buf[e.end:], p)
		e.end += k
		p = p[k:]
	}
	return n, nil
}

// Finish ends the message as RFC 7692 §7.2.1 asks: it writes whatever is
// pending, then the empty non-final stored block of a sync flush without its
// LEN and NLEN (the bytes 00 00 ff ff that the extension removes), all before
// it returns. An empty message becomes the single byte 0x00. Every block is
// non-final, so that a stream under context takeover can continue.
//
// Then, with a history, the history holds the last 1<<windowBits bytes of
// itself followed by the message. The Encoder keeps no reference to the
// destination or the history and must be Reset before the next message.
func (e *Encoder) Finish() error {
	if e.err != nil {
		err := e.err
		e.release()
		return err
	}
	e.compress(true)
	e.bw.reserve(8)
	e.bw.put(headerStored, 3)
	e.bw.align()
	err := e.writeOut()
	if err == nil && e.hist != nil {
		from := max(e.msgStart, e.end-e.wsize, 0)
		e.hist.Write(e.buf[from:e.end], e.wsize)
	}
	e.release()
	return err
}

// release drops the references to the caller's destination and history, and
// makes the Encoder refuse use until the next Reset.
func (e *Encoder) release() {
	e.dst, e.hist, e.err = nil, nil, errNoReset
}

// writeOut writes the finished output bytes to the destination.
func (e *Encoder) writeOut() error {
	if e.bw.o == 0 {
		return nil
	}
	_, err := e.dst.Write(e.bw.out[:e.bw.o])
	// The bits of a partial byte, if any, stay in acc.
	e.bw.o = 0
	if err != nil {
		e.err = err
	}
	return err
}

// compress tokenizes the data received so far and writes it as blocks. Short
// of the end of the message, it stops lookahead bytes before the end of the
// data, so that matches there can still grow with the next data.
func (e *Encoder) compress(final bool) {
	if !e.primed {
		e.prime()
		e.primed = true
	}
	stop := e.end
	if !final {
		stop -= lookahead
	}
	for {
		var full bool
		if e.p.lazy {
			full = e.lazy(stop, final)
		} else {
			full = e.greedy(stop, final)
		}
		e.emitBlock()
		if !full {
			return
		}
	}
}

// slide drops the data that can no longer be referenced (more than a window
// before pos) from the front of the buffer, to make room for more.
func (e *Encoder) slide() {
	k := e.pos - e.wsize
	if k <= 0 {
		// Cannot happen with bufSize >= 2*maxWindow: pos is then within
		// lookahead+maxMatch of the end of a full buffer.
		panic("deflate: buffer too small to slide")
	}
	copy(e.buf, e.buf[k:e.end])
	e.end -= k
	e.pos -= k
	e.blockStart -= k
	e.msgStart -= k
	e.base += k
	if e.base > maxBase {
		e.rebase()
	}
	e.nextBase = e.base + bufSize
}

// rebase lowers the absolute positions, in the middle of a message that has
// slid the buffer past 2 GiB, so that they still fit in an int32. Entries of
// the table from before the buffer become 0, which is below any base.
func (e *Encoder) rebase() {
	shift := int32(e.base - 1)
	for i, v := range e.table {
		if v > shift {
			e.table[i] = v - shift
		} else {
			e.table[i] = 0
		}
	}
	e.base = 1
}
