package websocket

import (
	"errors"
	"io"
	"sync"

	"github.com/hayate-ws/websocket/internal/deflate"
)

// This file is the data path of permessage-deflate (RFC 7692 §7.2): what a Conn keeps
// between messages when compression was negotiated, the compressor and decompressor it
// borrows for each message, and the frames compressed output goes out in.
//
// Memory: the working state of both directions (hash tables, Huffman tables, buffers) is
// pooled and held only while a message is being read or written. Under context takeover
// a connection also keeps, per direction, the last bytes of uncompressed data up to the
// negotiated window (at most 2^bits bytes), which the next message is compressed
// against; those histories grow with the data, so a connection that sends little keeps
// little.

// defaultThreshold is the size below which a message is sent as it is: a deflate stream
// of a few dozen bytes is seldom smaller than its input.
const defaultThreshold = 128

// compression is a connection's permessage-deflate state, present only when negotiated.
type compression struct {
	level     int
	threshold int // a message shorter than this goes uncompressed

	writeBits, readBits         int  // LZ77 window, as a power of two, of each direction
	writeTakeover, readTakeover bool // context takeover in each direction

	// Histories under context takeover. wwin belongs to whoever holds msgLock, rwin to
	// whoever holds readMu.
	wwin, rwin deflate.Window
}

// newCompression returns the state for a connection that negotiated p, with the local
// options o (nil means the defaults).
func newCompression(p deflateParams, o *DeflateOptions, client bool) *compression {
	z := &compression{level: deflate.DefaultLevel, threshold: defaultThreshold}
	if o != nil {
		if o.Level != 0 {
			z.level = o.Level
		}
		switch {
		case o.Threshold > 0:
			z.threshold = o.Threshold
		case o.Threshold < 0:
			z.threshold = 0
		}
	}
	if client {
		z.writeBits, z.writeTakeover = p.clientMaxWindowBits, !p.clientNoContextTakeover
		z.readBits, z.readTakeover = p.serverMaxWindowBits, !p.serverNoContextTakeover
	} else {
		z.writeBits, z.writeTakeover = p.serverMaxWindowBits, !p.serverNoContextTakeover
		z.readBits, z.readTakeover = p.clientMaxWindowBits, !p.clientNoContextTakeover
	}
	return z
}

// ---- sending ----

var encoderPool = sync.Pool{New: func() any { return deflate.NewEncoder() }}

// compressible reports whether a message of size bytes is to be compressed.
func (z *compression) compressible(size int) bool {
	return z != nil && size >= z.threshold
}

// startDeflate switches w, which holds no output yet, to compressing: from now on what
// is written to w goes through a pooled encoder, and w's buffer collects the compressed
// frames.
func (w *messageWriter) startDeflate() {
	z := w.c.cz
	var hist *deflate.Window
	if z.writeTakeover {
		hist = &z.wwin
	}
	w.enc = encoderPool.Get().(*deflate.Encoder)
	w.enc.Reset((*frameSink)(w), z.level, z.writeBits, hist)
	w.rsv = rsv1
	w.deciding = false
}

// deflateBuffered starts compressing a message of which w has buffered the start as it
// is.
func (w *messageWriter) deflateBuffered() error {
	plain, n := w.buf, w.n
	w.buf, w.n = writeBufPool.Get().(*[writeBufSize]byte), 0
	w.startDeflate()
	_, err := w.enc.Write(plain[maxHeaderSize : maxHeaderSize+n])
	writeBufPool.Put(plain)
	return err
}

// writeDeflated sends p as one compressed message. The caller holds msgLock, so the
// message writer is free to use.
func (c *Conn) writeDeflated(op opcode, p []byte) error {
	w := &c.w
	w.op = op
	w.buf, w.n = writeBufPool.Get().(*[writeBufSize]byte), 0
	w.startDeflate()
	_, err := w.enc.Write(p)
	return w.finish(err)
}

// finishDeflate ends the compressed message and returns the encoder to its pool.
func (w *messageWriter) finishDeflate() error {
	err := w.enc.Finish()
	encoderPool.Put(w.enc)
	w.enc = nil
	return err
}

// frameSink is a messageWriter seen as the destination of compressed output: it fills
// the writer's buffer and sends a frame each time the buffer is full. The last frame is
// sent by the writer's Close.
type frameSink messageWriter

