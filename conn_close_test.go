package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestPeerClose has the raw peer start the closing handshake: the Conn echoes the code,
// Read returns the peer's CloseError (wrapped with net.ErrClosed), a server Conn closes
// TCP at once and a client Conn waits for the server to do it.
func TestPeerClose(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		code    StatusCode
		reason  string
	}{
		{"normal", closePayload(StatusNormalClosure, ""), StatusNormalClosure, ""},
		{"reason", closePayload(4001, "bye"), 4001, "bye"},
		{"utf8-reason", closePayload(StatusGoingAway, "さようなら ✓"), StatusGoingAway, "さようなら ✓"},
		{"longest-reason", closePayload(3000, strings.Repeat("r", 123)), 3000, strings.Repeat("r", 123)},
		{"1014", closePayload(StatusBadGateway, ""), StatusBadGateway, ""},
		{"empty", nil, StatusNoStatusRcvd, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				msgs := startReading(c)
				p.mustSend(true, opClose, tc.payload)
				echo := p.expectClose()
				if tc.code == StatusNoStatusRcvd {
					if len(echo.payload) != 0 {
						t.Errorf("close without a code echoed with payload %q, want none", echo.payload)
					}
				} else if echo.closeCode() != tc.code {
					t.Errorf("echoed code %v, want %v", echo.closeCode(), tc.code)
				}
				if peerIsClient {
					p.expectEOF() // the server closes TCP first
				} else {
					// A client waits for the server to close TCP.
					p.expectQuiet()
					p.close()
				}
				m := nextMessage(t, msgs)
				checkPeerClosed(t, "Read", m.err, tc.code, tc.reason)
				checkAllClosed(t, c, tc.code)
			})
		})
	}
}

// checkPeerClosed checks that err is what calls return after the peer closed with code
// and reason.
func checkPeerClosed(t *testing.T, what string, err error, code StatusCode, reason string) {
	t.Helper()
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("%s: %v, want an error wrapping net.ErrClosed", what, err)
	}
	var ce CloseError
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v, want an error wrapping a CloseError", what, err)
		return
	}
	if ce.Code != code || ce.Reason != reason || CloseStatus(err) != code {
		t.Errorf("%s: CloseError{%v, %q}, CloseStatus %v; want {%v, %q}", what, ce.Code, ce.Reason, CloseStatus(err), code, reason)
	}
}

// checkAllClosed checks that every method of a closed Conn returns an error wrapping
// net.ErrClosed and, if peerCode is not 0, the peer's CloseError with that code.
func checkAllClosed(t *testing.T, c *Conn, peerCode StatusCode) {
	t.Helper()
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"Read", func() error { _, _, err := c.Read(ctx); return err }},
		{"Reader", func() error { _, _, err := c.Reader(ctx); return err }},
		{"Write", func() error { return c.Write(ctx, MessageText, []byte("late")) }},
		{"Write-large", func() error { return c.Write(ctx, MessageBinary, make([]byte, 70000)) }},
		{"Writer", func() error {
			w, err := c.Writer(ctx, MessageBinary)
			if err != nil {
				return err
			}
			// Report the first call that fails, marking that Writer itself did not.
			if _, err := w.Write([]byte("late")); err != nil {
				return &writerOpenedError{err}
			}
			return &writerOpenedError{w.Close()}
		}},
		{"Ping", func() error { return c.Ping(ctx) }},
		{"Close", func() error { return c.Close(StatusNormalClosure, "") }},
		{"CloseNow", func() error { return c.CloseNow() }},
	}
	for _, call := range calls {
		done := goErr(call.call)
		var err error
		select {
		case err = <-done:
		case <-time.After(waitTimeout):
			t.Fatalf("%s on a closed Conn blocks", call.name)
		}
		var woe *writerOpenedError
		if errors.As(err, &woe) {
			t.Errorf("BUG: Writer on a closed Conn returned a writer and no error (its Write/Close then said %v)", woe.err)
			err = woe.err
		}
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s on a closed Conn: %v, want an error wrapping net.ErrClosed", call.name, err)
		}
		if peerCode != 0 && CloseStatus(err) != peerCode {
			t.Errorf("%s on a Conn the peer closed: %v, want the peer's CloseError %v", call.name, err, peerCode)
		}
	}
}

type writerOpenedError struct{ err error }

