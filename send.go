package websocket

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// This file holds Send, the non-blocking write with a bounded queue per connection, and
// the state that few connections need (connExtra).

// ErrSendQueueFull is what [Conn.Send] returns when the message would take the
// connection's queue over its limit (see [AcceptOptions].SendQueueLimit), and what the
// calls on that connection return, wrapped, from then on: the connection is closed with
// [StatusTryAgainLater] (1013), since its peer reads too slowly to keep up.
var ErrSendQueueFull = errors.New("websocket: send queue full: the peer does not read fast enough")

// sendSlotBytes is what each queued message counts for on top of its payload, so that a
// flood of empty messages is bounded too.
const sendSlotBytes = 16

// connExtra is the state of what few connections use. A Conn makes it when first needed
// (see Conn.extra) and keeps it.
type connExtra struct {
	pings map[uint64]chan struct{} // Ping's waiters, by ping id; under Conn.pingMu
	send  sendQueue
	track trackerLink
}

// extra returns c's connExtra, making it if need be.
func (c *Conn) extra() *connExtra {
	if x := c.ext.Load(); x != nil {
		return x
	}
	c.ext.CompareAndSwap(nil, new(connExtra))
	return c.ext.Load()
}

// sendQueue is a connection's queue of messages from Send. A goroutine writes them out;
// it exists only while the queue is not empty.
type sendQueue struct {
	mu         sync.Mutex
	q          []*PreparedMessage // q[head] is being written, those after it wait
	head       int
	bytes      int64 // what q[head:] counts for against the limit
	running    bool  // the sender goroutine exists
	closed     bool  // Close has begun: no more Sends
	overflowed bool  // the limit was hit: the connection is being closed
	idle       chan struct{}
}

// Send queues pm to be written to the connection and returns at once: a goroutine writes
// the queue out in order, and exists only while the queue is not empty. This is the
// write for fanning a message out to many connections (see [PreparedMessage]), where a
// peer that reads slowly must not hold up the others.
//
// The queue is bounded (see [AcceptOptions].SendQueueLimit). When pm would take it over
// the limit, Send returns an error wrapping [ErrSendQueueFull], the messages still
// waiting are dropped, and the connection is closed with [StatusTryAgainLater] (1013):
// its close frame goes out after the message being written, and the connection ends
// within a few seconds even if the peer never reads again. Send on a connection that is
// closing or closed returns an error wrapping net.ErrClosed.
//
// Messages from Send go out in the order of the Send calls; with respect to messages
// written by [Conn.Write] or a [Conn.Writer] at the same time, their order is
// unspecified, though messages never interleave. [Conn.Close] lets the queue go out
// before its close frame, within its time bound. A write error ends the connection, and
// the calls that follow report it.
func (c *Conn) Send(pm *PreparedMessage) error {
	if c.closing.Load() {
		return c.closedErr()
	}
	limit := c.cfg.sendLimit
	if limit == 0 {
		limit = defaultSendQueueLimit
	}
	n := int64(pm.Len()) + sendSlotBytes
	s := &c.extra().send
	s.mu.Lock()
	switch {
	case s.overflowed:
		s.mu.Unlock()
		return fmt.Errorf("%w (limit %d bytes)", ErrSendQueueFull, limit)
	case s.closed:
		s.mu.Unlock()
		return c.closedErr()
	case s.bytes > 0 && n > limit-s.bytes:
		s.overflowed = true
		// The message being written goes on; the rest is dropped.
		if s.running {
			clear(s.q[s.head+1:])
			s.q = s.q[:s.head+1]
		}
		s.mu.Unlock()
		go c.failSend()
		return fmt.Errorf("%w (limit %d bytes)", ErrSendQueueFull, limit)
	}
	if s.head > 0 && len(s.q) == cap(s.q) {
		// Reuse the space of the messages written, rather than grow.
		k := copy(s.q, s.q[s.head:])
		clear(s.q[k:])
		s.q, s.head = s.q[:k], 0
	}
	s.q = append(s.q, pm)
	s.bytes += n
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		go c.sendLoop(s)
	}
	return nil
}

// sendLoop writes the queue out until it is empty, then ends.
func (c *Conn) sendLoop(s *sendQueue) {
	for {
		s.mu.Lock()
		if s.head == len(s.q) || s.overflowed {
			s.stopLocked()
			s.mu.Unlock()
			return
		}
		pm := s.q[s.head]
		s.mu.Unlock()
		err := c.WritePrepared(context.Background(), pm)
		s.mu.Lock()
		s.q[s.head] = nil
		s.head++
		s.bytes -= int64(pm.Len()) + sendSlotBytes
		if err != nil {
			// The connection has ended (a write error ends it): nothing more goes out.
			s.stopLocked()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// stopLocked empties the queue as its goroutine ends. The caller holds s.mu.
func (s *sendQueue) stopLocked() {
	clear(s.q)
	if cap(s.q) > 64 {
		s.q = nil // a burst's worth of slots is not kept
	} else {
		s.q = s.q[:0]
	}
	s.head, s.bytes, s.running = 0, 0, false
	if s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// waitSends is Close's first step: no more Sends are taken, and what is queued goes
// out, or the connection ends.
func (c *Conn) waitSends() {
	x := c.ext.Load()
	if x == nil {
		return
	}
	s := &x.send
	s.mu.Lock()
	s.closed = true
	if !s.running {
		s.mu.Unlock()
		return
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
	case <-c.cs.done:
	}
}

// failSend closes a connection whose send queue overflowed: a close frame with 1013
// after the message being written, then the close handshake, all within closeTimeout.
// From now on the connection's calls return errors wrapping ErrSendQueueFull.
func (c *Conn) failSend() {
	c.cs.mu.Lock()
	if c.cs.sent || c.cs.err != nil {
		// Closing already, for another reason.
		c.cs.mu.Unlock()
		return
	}
	c.cs.sent = true
	c.cs.code = StatusTryAgainLater
	c.cs.ending = &closedError{cause: ErrSendQueueFull}
	c.cs.mu.Unlock()
	timer := time.AfterFunc(closeTimeout, func() { c.finish(ErrSendQueueFull) })
	defer timer.Stop()
	if err := c.writeClose(StatusTryAgainLater, "send queue full"); err != nil {
		c.finish(ErrSendQueueFull)
		return
	}
	// As in Close: the peer's close frame is read by the application's read in
	// progress, or, once there is none, here.
	c.readMu.Lock()
	if !c.ended.Load() {
		c.drainUntilClose()
	}
	c.readMu.Unlock()
	<-c.cs.done
}
