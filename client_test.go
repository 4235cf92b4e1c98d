package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hsRawServer listens on 127.0.0.1 and, for each connection, reads the request and calls
// respond, which writes whatever it likes. Connections stay open until the test ends.
func hsRawServer(t *testing.T, respond func(nc net.Conn, r *http.Request)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() {
				_ = nc.SetDeadline(time.Now().Add(hsTestTimeout))
				r, err := http.ReadRequest(bufio.NewReader(nc))
				if err != nil {
					return
				}
				respond(nc, r)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// hsRespond101 returns a valid 101 response to r, with extra header lines.
func hsRespond101(r *http.Request, lines ...string) []byte {
	s := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	for _, l := range lines {
		s += l + "\r\n"
	}
	return []byte(s + "\r\n")
}

// hsEchoServer starts an httptest server that accepts with opts, sends each request it
// sees on the returned channel and echoes messages.
func hsEchoServer(t *testing.T, opts *AcceptOptions) (*httptest.Server, <-chan *http.Request) {
	seen := make(chan *http.Request, 16)
	srv := httptest.NewServer(hsEchoHandler(opts, seen))
	t.Cleanup(srv.Close)
	return srv, seen
}

func hsEchoHandler(opts *AcceptOptions, seen chan<- *http.Request) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen <- r
		}
		c, err := Accept(w, r, opts)
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
	})
}

// hsEcho sends msg on c and checks that it comes back.
func hsEcho(t *testing.T, ctx context.Context, c *Conn, msg string) {
	t.Helper()
	if err := c.Write(ctx, MessageText, []byte(msg)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	typ, p, err := c.Read(ctx)
	if err != nil || typ != MessageText || string(p) != msg {
		t.Fatalf("echo = %v %q, %v; want %q", typ, p, err, msg)
	}
}

func TestDialSubprotocol(t *testing.T) {
	srv, _ := hsEchoServer(t, &AcceptOptions{Subprotocols: []string{"b", "a"}})
	tests := []struct {
		offered []string
		want    string
	}{
		{[]string{"a", "b"}, "b"}, // the server's preference
		{[]string{"a"}, "a"},
		{[]string{"c"}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.offered), func(t *testing.T) {
			ctx := hsContext(t)
			c, resp, err := Dial(ctx, hsWSURL(srv), &DialOptions{Subprotocols: tc.offered})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if got := c.Subprotocol(); got != tc.want {
				t.Errorf("Subprotocol() = %q, want %q", got, tc.want)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != tc.want {
				t.Errorf("response %d with subprotocol %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"))
			}
			hsEcho(t, ctx, c, "hello")
		})
	}
}

