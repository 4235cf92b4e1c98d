package websocket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// hsTestTimeout bounds every wait in the handshake tests; reaching it is a failure.
const hsTestTimeout = 10 * time.Second

// hsContext returns a context that ends with the test or after hsTestTimeout.
func hsContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), hsTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// hsWait receives from ch within hsTestTimeout.
func hsWait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(hsTestTimeout):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// hsWSURL returns the ws:// URL of an httptest server.
func hsWSURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// hsClientFrame returns a final, masked frame as a client sends it. The masking is done
// here, byte by byte, independently of the package's masker.
func hsClientFrame(op opcode, payload []byte, key uint32) []byte {
	b := appendHeader(nil, header{fin: true, op: op, masked: true, key: key, length: int64(len(payload))})
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], key)
	for i, c := range payload {
		b = append(b, c^k[i%4])
	}
	return b
}

// hsServerFrame returns a final, unmasked frame as a server sends it.
func hsServerFrame(op opcode, payload []byte) []byte {
	b := appendHeader(nil, header{fin: true, op: op, length: int64(len(payload))})
	return append(b, payload...)
}

// hsReadFrame reads one frame and returns its header and unmasked payload.
func hsReadFrame(t *testing.T, r io.Reader) (header, []byte) {
	t.Helper()
	var buf [maxHeaderSize]byte
	h, err := readHeader(r, &buf)
	if err != nil {
		t.Fatalf("read frame header: %v", err)
	}
	p := make([]byte, h.length)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatalf("read frame payload: %v", err)
	}
	if h.masked {
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], h.key)
		for i := range p {
			p[i] ^= k[i%4]
		}
	}
	return h, p
}

// hsPayload returns n bytes of varied printable text.
func hsPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

// hsWireRequest writes r as a client sends it: request line in r.Proto, Host from r.Host
// (none if empty), then r.Header.
func hsWireRequest(r *http.Request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, r.URL.RequestURI(), r.Proto)
	if r.Host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", r.Host)
	}
	_ = r.Header.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// hsOriginRejections are requests refused by the origin check with the default options.
var hsOriginRejections = []hsRejection{
	{"cross origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, http.StatusForbidden},
	{"malformed origin", func(r *http.Request) { r.Header.Set("Origin", "http://[::1") }, http.StatusForbidden},
	{"null origin", func(r *http.Request) { r.Header.Set("Origin", "null") }, http.StatusForbidden},
}

// hsCheckRejection checks an HTTP error response to a refused handshake.
func hsCheckRejection(t *testing.T, status int, header http.Header, body []byte, method string) {
	t.Helper()
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if method != http.MethodHead && (len(body) == 0 || len(body) > 200 || bytes.Count(body, []byte("\n")) > 1) {
		t.Errorf("body %q is not a short plain-text reason", body)
	}
	switch status {
	case http.StatusMethodNotAllowed:
		if got := header.Get("Allow"); got != http.MethodGet {
			t.Errorf("405 with Allow %q, want GET", got)
		}
	case http.StatusUpgradeRequired:
		if got := header.Values("Sec-WebSocket-Version"); !slices.Contains(got, "13") {
			t.Errorf("426 with Sec-WebSocket-Version %q, want 13", got)
		}
	}
}

// hsHandshakeError checks that err is a *HandshakeError with the given status.
func hsHandshakeError(t *testing.T, err error, status int) *HandshakeError {
	t.Helper()
	var herr *HandshakeError
	if !errors.As(err, &herr) {
		t.Fatalf("error %v (%T) is not a *HandshakeError", err, err)
	}
	if herr.Status != status {
		t.Errorf("HandshakeError.Status = %d, want %d (%v)", herr.Status, status, herr)
	}
	if !strings.HasPrefix(err.Error(), "websocket: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
	return herr
}

func TestAcceptRejectsRecorder(t *testing.T) {
	for _, tc := range slices.Concat(hsRejections, hsParsedRejections, hsOriginRejections) {
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			tc.mod(r)
			rec := httptest.NewRecorder()
			c, err := Accept(rec, r, nil)
			if c != nil {
				c.CloseNow()
				t.Fatal("Accept returned a Conn")
			}
			herr := hsHandshakeError(t, err, tc.status)
			if rec.Code != tc.status {
				t.Errorf("response status %d, want %d", rec.Code, tc.status)
			}
			hsCheckRejection(t, rec.Code, rec.Header(), rec.Body.Bytes(), "")
			if got := strings.TrimSpace(rec.Body.String()); got != herr.Reason {
				t.Errorf("body %q, want the reason %q", got, herr.Reason)
			}
		})
	}
}

