package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hayate-ws/websocket/autobahn/internal/report"
)

// rawPeer is a scripted testee built on the runner's codec, used to check
// what the runner records and how it judges.
type rawPeer struct {
	conn net.Conn
	br   *bufio.Reader
	mask bool // a client peer masks its frames
}

func (p *rawPeer) read() (frame, error) {
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return readFrame(p.br, maxFramePayload)
}

func (p *rawPeer) write(f frame) {
	f.masked = p.mask
	f.key = [4]byte{1, 2, 3, 4}
	_, _ = p.conn.Write(appendFrame(nil, f))
}

// naiveEcho echoes every frame as it is, without any validation, answers
// pings, and answers a close with the same payload, then closes TCP after
// linger.
func naiveEcho(linger time.Duration) func(*rawPeer) {
	return func(p *rawPeer) {
		for {
			f, err := p.read()
			if err != nil {
				return
			}
			switch f.opcode {
			case opClose:
				p.write(frame{fin: true, opcode: opClose, payload: f.payload})
				time.Sleep(linger)
				return
			case opPing:
				p.write(frame{fin: true, opcode: opPong, payload: f.payload})
			case opPong:
			default:
				p.write(frame{fin: f.fin, rsv: f.rsv, opcode: f.opcode, payload: f.payload})
			}
		}
	}
}

// failFirst fails the connection with code on the first frame it reads.
func failFirst(code int) func(*rawPeer) {
	return func(p *rawPeer) {
		if _, err := p.read(); err != nil {
			return
		}
		p.write(frame{fin: true, opcode: opClose, payload: closePayload(code, "")})
		for {
			f, err := p.read()
			if err != nil || f.opcode == opClose {
				return
			}
		}
	}
}

// startTestee runs a scripted testee server on loopback and returns its URL.
func startTestee(t *testing.T, behave func(*rawPeer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				br := bufio.NewReader(conn)
				up, ok, err := readUpgrade(conn, br)
				if err != nil || !ok {
					return
				}
				if _, err := writeUpgrade(conn, up, ""); err != nil {
					return
				}
				behave(&rawPeer{conn: conn, br: br})
			}()
		}
	}()
	return "ws://" + ln.Addr().String()
}