func TestDialHeaders(t *testing.T) {
	srv, seen := hsEchoServer(t, nil)
	opts := &DialOptions{HTTPHeader: http.Header{
		"Authorization": {"Bearer s3cret"},
		"Cookie":        {"session=1; theme=dark"},
		"Origin":        {srv.URL}, // same origin: passes the default check
		"User-Agent":    {"hayate-test/1"},
		"X-Multi":       {"a", "b"},
	}}
	ctx := hsContext(t)
	c, _, err := Dial(ctx, hsWSURL(srv)+"/path?q=1", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	r := hsWait(t, seen, "request")
	for name, want := range opts.HTTPHeader {
		if got := r.Header[name]; !slices.Equal(got, want) {
			t.Errorf("server saw %s = %q, want %q", name, got, want)
		}
	}
	if r.URL.Path != "/path" || r.URL.RawQuery != "q=1" {
		t.Errorf("server saw URL %q", r.URL)
	}
	if r.Host != srv.Listener.Addr().String() {
		t.Errorf("server saw Host %q, want %q", r.Host, srv.Listener.Addr())
	}
	hsEcho(t, ctx, c, "headers")
}

func TestDialHostOverride(t *testing.T) {
	srv, seen := hsEchoServer(t, nil)
	ctx := hsContext(t)
	c, _, err := Dial(ctx, hsWSURL(srv), &DialOptions{Host: "chat.example:8443"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	r := hsWait(t, seen, "request")
	if r.Host != "chat.example:8443" {
		t.Errorf("server saw Host %q, want the override", r.Host)
	}
	if got := r.Header.Values("Host"); len(got) != 0 {
		t.Errorf("Host appears among the headers too: %q", got)
	}
	hsEcho(t, ctx, c, "host")
}

// TestDialHTTPHeaderHost checks that a Host header among HTTPHeader does not produce a
// request that servers refuse: it must be refused by Dial or sent as the only Host.
func TestDialHTTPHeaderHost(t *testing.T) {
	srv, seen := hsEchoServer(t, nil)
	c, resp, err := Dial(hsContext(t), hsWSURL(srv), &DialOptions{HTTPHeader: http.Header{"Host": {"other.example"}}})
	if err != nil {
		if errors.Is(err, errBadOptions) && strings.Contains(err.Error(), "HTTPHeader") {
			return // refused before sending: fine
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("Dial sent a request the server refused with %d: %v", status, err)
	}
	defer c.CloseNow()
	if r := hsWait(t, seen, "request"); r.Host != "other.example" {
		t.Errorf("server saw Host %q", r.Host)
	}
}

func TestDialRefused(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 300) // 4800 bytes
	tests := []struct {
		name    string
		status  int
		body    []byte
		headers map[string]string
	}{
		{"403 with a long body", http.StatusForbidden, big, nil},
		{"403 with a long chunked body", http.StatusForbidden, big, map[string]string{"Transfer-Encoding": "chunked"}},
		{"401 short body", http.StatusUnauthorized, []byte("log in first\n"), map[string]string{"WWW-Authenticate": "Bearer"}},
		{"404 empty", http.StatusNotFound, nil, nil},
		{"200 not a WebSocket endpoint", http.StatusOK, []byte("<html>hello</html>"), nil},
		{"503", http.StatusServiceUnavailable, []byte("busy"), map[string]string{"Retry-After": "5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.headers {
					if k != "Transfer-Encoding" {
						w.Header().Set(k, v)
					}
				}
				w.WriteHeader(tc.status)
				if tc.headers["Transfer-Encoding"] == "chunked" {
					for chunk := range slices.Chunk(tc.body, 500) {
						w.Write(chunk)
						w.(http.Flusher).Flush()
					}
					return
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			c, resp, err := Dial(hsContext(t), hsWSURL(srv), nil)
			if c != nil {
				c.CloseNow()
				t.Fatal("Dial returned a Conn")
			}
			hsHandshakeError(t, err, tc.status)
			if resp == nil {
				t.Fatal("no response")
			}
			if resp.StatusCode != tc.status {
				t.Errorf("response status %d", resp.StatusCode)
			}
			for k, v := range tc.headers {
				if k != "Transfer-Encoding" && resp.Header.Get(k) != v {
					t.Errorf("response header %s = %q, want %q", k, resp.Header.Get(k), v)
				}
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if len(body) > 1024 {
				t.Errorf("body holds %d bytes, want at most 1 KiB", len(body))
			}
			want := tc.body[:min(len(tc.body), 1024)]
			if tc.headers["Transfer-Encoding"] == "chunked" {
				// Chunk framing may cost some of the budget, but what is there is the start.
				if !bytes.HasPrefix(tc.body, body) || len(body) == 0 {
					t.Errorf("body = %.40q… (%d bytes), want a prefix of what was sent", body, len(body))
				}
			} else if !bytes.Equal(body, want) {
				t.Errorf("body = %.40q… (%d bytes), want the first %d bytes", body, len(body), len(want))
			}
			if err := resp.Body.Close(); err != nil {
				t.Errorf("Body.Close: %v", err)
			}
		})
	}
}

func TestDialBadResponse(t *testing.T) {
	tests := []struct {
		name    string
		offered []string
		respond func(r *http.Request) []byte
		status  int
	}{
		{"wrong accept", nil, func(r *http.Request) []byte {
			return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + rfcAccept + "\r\n\r\n")
		}, 101},
		{"accept of the raw key", nil, func(r *http.Request) []byte {
			return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + r.Header.Get("Sec-WebSocket-Key") + "\r\n\r\n")
		}, 101},
		{"missing accept", nil, func(r *http.Request) []byte {
			return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		}, 101},
		{"missing Upgrade", nil, func(r *http.Request) []byte {
			return []byte("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
		}, 101},
		{"missing Connection", nil, func(r *http.Request) []byte {
			return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
		}, 101},
		{"unrequested subprotocol", nil, func(r *http.Request) []byte {
			return hsRespond101(r, "Sec-WebSocket-Protocol: chat")
		}, 101},
		{"subprotocol not offered", []string{"chat"}, func(r *http.Request) []byte {
			return hsRespond101(r, "Sec-WebSocket-Protocol: superchat")
		}, 101},
		{"two subprotocols", []string{"chat", "superchat"}, func(r *http.Request) []byte {
			return hsRespond101(r, "Sec-WebSocket-Protocol: chat, superchat")
		}, 101},
		{"unoffered extension", nil, func(r *http.Request) []byte {
			return hsRespond101(r, "Sec-WebSocket-Extensions: permessage-deflate")
		}, 101},
		{"200 with the right headers", nil, func(r *http.Request) []byte {
			return []byte(strings.Replace(string(hsRespond101(r, "Content-Length: 0")), "101 Switching Protocols", "200 OK", 1))
		}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := hsRawServer(t, func(nc net.Conn, r *http.Request) { nc.Write(tc.respond(r)) })
			c, resp, err := Dial(hsContext(t), "ws://"+addr+"/", &DialOptions{Subprotocols: tc.offered})
			if c != nil {
				c.CloseNow()
				t.Fatal("Dial accepted the response")
			}
			hsHandshakeError(t, err, tc.status)
			if resp == nil || resp.StatusCode != tc.status {
				t.Errorf("response %v, want status %d", resp, tc.status)
			}
		})
	}
}

func TestDialGarbageResponse(t *testing.T) {
	tests := []struct {
		name  string
		bytes string
		eof   bool // the error must say the response was cut short (wrap io.EOF)
	}{
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n", false},
		{"closed at once", "", true},
		{"cut in the headers", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", true},
		// bufio hands the cut line over as a whole one: not a malformed response.
		{"cut in a header line", "HTTP/1.1 101 Switching Protocols\r\nUpgr", true},
		{"cut in the status line", "HTTP/1.1 10", true},
		{"header too large", "HTTP/1.1 101 Switching Protocols\r\nX-Big: " + strings.Repeat("x", 40<<10) + "\r\n\r\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := hsRawServer(t, func(nc net.Conn, r *http.Request) {
				nc.Write([]byte(tc.bytes))
				nc.Close()
			})
			c, _, err := Dial(hsContext(t), "ws://"+addr+"/", nil)
			if c != nil {
				c.CloseNow()
				t.Fatal("Dial returned a Conn")
			}
			var herr *HandshakeError
			if !errors.As(err, &herr) {
				t.Fatalf("error %v is not a *HandshakeError", err)
			}
			if tc.eof && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("error %v does not say the response was cut short", err)
			}
		})
	}
}

