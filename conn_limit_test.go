package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
)

// expectTooBig checks that the Conn answered with a 1009 close frame and that its read
// failed with ErrMessageTooBig, completing the closing handshake as the peer.
func expectTooBig(t *testing.T, p *wirePeer, msgs <-chan readResult) {
	t.Helper()
	expectFailure(t, p, msgs, StatusMessageTooBig, ErrMessageTooBig)
}

// TestReadLimitDefault checks the default limit, 1 MiB: a message of exactly 1 MiB, in
// one frame or in many, is read; one byte more fails with 1009 as soon as the header that
// crosses the limit arrives, before its payload.
func TestReadLimitDefault(t *testing.T) {
	rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
		c, p := newWirePair(t, tr, peerIsClient)
		msgs := startReading(c)
		want := binaryPayload(defaultLimitForTest)
		sent := p.sendAsync(p.frame(true, opBinary, want))
		if m := nextMessage(t, msgs); m.err != nil || !bytes.Equal(m.p, want) {
			t.Fatalf("1 MiB message: %d bytes, %v", len(m.p), m.err)
		}
		waitErr(t, "raw write", sent)

		// The same in 1 KiB fragments.
		var stream []byte
		for i := 0; i < len(want); i += 1 << 10 {
			op := opContinuation
			if i == 0 {
				op = opBinary
			}
			stream = append(stream, p.frame(i+1<<10 == len(want), op, want[i:i+1<<10])...)
		}
		sent = p.sendAsync(stream)
		if m := nextMessage(t, msgs); m.err != nil || !bytes.Equal(m.p, want) {
			t.Fatalf("1 MiB message in fragments: %d bytes, %v", len(m.p), m.err)
		}
		waitErr(t, "raw write", sent)

		// One byte more: refused from the header, before the payload, which is sent
		// only once the Conn's close frame has arrived; the Conn skips it to find the
		// peer's close frame.
		hdr, key := p.header(true, opBinary, defaultLimitForTest+1)
		payload := encodeWireFrame(true, opBinary, key, make([]byte, defaultLimitForTest+1))[len(hdr):]
		sent = p.sendAsync(hdr)
		f := p.expectClose()
		if f.closeCode() != StatusMessageTooBig {
			t.Errorf("close code %v, want 1009", f.closeCode())
		}
		waitErr(t, "raw write", sent)
		sent = p.sendAsync(append(payload, p.frame(true, opClose, closePayload(StatusMessageTooBig, ""))...))
		if peerIsClient {
			p.expectEOF()
		} else {
			waitErr(t, "raw write", sent)
		}
		p.close()
		m := nextMessage(t, msgs)
		if !errors.Is(m.err, net.ErrClosed) {
			t.Errorf("Read: %v, want an error wrapping net.ErrClosed", m.err)
		}
		if !errors.Is(m.err, ErrMessageTooBig) {
			t.Errorf("BUG: Read: %v, want an error wrapping ErrMessageTooBig", m.err)
		}
		if peerIsClient {
			waitErr(t, "raw write", sent)
		}
	})
}

// defaultLimitForTest is the documented default read limit.
const defaultLimitForTest = 1 << 20

