package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hayate-ws/websocket"
)

// The compression tests (permessage-deflate, RFC 7692): Hayate with Deflate set, in
// both roles, against every peer that implements the extension. Each subtest is one
// connection, a profile: how Hayate and the peer are configured. On it Hayate sends the
// messages of deflatePlan one by one and the peer echoes each; then Hayate closes with
// 1000. Hayate's side of the connection goes through a wire tap that keeps every frame,
// and the checks decode both directions independently (inflate_test.go) to see what was
// negotiated, what went compressed, that it decodes to what was sent, and that each
// side kept to the negotiated window and context takeover. See README.md.

// deflateProfile is one column of the compression matrix.
type deflateProfile struct {
	name string
	// config names the peer's configuration, the same in every peer (DEFLATE_CONFIGS in
	// peers/*.js and peers/*.py, deflate configurations in golibs_test.go): "default"
	// (the library's defaults), "no-takeover" (server_no_context_takeover and
	// client_no_context_takeover, asked as a client, imposed as a server) or "window"
	// (server_max_window_bits=10, client_max_window_bits=9, the same way).
	config string
	// Hayate's options as the server and as the client.
	server, client websocket.DeflateOptions
}

var deflateProfiles = []deflateProfile{
	{name: "takeover", config: "default"},
	{name: "no-takeover-peer", config: "no-takeover"},
	{
		name: "no-takeover-hayate", config: "default",
		server: websocket.DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, Threshold: -1, Level: 1},
		client: websocket.DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, Threshold: -1, Level: 1},
	},
	{
		// As a client Hayate offers server_max_window_bits=12, which the peer server
		// answers with a smaller 10. (A server may also send it unasked, RFC 7692
		// §7.1.2.1, as websockets' default server does in the takeover profile.)
		name: "window-peer", config: "window",
		client: websocket.DeflateOptions{ServerMaxWindowBits: 12},
	},
	{
		name: "window-hayate", config: "default",
		server: websocket.DeflateOptions{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9, Level: 9},
		client: websocket.DeflateOptions{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9, Level: 9},
	},
}

// deflatePeer says what a peer does with compression, so that the checks ask no more of
// it than it can do.
type deflatePeer struct {
	name string
	// skip: profiles that do not apply to this peer, and why.
	skip map[string]string
	// declines: profiles where the peer is expected to decline compression, and why.
	declines map[string]string
	// fragments: the peer can send a message in several frames.
	fragments bool
}

// planMsg is one message Hayate sends and the peer echoes.
type planMsg struct {
	name    string
	binary  bool
	payload []byte
	optOut  bool // sent with Conn.WriteUncompressed, whole
	pieces  bool // sent through Conn.Writer in the three parts of fragParts
}

// deflatePlan is the sequence of messages of every compression test connection: text
// and binary from 0 bytes to 1 MiB, a JSON document sent compressed, uncompressed (the
// opt-out) and compressed again (with context takeover the third is tiny), uncompressed
// messages between compressed ones, a text the peer echoes in fragments, and texts Hayate
// streams through its Writer: compressed, opted out, and one under the threshold (the
// long ones random enough to take several frames compressed).
var deflatePlan = sync.OnceValue(func() []planMsg {
	doc := jsonDoc()
	return []planMsg{
		{name: "text-16", payload: pattern(false, 16)},
		{name: "binary-16", binary: true, payload: pattern(true, 16)},
		{name: "binary-empty", binary: true, payload: []byte{}},
		{name: "text-125", payload: pattern(false, 125)},
		{name: "binary-125", binary: true, payload: pattern(true, 125)},
		{name: "text-1000", payload: pattern(false, 1000)},
		{name: "binary-1000", binary: true, payload: pattern(true, 1000)},
		{name: "json", payload: doc},
		{name: "json-optout", payload: doc, optOut: true},
		{name: "json-again", payload: doc},
		{name: "binary-64KiB", binary: true, payload: pattern(true, 64<<10)},
		{name: "text-64KiB-optout", payload: pattern(false, 64<<10), optOut: true},
		{name: "text-64KiB", payload: pattern(false, 64<<10)},
		{name: "binary-1MiB", binary: true, payload: pattern(true, 1<<20)},
		{name: "text-1MiB", payload: pattern(false, 1<<20)},
		{name: "fragment-echo", payload: randomText([]byte(fragmentEcho), 48<<10)},
		{name: "writer-pieces", payload: streamText(), pieces: true},
		{name: "writer-small", payload: []byte(rep), pieces: true},
		{name: "text-16-again", payload: pattern(false, 16)},
	}
})