func (s *frameSink) Write(p []byte) (int, error) {
	w := (*messageWriter)(s)
	written := 0
	for len(p) > 0 {
		if w.n == writeBufSize-maxHeaderSize {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		k := copy(w.buf[maxHeaderSize+w.n:], p)
		w.n += k
		written += k
		p = p[k:]
	}
	return written, nil
}

// ---- receiving ----

// inflater decompresses one message: a pooled decoder, reading the message's payload
// through readRaw. The decoder restores the tail the sender removed (RFC 7692 §7.2.2).
type inflater struct {
	m    *messageReader
	dec  *deflate.Decoder
	done bool  // the message's payload has been read whole
	err  error // what reading the payload failed with
}

var inflaterPool = sync.Pool{New: func() any { return &inflater{dec: deflate.NewDecoder()} }}

// errCorruptDeflate fails a connection whose peer sent compressed data that does not
// decode.
var errCorruptDeflate = errors.New("websocket: invalid compressed data")

// startInflate borrows an inflater for the message m is starting.
func (m *messageReader) startInflate() {
	z := m.c.cz
	f := inflaterPool.Get().(*inflater)
	f.m, f.done, f.err = m, false, nil
	var hist *deflate.Window
	if z.readTakeover {
		hist = &z.rwin
	}
	f.dec.Reset(f, z.readBits, hist)
	m.inf = f
	m.inflated = 0
}

// stopInflate returns the inflater to its pool.
func (m *messageReader) stopInflate() {
	if f := m.inf; f != nil {
		f.m = nil
		m.inf = nil
		inflaterPool.Put(f)
	}
}

// Read gives the decoder the message's compressed payload.
func (f *inflater) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n, err := f.m.readRaw(p)
	switch {
	case err == io.EOF:
		f.done = true
	case err != nil:
		f.err = err
	}
	return n, err
}

// readInflated reads decompressed payload of a compressed message. The caller holds
// readMu and m is active.
func (m *messageReader) readInflated(p []byte) (int, error) {
	if m.limit >= 0 {
		// Never decompress more than one byte past the limit, however big p is. Here
		// 0 <= m.inflated <= m.limit (a message that passes the limit fails), so room
		// cannot overflow, and room+1 <= len(p) when p is cut.
		if room := m.limit - m.inflated; int64(len(p)) > room {
			p = p[:room+1]
		}
	}
	n, err := m.inf.dec.Read(p)
	if n > 0 {
		// Under a limit, m.inflated stays at most m.limit+1. Without one it counts bytes
		// actually produced, which cannot reach 2^63.
		m.inflated += int64(n)
		if m.limit >= 0 && m.inflated > m.limit {
			m.stopInflate()
			return 0, m.failed(errTooBig, false)
		}
		if m.typ == MessageText && !m.utf8.Feed(p[:n]) {
			return 0, m.failed(errInvalidUTF8, false)
		}
	}
	switch {
	case err == nil:
		return n, nil
	case !m.active:
		// Reading the payload failed, and m.failed has ended the connection.
		m.stopInflate()
		return n, m.err
	case m.inf.err != nil:
		// The context ended between two frames. An uncompressed message could go on
		// later, but the decoder keeps the error: the message is lost, and with it the
		// connection, whose next messages may refer back to this one.
		cause := m.inf.err
		m.stopInflate()
		return n, m.failed(cause, false)
	case err == io.EOF:
		// The decoder stops at the end of the payload, or at a final block of the
		// sender's own (RFC 7692 §7.2.3.3), after which nothing carries data.
		if !m.inf.done {
			if err := m.discardRaw(); err != nil {
				return n, err
			}
		}
		m.stopInflate()
		return n, m.end()
	default:
		m.stopInflate()
		return n, m.failed(&protocolError{StatusInvalidFramePayloadData, "invalid compressed data", errors.Join(errCorruptDeflate, err)}, false)
	}
}

// discardRaw skips what is left of the message's payload.
func (m *messageReader) discardRaw() error {
	for {
		if m.remaining > 0 {
			if err := m.c.rd.discard(m.remaining); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return m.failed(err, false)
			}
			m.remaining = 0
		}
		var none [0]byte
		if _, err := m.readRaw(none[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// compressedLimit is the most compressed payload a message may declare under the read
// limit: deflate's stored blocks add five bytes per 64 KiB, so honest data fits well
// within an eighth more, and this bounds the work a peer can ask for.
func compressedLimit(limit int64) int64 {
	if limit < 0 {
		return -1
	}
	const maxInt64 = 1<<63 - 1
	const most = (maxInt64 - 1024) / 9 * 8 // the largest limit whose sum below fits
	if limit > most {
		return maxInt64
	}
	return limit + limit/8 + 1024
}