func (e *writerOpenedError) Error() string { return "Writer succeeded" }
func (e *writerOpenedError) Unwrap() error { return e.err }

// TestClose has the Conn start the closing handshake: the close frame carries the code
// and reason, Close waits for the peer's, a server closes TCP first, a client waits for
// the server to close it. With a goroutine reading, that goroutine sees the peer's close;
// without one, Close reads and discards what comes before it.
func TestClose(t *testing.T) {
	for _, reading := range []bool{true, false} {
		name := "no-reader"
		if reading {
			name = "reader"
		}
		t.Run(name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				var msgs <-chan readResult
				if reading {
					msgs = startReading(c)
				}
				done := goErr(func() error { return c.Close(4000, "done ✓") })
				f := p.expectClose()
				if f.closeCode() != 4000 || string(f.payload[2:]) != "done ✓" {
					t.Errorf("close frame %v %q, want code 4000 and reason %q", f, f.payload, "done ✓")
				}
				select {
				case err := <-done:
					t.Fatalf("Close returned %v before the peer's close frame", err)
				case <-time.After(quietPeriod):
				}
				// Data and a ping before the peer's close frame: discarded, not answered.
				p.mustSend(true, opText, []byte("late message"))
				p.mustSend(true, opPing, []byte("late ping"))
				p.mustSend(true, opClose, closePayload(StatusNormalClosure, "ok"))
				if peerIsClient {
					p.expectEOF()
				} else {
					p.expectQuiet()
					select {
					case err := <-done:
						t.Fatalf("client Close returned %v before the server closed TCP", err)
					default:
					}
					p.close()
				}
				if err := waitErr(t, "Close", done); err != nil {
					t.Errorf("Close: %v", err)
				}
				if reading {
					m := nextMessage(t, msgs)
					if m.err == nil {
						m = nextMessage(t, msgs) // the late message may have been read
					}
					checkPeerClosed(t, "Read", m.err, StatusNormalClosure, "ok")
				}
				checkAllClosed(t, c, 0)
			})
		})
	}
}

// TestCloseBetweenPair closes one Conn of a pair while the other reads.
func TestCloseBetweenPair(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP, viaHTTP} {
		for _, closer := range []string{"server", "client"} {
			t.Run(string(tr)+"/"+closer, func(t *testing.T) {
				srv, cli := newPair(t, tr, nil, nil)
				a, b := srv, cli
				if closer == "client" {
					a, b = cli, srv
				}
				msgs := startReading(b)
				if err := a.Close(StatusGoingAway, "shutting down"); err != nil {
					t.Errorf("Close: %v", err)
				}
				m := nextMessage(t, msgs)
				checkPeerClosed(t, "Read", m.err, StatusGoingAway, "shutting down")
				checkAllClosed(t, a, 0)
				checkAllClosed(t, b, StatusGoingAway)
			})
		}
	}
}

// TestCloseSimultaneous has both ends call Close at once (over TCP: on net.Pipe each
// would block writing its close frame until the other reads).
func TestCloseSimultaneous(t *testing.T) {
	srv, cli := newPair(t, viaTCP, nil, nil)
	a := goErr(func() error { return srv.Close(StatusNormalClosure, "") })
	b := goErr(func() error { return cli.Close(StatusNormalClosure, "") })
	if err := waitErr(t, "server Close", a); err != nil {
		t.Errorf("server Close: %v", err)
	}
	if err := waitErr(t, "client Close", b); err != nil {
		t.Errorf("client Close: %v", err)
	}
}

// TestCloseUnanswered has a peer that reads but never answers: Close gives up after its
// bound (about 5 s) and closes the connection anyway.
func TestCloseUnanswered(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes 5 s")
	}
	c, p := newWirePair(t, viaTCP, true)
	start := time.Now()
	done := goErr(func() error { return c.Close(StatusNormalClosure, "") })
	p.expectClose()
	err := waitErr(t, "Close", done)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err == nil {
		t.Log("Close returned nil although the peer never answered")
	}
	p.expectEOF()
	checkAllClosed(t, c, 0)
}

func TestCloseNow(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		if err := c.CloseNow(); err != nil {
			t.Errorf("CloseNow: %v", err)
		}
		p.expectEOF() // no close frame
		m := nextMessage(t, msgs)
		if !errors.Is(m.err, net.ErrClosed) || CloseStatus(m.err) != -1 {
			t.Errorf("blocked Read: %v, want net.ErrClosed and no CloseError", m.err)
		}
		checkAllClosed(t, c, 0)
	})
}

