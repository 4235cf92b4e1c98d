package interop

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hayate-ws/websocket"
)

// This file is Hayate's side when Hayate is the server: an http.Server on 127.0.0.1 that
// serves the browser page and, under /ws/<scenario>, one scenario per connection, and the
// checks that judge a peer client's reports together with what the server and its wire
// tap saw.

// serverScenarios are the scenarios a peer client runs against Hayate's server, in order.
var serverScenarios = []string{
	"text", "binary", "large", "fragmented", "ping", "close-hayate", "close-peer", "subprotocol", "compression",
}

// serverObs is what Hayate's server saw on one scenario's connection.
type serverObs struct {
	scenario    string
	acceptErr   error
	subprotocol string
	msgs        []msgInfo
	end         error // what ended the read loop
	pingErr     error // Conn.Ping
	writeErr    error
	closeErr    error // Conn.Close, when the server closed
	tap         *tapConn
}

// hayateServer runs the scenarios. Each scenario is expected once per server.
type hayateServer struct {
	httpURL string // http://127.0.0.1:port
	wsBase  string // ws://127.0.0.1:port/ws/

	mu   sync.Mutex
	obs  map[string]*serverObs
	done map[string]chan struct{}
}

func startHayateServer(t *testing.T) *hayateServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hayateServer{obs: map[string]*serverObs{}, done: map[string]chan struct{}{}}
	for _, sc := range serverScenarios {
		s.done[sc] = make(chan struct{})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/", s.serveWS)
	mux.Handle("/peers/", http.FileServer(http.Dir(".")))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "peers/page.html")
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	hs := &http.Server{Handler: mux, ConnContext: tapConnContext, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(tapListener{Listener: ln}) }()
	t.Cleanup(func() { _ = hs.Close() })
	s.httpURL = "http://" + ln.Addr().String()
	s.wsBase = "ws://" + ln.Addr().String() + "/ws/"
	return s
}

// wait returns what the server saw on the scenario's connection, once it has ended.
func (s *hayateServer) wait(t *testing.T, scenario string) *serverObs {
	t.Helper()
	select {
	case <-s.done[scenario]:
	case <-time.After(10 * time.Second):
		t.Fatalf("Hayate server: the %q connection did not end", scenario)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.obs[scenario]
}

func (s *hayateServer) serveWS(w http.ResponseWriter, r *http.Request) {
	scenario := strings.TrimPrefix(r.URL.Path, "/ws/")
	done, ok := s.done[scenario]
	if !ok {
		http.NotFound(w, r)
		return
	}
	obs := &serverObs{scenario: scenario, tap: tapFrom(r.Context())}
	defer func() {
		s.mu.Lock()
		_, seen := s.obs[scenario]
		s.obs[scenario] = obs
		s.mu.Unlock()
		if !seen {
			close(done)
		}
	}()
	opts := &websocket.AcceptOptions{ReadLimit: 8 << 20}
	if scenario == "subprotocol" {
		opts.Subprotocols = []string{"chat.v1", "chat.v2"}
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		obs.acceptErr = err
		return
	}
	defer c.CloseNow()
	obs.subprotocol = c.Subprotocol()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	switch scenario {
	case "text", "binary", "large", "compression":
		obs.readLoop(ctx, c, true)
	case "fragmented":
		typ, p, err := c.Read(ctx)
		if err != nil {
			obs.end = err
			return
		}
		obs.addMsg(typ, p)
		obs.writeErr = writeParts(ctx, c, websocket.MessageText, fragParts(fragMsg3))
		obs.readLoop(ctx, c, false)
	case "ping":
		// The peer's "peer-ping:..." message is echoed, so that a client that reads in a
		// second goroutine while it pings knows when to stop.
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs.readLoop(ctx, c, true)
		}()
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		obs.pingErr = c.Ping(pctx)
		pcancel()
		said := "hayate-ping:ok"
		if obs.pingErr != nil {
			said = "hayate-ping:" + obs.pingErr.Error()
		}
		obs.writeErr = c.Write(ctx, websocket.MessageText, []byte(said))
		wg.Wait()
	case "close-hayate":
		obs.closeErr = c.Close(4000, "bye")
	case "close-peer":
		obs.readLoop(ctx, c, false)
	case "subprotocol":
		obs.writeErr = c.Write(ctx, websocket.MessageText, []byte(c.Subprotocol()))
		obs.readLoop(ctx, c, false)
	}
}