// randomText appends to b pseudo-random text with 1- to 4-byte UTF-8 sequences until it
// holds at least n bytes. It compresses to about two thirds: a message of it takes
// several frames even compressed, where peers stream compressed output in frames.
func randomText(b []byte, n int) []byte {
	alphabet := []rune("abcdefghijklmnopqrstuvwxyz     .,\u00e9\u00f6\u00df\u2713\u20ac\U0001F680")
	x := uint32(1)
	for len(b) < n {
		x = x*1664525 + 1013904223
		b = utf8.AppendRune(b, alphabet[int(x>>16)%len(alphabet)])
	}
	return b
}

// streamText is what Hayate sends through its Writer: 96 KiB of random text between two
// copies of rep, so that fragParts cuts it inside multi-byte sequences.
func streamText() []byte {
	return append(randomText([]byte(rep), 96<<10), rep...)
}

// jsonDoc is a JSON array of user records, about 2 KiB: what applications send.
func jsonDoc() []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := range 14 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user-%03d","email":"user-%03d@example.com","active":%v,"score":%d,"tags":["alpha","beta","gamma"],"bio":"likes %s and %s"}`,
			i, i, i, i%3 != 0, i*37%1000, []string{"tea", "trains", "maps", "jazz"}[i%4], []string{"rain", "chess", "bread"}[i%3])
	}
	b.WriteString("]")
	return []byte(b.String())
}

// deflateObs is what Hayate saw on one compression test connection.
type deflateObs struct {
	acceptErr error // server role
	planErr   error // the first write or read that failed
	mismatch  []string
	echoed    int   // echoes received
	closeErr  error // Conn.Close(1000)
	tap       *tapConn
}

// runPlan sends the plan's messages one by one, reads each echo and closes with 1000.
func (o *deflateObs) runPlan(ctx context.Context, c *websocket.Conn) {
	for _, m := range deflatePlan() {
		typ := hayateType(m.binary)
		var err error
		switch {
		case m.optOut:
			err = c.WriteUncompressed(ctx, typ, m.payload)
		case m.pieces:
			err = writeParts(ctx, c, typ, fragParts(string(m.payload)))
		default:
			err = c.Write(ctx, typ, m.payload)
		}
		if err != nil {
			o.planErr = fmt.Errorf("write %s: %w", m.name, err)
			return
		}
		gotTyp, got, err := c.Read(ctx)
		if err != nil {
			o.planErr = fmt.Errorf("read the echo of %s: %w", m.name, err)
			return
		}
		o.echoed++
		if gotTyp != typ || !bytes.Equal(got, m.payload) {
			o.mismatch = append(o.mismatch, fmt.Sprintf("the echo of %s (%v, %d bytes) came back as %v of %d bytes%s",
				m.name, typ, len(m.payload), gotTyp, len(got), firstDiff(got, m.payload)))
		}
	}
	o.closeErr = c.Close(websocket.StatusNormalClosure, "")
}

// firstDiff describes where got first differs from want.
func firstDiff(got, want []byte) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf(", first difference at byte %d (%#02x, want %#02x)", i, got[i], want[i])
		}
	}
	return ""
}

// checkHayate reports what went wrong on Hayate's side of the plan.
func (o *deflateObs) checkHayate(t *testing.T) {
	t.Helper()
	if o.planErr != nil {
		t.Errorf("Hayate: %v (after %d of %d echoes)", o.planErr, o.echoed, len(deflatePlan()))
	}
	for _, m := range o.mismatch {
		t.Errorf("Hayate: %s", m)
	}
	if o.planErr == nil && o.closeErr != nil {
		t.Errorf("Hayate: Close(1000): %v", o.closeErr)
	}
}

// ---- Hayate as the server ----

// deflateServer is Hayate's server for the compression tests: /deflate/<profile> runs the
// plan with that profile's server options; it also serves the browser page.
type deflateServer struct {
	httpURL, wsBase string

	mu   sync.Mutex
	obs  map[string]*deflateObs
	done map[string]chan struct{}
}

