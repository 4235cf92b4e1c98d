package websocket

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hostile-peer suite's handshake cases (see hostile_test.go): slowloris clients and
// header floods, against Accept, Server and Dial.

// hpTrickle writes the start of a request that never ends to every conn in conns, the
// request line at once and then a header byte per conn at each tick, until the server
// has closed them all or timeout passes; it reports how many were found closed (a write
// failed) and when the last of them was.
func hpTrickle(conns []*net.TCPConn, every time.Duration, timeout time.Duration) (closed int, last time.Time) {
	live := make([]bool, len(conns))
	for i, nc := range conns {
		_ = nc.SetWriteDeadline(time.Now().Add(hpTimeout))
		_, err := io.WriteString(nc, "GET /hostile HTTP/1.1\r\n")
		live[i] = err == nil
	}
	header := []byte("X-Slowloris: " + strings.Repeat("z", 1<<12))
	tick := time.NewTicker(every)
	defer tick.Stop()
	end := time.Now().Add(timeout)
	left := len(conns)
	for i := 0; left > 0 && time.Now().Before(end); i++ {
		<-tick.C
		for j, nc := range conns {
			if !live[j] {
				continue
			}
			_ = nc.SetWriteDeadline(time.Now().Add(hpTimeout))
			if _, err := nc.Write(header[i%len(header) : i%len(header)+1]); err != nil {
				live[j] = false
				left--
				last = time.Now()
			}
		}
	}
	return len(conns) - left, last
}

// hpHandshakeServer serves handshakes the way role does: Accept in an http.Server with
// ReadHeaderTimeout and MaxHeaderBytes as given, or Server with the options on a raw
// listener, whose caller closes each connection after a failed handshake, as a careful
// caller does: after a rejection, it half-closes and drains for hpDrain first (as
// net/http does), so that closing with the request unread does not reset the response
// away. Each handshake's result goes to results.
type hpHandshakeServer struct {
	addr    string
	results chan error
	stop    func()
}

// hpDrain is how long the Server caller of hpHandshakeServer drains a rejected client.
const hpDrain = 500 * time.Millisecond

func newHPHandshakeServer(t *testing.T, role hpRole, opts *AcceptOptions, headerTimeout time.Duration, maxHeaderBytes, n int) *hpHandshakeServer {
	t.Helper()
	hs := &hpHandshakeServer{results: make(chan error, n)}
	switch role {
	case hpAccept:
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := Accept(w, r, opts)
			if c != nil {
				c.CloseNow()
			}
			hs.results <- err
		}))
		srv.Config.ReadHeaderTimeout = headerTimeout
		srv.Config.MaxHeaderBytes = maxHeaderBytes
		srv.Start()
		hs.addr, hs.stop = srv.Listener.Addr().String(), srv.Close
	case hpServer:
		ln := hpListen(t)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, _, err := Server(context.Background(), nc, opts)
					hs.results <- err
					if c != nil {
						c.CloseNow()
						return
					}
					var herr *HandshakeError
					if errors.As(err, &herr) && herr.Status != 0 {
						// A response went out: give the client a moment to read it
						// before closing with its request unread resets the connection.
						_ = nc.(*net.TCPConn).CloseWrite()
						_ = nc.SetReadDeadline(time.Now().Add(hpDrain))
						_, _ = io.Copy(io.Discard, io.LimitReader(nc, 8<<20))
					}
					nc.Close()
				}()
			}
		}()
		hs.addr = ln.Addr().String()
		hs.stop = func() { ln.Close(); wg.Wait() }
	default:
		t.Fatalf("role %q serves no handshakes", role)
	}
	t.Cleanup(hs.stop)
	return hs
}

