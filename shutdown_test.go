package websocket

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestTrackerShutdown tracks 1,000 connections and shuts them down: every peer sees
// 1001, whether or not the server side was being read at the time, and Shutdown
// returns once all have ended.
func TestTrackerShutdown(t *testing.T) {
	const conns = 1000
	var tracker Tracker
	opts := &AcceptOptions{OnAccept: func(c *Conn, _ *http.Request) { tracker.Track(c) }}
	l := newTightListener(t, opts)
	servers := make([]*Conn, conns)
	clients := make([]*Conn, conns)
	for i := range conns {
		servers[i], clients[i] = l.pair(t, nil)
	}
	if n := tracker.Len(); n != conns {
		t.Fatalf("Len %d, want %d", n, conns)
	}
	// Half the server ends are read by a handler, as most are; the others are not, and
	// Close reads for itself.
	discardAll(servers[:conns/2])
	var wg sync.WaitGroup
	codes := make(chan StatusCode, conns)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Read(context.Background())
			codes <- CloseStatus(err)
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	if err := tracker.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	close(codes)
	n := 0
	for code := range codes {
		if code != StatusGoingAway {
			t.Errorf("a client saw %v, want 1001", code)
		}
		n++
	}
	if n != conns {
		t.Errorf("%d clients saw the close, want %d", n, conns)
	}
	if n := tracker.Len(); n != 0 {
		t.Errorf("Len %d after Shutdown, want 0", n)
	}
	for _, s := range servers {
		if st := s.Stats(); st.CloseCode != StatusGoingAway || st.ClosedByPeer {
			t.Fatalf("server Stats: CloseCode %v, ClosedByPeer %v", st.CloseCode, st.ClosedByPeer)
		}
	}
	// After Shutdown, a new connection is closed with 1001 at once.
	s, c := l.pair(t, nil)
	if !errors.Is(tracker.Track(s), net.ErrClosed) {
		t.Error("Track after Shutdown succeeded")
	}
	if _, _, err := c.Read(context.Background()); CloseStatus(err) != StatusGoingAway {
		t.Errorf("connection made after Shutdown: %v; want 1001", err)
	}
}

// TestTrackerShutdownDeadline checks that a peer that never answers the close frame
// does not hold Shutdown past its context: the connection is closed at once then.
func TestTrackerShutdownDeadline(t *testing.T) {
	var tracker Tracker
	l := newTightListener(t, &AcceptOptions{OnAccept: func(c *Conn, _ *http.Request) { tracker.Track(c) }})
	srv, _ := l.pair(t, nil) // the client is never read: it never answers
	srv2, cl2 := l.pair(t, nil)
	go func() { cl2.Read(context.Background()) }() // this one answers
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := tracker.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v; want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > closeTimeout {
		t.Errorf("Shutdown took %v", d)
	}
	select {
	case <-srv.cs.done:
	case <-time.After(waitTimeout):
		t.Fatal("the silent peer's connection is still open")
	}
	<-srv2.cs.done
	if st := srv2.Stats(); st.CloseCode != StatusGoingAway {
		t.Errorf("answering peer: CloseCode %v", st.CloseCode)
	}
	if n := tracker.Len(); n != 0 {
		t.Errorf("Len %d, want 0", n)
	}
}

// TestTrackerForgets checks that connections leave the Tracker as they end, however
// they end, and that tracking twice is harmless.
func TestTrackerForgets(t *testing.T) {
	var tracker, other Tracker
	srv, cl := newPair(t, viaPipe, nil, nil)
	srv2, _ := newPair(t, viaPipe, nil, nil)
	for _, c := range []*Conn{srv, srv2, srv} {
		if err := tracker.Track(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Track(srv); err == nil {
		t.Error("a second Tracker took the connection")
	}
	if n := tracker.Len(); n != 2 {
		t.Fatalf("Len %d, want 2", n)
	}
	go cl.Read(context.Background())
	if err := srv.Close(StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	srv2.CloseNow()
	if n := tracker.Len(); n != 0 {
		t.Errorf("Len %d after both ended, want 0", n)
	}
	// A connection that has ended already is not kept.
	var late Tracker
	if err := late.Track(srv2); err != nil {
		t.Fatal(err)
	}
	if n := late.Len(); n != 0 {
		t.Errorf("an ended connection is tracked: Len %d", n)
	}
	if err := (&Tracker{}).Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of an empty Tracker: %v", err)
	}
}
