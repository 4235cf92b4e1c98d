package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hayate-ws/websocket"
)

// startServer runs the echo handler under httptest on 127.0.0.1 and returns its ws://
// URL and a channel with the close code of each WebSocket connection the server saw end.
func startServer(t *testing.T) (*echoServer, *httptest.Server, string, <-chan websocket.StatusCode) {
	t.Helper()
	es := newEchoServer(t.Logf)
	codes := make(chan websocket.StatusCode, 16)
	es.closed = func(code websocket.StatusCode) { codes <- code }
	srv := httptest.NewServer(es.routes())
	t.Cleanup(srv.Close)
	return es, srv, "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws", codes
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantCode(t *testing.T, codes <-chan websocket.StatusCode, want websocket.StatusCode) {
	t.Helper()
	select {
	case got := <-codes:
		if got != want {
			t.Errorf("server saw close code %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("server saw no close, want %v", want)
	}
}

func TestPage(t *testing.T) {
	_, srv, _, _ := startServer(t)
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, want := range []string{"<script>", "new WebSocket(", `"/ws"`, "ev.code"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"src=", "href="} { // self-contained: no external assets
		if bytes.Contains(body, []byte(bad)) {
			t.Errorf("page refers to another resource (%q)", bad)
		}
	}

	resp, err = http.Get(srv.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("GET /ws without upgrade = %s, want 426", resp.Status)
	}
}

func TestSendOne(t *testing.T) {
	_, _, url, codes := startServer(t)
	var out bytes.Buffer
	if err := sendOne(ctxTimeout(t), url, "hello, 世界", &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "hello, 世界\n" {
		t.Errorf("printed %q", got)
	}
	wantCode(t, codes, websocket.StatusNormalClosure)
}

func TestInteractive(t *testing.T) {
	_, _, url, codes := startServer(t)
	in := "one\n\nthree\n" + strings.Repeat("x", 100_000) + "\n"
	var out bytes.Buffer
	if err := interactive(ctxTimeout(t), url, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != in {
		t.Errorf("printed %.40q…, want every line echoed in order", got)
	}
	wantCode(t, codes, websocket.StatusNormalClosure)
}

func TestRoundTrip(t *testing.T) {
	_, _, url, codes := startServer(t)
	ctx := ctxTimeout(t)
	c, err := dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tests := []struct {
		name string
		typ  websocket.MessageType
		p    []byte
	}{
		{"text", websocket.MessageText, []byte("hello")},
		{"empty text", websocket.MessageText, []byte{}},
		{"binary", websocket.MessageBinary, []byte{0, 1, 2, 0xff}},
		{"1 MiB binary", websocket.MessageBinary, big},
		{"1 MiB text", websocket.MessageText, bytes.Repeat([]byte("ab"), 1<<19)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, b, err := roundTrip(ctx, c, tt.typ, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.typ || !bytes.Equal(b, tt.p) {
				t.Errorf("echo is %v of %d bytes, want %v of %d bytes", typ, len(b), tt.typ, len(tt.p))
			}
		})
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, codes, websocket.StatusNormalClosure)
}

func TestTooBig(t *testing.T) {
	_, _, url, codes := startServer(t)
	ctx := ctxTimeout(t)
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageBinary, make([]byte, readLimit+1)); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Errorf("read after a message over the limit: %v, want close code 1009", err)
	}
	// The server failed the connection itself: the 1009 is its own, and it reads nothing
	// more (not the client's echo of it), so it has no peer close code to report.
	wantCode(t, codes, -1)
}

func TestShutdown(t *testing.T) {
	es, _, url, codes := startServer(t)
	ctx := ctxTimeout(t)
	c, err := dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := roundTrip(ctx, c, websocket.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background())
		readErr <- err
	}()
	if err := es.closeAll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("client read: %v, want close code 1001", err)
	}
	wantCode(t, codes, websocket.StatusGoingAway)

	// After shutdown has begun, new connections are closed at once with 1001.
	c2, err := dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	if _, _, err := c2.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("read on a connection made during shutdown: %v, want close code 1001", err)
	}
}