// writeParts sends parts as one message through Conn.Writer, a Write call per part.
func writeParts(ctx context.Context, c *websocket.Conn, typ websocket.MessageType, parts [][]byte) error {
	w, err := c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			_ = w.Close()
			return err
		}
	}
	return w.Close()
}

// readLoop reads messages until the connection ends, echoing them if echo is set. It is
// the only reader of c.
func (o *serverObs) readLoop(ctx context.Context, c *websocket.Conn, echo bool) {
	for {
		typ, p, err := c.Read(ctx)
		if err != nil {
			o.end = err
			return
		}
		o.addMsg(typ, p)
		if echo {
			if err := c.Write(ctx, typ, p); err != nil {
				o.writeErr = err
				return
			}
		}
	}
}

// addMsg is called by the reading goroutine only; the observation is read after the
// handler returns.
func (o *serverObs) addMsg(typ websocket.MessageType, p []byte) {
	bin := typ == websocket.MessageBinary
	o.msgs = append(o.msgs, msgInfo{Type: typeName(bin), Size: len(p), Kind: classify(bin, p)})
}

// endedBy returns the code and reason of the close frame that ended the read loop.
func endedBy(err error) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Reason
	}
	return websocket.CloseStatus(err), ""
}

// peerCaps says what a peer client can do, so that the checks ask no more of it.
type peerCaps struct {
	fragment bool // can send a fragmented message
	ping     bool // can send a ping
	browser  bool // reports CloseEvent.wasClean; always offers permessage-deflate
	// noDeflateOffer: the client cannot offer permessage-deflate (Hayate's own).
	noDeflateOffer bool
}

// textMessages and friends are the messages the echo scenarios send, in order.
func textMessages() []msgInfo {
	var m []msgInfo
	for _, n := range echoSizes {
		m = append(m, msgInfo{Type: "text", Size: n, Kind: "pattern"})
	}
	return append(m, msgInfo{Type: "text", Size: len(rep), Kind: "rep"})
}

func binaryMessages() []msgInfo {
	var m []msgInfo
	for _, n := range echoSizes {
		m = append(m, msgInfo{Type: "binary", Size: n, Kind: "pattern"})
	}
	return m
}

func largeMessages() []msgInfo {
	return []msgInfo{{Type: "text", Size: largeSize, Kind: "pattern"}, {Type: "binary", Size: largeSize, Kind: "pattern"}}
}

func compressionMessages() []msgInfo {
	return []msgInfo{{Type: "text", Size: 65536, Kind: "pattern"}, {Type: "text", Size: len(rep), Kind: "rep"}}
}

// checkMsgs compares the messages a side received with those the other side sent.
func checkMsgs(t *testing.T, who string, got, want []msgInfo) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s received %d messages %v, want %d %v", who, len(got), got, len(want), want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: message %d is %+v, want %+v", who, i, got[i], want[i])
		}
	}
}

// checkEcho checks a peer client's echo results against the messages it was to send.
func checkEcho(t *testing.T, who string, got []echoResult, want []msgInfo) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d echo results %v, want %d", who, len(got), got, len(want))
		return
	}
	for i, e := range got {
		if e.Type != want[i].Type || e.Size != want[i].Size || !e.Match {
			t.Errorf("%s: echo of %s message of %d bytes: %+v (match=false means the echo differed)", who, want[i].Type, want[i].Size, e)
		}
	}
}

