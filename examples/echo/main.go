// Command echo is the Hayate demo: an echo server with a small page to try it in a
// browser, and a command-line client for the same server.
//
// Server:
//
//	go run ./examples/echo                 # then open http://127.0.0.1:8080
//	go run ./examples/echo -addr :9000
//
// Client:
//
//	go run ./examples/echo -client ws://127.0.0.1:8080/ws              # sends each stdin line
//	go run ./examples/echo -client ws://127.0.0.1:8080/ws -msg hello   # one message, then exit
//
// SIGINT or SIGTERM stops either mode cleanly: the server stops accepting, closes its
// WebSocket connections with 1001 (going away) and exits; the client closes with 1001.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// readLimit is the largest message, in bytes, that either side of the demo accepts (the
// library's default is 1 MiB). The server streams each echo through a fixed buffer, so a
// bigger message costs it no more memory, only more time on the connection; the client
// reads each echo whole, so the limit is also what it may have to hold. A bigger message
// is refused with close code 1009 (message too big).
const readLimit = 16 << 20

// shutdownTimeout bounds the graceful shutdown; the close handshake of each connection
// is itself bounded by about 5 seconds.
const shutdownTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` the server listens on")
	url := flag.String("client", "", "run as a client of the echo server at this ws:// `URL`")
	msg := flag.String("msg", "", "with -client: send this one `message`, print the echo and exit")
	flag.Parse()
	msgSet := false
	flag.Visit(func(f *flag.Flag) { msgSet = msgSet || f.Name == "msg" })
	if flag.NArg() > 0 || (msgSet && *url == "") {
		flag.Usage()
		os.Exit(2)
	}
	log.SetFlags(log.Ltime)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch {
	case *url != "" && msgSet:
		err = sendOne(ctx, *url, *msg, os.Stdout)
	case *url != "":
		err = interactive(ctx, *url, os.Stdin, os.Stdout)
	default:
		err = serve(ctx, *addr)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serve runs the echo server on addr until ctx ends, then shuts it down.
func serve(ctx context.Context, addr string) error {
	es := newEchoServer(log.Printf)
	srv := &http.Server{
		Handler:           es.routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("listening on http://%s", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Shutdown stops accepting and waits for plain HTTP requests; it does not track
	// connections taken over by a WebSocket handler, so those are closed here.
	err = srv.Shutdown(sctx)
	if werr := es.closeAll(sctx); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Printf("bye")
	return nil
}
