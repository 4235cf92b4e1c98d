package websocket

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hayate-ws/websocket/internal/deflate"
)

// This file is the sending half of Conn: data messages whole and streamed, control
// frames, and Ping.

// writeBufSize is the size of the pooled buffers writes go through; a streamed message
// goes out in frames of up to writeBufSize-maxHeaderSize bytes.
const writeBufSize = 16 << 10

var writeBufPool = sync.Pool{New: func() any { return new([writeBufSize]byte) }}

// lockMessage waits for the right to write a data message.
func (c *Conn) lockMessage(ctx context.Context) error {
	if c.msgLock.state.CompareAndSwap(0, 1) {
		return nil
	}
	return c.msgLock.wait(ctx, c)
}

func (c *Conn) unlockMessage() {
	if !c.msgLock.state.CompareAndSwap(1, 0) {
		c.msgLock.handOff()
	}
}

// msgLock is the right to write a data message: a lock whose waiters give up when their
// context ends or the connection closes. Taking and releasing it uncontended is one
// atomic operation each; waiters queue in order, and the lock passes straight to the
// first of them.
type msgLock struct {
	state   atomic.Int32 // 0: free; 1: held; 2: held, with waiters queued
	mu      sync.Mutex   // guards waiters, and state's moves out of 2
	waiters []chan struct{}
}

// wait queues for the lock after a failed attempt to take it.
func (l *msgLock) wait(ctx context.Context, c *Conn) error {
	l.mu.Lock()
	for {
		if l.state.CompareAndSwap(0, 1) {
			l.mu.Unlock()
			return nil
		}
		if l.state.CompareAndSwap(1, 2) || l.state.Load() == 2 {
			break
		}
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	var err error
	select {
	case <-ch:
		return nil // handed over: the lock is ours
	case <-ctx.Done():
		err = fmt.Errorf("websocket: wait to write: %w", ctx.Err())
	case <-c.cs.done:
		err = c.closedErr()
	}
	l.mu.Lock()
	if i := slices.Index(l.waiters, ch); i >= 0 {
		l.waiters = slices.Delete(l.waiters, i, i+1)
		if len(l.waiters) == 0 {
			l.state.Store(1)
		}
		l.mu.Unlock()
		return err
	}
	l.mu.Unlock()
	// The lock was handed over as we gave up: pass it on.
	c.unlockMessage()
	return err
}

// handOff releases the lock to the first waiter, or frees it if the last waiter has
// given up since.
func (l *msgLock) handOff() {
	l.mu.Lock()
	if len(l.waiters) == 0 {
		l.state.Store(0)
	} else {
		ch := l.waiters[0]
		l.waiters = slices.Delete(l.waiters, 0, 1)
		if len(l.waiters) == 0 {
			l.state.Store(1)
		}
		close(ch)
	}
	l.mu.Unlock()
}

// Write sends p as one message of type typ, in a single frame, or, when it is
// compressed (see [DeflateOptions]), in frames of up to about 16 KiB of compressed data.
// For a text message, p must be valid UTF-8.
//
// Write blocks while the connection's socket is full, that is while the peer does not
// read, until ctx ends: this is the backpressure of a single connection. If ctx ends
// before the message starts to go out, Write returns ctx.Err(); if it ends while the
// frame is being written, the connection is closed, since the peer would see a frame cut
// short. To write to many connections without one slow peer holding up the others, see
// [Conn.Send].
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	return c.write(ctx, typ, p, true)
}

// WriteUncompressed is [Conn.Write] without compression: on a connection that negotiated
// permessage-deflate, p goes out as it is, which suits a payload that is compressed
// already, such as an image. Under context takeover the message does not enter the
// compressor's history, so leaving it out costs the other messages nothing. Where
// compression is off it is Write.
func (c *Conn) WriteUncompressed(ctx context.Context, typ MessageType, p []byte) error {
	return c.write(ctx, typ, p, false)
}

