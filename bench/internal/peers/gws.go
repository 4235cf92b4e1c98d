package peers

import (
	"context"
	"errors"
	"net"

	"github.com/lxzan/gws"
)

// gws: its own server (RunListener: a goroutine per connection running gws's
// read loop) with an event handler whose OnMessage writes the message back
// with WriteMessage. The client: NewClient with ReadLoop in a goroutine;
// OnMessage hands each message to the goroutine that sent. Compression:
// PermessageDeflate with context takeover both ways and gws's defaults
// (level 1; with takeover gws proposes 12-bit windows).
var gwsLib = Lib{
	Name:        "gws",
	Serve:       gwsServe,
	Dial:        gwsDial,
	DeflateNote: "PermessageDeflate{ServerContextTakeover, ClientContextTakeover}, defaults otherwise",
}

func gwsDeflate(on bool) gws.PermessageDeflate {
	return gws.PermessageDeflate{Enabled: on, ServerContextTakeover: on, ClientContextTakeover: on}
}

type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	_ = c.WriteMessage(m.Opcode, m.Bytes())
	_ = m.Close()
}

func gwsServe(ln net.Listener, cfg ServerConfig) error {
	s := gws.NewServer(gwsEcho{}, &gws.ServerOption{
		ReadMaxPayloadSize: ReadLimit,
		PermessageDeflate:  gwsDeflate(cfg.Deflate),
	})
	// gws logs every failed connection; a benchmark ends thousands at once.
	s.OnError = func(net.Conn, error) {}
	return s.RunListener(ln)
}

// gwsDialer adapts a dial function to gws's Dialer.
type gwsDialer func(ctx context.Context, network, addr string) (net.Conn, error)

func (d gwsDialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background(), network, addr)
}

type gwsClient struct {
	gws.BuiltinEventHandler
	c      *gws.Conn
	ext    string
	msgs   chan *gws.Message
	closed chan struct{}
}

func (g *gwsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	select {
	case g.msgs <- m:
	case <-g.closed:
		_ = m.Close()
	}
}

func (g *gwsClient) OnClose(*gws.Conn, error) { close(g.closed) }

var errClosed = errors.New("peers: connection closed")

func gwsDial(_ context.Context, addr string, cfg ClientConfig) (Client, error) {
	g := &gwsClient{msgs: make(chan *gws.Message, 1), closed: make(chan struct{})}
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	c, resp, err := gws.NewClient(g, &gws.ClientOption{
		Addr:               wsURL(addr),
		ReadMaxPayloadSize: ReadLimit,
		PermessageDeflate:  gwsDeflate(cfg.Deflate),
		NewDialer:          func() (gws.Dialer, error) { return gwsDialer(dial), nil },
	})
	if err != nil {
		return nil, err
	}
	g.c = c
	g.ext = resp.Header.Get("Sec-WebSocket-Extensions")
	go c.ReadLoop()
	return g, nil
}

func (g *gwsClient) Echo(msg, buf []byte) ([]byte, error) {
	if err := g.c.WriteMessage(gws.OpcodeBinary, msg); err != nil {
		return nil, err
	}
	select {
	case m := <-g.msgs:
		buf = append(buf[:0], m.Bytes()...)
		_ = m.Close()
		return buf, nil
	case <-g.closed:
		return nil, errClosed
	}
}

func (g *gwsClient) Negotiated() string { return g.ext }

func (g *gwsClient) Close() error { return g.c.NetConn().Close() }