// hsAcceptServer starts an httptest server whose handler runs Accept with opts and reports
// what it returned on the channel; a Conn is echoed until it fails.
func hsAcceptServer(t *testing.T, opts *AcceptOptions, wrap func(http.ResponseWriter) http.ResponseWriter) (*httptest.Server, <-chan error) {
	errs := make(chan error, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wrap != nil {
			w = wrap(w)
		}
		c, err := Accept(w, r, opts)
		errs <- err
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), hsTestTimeout)
		defer cancel()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, p); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, errs
}

// hsDialRaw connects to addr over TCP with a bounded deadline.
func hsDialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, hsTestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(hsTestTimeout))
	t.Cleanup(func() { nc.Close() })
	return nc
}

func TestAcceptRejectsHTTP(t *testing.T) {
	// net/http answers these itself, before any handler runs.
	handledByNetHTTP := map[string]bool{"missing Host": true, "HTTP/0.9": true}
	srv, errs := hsAcceptServer(t, nil, nil)
	for _, tc := range slices.Concat(hsRejections, hsOriginRejections) {
		if handledByNetHTTP[tc.name] {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			tc.mod(r)
			nc := hsDialRaw(t, srv.Listener.Addr().String())
			if _, err := nc.Write(hsWireRequest(r)); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: r.Method})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (body %q)", resp.StatusCode, tc.status, body)
			}
			hsCheckRejection(t, resp.StatusCode, resp.Header, body, r.Method)
			herr := hsHandshakeError(t, hsWait(t, errs, "Accept"), tc.status)
			if r.Method != http.MethodHead && strings.TrimSpace(string(body)) != herr.Reason {
				t.Errorf("body %q, want the reason %q", body, herr.Reason)
			}
		})
	}
}

func TestAcceptHandshake(t *testing.T) {
	opts := &AcceptOptions{
		Subprotocols:   []string{"chat", "superchat"},
		ResponseHeader: http.Header{"Set-Cookie": {"session=abc; HttpOnly"}, "X-Served-By": {"hayate"}},
	}
	srv, errs := hsAcceptServer(t, opts, nil)
	// Payloads that fit in the server's read buffer with the request, and one that does not.
	for _, n := range []int{0, 5, 125, 3000, 70000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			nc := hsDialRaw(t, srv.Listener.Addr().String())
			const key = "x3JJHMbDL1EzLkh9GBhXDw=="
			req := "GET /chat HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() +
				"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
				"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: superchat, chat\r\n\r\n"
			payload := hsPayload(n)
			// The client's first frame goes out in the same write as the request.
			if _, err := nc.Write(append([]byte(req), hsClientFrame(opBinary, payload, 0x12345678)...)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
			if err != nil {
				t.Fatal(err)
			}
			if err := hsWait(t, errs, "Accept"); err != nil {
				t.Fatalf("Accept: %v", err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			want := map[string]string{
				"Upgrade":                "websocket",
				"Connection":             "Upgrade",
				"Sec-Websocket-Accept":   acceptKey(key),
				"Sec-Websocket-Protocol": "chat", // the server's preference
				"Set-Cookie":             "session=abc; HttpOnly",
				"X-Served-By":            "hayate",
			}
			for name, v := range want {
				if got := resp.Header[name]; len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want %q", name, got, v)
				}
			}
			if ext := resp.Header["Sec-Websocket-Extensions"]; ext != nil {
				t.Errorf("unrequested Sec-WebSocket-Extensions %q", ext)
			}
			// The echo proves that the frame sent with the request reached the Conn.
			h, p := hsReadFrame(t, br)
			if h.op != opBinary || !h.fin || h.masked || !bytes.Equal(p, payload) {
				t.Errorf("echo: %+v with %d bytes, want the %d bytes sent with the request", h, len(p), n)
			}
		})
	}
}

func TestAcceptNoHijack(t *testing.T) {
	rec := httptest.NewRecorder() // does not implement http.Hijacker
	c, err := Accept(rec, hsValidRequest(), nil)
	if c != nil {
		t.Fatal("Accept returned a Conn")
	}
	hsHandshakeError(t, err, http.StatusInternalServerError)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("response status %d, want 500", rec.Code)
	}
}

