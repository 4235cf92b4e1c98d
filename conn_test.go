package websocket

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// This file holds what the Conn tests share: pairs of Conns over net.Pipe and over real
// TCP, readers in the background and payloads. The raw peer, which judges a Conn against
// bytes rather than against itself, is in conn_wire_test.go.

// Bounds on waiting. Everything a test expects to happen must happen within waitTimeout
// (generous, for -race on a loaded machine); a test that checks that something does NOT
// happen watches for quietPeriod.
const (
	waitTimeout = 10 * time.Second
	quietPeriod = 100 * time.Millisecond
)

// transport is the kind of connection a pair of Conns runs over.
type transport string

const (
	viaPipe      transport = "pipe"      // net.Pipe: synchronous, no buffering
	viaShortPipe transport = "shortpipe" // net.Pipe whose reads return a few bytes at a time
	viaTCP       transport = "tcp"       // Server on a 127.0.0.1 listener, Dial
	viaHTTP      transport = "http"      // httptest.Server with Accept, Dial
)

var allTransports = []transport{viaPipe, viaShortPipe, viaTCP, viaHTTP}

// shortReadConn cuts every Read to a few bytes, cycling through shortReadSizes, so
// that frame headers and payloads arrive in pieces.
type shortReadConn struct {
	net.Conn
	i atomic.Uint32
}

var shortReadSizes = [...]int{1, 2, 3, 5, 8, 13, 21, 100, 700, 1500}

func (c *shortReadConn) Read(p []byte) (int, error) {
	n := shortReadSizes[int(c.i.Add(1))%len(shortReadSizes)]
	if len(p) > n {
		p = p[:n]
	}
	return c.Conn.Read(p)
}

type connResult struct {
	c   *Conn
	err error
}

// newPair returns a server and a client Conn connected over tr, made with the given
// options. Both are closed at the end of the test.
func newPair(t testing.TB, tr transport, aopts *AcceptOptions, dopts *DialOptions) (server, client *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	srvc := make(chan connResult, 2)
	var (
		cc   *Conn
		cerr error
	)
	switch tr {
	case viaPipe, viaShortPipe:
		a, b := net.Pipe()
		if tr == viaShortPipe {
			a, b = &shortReadConn{Conn: a}, &shortReadConn{Conn: b}
		}
		go func() {
			c, _, err := Server(ctx, a, aopts)
			if err != nil {
				a.Close()
			}
			srvc <- connResult{c, err}
		}()
		cc, _, cerr = Client(ctx, b, "ws://example/", dopts)
		if cerr != nil {
			b.Close()
		}
	case viaTCP:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				srvc <- connResult{nil, err}
				return
			}
			c, _, err := Server(ctx, nc, aopts)
			if err != nil {
				nc.Close()
			}
			srvc <- connResult{c, err}
		}()
		cc, _, cerr = Dial(ctx, "ws://"+ln.Addr().String()+"/", dopts)
		if cerr != nil {
			ln.Close() // unblocks Accept
		}
	case viaHTTP:
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := Accept(w, r, aopts)
			srvc <- connResult{c, err}
		}))
		defer srv.Close()
		cc, _, cerr = Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", dopts)
		if cerr != nil {
			srvc <- connResult{nil, cerr} // the handler may not have run
		}
	default:
		t.Fatalf("unknown transport %q", tr)
	}
	sr := <-srvc
	if cc != nil {
		t.Cleanup(func() { cc.CloseNow() })
	}
	if sr.c != nil {
		t.Cleanup(func() { sr.c.CloseNow() })
	}
	if cerr != nil || sr.err != nil {
		t.Fatalf("handshake over %s: client: %v; server: %v", tr, cerr, sr.err)
	}
	return sr.c, cc
}

// ---- reading in the background ----

type readResult struct {
	typ MessageType
	p   []byte
	err error
}

// startReading reads messages from c in a goroutine until an error, which is the last result
// sent. The channel is buffered for a few messages.
func startReading(c *Conn) <-chan readResult {
	ch := make(chan readResult, 16)
	go func() {
		for {
			typ, p, err := c.Read(context.Background())
			ch <- readResult{typ, p, err}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// nextMessage waits for the next result of startReading.
func nextMessage(t testing.TB, ch <-chan readResult) readResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitTimeout):
		t.Fatalf("no message or error within %v", waitTimeout)
		return readResult{}
	}
}

// waitErr waits for an error (or nil) on ch.
func waitErr(t testing.TB, what string, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("%s did not return within %v", what, waitTimeout)
		return nil
	}
}

// goErr runs f in a goroutine and returns a channel for its result.
func goErr(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// ---- payloads ----

// textPayload returns n bytes of valid UTF-8 with characters of every length, so that
// fragment and read boundaries fall inside characters.
func textPayload(n int) []byte {
	const pattern = "hayate はやて ✓ 🌊 ĥéllö wörld — "
	b := make([]byte, 0, n+len(pattern))
	for len(b) < n {
		b = append(b, pattern...)
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return b
}

// binaryPayload returns n pseudo-random bytes, the same for the same n.
func binaryPayload(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func payloadFor(typ MessageType, n int) []byte {
	if typ == MessageText {
		return textPayload(n)
	}
	return binaryPayload(n)
}

// ---- basics ----

func TestMessageTypeString(t *testing.T) {
	for _, tc := range []struct {
		typ  MessageType
		want string
	}{
		{MessageText, "text"},
		{MessageBinary, "binary"},
		{MessageType(9), "MessageType(9)"},
	} {
		if got := tc.typ.String(); got != tc.want {
			t.Errorf("MessageType(%d).String() = %q, want %q", int(tc.typ), got, tc.want)
		}
	}
}

func TestConnAddrsAndSubprotocol(t *testing.T) {
	srv, cli := newPair(t, viaTCP, &AcceptOptions{Subprotocols: []string{"chat.v2", "chat.v1"}},
		&DialOptions{Subprotocols: []string{"chat.v1", "chat.v2"}})
	if srv.Subprotocol() != "chat.v2" || cli.Subprotocol() != "chat.v2" {
		t.Errorf("Subprotocol: server %q, client %q, want chat.v2", srv.Subprotocol(), cli.Subprotocol())
	}
	if srv.LocalAddr().String() != cli.RemoteAddr().String() || srv.RemoteAddr().String() != cli.LocalAddr().String() {
		t.Errorf("addresses do not match: server %v-%v, client %v-%v",
			srv.LocalAddr(), srv.RemoteAddr(), cli.LocalAddr(), cli.RemoteAddr())
	}
	if !strings.HasPrefix(srv.LocalAddr().String(), "127.0.0.1:") {
		t.Errorf("server LocalAddr %v, want 127.0.0.1", srv.LocalAddr())
	}
}

func TestInvalidMessageType(t *testing.T) {
	srv, _ := newPair(t, viaPipe, nil, nil)
	for _, typ := range []MessageType{0, 3, 8, 9, -1} {
		if err := srv.Write(context.Background(), typ, []byte("x")); err == nil {
			t.Errorf("Write with %v: no error", typ)
		}
		if w, err := srv.Writer(context.Background(), typ); err == nil {
			w.Close()
			t.Errorf("Writer with %v: no error", typ)
		}
	}
}
