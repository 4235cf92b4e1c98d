package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestReadContextWaiting checks that a Read whose context ends while it waits for a
// message returns the context's error and leaves the connection usable, also when part
// of the next frame header has arrived.
func TestReadContextWaiting(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)

		// Already cancelled.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := c.Read(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Read with a cancelled context: %v, want context.Canceled", err)
		}
		// Deadline while waiting.
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
		if _, _, err := c.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Read past its deadline: %v, want context.DeadlineExceeded", err)
		}
		cancel()
		// Cancelled while waiting.
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		if _, _, err := c.Read(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Read cancelled while waiting: %v, want context.Canceled", err)
		}
		// Cancelled with one byte of a header, then with all but one.
		frame := p.frame(true, opText, []byte("next message"))
		hdrLen := len(frame) - len("next message")
		for _, cut := range []int{1, hdrLen - 1} {
			head := p.sendAsync(frame[:cut]) // net.Pipe: done once the Conn has read it
			ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
			if _, _, err := c.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Read with %d header bytes: %v, want context.DeadlineExceeded", cut, err)
			}
			cancel()
			if err := waitErr(t, "raw write", head); err != nil {
				t.Fatal(err)
			}
			rest := goErr(func() error { _, err := p.nc.Write(frame[cut:]); return err })
			typ, b, err := c.Read(context.Background())
			if err != nil || typ != MessageText || string(b) != "next message" {
				t.Fatalf("Read after an interrupted wait: %v %q, %v", typ, b, err)
			}
			waitErr(t, "raw write", rest)
		}
		// And the connection still answers pings.
		msgs := startReading(c)
		p.mustSend(true, opPing, []byte("ok?"))
		if f := p.next(); f.op != opPong || string(f.payload) != "ok?" {
			t.Errorf("got %v, want the pong", f)
		}
		c.CloseNow()
		nextMessage(t, msgs)
	})
}

// TestReadContextMidFrame checks that a context ending in the middle of a frame (the
// peer sent half of it and stalls) closes the connection.
func TestReadContextMidFrame(t *testing.T) {
	for _, rs := range []readStyle{readWhole, readSmall} {
		t.Run(rs.name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				frame := p.frame(true, opBinary, make([]byte, 1000))
				half := p.sendAsync(frame[:500])
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				done := make(chan error, 1)
				go func() { _, _, err := rs.read(ctx, c); done <- err }()
				err := waitErr(t, "Read", done)
				waitErr(t, "raw write", half)
				if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, net.ErrClosed) {
					t.Errorf("Read cut mid-frame: %v, want an error wrapping context.DeadlineExceeded and net.ErrClosed", err)
				}
				p.expectEOF()
				checkAllClosed(t, c, 0)
			})
		})
	}
}

// TestReadContextBetweenFragments ends the context while Reader's message waits for its
// next fragment: the read returns the context's error at a frame boundary and the
// connection stays usable. Reading on goes on with the message; a new Reader skips its
// rest, governed by its own context.
func TestReadContextBetweenFragments(t *testing.T) {
	t.Run("continue", func(t *testing.T) {
		c, p := newWirePair(t, viaPipe, true)
		ctx, cancel := context.WithCancel(context.Background())
		sent := p.sendAsync(p.frame(false, opText, []byte("first ")))
		_, r, err := c.Reader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(30*time.Millisecond, cancel)
		if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
			t.Fatalf("read waiting for a fragment: %v, want context.Canceled", err)
		}
		waitErr(t, "raw write", sent)
		sent = p.sendAsync(p.frame(true, opContinuation, []byte("second")))
		rest, err := io.ReadAll(r)
		if err != nil || string(rest) != "second" {
			t.Errorf("reading on: %q, %v", rest, err)
		}
		waitErr(t, "raw write", sent)
	})
	t.Run("new-reader", func(t *testing.T) {
		c, p := newWirePair(t, viaPipe, true)
		ctx, cancel := context.WithCancel(context.Background())
		sent := p.sendAsync(p.frame(false, opBinary, []byte("abc")))
		_, r, err := c.Reader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, make([]byte, 3)); err != nil {
			t.Fatal(err)
		}
		waitErr(t, "raw write", sent)
		time.AfterFunc(30*time.Millisecond, cancel)
		if _, err := r.Read(make([]byte, 3)); !errors.Is(err, context.Canceled) {
			t.Fatalf("read waiting for a fragment: %v, want context.Canceled", err)
		}
		// The next Reader must skip the rest of the message, which never comes: its own
		// context must bound that.
		ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel2()
		done := make(chan error, 1)
		go func() { _, _, err := c.Read(ctx2); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Read skipping an unfinished message: %v, want context.DeadlineExceeded", err)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("BUG: Read(ctx with a 100ms deadline) still blocked after 2s: Reader skips the previous message's rest before it watches its own context")
			c.CloseNow() // unblocks it
			<-done
		}
	})
}

// TestWriteContext checks that a Write whose context ends while the peer does not read
// returns (net.Pipe does not buffer, so the write blocks), and that the connection is
// then closed since a frame may have been cut.
func TestWriteContext(t *testing.T) {
	for _, ws := range []writeStyle{writeWhole, writeStreamed} {
		for _, n := range []int{10, 100000} {
			t.Run(ws.name+"/"+map[bool]string{true: "small", false: "large"}[n == 10], func(t *testing.T) {
				srv, cli := newPair(t, viaPipe, nil, nil)
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				err := waitErr(t, "Write", goErr(func() error { return ws.write(ctx, cli, MessageBinary, make([]byte, n)) }))
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Write to a peer that does not read: %v, want context.DeadlineExceeded", err)
				}
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Write interrupted: %v, want the connection closed (net.ErrClosed)", err)
				}
				if _, _, err := srv.Read(context.Background()); !errors.Is(err, net.ErrClosed) {
					t.Errorf("peer's Read: %v, want the connection gone", err)
				}
			})
		}
	}
}