// hsMiddlewareWriter wraps a ResponseWriter as logging middleware does, exposing the
// original through Unwrap for http.ResponseController.
type hsMiddlewareWriter struct {
	http.ResponseWriter
	status int
}

func (w *hsMiddlewareWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *hsMiddlewareWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// hsOpaqueWriter wraps a ResponseWriter and hides everything else.
type hsOpaqueWriter struct{ http.ResponseWriter }

func TestAcceptWrappedWriter(t *testing.T) {
	t.Run("Unwrap", func(t *testing.T) {
		srv, errs := hsAcceptServer(t, nil, func(w http.ResponseWriter) http.ResponseWriter {
			return &hsMiddlewareWriter{ResponseWriter: &hsMiddlewareWriter{ResponseWriter: w}}
		})
		ctx := hsContext(t)
		c, _, err := Dial(ctx, hsWSURL(srv), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := hsWait(t, errs, "Accept"); err != nil {
			t.Fatalf("Accept through a wrapped writer: %v", err)
		}
		if err := c.Write(ctx, MessageText, []byte("through middleware")); err != nil {
			t.Fatal(err)
		}
		if _, p, err := c.Read(ctx); err != nil || string(p) != "through middleware" {
			t.Errorf("echo = %q, %v", p, err)
		}
	})
	t.Run("no Unwrap", func(t *testing.T) {
		srv, errs := hsAcceptServer(t, nil, func(w http.ResponseWriter) http.ResponseWriter {
			return hsOpaqueWriter{w}
		})
		_, resp, err := Dial(hsContext(t), hsWSURL(srv), nil)
		hsHandshakeError(t, err, http.StatusInternalServerError)
		if resp == nil || resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("response %v, want 500", resp)
		}
		hsHandshakeError(t, hsWait(t, errs, "Accept"), http.StatusInternalServerError)
	})
}

func TestAcceptBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts *AcceptOptions
		mod  func(r *http.Request)
	}{
		{"handshake header in ResponseHeader", &AcceptOptions{ResponseHeader: http.Header{"Sec-Websocket-Accept": {"x"}}}, nil},
		{"CRLF in ResponseHeader", &AcceptOptions{ResponseHeader: http.Header{"Set-Cookie": {"a=1\r\nX-Injected: 1"}}}, nil},
		{"invalid origin pattern", &AcceptOptions{OriginPatterns: []string{"["}}, func(r *http.Request) { r.Header.Set("Origin", "https://other.example") }},
		// Found whatever the request: a same-origin request never reaches the pattern.
		{"invalid origin pattern, same origin", &AcceptOptions{OriginPatterns: []string{"ok.example", "a[b"}}, nil},
		{"bad subprotocol", &AcceptOptions{Subprotocols: []string{"chat v1"}}, nil},
		{"bad DeflateOptions", &AcceptOptions{Deflate: &DeflateOptions{Level: 42}}, nil},
		{"negative PongTimeout", &AcceptOptions{PongTimeout: -time.Second}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			if tc.mod != nil {
				tc.mod(r)
			}
			rec := httptest.NewRecorder()
			c, err := Accept(rec, r, tc.opts)
			if c != nil {
				t.Fatal("Accept returned a Conn")
			}
			var herr *HandshakeError
			if !errors.Is(err, errBadOptions) || errors.As(err, &herr) {
				t.Errorf("error %v (%T): want an options error, not a *HandshakeError", err, err)
			}
			if !strings.Contains(err.Error(), "AcceptOptions.") {
				t.Errorf("error %q does not name the field", err)
			}
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("response status %d, want 500", rec.Code)
			}
			// Checked once: the same options give the same error, from the cache.
			_, err2 := Accept(httptest.NewRecorder(), hsValidRequest(), tc.opts)
			if err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second Accept: %v, want %v", err2, err)
			}
			_, _, err3 := Server(context.Background(), nil, tc.opts)
			if !errors.Is(err3, errBadOptions) {
				t.Errorf("Server with the same options: %v, want the options error", err3)
			}
			if strings.Contains(rec.Body.String(), "X-Injected") || rec.Header().Get("X-Injected") != "" {
				t.Errorf("injected header leaked into the response")
			}
		})
	}
}

