package websocket

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hayate-ws/websocket/internal/utf8"
)

// MessageType is the type of a data message.
type MessageType int

// The data message types; their values are the opcodes of RFC 6455 §5.2.
const (
	// MessageText is a message of UTF-8 text.
	MessageText MessageType = MessageType(opText)
	// MessageBinary is a message of arbitrary bytes.
	MessageBinary MessageType = MessageType(opBinary)
)

// String returns "text" or "binary".
func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return fmt.Sprintf("MessageType(%d)", int(t))
}

// defaultReadLimit is the largest message a Conn accepts unless told otherwise: 1 MiB.
const defaultReadLimit = 1 << 20

// ErrMessageTooBig is returned, wrapped, when a message exceeds the read limit or is cut
// into more frames than the limit allows (see [Conn.SetReadLimit]). The connection is
// then closed with [StatusMessageTooBig].
var ErrMessageTooBig = errors.New("websocket: message too big")

var (
	errInvalidMessageType = errors.New("websocket: invalid message type")
	errWriterClosed       = errors.New("websocket: write to a closed message writer")
	errInvalidUTF8        = &protocolError{StatusInvalidFramePayloadData, "invalid UTF-8 in text message", nil}
	errTooBig             = &protocolError{StatusMessageTooBig, "message too big", ErrMessageTooBig}
	errTooManyFragments   = &protocolError{StatusMessageTooBig, "message in too many frames", ErrMessageTooBig}
	errEmptyFrames        = &protocolError{StatusPolicyViolation, "too many empty frames in a row", nil}
)

// Limits on how a message may be cut into frames. Each frame costs a header's worth of
// work however little it carries, so a peer could make one message of a million 1-byte
// frames, or of empty frames without end, which the read limit alone does not stop.
const (
	// bytesPerFragment is the smallest average frame a message may have: a message may
	// have one frame per 64 bytes of the read limit (16,384 under the 1 MiB default).
	bytesPerFragment = 64
	// minFragments is the fewest frames any message may have, whatever the read limit.
	minFragments = 1024
	// maxEmptyFrames bounds the empty data frames in a row within a message; control
	// frames between them neither count nor break the run. Senders that flush an empty
	// fragment now and then stay far below it.
	maxEmptyFrames = 32
)

// fragmentLimit returns the most data frames a message may have under the read limit
// limit, or -1 for no bound when there is no limit. limit/bytesPerFragment cannot
// overflow, and the result is at least minFragments.
func fragmentLimit(limit int64) int64 {
	if limit < 0 {
		return -1
	}
	return max(minFragments, limit/bytesPerFragment)
}

// Conn is a WebSocket connection, made by [Accept], [Server], [Dial] or [Client].
//
// Every method is safe for concurrent use, except that [Conn.Read] and [Conn.Reader] (with
// the message reader it returns) must be used by one goroutine at a time; the application
// must keep reading so that pings, pongs and close frames are handled. Writes from any
// number of goroutines are serialised: messages never interleave, and control frames go
// out between the frames of a message being streamed.
//
// Pongs are written ahead of the next frame that goes out, or by a short-lived goroutine
// when nothing else is being written, so the reading goroutine never waits to write.
type Conn struct {
	nc          net.Conn
	client      bool
	subprotocol string
	allowedRSV  byte          // RSV bits a negotiated extension defines
	cz          *compression  // permessage-deflate state; nil if not negotiated
	cfg         *sharedConfig // shared with the other connections made with the same options

	// Reading. readMu is held for the duration of each read call; Close uses it to
	// find out whether a reader is active.
	readMu    sync.Mutex
	rd        connReader
	msg       messageReader
	readLimit atomic.Int64

	// Writing. msgLock is held for a whole data message (a Write or an open Writer);
	// frameMu for one frame on the wire, so control frames can go between fragments.
	msgLock msgLock
	frameMu sync.Mutex
	w       messageWriter
	whdr    [maxHeaderSize]byte // header of a large frame (under frameMu)
	wiov    [2][]byte           // header and payload of a gathered write
	wvec    net.Buffers         // kept here so that WriteTo does not allocate
	closing atomic.Bool         // a close frame went out: no more frames
	ended   atomic.Bool         // the read side has ended (see linger)

	// Control frames owed to the peer while someone else held frameMu: a pong left by the
	// reader, a ping left by Ping. Whoever releases frameMu next sends them (see
	// unlockFrame), so neither waits on a writer that may itself wait on the peer.
	ctlMu      sync.Mutex
	ctlPending atomic.Bool
	flusher    atomic.Bool // a flushControl goroutine is on its way
	pongQ      *pongQueue  // pongs owed; borrowed from pongQueuePool while any are owed
	pongCount  int32
	pingOwed   bool
	pingOwedID uint64

	pingMu  sync.Mutex
	pingSeq uint64
	// ext holds the state of what few connections use (Ping's waiters, Send's queue, a
	// Tracker), made when first needed.
	ext atomic.Pointer[connExtra]

	cs closeState

	st      connStats
	ka      keepalive
	readSeq atomic.Uint64 // read calls begun; keepalive tells one long read from several
}