func startDeflateServer(t *testing.T) *deflateServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &deflateServer{obs: map[string]*deflateObs{}, done: map[string]chan struct{}{}}
	for _, p := range deflateProfiles {
		s.done[p.name] = make(chan struct{})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/deflate/{profile}", s.serveWS)
	mux.Handle("/peers/", http.FileServer(http.Dir(".")))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, "peers/page.html") })
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	hs := &http.Server{Handler: mux, ConnContext: tapConnContext, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(tapListener{Listener: ln, keepData: true}) }()
	t.Cleanup(func() { _ = hs.Close() })
	s.httpURL = "http://" + ln.Addr().String()
	s.wsBase = "ws://" + ln.Addr().String() + "/deflate/"
	return s
}

func (s *deflateServer) serveWS(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("profile")
	done, ok := s.done[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	var prof deflateProfile
	for _, p := range deflateProfiles {
		if p.name == name {
			prof = p
		}
	}
	obs := &deflateObs{tap: tapFrom(r.Context())}
	defer func() {
		s.mu.Lock()
		_, seen := s.obs[name]
		s.obs[name] = obs
		s.mu.Unlock()
		if !seen {
			close(done)
		}
	}()
	opts := prof.server
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{ReadLimit: 8 << 20, Deflate: &opts})
	if err != nil {
		obs.acceptErr = err
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	obs.runPlan(ctx, c)
}

// wait returns what the server saw on the profile's connection, once it has ended.
func (s *deflateServer) wait(t *testing.T, profile string) *deflateObs {
	t.Helper()
	select {
	case <-s.done[profile]:
	case <-time.After(10 * time.Second):
		t.Fatalf("Hayate server: no %q connection ended", profile)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.obs[profile]
}

// deflateScenarios lists the peer client's scenarios, "deflate:<profile>:<config>", for
// the profiles that apply to peer.
func deflateScenarios(peer deflatePeer) []string {
	var out []string
	for _, p := range deflateProfiles {
		if _, skip := peer.skip[p.name]; !skip {
			out = append(out, "deflate:"+p.name+":"+p.config)
		}
	}
	return out
}

// checkDeflateServerRole runs, as subtests named after the profiles, the checks of
// Hayate's server against one peer client, once the peer has reported.
func checkDeflateServerRole(t *testing.T, srv *deflateServer, peer deflatePeer, reports map[string]clientReport) {
	t.Helper()
	for _, prof := range deflateProfiles {
		t.Run(prof.name, func(t *testing.T) {
			if why, skip := peer.skip[prof.name]; skip {
				t.Skip("n/a: " + why)
			}
			rep, ok := reports["deflate:"+prof.name+":"+prof.config]
			if !ok {
				t.Fatalf("%s sent no report", peer.name)
			}
			obs := srv.wait(t, prof.name)
			if obs.acceptErr != nil {
				t.Fatalf("Hayate server: Accept: %v", obs.acceptErr)
			}
			if rep.Error != "" {
				t.Errorf("%s: %s", peer.name, rep.Error)
			}
			obs.checkHayate(t)
			checkPeerSaw(t, peer.name, rep.Messages, rep.CloseCode)
			_, declined := peer.declines[prof.name]
			if !declined && !strings.Contains(rep.Extensions, "permessage-deflate") {
				t.Errorf("%s does not see permessage-deflate negotiated (extensions %q)", peer.name, rep.Extensions)
			}
			if rep.Params != nil {
				t.Logf("%s's view of the parameters: %v", peer.name, rep.Params)
			}
			checkDeflateWire(t, obs.tap.capture(t), true, prof.server, peer, prof)
		})
	}
}

// checkPeerSaw compares the messages a peer received with the plan.
func checkPeerSaw(t *testing.T, name string, got []msgInfo, closeCode int) {
	t.Helper()
	plan := deflatePlan()
	for i, m := range plan {
		want := msgInfo{Type: typeName(m.binary), Size: len(m.payload), Sha: shortSHA(m.payload)}
		switch {
		case i >= len(got):
			t.Errorf("%s received %d messages, want %d", name, len(got), len(plan))
			return
		case got[i] != want:
			t.Errorf("%s received %s as %+v, want %+v", name, m.name, got[i], want)
		}
	}
	if len(got) > len(plan) {
		t.Errorf("%s received %d messages, want %d", name, len(got), len(plan))
	}
	if closeCode != 1000 {
		t.Errorf("%s saw close code %d, want 1000", name, closeCode)
	}
}

// ---- Hayate as the client ----

// checkDeflateClientRole runs, as subtests named after the profiles, Hayate's client
// against a peer server: each dials /deflate/<config>/<profile>.
func checkDeflateClientRole(t *testing.T, server *serverPeer, peer deflatePeer) {
	t.Helper()
	for _, prof := range deflateProfiles {
		t.Run(prof.name, func(t *testing.T) {
			if why, skip := peer.skip[prof.name]; skip {
				t.Skip("n/a: " + why)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			path := "/deflate/" + prof.config + "/" + prof.name
			opts := prof.client
			obs := &deflateObs{}
			c, resp, tc, err := dialDataTap(ctx, server.base+path, websocket.DialOptions{Deflate: &opts})
			obs.tap = tc
			if err != nil {
				if tc != nil {
					w := tc.capture(t)
					t.Logf("offer %q, answer %q", w.reqHead.Get("Sec-WebSocket-Extensions"), w.respHead.Get("Sec-WebSocket-Extensions"))
				}
				t.Fatalf("Hayate client: Dial %s: %v", path, err)
			}
			defer c.CloseNow()
			t.Logf("negotiated %q", resp.Header.Get("Sec-WebSocket-Extensions"))
			obs.runPlan(ctx, c)
			obs.checkHayate(t)
			rep, ok := server.report(t, path)
			if !ok {
				t.FailNow()
			}
			if rep.Error != "" {
				t.Errorf("%s: %s", peer.name, rep.Error)
			}
			checkPeerSaw(t, peer.name, rep.Received, rep.CloseCode)
			if rep.Params != nil {
				t.Logf("%s's view of the parameters: %v", peer.name, rep.Params)
			}
			checkDeflateWire(t, tc.capture(t), false, prof.client, peer, prof)
		})
	}
}

// dialDataTap dials with Hayate through a wire tap that keeps data frames.
func dialDataTap(ctx context.Context, url string, opts websocket.DialOptions) (*websocket.Conn, *http.Response, *tapConn, error) {
	return dialThrough(ctx, url, opts, newDataTap)
}

// ---- the tests ----

// deflateTestTimeout bounds each compression test, peers included.
const deflateTestTimeout = 90 * time.Second

func deflateContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deflateTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

var (
	notConfigurable = "the browser's offer cannot be configured"
	gorillaOnlyMode = "gorilla always negotiates no context takeover both ways"
	noWindowParams  = "the library has no window size parameters"
)

var (
	deflateChromium = deflatePeer{name: "Chromium", skip: map[string]string{
		"no-takeover-peer": notConfigurable, "window-peer": notConfigurable,
	}}
	deflateNodeWS  = deflatePeer{name: "ws", fragments: true}
	deflatePython  = deflatePeer{name: "websockets", fragments: true}
	deflateGorilla = deflatePeer{name: "gorilla", fragments: true, skip: map[string]string{
		"takeover": gorillaOnlyMode, "window-peer": noWindowParams,
		"window-hayate": "gorilla offers no client_max_window_bits and ignores server_max_window_bits",
	}}
	deflateCoderClient = deflatePeer{name: "coder", fragments: true, skip: map[string]string{
		"window-peer":   noWindowParams,
		"window-hayate": "coder offers no client_max_window_bits",
	}}
	deflateCoderServer = deflatePeer{name: "coder", fragments: true,
		skip:     map[string]string{"window-peer": noWindowParams},
		declines: map[string]string{"window-hayate": "coder declines server_max_window_bits below 15"},
	}
)

func TestDeflateServerChromium(t *testing.T) {
	requirePeer(t, peerNode, peerNodePW, peerChrome)
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	page := srv.httpURL + "/?s=" + strings.Join(deflateScenarios(deflateChromium), ",")
	p := startProc(t, ctx, nil, "node", "peers/chromium.js", page, t.TempDir(), chromiumBin)
	checkDeflateServerRole(t, srv, deflateChromium, p.clientReports(ctx))
}

func TestDeflateServerNodeWS(t *testing.T) {
	requirePeer(t, peerNode, peerNodeWS)
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	p := startProc(t, ctx, nil, "node", append([]string{"peers/ws_client.js", srv.wsBase}, deflateScenarios(deflateNodeWS)...)...)
	checkDeflateServerRole(t, srv, deflateNodeWS, p.clientReports(ctx))
}

func TestDeflateServerPython(t *testing.T) {
	requirePeer(t, peerPython)
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	p := startProc(t, ctx, nil, pythonBin, append([]string{"-B", "peers/py_client.py", srv.wsBase}, deflateScenarios(deflatePython)...)...)
	checkDeflateServerRole(t, srv, deflatePython, p.clientReports(ctx))
}

func TestDeflateServerGorilla(t *testing.T) {
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	p := startProc(t, ctx, goPeerEnv("gorilla-client", append([]string{srv.wsBase}, deflateScenarios(deflateGorilla)...)...), os.Args[0])
	checkDeflateServerRole(t, srv, deflateGorilla, p.clientReports(ctx))
}

func TestDeflateServerCoder(t *testing.T) {
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	p := startProc(t, ctx, goPeerEnv("coder-client", append([]string{srv.wsBase}, deflateScenarios(deflateCoderClient)...)...), os.Args[0])
	checkDeflateServerRole(t, srv, deflateCoderClient, p.clientReports(ctx))
}

func TestDeflateClientNodeWS(t *testing.T) {
	requirePeer(t, peerNode, peerNodeWS)
	server := startServerPeer(t, deflateContext(t), nil, "node", "peers/ws_server.js")
	server.name = "ws"
	checkDeflateClientRole(t, server, deflateNodeWS)
}

func TestDeflateClientPython(t *testing.T) {
	requirePeer(t, peerPython)
	server := startServerPeer(t, deflateContext(t), nil, pythonBin, "-B", "peers/py_server.py")
	server.name = "websockets"
	checkDeflateClientRole(t, server, deflatePython)
}

func TestDeflateClientGorilla(t *testing.T) {
	server := startServerPeer(t, deflateContext(t), goPeerEnv("gorilla-server"), os.Args[0])
	server.name = "gorilla"
	checkDeflateClientRole(t, server, deflateGorilla)
}

func TestDeflateClientCoder(t *testing.T) {
	server := startServerPeer(t, deflateContext(t), goPeerEnv("coder-server"), os.Args[0])
	server.name = "coder"
	checkDeflateClientRole(t, server, deflateCoderServer)
}

// TestDeflateNginx runs Hayate's client against Hayate's server through nginx, which
// passes Sec-WebSocket-Extensions and the frames through untouched. Hayate's client is
// the peer here; the checks use the server's tap.
func TestDeflateNginx(t *testing.T) {
	requirePeer(t, peerNginx)
	ctx := deflateContext(t)
	srv := startDeflateServer(t)
	proxy := startNginx(t, ctx, strings.TrimPrefix(srv.httpURL, "http://"))
	peer := deflatePeer{name: "Hayate client via nginx", fragments: true, skip: map[string]string{
		"no-takeover-peer": "Hayate on both sides: see no-takeover-hayate",
		"window-peer":      "Hayate on both sides: see window-hayate",
	}}
	reports := map[string]clientReport{}
	for _, prof := range deflateProfiles {
		if _, skip := peer.skip[prof.name]; skip {
			continue
		}
		reports["deflate:"+prof.name+":"+prof.config] = hayateEcho(ctx, "ws://"+proxy+"/deflate/"+prof.name, prof.client)
	}
	checkDeflateServerRole(t, srv, peer, reports)
}

// hayateEcho is Hayate's client as the echoing peer of a compression test (behind
// nginx): it echoes every message, a fragment-echo one in three Writer calls, until the
// server closes, and reports like the other peers.
func hayateEcho(ctx context.Context, url string, opts websocket.DeflateOptions) (rep clientReport) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{ReadLimit: 64 << 20, Deflate: &opts})
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	defer c.CloseNow()
	rep.Extensions = resp.Header.Get("Sec-WebSocket-Extensions")
	for {
		typ, p, err := c.Read(ctx)
		if err != nil {
			code, reason := endedBy(err)
			rep.CloseCode, rep.CloseReason = int(code), reason
			if code < 0 {
				rep.Error = err.Error()
			}
			return rep
		}
		rep.Messages = append(rep.Messages, msgInfo{Type: typeName(typ == websocket.MessageBinary), Size: len(p), Sha: shortSHA(p)})
		if typ == websocket.MessageText && bytes.HasPrefix(p, []byte(fragmentEcho)) {
			n := len(p)
			err = writeParts(ctx, c, typ, [][]byte{p[:n/3], p[n/3 : 2*n/3], p[2*n/3:]})
		} else {
			err = c.Write(ctx, typ, p)
		}
		if err != nil {
			rep.Error = err.Error()
			return rep
		}
	}
}
