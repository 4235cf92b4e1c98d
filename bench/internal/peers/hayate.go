package peers

import (
	"context"
	"net"

	"github.com/hayate-ws/websocket"
)

// Hayate: Server on each accepted connection (no net/http); Reader into a
// pooled buffer, then Write. The client: Dial, Write, Reader.
var hayateLib = Lib{
	Name:        "hayate",
	Serve:       hayateServe,
	Dial:        hayateDial,
	DeflateNote: hayateDeflateNote,
}

func hayateServe(ln net.Listener, cfg ServerConfig) error {
	opts, err := hayateAcceptOptions(cfg.Deflate)
	if err != nil {
		return err
	}
	return acceptLoop(ln, func(nc net.Conn) {
		defer nc.Close()
		ctx := context.Background()
		c, _, err := websocket.Server(ctx, nc, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, r, err := c.Reader(ctx)
			if err != nil {
				return
			}
			bp, err := readPooled(r)
			if err != nil {
				return
			}
			err = c.Write(ctx, typ, *bp)
			releasePooled(bp)
			if err != nil {
				return
			}
		}
	})
}

type hayateClient struct {
	c   *websocket.Conn
	ext string
}

func hayateDial(ctx context.Context, addr string, cfg ClientConfig) (Client, error) {
	opts, err := hayateDialOptions(cfg.Deflate)
	if err != nil {
		return nil, err
	}
	opts.NetDialContext = cfg.Dial
	c, resp, err := websocket.Dial(ctx, wsURL(addr), opts)
	if err != nil {
		return nil, err
	}
	return &hayateClient{c: c, ext: resp.Header.Get("Sec-WebSocket-Extensions")}, nil
}

func (h *hayateClient) Echo(msg, buf []byte) ([]byte, error) {
	ctx := context.Background()
	if err := h.c.Write(ctx, websocket.MessageBinary, msg); err != nil {
		return nil, err
	}
	_, r, err := h.c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	return readInto(r, buf[:0])
}

func (h *hayateClient) Negotiated() string { return h.ext }

func (h *hayateClient) Close() error { return h.c.CloseNow() }