// connConfig is what a handshake hands to newConn.
type connConfig struct {
	nc          net.Conn
	client      bool
	buffered    []byte // bytes read past the handshake; newConn takes ownership
	subprotocol string
	readLimit   int64           // 0 means defaultReadLimit, < 0 no limit
	deflate     *deflateParams  // negotiated permessage-deflate, or nil
	deflateOpts *DeflateOptions // the local side's compression options
	shared      *sharedConfig   // nil means no keepalive and no hooks
}

func newConn(cfg connConfig) *Conn {
	c := &Conn{
		nc:          cfg.nc,
		client:      cfg.client,
		subprotocol: cfg.subprotocol,
		cfg:         cfg.shared,
	}
	if c.cfg == nil {
		c.cfg = &noSharedConfig
	}
	c.cs.done = make(chan struct{})
	c.rd.init(cfg.nc, cfg.buffered)
	c.msg.c = c
	c.msg.stop = noWatch
	c.w.c = c
	c.SetReadLimit(cfg.readLimit)
	c.startKeepalive()
	if cfg.deflate != nil {
		c.cz = newCompression(*cfg.deflate, cfg.deflateOpts, cfg.client)
		c.allowedRSV = rsv1
	}
	return c
}

// Subprotocol returns the subprotocol chosen in the handshake, or "" if there is none.
func (c *Conn) Subprotocol() string { return c.subprotocol }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetReadLimit sets the largest message, in bytes, that the connection accepts; n < 0
// removes the limit, and 0 restores the default of 1 MiB (1,048,576 bytes), as the
// ReadLimit field of [AcceptOptions] and [DialOptions] does. A message whose frames
// declare more fails the connection with [StatusMessageTooBig] before its payload is read,
// and the read returns an error wrapping [ErrMessageTooBig]. For a compressed message
// the limit applies to the decompressed size. The limit also bounds how finely a message
// may be cut: into at most one frame per 64 bytes of the limit, and never fewer than
// 1,024 frames (16,384 under the default), with at most 32 empty frames in a row, which
// fail the connection with [StatusMessageTooBig] and [StatusPolicyViolation]
// respectively. The limit applies from the next message on.
func (c *Conn) SetReadLimit(n int64) {
	if n == 0 {
		n = defaultReadLimit
	}
	c.readLimit.Store(n)
}

// ---- reading ----

// readBufSize is the read-ahead buffer each Conn holds: enough for a frame header and a
// small message in one system call, small enough that idle connections stay lean.
// Payloads at least this large are read straight into the caller's buffer.
const readBufSize = 512

// connReader buffers what is read from the network.
type connReader struct {
	heard  atomic.Bool  // something was read since keepalive last cleared it
	wireIn atomic.Int64 // bytes read from src
	src    io.Reader
	buf    []byte // buffered bytes are buf[r:w]; buf is small or the handshake's leftover
	r, w   int
	small  [readBufSize]byte
}

