package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hayate-ws/websocket/internal/deflate"
)

// prepCompression lists the compression setups a prepared message must work under.
var prepCompression = []struct {
	name  string
	aopts *AcceptOptions
	dopts *DialOptions
	// shared reports whether connections of this setup share one compressed form in
	// both directions (no context takeover either way).
	shared bool
}{
	{"off", nil, nil, false},
	{"takeover", &AcceptOptions{Deflate: &DeflateOptions{}}, &DialOptions{Deflate: &DeflateOptions{}}, false},
	{"no-takeover", &AcceptOptions{Deflate: &DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		&DialOptions{Deflate: &DeflateOptions{}}, true},
	{"no-takeover-level9-bits10", &AcceptOptions{Deflate: &DeflateOptions{Level: 9, ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10}},
		&DialOptions{Deflate: &DeflateOptions{Level: 9}}, true},
}

func TestPreparedMessageRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 127, 128, 1000, 16 << 10, 70 << 10, 300 << 10}
	for _, cz := range prepCompression {
		for _, tr := range []transport{viaPipe, viaTCP, viaHTTP} {
			t.Run(cz.name+"/"+string(tr), func(t *testing.T) {
				srv, cl := newPair(t, tr, cz.aopts, cz.dopts)
				for _, n := range sizes {
					for _, typ := range []MessageType{MessageText, MessageBinary} {
						p := textPayload(n)
						pm, err := NewPreparedMessage(typ, p)
						if err != nil {
							t.Fatal(err)
						}
						if pm.Len() != n || pm.Type() != typ {
							t.Fatalf("Len %d Type %v, want %d %v", pm.Len(), pm.Type(), n, typ)
						}
						// The same message both ways, twice, so that a form made for one
						// connection serves the next write.
						for range 2 {
							sendRecvPrepared(t, srv, cl, pm, p)
							sendRecvPrepared(t, cl, srv, pm, p)
						}
					}
				}
			})
		}
	}
}

// sendRecvPrepared writes pm from one Conn and checks that the other reads p.
func sendRecvPrepared(t *testing.T, from, to *Conn, pm *PreparedMessage, p []byte) {
	t.Helper()
	werr := goErr(func() error { return from.WritePrepared(context.Background(), pm) })
	res := nextMessage(t, readOne(to))
	if err := waitErr(t, "WritePrepared", werr); err != nil {
		t.Fatalf("WritePrepared of %d bytes: %v", len(p), err)
	}
	if res.err != nil {
		t.Fatalf("read: %v", res.err)
	}
	if res.typ != pm.Type() || !bytes.Equal(res.p, p) {
		t.Fatalf("got %v of %d bytes, want %v of %d (first difference at %d)", res.typ, len(res.p), pm.Type(), len(p), firstDiff(res.p, p))
	}
}

// readOne reads one message from c in the background.
func readOne(c *Conn) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		typ, p, err := c.Read(context.Background())
		ch <- readResult{typ, p, err}
	}()
	return ch
}

// TestPreparedMessageSharedForms checks that connections without context takeover share
// one compressed form per level and window, and that the payload is compressed on the
// wire, while connections under takeover compress for themselves.
func TestPreparedMessageSharedForms(t *testing.T) {
	p := bytes.Repeat([]byte("a broadcast to many connections; "), 100)
	for _, cz := range prepCompression[1:] {
		t.Run(cz.name, func(t *testing.T) {
			pm, err := NewPreparedMessage(MessageText, p)
			if err != nil {
				t.Fatal(err)
			}
			const conns = 3
			for range conns {
				srv, cl := newPair(t, viaTCP, cz.aopts, cz.dopts)
				before := srv.Stats().WireBytesWritten
				sendRecvPrepared(t, srv, cl, pm, p)
				wire := srv.Stats().WireBytesWritten - before
				if wire >= int64(len(p))/4 {
					t.Errorf("%d bytes on the wire for %d of repetitive text: not compressed", wire, len(p))
				}
				if st := srv.Stats(); st.MessagesWritten != 1 || st.BytesWritten != int64(len(p)) {
					t.Errorf("Stats: %d messages, %d bytes; want 1, %d", st.MessagesWritten, st.BytesWritten, len(p))
				}
			}
			forms := 0
			for f := pm.deflated.Load(); f != nil; f = f.next {
				forms++
			}
			want := 0
			if cz.shared {
				want = 1
			}
			if forms != want {
				t.Errorf("%d compressed forms after %d connections, want %d", forms, conns, want)
			}
		})
	}
}

// TestPreparedMessageForms checks that one message serves setups of different levels
// and windows, each with its own form.
func TestPreparedMessageForms(t *testing.T) {
	p := bytes.Repeat([]byte("abcdefgh"), 1000)
	pm, err := NewPreparedMessage(MessageBinary, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, cz := range prepCompression {
		if !cz.shared {
			continue
		}
		srv, cl := newPair(t, viaPipe, cz.aopts, cz.dopts)
		sendRecvPrepared(t, srv, cl, pm, p)
		sendRecvPrepared(t, cl, srv, pm, p)
	}
	var got []string
	for f := pm.deflated.Load(); f != nil; f = f.next {
		got = append(got, fmt.Sprintf("%d/%d", f.level, f.bits))
	}
	// Newest first: level 9 with a 2^10 window for the second server, level 9 and 15
	// bits for its client, the default level and 15 bits for the first pair.
	want := fmt.Sprint([]string{"9/15", "9/10", fmt.Sprintf("%d/15", deflate.DefaultLevel)})
	if fmt.Sprint(got) != want {
		t.Errorf("forms %v, want %v", got, want)
	}
}

func TestPreparedMessageInvalid(t *testing.T) {
	if _, err := NewPreparedMessage(MessageType(8), []byte("x")); !errors.Is(err, errInvalidMessageType) {
		t.Errorf("type 8: %v", err)
	}
	if _, err := NewPreparedMessage(MessageText, []byte{0xff, 'a'}); err == nil {
		t.Error("invalid UTF-8 accepted as text")
	}
	if _, err := NewPreparedMessage(MessageBinary, []byte{0xff, 'a'}); err != nil {
		t.Errorf("binary refused: %v", err)
	}
}

// TestPreparedMessageCopies checks that the message does not share the caller's buffer.
func TestPreparedMessageCopies(t *testing.T) {
	p := []byte("original")
	pm, err := NewPreparedMessage(MessageBinary, p)
	if err != nil {
		t.Fatal(err)
	}
	copy(p, "changed!")
	srv, cl := newPair(t, viaPipe, nil, nil)
	sendRecvPrepared(t, srv, cl, pm, []byte("original"))
}

func TestWritePreparedClosed(t *testing.T) {
	srv, _ := newPair(t, viaPipe, nil, nil)
	pm, _ := NewPreparedMessage(MessageBinary, []byte("x"))
	srv.CloseNow()
	if err := srv.WritePrepared(context.Background(), pm); err == nil {
		t.Error("WritePrepared on a closed connection succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv2, _ := newPair(t, viaPipe, nil, nil)
	if err := srv2.WritePrepared(ctx, pm); !errors.Is(err, context.Canceled) {
		t.Errorf("WritePrepared with a cancelled context: %v", err)
	}
}
