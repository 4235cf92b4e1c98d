package websocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
)

// rawRoles runs a test with the Conn under test as server (the raw peer a client) and
// as client, over net.Pipe and TCP.
func rawRoles(t *testing.T, test func(t *testing.T, tr transport, peerIsClient bool)) {
	for _, tr := range []transport{viaPipe, viaTCP} {
		for _, peerIsClient := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/%s-conn", tr, roleOf(!peerIsClient)), func(t *testing.T) {
				test(t, tr, peerIsClient)
			})
		}
	}
}

func TestAutoPong(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		for _, payload := range [][]byte{nil, []byte("hello"), binaryPayload(125)} {
			p.mustSend(true, opPing, payload)
			f := p.next()
			if f.op != opPong || !f.fin || !bytes.Equal(f.payload, payload) {
				t.Errorf("ping %q answered with %v %q, want a pong with the same payload", payload, f, f.payload)
			}
		}
		p.mustSend(true, opText, []byte("still here"))
		if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "still here" {
			t.Errorf("message after pings: %q, %v", m.p, m.err)
		}
	})
}

// TestControlBetweenFragments interleaves pings and pongs with the fragments of a text
// message, split inside a character: the message arrives whole, each ping is answered
// in order, the pongs are ignored.
func TestControlBetweenFragments(t *testing.T) {
	for _, rs := range []readStyle{readWhole, readSmall, readOneByte} {
		t.Run(rs.name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				got := make(chan readResult, 1)
				go func() {
					typ, b, err := rs.read(context.Background(), c)
					got <- readResult{typ, b, err}
				}()
				msg := []byte("hé✓🌊!")
				p.mustSend(false, opText, msg[:2]) // "h" and the first byte of "é"
				p.mustSend(true, opPing, []byte("p1"))
				p.mustSend(false, opContinuation, msg[2:6]) // ends inside "✓"
				p.mustSend(true, opPong, []byte("unsolicited"))
				p.mustSend(true, opPing, []byte("p2"))
				p.mustSend(false, opContinuation, nil)
				p.mustSend(true, opPing, nil)
				p.mustSend(true, opContinuation, msg[6:])
				for _, want := range []string{"p1", "p2", ""} {
					if f := p.next(); f.op != opPong || string(f.payload) != want {
						t.Errorf("got %v %q, want pong %q", f, f.payload, want)
					}
				}
				m := nextMessage(t, got)
				if m.err != nil || m.typ != MessageText || !bytes.Equal(m.p, msg) {
					t.Errorf("got %v %q, %v; want text %q", m.typ, m.p, m.err, msg)
				}
			})
		})
	}
}

func TestUnsolicitedPong(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		p.mustSend(true, opPong, []byte("nobody asked"))
		p.mustSend(true, opPong, []byte{0, 0, 0, 0, 0, 0, 0, 1}) // the size of a Ping's payload
		p.mustSend(true, opBinary, []byte{1, 2, 3})
		if m := nextMessage(t, msgs); m.err != nil || !bytes.Equal(m.p, []byte{1, 2, 3}) {
			t.Errorf("got %q, %v", m.p, m.err)
		}
		p.expectQuiet()
	})
}

// TestPing checks that Ping sends a ping and returns only when the pong with the same
// payload arrives.
func TestPing(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		startReading(c)
		for i := 0; i < 3; i++ {
			done := goErr(func() error { return c.Ping(context.Background()) })
			ping := p.next()
			if ping.op != opPing || !ping.fin {
				t.Fatalf("got %v, want a ping", ping)
			}
			p.mustSend(true, opPong, append(ping.payload[:len(ping.payload):len(ping.payload)], 'x'))
			p.mustSend(true, opPong, []byte("other"))
			select {
			case err := <-done:
				t.Fatalf("Ping returned %v before its pong", err)
			case <-time.After(quietPeriod):
			}
			p.mustSend(true, opPong, ping.payload)
			if err := waitErr(t, "Ping", done); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}
	})
}