func TestSetReadLimit(t *testing.T) {
	cases := []struct {
		name   string
		limit  int64
		frames [][]byte // the message's fragments, sent in turn
		ok     bool
	}{
		{"at-limit", 10, [][]byte{make([]byte, 10)}, true},
		{"over-limit", 10, [][]byte{make([]byte, 11)}, false},
		{"fragments-at-limit", 10, [][]byte{make([]byte, 4), make([]byte, 6)}, true},
		{"fragments-over-limit", 10, [][]byte{make([]byte, 4), make([]byte, 4), make([]byte, 3)}, false},
		{"empty-fragments", 0, [][]byte{nil, nil, nil}, true},
		{"zero-restores-default", 0, [][]byte{make([]byte, defaultReadLimit)}, true},
		{"over-default", 0, [][]byte{make([]byte, defaultReadLimit+1)}, false},
		{"unlimited", -1, [][]byte{make([]byte, 3<<20)}, true},
		{"unlimited-fragments", -1, [][]byte{make([]byte, 1<<20), make([]byte, 1<<20), {1}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				c.SetReadLimit(tc.limit)
				msgs := startReading(c)
				var want, stream []byte
				for i, fr := range tc.frames {
					op := opContinuation
					if i == 0 {
						op = opBinary
					}
					stream = append(stream, p.frame(i == len(tc.frames)-1, op, fr)...)
					want = append(want, fr...)
				}
				sent := p.sendAsync(stream)
				if tc.ok {
					if m := nextMessage(t, msgs); m.err != nil || !bytes.Equal(m.p, want) {
						t.Fatalf("got %d bytes, %v; want %d", len(m.p), m.err, len(want))
					}
				} else {
					expectTooBig(t, p, msgs)
				}
				p.close()
				waitErr(t, "raw write", sent)
			})
		})
	}
}

// TestReadLimitControlFrames checks that control frames between fragments do not count
// towards the limit.
func TestReadLimitControlFrames(t *testing.T) {
	c, p := newWirePair(t, viaPipe, true)
	c.SetReadLimit(4)
	msgs := startReading(c)
	p.mustSend(false, opText, []byte("ab"))
	p.mustSend(true, opPing, make([]byte, 125))
	p.next()
	p.mustSend(true, opPong, make([]byte, 125))
	p.mustSend(true, opContinuation, []byte("cd"))
	if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "abcd" {
		t.Errorf("got %q, %v", m.p, m.err)
	}
}

// TestReadLimitOptions checks AcceptOptions.ReadLimit and DialOptions.ReadLimit: the side
// that receives too big a message fails the connection with 1009, and the sender learns it
// from the close frame.
func TestReadLimitOptions(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP, viaHTTP} {
		for _, limited := range []string{"server", "client"} {
			t.Run(fmt.Sprintf("%s/%s", tr, limited), func(t *testing.T) {
				var ao *AcceptOptions
				var do *DialOptions
				if limited == "server" {
					ao = &AcceptOptions{ReadLimit: 100}
				} else {
					do = &DialOptions{ReadLimit: 100}
				}
				srv, cli := newPair(t, tr, ao, do)
				rcv, snd := srv, cli
				if limited == "client" {
					rcv, snd = cli, srv
				}
				rmsgs, smsgs := startReading(rcv), startReading(snd)
				ctx := context.Background()
				if err := snd.Write(ctx, MessageBinary, make([]byte, 100)); err != nil {
					t.Fatal(err)
				}
				if m := nextMessage(t, rmsgs); m.err != nil || len(m.p) != 100 {
					t.Fatalf("message at the limit: %d bytes, %v", len(m.p), m.err)
				}
				// The write itself may fail if the close overtakes it.
				_ = snd.Write(ctx, MessageBinary, make([]byte, 101))
				m := nextMessage(t, rmsgs)
				if !errors.Is(m.err, ErrMessageTooBig) {
					t.Errorf("BUG: receiver's Read: %v, want an error wrapping ErrMessageTooBig", m.err)
				}
				m = nextMessage(t, smsgs)
				if CloseStatus(m.err) != StatusMessageTooBig {
					t.Errorf("sender's Read: %v, want the receiver's close with 1009", m.err)
				}
			})
		}
	}
}

func TestReadLimitOptionUnlimited(t *testing.T) {
	srv, cli := newPair(t, viaPipe, &AcceptOptions{ReadLimit: -1}, &DialOptions{ReadLimit: -1})
	p := binaryPayload(2<<20 + 3)
	sendRecv(t, cli, srv, writeStreamed, readWhole, MessageBinary, p)
	sendRecv(t, srv, cli, writeWhole, readSmall, MessageBinary, p)
}