func (c *Conn) write(ctx context.Context, typ MessageType, p []byte, compress bool) error {
	if typ != MessageText && typ != MessageBinary {
		return errInvalidMessageType
	}
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	if err := ctx.Err(); err != nil {
		return err
	}
	op := opcode(typ)
	stop := watch(ctx, c.nc, setWriteDeadline)
	var err error
	if compress && c.cz.compressible(len(p)) {
		err = c.writeDeflated(op, p)
	} else {
		err = c.writeFrame(true, op, 0, p)
	}
	if stop() && err != nil {
		return fmt.Errorf("websocket: write interrupted: %w: %w", ctx.Err(), net.ErrClosed)
	}
	if err == nil {
		c.st.msgsOut.Add(1)
		c.st.bytesOut.Add(int64(len(p)))
	}
	return err
}

// Writer returns a writer for one message of type typ, which is sent as it is written, in
// frames of up to about 16 KiB: nothing is buffered whole. On a connection with
// compression, the message is compressed unless it ends up shorter than the threshold. Close the writer to finish the
// message; until then other data messages wait (control frames do not). After Close, the
// writer's Write and Close return an error, whatever messages come after it. (Each
// writer is a 16-byte handle on the Conn's one message writer: its only allocation.)
//
// ctx governs the whole message, until the writer is closed. If it ends while a frame is
// being written, the connection is closed.
func (c *Conn) Writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	if typ != MessageText && typ != MessageBinary {
		return nil, errInvalidMessageType
	}
	if err := c.lockMessage(ctx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		c.unlockMessage()
		return nil, err
	}
	if c.closing.Load() {
		c.unlockMessage()
		return nil, c.closedErr()
	}
	w := &c.w
	w.op = opcode(typ)
	w.buf = writeBufPool.Get().(*[writeBufSize]byte)
	w.n = 0
	// A compressed message starts out buffered as it is, until it is known to be big
	// enough to compress (see decide).
	w.deciding = c.cz != nil
	w.ctx = ctx
	w.stop = watch(ctx, c.nc, setWriteDeadline)
	w.total = 0
	return &writerHandle{w: w, gen: w.gen.Add(1)}, nil
}

// writerHandle is what Writer hands out: it speaks for the message writer only while the
// writer is on the message it was handed out for, so that a handle kept past its Close
// cannot write into a later message.
type writerHandle struct {
	w   *messageWriter
	gen uint64
}

func (h *writerHandle) Write(p []byte) (int, error) {
	if h.w.gen.Load() != h.gen {
		return 0, errWriterClosed
	}
	n, err := h.w.Write(p)
	h.w.total += int64(n)
	return n, err
}

func (h *writerHandle) Close() error {
	// The generation moves on as the message ends, so a second Close, or a Close
	// racing with the first, finds it changed.
	if !h.w.gen.CompareAndSwap(h.gen, h.gen+1) {
		return errWriterClosed
	}
	w := h.w
	total := w.total
	err := w.Close()
	if err == nil {
		w.c.st.msgsOut.Add(1)
		w.c.st.bytesOut.Add(total)
	}
	return err
}

// messageWriter streams one data message; Conn.Writer hands it out.
type messageWriter struct {
	c        *Conn
	op       opcode // of the next frame: the message type first, then continuation
	rsv      byte   // of the next frame: rsv1 on the first frame of a compressed message
	buf      *[writeBufSize]byte
	n        int              // payload bytes at buf[maxHeaderSize:]
	deciding bool             // buf holds the start of a message that may yet be compressed
	enc      *deflate.Encoder // compresses the message; buf holds compressed output
	ctx      context.Context
	stop     func() bool
	total    int64         // payload bytes of the message so far
	gen      atomic.Uint64 // odd while a message is open; see writerHandle
}