// TestCloseInvalid checks that Close refuses codes that may not be sent and bad reasons,
// and leaves the connection as it was.
func TestCloseInvalid(t *testing.T) {
	cases := []struct {
		name   string
		code   StatusCode
		reason string
	}{
		{"1005", StatusNoStatusRcvd, ""},
		{"1006", StatusAbnormalClosure, ""},
		{"1015", StatusTLSHandshake, ""},
		{"1004", 1004, ""},
		{"999", 999, ""},
		{"0", 0, ""},
		{"1016", 1016, ""},
		{"2000", 2000, ""},
		{"2999", 2999, ""},
		{"5000", 5000, ""},
		{"negative", -1000, ""},
		{"65536+1000", 65536 + 1000, ""},
		{"reason-124", StatusNormalClosure, strings.Repeat("x", 124)},
		{"reason-invalid-utf8", StatusNormalClosure, "bad \xff reason"},
		{"reason-surrogate", StatusNormalClosure, "\xed\xa0\x80"},
		{"reason-truncated", StatusNormalClosure, "✓"[:2]},
	}
	for _, peerIsClient := range []bool{true, false} {
		t.Run(roleOf(!peerIsClient)+"-conn", func(t *testing.T) {
			c, p := newWirePair(t, viaPipe, peerIsClient)
			msgs := startReading(c)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					done := goErr(func() error { return c.Close(tc.code, tc.reason) })
					if err := waitErr(t, "Close", done); err == nil {
						t.Fatalf("Close(%d, %q) = nil, want an error", int(tc.code), tc.reason)
					} else if errors.Is(err, net.ErrClosed) {
						t.Errorf("Close(%d, %q) = %v, refused as if closed", int(tc.code), tc.reason, err)
					}
				})
			}
			p.expectQuiet() // no close frame went out
			// Still open both ways.
			p.mustSend(true, opText, []byte("open"))
			if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "open" {
				t.Fatalf("after refused Closes: %q, %v", m.p, m.err)
			}
			done := goErr(func() error { return c.Write(context.Background(), MessageText, []byte("still")) })
			if f := p.next(); string(f.payload) != "still" {
				t.Errorf("got %v, want the message", f)
			}
			waitErr(t, "Write", done)
			// The limits themselves are accepted.
			done = goErr(func() error { return c.Close(4999, strings.Repeat("é", 61)+"x") })
			if f := p.expectClose(); f.closeCode() != 4999 || len(f.payload) != 125 {
				t.Errorf("got %v, want code 4999 with a 123-byte reason", f)
			}
			p.mustSend(true, opClose, closePayload(4999, ""))
			if !peerIsClient {
				p.close()
			}
			if err := waitErr(t, "Close", done); err != nil {
				t.Errorf("Close(4999, 123-byte reason): %v", err)
			}
		})
	}
}

// TestCloseWhileWriting closes while a Writer is open: the close frame goes out between
// two fragments and the Writer then fails with net.ErrClosed.
func TestCloseWhileWriting(t *testing.T) {
	c, p := newWirePair(t, viaPipe, true)
	ctx := context.Background()
	w, err := c.Writer(ctx, MessageBinary)
	if err != nil {
		t.Fatal(err)
	}
	werr := goErr(func() error {
		_, err := w.Write(make([]byte, 20000)) // one full frame goes out
		return err
	})
	if f := p.next(); f.op != opBinary || f.fin {
		t.Fatalf("got %v, want a first fragment", f)
	}
	if err := waitErr(t, "Write", werr); err != nil {
		t.Fatal(err)
	}
	done := goErr(func() error { return c.Close(StatusNormalClosure, "") })
	p.expectClose()
	p.mustSend(true, opClose, closePayload(StatusNormalClosure, ""))
	p.expectEOF()
	if err := waitErr(t, "Close", done); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := w.Write(make([]byte, 20000)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Writer.Write after Close: %v, want net.ErrClosed", err)
	}
	if err := w.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Writer.Close after Close: %v, want net.ErrClosed", err)
	}
}

