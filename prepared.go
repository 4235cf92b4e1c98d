package websocket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hayate-ws/websocket/internal/deflate"
)

// This file holds PreparedMessage: a message encoded once and written to many
// connections.

// PreparedMessage is a data message encoded once for many connections: its frame is
// built once per distinct form on the wire, rather than once per connection, which is
// what a broadcast spends most of its time on otherwise. Write it with
// [Conn.WritePrepared], or queue it with [Conn.Send]. It is safe for concurrent use and
// holds no reference to the connections it was written to.
//
// The forms:
//   - without compression, one frame serves every server-side connection; a client's
//     frames are masked with a key of their own (RFC 6455 §5.3), so a client shares the
//     payload and masks a copy of it;
//   - where permessage-deflate was negotiated without context takeover on the sending
//     side (the server_no_context_takeover parameter for a server, client_... for a
//     client), the message is compressed once per compression level and window size,
//     the first time a connection needs that form;
//   - under context takeover each message is compressed against the connection's own
//     history, which no other connection shares: such a connection compresses the
//     message itself, as [Conn.Write] would. To get the saving of one compression per
//     broadcast, set [DeflateOptions].NoContextTakeover on the server (it then also
//     keeps no history per connection, at some cost in ratio).
//
// A message shorter than a connection's compression threshold goes uncompressed, as
// with Write.
type PreparedMessage struct {
	typ MessageType
	// frame is the uncompressed server frame: header, then the payload, at frame[hdr:].
	frame []byte
	hdr   int
	// deflated lists the compressed forms made so far, newest first; mu serialises
	// making them, readers walk the list without it.
	deflated atomic.Pointer[deflatedForm]
	mu       sync.Mutex
}

// deflatedForm is a message compressed without history at one level and window size,
// framed for a server: frame[hdr:] is the compressed payload.
type deflatedForm struct {
	level, bits int
	frame       []byte
	hdr         int
	next        *deflatedForm
}

// NewPreparedMessage returns a message of type typ with payload p, which is copied: p
// may be reused once it returns. For a text message, p must be valid UTF-8, as for
// [Conn.Write]; that is checked here, once.
func NewPreparedMessage(typ MessageType, p []byte) (*PreparedMessage, error) {
	if typ != MessageText && typ != MessageBinary {
		return nil, errInvalidMessageType
	}
	if typ == MessageText && !utf8.Valid(p) {
		return nil, errors.New("websocket: prepared text message is not valid UTF-8")
	}
	frame, hdr := serverFrame(0, opcode(typ), p)
	return &PreparedMessage{typ: typ, frame: frame, hdr: hdr}, nil
}

// Type returns the message's type.
func (pm *PreparedMessage) Type() MessageType { return pm.typ }

// Len returns the length of the message's payload, uncompressed.
func (pm *PreparedMessage) Len() int { return len(pm.frame) - pm.hdr }

// payload returns the message's payload; it must not be modified.
func (pm *PreparedMessage) payload() []byte { return pm.frame[pm.hdr:] }

// serverFrame returns an unmasked frame carrying p, and the length of its header.
func serverFrame(rsv byte, op opcode, p []byte) ([]byte, int) {
	h := header{fin: true, rsv: rsv, op: op, length: int64(len(p))}
	var hb [maxHeaderSize]byte
	hdr := appendHeader(hb[:0], h)
	frame := make([]byte, len(hdr)+len(p))
	copy(frame[copy(frame, hdr):], p)
	return frame, len(hdr)
}

// deflatedFor returns the message compressed at level with a window of 1<<bits bytes,
// compressing it if no connection needed that form before.
func (pm *PreparedMessage) deflatedFor(level, bits int) (*deflatedForm, error) {
	if f := findForm(pm.deflated.Load(), level, bits); f != nil {
		return f, nil
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	head := pm.deflated.Load()
	if f := findForm(head, level, bits); f != nil {
		return f, nil
	}
	var out sliceSink
	enc := encoderPool.Get().(*deflate.Encoder)
	enc.Reset(&out, level, bits, nil)
	_, err := enc.Write(pm.payload())
	if err == nil {
		err = enc.Finish()
	}
	encoderPool.Put(enc)
	if err != nil {
		return nil, err
	}
	frame, hdr := serverFrame(rsv1, opcode(pm.typ), out)
	f := &deflatedForm{level: level, bits: bits, frame: frame, hdr: hdr, next: head}
	pm.deflated.Store(f)
	return f, nil
}

func findForm(f *deflatedForm, level, bits int) *deflatedForm {
	for ; f != nil; f = f.next {
		if f.level == level && f.bits == bits {
			return f
		}
	}
	return nil
}

// sliceSink collects what is written to it.
type sliceSink []byte

func (s *sliceSink) Write(p []byte) (int, error) {
	*s = append(*s, p...)
	return len(p), nil
}

// WritePrepared writes pm, as [Conn.Write] writes a message: it blocks while the socket
// is full, until ctx ends, and a frame cut short by ctx closes the connection. The
// message goes out in a single frame. See [PreparedMessage] for what is shared with
// other connections.
func (c *Conn) WritePrepared(ctx context.Context, pm *PreparedMessage) error {
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := watch(ctx, c.nc, setWriteDeadline)
	err := c.writePrepared(pm)
	if stop() && err != nil {
		return fmt.Errorf("websocket: write interrupted: %w: %w", ctx.Err(), net.ErrClosed)
	}
	if err == nil {
		c.st.msgsOut.Add(1)
		c.st.bytesOut.Add(int64(pm.Len()))
	}
	return err
}

// writePrepared writes pm in the form this connection needs. The caller holds msgLock.
func (c *Conn) writePrepared(pm *PreparedMessage) error {
	frame, hdr, rsv := pm.frame, pm.hdr, byte(0)
	if z := c.cz; z.compressible(pm.Len()) {
		if z.writeTakeover {
			return c.writeDeflated(opcode(pm.typ), pm.payload())
		}
		f, err := pm.deflatedFor(z.level, z.writeBits)
		if err != nil {
			return err
		}
		frame, hdr, rsv = f.frame, f.hdr, rsv1
	}
	if c.client {
		return c.writeFrame(true, opcode(pm.typ), rsv, frame[hdr:])
	}
	c.lockFrame()
	defer c.unlockFrame()
	if c.closing.Load() {
		return c.closedErr()
	}
	n, err := c.nc.Write(frame)
	c.st.wireOut.Add(int64(n))
	if err != nil {
		c.finish(err)
		return c.closedErr()
	}
	return nil
}