func TestPingContext(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		done := goErr(func() error { return c.Ping(ctx) })
		if f := p.next(); f.op != opPing {
			t.Fatalf("got %v, want a ping", f)
		}
		err := waitErr(t, "Ping", done)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Ping without a pong: %v, want context.DeadlineExceeded", err)
		}
		// The connection is still usable.
		p.mustSend(true, opText, []byte("after"))
		if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "after" {
			t.Errorf("got %q, %v", m.p, m.err)
		}
	})
}

// TestPingClosed checks that a Ping waiting for its pong returns an error wrapping
// net.ErrClosed when the connection ends: by the peer's close frame, or by CloseNow.
func TestPingClosed(t *testing.T) {
	for _, how := range []string{"peer-close", "CloseNow", "peer-EOF"} {
		t.Run(how, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				msgs := startReading(c)
				done := goErr(func() error { return c.Ping(context.Background()) })
				if f := p.next(); f.op != opPing {
					t.Fatalf("got %v, want a ping", f)
				}
				switch how {
				case "peer-close":
					p.mustSend(true, opClose, closePayload(StatusGoingAway, ""))
					p.expectClose()
					p.close() // a client Conn waits for the server to close TCP
				case "CloseNow":
					c.CloseNow()
				case "peer-EOF":
					p.close()
				}
				err := waitErr(t, "Ping", done)
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Ping: %v, want an error wrapping net.ErrClosed", err)
				}
				if how == "peer-close" && CloseStatus(err) != StatusGoingAway {
					t.Errorf("Ping: %v, want the peer's CloseError (1001)", err)
				}
				if m := nextMessage(t, msgs); !errors.Is(m.err, net.ErrClosed) {
					t.Errorf("Read: %v, want an error wrapping net.ErrClosed", m.err)
				}
			})
		})
	}
}

// TestConcurrentPings runs Pings from several goroutines between two Conns: from one
// end at a time, then from both at once.
func TestConcurrentPings(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP} {
		t.Run(string(tr), func(t *testing.T) {
			srv, cli := newPair(t, tr, nil, nil)
			sm, cm := startReading(srv), startReading(cli)
			phases := [][]*Conn{{srv}, {cli}, {srv, cli}}
			for _, pingers := range phases {
				var errs []<-chan error
				for i := 0; i < 8; i++ {
					for _, c := range pingers {
						errs = append(errs, goErr(func() error {
							for j := 0; j < 20; j++ {
								if err := c.Ping(context.Background()); err != nil {
									return err
								}
							}
							return nil
						}))
					}
				}
				for _, e := range errs {
					if err := waitErr(t, "Ping", e); err != nil {
						t.Error(err)
					}
				}
			}
			srv.CloseNow()
			cli.CloseNow()
			nextMessage(t, sm)
			nextMessage(t, cm)
		})
	}
}