// TestReadLimitNextMessage checks that a new limit applies from the next message: the
// message being read keeps the limit it started with.
func TestReadLimitNextMessage(t *testing.T) {
	c, p := newWirePair(t, viaPipe, true)
	msgs := make(chan readResult, 4)
	started := make(chan struct{})
	go func() {
		typ, r, err := c.Reader(context.Background())
		if err != nil {
			msgs <- readResult{err: err}
			return
		}
		close(started)
		var b bytes.Buffer
		_, err = b.ReadFrom(r)
		msgs <- readResult{typ, b.Bytes(), err}
		for {
			typ, p, err := c.Read(context.Background())
			msgs <- readResult{typ, p, err}
			if err != nil {
				return
			}
		}
	}()
	p.mustSend(false, opBinary, make([]byte, 300))
	<-started
	c.SetReadLimit(100)
	p.mustSend(true, opContinuation, make([]byte, 300))
	if m := nextMessage(t, msgs); m.err != nil || len(m.p) != 600 {
		t.Fatalf("message started before SetReadLimit: %d bytes, %v", len(m.p), m.err)
	}
	p.mustSend(true, opBinary, make([]byte, 100))
	if m := nextMessage(t, msgs); m.err != nil || len(m.p) != 100 {
		t.Fatalf("message at the new limit: %d bytes, %v", len(m.p), m.err)
	}
	p.send(true, opBinary, make([]byte, 101))
	expectTooBig(t, p, msgs)
}

// TestReadDoesNotTrustLength sends the header of a large message (under the limit) and a
// few bytes of it, then drops the connection: Read must not have allocated the declared
// length.
func TestReadDoesNotTrustLength(t *testing.T) {
	c, p := newWirePair(t, viaPipe, true)
	c.SetReadLimit(-1)
	const declared = 64 << 20
	hdr, key := p.header(true, opBinary, declared)
	stream := append(hdr, encodeWireFrame(true, opBinary, key, make([]byte, 100))[6:]...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msgs := startReading(c)
	p.mustSendRaw(stream)
	p.close()
	m := nextMessage(t, msgs)
	runtime.ReadMemStats(&after)
	if m.err == nil {
		t.Fatalf("read %d bytes of a truncated message", len(m.p))
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > declared/8 {
		t.Errorf("reading 100 bytes of a message declared as %d allocated %d bytes", declared, grown)
	}
}

// TestReadLimitLargeMessage has a peer send a message far over the receiver's limit, larger
// than the sockets' buffers can hold: the receiver fails the connection with 1009 after the
// first frame header, and must read on (discarding) until the sender has finished writing
// and read the close frame. Closing TCP with the rest unread would reset the connection,
// and the sender would see a broken pipe instead of 1009. The message is as large as the
// discard takes (maxAnnouncedDiscard).
func TestReadLimitLargeMessage(t *testing.T) {
	const size = maxAnnouncedDiscard
	for _, tr := range []transport{viaTCP, viaHTTP} {
		for _, limited := range []string{"server", "client"} {
			t.Run(fmt.Sprintf("%s/%s", tr, limited), func(t *testing.T) {
				var ao *AcceptOptions
				var do *DialOptions
				if limited == "server" {
					ao = &AcceptOptions{ReadLimit: 1 << 10}
				} else {
					do = &DialOptions{ReadLimit: 1 << 10}
				}
				srv, cli := newPair(t, tr, ao, do)
				rcv, snd := srv, cli
				if limited == "client" {
					rcv, snd = cli, srv
				}
				rmsgs := startReading(rcv)
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				if err := snd.Write(ctx, MessageBinary, make([]byte, size)); err != nil {
					t.Fatalf("sender's Write of %d bytes: %v, want nil (the receiver drains it)", size, err)
				}
				if m := nextMessage(t, rmsgs); !errors.Is(m.err, ErrMessageTooBig) {
					t.Errorf("receiver's Read: %v, want an error wrapping ErrMessageTooBig", m.err)
				}
				_, _, err := snd.Read(ctx)
				if CloseStatus(err) != StatusMessageTooBig {
					t.Errorf("sender's Read: %v, want the receiver's close with 1009", err)
				}
			})
		}
	}
}
