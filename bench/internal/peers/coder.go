package peers

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// coder: Accept in a net/http handler; Reader into a pooled buffer, then
// Write. Compression: CompressionContextTakeover on both sides.
var coderLib = Lib{
	Name:        "coder",
	Serve:       coderServe,
	Dial:        coderDial,
	DeflateNote: "CompressionContextTakeover on both sides, default level and threshold",
}

func coderMode(deflate bool) websocket.CompressionMode {
	if deflate {
		return websocket.CompressionContextTakeover
	}
	return websocket.CompressionDisabled
}

func coderServe(ln net.Listener, cfg ServerConfig) error {
	opts := &websocket.AcceptOptions{CompressionMode: coderMode(cfg.Deflate)}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, opts)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(ReadLimit)
			ctx := context.Background()
			for {
				typ, rd, err := c.Reader(ctx)
				if err != nil {
					return
				}
				bp, err := readPooled(rd)
				if err != nil {
					return
				}
				err = c.Write(ctx, typ, *bp)
				releasePooled(bp)
				if err != nil {
					return
				}
			}
		}),
	}
	return srv.Serve(ln)
}

type coderClient struct {
	c   *websocket.Conn
	ext string
}

func coderDial(ctx context.Context, addr string, cfg ClientConfig) (Client, error) {
	hc := &http.Client{Transport: &http.Transport{DialContext: cfg.Dial}}
	c, resp, err := websocket.Dial(ctx, wsURL(addr), &websocket.DialOptions{
		HTTPClient:      hc,
		CompressionMode: coderMode(cfg.Deflate),
	})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(ReadLimit)
	return &coderClient{c: c, ext: resp.Header.Get("Sec-WebSocket-Extensions")}, nil
}

func (k *coderClient) Echo(msg, buf []byte) ([]byte, error) {
	ctx := context.Background()
	if err := k.c.Write(ctx, websocket.MessageBinary, msg); err != nil {
		return nil, err
	}
	_, r, err := k.c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	return readInto(r, buf[:0])
}

func (k *coderClient) Negotiated() string { return k.ext }

func (k *coderClient) Close() error { return k.c.CloseNow() }