func TestAcceptOrigin(t *testing.T) {
	tests := []struct {
		name   string
		opts   *AcceptOptions
		origin string
		ok     bool
	}{
		{"same origin by default", nil, "http://{host}", true},
		{"cross origin refused by default", nil, "https://evil.example", false},
		{"allowed by pattern", &AcceptOptions{OriginPatterns: []string{"*.example.org"}}, "https://app.example.org", true},
		{"not matched by pattern", &AcceptOptions{OriginPatterns: []string{"*.example.org"}}, "https://evil.example", false},
		{"skip check", &AcceptOptions{InsecureSkipOriginCheck: true}, "https://evil.example", true},
		{"skip check, malformed origin", &AcceptOptions{InsecureSkipOriginCheck: true}, "null", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, errs := hsAcceptServer(t, tc.opts, nil)
			origin := strings.ReplaceAll(tc.origin, "{host}", srv.Listener.Addr().String())
			c, resp, err := Dial(hsContext(t), hsWSURL(srv), &DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
			if tc.ok {
				if err != nil {
					t.Fatalf("Dial with Origin %q: %v", origin, err)
				}
				c.CloseNow()
				if err := hsWait(t, errs, "Accept"); err != nil {
					t.Errorf("Accept: %v", err)
				}
				return
			}
			hsHandshakeError(t, err, http.StatusForbidden)
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("response %v, want 403", resp)
			}
			hsHandshakeError(t, hsWait(t, errs, "Accept"), http.StatusForbidden)
		})
	}
}

// hsCloneAcceptOptions returns a deep copy of o.
func hsCloneAcceptOptions(o *AcceptOptions) *AcceptOptions {
	c := *o
	c.Subprotocols = slices.Clone(o.Subprotocols)
	c.OriginPatterns = slices.Clone(o.OriginPatterns)
	c.ResponseHeader = o.ResponseHeader.Clone()
	return &c
}

// hsFullAcceptOptions returns options with every field set to a non-default value.
func hsFullAcceptOptions() *AcceptOptions {
	return &AcceptOptions{
		Subprotocols:     []string{"chat", "superchat"},
		OriginPatterns:   []string{"*.example.org"},
		ResponseHeader:   http.Header{"X-A": {"1"}},
		ReadLimit:        12345,
		HandshakeTimeout: 3 * time.Second,
		MaxHeaderBytes:   8000,
	}
}

func TestAcceptOptionsNotModified(t *testing.T) {
	opts := hsFullAcceptOptions()
	want := hsCloneAcceptOptions(opts)
	srv, errs := hsAcceptServer(t, opts, nil)
	c, _, err := Dial(hsContext(t), hsWSURL(srv), &DialOptions{Subprotocols: []string{"superchat"}})
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	if err := hsWait(t, errs, "Accept"); err != nil {
		t.Fatal(err)
	}
	_, _, err = Dial(hsContext(t), hsWSURL(srv), &DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	hsHandshakeError(t, err, http.StatusForbidden)
	hsWait(t, errs, "Accept")
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("Accept modified its options:\n got %+v\nwant %+v", opts, want)
	}
	if !reflect.DeepEqual(hsFullAcceptOptions(), want) {
		t.Error("test bug: hsCloneAcceptOptions is not a deep copy")
	}
}

// hsConnPair returns the two ends of a connection: client and server.
type hsConnPair func(t *testing.T) (client, server net.Conn)

// hsTransports are the connections Server and Client are tried over.
var hsTransports = []struct {
	name string
	pair hsConnPair
}{
	{"tcp", hsTCPPair},
	{"pipe", hsPipePair},
}

func hsTCPPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			nc = nil
		}
		accepted <- nc
	}()
	client, err := net.DialTimeout("tcp", ln.Addr().String(), hsTestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server := hsWait(t, accepted, "TCP accept")
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

func hsPipePair(t *testing.T) (net.Conn, net.Conn) {
	client, server := net.Pipe()
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

// hsServerResult is what Server returned.
type hsServerResult struct {
	c   *Conn
	r   *http.Request
	err error
}

// hsRunServer runs Server on nc in a goroutine. A Conn it returns is closed when the test
// ends.
func hsRunServer(t *testing.T, ctx context.Context, nc net.Conn, opts *AcceptOptions) <-chan hsServerResult {
	ch := make(chan hsServerResult, 1)
	finished := make(chan struct{})
	var conn *Conn
	go func() {
		c, r, err := Server(ctx, nc, opts)
		conn = c
		close(finished)
		ch <- hsServerResult{c, r, err}
	}()
	t.Cleanup(func() {
		nc.Close()
		select {
		case <-finished:
			if conn != nil {
				conn.CloseNow()
			}
		case <-time.After(hsTestTimeout):
			t.Error("Server did not return")
		}
	})
	return ch
}

// hsWriteAsync writes b to nc in a goroutine (net.Pipe writes block until read).
func hsWriteAsync(nc net.Conn, b []byte) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := nc.Write(b)
		ch <- err
	}()
	return ch
}

