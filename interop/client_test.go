package interop

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hayate-ws/websocket"
)

// This file is Hayate's side when Hayate is the client: it runs the scenarios against a
// peer server (peers/ws_server.js, peers/py_server.py or a Go library, all serving the
// same paths) and checks what the client saw, what the wire tap saw and what the peer
// server reports.

// dialTap dials with Hayate through a wire tap.
func dialTap(ctx context.Context, url string, opts websocket.DialOptions) (*websocket.Conn, *http.Response, *tapConn, error) {
	return dialThrough(ctx, url, opts, newTap)
}

// dialThrough dials with Hayate through the wire tap that tap makes of the connection.
func dialThrough(ctx context.Context, url string, opts websocket.DialOptions, tap func(net.Conn, bool) *tapConn) (*websocket.Conn, *http.Response, *tapConn, error) {
	var tc *tapConn
	opts.ReadLimit = 64 << 20
	opts.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc = tap(c, false)
		return tc, nil
	}
	c, resp, err := websocket.Dial(ctx, url, &opts)
	return c, resp, tc, err
}

// checkClientRole runs, as subtests named after the README's matrix columns, Hayate's
// client against a peer server.
func checkClientRole(t *testing.T, peer *serverPeer) {
	t.Helper()
	name := peer.name
	// dial connects to path and registers the wire checks to run at the subtest's end.
	dial := func(t *testing.T, ctx context.Context, path string, opts websocket.DialOptions) (*websocket.Conn, *tapConn) {
		t.Helper()
		c, resp, tc, err := dialTap(ctx, peer.base+path, opts)
		if err != nil {
			t.Fatalf("Hayate client: Dial %s: %v", path, err)
		}
		if ext := resp.Header.Values("Sec-WebSocket-Extensions"); len(ext) > 0 {
			t.Errorf("%s negotiated extensions %q that were not offered", name, ext)
		}
		t.Cleanup(func() {
			c.CloseNow()
			w := tc.capture(t)
			w.checkInvariants(t)
			if ext := w.reqHead.Values("Sec-WebSocket-Extensions"); len(ext) > 0 {
				t.Errorf("wire: Hayate's request offered extensions %q", ext)
			}
		})
		return c, tc
	}
	ctxFor := func(t *testing.T) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	// closeNormally closes with 1000 and checks that the peer server saw it.
	closeNormally := func(t *testing.T, c *websocket.Conn, path string) serverReport {
		t.Helper()
		if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Errorf("Hayate client: Close(1000): %v", err)
		}
		rep, ok := peer.report(t, path)
		if !ok {
			t.FailNow()
		}
		if rep.Error != "" {
			t.Errorf("%s: %s", name, rep.Error)
		}
		if rep.CloseCode != 1000 {
			t.Errorf("%s saw close %d %q, want 1000", name, rep.CloseCode, rep.CloseReason)
		}
		return rep
	}
	echoCase := func(path string, want []msgInfo) func(t *testing.T) {
		return func(t *testing.T) {
			ctx := ctxFor(t)
			c, _ := dial(t, ctx, path, websocket.DialOptions{})
			for _, m := range want {
				p := payload(m)
				typ := hayateType(m.Type == "binary")
				if err := c.Write(ctx, typ, p); err != nil {
					t.Fatalf("Hayate client: Write %s of %d bytes: %v", m.Type, m.Size, err)
				}
				gotTyp, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("Hayate client: Read the echo of %s of %d bytes: %v", m.Type, m.Size, err)
				}
				if gotTyp != typ || string(got) != string(p) {
					t.Errorf("echo of %s of %d bytes came back as %v of %d bytes (%s)", m.Type, m.Size, gotTyp, len(got), classify(gotTyp == websocket.MessageBinary, got))
				}
			}
			rep := closeNormally(t, c, path)
			checkMsgs(t, name, rep.Received, want)
		}
	}
	t.Run("text", echoCase("/echo/text", textMessages()))
	t.Run("binary", echoCase("/echo/binary", binaryMessages()))
	t.Run("1MiB", echoCase("/echo/large", largeMessages()))

	t.Run("fragmented", func(t *testing.T) {
		ctx := ctxFor(t)
		c, tc := dial(t, ctx, "/fragment", websocket.DialOptions{})
		typ, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Hayate client: Read the peer's fragmented message: %v", err)
		}
		if got := (msgInfo{Type: typeName(typ == websocket.MessageBinary), Size: len(p), Kind: classify(typ == websocket.MessageBinary, p)}); got != (msgInfo{Type: "text", Size: len(fragMsg), Kind: "F"}) {
			t.Errorf("Hayate client assembled the peer's fragmented message as %+v", got)
		}
		if err := writeParts(ctx, c, websocket.MessageText, fragParts(fragMsg3)); err != nil {
			t.Fatalf("Hayate client: Writer: %v", err)
		}
		typ, p, err = c.Read(ctx)
		if err != nil {
			t.Fatalf("Hayate client: Read the echo: %v", err)
		}
		if typ != websocket.MessageText || string(p) != fragMsg3 {
			t.Errorf("the echo of Hayate's fragmented message came back as %v of %d bytes", typ, len(p))
		}
		rep := closeNormally(t, c, "/fragment")
		checkMsgs(t, name, rep.Received, []msgInfo{{Type: "text", Size: len(fragMsg3), Kind: "F3"}})
		w := tc.capture(t)
		in, out := dataMessages(w.fromServer), dataMessages(w.fromClient)
		if len(in) == 0 || len(out) == 0 {
			t.Fatalf("wire: %d messages in, %d out", len(in), len(out))
		}
		checkFragmented(t, name+"→Hayate", in[0], 0x1, int64(len(fragMsg)))
		checkFragmented(t, "Hayate→"+name, out[0], 0x1, int64(len(fragMsg3)))
		t.Logf("%s→Hayate: %s; Hayate→%s: %s", name, describeMessage(in[0]), name, describeMessage(out[0]))
	})

	t.Run("ping-pong", func(t *testing.T) {
		ctx := ctxFor(t)
		c, tc := dial(t, ctx, "/ping", websocket.DialOptions{})
		msgs := make(chan string, 4)
		readErr := make(chan error, 1)
		go func() {
			for {
				_, p, err := c.Read(ctx)
				if err != nil {
					readErr <- err
					return
				}
				msgs <- string(p)
				if strings.HasPrefix(string(p), "peer-ping:") {
					readErr <- nil
					return
				}
			}
		}()
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := c.Ping(pctx); err != nil {
			t.Errorf("Hayate client: Ping: %v", err)
		}
		cancel()
		if err := c.Write(ctx, websocket.MessageText, []byte("ping-me")); err != nil {
			t.Fatalf("Hayate client: Write: %v", err)
		}
		if err := <-readErr; err != nil {
			t.Fatalf("Hayate client: Read: %v", err)
		}
		if got := <-msgs; got != "peer-ping:ok" {
			t.Errorf("%s said %q about its ping", name, got)
		}
		rep := closeNormally(t, c, "/ping")
		if rep.PeerPing != "ok" {
			t.Errorf("%s's ping: %q", name, rep.PeerPing)
		}
		w := tc.capture(t)
		for _, dir := range []struct {
			who          string
			pings, pongs []frameInfo
		}{
			{"Hayate's", controlFrames(w.fromClient, 0x9), controlFrames(w.fromServer, 0xA)},
			{name + "'s", controlFrames(w.fromServer, 0x9), controlFrames(w.fromClient, 0xA)},
		} {
			if len(dir.pings) != 1 || len(dir.pongs) != 1 || string(dir.pings[0].payload) != string(dir.pongs[0].payload) {
				t.Errorf("wire: %s pings %v were answered by pongs %v", dir.who, dir.pings, dir.pongs)
			}
		}
	})

	t.Run("close", func(t *testing.T) {
		t.Run("hayate-closes", func(t *testing.T) {
			ctx := ctxFor(t)
			c, tc := dial(t, ctx, "/close-client", websocket.DialOptions{})
			if err := c.Close(4001, ciao); err != nil {
				t.Errorf("Hayate client: Close(4001, %q): %v", ciao, err)
			}
			rep, ok := peer.report(t, "/close-client")
			if ok && (rep.CloseCode != 4001 || rep.CloseReason != ciao) {
				t.Errorf("%s saw close %d %q, want 4001 %q", name, rep.CloseCode, rep.CloseReason, ciao)
			}
			if code, _ := closeFrame(tc.capture(t).fromServer); code != 4001 {
				t.Errorf("wire: %s answered the close with %d, want 4001 echoed", name, code)
			}
		})
		t.Run("peer-closes", func(t *testing.T) {
			ctx := ctxFor(t)
			c, tc := dial(t, ctx, "/close-server", websocket.DialOptions{})
			start := time.Now()
			_, p, err := c.Read(ctx)
			if err == nil {
				t.Fatalf("Hayate client: Read returned a message %q, want the peer's close", p)
			}
			if code, reason := endedBy(err); code != 4000 || reason != "bye" {
				t.Errorf("Hayate client: Read: %v, want the peer's close 4000 \"bye\"", err)
			}
			t.Logf("Read returned after %v: %v", time.Since(start).Round(time.Millisecond), err)
			rep, ok := peer.report(t, "/close-server")
			if ok && rep.CloseCode != 4000 {
				t.Errorf("%s saw Hayate's answer to its close as %d %q (error %q), want 4000", name, rep.CloseCode, rep.CloseReason, rep.Error)
			}
			if code, _ := closeFrame(tc.capture(t).fromClient); code != 4000 {
				t.Errorf("wire: Hayate answered the close with %d, want 4000 echoed", code)
			}
		})
	})

	t.Run("subprotocol", func(t *testing.T) {
		ctx := ctxFor(t)
		c, tc := dial(t, ctx, "/subprotocol", websocket.DialOptions{Subprotocols: []string{"chat.v2", "chat.v1"}})
		_, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Hayate client: Read: %v", err)
		}
		// The peer supports chat.v1 then chat.v2 and picks by its own preference.
		if c.Subprotocol() != "chat.v1" || string(p) != "chat.v1" {
			t.Errorf("Hayate client sees subprotocol %q and the server said %q, want chat.v1 for both", c.Subprotocol(), p)
		}
		if got := tc.capture(t).reqHead.Get("Sec-WebSocket-Protocol"); got != "chat.v2, chat.v1" {
			t.Errorf("wire: Hayate offered %q", got)
		}
		rep := closeNormally(t, c, "/subprotocol")
		if rep.Protocol != "chat.v1" {
			t.Errorf("%s chose %q", name, rep.Protocol)
		}
	})

	// The peer server has permessage-deflate enabled; Hayate, with compression off
	// (Deflate nil), does not offer it, so the peer must not answer with it and messages
	// must flow uncompressed.
	t.Run("compression", func(t *testing.T) {
		ctx := ctxFor(t)
		c, _ := dial(t, ctx, "/echo/compression", websocket.DialOptions{})
		for _, m := range compressionMessages() {
			p := payload(m)
			if err := c.Write(ctx, websocket.MessageText, p); err != nil {
				t.Fatalf("Hayate client: Write: %v", err)
			}
			if _, got, err := c.Read(ctx); err != nil || string(got) != string(p) {
				t.Fatalf("Hayate client: echo of %d bytes: %d bytes back, err %v", len(p), len(got), err)
			}
		}
		rep := closeNormally(t, c, "/echo/compression")
		if rep.Extensions != "" {
			t.Errorf("%s thinks it negotiated %q", name, rep.Extensions)
		}
	})
}