// TestHostileSlowloris: clients that send the request line and then one header byte at
// a time. Server's HandshakeTimeout and http.Server's ReadHeaderTimeout must end them,
// one or many at once, and nothing may be left running after.
func TestHostileSlowloris(t *testing.T) {
	const limit = 300 * time.Millisecond
	for _, tc := range []struct {
		role hpRole
		n    int
	}{{hpServer, 1}, {hpAccept, 1}, {hpServer, 200}, {hpAccept, 200}} {
		t.Run(fmt.Sprintf("%s/%d", tc.role, tc.n), func(t *testing.T) {
			m := hpMeasure(t)
			hs := newHPHandshakeServer(t, tc.role, &AcceptOptions{HandshakeTimeout: limit}, limit, 0, tc.n)
			conns := make([]*net.TCPConn, tc.n)
			for i := range conns {
				conns[i] = hpDialTCP(t, hs.addr)
				defer conns[i].Close()
			}
			outcome := "closed by the http.Server"
			start := time.Now()
			closed, last := hpTrickle(conns, 20*time.Millisecond, hpTimeout)
			if closed != tc.n {
				t.Errorf("%d of %d slow handshakes still open after %v", tc.n-closed, tc.n, hpTimeout)
			} else if took := last.Sub(start); took > limit+2*time.Second {
				t.Errorf("the last slow handshake was closed %v after it started, limit %v", took, limit)
			}
			if tc.role == hpServer {
				for range tc.n {
					err := hpWait(t, "Server", hs.results)
					var herr *HandshakeError
					if !errors.As(err, &herr) {
						t.Errorf("Server: %v, want a *HandshakeError", err)
						break
					}
					outcome = err.Error()
				}
			}
			for _, nc := range conns {
				nc.Close()
			}
			hs.stop()
			if tc.role == hpAccept && len(hs.results) > 0 {
				t.Errorf("the handler ran for a request that never ended: %v", <-hs.results)
			}
			m.done(fmt.Sprintf("%d closed, the last after %v (limit %v); %s", tc.n, last.Sub(start).Round(time.Millisecond), limit, outcome),
				hpBudget{alloc: 256<<10 + uint64(tc.n)*16<<10, heap: 512 << 10})
		})
	}
}