func TestDialFirstFrameWith101(t *testing.T) {
	for _, n := range []int{0, 5, 125, 3000, 40000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			first, second := hsPayload(n), []byte("second")
			addr := hsRawServer(t, func(nc net.Conn, r *http.Request) {
				// The 101 and the first frame in one write, as in one TCP segment.
				b := append(hsRespond101(r), hsServerFrame(opBinary, first)...)
				if _, err := nc.Write(b); err != nil {
					return
				}
				nc.Write(hsServerFrame(opText, second))
			})
			ctx := hsContext(t)
			c, _, err := Dial(ctx, "ws://"+addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			typ, p, err := c.Read(ctx)
			if err != nil || typ != MessageBinary || !bytes.Equal(p, first) {
				t.Fatalf("first Read = %v, %d bytes, %v; want the %d bytes sent with the 101", typ, len(p), err, n)
			}
			typ, p, err = c.Read(ctx)
			if err != nil || typ != MessageText || !bytes.Equal(p, second) {
				t.Fatalf("second Read = %v %q, %v", typ, p, err)
			}
		})
	}
}

// hsTLSServer starts an httptest TLS server with the echo handler and returns it with a
// pool that trusts its certificate.
func hsTLSServer(t *testing.T, http2 bool) (*httptest.Server, *x509.CertPool) {
	srv := httptest.NewUnstartedServer(hsEchoHandler(nil, nil))
	srv.EnableHTTP2 = http2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

func TestDialTLS(t *testing.T) {
	for _, http2 := range []bool{false, true} {
		srv, pool := hsTLSServer(t, http2)
		host := strings.TrimPrefix(srv.URL, "https://")
		for _, scheme := range []string{"wss", "https"} {
			t.Run(fmt.Sprintf("%s/http2=%v", scheme, http2), func(t *testing.T) {
				ctx := hsContext(t)
				opts := &DialOptions{TLSConfig: &tls.Config{RootCAs: pool}}
				c, resp, err := Dial(ctx, scheme+"://"+host+"/", opts)
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseNow()
				if resp.StatusCode != 101 {
					t.Errorf("status %d", resp.StatusCode)
				}
				hsEcho(t, ctx, c, "over TLS")
				if opts.TLSConfig.ServerName != "" || opts.TLSConfig.NextProtos != nil {
					t.Errorf("Dial modified TLSConfig: ServerName %q, NextProtos %q", opts.TLSConfig.ServerName, opts.TLSConfig.NextProtos)
				}
			})
		}
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		srv, _ := hsTLSServer(t, false)
		c, _, err := Dial(hsContext(t), "wss://"+strings.TrimPrefix(srv.URL, "https://")+"/", nil)
		if c != nil {
			c.CloseNow()
			t.Fatal("Dial trusted an unknown certificate")
		}
		notHandshakeError(t, err)
		var verr *tls.CertificateVerificationError
		if !errors.As(err, &verr) {
			t.Errorf("error %v does not wrap the certificate verification error", err)
		}
	})
	t.Run("ws to a TLS server", func(t *testing.T) {
		srv, _ := hsTLSServer(t, false)
		c, _, err := Dial(hsContext(t), "ws://"+strings.TrimPrefix(srv.URL, "https://")+"/", nil)
		if c != nil {
			c.CloseNow()
			t.Fatal("plain handshake with a TLS server succeeded")
		}
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func TestDialNetDialContext(t *testing.T) {
	srv, seen := hsEchoServer(t, nil)
	var calls atomic.Int32
	var gotNetwork, gotAddr string
	opts := &DialOptions{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		calls.Add(1)
		gotNetwork, gotAddr = network, addr
		var d net.Dialer
		return d.DialContext(ctx, "tcp", srv.Listener.Addr().String())
	}}
	ctx := hsContext(t)
	c, _, err := Dial(ctx, "ws://ws.example.invalid:4321/x", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if calls.Load() != 1 || gotNetwork != "tcp" || gotAddr != "ws.example.invalid:4321" {
		t.Errorf("NetDialContext called %d times with %q %q", calls.Load(), gotNetwork, gotAddr)
	}
	if r := hsWait(t, seen, "request"); r.Host != "ws.example.invalid:4321" {
		t.Errorf("server saw Host %q", r.Host)
	}
	hsEcho(t, ctx, c, "custom dialer")

	// Default ports, and the dialer's error passed on.
	errNoDial := errors.New("no dialling in this test")
	for _, tc := range []struct{ url, addr string }{
		{"ws://ws.example.invalid/", "ws.example.invalid:80"},
		{"wss://ws.example.invalid/", "ws.example.invalid:443"},
		{"http://ws.example.invalid/", "ws.example.invalid:80"},
		{"https://ws.example.invalid/", "ws.example.invalid:443"},
		{"ws://[::1]/", "[::1]:80"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			var addr string
			_, _, err := Dial(hsContext(t), tc.url, &DialOptions{NetDialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
				addr = a
				return nil, errNoDial
			}})
			if !errors.Is(err, errNoDial) {
				t.Errorf("error %v does not wrap the dialer's error", err)
			}
			notHandshakeError(t, err)
			if addr != tc.addr {
				t.Errorf("dialled %q, want %q", addr, tc.addr)
			}
		})
	}
}

func TestDialURL(t *testing.T) {
	srv, _ := hsEchoServer(t, nil)
	addr := srv.Listener.Addr().String()
	tests := []struct {
		url string
		ok  bool
	}{
		{"ws://" + addr + "/", true},
		{"http://" + addr + "/", true},
		{"HTTP://" + addr + "/", true},
		{"ws://" + addr, true},
		{"ws://" + addr + "/p?x=1&y=%20", true},
		{"ftp://" + addr + "/", false},
		{"file:///etc/passwd", false},
		{"wss+unix://" + addr + "/", false},
		{"ws://" + addr + "/#fragment", false},
		{"ws:///path", false},
		{"ws:" + addr, false},
		{"//" + addr + "/", false},
		{"", false},
		{"ws://%zz/", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			var dialled atomic.Bool
			opts := &DialOptions{NetDialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
				dialled.Store(true)
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}}
			ctx := hsContext(t)
			c, _, err := Dial(ctx, tc.url, opts)
			if tc.ok {
				if err != nil {
					t.Fatalf("Dial(%q): %v", tc.url, err)
				}
				defer c.CloseNow()
				hsEcho(t, ctx, c, "url")
				return
			}
			if c != nil {
				c.CloseNow()
				t.Fatalf("Dial(%q) succeeded", tc.url)
			}
			notHandshakeError(t, err)
			if !strings.HasPrefix(err.Error(), "websocket: invalid URL: ") {
				t.Errorf("error %q does not say the URL is invalid", err)
			}
			if dialled.Load() {
				t.Errorf("Dial(%q) dialled before refusing the URL", tc.url)
			}
		})
	}
}

