// Command server is Hayate's Autobahn|Testsuite testee server: an echo
// server that sends every message back with its type. The conformance
// runners (autobahn/runner -mode fuzzingclient, or the official wstest)
// connect to it.
//
//	go run ./autobahn/server -addr 127.0.0.1:9001
//
// It raises the read limit to 32 MiB (case 9.1.6 sends 16 MiB), turns the
// same-origin check off (the suite sends no Origin it could match), accepts
// permessage-deflate with the default options (sections 12 and 13; every
// offer of 13.* must be accepted: server_no_context_takeover and
// server_max_window_bits down to 8) and leaves close handshakes, pings and
// UTF-8 validation to the library.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	websocket "github.com/hayate-ws/websocket"
)

// readLimit is the largest message the agent accepts.
const readLimit = 32 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen address")
	stream := flag.Bool("stream", false, "echo through Reader/Writer (streaming) instead of Read/Write")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("autobahn server: ")

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, *stream) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Printf("echo server on ws://%s (streaming=%v)", ln.Addr(), *stream)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func handle(w http.ResponseWriter, r *http.Request, stream bool) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipOriginCheck: true,
		ReadLimit:               readLimit,
		Deflate:                 &websocket.DeflateOptions{},
	})
	if err != nil {
		return // Accept has answered the request
	}
	defer func() { _ = c.CloseNow() }()
	ctx := context.Background()
	if stream {
		_ = echoStream(ctx, c)
	} else {
		_ = echo(ctx, c)
	}
}

// echo sends every message back whole, with its type, until the connection
// ends. The library answers the peer's close handshake inside Read.
func echo(ctx context.Context, c *websocket.Conn) error {
	for {
		typ, p, err := c.Read(ctx)
		if err != nil {
			return err
		}
		if err := c.Write(ctx, typ, p); err != nil {
			return err
		}
	}
}

// echoStream copies each message from its Reader to a Writer of the same
// type, so large messages are never held whole.
func echoStream(ctx context.Context, c *websocket.Conn) error {
	for {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		w, err := c.Writer(ctx, typ)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}
