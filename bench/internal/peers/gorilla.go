package peers

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gorilla: Upgrader in a net/http handler with 4 KiB read and write buffers
// and a write-buffer pool (so idle connections hold no write buffer);
// NextReader into a pooled buffer, then WriteMessage. Compression: gorilla
// implements only no-context-takeover, at its default level.
var gorillaLib = Lib{
	Name:        "gorilla",
	Serve:       gorillaServe,
	Dial:        gorillaDial,
	DeflateNote: "EnableCompression: no context takeover (the only mode gorilla implements), level 1",
}

func gorillaServe(ln net.Listener, cfg ServerConfig) error {
	up := &websocket.Upgrader{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		WriteBufferPool:   &sync.Pool{},
		EnableCompression: cfg.Deflate,
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetReadLimit(ReadLimit)
			for {
				typ, rd, err := c.NextReader()
				if err != nil {
					return
				}
				bp, err := readPooled(rd)
				if err != nil {
					return
				}
				err = c.WriteMessage(typ, *bp)
				releasePooled(bp)
				if err != nil {
					return
				}
			}
		}),
	}
	return srv.Serve(ln)
}

type gorillaClient struct {
	c   *websocket.Conn
	ext string
}

func gorillaDial(ctx context.Context, addr string, cfg ClientConfig) (Client, error) {
	d := &websocket.Dialer{
		NetDialContext:    cfg.Dial,
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		EnableCompression: cfg.Deflate,
		HandshakeTimeout:  10 * time.Second,
	}
	c, resp, err := d.DialContext(ctx, wsURL(addr), nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(ReadLimit)
	return &gorillaClient{c: c, ext: resp.Header.Get("Sec-WebSocket-Extensions")}, nil
}

func (g *gorillaClient) Echo(msg, buf []byte) ([]byte, error) {
	if err := g.c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		return nil, err
	}
	_, r, err := g.c.NextReader()
	if err != nil {
		return nil, err
	}
	return readInto(r, buf[:0])
}

func (g *gorillaClient) Negotiated() string { return g.ext }

func (g *gorillaClient) Close() error { return g.c.NetConn().Close() }