func TestDialDeadline(t *testing.T) {
	silent := hsRawServer(t, func(nc net.Conn, r *http.Request) {}) // reads the request, never answers
	tests := []struct {
		name      string
		ctx       func() (context.Context, context.CancelFunc)
		opts      *DialOptions
		wantErr   error
		handshake bool // the handshake had begun: a *HandshakeError
	}{
		{"ctx deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, nil, context.DeadlineExceeded, true},
		{"HandshakeTimeout", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, &DialOptions{HandshakeTimeout: 150 * time.Millisecond}, context.DeadlineExceeded, true},
		{"ctx cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, nil, context.Canceled, true},
		{"dialer that hangs", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, &DialOptions{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}, context.DeadlineExceeded, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() {
				c, _, err := Dial(ctx, "ws://"+silent+"/", tc.opts)
				if c != nil {
					c.CloseNow()
				}
				done <- err
			}()
			err := hsWait(t, done, "Dial to give up")
			var herr *HandshakeError
			if errors.As(err, &herr) != tc.handshake {
				t.Errorf("error %v (%T): *HandshakeError %v, want %v", err, err, !tc.handshake, tc.handshake)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
		})
	}
}

// TestDialDeadlineError checks that a handshake ended by ctx's deadline or by
// HandshakeTimeout reports context.DeadlineExceeded, every time.
func TestDialDeadlineError(t *testing.T) {
	silent := hsRawServer(t, func(nc net.Conn, r *http.Request) {})
	for _, tc := range []struct {
		name string
		opts *DialOptions
		ctx  time.Duration
	}{
		{"ctx deadline", nil, 20 * time.Millisecond},
		{"HandshakeTimeout", &DialOptions{HandshakeTimeout: 20 * time.Millisecond}, hsTestTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), tc.ctx)
				c, _, err := Dial(ctx, "ws://"+silent+"/", tc.opts)
				cancel()
				if c != nil {
					c.CloseNow()
					t.Fatal("Dial succeeded")
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("try %d: error %v does not wrap context.DeadlineExceeded", i, err)
				}
			}
		})
	}
}

