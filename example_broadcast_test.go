package websocket_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/hayate-ws/websocket"
)

// A hub that broadcasts each update to every subscriber with Send: the message is
// encoded once, and a subscriber that falls behind is closed (1013) rather than allowed
// to hold up the others.
func ExampleConn_Send() {
	var (
		mu          sync.Mutex
		subscribers = map[*websocket.Conn]bool{}
		joined      = make(chan struct{}, 3)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		mu.Lock()
		subscribers[c] = true
		mu.Unlock()
		joined <- struct{}{}
		// The handler reads, so that pings and the close handshake are handled.
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				break
			}
		}
		mu.Lock()
		delete(subscribers, c)
		mu.Unlock()
	}))
	defer srv.Close()

	broadcast := func(update string) {
		pm, err := websocket.NewPreparedMessage(websocket.MessageText, []byte(update))
		if err != nil {
			log.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		for c := range subscribers {
			if err := c.Send(pm); err != nil {
				delete(subscribers, c) // closed, or being closed for falling behind
			}
		}
	}

	ctx := context.Background()
	var clients []*websocket.Conn
	for range 3 {
		c, _, err := websocket.Dial(ctx, wsURL(srv), nil)
		if err != nil {
			log.Fatal(err)
		}
		defer c.CloseNow()
		clients = append(clients, c)
		<-joined
	}
	broadcast("price 101")
	broadcast("price 102")
	for i, c := range clients {
		for range 2 {
			_, msg, err := c.Read(ctx)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("client %d: %s\n", i, msg)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
	// Output:
	// client 0: price 101
	// client 0: price 102
	// client 1: price 101
	// client 1: price 102
	// client 2: price 101
	// client 2: price 102
}

// A server whose WebSocket connections are closed with 1001 Going Away when it shuts
// down: the Tracker is fed by OnAccept and shut down after http.Server.Shutdown.
func ExampleTracker() {
	var tracker websocket.Tracker
	opts := &websocket.AcceptOptions{
		OnAccept: func(c *websocket.Conn, _ *http.Request) { tracker.Track(c) },
	}
	accepted := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		close(accepted) // OnAccept has run: the connection is tracked
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}))
	srv.Start()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, wsURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
	<-accepted
	fmt.Println("tracked:", tracker.Len())
	// The client reads, as clients do, and so answers the server's close frame.
	closed := make(chan error)
	go func() {
		_, _, err := c.Read(ctx)
		closed <- err
	}()

	// Shutting down: first net/http's own connections, then the WebSocket ones, with
	// one deadline for both.
	shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.Config.Shutdown(shutdownCtx); err != nil {
		log.Fatal(err)
	}
	if err := tracker.Shutdown(shutdownCtx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("client:", websocket.CloseStatus(<-closed))
	fmt.Println("tracked:", tracker.Len())
	// Output:
	// tracked: 1
	// client: 1001 (going away)
	// tracked: 0
}