// Write adds p to the message, sending full frames as the buffer fills.
func (w *messageWriter) Write(p []byte) (int, error) {
	if w.buf == nil {
		return 0, errWriterClosed
	}
	if w.enc != nil {
		return w.enc.Write(p)
	}
	written := 0
	for len(p) > 0 {
		if w.n == writeBufSize-maxHeaderSize {
			if w.deciding {
				// A buffer's worth is worth compressing, whatever the threshold.
				if err := w.deflateBuffered(); err != nil {
					return written, err
				}
				n, err := w.enc.Write(p)
				return written + n, err
			}
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		if w.n == 0 && len(p) > writeBufSize-maxHeaderSize && !w.c.client && !w.deciding {
			// Nothing buffered and more than a buffer's worth: send it straight from p,
			// keeping the last bytes back so that Close has a final frame to send.
			k := len(p) - (writeBufSize - maxHeaderSize)
			if err := w.c.writeFrame(false, w.op, 0, p[:k]); err != nil {
				return written, w.failed(err)
			}
			w.op = opContinuation
			written += k
			p = p[k:]
		}
		k := copy(w.buf[maxHeaderSize+w.n:], p)
		w.n += k
		written += k
		p = p[k:]
	}
	return written, nil
}

// Close sends the last frame of the message.
func (w *messageWriter) Close() error {
	if w.buf == nil {
		return errWriterClosed
	}
	var err error
	if w.deciding && w.n >= w.c.cz.threshold {
		err = w.deflateBuffered()
	}
	w.deciding = false
	err = w.finish(err)
	if w.stop() {
		err = w.failed(err)
	}
	w.stop = nil
	w.ctx = nil
	w.c.unlockMessage()
	return err
}

// finish ends the message after err (nil if all went well so far): the compressor's
// last output and the final frame go out, and the buffer goes back to its pool.
func (w *messageWriter) finish(err error) error {
	if w.enc != nil {
		if ferr := w.finishDeflate(); err == nil {
			err = ferr
		}
	}
	if err == nil {
		err = w.flush(true)
	}
	writeBufPool.Put(w.buf)
	w.buf = nil
	return err
}

func (w *messageWriter) flush(fin bool) error {
	err := w.c.writeBuffered(fin, w.op, w.rsv, w.buf[:], w.n)
	w.op = opContinuation
	w.rsv = 0
	w.n = 0
	if err != nil {
		return w.failed(err)
	}
	return nil
}

// failed reports err, or that the context cut a frame short, which closed the connection.
func (w *messageWriter) failed(err error) error {
	if w.ctx != nil && w.ctx.Err() != nil {
		w.c.finish(w.ctx.Err())
		return fmt.Errorf("websocket: write interrupted: %w: %w", w.ctx.Err(), net.ErrClosed)
	}
	return err
}

// writeFrame writes one data frame with payload p, which it leaves as it is.
func (c *Conn) writeFrame(fin bool, op opcode, rsv byte, p []byte) error {
	if len(p) <= writeBufSize-maxHeaderSize {
		buf := writeBufPool.Get().(*[writeBufSize]byte)
		n := copy(buf[maxHeaderSize:], p)
		err := c.writeBuffered(fin, op, rsv, buf[:], n)
		writeBufPool.Put(buf)
		return err
	}
	h := header{fin: fin, rsv: rsv, op: op, masked: c.client, length: int64(len(p))}
	if c.client {
		h.key = newMaskKey()
	}
	c.lockFrame()
	defer c.unlockFrame()
	if c.closing.Load() {
		return c.closedErr()
	}
	hdr := appendHeader(c.whdr[:0], h)
	var err error
	if !c.client {
		c.wiov = [2][]byte{hdr, p}
		c.wvec = c.wiov[:]
		var n int64
		n, err = c.wvec.WriteTo(c.nc)
		c.st.wireOut.Add(n)
		c.wiov = [2][]byte{}
		c.wvec = nil
	} else {
		err = c.writeMasked(hdr, h.key, p)
	}
	if err != nil {
		c.finish(err)
		return c.closedErr()
	}
	return nil
}

// maskedBatch is what writeMasked masks a large payload into: pooled buffers that go out
// together in one vectored write.
type maskedBatch struct {
	bufs [maskedBatchBufs]*[writeBufSize]byte
	iov  [maskedBatchBufs][]byte
	vec  net.Buffers
}

// maskedBatchBufs bounds a batch: 8 buffers, 128 KiB, per system call.
const maskedBatchBufs = 8

var maskedBatchPool = sync.Pool{New: func() any { return new(maskedBatch) }}

// writeMasked writes hdr and then p masked with key, through pooled buffers so that p is
// left as it was, up to 128 KiB per system call. The caller holds frameMu.
func (c *Conn) writeMasked(hdr []byte, key uint32, p []byte) error {
	b := maskedBatchPool.Get().(*maskedBatch)
	defer maskedBatchPool.Put(b)
	for first := true; first || len(p) > 0; first = false {
		k := 0
		for ; k < maskedBatchBufs && (len(p) > 0 || k == 0); k++ {
			if b.bufs[k] == nil {
				b.bufs[k] = writeBufPool.Get().(*[writeBufSize]byte)
			}
			buf := b.bufs[k]
			start := 0
			if first && k == 0 {
				start = copy(buf[:], hdr)
			}
			n := copy(buf[start:], p)
			key = mask(key, buf[start:start+n])
			b.iov[k] = buf[:start+n]
			p = p[n:]
		}
		b.vec = b.iov[:k]
		n, err := b.vec.WriteTo(c.nc)
		c.st.wireOut.Add(n)
		clear(b.iov[:k])
		b.vec = nil
		if err != nil {
			b.release()
			return err
		}
	}
	b.release()
	return nil
}

// release gives the batch's buffers back to their pool.
func (b *maskedBatch) release() {
	for i, buf := range b.bufs {
		if buf != nil {
			writeBufPool.Put(buf)
			b.bufs[i] = nil
		}
	}
}

// writeBuffered writes one data frame whose payload is buf[maxHeaderSize:maxHeaderSize+n],
// putting the header just before it so that the frame goes out in one write. A client's
// payload is masked in place.
func (c *Conn) writeBuffered(fin bool, op opcode, rsv byte, buf []byte, n int) error {
	h := header{fin: fin, rsv: rsv, op: op, masked: c.client, length: int64(n)}
	if c.client {
		h.key = newMaskKey()
		mask(h.key, buf[maxHeaderSize:maxHeaderSize+n])
	}
	var hb [maxHeaderSize]byte
	hdr := appendHeader(hb[:0], h)
	start := maxHeaderSize - len(hdr)
	copy(buf[start:], hdr)
	c.lockFrame()
	if c.closing.Load() {
		c.unlockFrame()
		return c.closedErr()
	}
	k, err := c.nc.Write(buf[start : maxHeaderSize+n])
	c.st.wireOut.Add(int64(k))
	c.unlockFrame()
	if err != nil {
		c.finish(err)
		return c.closedErr()
	}
	return nil
}

// writeControl writes a control frame. After a close frame has gone out, nothing more
// does.
func (c *Conn) writeControl(op opcode, p []byte) error {
	c.lockFrame()
	defer c.unlockFrame()
	return c.writeControlLocked(op, p)
}

// lockFrame takes frameMu and sends the control frames owed, so that a pong goes out
// before anything written after its ping was read.
func (c *Conn) lockFrame() {
	c.frameMu.Lock()
	if c.ctlPending.Load() {
		c.sendPendingControl()
	}
}

// flushControl sends the control frames owed when no writer is there to carry them.
func (c *Conn) flushControl() {
	c.frameMu.Lock()
	c.flusher.Store(false) // a later ping starts another flusher, or is seen below
	c.unlockFrame()
}

// unlockFrame releases frameMu, sending first the control frames left pending. Whoever
// leaves one after the check here finds frameMu free, or held by someone whose own
// unlockFrame sends it.
func (c *Conn) unlockFrame() {
	for {
		if c.ctlPending.Load() {
			c.sendPendingControl()
		}
		c.frameMu.Unlock()
		if !c.ctlPending.Load() || !c.frameMu.TryLock() {
			return
		}
	}
}

// maxQueuedPongs bounds the pongs owed at once.
const maxQueuedPongs = 16

// pongQueue holds the pongs owed: each as a length byte and the payload.
type pongQueue struct {
	b [maxQueuedPongs * (1 + maxControlPayload)]byte
	n int
}

var pongQueuePool = sync.Pool{New: func() any { return new(pongQueue) }}

// sendPendingControl sends the pongs and the ping owed. The caller holds frameMu. After
// a close frame, none is owed any more, and errors end the connection anyway.
func (c *Conn) sendPendingControl() {
	var pongs [maxQueuedPongs * (1 + maxControlPayload)]byte
	var ping [8]byte
	c.ctlMu.Lock()
	n := 0
	if q := c.pongQ; q != nil {
		// The queue goes back to its pool: an idle connection keeps none, and a ping
		// flood reuses the same few queues instead of allocating.
		n = copy(pongs[:], q.b[:q.n])
		c.pongQ = nil
		pongQueuePool.Put(q)
	}
	c.pongCount = 0
	sendPing := c.pingOwed
	binary.BigEndian.PutUint64(ping[:], c.pingOwedID)
	c.pingOwed = false
	c.ctlPending.Store(false)
	c.ctlMu.Unlock()
	for i := 0; i < n; {
		l := int(pongs[i])
		_ = c.writeControlLocked(opPong, pongs[i+1:i+1+l])
		i += 1 + l
	}
	if sendPing {
		c.st.pingsOut.Add(1)
		_ = c.writeControlLocked(opPing, ping[:])
	}
}

// writeControlLocked is writeControl for a caller that holds frameMu.
func (c *Conn) writeControlLocked(op opcode, p []byte) error {
	h := header{fin: true, op: op, masked: c.client, length: int64(len(p))}
	if c.client {
		h.key = newMaskKey()
	}
	if c.closing.Load() {
		return c.closedErr()
	}
	if op == opClose {
		c.closing.Store(true)
	}
	// Built in a pooled buffer: a Conn keeps none of its own for this.
	buf := writeBufPool.Get().(*[writeBufSize]byte)
	b := appendHeader(buf[:0], h)
	start := len(b)
	b = append(b, p...)
	if c.client {
		mask(h.key, b[start:])
	}
	n, err := c.nc.Write(b)
	writeBufPool.Put(buf)
	c.st.wireOut.Add(int64(n))
	if err != nil {
		c.finish(err)
		return c.closedErr()
	}
	return nil
}

// Ping sends a ping and waits for the matching pong, or a pong to a later ping (a peer
// may answer only the most recent one). Another goroutine must be reading from the
// connection for the pong to be seen. If a message is being written, the ping goes out
// after its current frame. If ctx ends while Ping itself is writing the ping frame to a
// peer that does not read, the connection is closed, since the frame is cut short.
func (c *Conn) Ping(ctx context.Context) error {
	start := time.Now()
	ch := make(chan struct{})
	x := c.extra()
	c.pingMu.Lock()
	c.pingSeq++
	id := c.pingSeq
	if x.pings == nil {
		x.pings = make(map[uint64]chan struct{})
	}
	x.pings[id] = ch
	c.pingMu.Unlock()
	defer func() {
		c.pingMu.Lock()
		delete(x.pings, id)
		c.pingMu.Unlock()
		c.ctlMu.Lock()
		if c.pingOwed && c.pingOwedID == id { // never sent: withdraw it
			c.pingOwed = false
			c.ctlPending.Store(c.pongCount > 0)
		}
		c.ctlMu.Unlock()
	}()
	if c.closing.Load() {
		return c.closedErr()
	}
	c.ctlMu.Lock()
	c.pingOwed, c.pingOwedID = true, id
	c.ctlPending.Store(true)
	c.ctlMu.Unlock()
	if c.frameMu.TryLock() {
		// Only our own frame is written under this deadline.
		stop := watch(ctx, c.nc, setWriteDeadline)
		c.unlockFrame()
		if stop() && c.doneErr() != nil {
			return fmt.Errorf("websocket: ping interrupted: %w: %w", ctx.Err(), net.ErrClosed)
		}
	}
	select {
	case <-ch:
		c.st.rtt.Store(int64(time.Since(start)))
		return nil
	case <-ctx.Done():
		return fmt.Errorf("websocket: wait for pong: %w", ctx.Err())
	case <-c.cs.done:
		return c.closedErr()
	}
}

// pong wakes the Ping waiting for id and those waiting for earlier pings. An id this
// Conn never sent (a peer's own 8-byte heartbeat, say) wakes nobody.
func (c *Conn) pong(id uint64) {
	c.keepalivePong(id)
	x := c.ext.Load()
	if x == nil {
		return // no Ping ever waited
	}
	c.pingMu.Lock()
	if id == 0 || id > c.pingSeq {
		c.pingMu.Unlock()
		return
	}
	for pid, ch := range x.pings {
		if pid <= id {
			close(ch)
			delete(x.pings, pid)
		}
	}
	c.pingMu.Unlock()
}
