package websocket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// This file holds Tracker, which closes a server's connections when it shuts down.

// Tracker keeps track of connections so that a shutting-down server can close them all
// with [StatusGoingAway] (1001). A connection leaves the Tracker by itself when it ends;
// tracking costs a map entry per connection and no goroutine. The zero value is ready to
// use; a Tracker must not be copied after first use.
//
// The usual wiring tracks each accepted connection from [AcceptOptions].OnAccept and
// shuts the Tracker down from [http.Server.RegisterOnShutdown], since net/http does not
// see connections once they are hijacked for WebSocket:
//
//	var tracker websocket.Tracker
//	opts := &websocket.AcceptOptions{OnAccept: func(c *websocket.Conn, _ *http.Request) { tracker.Track(c) }}
//	srv.RegisterOnShutdown(func() {
//		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//		defer cancel()
//		tracker.Shutdown(ctx)
//	})
//
// [http.Server.Shutdown] does not wait for the functions it starts that way: to wait for
// the WebSocket connections too, call Shutdown on the Tracker after it, with the same
// context.
type Tracker struct {
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	shutdown bool
	empty    chan struct{} // closed when conns empties during Shutdown
}

// trackerLink ties a Conn to the Tracker that tracks it, so that it leaves it when it
// ends.
type trackerLink struct {
	t atomic.Pointer[Tracker]
}

// errTrackerShutdown is what Track returns once Shutdown has begun.
var errTrackerShutdown = fmt.Errorf("websocket: tracker is shut down: %w", net.ErrClosed)

// Track adds c to the Tracker until c ends. After Shutdown has begun, Track closes c with
// [StatusGoingAway] instead, in the background, and returns an error wrapping
// net.ErrClosed. A connection can be tracked by one Tracker only: tracking it by a
// second returns an error and does nothing.
func (t *Tracker) Track(c *Conn) error {
	link := &c.extra().track
	if !link.t.CompareAndSwap(nil, t) {
		if link.t.Load() == t {
			return nil
		}
		return errors.New("websocket: connection is tracked by another Tracker")
	}
	t.mu.Lock()
	if t.shutdown {
		t.mu.Unlock()
		link.t.Store(nil)
		go c.Close(StatusGoingAway, "server shutting down")
		return errTrackerShutdown
	}
	if t.conns == nil {
		t.conns = make(map[*Conn]struct{})
	}
	t.conns[c] = struct{}{}
	t.mu.Unlock()
	// A connection that ended while it was being added did not find the link; it
	// leaves here instead (leaving twice is harmless).
	select {
	case <-c.cs.done:
		t.forget(c)
	default:
	}
	return nil
}

// Len returns the number of connections tracked.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// forget removes c.
func (t *Tracker) forget(c *Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	if len(t.conns) == 0 && t.empty != nil {
		close(t.empty)
		t.empty = nil
	}
	t.mu.Unlock()
}

// untrack takes c out of its Tracker, if it has one; finish calls it.
func (c *Conn) untrack() {
	if x := c.ext.Load(); x != nil {
		if t := x.track.t.Swap(nil); t != nil {
			t.forget(c)
		}
	}
}

// Shutdown closes every tracked connection with [StatusGoingAway] (1001) and the reason
// "server shutting down", all at once, and waits until they have ended or ctx is done.
// Each close is the full closing handshake of [Conn.Close]: messages already queued by
// [Conn.Send] go out first, and the peer's close frame is waited for, a few seconds at
// most. When ctx ends first, the connections still open are closed at once
// ([Conn.CloseNow]) and Shutdown returns ctx.Err(); otherwise nil. Connections tracked
// after Shutdown has begun are closed with 1001 too. Calling Shutdown again waits
// again.
func (t *Tracker) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.shutdown = true
	conns := make([]*Conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	var empty chan struct{}
	if len(t.conns) > 0 {
		if t.empty == nil {
			t.empty = make(chan struct{})
		}
		empty = t.empty
	}
	t.mu.Unlock()
	for _, c := range conns {
		go c.Close(StatusGoingAway, "server shutting down")
	}
	if empty == nil {
		return nil
	}
	select {
	case <-empty:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	conns = conns[:0]
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.finish(fmt.Errorf("websocket: shutdown: %w: %w", ctx.Err(), errLocalClose))
	}
	return ctx.Err()
}