// hsReadResponse reads an HTTP response from br within hsTestTimeout.
func hsReadResponse(t *testing.T, nc net.Conn, br *bufio.Reader) *http.Response {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(hsTestTimeout))
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp
}

func TestServerHandshake(t *testing.T) {
	for _, tr := range hsTransports {
		for _, n := range []int{0, 5, 3000, 70000} {
			t.Run(fmt.Sprintf("%s/%d", tr.name, n), func(t *testing.T) {
				client, server := tr.pair(t)
				opts := &AcceptOptions{Subprotocols: []string{"chat"}, ResponseHeader: http.Header{"X-A": {"1"}}}
				res := hsRunServer(t, hsContext(t), server, opts)

				const key = "AQIDBAUGBwgJCgsMDQ4PEA=="
				req := "GET /chat?room=7 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
					"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
				payload := hsPayload(n)
				written := hsWriteAsync(client, append([]byte(req), hsClientFrame(opText, payload, 0xa1b2c3d4)...))

				br := bufio.NewReader(client)
				resp := hsReadResponse(t, client, br)
				if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) ||
					resp.Header.Get("Sec-WebSocket-Protocol") != "chat" || resp.Header.Get("X-A") != "1" {
					t.Fatalf("response %d %v", resp.StatusCode, resp.Header)
				}
				r := hsWait(t, res, "Server")
				if r.err != nil {
					t.Fatalf("Server: %v", r.err)
				}
				if r.r == nil || r.r.URL.Path != "/chat" || r.r.URL.RawQuery != "room=7" || r.r.Host != "example.com" {
					t.Errorf("request %+v", r.r)
				}
				if got := r.c.Subprotocol(); got != "chat" {
					t.Errorf("Subprotocol() = %q", got)
				}
				ctx := hsContext(t)
				typ, p, err := r.c.Read(ctx)
				if err != nil || typ != MessageText || !bytes.Equal(p, payload) {
					t.Fatalf("Read = %v, %d bytes, %v; want the %d bytes sent with the request", typ, len(p), err, n)
				}
				if err := hsWait(t, written, "client write"); err != nil {
					t.Fatal(err)
				}
				replied := make(chan error, 1)
				go func() { replied <- r.c.Write(ctx, MessageBinary, []byte("reply")) }()
				h, p := hsReadFrame(t, br)
				if h.op != opBinary || h.masked || string(p) != "reply" {
					t.Errorf("reply frame %+v %q", h, p)
				}
				if err := hsWait(t, replied, "Conn.Write"); err != nil {
					t.Error(err)
				}
				r.c.CloseNow()
			})
		}
	}
}

// hsCheckServerRejection sends req and checks that Server answers with status.
func hsCheckServerRejection(t *testing.T, pair hsConnPair, opts *AcceptOptions, req []byte, status int, wantRequest bool) *HandshakeError {
	t.Helper()
	client, server := pair(t)
	res := hsRunServer(t, hsContext(t), server, opts)
	hsWriteAsync(client, req)
	resp := hsReadResponse(t, client, bufio.NewReader(client))
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d (body %q)", resp.StatusCode, status, body)
	}
	hsCheckRejection(t, resp.StatusCode, resp.Header, body, "")
	if cl := resp.ContentLength; cl != int64(len(body)) {
		t.Errorf("Content-Length %d, body of %d bytes", cl, len(body))
	}
	r := hsWait(t, res, "Server")
	if r.c != nil {
		t.Fatal("Server returned a Conn")
	}
	herr := hsHandshakeError(t, r.err, status)
	if strings.TrimSpace(string(body)) != herr.Reason {
		t.Errorf("body %q, want the reason %q", body, herr.Reason)
	}
	if wantRequest != (r.r != nil) {
		t.Errorf("Server returned request %v; want one: %v", r.r, wantRequest)
	}
	return herr
}

