package interop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	coder "github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
	"github.com/hayate-ws/websocket"
)

// This file runs the scenarios with Go libraries: gorilla/websocket and coder/websocket as
// peers (in a child process: the test binary re-run with HAYATE_INTEROP_PEER set, see
// TestMain) and Hayate's own client behind nginx. Each library sits behind goConn, and
// the scenarios are written once, mirroring peers/ws_client.js and peers/ws_server.js.

// goConn is one WebSocket connection of some Go library.
type goConn interface {
	Write(ctx context.Context, binary bool, p []byte) error
	// WriteParts sends one message, handing the library the parts one by one.
	WriteParts(ctx context.Context, binary bool, parts [][]byte) error
	Read(ctx context.Context) (binary bool, p []byte, err error)
	// Ping sends a ping and waits for its pong; another goroutine must be reading.
	Ping(ctx context.Context) error
	// Close sends a close frame and waits for the answer, returning its code and reason.
	// No other goroutine may be reading.
	Close(code int, reason string) (int, string, error)
	// CloseInfo returns the close frame that made Read fail with err, or 0.
	CloseInfo(err error) (int, string)
	Subprotocol() string
	Extensions() string
	Abort()
}

// goLib dials and accepts with one library. deflate names the permessage-deflate
// configuration: "" (off, dial only), "default" (the library's usual mode) or
// "no-takeover" (see deflate_test.go).
type goLib struct {
	name   string
	dial   func(ctx context.Context, url string, subprotocols []string, deflate string) (goConn, error)
	accept func(w http.ResponseWriter, r *http.Request, deflate string) (goConn, error)
}

var goLibs = map[string]goLib{
	"gorilla": {"gorilla", dialGorilla, acceptGorilla},
	"coder":   {"coder", dialCoder, acceptCoder},
	"hayate":  {"hayate", dialHayate, nil},
}

// offeredDeflate reports what a server that accepts permessage-deflate negotiated, for
// libraries that do not tell: the extension if the client offered it.
func offeredDeflate(r *http.Request) string {
	if strings.Contains(strings.Join(r.Header.Values("Sec-WebSocket-Extensions"), ","), "permessage-deflate") {
		return "permessage-deflate"
	}
	return ""
}

// ---- gorilla ----

type gorillaConn struct {
	c     *gorilla.Conn
	ext   string
	pongs chan string
	wmu   sync.Mutex // one writer at a time, as gorilla requires
}

func newGorillaConn(c *gorilla.Conn, ext string) *gorillaConn {
	g := &gorillaConn{c: c, ext: ext, pongs: make(chan string, 4)}
	c.SetPongHandler(func(s string) error {
		select {
		case g.pongs <- s:
		default:
		}
		return nil
	})
	return g
}

// gorilla has one compression mode, without context takeover in either direction: both
// deflate configurations mean it.
func dialGorilla(ctx context.Context, url string, subprotocols []string, deflate string) (goConn, error) {
	d := gorilla.Dialer{
		Subprotocols:      subprotocols,
		EnableCompression: deflate != "",
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		HandshakeTimeout:  10 * time.Second,
	}
	c, resp, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	return newGorillaConn(c, resp.Header.Get("Sec-WebSocket-Extensions")), nil
}

func acceptGorilla(w http.ResponseWriter, r *http.Request, _ string) (goConn, error) {
	u := gorilla.Upgrader{
		Subprotocols:      []string{"chat.v1", "chat.v2"},
		EnableCompression: true,
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
	}
	c, err := u.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	return newGorillaConn(c, offeredDeflate(r)), nil
}

func gorillaType(binary bool) int {
	if binary {
		return gorilla.BinaryMessage
	}
	return gorilla.TextMessage
}

func (g *gorillaConn) Write(ctx context.Context, binary bool, p []byte) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	d, _ := ctx.Deadline()
	_ = g.c.SetWriteDeadline(d)
	return g.c.WriteMessage(gorillaType(binary), p)
}

func (g *gorillaConn) WriteParts(ctx context.Context, binary bool, parts [][]byte) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	d, _ := ctx.Deadline()
	_ = g.c.SetWriteDeadline(d)
	w, err := g.c.NextWriter(gorillaType(binary))
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return w.Close()
}