// TestHostileHeaderFlood: requests with too many header fields or gigantic
// Sec-WebSocket-Extensions or Sec-WebSocket-Protocol values, to both server entry
// points; and servers that answer a client's handshake with as much.
func TestHostileHeaderFlood(t *testing.T) {
	var fields strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&fields, "X-Flood-%05d: y\r\n", i)
	}
	repeatTo := func(s string, n int) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	var protocols strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&protocols, "p%04d, ", i)
	}
	requests := map[string]string{
		"10000 fields":         hpRequest(fields.String()),
		"1 MiB extensions":     hpRequest("Sec-WebSocket-Extensions: " + repeatTo("permessage-deflate; client_max_window_bits, ", 1<<20) + "\r\n"),
		"1 MiB subprotocols":   hpRequest("Sec-WebSocket-Protocol: " + repeatTo("chat, ", 1<<20) + "\r\n"),
		"2000 subprotocols":    hpRequest("Sec-WebSocket-Protocol: " + strings.TrimSuffix(protocols.String(), ", ") + "\r\n"),
		"10000 fields, 1 MiB+": hpRequest(fields.String()),
	}
	opts := &AcceptOptions{Subprotocols: []string{"v1"}, Deflate: &DeflateOptions{}}
	big := &AcceptOptions{Subprotocols: []string{"v1"}, Deflate: &DeflateOptions{}, MaxHeaderBytes: 1 << 20}
	for _, tc := range []struct {
		role    hpRole
		request string
		opts    *AcceptOptions
		want    []int
		alloc   uint64
	}{
		// Server reads at most MaxHeaderBytes (32 KiB by default).
		{hpServer, "10000 fields", opts, []int{431}, 1 << 20},
		{hpServer, "10000 fields, 1 MiB+", big, []int{431}, 4 << 20},
		{hpServer, "1 MiB extensions", opts, []int{431}, 1 << 20},
		{hpServer, "1 MiB subprotocols", opts, []int{431}, 1 << 20},
		{hpServer, "2000 subprotocols", opts, []int{400}, 1 << 20},
		// http.Server reads up to 1 MiB of header: Accept sees it all, and net/http's
		// own parse costs a few times the size of the request.
		{hpAccept, "10000 fields", opts, []int{431}, 4 << 20},
		{hpAccept, "1 MiB extensions", opts, []int{431, 400}, 8 << 20},
		{hpAccept, "1 MiB subprotocols", opts, []int{431, 400}, 8 << 20},
		{hpAccept, "2000 subprotocols", opts, []int{400}, 1 << 20},
	} {
		t.Run(string(tc.role)+"/"+tc.request, func(t *testing.T) {
			req := []byte(requests[tc.request])
			m := hpMeasure(t)
			hs := newHPHandshakeServer(t, tc.role, tc.opts, 0, 0, 1)
			nc := hpDialTCP(t, hs.addr)
			defer nc.Close()
			m.attack()
			written := hpGo(func() error {
				_ = nc.SetWriteDeadline(time.Now().Add(hpTimeout))
				_, err := nc.Write(req)
				return err
			})
			_ = nc.SetReadDeadline(time.Now().Add(hpTimeout))
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatalf("attacker: reading the response: %v", err)
			}
			resp.Body.Close()
			m.attackOver()
			status := resp.StatusCode
			if !slices.Contains(tc.want, status) {
				t.Errorf("%d-byte request %q: status %s, want %v", len(req), tc.request, resp.Status, tc.want)
			}
			if tc.role == hpServer {
				var herr *HandshakeError
				if err := hpWait(t, "Server", hs.results); !errors.As(err, &herr) || herr.Status != status {
					t.Errorf("Server: %v, want a *HandshakeError with status %d", err, status)
				}
			}
			nc.Close()
			_ = hpWait(t, "attacker write", written) // cut short by the server, or not
			hs.stop()
			if tc.role == hpAccept && len(hs.results) > 0 {
				var herr *HandshakeError
				if err := <-hs.results; !errors.As(err, &herr) || herr.Status != status {
					t.Errorf("Accept: %v, want a *HandshakeError with status %d", err, status)
				}
			}
			m.done(fmt.Sprintf("%d (sent %s)", status, hpSize(uint64(len(req)))), hpBudget{alloc: tc.alloc})
		})
	}

	responses := map[string]string{
		"10000 fields": fields.String(),
		"1 MiB field":  "X-Flood: " + repeatTo("a", 1<<20) + "\r\n",
	}
	for _, name := range []string{"10000 fields", "1 MiB field"} {
		t.Run("Dial/"+name, func(t *testing.T) {
			flood := []byte(responses[name])
			m := hpMeasure(t)
			ln := hpListen(t)
			defer ln.Close()
			dialled := hpGo(func() error {
				c, _, err := Dial(context.Background(), "ws://"+ln.Addr().String()+"/hostile", &DialOptions{HandshakeTimeout: hpTimeout})
				if c != nil {
					c.CloseNow()
				}
				return err
			})
			_ = ln.SetDeadline(time.Now().Add(hpTimeout))
			nc, err := ln.Accept()
			if err != nil {
				t.Fatalf("attacker: accept: %v", err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(hpTimeout))
			req, err := http.ReadRequest(bufio.NewReader(nc))
			if err != nil {
				t.Fatalf("attacker: reading the request: %v", err)
			}
			head := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + hpAcceptFor(req.Header.Get("Sec-WebSocket-Key")) + "\r\n")
			m.attack()
			written := hpGo(func() error {
				b := net.Buffers{head, flood, []byte("\r\n")}
				_, err := b.WriteTo(nc)
				return err
			})
			err = hpWait(t, "Dial", dialled)
			m.attackOver()
			var herr *HandshakeError
			if !errors.As(err, &herr) {
				t.Errorf("Dial: %v, want a *HandshakeError", err)
			}
			nc.Close()
			_ = hpWait(t, "attacker write", written)
			ln.Close()
			m.done(fmt.Sprintf("HandshakeError (%v) (sent %s)", err, hpSize(uint64(len(flood)))), hpBudget{alloc: 1 << 20})
		})
	}
}
