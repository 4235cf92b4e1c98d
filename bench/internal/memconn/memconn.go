// Package memconn provides in-memory stand-ins for a network connection, for
// the frame benchmarks that keep the network out of the numbers.
//
// A Conn serves a prefix once (such as an opening-handshake request) and then a
// fixed cycle of bytes (pre-encoded frames) over and over, always with data
// ready, as a socket under load would be. What is written to it is counted and
// dropped.
package memconn

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Conn is an in-memory net.Conn. It is not safe for concurrent use, which the
// benchmarks do not need.
type Conn struct {
	prefix  []byte // served once, first
	cycle   []byte // served after prefix, repeatedly
	off     int    // position in cycle
	budget  int64  // cycle bytes left to serve; < 0 means no end
	Written int64  // bytes written so far
}

// New returns a Conn that serves prefix once and then cycle without end.
func New(prefix, cycle []byte) *Conn {
	return &Conn{prefix: prefix, cycle: cycle, budget: -1}
}

// SetBudget makes the Conn serve only n more bytes of the cycle, then io.EOF.
// n < 0 removes the limit.
func (c *Conn) SetBudget(n int64) { c.budget = n }

// Read serves the rest of the prefix if any, else the cycle up to its end: one
// Read never spans the wrap-around, like a socket that returns what one
// arrival brought.
func (c *Conn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	if len(c.cycle) == 0 || c.budget == 0 {
		return 0, io.EOF
	}
	q := c.cycle[c.off:]
	if c.budget > 0 && int64(len(q)) > c.budget {
		q = q[:c.budget]
	}
	n := copy(p, q)
	c.off += n
	if c.off == len(c.cycle) {
		c.off = 0
	}
	if c.budget > 0 {
		c.budget -= int64(n)
	}
	return n, nil
}

// Write counts p and drops it.
func (c *Conn) Write(p []byte) (int, error) {
	c.Written += int64(len(p))
	return len(p), nil
}

// Close does nothing.
func (c *Conn) Close() error { return nil }

// LocalAddr returns a fixed loopback address.
func (c *Conn) LocalAddr() net.Addr { return addr }

// RemoteAddr returns a fixed loopback address.
func (c *Conn) RemoteAddr() net.Addr { return addr }

// SetDeadline does nothing: nothing ever blocks.
func (c *Conn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing.
func (c *Conn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing.
func (c *Conn) SetWriteDeadline(time.Time) error { return nil }

var addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}

// HandshakeRequest is an opening-handshake request of RFC 6455 §4.1, as a
// client without extensions sends it.
const HandshakeRequest = "GET /ws HTTP/1.1\r\n" +
	"Host: 127.0.0.1:9\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Version: 13\r\n\r\n"

// Request parses HandshakeRequest.
func Request() *http.Request {
	r, err := http.ReadRequest(bufio.NewReader(stringReader(HandshakeRequest)))
	if err != nil {
		panic(err) // a constant that parses
	}
	return r
}

type stringReader string

func (s stringReader) Read(p []byte) (int, error) { return copy(p, s), io.EOF }

// ResponseWriter is an http.ResponseWriter for an upgrade over a Conn: it
// records what the handler sets, writes nothing itself, and hands the Conn
// over on Hijack with read and write buffers of net/http's sizes (4 KiB).
type ResponseWriter struct {
	Conn   net.Conn
	header http.Header
	Status int
}

// Header returns the response header.
func (w *ResponseWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

// Write drops the body.
func (w *ResponseWriter) Write(p []byte) (int, error) { return len(p), nil }

// WriteHeader records the status.
func (w *ResponseWriter) WriteHeader(status int) { w.Status = status }

// Hijack hands the connection over.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.Conn == nil {
		return nil, nil, errors.New("memconn: hijacked twice")
	}
	c := w.Conn
	w.Conn = nil
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, 4096), bufio.NewWriterSize(c, 4096)), nil
}

// SetPrefix replaces what is served before the cycle.
func (c *Conn) SetPrefix(p []byte) { c.prefix = p }