func (g *gorillaConn) Read(ctx context.Context) (bool, []byte, error) {
	d, _ := ctx.Deadline()
	_ = g.c.SetReadDeadline(d)
	typ, p, err := g.c.ReadMessage()
	return typ == gorilla.BinaryMessage, p, err
}

func (g *gorillaConn) Ping(ctx context.Context) error {
	if err := g.c.WriteControl(gorilla.PingMessage, []byte("peer-ping"), time.Now().Add(5*time.Second)); err != nil {
		return err
	}
	for {
		select {
		case s := <-g.pongs:
			if s == "peer-ping" {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *gorillaConn) Close(code int, reason string) (int, string, error) {
	err := g.c.WriteControl(gorilla.CloseMessage, gorilla.FormatCloseMessage(code, reason), time.Now().Add(5*time.Second))
	if err != nil {
		return 0, "", err
	}
	_ = g.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := g.c.ReadMessage(); err != nil {
			if c, r := g.CloseInfo(err); c != 0 {
				return c, r, nil
			}
			return 0, "", err
		}
	}
}

func (g *gorillaConn) CloseInfo(err error) (int, string) {
	var ce *gorilla.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Text
	}
	return 0, ""
}

func (g *gorillaConn) Subprotocol() string { return g.c.Subprotocol() }
func (g *gorillaConn) Extensions() string  { return g.ext }
func (g *gorillaConn) Abort()              { _ = g.c.Close() }

// ---- coder ----

type coderConn struct {
	c   *coder.Conn
	ext string
}

// coderMode maps a deflate configuration to coder's compression modes.
func coderMode(deflate string) coder.CompressionMode {
	switch deflate {
	case "":
		return coder.CompressionDisabled
	case "no-takeover":
		return coder.CompressionNoContextTakeover
	}
	return coder.CompressionContextTakeover
}

func dialCoder(ctx context.Context, url string, subprotocols []string, deflate string) (goConn, error) {
	c, resp, err := coder.Dial(ctx, url, &coder.DialOptions{Subprotocols: subprotocols, CompressionMode: coderMode(deflate)})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	return &coderConn{c: c, ext: resp.Header.Get("Sec-WebSocket-Extensions")}, nil
}

func acceptCoder(w http.ResponseWriter, r *http.Request, deflate string) (goConn, error) {
	c, err := coder.Accept(w, r, &coder.AcceptOptions{
		Subprotocols:    []string{"chat.v1", "chat.v2"},
		CompressionMode: coderMode(deflate),
	})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	return &coderConn{c: c, ext: offeredDeflate(r)}, nil
}

func coderType(binary bool) coder.MessageType {
	if binary {
		return coder.MessageBinary
	}
	return coder.MessageText
}

func (k *coderConn) Write(ctx context.Context, binary bool, p []byte) error {
	return k.c.Write(ctx, coderType(binary), p)
}

func (k *coderConn) WriteParts(ctx context.Context, binary bool, parts [][]byte) error {
	w, err := k.c.Writer(ctx, coderType(binary))
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return w.Close()
}

func (k *coderConn) Read(ctx context.Context) (bool, []byte, error) {
	typ, p, err := k.c.Read(ctx)
	return typ == coder.MessageBinary, p, err
}

func (k *coderConn) Ping(ctx context.Context) error { return k.c.Ping(ctx) }

// Close returns nil from coder only when the peer answered with the same code.
func (k *coderConn) Close(code int, reason string) (int, string, error) {
	if err := k.c.Close(coder.StatusCode(code), reason); err != nil {
		return 0, "", err
	}
	return code, "", nil
}

func (k *coderConn) CloseInfo(err error) (int, string) {
	var ce coder.CloseError
	if errors.As(err, &ce) {
		return int(ce.Code), ce.Reason
	}
	return 0, ""
}

func (k *coderConn) Subprotocol() string { return k.c.Subprotocol() }
func (k *coderConn) Extensions() string  { return k.ext }
func (k *coderConn) Abort()              { _ = k.c.CloseNow() }

// ---- Hayate (for the nginx test) ----

type hayateConn struct{ c *websocket.Conn }

func dialHayate(ctx context.Context, url string, subprotocols []string, _ string) (goConn, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: subprotocols, ReadLimit: 64 << 20})
	if err != nil {
		return nil, err
	}
	return hayateConn{c}, nil
}