func TestDialOptionsNotModified(t *testing.T) {
	srv, pool := hsTLSServer(t, false)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	opts := &DialOptions{
		HTTPHeader:     http.Header{"Authorization": {"Bearer x"}, "X-Multi": {"1", "2"}},
		Subprotocols:   []string{"chat", "superchat"},
		TLSConfig:      &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		NetDialContext: dial,
		ReadLimit:      777,
	}
	wantHeader := opts.HTTPHeader.Clone()
	wantSubprotocols := slices.Clone(opts.Subprotocols)
	tlsBefore := *opts.TLSConfig.Clone()
	c, _, err := Dial(hsContext(t), "wss://"+strings.TrimPrefix(srv.URL, "https://")+"/", opts)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	if !reflect.DeepEqual(opts.HTTPHeader, wantHeader) || !slices.Equal(opts.Subprotocols, wantSubprotocols) {
		t.Errorf("Dial modified its options: %+v", opts)
	}
	if opts.TLSConfig.ServerName != tlsBefore.ServerName || !slices.Equal(opts.TLSConfig.NextProtos, tlsBefore.NextProtos) ||
		opts.TLSConfig.RootCAs != tlsBefore.RootCAs || opts.TLSConfig.MinVersion != tlsBefore.MinVersion {
		t.Errorf("Dial modified TLSConfig")
	}
	if opts.HandshakeTimeout != 0 || opts.ReadLimit != 777 || opts.Host != "" {
		t.Errorf("Dial filled in defaults in the caller's options: %+v", opts)
	}
}