func runClientCases(t *testing.T, u string, ids ...string) map[string]report.Entry {
	t.Helper()
	cases, err := selectCases(catalogue(), ids, nil)
	if err != nil || len(cases) != len(ids) {
		t.Fatalf("selecting %v: %d cases, %v", ids, len(cases), err)
	}
	dir := t.TempDir()
	if _, err := fuzzingClient(u, "testee", dir, cases); err != nil {
		t.Fatal(err)
	}
	idx, err := report.Load(filepath.Join(dir, "servers", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(dir, "servers", reportFile("testee", id))); err != nil {
			t.Errorf("no report file for %s: %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "servers", "summary.md")); err != nil {
		t.Error(err)
	}
	return idx["testee"]
}

func expectResults(t *testing.T, got map[string]report.Entry, want map[string][2]string) {
	t.Helper()
	for id, w := range want {
		e := got[id]
		if e.Behavior != w[0] || e.BehaviorClose != w[1] {
			t.Errorf("case %s: %s/%s, want %s/%s", id, e.Behavior, e.BehaviorClose, w[0], w[1])
		}
	}
}

func TestFuzzingClientAgainstNaiveEcho(t *testing.T) {
	got := runClientCases(t, startTestee(t, naiveEcho(0)), "1.1.1", "1.2.8", "2.1", "2.7", "3.1", "6.3.1", "7.7.1")
	expectResults(t, got, map[string][2]string{
		"1.1.1": {OK, OK},
		"1.2.8": {OK, OK},
		"2.1":   {OK, OK},
		"2.7":   {OK, OK},
		"3.1":   {Failed, Failed}, // echoed a frame with RSV1: the runner sees the violation and has to close
		"6.3.1": {Failed, Failed}, // echoed invalid UTF-8 instead of failing
		"7.7.1": {OK, OK},
	})
}

func TestFuzzingClientAgainstFailer(t *testing.T) {
	got := runClientCases(t, startTestee(t, failFirst(1002)), "3.1", "4.1.1", "1.1.1")
	expectResults(t, got, map[string][2]string{
		"3.1":   {OK, OK},
		"4.1.1": {OK, OK},
		"1.1.1": {Failed, Failed},
	})
	got = runClientCases(t, startTestee(t, failFirst(1000)), "3.1")
	expectResults(t, got, map[string][2]string{"3.1": {OK, WrongCode}})
}

func TestFuzzingClientServerKeepsTCPOpen(t *testing.T) {
	got := runClientCases(t, startTestee(t, naiveEcho(3*time.Second)), "1.1.1")
	expectResults(t, got, map[string][2]string{"1.1.1": {OK, Unclean}})
}

// dialRunner connects to the fuzzing server as a raw testee client.
func dialRunner(t *testing.T, addr, path string) (*rawPeer, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("ws://" + addr + path)
	br, _, _, err := clientHandshake(conn, u, "")
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &rawPeer{conn: conn, br: br, mask: true}, nil
}

func TestFuzzingServerEndpoints(t *testing.T) {
	cases, _ := selectCases(catalogue(), []string{"1.1.1", "3.1"}, nil)
	dir := t.TempDir()
	fs := newFuzzingServer(dir, cases)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() { _ = fs.serve(ln) }()
	addr := ln.Addr().String()

	// getCaseCount: a text message with the count, then a close with 1000.
	p, err := dialRunner(t, addr, "/getCaseCount")
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.read()
	if err != nil || f.opcode != opText || string(f.payload) != "2" {
		t.Fatalf("getCaseCount sent %+v, %v; want text \"2\"", f, err)
	}
	f, err = p.read()
	if err != nil || f.opcode != opClose || binary.BigEndian.Uint16(f.payload) != 1000 {
		t.Fatalf("getCaseCount then sent %+v, %v; want close 1000", f, err)
	}
	p.write(frame{fin: true, opcode: opClose, payload: f.payload})
	if _, err := p.read(); err == nil {
		t.Fatal("the server did not close TCP after the closing handshake")
	}

	// getCaseInfo names the case.
	p, err = dialRunner(t, addr, "/getCaseInfo?case=2")
	if err != nil {
		t.Fatal(err)
	}
	f, _ = p.read()
	var info map[string]string
	if err := json.Unmarshal(f.payload, &info); err != nil || info["id"] != "3.1" {
		t.Fatalf("getCaseInfo sent %q (%v), want id 3.1", f.payload, err)
	}
	_ = p.conn.Close()

	// Out-of-range case numbers and plain HTTP are refused.
	if _, err := dialRunner(t, addr, "/runCase?case=3&agent=x"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("runCase?case=3: %v, want a 400 refusal", err)
	}
	conn, _ := net.Dial("tcp", addr)
	_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	_ = conn.Close()
	if !strings.Contains(line, "200") {
		t.Fatalf("GET / answered %q, want 200", line)
	}

	// runCase with a naive echo client: 1.1.1 passes, 3.1 fails.
	for n := 1; n <= 2; n++ {
		p, err := dialRunner(t, addr, "/runCase?case="+string(rune('0'+n))+"&agent=raw")
		if err != nil {
			t.Fatal(err)
		}
		naiveEcho(0)(p)
		_ = p.conn.Close()
	}
	p, err = dialRunner(t, addr, "/updateReports?agent=raw")
	if err != nil {
		t.Fatal(err)
	}
	naiveEcho(0)(p)
	select {
	case a := <-fs.updated:
		if a != "raw" {
			t.Errorf("updateReports for agent %q", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no update signalled")
	}
	idx, err := report.Load(filepath.Join(dir, "clients", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	expectResults(t, idx["raw"], map[string][2]string{"1.1.1": {OK, OK}, "3.1": {Failed, Failed}})
	b, err := os.ReadFile(filepath.Join(dir, "clients", reportFile("raw", "1.1.1")))
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(b, &rep); err != nil || rep["isServer"] != true || rep["case"] != float64(1) {
		t.Fatalf("case report: isServer=%v case=%v err=%v", rep["isServer"], rep["case"], err)
	}
}