func TestServerRejects(t *testing.T) {
	for _, tr := range hsTransports {
		for _, tc := range slices.Concat(hsRejections, hsOriginRejections) {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				r := hsValidRequest()
				tc.mod(r)
				hsCheckServerRejection(t, tr.pair, nil, hsWireRequest(r), tc.status, true)
			})
		}
	}
}

func TestServerMalformedRequest(t *testing.T) {
	big := func(n int) []byte {
		r := hsValidRequest()
		r.Header.Set("X-Big", strings.Repeat("b", n))
		return hsWireRequest(r)
	}
	tests := []struct {
		name   string
		opts   *AcceptOptions
		req    []byte
		status int
	}{
		{"garbage", nil, []byte("\x00\x01\x02 garbage\r\n\r\n"), http.StatusBadRequest},
		{"no version", nil, []byte("GET /\r\n\r\n"), http.StatusBadRequest},
		{"bad header line", nil, []byte("GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n"), http.StatusBadRequest},
		{"TLS to plain server", nil, []byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"), http.StatusBadRequest},
		{"header over MaxHeaderBytes", &AcceptOptions{MaxHeaderBytes: 1024}, big(4096), http.StatusRequestHeaderFieldsTooLarge},
		{"header over the default 32 KiB", nil, big(40 << 10), http.StatusRequestHeaderFieldsTooLarge},
		{"one line over MaxHeaderBytes", &AcceptOptions{MaxHeaderBytes: 512}, []byte("GET /" + strings.Repeat("a", 2000) + " HTTP/1.1\r\n\r\n"), http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tr := range hsTransports {
		for _, tc := range tests {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				hsCheckServerRejection(t, tr.pair, tc.opts, tc.req, tc.status, false)
			})
		}
	}
}

func TestServerHeaderSizeLimit(t *testing.T) {
	// Within the limit, with room to spare, a large request is accepted.
	for _, tr := range hsTransports {
		t.Run(tr.name, func(t *testing.T) {
			client, server := tr.pair(t)
			r := hsValidRequest()
			r.Header.Set("Cookie", strings.Repeat("c", 16<<10))
			res := hsRunServer(t, hsContext(t), server, &AcceptOptions{MaxHeaderBytes: 20 << 10})
			hsWriteAsync(client, hsWireRequest(r))
			if resp := hsReadResponse(t, client, bufio.NewReader(client)); resp.StatusCode != 101 {
				t.Errorf("status %d, want 101", resp.StatusCode)
			}
			if got := hsWait(t, res, "Server"); got.err != nil {
				t.Errorf("Server: %v", got.err)
			}
		})
	}
}

func TestServerHandshakeTimeout(t *testing.T) {
	for _, tr := range hsTransports {
		// The deadline may fall in the middle of a line: what came of it must not be
		// taken for a malformed request (and answered with 400) rather than a timeout.
		for _, partial := range []string{"", "GET /chat HTTP/1.1\r\nHost: example.com\r\n",
			"GET /chat HTTP/1.1\r\nHost: example.com\r\nX-Sl", "GET /ch"} {
			t.Run(fmt.Sprintf("%s/%q", tr.name, partial), func(t *testing.T) {
				client, server := tr.pair(t)
				res := hsRunServer(t, context.Background(), server, &AcceptOptions{HandshakeTimeout: 100 * time.Millisecond})
				if partial != "" {
					if err := hsWait(t, hsWriteAsync(client, []byte(partial)), "client write"); err != nil {
						t.Fatal(err)
					}
				}
				r := hsWait(t, res, "Server to time out")
				if r.c != nil {
					t.Fatal("Server returned a Conn")
				}
				hsHandshakeError(t, r.err, 0)
				if !errors.Is(r.err, os.ErrDeadlineExceeded) {
					t.Errorf("error %v does not wrap os.ErrDeadlineExceeded", r.err)
				}
			})
		}
	}
}

func TestServerContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		cancel  bool // cancel once the partial request has been written
		wantErr error
	}{
		{"cancelled while reading", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, true, context.Canceled},
		{"deadline while reading", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, false, context.DeadlineExceeded},
	}
	for _, tr := range hsTransports {
		for _, tc := range tests {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				client, server := tr.pair(t)
				ctx, cancel := tc.ctx()
				defer cancel()
				res := hsRunServer(t, ctx, server, &AcceptOptions{HandshakeTimeout: time.Minute})
				if err := hsWait(t, hsWriteAsync(client, []byte("GET / HTTP/1.1\r\n")), "client write"); err != nil {
					t.Fatal(err)
				}
				if tc.cancel {
					cancel()
				}
				r := hsWait(t, res, "Server to return")
				if r.c != nil {
					t.Fatal("Server returned a Conn")
				}
				hsHandshakeError(t, r.err, 0)
				if !errors.Is(r.err, tc.wantErr) {
					t.Errorf("error %v does not wrap %v", r.err, tc.wantErr)
				}
			})
		}
	}
	// A context cancelled before the call: a complete, valid request must not yield a Conn.
	for _, tr := range hsTransports {
		t.Run(tr.name+"/cancelled before", func(t *testing.T) {
			client, server := tr.pair(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			go func() { // read whatever Server writes so that a pipe does not block it
				_, _ = io.Copy(io.Discard, client)
			}()
			hsWriteAsync(client, hsWireRequest(hsValidRequest()))
			r := hsWait(t, hsRunServer(t, ctx, server, nil), "Server to return")
			if r.c != nil {
				t.Fatal("Server returned a Conn for a cancelled context")
			}
			if !errors.Is(r.err, context.Canceled) {
				t.Errorf("error %v does not wrap context.Canceled", r.err)
			}
		})
	}
}