// checkServerRole runs, as subtests named after the README's matrix columns, the checks
// of Hayate's server against one peer client.
func checkServerRole(t *testing.T, srv *hayateServer, peerName string, caps peerCaps, reports map[string]clientReport) {
	t.Helper()
	// get returns the peer's report and the server's observation of a scenario, failing
	// the subtest if either is missing or the peer hit an error.
	get := func(t *testing.T, scenario string) (clientReport, *serverObs, wire) {
		t.Helper()
		rep, ok := reports[scenario]
		if !ok {
			t.Fatalf("%s sent no report for %q", peerName, scenario)
		}
		obs := srv.wait(t, scenario)
		if obs.acceptErr != nil {
			t.Fatalf("Hayate server: Accept: %v", obs.acceptErr)
		}
		if rep.Error != "" {
			t.Errorf("%s: %s", peerName, rep.Error)
		}
		if obs.writeErr != nil {
			t.Errorf("Hayate server: write: %v", obs.writeErr)
		}
		w := obs.tap.capture(t)
		w.checkInvariants(t)
		return rep, obs, w
	}
	// normalEnd checks that the peer ended the connection with a 1000 close frame.
	normalEnd := func(t *testing.T, obs *serverObs) {
		t.Helper()
		if code, _ := endedBy(obs.end); code != websocket.StatusNormalClosure {
			t.Errorf("Hayate server: connection ended with %v, want the peer's close 1000", obs.end)
		}
	}
	echoCase := func(scenario string, want []msgInfo) func(t *testing.T) {
		return func(t *testing.T) {
			rep, obs, _ := get(t, scenario)
			checkEcho(t, peerName, rep.Echo, want)
			checkMsgs(t, "Hayate server", obs.msgs, want)
			normalEnd(t, obs)
		}
	}
	t.Run("text", echoCase("text", textMessages()))
	t.Run("binary", echoCase("binary", binaryMessages()))
	t.Run("1MiB", echoCase("large", largeMessages()))

	t.Run("fragmented", func(t *testing.T) {
		rep, obs, w := get(t, "fragmented")
		checkMsgs(t, "Hayate server", obs.msgs, []msgInfo{{Type: "text", Size: len(fragMsg), Kind: "F"}})
		msgs := dataMessages(w.fromClient)
		if len(msgs) == 0 {
			t.Fatalf("wire: no data message from %s", peerName)
		}
		if caps.fragment {
			checkFragmented(t, peerName+"→Hayate", msgs[0], 0x1, int64(len(fragMsg)))
		} else {
			t.Logf("%s cannot fragment; it sent %s", peerName, describeMessage(msgs[0]))
		}
		out := dataMessages(w.fromServer)
		if len(out) == 0 {
			t.Fatal("wire: Hayate sent no data message")
		}
		checkFragmented(t, "Hayate→"+peerName, out[0], 0x1, int64(len(fragMsg3)))
		if want := (msgInfo{Type: "text", Size: len(fragMsg3), Kind: "F3"}); rep.Received == nil || *rep.Received != want {
			t.Errorf("%s assembled Hayate's fragmented message as %+v, want %+v", peerName, rep.Received, want)
		}
		t.Logf("%s→Hayate: %s; Hayate→%s: %s", peerName, describeMessage(msgs[0]), peerName, describeMessage(out[0]))
		normalEnd(t, obs)
	})

	t.Run("ping-pong", func(t *testing.T) {
		rep, obs, w := get(t, "ping")
		// Hayate's ping, answered by the peer.
		if obs.pingErr != nil {
			t.Errorf("Hayate server: Ping: %v", obs.pingErr)
		}
		if rep.HayatePing != "hayate-ping:ok" {
			t.Errorf("%s got %q from the server after its Ping", peerName, rep.HayatePing)
		}
		pings, pongs := controlFrames(w.fromServer, 0x9), controlFrames(w.fromClient, 0xA)
		if len(pings) != 1 || len(pongs) < 1 || string(pongs[0].payload) != string(pings[0].payload) {
			t.Errorf("wire: Hayate's pings %v and the peer's pongs %v do not match", pings, pongs)
		}
		// The peer's ping, answered by Hayate.
		if caps.ping {
			if rep.PeerPing != "ok" {
				t.Errorf("%s's ping: %s", peerName, rep.PeerPing)
			}
			pings, pongs := controlFrames(w.fromClient, 0x9), controlFrames(w.fromServer, 0xA)
			if len(pings) != 1 || len(pongs) != 1 || string(pongs[0].payload) != string(pings[0].payload) {
				t.Errorf("wire: the peer's pings %v and Hayate's pongs %v do not match", pings, pongs)
			}
		} else if rep.PeerPing != "unsupported" {
			t.Errorf("%s's ping: %s", peerName, rep.PeerPing)
		}
		checkMsgs(t, "Hayate server", obs.msgs, []msgInfo{{Type: "text", Size: len("peer-ping:" + rep.PeerPing), Kind: "other"}})
		normalEnd(t, obs)
	})

	t.Run("close", func(t *testing.T) {
		t.Run("hayate-closes", func(t *testing.T) {
			rep, obs, w := get(t, "close-hayate")
			if obs.closeErr != nil {
				t.Errorf("Hayate server: Close(4000, \"bye\"): %v", obs.closeErr)
			}
			if code, reason := closeFrame(w.fromServer); code != 4000 || reason != "bye" {
				t.Errorf("wire: Hayate's close frame said %d %q, want 4000 \"bye\"", code, reason)
			}
			if code, _ := closeFrame(w.fromClient); code != 4000 {
				t.Errorf("wire: %s answered the close with code %d, want 4000 echoed", peerName, code)
			}
			if rep.CloseCode != 4000 || rep.CloseReason != "bye" {
				t.Errorf("%s saw close %d %q, want 4000 \"bye\"", peerName, rep.CloseCode, rep.CloseReason)
			}
			if caps.browser && (rep.Clean == nil || !*rep.Clean) {
				t.Errorf("%s: the close was not clean (wasClean=false)", peerName)
			}
		})
		t.Run("peer-closes", func(t *testing.T) {
			rep, obs, w := get(t, "close-peer")
			if code, reason := endedBy(obs.end); code != 4001 || reason != ciao {
				t.Errorf("Hayate server: connection ended with %v, want the peer's close 4001 %q", obs.end, ciao)
			}
			if code, _ := closeFrame(w.fromServer); code != 4001 {
				t.Errorf("wire: Hayate answered the close with code %d, want 4001 echoed", code)
			}
			if rep.CloseCode != 4001 {
				t.Errorf("%s saw Hayate's answer to its close as %d %q, want 4001", peerName, rep.CloseCode, rep.CloseReason)
			}
			if caps.browser && (rep.Clean == nil || !*rep.Clean) {
				t.Errorf("%s: the close was not clean (wasClean=false)", peerName)
			}
		})
	})

	t.Run("subprotocol", func(t *testing.T) {
		rep, obs, w := get(t, "subprotocol")
		offered := strings.Join(w.reqHead.Values("Sec-WebSocket-Protocol"), ", ")
		if offered != "chat.v2, chat.v1" && offered != "chat.v2,chat.v1" {
			t.Errorf("%s offered %q, want chat.v2, chat.v1", peerName, offered)
		}
		// The server supports chat.v1 then chat.v2 and picks by its own preference.
		if obs.subprotocol != "chat.v1" || w.respHead.Get("Sec-WebSocket-Protocol") != "chat.v1" {
			t.Errorf("Hayate server chose %q (header %q), want chat.v1", obs.subprotocol, w.respHead.Get("Sec-WebSocket-Protocol"))
		}
		if rep.Protocol != "chat.v1" || rep.ServerSaid != "chat.v1" {
			t.Errorf("%s sees subprotocol %q and the server said %q, want chat.v1 for both", peerName, rep.Protocol, rep.ServerSaid)
		}
		normalEnd(t, obs)
	})

	t.Run("compression", func(t *testing.T) {
		if caps.noDeflateOffer {
			t.Skip("n/a: the client does not offer permessage-deflate")
		}
		rep, obs, w := get(t, "compression")
		offer := strings.Join(w.reqHead.Values("Sec-WebSocket-Extensions"), ", ")
		if !strings.Contains(offer, "permessage-deflate") {
			t.Errorf("%s did not offer permessage-deflate (Sec-WebSocket-Extensions %q)", peerName, offer)
		}
		t.Logf("%s offered %q; Hayate answered without extensions", peerName, offer)
		if rep.Extensions != "" {
			t.Errorf("%s thinks it negotiated %q", peerName, rep.Extensions)
		}
		checkEcho(t, peerName, rep.Echo, compressionMessages())
		checkMsgs(t, "Hayate server", obs.msgs, compressionMessages())
		normalEnd(t, obs)
	})
}