// TestPeerEOF checks what calls return when the peer drops TCP without a close frame.
func TestPeerEOF(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		p.close()
		m := nextMessage(t, msgs)
		if !errors.Is(m.err, net.ErrClosed) {
			t.Errorf("Read: %v, want an error wrapping net.ErrClosed", m.err)
		}
		if !errors.Is(m.err, io.EOF) && !errors.Is(m.err, io.ErrClosedPipe) {
			t.Logf("Read: %v (does not say the peer went away)", m.err)
		}
		checkAllClosed(t, c, 0)
	})
}

// TestPeerCloseEchoFails has the peer send a close frame and drop the connection
// without reading the echo: the Conn's echo fails, but the peer did close with a code,
// and Read must still report its CloseError.
func TestPeerCloseEchoFails(t *testing.T) {
	for _, peerIsClient := range []bool{true, false} {
		t.Run(roleOf(!peerIsClient)+"-conn", func(t *testing.T) {
			c, p := newWirePairWith(t, wireSetup{transport: viaPipe, peerIsClient: peerIsClient, noReader: true})
			msgs := startReading(c)
			p.mustSend(true, opClose, closePayload(StatusGoingAway, "gone"))
			p.close() // the Conn's echo, blocked on net.Pipe, now fails
			m := nextMessage(t, msgs)
			checkPeerClosed(t, "Read", m.err, StatusGoingAway, "gone")
		})
	}
}

// TestCloseDuringMessage calls Close while the application is part way through reading
// a message with Reader, between two reads. Close may read on to find the peer's close
// frame, but the message is then lost: the application's next read must fail, not
// return io.EOF as if the message had ended.
func TestCloseDuringMessage(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		sent := p.sendAsync(p.frame(false, opBinary, []byte("part one, ")))
		_, r, err := c.Reader(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		waitErr(t, "raw write", sent)
		done := goErr(func() error { return c.Close(StatusNormalClosure, "") })
		p.expectClose()
		p.mustSend(true, opContinuation, []byte("part two")) // the peer finishes its message
		p.mustSend(true, opClose, closePayload(StatusNormalClosure, ""))
		if peerIsClient {
			p.expectEOF()
		}
		p.close()
		if err := waitErr(t, "Close", done); err != nil {
			t.Errorf("Close: %v", err)
		}
		n, err := r.Read(make([]byte, 100))
		if err == io.EOF {
			t.Errorf("BUG: after Close, the unfinished message's reader returned (%d, io.EOF): a truncated message looks complete", n)
		} else if !errors.Is(err, net.ErrClosed) {
			t.Errorf("reader after Close: (%d, %v), want an error wrapping net.ErrClosed", n, err)
		}
	})
}

// TestCloseDuringRead calls Close while Read is receiving a large message. Read reads a
// message in many calls to the message reader, and Close may drain the connection
// between two of them: Read must then fail, never return part of the message as if it
// were whole. If Read returns the message whole instead, nobody reads on after it, so
// Close must read the peer's close frame itself: the handshake completes (Close returns
// nil) rather than running out its time bound.
func TestCloseDuringRead(t *testing.T) {
	const size = 4 << 20
	want := binaryPayload(size)
	truncated := 0
	for i := 0; i < 20; i++ {
		srv, cli := newPair(t, viaTCP, nil, &DialOptions{ReadLimit: -1})
		werr := goErr(func() error { return writeStreamed.write(context.Background(), srv, MessageBinary, want) })
		got := make(chan readResult, 1)
		go func() {
			typ, b, err := cli.Read(context.Background())
			got <- readResult{typ, b, err}
		}()
		// Not synchronisation: the pause varies where in the message Close comes, and
		// every outcome is checked.
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		closed := goErr(func() error { return cli.Close(StatusGoingAway, "") })
		// The server reads nothing: it sees the close frame only through its reader.
		smsgs := startReading(srv)
		m := nextMessage(t, got)
		if m.err == nil && !bytes.Equal(m.p, want) {
			truncated++
			t.Errorf("BUG: Read returned %d of %d bytes and no error while Close ran", len(m.p), size)
		}
		if err := waitErr(t, "Close", closed); err != nil {
			t.Errorf("iteration %d: Close: %v (Read: %d bytes, %v)", i, err, len(m.p), m.err)
		}
		waitErr(t, "write", werr)
		nextMessage(t, smsgs)
		srv.CloseNow()
		cli.CloseNow()
		if truncated > 0 {
			break
		}
	}
}
