package websocket

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// tightListener is a 127.0.0.1 listener whose connections, on both ends, have small
// socket buffers, so that a peer that stops reading fills them after a few KiB rather
// than megabytes.
type tightListener struct {
	ln   net.Listener
	opts *AcceptOptions
}

const tightSocketBuffer = 4096

func newTightListener(t testing.TB, opts *AcceptOptions) *tightListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &tightListener{ln: ln, opts: opts}
}

// pair dials one connection and returns both ends.
func (l *tightListener) pair(t testing.TB, dopts *DialOptions) (server, client *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	srvc := make(chan connResult, 1)
	go func() {
		nc, err := l.ln.Accept()
		if err != nil {
			srvc <- connResult{nil, err}
			return
		}
		nc.(*net.TCPConn).SetWriteBuffer(tightSocketBuffer)
		nc.(*net.TCPConn).SetReadBuffer(tightSocketBuffer)
		c, _, err := Server(ctx, nc, l.opts)
		if err != nil {
			nc.Close()
		}
		srvc <- connResult{c, err}
	}()
	nc, err := net.Dial("tcp", l.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	nc.(*net.TCPConn).SetReadBuffer(tightSocketBuffer)
	nc.(*net.TCPConn).SetWriteBuffer(tightSocketBuffer)
	cl, _, cerr := Client(ctx, nc, "ws://"+l.ln.Addr().String()+"/", dopts)
	if cerr != nil {
		nc.Close()
	}
	sr := <-srvc
	if cl != nil {
		t.Cleanup(func() { cl.CloseNow() })
	}
	if sr.c != nil {
		t.Cleanup(func() { sr.c.CloseNow() })
	}
	if cerr != nil || sr.err != nil {
		t.Fatalf("handshake: client: %v; server: %v", cerr, sr.err)
	}
	return sr.c, cl
}

// seqMessage returns a prepared binary message of n bytes (at least 8) that starts with
// the sequence number i.
func seqMessage(t testing.TB, i uint64, n int) *PreparedMessage {
	p := make([]byte, max(n, 8))
	binary.BigEndian.PutUint64(p, i)
	for j := 8; j < len(p); j++ {
		p[j] = byte(i) + byte(j)
	}
	pm, err := NewPreparedMessage(MessageBinary, p)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

// checkSeq checks that p is seqMessage(want, n).
func checkSeq(p []byte, want uint64, n int) error {
	if len(p) != max(n, 8) {
		return fmt.Errorf("message %d: %d bytes, want %d", want, len(p), max(n, 8))
	}
	if got := binary.BigEndian.Uint64(p); got != want {
		return fmt.Errorf("message %d arrived where %d was due", got, want)
	}
	for j := 8; j < len(p); j++ {
		if p[j] != byte(want)+byte(j) {
			return fmt.Errorf("message %d: byte %d differs", want, j)
		}
	}
	return nil
}

// discardAll reads and discards the messages of each of conns in a goroutine of its
// own, until the connection ends, as a handler does.
func discardAll(conns []*Conn) {
	for _, c := range conns {
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
}

// sendRunning reports whether c's sender goroutine exists.
func sendRunning(c *Conn) bool {
	x := c.ext.Load()
	if x == nil {
		return false
	}
	x.send.mu.Lock()
	defer x.send.mu.Unlock()
	return x.send.running
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
		time.Sleep(time.Millisecond) // polling a condition, not standing in for one
	}
}

func TestSendInOrder(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP} {
		for _, role := range []string{"server", "client"} {
			t.Run(string(tr)+"/"+role, func(t *testing.T) {
				srv, cl := newPair(t, tr, nil, nil)
				from, to := srv, cl
				if role == "client" {
					from, to = cl, srv
				}
				const n = 2000
				msgs := startReading(to)
				errc := goErr(func() error {
					for i := range uint64(n) {
						if err := from.Send(seqMessage(t, i, int(i%300))); err != nil {
							return err
						}
					}
					return nil
				})
				for i := range uint64(n) {
					r := nextMessage(t, msgs)
					if r.err != nil {
						t.Fatalf("read %d: %v", i, r.err)
					}
					if err := checkSeq(r.p, i, int(i%300)); err != nil {
						t.Fatal(err)
					}
				}
				if err := waitErr(t, "Send loop", errc); err != nil {
					t.Fatal(err)
				}
				// The goroutine goes once the queue is empty.
				waitFor(t, "sender goroutine ends", func() bool { return !sendRunning(from) })
				if st := from.Stats(); st.MessagesWritten != n {
					t.Errorf("MessagesWritten %d, want %d", st.MessagesWritten, n)
				}
			})
		}
	}
}

// TestSendOverflow fills the queue of a connection whose peer stops reading: Send
// fails with ErrSendQueueFull, and the peer, reading again, gets the messages in order
// and then the close frame with 1013.
func TestSendOverflow(t *testing.T) {
	const limit = 32 << 10
	for _, role := range []string{"server", "client"} {
		t.Run(role, func(t *testing.T) {
			l := newTightListener(t, &AcceptOptions{SendQueueLimit: limit})
			srv, cl := l.pair(t, &DialOptions{SendQueueLimit: limit})
			from, to := srv, cl
			if role == "client" {
				from, to = cl, srv
			}
			const size = 1000
			var sent uint64
			var err error
			for ; sent < 100000; sent++ {
				if err = from.Send(seqMessage(t, sent, size)); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrSendQueueFull) {
				t.Fatalf("after %d messages, Send: %v; want ErrSendQueueFull", sent, err)
			}
			if err := from.Send(seqMessage(t, 0, size)); !errors.Is(err, ErrSendQueueFull) && !errors.Is(err, net.ErrClosed) {
				t.Errorf("Send after overflow: %v", err)
			}
			// The peer reads again: a prefix of the messages, in order, then 1013.
			var got uint64
			for {
				_, p, err := to.Read(context.Background())
				if err != nil {
					if CloseStatus(err) != StatusTryAgainLater {
						t.Fatalf("after %d messages: %v; want a close with 1013", got, err)
					}
					break
				}
				if err := checkSeq(p, got, size); err != nil {
					t.Fatal(err)
				}
				got++
			}
			// A burst larger than the queue overflows it before the first message has
			// gone out, so no message need have arrived.
			if got > sent {
				t.Errorf("%d messages arrived of %d sent", got, sent)
			}
			<-from.cs.done
			st := from.Stats()
			if st.CloseCode != StatusTryAgainLater || st.ClosedByPeer {
				t.Errorf("Stats: CloseCode %v, ClosedByPeer %v; want 1013 by this side", st.CloseCode, st.ClosedByPeer)
			}
			if _, _, err := from.Read(context.Background()); !errors.Is(err, ErrSendQueueFull) {
				t.Errorf("Read after overflow: %v; want ErrSendQueueFull", err)
			}
			waitFor(t, "sender goroutine ends", func() bool { return !sendRunning(from) })
		})
	}
}

// TestSendOverflowPeerGone checks that a connection whose peer never reads again is
// closed all the same, within the close timeout.
func TestSendOverflowPeerGone(t *testing.T) {
	t.Parallel()
	l := newTightListener(t, &AcceptOptions{SendQueueLimit: 8 << 10})
	srv, _ := l.pair(t, nil)
	var err error
	for i := uint64(0); i < 100000 && err == nil; i++ {
		err = srv.Send(seqMessage(t, i, 1000))
	}
	if !errors.Is(err, ErrSendQueueFull) {
		t.Fatalf("Send: %v", err)
	}
	select {
	case <-srv.cs.done:
	case <-time.After(closeTimeout + waitTimeout):
		t.Fatal("connection still open")
	}
	waitFor(t, "sender goroutine ends", func() bool { return !sendRunning(srv) })
}

// TestSendBeforeClose checks that Close lets the queue go out first, and that Send
// after Close fails.
func TestSendBeforeClose(t *testing.T) {
	srv, cl := newPair(t, viaTCP, nil, nil)
	msgs := startReading(cl)
	const n = 500
	for i := range uint64(n) {
		if err := srv.Send(seqMessage(t, i, 2000)); err != nil {
			t.Fatal(err)
		}
	}
	closed := goErr(func() error { return srv.Close(StatusNormalClosure, "bye") })
	for i := range uint64(n) {
		r := nextMessage(t, msgs)
		if r.err != nil {
			t.Fatalf("message %d: %v", i, r.err)
		}
		if err := checkSeq(r.p, i, 2000); err != nil {
			t.Fatal(err)
		}
	}
	if r := nextMessage(t, msgs); CloseStatus(r.err) != StatusNormalClosure {
		t.Fatalf("after the messages: %v; want the close", r.err)
	}
	if err := waitErr(t, "Close", closed); err != nil {
		t.Fatal(err)
	}
	if err := srv.Send(seqMessage(t, 0, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

// TestSendFanOut is the slow-consumer test: 1,000 connections, of which 10 stop
// reading. The 990 get every message in order, the 10 are closed with 1013, and the
// heap stays flat throughout.
func TestSendFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections; skipped in -short mode")
	}
	const (
		conns   = 1000
		stalled = 10
		rounds  = 200
		size    = 1024
		limit   = 32 << 10
	)
	l := newTightListener(t, &AcceptOptions{SendQueueLimit: limit, PingInterval: -1})
	servers := make([]*Conn, conns)
	clients := make([]*Conn, conns)
	for i := range conns {
		servers[i], clients[i] = l.pair(t, &DialOptions{PingInterval: -1})
	}
	// Each server end reads, as a handler would, so that close frames are handled.
	discardAll(servers)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	// A stalled reader reads again once its queue has overflowed, and must then find
	// the close frame (within the close timeout, which bounds how long an overflowed
	// connection waits for its peer).
	resume := make([]chan struct{}, stalled)
	for i := range resume {
		resume[i] = make(chan struct{})
	}
	// The readers that keep up tell each message; the broadcast paces itself on them, so
	// that their queues stay short and only the stalled ones fill up.
	arrived := make(chan struct{}, conns)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < stalled {
				<-resume[i]
			}
			for want := uint64(0); ; want++ {
				_, p, err := c.Read(context.Background())
				switch {
				case err != nil && i < stalled:
					if CloseStatus(err) != StatusTryAgainLater {
						errs <- fmt.Errorf("stalled client %d after %d messages: %v; want 1013", i, want, err)
					}
					return
				case err != nil:
					errs <- fmt.Errorf("client %d after %d messages: %w", i, want, err)
					arrived <- struct{}{}
					return
				}
				if err := checkSeq(p, want, size); err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					arrived <- struct{}{}
					return
				}
				if i >= stalled {
					arrived <- struct{}{}
				}
				if i >= stalled && want == rounds-1 {
					return
				}
			}
		}()
	}

	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	var peak uint64
	full := make([]int, conns) // the round at which Send to each first failed; -1: never
	for i := range full {
		full[i] = -1
	}
	for r := range rounds {
		pm := seqMessage(t, uint64(r), size)
		for i, s := range servers {
			if full[i] >= 0 {
				continue
			}
			if err := s.Send(pm); err != nil {
				if !errors.Is(err, ErrSendQueueFull) {
					t.Fatalf("Send %d to %d: %v", r, i, err)
				}
				full[i] = r
				if i < stalled {
					close(resume[i])
				}
			}
		}
		if r%20 == 19 {
			peak = max(peak, heap())
		}
		for range conns - stalled {
			select {
			case <-arrived:
			case <-time.After(waitTimeout):
				t.Fatalf("round %d: not every reader got its message within %v", r, waitTimeout)
			}
		}
	}
	for i := range conns {
		if (full[i] >= 0) != (i < stalled) {
			t.Errorf("connection %d: Send failed at round %d (stalled: %v)", i, full[i], i < stalled)
		}
	}
	for i := range stalled {
		if full[i] < 0 { // reported above; let its reader end
			servers[i].CloseNow()
			close(resume[i])
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range stalled {
		<-servers[i].cs.done
		if st := servers[i].Stats(); st.CloseCode != StatusTryAgainLater {
			t.Errorf("stalled %d: CloseCode %v", i, st.CloseCode)
		}
	}
	// The queues hold at most limit bytes each, the messages are shared: the heap may
	// grow by the stalled queues and little else.
	if grow := int64(peak) - int64(base); grow > stalled*limit+4<<20 {
		t.Errorf("heap grew by %d KiB during the broadcast (from %d KiB)", grow>>10, base>>10)
	}
	t.Logf("heap %d KiB before, peak %d KiB during", base>>10, peak>>10)
	for i := stalled; i < conns; i++ {
		waitFor(t, "sender goroutines end", func() bool { return !sendRunning(servers[i]) })
	}
}