// TestPingNeedsReader documents that a pong is only seen by a reading goroutine: with
// none, Ping waits until its context ends.
func TestPingNeedsReader(t *testing.T) {
	srv, cli := newPair(t, viaTCP, nil, nil)
	startReading(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := cli.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ping with nobody reading: %v, want context.DeadlineExceeded", err)
	}
	// Reading now consumes the late pong, which is ignored.
	msgs := startReading(cli)
	if err := srv.Write(context.Background(), MessageText, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "x" {
		t.Errorf("got %q, %v", m.p, m.err)
	}
}

// TestControlFrameSizes sends pings at the largest allowed size to a Conn reading with
// a one-byte reader in between, and reads them back over a short-read transport.
func TestControlFrameSizes(t *testing.T) {
	c, p := newWirePairWith(t, wireSetup{transport: viaShortPipe, peerIsClient: true})
	got := make(chan readResult, 1)
	go func() {
		typ, b, err := readOneByte.read(context.Background(), c)
		got <- readResult{typ, b, err}
	}()
	p.mustSend(false, opBinary, []byte("ab"))
	for _, n := range []int{0, 1, 124, 125} {
		pl := binaryPayload(n)
		p.mustSend(true, opPing, pl)
		if f := p.next(); f.op != opPong || !bytes.Equal(f.payload, pl) {
			t.Errorf("ping of %d bytes answered with %v", n, f)
		}
	}
	p.mustSend(true, opContinuation, []byte("c"))
	if m := nextMessage(t, got); m.err != nil || string(m.p) != "abc" {
		t.Errorf("got %q, %v", m.p, m.err)
	}
}

// TestPingCoalescedPong has two Pings outstanding and a peer that answers only the most
// recent ping, as RFC 6455 §5.5.3 allows: the pong proves the peer got both pings, and
// both Pings must return.
func TestPingCoalescedPong(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		startReading(c)
		first := goErr(func() error { return c.Ping(context.Background()) })
		p1 := p.next()
		second := goErr(func() error { return c.Ping(context.Background()) })
		p2 := p.next()
		if p1.op != opPing || p2.op != opPing || bytes.Equal(p1.payload, p2.payload) {
			t.Fatalf("got %v %q and %v %q, want two distinct pings", p1, p1.payload, p2, p2.payload)
		}
		p.mustSend(true, opPong, p2.payload)
		if err := waitErr(t, "second Ping", second); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-first:
			if err != nil {
				t.Errorf("first Ping: %v", err)
			}
		case <-time.After(time.Second):
			t.Errorf("BUG: the first Ping still waits 1s after the pong to a later ping: a peer may answer only the most recent ping (RFC 6455 §5.5.3), which Conn itself does")
			c.CloseNow()
			<-first
		}
	})
}

// TestPingIgnoresForeignPong has a Ping waiting while the peer sends unsolicited 8-byte
// pongs, such as a heartbeat carrying a timestamp: they do not answer the ping, and the
// Ping must go on waiting for its own pong.
func TestPingIgnoresForeignPong(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		startReading(c)
		done := goErr(func() error { return c.Ping(context.Background()) })
		ping := p.next()
		if ping.op != opPing {
			t.Fatalf("got %v, want a ping", ping)
		}
		heartbeat := binary.BigEndian.AppendUint64(nil, uint64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()))
		p.mustSend(true, opPong, heartbeat)
		p.mustSend(true, opPong, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		select {
		case err := <-done:
			t.Errorf("BUG: Ping returned %v on an unsolicited pong %x (its ping was %x): pongs carrying an ID above any ping sent count as answers", err, heartbeat, ping.payload)
			return
		case <-time.After(quietPeriod):
		}
		p.mustSend(true, opPong, ping.payload)
		waitErr(t, "Ping", done)
	})
}

// TestPingTimeoutDuringWrite runs a Ping with a short timeout, as a keepalive would,
// while a large message is being written to a peer that reads it slowly. The ping
// cannot go out before the message's frame is done, so the Ping times out; but that
// must not cut the message, whose own context is fine.
func TestPingTimeoutDuringWrite(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP} {
		t.Run(string(tr), func(t *testing.T) {
			srv, cli := newPair(t, tr, nil, &DialOptions{ReadLimit: -1})
			want := binaryPayload(32 << 20)
			werr := goErr(func() error { return srv.Write(context.Background(), MessageBinary, want) })
			// Let the write start and block on the peer, which does not read yet.
			time.Sleep(50 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := waitErr(t, "Ping", goErr(func() error { return srv.Ping(ctx) })); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Ping: %v, want context.DeadlineExceeded", err)
			}
			typ, got, err := cli.Read(context.Background())
			if err != nil || typ != MessageBinary || !bytes.Equal(got, want) {
				t.Errorf("BUG: message written while a Ping timed out: %d of %d bytes, %v (the Ping's deadline cut the message's frame)", len(got), len(want), err)
			}
			if err := waitErr(t, "Write", werr); err != nil {
				t.Errorf("Write: %v", err)
			}
		})
	}
}