func hayateType(binary bool) websocket.MessageType {
	if binary {
		return websocket.MessageBinary
	}
	return websocket.MessageText
}

func (h hayateConn) Write(ctx context.Context, binary bool, p []byte) error {
	return h.c.Write(ctx, hayateType(binary), p)
}

func (h hayateConn) WriteParts(ctx context.Context, binary bool, parts [][]byte) error {
	return writeParts(ctx, h.c, hayateType(binary), parts)
}

func (h hayateConn) Read(ctx context.Context) (bool, []byte, error) {
	typ, p, err := h.c.Read(ctx)
	return typ == websocket.MessageBinary, p, err
}

func (h hayateConn) Ping(ctx context.Context) error { return h.c.Ping(ctx) }

func (h hayateConn) Close(code int, reason string) (int, string, error) {
	if err := h.c.Close(websocket.StatusCode(code), reason); err != nil {
		return 0, "", err
	}
	// After the handshake, calls fail with the peer's close frame in the error.
	_, _, err := h.c.Read(context.Background())
	c, r := h.CloseInfo(err)
	return c, r, nil
}

func (h hayateConn) CloseInfo(err error) (int, string) {
	code, reason := endedBy(err)
	if code < 0 {
		return 0, ""
	}
	return int(code), reason
}

func (h hayateConn) Subprotocol() string { return h.c.Subprotocol() }
func (h hayateConn) Extensions() string  { return "" } // Hayate never offers one
func (h hayateConn) Abort()              { _ = h.c.CloseNow() }

// ---- the client side of the scenarios (against Hayate's server) ----

// payload builds the message that msgInfo describes.
func payload(m msgInfo) []byte {
	if m.Kind == "rep" {
		return []byte(rep)
	}
	return pattern(m.Type == "binary", m.Size)
}

// goClientScenario runs one scenario of peers/ws_client.js with a Go library.
func goClientScenario(ctx context.Context, lib goLib, base, scenario string) (rep clientReport) {
	rep.Scenario = scenario
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var err error
	switch scenario {
	case "text":
		err = goEcho(ctx, lib, base, scenario, textMessages(), "", &rep)
	case "binary":
		err = goEcho(ctx, lib, base, scenario, binaryMessages(), "", &rep)
	case "large":
		err = goEcho(ctx, lib, base, scenario, largeMessages(), "", &rep)
	case "compression":
		err = goEcho(ctx, lib, base, scenario, compressionMessages(), "default", &rep)
	case "fragmented":
		err = goFragmented(ctx, lib, base, &rep)
	case "ping":
		err = goPing(ctx, lib, base, &rep)
	case "close-hayate":
		err = goCloseHayate(ctx, lib, base, &rep)
	case "close-peer":
		var c goConn
		if c, err = lib.dial(ctx, base+scenario, nil, ""); err == nil {
			rep.CloseCode, rep.CloseReason, err = c.Close(4001, ciao)
			c.Abort()
		}
	case "subprotocol":
		err = goSubprotocol(ctx, lib, base, &rep)
	default:
		if profile, config, ok := deflateScenario(scenario); ok {
			err = goDeflateEcho(ctx, lib, base, profile, config, &rep)
			break
		}
		err = errors.New("unknown scenario")
	}
	if err != nil {
		rep.Error = err.Error()
	}
	return rep
}

// deflateScenario splits a compression test scenario, "deflate:<profile>:<config>".
func deflateScenario(s string) (profile, config string, ok bool) {
	rest, ok := strings.CutPrefix(s, "deflate:")
	if !ok {
		return "", "", false
	}
	profile, config, ok = strings.Cut(rest, ":")
	return profile, config, ok
}

// goDeflateEcho is the client side of a compression test: it connects to base+profile
// with the deflate configuration and echoes until the server closes.
func goDeflateEcho(ctx context.Context, lib goLib, base, profile, config string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+profile, nil, config)
	if err != nil {
		return err
	}
	defer c.Abort()
	rep.Extensions = c.Extensions()
	rep.Messages = []msgInfo{}
	code, reason, frag, err := goEchoAll(ctx, c, &rep.Messages)
	rep.CloseCode, rep.CloseReason, rep.FragEcho = code, reason, frag
	return err
}

