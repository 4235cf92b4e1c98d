package main

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"sync"

	"github.com/hayate-ws/websocket"
)

//go:embed index.html
var indexHTML []byte

// echoServer serves the demo page and the echo endpoint, and keeps track of its open
// WebSocket connections so that it can close them on shutdown.
type echoServer struct {
	logf func(format string, args ...any)
	// closed, if set, is called with the close code of each connection that ends
	// (-1 if it ended without a close frame). Tests use it.
	closed func(websocket.StatusCode)

	mu       sync.Mutex
	conns    map[*websocket.Conn]struct{}
	shutting bool
	handlers sync.WaitGroup // WebSocket handlers still running
}

func newEchoServer(logf func(string, ...any)) *echoServer {
	return &echoServer{logf: logf, conns: make(map[*websocket.Conn]struct{})}
}

func (s *echoServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(indexHTML)
	})
	mux.HandleFunc("/ws", s.serveWS)
	return mux
}

func (s *echoServer) serveWS(w http.ResponseWriter, r *http.Request) {
	// Same-origin only, the default: the page is served from this host.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{ReadLimit: readLimit})
	if err != nil {
		// Accept has answered with an HTTP error already.
		s.logf("ws %s: %v", r.RemoteAddr, err)
		return
	}
	addr := c.RemoteAddr().String()
	if !s.add(c) {
		_ = c.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.remove(c)
	s.logf("ws %s: open", addr)

	err = echo(c)
	// Reading on until the connection ends lets a close handshake that shutdown started
	// (while this handler was writing) complete; on a closed connection it returns at once.
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			break
		}
	}
	_ = c.CloseNow()
	s.logf("ws %s: %v", addr, err)
	if s.closed != nil {
		s.closed(websocket.CloseStatus(err))
	}
}

// echo sends every message back with its type until the connection ends, and returns
// why it did. Each message is streamed, frame by frame, through one small buffer, so
// memory does not grow with the message size.
func echo(c *websocket.Conn) error {
	// The handler's request context no longer follows the connection after Accept, and
	// Background costs nothing; shutdown ends the loop by closing the connection.
	ctx := context.Background()
	buf := make([]byte, 32<<10)
	for {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		w, err := c.Writer(ctx, typ)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(w, r, buf)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

// add registers c, unless shutdown has begun.
func (s *echoServer) add(c *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return false
	}
	s.conns[c] = struct{}{}
	s.handlers.Add(1)
	return true
}

func (s *echoServer) remove(c *websocket.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.handlers.Done()
}

// closeAll closes every open WebSocket connection with 1001 (going away), refuses new
// ones, and waits until their handlers have returned or ctx ends.
func (s *echoServer) closeAll(ctx context.Context) error {
	s.mu.Lock()
	s.shutting = true
	conns := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		// Close waits, a few seconds at most, for the peer's close frame: close all at once.
		go func() { _ = c.Close(websocket.StatusGoingAway, "server shutting down") }()
	}
	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