func TestServerOptionsNotModified(t *testing.T) {
	opts := hsFullAcceptOptions()
	want := hsCloneAcceptOptions(opts)
	for _, tr := range hsTransports {
		t.Run(tr.name, func(t *testing.T) {
			// Accepted.
			client, server := tr.pair(t)
			res := hsRunServer(t, hsContext(t), server, opts)
			r := hsValidRequest()
			r.Header.Set("Sec-WebSocket-Protocol", "superchat")
			hsWriteAsync(client, hsWireRequest(r))
			if resp := hsReadResponse(t, client, bufio.NewReader(client)); resp.StatusCode != 101 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := hsWait(t, res, "Server"); got.err != nil {
				t.Fatal(got.err)
			}
			// Refused.
			r.Header.Set("Origin", "https://evil.example")
			hsCheckServerRejection(t, tr.pair, opts, hsWireRequest(r), http.StatusForbidden, true)
			if !reflect.DeepEqual(opts, want) {
				t.Errorf("Server modified its options:\n got %+v\nwant %+v", opts, want)
			}
		})
	}
}

func TestServerBadOptions(t *testing.T) {
	opts := &AcceptOptions{ResponseHeader: http.Header{"Connection": {"close"}}}
	header := maps.Clone(opts.ResponseHeader)
	for _, tr := range hsTransports {
		t.Run(tr.name, func(t *testing.T) {
			client, server := tr.pair(t)
			res := hsRunServer(t, hsContext(t), server, opts)
			hsWriteAsync(client, hsWireRequest(hsValidRequest()))
			resp := hsReadResponse(t, client, bufio.NewReader(client))
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("status %d, want 500", resp.StatusCode)
			}
			r := hsWait(t, res, "Server")
			if r.c != nil || r.r != nil {
				t.Fatal("Server returned a Conn or a request")
			}
			var herr *HandshakeError
			if !errors.Is(r.err, errBadOptions) || errors.As(r.err, &herr) {
				t.Errorf("error %v (%T): want an options error, not a *HandshakeError", r.err, r.err)
			}
		})
	}
	if !reflect.DeepEqual(opts.ResponseHeader, header) {
		t.Errorf("ResponseHeader modified: %v", opts.ResponseHeader)
	}
}

// TestServerContextDeadlineError checks that a handshake ended by ctx's deadline reports
// context.DeadlineExceeded, every time.
func TestServerContextDeadlineError(t *testing.T) {
	for _, tr := range hsTransports {
		t.Run(tr.name, func(t *testing.T) {
			for i := range 10 {
				client, server := tr.pair(t)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				r := hsWait(t, hsRunServer(t, ctx, server, nil), "Server to return")
				cancel()
				client.Close()
				if !errors.Is(r.err, context.DeadlineExceeded) {
					t.Fatalf("try %d: error %v does not wrap context.DeadlineExceeded", i, r.err)
				}
			}
		})
	}
}