// goEchoAll echoes every message until the connection ends, recording each in got: a
// text message that starts with fragmentEcho goes back in three parts through the
// library's streaming writer, every other one whole. It returns the peer's close frame,
// and "fragmented" if a message went back in parts.
func goEchoAll(ctx context.Context, c goConn, got *[]msgInfo) (code int, reason, frag string, err error) {
	for {
		bin, p, err := c.Read(ctx)
		if err != nil {
			code, reason = c.CloseInfo(err)
			if code == 0 {
				return 0, "", frag, err
			}
			return code, reason, frag, nil
		}
		*got = append(*got, msgInfo{Type: typeName(bin), Size: len(p), Sha: shortSHA(p)})
		if !bin && strings.HasPrefix(string(p), fragmentEcho) {
			n := len(p)
			err = c.WriteParts(ctx, false, [][]byte{p[:n/3], p[n/3 : 2*n/3], p[2*n/3:]})
			frag = "fragmented"
		} else {
			err = c.Write(ctx, bin, p)
		}
		if err != nil {
			return 0, "", frag, err
		}
	}
}

// closeNormally ends a scenario's connection with 1000.
func closeNormally(c goConn) error {
	code, _, err := c.Close(1000, "")
	if err == nil && code != 1000 {
		err = fmt.Errorf("the server answered close 1000 with %d", code)
	}
	return err
}

func goEcho(ctx context.Context, lib goLib, base, scenario string, msgs []msgInfo, deflate string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+scenario, nil, deflate)
	if err != nil {
		return err
	}
	defer c.Abort()
	rep.Protocol, rep.Extensions = c.Subprotocol(), c.Extensions()
	for _, m := range msgs {
		p := payload(m)
		if err := c.Write(ctx, m.Type == "binary", p); err != nil {
			return err
		}
		bin, got, err := c.Read(ctx)
		if err != nil {
			return err
		}
		rep.Echo = append(rep.Echo, echoResult{m.Type, m.Size, typeName(bin) == m.Type && string(got) == string(p)})
	}
	return closeNormally(c)
}

func goFragmented(ctx context.Context, lib goLib, base string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+"fragmented", nil, "")
	if err != nil {
		return err
	}
	defer c.Abort()
	if err := c.WriteParts(ctx, false, fragParts(fragMsg)); err != nil {
		return err
	}
	rep.Fragmented = "fragmented"
	bin, p, err := c.Read(ctx)
	if err != nil {
		return err
	}
	rep.Received = &msgInfo{Type: typeName(bin), Size: len(p), Kind: classify(bin, p)}
	return closeNormally(c)
}

func goPing(ctx context.Context, lib goLib, base string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+"ping", nil, "")
	if err != nil {
		return err
	}
	defer c.Abort()
	// A second goroutine reads while the pings go: up to the echo of "peer-ping:...".
	type msg struct {
		p   []byte
		err error
	}
	msgs := make(chan msg, 4)
	go func() {
		for {
			_, p, err := c.Read(ctx)
			msgs <- msg{p, err}
			if err != nil || strings.HasPrefix(string(p), "peer-ping:") {
				close(msgs)
				return
			}
		}
	}()
	first := <-msgs
	if first.err != nil {
		return first.err
	}
	rep.HayatePing = string(first.p)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	rep.PeerPing = "ok"
	if err := c.Ping(pctx); err != nil {
		rep.PeerPing = "fail: " + err.Error()
	}
	cancel()
	if err := c.Write(ctx, false, []byte("peer-ping:"+rep.PeerPing)); err != nil {
		return err
	}
	for m := range msgs {
		if m.err != nil {
			return m.err
		}
	}
	return closeNormally(c)
}

func goCloseHayate(ctx context.Context, lib goLib, base string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+"close-hayate", nil, "")
	if err != nil {
		return err
	}
	defer c.Abort()
	_, p, err := c.Read(ctx)
	if err == nil {
		return fmt.Errorf("got a message (%q) instead of the close", p)
	}
	rep.CloseCode, rep.CloseReason = c.CloseInfo(err)
	if rep.CloseCode == 0 {
		return err
	}
	return nil
}

