// Package peers adapts each WebSocket library to the two roles of the
// cross-process benchmarks: an echo server and an echo client.
//
// Every server echoes each data message back as one message of the same type,
// read whole first. Every client sends one binary message and waits for its
// echo before sending the next (one message in flight per connection). Each
// adapter uses its library's fastest documented path; README.md of the bench
// module lists the calls.
package peers

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// ErrNotAvailable is returned for a configuration a library does not offer.
var ErrNotAvailable = errors.New("not available")

// ServerConfig configures an echo server.
type ServerConfig struct {
	// Deflate enables permessage-deflate, with context takeover where the
	// library supports it.
	Deflate bool
}

// ClientConfig configures an echo client.
type ClientConfig struct {
	// Deflate offers permessage-deflate, with context takeover where the
	// library supports it.
	Deflate bool
	// Dial opens the TCP connection; the benchmark wraps it to count bytes.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is one client connection.
type Client interface {
	// Echo sends msg as one binary message and returns the message that
	// comes back, read into buf (grown when too small).
	Echo(msg, buf []byte) ([]byte, error)
	// Negotiated returns the Sec-WebSocket-Extensions header of the
	// handshake response.
	Negotiated() string
	// Close closes the connection without a close handshake.
	Close() error
}

// Lib is one library in both roles.
type Lib struct {
	Name string
	// Serve runs an echo server on ln until ln is closed.
	Serve func(ln net.Listener, cfg ServerConfig) error
	// Dial connects a client to the server at addr (host:port).
	Dial func(ctx context.Context, addr string, cfg ClientConfig) (Client, error)
	// DeflateNote says what the adapter's compression negotiates.
	DeflateNote string
}

// Libs are the libraries compared, Hayate first.
var Libs = []Lib{hayateLib, gorillaLib, coderLib, gobwasLib, gwsLib}

// ByName returns the library called name.
func ByName(name string) (Lib, bool) {
	for _, l := range Libs {
		if l.Name == name {
			return l, true
		}
	}
	return Lib{}, false
}

// ReadLimit is the largest message every adapter accepts: Hayate's default.
const ReadLimit = 1 << 20

// msgPool holds the buffers servers read messages into when their library
// streams a payload into memory the application provides. Buffers grow to
// the largest message seen and go back to the pool after the echo, so an
// idle connection holds none.
var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// readPooled reads r to its end into a pooled buffer. Release it with
// releasePooled.
func readPooled(r io.Reader) (*[]byte, error) {
	bp := msgPool.Get().(*[]byte)
	b, err := readInto(r, (*bp)[:0])
	*bp = b
	if err != nil {
		releasePooled(bp)
		return nil, err
	}
	return bp, nil
}

func releasePooled(bp *[]byte) {
	*bp = (*bp)[:0]
	msgPool.Put(bp)
}

// readInto reads r to its end, appending to b.
func readInto(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			if len(b) >= ReadLimit+1 {
				return b, errors.New("peers: message over the read limit")
			}
			nb := make([]byte, len(b), max(2*cap(b), 4096))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// acceptLoop hands every connection accepted on ln to serve, each in its own
// goroutine, until ln is closed.
func acceptLoop(ln net.Listener, serve func(net.Conn)) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go serve(nc)
	}
}

// wsURL is the address of every server's endpoint.
func wsURL(addr string) string { return "ws://" + addr + "/ws" }

// noDeadline clears a deadline.
var noDeadline time.Time