// TestWriteContextBeforeStart checks that a context that ended before the write started
// fails the write without touching the connection.
func TestWriteContextBeforeStart(t *testing.T) {
	srv, cli := newPair(t, viaPipe, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := cli.Write(ctx, MessageText, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Write: %v, want context.Canceled", err)
	}
	if w, err := cli.Writer(ctx, MessageText); !errors.Is(err, context.Canceled) {
		t.Errorf("Writer: %v, want context.Canceled", err)
		if w != nil {
			w.Close()
		}
	}
	sendRecv(t, cli, srv, writeWhole, readWhole, MessageText, []byte("still open"))
}

// TestPingContextBlockedWrite checks that Ping returns when its context ends while the
// ping frame cannot be written: here the peer does not read a net.Pipe.
func TestPingContextBlockedWrite(t *testing.T) {
	for _, name := range []string{"cancelled", "deadline"} {
		t.Run(name, func(t *testing.T) {
			_, cli := newPair(t, viaPipe, nil, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if name == "cancelled" {
				cancel()
			}
			done := goErr(func() error { return cli.Ping(ctx) })
			select {
			case err := <-done:
				if !errors.Is(err, ctx.Err()) {
					t.Errorf("Ping: %v, want %v", err, ctx.Err())
				}
			case <-time.After(2 * time.Second):
				t.Errorf("BUG: Ping(ctx %s) still blocked 2s later writing its ping to a peer that does not read: the ping frame's write ignores ctx", name)
				cli.CloseNow()
				<-done
			}
		})
	}
}

// TestWriterQueue checks that a Write or Writer waiting behind an open Writer returns
// its context's error when that ends, and goes ahead once the Writer closes.
func TestWriterQueue(t *testing.T) {
	srv, cli := newPair(t, viaTCP, nil, nil)
	msgs := startReading(srv)
	w, err := cli.Writer(context.Background(), MessageText)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if w2, err := cli.Writer(ctx, MessageText); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Writer behind a Writer: %v, want context.DeadlineExceeded", err)
		if w2 != nil {
			w2.Close()
		}
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if err := cli.Write(ctx, MessageText, []byte("queued")); !errors.Is(err, context.Canceled) {
		t.Errorf("Write behind a Writer: %v, want context.Canceled", err)
	}
	// A queued Write goes out after the Writer's message, whole.
	queued := goErr(func() error { return cli.Write(context.Background(), MessageText, []byte("second")) })
	select {
	case err := <-queued:
		t.Fatalf("Write went ahead of an open Writer: %v", err)
	case <-time.After(quietPeriod):
	}
	w.Write([]byte("fir"))
	w.Write([]byte("st"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, "Write", queued); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		if m := nextMessage(t, msgs); m.err != nil || string(m.p) != want {
			t.Errorf("got %q, %v; want %q", m.p, m.err, want)
		}
	}
}

// TestWriterContextEnds ends a Writer's context between writes. Either the message is
// finished anyway (the end came too late to matter) and the connection stays open, or
// Close fails with the context's error and the connection is closed rather than left
// with half a message.
func TestWriterContextEnds(t *testing.T) {
	c, p := newWirePair(t, viaPipe, true)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.Writer(ctx, MessageBinary)
	if err != nil {
		t.Fatal(err)
	}
	werr := goErr(func() error { _, err := w.Write(make([]byte, 20000)); return err })
	if f := p.next(); f.fin || f.op != opBinary {
		t.Fatalf("got %v, want a first fragment", f)
	}
	waitErr(t, "Write", werr)
	cancel()
	err = waitErr(t, "Close", goErr(w.Close))
	if err == nil {
		if f := p.next(); !f.fin || f.op != opContinuation {
			t.Errorf("Close returned nil; got %v, want the final fragment", f)
		}
		p.expectQuiet()
		return
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Writer.Close after its context ended: %v, want context.Canceled and net.ErrClosed", err)
	}
	for {
		f, err := p.nextWithin(waitTimeout)
		if err == errNoFrame {
			t.Fatal("connection still open")
		}
		if err != nil {
			break
		}
		if !f.fin || f.op != opContinuation {
			t.Errorf("got %v after the first fragment", f)
		}
	}
}

// TestContextReuse checks that a context is no longer watched once a call returns:
// cancelling it later does not disturb the next call made with another context.
func TestContextReuse(t *testing.T) {
	srv, cli := newPair(t, viaPipe, nil, nil)
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		werr := goErr(func() error { return cli.Write(ctx, MessageText, []byte("hello")) })
		if _, b, err := srv.Read(ctx); err != nil || !bytes.Equal(b, []byte("hello")) {
			t.Fatalf("Read: %q, %v", b, err)
		}
		waitErr(t, "Write", werr)
		cancel()
	}
	sendRecv(t, cli, srv, writeStreamed, readSmall, MessageBinary, binaryPayload(50000))
	sendRecv(t, srv, cli, writeStreamed, readSmall, MessageBinary, binaryPayload(50000))
}
