package websocket

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"
)

// This file holds keepalive (a ping every PingInterval, the connection failed when the
// peer stays silent for PongTimeout after one) and CloseRead.

// ErrKeepaliveTimeout is what the calls on a connection return, wrapped, once keepalive
// has found the peer gone: it sent nothing for PongTimeout after a ping (see
// [AcceptOptions].PingInterval). The connection is then closed, without a closing
// handshake, since the peer is not there to take part in it.
var ErrKeepaliveTimeout = errors.New("websocket: keepalive: the peer did not answer a ping in time")

// keepalive is a Conn's keepalive state: one runtime timer, and a few words.
type keepalive struct {
	timer  *time.Timer
	sentAt atomic.Int64  // when the outstanding ping went out (UnixNano); 0 if none
	id     atomic.Uint64 // its id: a pong of this id or later answers it
	seq    atomic.Uint64 // c.readSeq when the ping went out, times 2, plus 1 if a read was in progress
}

// startKeepalive arms the keepalive timer, if keepalive is on.
func (c *Conn) startKeepalive() {
	if c.cfg.pingInterval > 0 {
		c.ka.timer = time.AfterFunc(c.cfg.pingInterval, c.keepaliveTick)
	}
}

// stopKeepalive stops the timer for good; the connection has ended.
func (c *Conn) stopKeepalive() {
	if t := c.ka.timer; t != nil {
		t.Stop()
	}
}

// readIdle reports whether no read call is in progress, that is, whether nobody would
// see a pong if one came.
func (c *Conn) readIdle() bool {
	if c.readMu.TryLock() {
		c.readMu.Unlock()
		return true
	}
	return false
}

// keepaliveTick runs when the timer fires: it sends a ping, or judges the answer to the
// last one.
//
// The peer is judged gone only when nothing at all arrived since the ping and a read
// has been in progress all along, the same read call: bytes that wait unread in the
// socket (the application busy, or not reading at all) prove nothing either way, so
// such a round is given the benefit of the doubt. A connection the application never
// reads is therefore never failed by its own keepalive.
func (c *Conn) keepaliveTick() {
	if c.doneErr() != nil {
		return
	}
	ka := &c.ka
	if sent := ka.sentAt.Load(); sent != 0 {
		if !c.rd.heard.Load() && ka.seq.Load() == c.readSeq.Load()<<1|1 && !c.readIdle() {
			c.finish(ErrKeepaliveTimeout)
			return
		}
		ka.sentAt.Store(0)
		next := time.Duration(sent + int64(c.cfg.pingInterval) - time.Now().UnixNano())
		ka.timer.Reset(max(next, 0))
		return
	}
	c.rd.heard.Store(false)
	seq := c.readSeq.Load() << 1
	if !c.readIdle() {
		seq |= 1
	}
	ka.seq.Store(seq)
	id := c.owePing()
	ka.id.Store(id)
	ka.sentAt.Store(time.Now().UnixNano())
	// Armed before the ping is written: if writing it blocks, the judgement still comes.
	ka.timer.Reset(c.cfg.pongTimeout)
	if c.frameMu.TryLock() {
		c.unlockFrame() // sends it; otherwise whoever holds frameMu does
	}
}

// owePing leaves a ping to be sent by whoever next releases frameMu, and returns its id.
// A ping already owed is replaced: the pong to the new one answers both (see pong).
func (c *Conn) owePing() uint64 {
	c.pingMu.Lock()
	c.pingSeq++
	id := c.pingSeq
	c.pingMu.Unlock()
	c.ctlMu.Lock()
	c.pingOwed, c.pingOwedID = true, id
	c.ctlPending.Store(true)
	c.ctlMu.Unlock()
	return id
}

// keepalivePong takes the pong id: if it answers the outstanding keepalive ping, the
// round-trip time is recorded.
func (c *Conn) keepalivePong(id uint64) {
	ka := &c.ka
	if sent := ka.sentAt.Load(); sent != 0 && id >= ka.id.Load() && ka.id.Load() != 0 {
		c.st.rtt.Store(time.Now().UnixNano() - sent)
	}
}

// CloseRead is for connections the application only writes to. It starts a goroutine
// that reads from the connection and discards every data message, so that pings are
// answered, pongs seen (keepalive needs them) and the peer's close frame handled, and it
// returns a context that is done once that goroutine stops: when the connection has
// ended, or when ctx has (then the connection stays usable, and nothing reads it any
// more). The returned context is derived from ctx. After CloseRead, the application must
// not call [Conn.Read] or [Conn.Reader].
func (c *Conn) CloseRead(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for {
			_, r, err := c.Reader(ctx)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				return
			}
		}
	}()
	return ctx
}
