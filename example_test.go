package websocket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hayate-ws/websocket"
)

// wsURL turns the http:// URL of a test server into its ws:// URL.
func wsURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// An echo server, and a client that sends it one message.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, wsURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("hello, Hayate")); err != nil {
		log.Fatal(err)
	}
	typ, msg, err := c.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v: %s\n", typ, msg)
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		log.Fatal(err)
	}
	// Output: text: hello, Hayate
}

// A handler that accepts a connection, offering a subprotocol, and greets the client.
func ExampleAccept() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols: []string{"chat.v1"},
			// Pages served from these hosts may connect, besides same-origin ones.
			OriginPatterns: []string{"app.example.com"},
		})
		if err != nil {
			// Accept has answered with an HTTP error already.
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		if err := c.Write(ctx, websocket.MessageText, []byte("welcome to "+c.Subprotocol())); err != nil {
			return
		}
		// Read until the client closes; the close handshake happens in here.
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{
		Subprotocols: []string{"chat.v1"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	_, msg, err := c.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", msg)
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		log.Fatal(err)
	}

	// A browser page from another site is refused.
	_, resp, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://evil.example"}},
	})
	var herr *websocket.HandshakeError
	if errors.As(err, &herr) {
		fmt.Println("other origin:", resp.Status)
	}
	// Output:
	// welcome to chat.v1
	// other origin: 403 Forbidden
}

// A client that connects, sends a message and reads the reply.
func ExampleDial() {
	// A server to talk to: it answers every message with its length.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			reply := fmt.Sprintf("%d bytes", len(msg))
			if err := c.Write(ctx, websocket.MessageText, []byte(reply)); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	// The context bounds the dial and the handshake only.
	ctx := context.Background()
	c, resp, err := websocket.Dial(ctx, wsURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	fmt.Println("handshake:", resp.Status)

	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		log.Fatal(err)
	}
	_, reply, err := c.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("reply: %s\n", reply)
	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// handshake: 101 Switching Protocols
	// reply: 3 bytes
}

// Streaming a message: the client writes it in pieces, as they become available, and the
// server reads it with a Reader, a buffer at a time, never holding it whole.
func ExampleConn_Writer() {
	sizes := make(chan int64, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			_, r, err := c.Reader(ctx)
			if err != nil {
				return
			}
			n, err := io.Copy(io.Discard, r)
			if err != nil {
				return
			}
			sizes <- n
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, wsURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()

	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		log.Fatal(err)
	}
	for i := range 1000 {
		// Frames go out as the writer's buffer fills; this is one message.
		if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
			log.Fatal(err)
		}
	}
	// Close sends the last frame and ends the message.
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("server read", <-sizes, "bytes in one message")
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		log.Fatal(err)
	}
	// Output: server read 8890 bytes in one message
}

// Telling why a connection ended: the server closes with an application-defined code,
// and the client's next read reports it.
func ExampleCloseStatus() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		// 4000-4999 are for applications to define.
		_ = c.Close(4001, "session expired")
	}))
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, wsURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	_, _, err = c.Read(ctx)
	fmt.Println("status:", websocket.CloseStatus(err))

	var ce websocket.CloseError
	if errors.As(err, &ce) {
		fmt.Println("reason:", ce.Reason)
	}
	// The connection is finished: every call now fails with net.ErrClosed.
	err = c.Write(ctx, websocket.MessageText, []byte("anyone?"))
	fmt.Println("closed:", errors.Is(err, net.ErrClosed))
	// An error that is not about a close frame has no status.
	fmt.Println("other error:", websocket.CloseStatus(io.ErrUnexpectedEOF))
	// Output:
	// status: 4001
	// reason: session expired
	// closed: true
	// other error: -1
}

// Compression: a server that accepts permessage-deflate and a client that offers it,
// with smaller windows for the server's messages. The server's response says what was
// agreed; messages are compressed and decompressed without the application's help.
func ExampleDeflateOptions() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Deflate: &websocket.DeflateOptions{}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	c, resp, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{
		Deflate: &websocket.DeflateOptions{ServerMaxWindowBits: 10},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	fmt.Println(resp.Header.Get("Sec-WebSocket-Extensions"))

	msg := []byte(strings.Repeat(`{"symbol":"HYT","price":42.5},`, 40))
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		log.Fatal(err)
	}
	// A payload that is compressed already is better sent as it is.
	if err := c.WriteUncompressed(ctx, websocket.MessageBinary, []byte{0x1f, 0x8b, 8, 0}); err != nil {
		log.Fatal(err)
	}
	for range 2 {
		typ, echo, err := c.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(typ, len(echo))
	}
	c.Close(websocket.StatusNormalClosure, "")
	// Output:
	// permessage-deflate; server_max_window_bits=10
	// text 1200
	// binary 4
}