func goSubprotocol(ctx context.Context, lib goLib, base string, rep *clientReport) error {
	c, err := lib.dial(ctx, base+"subprotocol", []string{"chat.v2", "chat.v1"}, "")
	if err != nil {
		return err
	}
	defer c.Abort()
	rep.Protocol = c.Subprotocol()
	_, p, err := c.Read(ctx)
	if err != nil {
		return err
	}
	rep.ServerSaid = string(p)
	return closeNormally(c)
}

// ---- the server side of the scenarios (for Hayate's client) ----

// goServe runs, on one accepted connection, the scenario of peers/ws_server.js that path
// names, and returns the report.
func goServe(ctx context.Context, c goConn, path string) serverReport {
	defer c.Abort()
	rep := serverReport{Path: path, Protocol: c.Subprotocol(), Extensions: c.Extensions(), Received: []msgInfo{}}
	if strings.HasPrefix(path, "/deflate/") {
		var err error
		rep.CloseCode, rep.CloseReason, rep.Fragmented, err = goEchoAll(ctx, c, &rep.Received)
		if err != nil {
			rep.Error = err.Error()
		}
		return rep
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards rep.PeerPing
		writeErr error
	)
	switch path {
	case "/fragment":
		writeErr = c.WriteParts(ctx, false, fragParts(fragMsg))
		rep.Fragmented = "fragmented"
	case "/close-server":
		code, reason, err := c.Close(4000, "bye")
		rep.CloseCode, rep.CloseReason = code, reason
		if err != nil {
			rep.Error = err.Error()
		}
		return rep
	case "/subprotocol":
		writeErr = c.Write(ctx, false, []byte(c.Subprotocol()))
	}
	for writeErr == nil {
		bin, p, err := c.Read(ctx)
		if err != nil {
			rep.CloseCode, rep.CloseReason = c.CloseInfo(err)
			if rep.CloseCode == 0 {
				rep.Error = err.Error()
			}
			break
		}
		rep.Received = append(rep.Received, msgInfo{Type: typeName(bin), Size: len(p), Kind: classify(bin, p)})
		switch {
		case strings.HasPrefix(path, "/echo"), path == "/fragment":
			writeErr = c.Write(ctx, bin, p)
		case path == "/ping" && string(p) == "ping-me":
			wg.Add(1)
			go func() {
				defer wg.Done()
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				res := "ok"
				if err := c.Ping(pctx); err != nil {
					res = "fail: " + err.Error()
				}
				mu.Lock()
				rep.PeerPing = res
				mu.Unlock()
				_ = c.Write(ctx, false, []byte("peer-ping:"+res))
			}()
		}
	}
	wg.Wait()
	if writeErr != nil {
		rep.Error = "write: " + writeErr.Error()
	}
	return rep
}

// ---- the child process ----

// peerMain runs the test binary as a Go peer: "<lib>-client" runs the scenarios named
// in HAYATE_INTEROP_ARGS (after the ws:// base URL) against Hayate's server; "<lib>-server"
// serves the scenarios on 127.0.0.1 until its standard input closes.
func peerMain(mode string) int {
	libName, role, _ := strings.Cut(mode, "-")
	lib, ok := goLibs[libName]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown peer", mode)
		return 2
	}
	out := json.NewEncoder(os.Stdout)
	var outMu sync.Mutex
	emit := func(v any) {
		outMu.Lock()
		defer outMu.Unlock()
		_ = out.Encode(v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch role {
	case "client":
		args := strings.Fields(os.Getenv("HAYATE_INTEROP_ARGS"))
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "HAYATE_INTEROP_ARGS: want a base URL and scenarios")
			return 2
		}
		for _, sc := range args[1:] {
			emit(goClientScenario(ctx, lib, args[0], sc))
		}
		return 0
	case "server":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			os.Exit(0)
		}()
		fmt.Printf("LISTEN %d\n", ln.Addr().(*net.TCPAddr).Port)
		err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// /deflate/<config>/<profile> (compression tests); anything else uses the
			// library's usual compression mode.
			config := "default"
			if parts := strings.Split(r.URL.Path, "/"); len(parts) > 3 && parts[1] == "deflate" {
				config = parts[2]
			}
			c, err := lib.accept(w, r, config)
			if err != nil {
				emit(serverReport{Path: r.URL.Path, Error: "accept: " + err.Error()})
				return
			}
			emit(goServe(context.Background(), c, r.URL.Path))
		}))
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "unknown role", mode)
	return 2
}