func (rd *connReader) init(src io.Reader, leftover []byte) {
	rd.src = src
	if len(leftover) <= len(rd.small) {
		rd.buf = rd.small[:]
		rd.w = copy(rd.buf, leftover)
		return
	}
	rd.buf = leftover
	rd.w = len(leftover)
}

// fill makes at least n (at most readBufSize) bytes available in buf[r:w] without
// consuming any.
func (rd *connReader) fill(n int) error {
	if rd.w-rd.r >= n {
		return nil
	}
	if rd.r > 0 || len(rd.buf) != len(rd.small) {
		rd.w = copy(rd.small[:], rd.buf[rd.r:rd.w])
		rd.r = 0
		rd.buf = rd.small[:]
	}
	for rd.w < n {
		k, err := rd.src.Read(rd.buf[rd.w:])
		rd.got(k)
		rd.w += k
		if err != nil {
			if rd.w >= n {
				return nil
			}
			if err == io.EOF && rd.w > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// got counts n bytes read from src.
func (rd *connReader) got(n int) {
	if n > 0 {
		rd.wireIn.Add(int64(n))
		if !rd.heard.Load() {
			rd.heard.Store(true)
		}
	}
}

// read reads up to len(p) bytes of payload.
func (rd *connReader) read(p []byte) (int, error) {
	if rd.r < rd.w {
		n := copy(p, rd.buf[rd.r:rd.w])
		rd.r += n
		return n, nil
	}
	if len(p) >= readBufSize {
		n, err := rd.src.Read(p)
		rd.got(n)
		return n, err
	}
	rd.buf, rd.r, rd.w = rd.small[:], 0, 0
	n, err := rd.src.Read(rd.buf)
	rd.got(n)
	if n <= 0 {
		return 0, err
	}
	rd.w = n
	k := copy(p, rd.buf[:n])
	rd.r = k
	return k, nil
}

// discard skips n bytes of payload.
func (rd *connReader) discard(n int64) error {
	for n > 0 {
		if rd.r == rd.w {
			if err := rd.fill(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		k := int(min(n, int64(rd.w-rd.r)))
		rd.r += k
		n -= int64(k)
	}
	return nil
}

// maxLingerDiscard is what a connection that has ended its read side (see linger) reads
// and drops while it waits for the peer to close, beyond what the peer had announced:
// about what a socket's buffers hold. A peer that keeps sending past it is flooding, and
// gets its connection closed, even if that resets it.
const maxLingerDiscard = 256 << 10

// maxAnnouncedDiscard bounds the rest of a frame over the read limit that the discard
// also takes (see failRead), unless the read limit is larger: a peer writing a message
// a few MiB over the limit still reads the 1009, and one that declares 2^63-1 bytes to
// flood is cut off.
const maxAnnouncedDiscard = 16 << 20

// discardUntilEOF reads and drops what arrives until the peer closes, an error occurs or
// limit bytes have gone by (the caller sets a read deadline); it reports whether the peer
// closed.
func (rd *connReader) discardUntilEOF(limit int64) bool {
	rd.r, rd.w = 0, 0
	rd.buf = rd.small[:]
	for limit > 0 {
		n, err := rd.src.Read(rd.buf)
		rd.got(n)
		limit -= int64(n) // n <= len(rd.buf), so limit stays above -readBufSize
		if err != nil {
			return err == io.EOF
		}
	}
	return false
}

// peekHeader waits until a whole frame header is buffered, consuming nothing, so that an
// interruption while waiting leaves the stream intact.
func (c *Conn) peekHeader() error {
	if err := c.rd.fill(2); err != nil {
		return err
	}
	// headerLen is at most maxHeaderSize (14), well within the read-ahead buffer.
	n := headerLen(c.rd.buf[c.rd.r], c.rd.buf[c.rd.r+1])
	return c.rd.fill(n)
}

// nextFrame consumes the buffered frame header (see peekHeader) and checks it. The
// length it returns is in [0, 2^63): decodeHeader refuses a 64-bit length with the
// most significant bit set.
func (c *Conn) nextFrame() (header, error) {
	n := headerLen(c.rd.buf[c.rd.r], c.rd.buf[c.rd.r+1])
	h, err := decodeHeader(c.rd.buf[c.rd.r : c.rd.r+n])
	c.rd.r += n
	if err != nil {
		return h, err
	}
	return h, h.check(!c.client, c.allowedRSV)
}

// readFrame reads and checks the next frame header.
func (c *Conn) readFrame() (header, error) {
	if err := c.peekHeader(); err != nil {
		return header{}, err
	}
	return c.nextFrame()
}

// handleControl reads the payload of control frame h and acts on it: a ping is answered,
// a pong wakes its Ping, a close frame runs the closing handshake (and the error that
// comes back is the connection's final error).
func (c *Conn) handleControl(h header) error {
	// h passed check: a control frame's length is at most maxControlPayload, well
	// within the read-ahead buffer, and fits the pong queue's length byte. The payload is
	// read into that buffer and used in place, before anything else is read.
	n := int(h.length)
	if err := c.rd.fill(n); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	p := c.rd.buf[c.rd.r : c.rd.r+n]
	c.rd.r += n
	if h.masked {
		mask(h.key, p)
	}
	switch h.op {
	case opPing:
		// Only the latest unanswered ping needs its pong (RFC 6455 §5.5.3).
		c.ctlMu.Lock()
		if c.pongQ == nil {
			c.pongQ = pongQueuePool.Get().(*pongQueue)
			c.pongQ.n = 0
		}
		if c.pongCount == maxQueuedPongs {
			// A peer pinging faster than we can answer gets answers to its latest
			// pings only, which RFC 6455 §5.5.3 allows.
			c.pongQ.n, c.pongCount = 0, 0
		}
		// At most maxQueuedPongs entries of 1+len(p) <= 126 bytes: the queue's size.
		q := c.pongQ
		q.b[q.n] = byte(len(p))
		q.n += 1 + copy(q.b[q.n+1:], p)
		c.pongCount++
		c.ctlPending.Store(true)
		c.ctlMu.Unlock()
		// The reader must not wait to write: the peer may be waiting to write too. The
		// next frame written carries the pong ahead of it; if none is being written, a
		// flusher sends it.
		if c.flusher.CompareAndSwap(false, true) {
			go c.flushControl()
		}
	case opPong:
		c.st.pongsIn.Add(1)
		if len(p) == 8 {
			c.pong(binary.BigEndian.Uint64(p))
		}
	case opClose:
		return c.handleClose(p)
	}
	return nil
}

// failRead ends the connection after err broke reading: a protocol violation or limit is
// answered with the matching close code, anything else just closes.
func (c *Conn) failRead(err error) {
	var pe *protocolError
	var ce *closedError
	switch {
	case errors.As(err, &ce):
		// The connection has finished already (a close frame was handled).
	case errors.As(err, &pe):
		var announced int64
		if pe.code == StatusMessageTooBig && c.msg.active {
			// A message over the limit is not a broken stream: the peer may be writing
			// it still, and the frame it is in declared how much is coming. Closing
			// before that has arrived would reset the connection, and the reset can
			// destroy the close frame before the peer reads it; so the discard after
			// the close frame may take the rest of that frame too, up to a bound, as a
			// flood may declare 2^63-1. 0 <= remaining < 2^63.
			announced = min(c.msg.remaining, max(maxAnnouncedDiscard, c.msg.limit))
		}
		c.fail(pe.code, pe.msg, pe, announced)
	default:
		c.finish(err)
	}
}

// messageReader reads one data message; Conn.Reader hands it out.
type messageReader struct {
	c         *Conn
	typ       MessageType
	active    bool  // a message is being read
	fin       bool  // the frame being read is the message's last
	remaining int64 // payload bytes left in that frame
	masked    bool
	key       uint32
	size      int64     // payload bytes declared by the message's frames so far
	limit     int64     // read limit, fixed when the message starts
	wireLimit int64     // the limit on declared payload: limit, or more if compressed
	frames    int64     // data frames of the message so far
	maxFrames int64     // the most data frames the message may have; -1 for no bound
	empty     int       // empty data frames in a row, within the message
	inf       *inflater // decompresses a compressed message (RSV1 on its first frame)
	inflated  int64     // bytes decompressed so far
	delivered int64     // payload bytes handed to the application, if not compressed
	utf8      utf8.Validator
	ctx       context.Context
	stop      func() bool // ends the context watch; reports whether the context fired
	err       error       // sticky: what Read returns once the message has failed
}

// Reader waits for the next data message and returns its type and a reader for its
// payload, which returns io.EOF at the end of the message. Frames of the message are read
// as the reader is read: nothing is buffered whole. Any unread rest of the previous
// message is discarded first. The reader is valid until the next call to Reader or Read.
//
// ctx governs the read of the whole message, until its reader returns io.EOF or an error.
// If ctx ends while Reader waits for a message, Reader returns ctx.Err() and the
// connection stays usable; if it ends in the middle of a frame, the connection is closed.
func (c *Conn) Reader(ctx context.Context) (MessageType, io.Reader, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.readSeq.Add(1)
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if err := c.doneErr(); err != nil {
		return 0, nil, err
	}
	m := &c.msg
	m.stop() // the watch of a message left unfinished
	if !m.active {
		m.stopInflate() // a compressed message that failed
	}
	m.ctx = ctx
	m.stop = watch(ctx, c.nc, setReadDeadline)
	m.err = nil
	if m.active {
		if err := m.skip(); err != nil {
			return 0, nil, err
		}
		// The end of the skipped message ended the watch too.
		m.ctx = ctx
		m.stop = watch(ctx, c.nc, setReadDeadline)
	}
	for {
		if err := c.peekHeader(); err != nil {
			return 0, nil, m.failed(err, true)
		}
		h, err := c.nextFrame()
		if err != nil {
			return 0, nil, m.failed(err, false)
		}
		if h.op.isControl() {
			if err := c.handleControl(h); err != nil {
				return 0, nil, m.failed(err, false)
			}
			continue
		}
		if err := checkSequence(h.op, false); err != nil {
			return 0, nil, m.failed(err, false)
		}
		m.typ = MessageType(h.op)
		m.active = true
		m.size, m.frames, m.empty, m.delivered, m.inflated = 0, 0, 0, 0, 0
		m.limit = c.readLimit.Load()
		m.maxFrames = fragmentLimit(m.limit)
		m.utf8.Reset()
		m.wireLimit = m.limit
		if h.rsv&rsv1 != 0 {
			m.wireLimit = compressedLimit(m.limit)
		}
		if err := m.startFrame(h); err != nil {
			return 0, nil, m.failed(err, false)
		}
		if h.rsv&rsv1 != 0 {
			m.startInflate()
		}
		return m.typ, m, nil
	}
}

// Read waits for the next data message and returns it whole. It allocates the returned
// slice, growing it as the payload arrives rather than trusting the declared length. ctx
// is as for [Conn.Reader].
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	typ, _, err := c.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	b, err := c.msg.readAll()
	if err != nil {
		return 0, nil, err
	}
	return typ, b, nil
}

// startFrame takes the header of the next frame of the message. The frame is taken even
// when it breaks a limit, so that failing the connection skips its payload instead of
// reading it as frames.
//
// Every number here is the peer's: h.length is in [0, 2^63), and so is m.size, the sum
// of the lengths taken so far. The limit is compared with the room left under it before
// anything is added, so that a length close to 2^63 cannot wrap the sum and pass.
func (m *messageReader) startFrame(h header) error {
	m.fin = h.fin
	m.remaining = h.length
	m.masked = h.masked
	m.key = h.key
	if m.wireLimit >= 0 {
		// 0 <= m.size <= m.wireLimit, so the subtraction cannot overflow; the sum is then
		// at most m.wireLimit.
		if h.length > m.wireLimit-m.size {
			return errTooBig
		}
		m.size += h.length
	}
	// Without a limit, m.size is not kept: nothing reads it.
	m.frames++ // at most maxFrames+1: the message fails as soon as it passes maxFrames
	if m.maxFrames >= 0 && m.frames > m.maxFrames {
		return errTooManyFragments
	}
	switch {
	case h.length > 0:
		m.empty = 0
	case !h.fin:
		m.empty++ // at most maxEmptyFrames+1
		if m.empty > maxEmptyFrames {
			return errEmptyFrames
		}
	}
	return nil
}

// Read reads the message's payload.
func (m *messageReader) Read(p []byte) (int, error) {
	m.c.readMu.Lock()
	defer m.c.readMu.Unlock()
	m.c.readSeq.Add(1)
	return m.read(p)
}

// read is Read for a caller that holds readMu.
func (m *messageReader) read(p []byte) (int, error) {
	if !m.active {
		if m.err != nil {
			return 0, m.err
		}
		return 0, io.EOF
	}
	if m.inf != nil {
		if len(p) == 0 {
			return 0, nil
		}
		return m.readInflated(p)
	}
	n, err := m.readRaw(p)
	if err == io.EOF {
		return 0, m.end()
	}
	if err != nil {
		return n, err
	}
	if n > 0 && m.typ == MessageText && !m.utf8.Feed(p[:n]) {
		return 0, m.failed(errInvalidUTF8, false)
	}
	m.delivered += int64(n)
	if m.remaining == 0 && m.fin {
		return n, m.end()
	}
	return n, nil
}

// readRaw reads the message's payload as it is on the wire (unmasked), across its
// frames, handling the control frames between them. It returns io.EOF, and nothing
// else, at the end of the message's last frame; any other error has failed the message.
func (m *messageReader) readRaw(p []byte) (int, error) {
	c := m.c
	for m.remaining == 0 {
		if m.fin {
			return 0, io.EOF
		}
		if err := c.peekHeader(); err != nil {
			return 0, m.failed(err, true)
		}
		h, err := c.nextFrame()
		if err != nil {
			return 0, m.failed(err, false)
		}
		if h.op.isControl() {
			if err := c.handleControl(h); err != nil {
				return 0, m.failed(err, false)
			}
			continue
		}
		if err := checkSequence(h.op, true); err != nil {
			return 0, m.failed(err, false)
		}
		if err := m.startFrame(h); err != nil {
			return 0, m.failed(err, false)
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > m.remaining {
		p = p[:m.remaining]
	}
	n, err := c.rd.read(p)
	if n > 0 {
		if m.masked {
			m.key = mask(m.key, p[:n])
		}
		m.remaining -= int64(n)
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, m.failed(err, false)
	}
	return n, nil
}

// end finishes a message whose payload has been read whole.
func (m *messageReader) end() error {
	if m.typ == MessageText && !m.utf8.Complete() {
		return m.failed(errInvalidUTF8, false)
	}
	m.active = false
	m.stop()
	m.ctx = nil
	m.c.st.msgsIn.Add(1)
	m.c.st.bytesIn.Add(m.delivered + m.inflated) // one of them is 0
	return io.EOF
}

// failed handles an error met while reading. intact says the stream is still at a frame
// boundary: if the context ended then, the connection stays usable. Otherwise the
// connection is failed, and the error returned is the connection's final error.
func (m *messageReader) failed(err error, intact bool) error {
	c := m.c
	if m.stop() {
		cause := m.ctx.Err()
		if intact {
			// The message, if one is under way, stays active: a later read goes on
			// with it, and the next Reader skips its rest.
			return cause
		}
		c.finish(cause)
	} else {
		c.failRead(err)
	}
	m.active = false
	m.err = c.closedErr()
	return m.err
}

// skip discards the rest of the current message.
func (m *messageReader) skip() error {
	for m.active {
		// Binary payload can be dropped as it is, unless it is compressed: the
		// decoder must see it, both to keep the history in step for the messages that
		// follow (context takeover) and to find the end of the message.
		if m.remaining > 0 && m.typ == MessageBinary && m.inf == nil {
			if err := m.c.rd.discard(m.remaining); err != nil {
				return m.failed(err, false)
			}
			m.remaining = 0
			continue
		}
		var buf [256]byte
		if _, err := m.read(buf[:]); err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// abandon gives up the message being read, skipping the rest of the current frame so
// that the stream is at a frame boundary again. The caller holds readMu.
func (m *messageReader) abandon() error {
	if !m.active {
		return nil
	}
	m.active = false
	m.stop()
	m.stopInflate()
	m.err = m.c.closedErr() // never io.EOF: the message was cut short
	n := m.remaining
	m.remaining = 0
	return m.c.rd.discard(n)
}

// firstReadAlloc caps what Read allocates on the strength of a declared length.
const firstReadAlloc = 4 << 10

// readAll reads the rest of the message. The buffer grows with what arrives; the declared
// length only caps the growth of the last frame, so a peer cannot make it allocate memory
// it does not fill.
func (m *messageReader) readAll() ([]byte, error) {
	if m.fin && m.remaining == 0 {
		if err := m.end(); err != io.EOF {
			return nil, err
		}
		return []byte{}, nil
	}
	// The first allocation may follow the declared length, up to a few KiB that a lying
	// peer could waste; past that, the buffer grows only as payload arrives. Declared
	// lengths reach 2^63-1: they are clamped before any arithmetic.
	first := int(min(m.remaining, firstReadAlloc))
	if m.inf != nil {
		// The declared length is of compressed data: JSON and text inflate about fourfold.
		first = max(readBufSize, 4*int(min(m.remaining, firstReadAlloc/4)))
	}
	b := make([]byte, 0, first)
	for {
		if len(b) == cap(b) {
			// cap(b) is memory already filled with payload, at most limit+1 bytes, so
			// doubling it cannot overflow an int.
			want := max(2*cap(b), readBufSize)
			if m.fin && m.inf == nil && m.remaining > 0 && m.remaining < int64(want-len(b)) {
				want = len(b) + int(m.remaining) // the last frame needs no more
			}
			if m.limit >= 0 && int64(want-1) > m.limit {
				want = int(m.limit) + 1 // enough to see the limit broken; m.limit < want-1
			}
			nb := make([]byte, len(b), want)
			copy(nb, b)
			b = nb
		}
		n, err := m.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// doneErr returns the connection's final error once it has ended, or its read side
// has, else nil.
func (c *Conn) doneErr() error {
	if c.ended.Load() {
		return c.closedErr()
	}
	select {
	case <-c.cs.done:
		return c.closedErr()
	default:
		return nil
	}
}

// ---- contexts ----

// aLongTimeAgo is a deadline in the past, which makes blocked I/O return at once.
var aLongTimeAgo = time.Unix(1, 0)

func noWatch() bool { return false }

// The deadline setters watch takes, as plain functions: a method value such as
// nc.SetReadDeadline would be allocated on every call, even when ctx cannot end.
func setReadDeadline(nc net.Conn, t time.Time) error  { return nc.SetReadDeadline(t) }
func setWriteDeadline(nc net.Conn, t time.Time) error { return nc.SetWriteDeadline(t) }
func setDeadline(nc net.Conn, t time.Time) error      { return nc.SetDeadline(t) }

// watch makes ctx's end interrupt I/O on nc blocked on the deadline that set sets. The function
// it returns ends the watch, clears the deadline if ctx ended and reports whether it did;
// calling it again reports the same. It must not be called concurrently with itself. For
// a context that cannot end, watch costs nothing.
func watch(ctx context.Context, nc net.Conn, set func(net.Conn, time.Time) error) func() bool {
	if ctx.Done() == nil {
		return noWatch
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = set(nc, aLongTimeAgo)
		close(fired)
	})
	var stopped, interrupted bool
	return func() bool {
		if stopped {
			return interrupted
		}
		stopped = true
		if stop() {
			return false
		}
		<-fired
		_ = set(nc, time.Time{})
		interrupted = true
		return true
	}
}