func TestClientPipe(t *testing.T) {
	client, server := hsPipePair(t)
	sopts := &AcceptOptions{Subprotocols: []string{"chat"}}
	res := hsRunServer(t, hsContext(t), server, sopts)
	ctx := hsContext(t)
	c, resp, err := Client(ctx, client, "ws://example.com/chat?x=1", &DialOptions{
		Subprotocols: []string{"superchat", "chat"},
		HTTPHeader:   http.Header{"Origin": {"http://example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if resp.StatusCode != 101 || c.Subprotocol() != "chat" {
		t.Errorf("response %d, subprotocol %q", resp.StatusCode, c.Subprotocol())
	}
	r := hsWait(t, res, "Server")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.r.Host != "example.com" || r.r.URL.Path != "/chat" || r.r.URL.RawQuery != "x=1" {
		t.Errorf("server saw %s %s", r.r.Host, r.r.URL)
	}
	// Both directions, a small and a large message each way.
	for _, p := range [][]byte{[]byte("hi"), hsPayload(70000)} {
		sent := make(chan error, 1)
		go func() { sent <- c.Write(ctx, MessageBinary, p) }()
		if typ, got, err := r.c.Read(ctx); err != nil || typ != MessageBinary || !bytes.Equal(got, p) {
			t.Fatalf("server Read %d bytes: %v", len(got), err)
		}
		if err := hsWait(t, sent, "client Write"); err != nil {
			t.Fatal(err)
		}
		go func() { sent <- r.c.Write(ctx, MessageText, p) }()
		if typ, got, err := c.Read(ctx); err != nil || typ != MessageText || !bytes.Equal(got, p) {
			t.Fatalf("client Read %d bytes: %v", len(got), err)
		}
		if err := hsWait(t, sent, "server Write"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientRefusesURL(t *testing.T) {
	for _, u := range []string{"ftp://example.com/", "ws://example.com/#x", "ws:///", "::"} {
		t.Run(u, func(t *testing.T) {
			client, server := hsPipePair(t)
			received := make(chan int, 1)
			go func() {
				n, _ := io.Copy(io.Discard, server)
				received <- int(n)
			}()
			c, _, err := Client(hsContext(t), client, u, nil)
			if c != nil {
				t.Fatal("Client returned a Conn")
			}
			notHandshakeError(t, err)
			client.Close()
			if n := hsWait(t, received, "pipe to close"); n != 0 {
				t.Errorf("Client wrote %d bytes before refusing the URL", n)
			}
		})
	}
}

func TestClientContext(t *testing.T) {
	client, server := hsPipePair(t)
	go func() { _, _ = io.Copy(io.Discard, server) }() // reads the request, never answers
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		c, _, err := Client(ctx, client, "ws://example.com/", nil)
		if c != nil {
			c.CloseNow()
		}
		done <- err
	}()
	time.AfterFunc(50*time.Millisecond, cancel)
	err := hsWait(t, done, "Client to give up")
	hsHandshakeError(t, err, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
}

func TestClientBadResponsePipe(t *testing.T) {
	client, server := hsPipePair(t)
	go func() {
		r, err := http.ReadRequest(bufio.NewReader(server))
		if err != nil {
			return
		}
		server.Write(hsRespond101(r, "Sec-WebSocket-Extensions: permessage-deflate"))
	}()
	c, resp, err := Client(hsContext(t), client, "ws://example.com/", nil)
	if c != nil {
		t.Fatal("Client accepted an extension it did not offer")
	}
	hsHandshakeError(t, err, 101)
	if resp == nil || resp.StatusCode != 101 {
		t.Errorf("response %v", resp)
	}
}

// hsAsync runs f in a goroutine and returns a channel for its result.
func hsAsync(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// TestClientReadLimit checks that DialOptions.ReadLimit and AcceptOptions.ReadLimit reach
// the Conns the handshakes make: a message over the limit fails the read.
func TestClientReadLimit(t *testing.T) {
	tests := []struct {
		name        string
		clientLimit int64 // DialOptions.ReadLimit
		serverLimit int64 // AcceptOptions.ReadLimit
		toServer    int   // size of the message the client sends
		toClient    int   // size of the message the server sends
		serverFails bool
		clientFails bool
	}{
		{"server limit", 0, 10, 11, 5, true, false},
		{"client limit", 10, 0, 5, 11, false, true},
		{"at the limits", 10, 10, 10, 10, false, false},
		{"no limit", -1, -1, 2 << 20, 2 << 20, false, false},
		{"default 1 MiB, at it", 0, 0, 1 << 20, 1 << 20, false, false},
		{"default 1 MiB, over it", 0, 0, 1<<20 + 1, 0, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Over TCP: on a net.Pipe, a Conn failing a message it has not read would
			// block writing its close frame to a peer that is still writing.
			client, server := hsTCPPair(t)
			ctx := hsContext(t)
			res := hsRunServer(t, ctx, server, &AcceptOptions{ReadLimit: tc.serverLimit})
			c, _, err := Client(ctx, client, "ws://example.com/", &DialOptions{ReadLimit: tc.clientLimit})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			r := hsWait(t, res, "Server")
			if r.err != nil {
				t.Fatal(r.err)
			}
			// One message each way. The reading side either gets it or fails the
			// connection; the sending side then reads, to see the close frame.
			for _, dir := range []struct {
				name       string
				from, to   *Conn
				size       int
				shouldFail bool
			}{
				{"client to server", c, r.c, tc.toServer, tc.serverFails},
				{"server to client", r.c, c, tc.toClient, tc.clientFails},
			} {
				p := hsPayload(dir.size)
				read := hsAsync(func() error {
					_, got, err := dir.to.Read(ctx)
					if err == nil && !bytes.Equal(got, p) {
						return fmt.Errorf("read %d bytes, not the %d sent", len(got), len(p))
					}
					return err
				})
				sent := hsAsync(func() error {
					err := dir.from.Write(ctx, MessageBinary, p)
					if dir.shouldFail {
						_, _, _ = dir.from.Read(ctx) // answers the close frame
						return nil
					}
					return err
				})
				readErr := hsWait(t, read, dir.name+" Read")
				writeErr := hsWait(t, sent, dir.name+" Write")
				if !dir.shouldFail {
					if readErr != nil || writeErr != nil {
						t.Fatalf("%s: Read: %v; Write: %v", dir.name, readErr, writeErr)
					}
					continue
				}
				if readErr == nil {
					t.Fatalf("%s: a message over the limit was read", dir.name)
				}
				// The close code and the error's chain are the Conn tests' business
				// (conn_limit_test.go); here it is enough that the limit was applied.
				return
			}
		})
	}
}

// notHandshakeError fails unless err is an error, but not a *HandshakeError: failures
// before the handshake (URL, dial, TLS) wrap their cause as it is.
func notHandshakeError(t *testing.T, err error) {
	t.Helper()
	var herr *HandshakeError
	if err == nil {
		t.Fatal("no error")
	}
	if errors.As(err, &herr) {
		t.Errorf("error %v is a *HandshakeError; failures before the handshake are not", err)
	}
	if !strings.HasPrefix(err.Error(), "websocket: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
}
