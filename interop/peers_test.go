package interop

import (
	"os"
	"strings"
	"testing"
)

// The tests: one per peer and role, each with subtests named after the columns of the
// matrix in README.md (text, binary, 1MiB, fragmented, ping-pong, close, subprotocol,
// compression). TestServer* run Hayate's server against a peer client; TestClient* run
// Hayate's client against a peer server.

func TestMain(m *testing.M) {
	if mode := os.Getenv("HAYATE_INTEROP_PEER"); mode != "" {
		os.Exit(peerMain(mode))
	}
	os.Exit(m.Run())
}

// goPeerEnv is the environment that makes the test binary a Go peer.
func goPeerEnv(mode string, args ...string) []string {
	return []string{"HAYATE_INTEROP_PEER=" + mode, "HAYATE_INTEROP_ARGS=" + strings.Join(args, " ")}
}

func TestServerChromium(t *testing.T) {
	requirePeer(t, peerNode, peerNodePW, peerChrome)
	ctx := testContext(t)
	srv := startHayateServer(t)
	page := srv.httpURL + "/?s=" + strings.Join(serverScenarios, ",")
	p := startProc(t, ctx, nil, "node", "peers/chromium.js", page, t.TempDir(), chromiumBin)
	checkServerRole(t, srv, "Chromium", peerCaps{browser: true}, p.clientReports(ctx))
}

func TestServerNodeWS(t *testing.T) {
	requirePeer(t, peerNode, peerNodeWS)
	ctx := testContext(t)
	srv := startHayateServer(t)
	p := startProc(t, ctx, nil, "node", append([]string{"peers/ws_client.js", srv.wsBase}, serverScenarios...)...)
	checkServerRole(t, srv, "ws", peerCaps{fragment: true, ping: true}, p.clientReports(ctx))
}

func TestServerPython(t *testing.T) {
	requirePeer(t, peerPython)
	ctx := testContext(t)
	srv := startHayateServer(t)
	p := startProc(t, ctx, nil, pythonBin, append([]string{"-B", "peers/py_client.py", srv.wsBase}, serverScenarios...)...)
	checkServerRole(t, srv, "websockets", peerCaps{fragment: true, ping: true}, p.clientReports(ctx))
}

func TestServerGorilla(t *testing.T) {
	ctx := testContext(t)
	srv := startHayateServer(t)
	p := startProc(t, ctx, goPeerEnv("gorilla-client", append([]string{srv.wsBase}, serverScenarios...)...), os.Args[0])
	checkServerRole(t, srv, "gorilla", peerCaps{fragment: true, ping: true}, p.clientReports(ctx))
}

func TestServerCoder(t *testing.T) {
	ctx := testContext(t)
	srv := startHayateServer(t)
	p := startProc(t, ctx, goPeerEnv("coder-client", append([]string{srv.wsBase}, serverScenarios...)...), os.Args[0])
	checkServerRole(t, srv, "coder", peerCaps{fragment: true, ping: true}, p.clientReports(ctx))
}

func TestClientNodeWS(t *testing.T) {
	requirePeer(t, peerNode, peerNodeWS)
	peer := startServerPeer(t, testContext(t), nil, "node", "peers/ws_server.js")
	peer.name = "ws"
	checkClientRole(t, peer)
}

func TestClientPython(t *testing.T) {
	requirePeer(t, peerPython)
	peer := startServerPeer(t, testContext(t), nil, pythonBin, "-B", "peers/py_server.py")
	peer.name = "websockets"
	checkClientRole(t, peer)
}

func TestClientGorilla(t *testing.T) {
	peer := startServerPeer(t, testContext(t), goPeerEnv("gorilla-server"), os.Args[0])
	peer.name = "gorilla"
	checkClientRole(t, peer)
}

func TestClientCoder(t *testing.T) {
	peer := startServerPeer(t, testContext(t), goPeerEnv("coder-server"), os.Args[0])
	peer.name = "coder"
	checkClientRole(t, peer)
}

// TestServerBehindNginx runs Hayate's client against Hayate's server through nginx.
func TestServerBehindNginx(t *testing.T) {
	requirePeer(t, peerNginx)
	ctx := testContext(t)
	srv := startHayateServer(t)
	proxy := startNginx(t, ctx, strings.TrimPrefix(srv.httpURL, "http://"))
	base := "ws://" + proxy + "/ws/"
	reports := map[string]clientReport{}
	for _, sc := range serverScenarios {
		if sc == "compression" {
			continue // neither side offers permessage-deflate
		}
		reports[sc] = goClientScenario(ctx, goLibs["hayate"], base, sc)
	}
	checkServerRole(t, srv, "nginx+Hayate client", peerCaps{fragment: true, ping: true, noDeflateOffer: true}, reports)
}
