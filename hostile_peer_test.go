package websocket

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The raw attacker of hostile_test.go: a TCP peer that speaks just enough RFC 6455 to
// open a connection and then sends what a hostile peer sends, with its own frame codec
// (independent of frame.go and of the raw peer of conn_wire_test.go); the harness that
// puts a Conn on the other end in each role; and the meter that measures what an attack
// cost. Every read and write the attacker makes has a deadline, so a Conn that misbehaves
// fails a test instead of hanging it.

// hpTimeout bounds each read and write of the attacker, and each wait for the Conn.
const hpTimeout = waitTimeout

// hpKey is the Sec-WebSocket-Key the attacker client sends (the example of RFC 6455
// §1.3) and hpKeyAccept the Sec-WebSocket-Accept that section works out for it.
const (
	hpKey       = "dGhlIHNhbXBsZSBub25jZQ=="
	hpKeyAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// hpAcceptFor computes Sec-WebSocket-Accept for key, for the attacker server.
func hpAcceptFor(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ---- frames ----

// Bits of the first header byte, as the attacker writes them.
const (
	hpFIN  = 0x80
	hpRSV1 = 0x40
)

// hpHeader is a frame header as the attacker writes it: any bits, any opcode (reserved
// ones too) and any declared length, whether or not that much payload follows.
type hpHeader struct {
	fin    bool
	rsv    byte // RSV bits where they stand in the first byte (hpRSV1 is RSV1)
	op     byte // the 4-bit opcode
	length uint64
	masked bool
	key    [4]byte
}

// appendTo appends the header, with the length in its shortest encoding.
func (h hpHeader) appendTo(b []byte) []byte {
	b0 := h.rsv&0x70 | h.op&0x0f
	if h.fin {
		b0 |= hpFIN
	}
	var m byte
	if h.masked {
		m = 0x80
	}
	switch {
	case h.length < 126:
		b = append(b, b0, m|byte(h.length))
	case h.length <= 0xffff:
		b = append(b, b0, m|126, byte(h.length>>8), byte(h.length))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, h.length)
	}
	if h.masked {
		b = append(b, h.key[:]...)
	}
	return b
}

// appendPayload appends p as the payload of h's frame starting at offset off: masked
// with h's key if h is masked.
func (h hpHeader) appendPayload(b []byte, off uint64, p []byte) []byte {
	start := len(b)
	b = append(b, p...)
	if h.masked {
		for i := start; i < len(b); i++ {
			b[i] ^= h.key[(off+uint64(i-start))%4]
		}
	}
	return b
}

// hpFrame is a frame the Conn sent, as the attacker decoded it; payload is unmasked.
type hpFrame struct {
	fin     bool
	rsv     byte
	op      byte
	masked  bool
	payload []byte
}

func (f hpFrame) String() string {
	return fmt.Sprintf("{fin=%v rsv=%#x op=%#x masked=%v len=%d}", f.fin, f.rsv, f.op, f.masked, len(f.payload))
}

// closeCode decodes a close frame: its status code (1005 for none) and reason.
func (f hpFrame) closeCode() (StatusCode, string) {
	if len(f.payload) < 2 {
		return StatusNoStatusRcvd, ""
	}
	return StatusCode(binary.BigEndian.Uint16(f.payload)), string(f.payload[2:])
}

// hpMaxFrame caps the payload the attacker takes in one frame, so that a broken length
// cannot make the test allocate.
const hpMaxFrame = 1 << 20

// hpReadFrame is the attacker's frame decoder.
func hpReadFrame(r io.Reader) (hpFrame, error) {
	var h [14]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return hpFrame{}, err
	}
	f := hpFrame{fin: h[0]&hpFIN != 0, rsv: h[0] & 0x70, op: h[0] & 0x0f, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	ext := 0
	switch n {
	case 126:
		ext = 2
	case 127:
		ext = 8
	}
	if f.masked {
		ext += 4
	}
	if _, err := io.ReadFull(r, h[2:2+ext]); err != nil {
		return f, hpNoEOF(err)
	}
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		n = binary.BigEndian.Uint64(h[2:])
	}
	if n > hpMaxFrame {
		return f, fmt.Errorf("attacker: the Conn sent a frame of %d bytes", n)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, hpNoEOF(err)
	}
	if f.masked {
		key := h[2+ext-4 : 2+ext]
		for i := range f.payload {
			f.payload[i] ^= key[i%4]
		}
	}
	return f, nil
}

func hpNoEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ---- the attacker ----

// hpPeer is the attacker's end of a connection, past the handshake.
type hpPeer struct {
	t      testing.TB
	nc     *net.TCPConn
	br     *bufio.Reader
	client bool // the attacker is the client: it masks, and expects unmasked frames
	keyN   uint32
}

// header returns a header as the attacker's role requires: masked with a fresh key
// (varied, never random, so a failure is reproducible) if it is the client.
func (p *hpPeer) header(fin bool, rsv, op byte, length uint64) hpHeader {
	h := hpHeader{fin: fin, rsv: rsv, op: op, length: length, masked: p.client}
	if p.client {
		p.keyN++
		n := p.keyN
		h.key = [4]byte{0xa5 ^ byte(n), 0x3c, byte(n >> 8), 0x71 + byte(n)}
	}
	return h
}

// appendFrame appends a whole frame carrying payload.
func (p *hpPeer) appendFrame(b []byte, fin bool, rsv, op byte, payload []byte) []byte {
	h := p.header(fin, rsv, op, uint64(len(payload)))
	return h.appendPayload(h.appendTo(b), 0, payload)
}

// frame returns a whole frame carrying payload.
func (p *hpPeer) frame(fin bool, rsv, op byte, payload []byte) []byte {
	return p.appendFrame(nil, fin, rsv, op, payload)
}

// write writes b within hpTimeout. Errors are returned: a Conn that closes on the
// attacker may make them happen.
func (p *hpPeer) write(b []byte) error {
	_ = p.nc.SetWriteDeadline(time.Now().Add(hpTimeout))
	_, err := p.nc.Write(b)
	return err
}

// mustWrite writes bytes the Conn must take. Only the test's goroutine may call it.
func (p *hpPeer) mustWrite(b []byte) {
	p.t.Helper()
	if err := p.write(b); err != nil {
		p.t.Fatalf("attacker: write %d bytes: %v", len(b), err)
	}
}

// readFrame reads the next frame the Conn sends, by deadline, and checks its masking.
func (p *hpPeer) readFrame(deadline time.Time) (hpFrame, error) {
	_ = p.nc.SetReadDeadline(deadline)
	f, err := hpReadFrame(p.br)
	if err == nil && f.masked == p.client {
		p.t.Errorf("attacker: frame %v from a Conn that is the %s", f, map[bool]string{true: "server", false: "client"}[p.client])
	}
	return f, err
}

// expectClose reads what the Conn sends until its close frame, which must carry want,
// and returns the frame. Data frames and pongs before it are dropped, a bounded number.
func (p *hpPeer) expectClose(want StatusCode) hpFrame {
	p.t.Helper()
	deadline := time.Now().Add(hpTimeout)
	for i := 0; ; i++ {
		f, err := p.readFrame(deadline)
		if err != nil {
			p.t.Fatalf("attacker: waiting for a close frame with %v: %v", want, err)
		}
		if f.op != byte(opClose) {
			if i > 10000 {
				p.t.Fatalf("attacker: %d frames and no close frame", i)
			}
			continue
		}
		if got, reason := f.closeCode(); got != want {
			p.t.Errorf("close frame: status %v (reason %q), want %v", got, reason, want)
		}
		return f
	}
}

// expectGone checks that the Conn's end has stopped sending: what arrives is dropped,
// at most limit bytes, until EOF or a reset, which must come within hpTimeout.
func (p *hpPeer) expectGone(limit int64) {
	p.t.Helper()
	_ = p.nc.SetReadDeadline(time.Now().Add(hpTimeout))
	n, err := io.Copy(io.Discard, io.LimitReader(p.br, limit))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		p.t.Errorf("attacker: connection still open %v later (%d bytes read)", hpTimeout, n)
	case err == nil && n == limit:
		p.t.Errorf("attacker: the Conn sent more than %d bytes", limit)
	}
	// Anything else, EOF or a reset, means the Conn's end is gone.
}

// hpDialTCP opens a TCP connection to addr.
func hpDialTCP(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	nc, err := (&net.Dialer{Timeout: hpTimeout}).Dial("tcp", addr)
	if err != nil {
		t.Fatalf("attacker: dial %s: %v", addr, err)
	}
	return nc.(*net.TCPConn)
}

// hpRequest returns a valid opening handshake with hpKey and the extra header lines
// (each ending in CRLF).
func hpRequest(extra string) string {
	return "GET /hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + hpKey + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

// hpClientHandshake runs the attacker client's side of the handshake on nc: a valid
// request (offering permessage-deflate if deflate), then a check of the 101. It returns
// the reader that holds what came after the 101.
func hpClientHandshake(nc *net.TCPConn, deflate bool) (*bufio.Reader, error) {
	extra := ""
	if deflate {
		extra = "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	}
	_ = nc.SetDeadline(time.Now().Add(hpTimeout))
	defer nc.SetDeadline(time.Time{})
	if _, err := io.WriteString(nc, hpRequest(extra)); err != nil {
		return nil, err
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("attacker: handshake answered with %s", resp.Status)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != hpKeyAccept {
		return nil, fmt.Errorf("attacker: Sec-WebSocket-Accept %q, want %q", got, hpKeyAccept)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); deflate != (ext == "permessage-deflate") {
		return nil, fmt.Errorf("attacker: Sec-WebSocket-Extensions %q in the response", ext)
	}
	return br, nil
}

// hpServerHandshake reads the Conn's request from br and answers with a 101 carrying
// the right accept key and, if deflate, permessage-deflate with context takeover.
func hpServerHandshake(nc *net.TCPConn, br *bufio.Reader, deflate bool) error {
	_ = nc.SetDeadline(time.Now().Add(hpTimeout))
	defer nc.SetDeadline(time.Time{})
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + hpAcceptFor(req.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	if deflate {
		if !strings.HasPrefix(req.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
			return fmt.Errorf("attacker: the Conn offered %q", req.Header.Get("Sec-WebSocket-Extensions"))
		}
		resp += "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	}
	_, err = io.WriteString(nc, resp+"\r\n")
	return err
}

// ---- counting what the Conn reads ----

// hpCountConn counts the bytes read through it: what the Conn took from the network.
type hpCountConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *hpCountConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// CloseWrite keeps the half-close the Conn uses on TCP.
func (c *hpCountConn) CloseWrite() error {
	return c.Conn.(*net.TCPConn).CloseWrite()
}

// hpCountListener wraps the connections it accepts in hpCountConn.
type hpCountListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *hpCountListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &hpCountConn{Conn: nc, n: l.n}, nil
}

// ---- the Conn under attack ----

// hpRole is how the Conn under attack was made.
type hpRole string

const (
	hpAccept hpRole = "Accept" // a server, by Accept in an httptest.Server; the attacker dials
	hpServer hpRole = "Server" // a server, by Server on a 127.0.0.1 listener; the attacker dials
	hpDial   hpRole = "Dial"   // a client, by Dial to the attacker's 127.0.0.1 listener
)

var hpRoles = []hpRole{hpAccept, hpServer, hpDial}

// hpSetup says how to make the Conn under attack.
type hpSetup struct {
	readLimit int64 // 0 means the default
	deflate   bool  // both ends agree on permessage-deflate, DeflateOptions{} on the Conn
	count     bool  // count the bytes the Conn reads from the network (hpSession.read)
}

// hpSession is a Conn and the attacker at its other end.
type hpSession struct {
	c    *Conn
	p    *hpPeer
	read atomic.Int64 // bytes the Conn has read from the network, if counted
	stop []func()
	once sync.Once
}

// hpOpen makes a Conn in role and connects the attacker to it.
func hpOpen(t testing.TB, role hpRole, setup hpSetup) *hpSession {
	t.Helper()
	s := &hpSession{}
	t.Cleanup(s.close)
	var dflt *DeflateOptions
	if setup.deflate {
		dflt = &DeflateOptions{}
	}
	aopts := &AcceptOptions{ReadLimit: setup.readLimit, Deflate: dflt}
	res := make(chan connResult, 1)
	var nc *net.TCPConn
	var br *bufio.Reader
	var herr error
	switch role {
	case hpAccept:
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := Accept(w, r, aopts)
			res <- connResult{c, err}
		}))
		if setup.count {
			srv.Listener = &hpCountListener{Listener: srv.Listener, n: &s.read}
		}
		srv.Start()
		s.stop = append(s.stop, srv.Close)
		nc = hpDialTCP(t, srv.Listener.Addr().String())
		br, herr = hpClientHandshake(nc, setup.deflate)
	case hpServer:
		ln := hpListen(t)
		s.stop = append(s.stop, func() { ln.Close() })
		go func() {
			tc, err := ln.Accept()
			if err != nil {
				res <- connResult{nil, err}
				return
			}
			var conn net.Conn = tc
			if setup.count {
				conn = &hpCountConn{Conn: tc, n: &s.read}
			}
			c, _, err := Server(context.Background(), conn, aopts)
			if err != nil {
				tc.Close()
			}
			res <- connResult{c, err}
		}()
		nc = hpDialTCP(t, ln.Addr().String())
		br, herr = hpClientHandshake(nc, setup.deflate)
	case hpDial:
		ln := hpListen(t)
		s.stop = append(s.stop, func() { ln.Close() })
		dopts := &DialOptions{ReadLimit: setup.readLimit, Deflate: dflt, HandshakeTimeout: hpTimeout}
		if setup.count {
			dopts.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &hpCountConn{Conn: nc, n: &s.read}, nil
			}
		}
		go func() {
			c, _, err := Dial(context.Background(), "ws://"+ln.Addr().String()+"/hostile", dopts)
			res <- connResult{c, err}
		}()
		_ = ln.SetDeadline(time.Now().Add(hpTimeout))
		tc, err := ln.Accept()
		if err != nil {
			t.Fatalf("attacker: accept: %v", err)
		}
		nc = tc.(*net.TCPConn)
		br = bufio.NewReader(nc)
		herr = hpServerHandshake(nc, br, setup.deflate)
	default:
		t.Fatalf("unknown role %q", role)
	}
	s.p = &hpPeer{t: t, nc: nc, br: br, client: role != hpDial}
	if herr != nil {
		nc.Close() // unblocks the Conn's handshake
	}
	var r connResult
	select {
	case r = <-res:
	case <-time.After(hpTimeout):
		t.Fatalf("%s: no Conn within %v", role, hpTimeout)
	}
	s.c = r.c
	if herr != nil || r.err != nil {
		t.Fatalf("%s handshake: attacker: %v; Conn: %v", role, herr, r.err)
	}
	return s
}

// close closes the attacker's end, the Conn and whatever served it.
func (s *hpSession) close() {
	s.once.Do(func() {
		if s.p != nil {
			s.p.nc.Close()
		}
		if s.c != nil {
			s.c.CloseNow()
		}
		for _, f := range s.stop {
			f()
		}
	})
}

// hpListen listens on a free 127.0.0.1 port.
func hpListen(t testing.TB) *net.TCPListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln.(*net.TCPListener)
}

// ---- running the Conn's side ----

// hpPanic is what hpGo reports for a function that panicked.
type hpPanic struct {
	v     any
	stack []byte
}

func (p *hpPanic) Error() string { return fmt.Sprintf("panic: %v\n%s", p.v, p.stack) }

// hpGo runs f, the application's side of an attack, on a goroutine of its own and
// yields its result; a panic is caught and yielded as an *hpPanic, so that it fails the
// test rather than the test binary.
func hpGo(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- &hpPanic{v, debug.Stack()}
			}
		}()
		ch <- f()
	}()
	return ch
}

// hpWait waits for the result of hpGo; a panic or no result within hpTimeout fails the
// test.
func hpWait(t testing.TB, what string, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		var pe *hpPanic
		if errors.As(err, &pe) {
			t.Fatalf("%s panicked: %v\n%s", what, pe.v, pe.stack)
		}
		return err
	case <-time.After(hpTimeout):
		t.Fatalf("%s did not return within %v", what, hpTimeout)
		return nil
	}
}

// ---- measuring ----

// hpMeter measures one case: the live heap and the goroutines before and after it, and
// the bytes allocated during the attack.
type hpMeter struct {
	t         *testing.T
	before    map[string]bool // goroutines running when the case started
	g0        int
	heap0     uint64
	alloc0    uint64 // TotalAlloc when the attack started
	allocated uint64 // during the attack, once it is over
	over      bool
}

// hpMemStats collects garbage twice, so that what sync.Pools hold is gone too, and
// reads the memory statistics.
func hpMemStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

func hpTotalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// hpMeasure starts measuring a case. The attack is taken to start here unless attack
// is called.
func hpMeasure(t *testing.T) *hpMeter {
	m := &hpMeter{t: t, before: goroutineIDs()}
	ms := hpMemStats()
	m.heap0, m.alloc0 = ms.HeapAlloc, ms.TotalAlloc
	m.g0 = runtime.NumGoroutine()
	return m
}

// attack marks the start of the attack, once the connection is set up.
func (m *hpMeter) attack() { m.alloc0 = hpTotalAlloc() }

// attackOver marks its end; done calls it if the test has not.
func (m *hpMeter) attackOver() {
	if !m.over {
		m.allocated = hpTotalAlloc() - m.alloc0
		m.over = true
	}
}

// hpBudget is what an attack may cost.
type hpBudget struct {
	alloc uint64 // bytes allocated during the attack (TotalAlloc)
	heap  uint64 // growth of the live heap over the case; 0 means hpHeapSlack
	// pooled says the path reuses memory through sync.Pool, which under the race
	// detector drops a share of what is put back at random: there, allocation grows
	// with the attack by design, so the alloc budget is checked only without -race
	// (make test's purego run).
	pooled bool
}

// hpHeapSlack is the growth of the live heap a case may show when it has freed all it
// made: the testing package's own records and the runtime's caches.
const hpHeapSlack = 256 << 10

// done ends the case once everything in it is closed: it waits, bounded, for the
// goroutines to be back to their number at hpMeasure, measures the live heap, logs the
// row of the case and checks the budget.
func (m *hpMeter) done(expect string, b hpBudget) {
	t := m.t
	t.Helper()
	m.attackOver()
	g1 := runtime.NumGoroutine()
	deadline := time.Now().Add(hpTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	for g1 > m.g0 && time.Now().Before(deadline) {
		<-tick.C
		g1 = runtime.NumGoroutine()
	}
	tick.Stop()
	ms := hpMemStats()
	t.Logf("| %s | %s | %s→%s | %s | %d→%d |", t.Name(), expect, hpSize(m.heap0), hpSize(ms.HeapAlloc), hpSize(m.allocated), m.g0, g1)
	if g1 > m.g0 {
		t.Errorf("%d goroutines before the case, %d left %v after it:\n\n%s", m.g0, g1, hpTimeout,
			strings.Join(leakedGoroutines(m.before), "\n\n"))
	}
	slack := b.heap
	if slack == 0 {
		slack = hpHeapSlack
	}
	if ms.HeapAlloc > m.heap0+slack {
		t.Errorf("live heap grew from %s to %s, budget +%s", hpSize(m.heap0), hpSize(ms.HeapAlloc), hpSize(slack))
	}
	if m.allocated > b.alloc && !(b.pooled && raceEnabled) {
		t.Errorf("the attack cost %s of allocations, budget %s", hpSize(m.allocated), hpSize(b.alloc))
	}
}

// hpSize formats a byte count.
func hpSize(n uint64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ---- payloads ----

// hpText returns n bytes of pseudo-random lowercase words, the same for the same seed:
// valid UTF-8 that compresses to about 60%.
func hpText(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x243f6a8885a308d3))
	const letters = "abcdefghijklmnopqrstuvwxyz      "
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return b
}

// hpDeflater compresses messages as a permessage-deflate sender with context takeover
// does (RFC 7692 §7.2.1): one DEFLATE stream, flushed at the end of each message, with
// the 00 00 ff ff of the flush taken off.
type hpDeflater struct {
	buf bytes.Buffer
	w   *flate.Writer
}

func newHPDeflater(level int) *hpDeflater {
	d := &hpDeflater{}
	d.w, _ = flate.NewWriter(&d.buf, level)
	return d
}

// message compresses the next message, written as the concatenation of parts.
func (d *hpDeflater) message(parts ...[]byte) []byte {
	d.buf.Reset()
	for _, p := range parts {
		_, _ = d.w.Write(p)
	}
	_ = d.w.Flush()
	b := d.buf.Bytes()
	if !bytes.HasSuffix(b, []byte{0, 0, 0xff, 0xff}) {
		panic("compress/flate: a flush that does not end in 00 00 ff ff")
	}
	return append([]byte(nil), b[:len(b)-4]...)
}

// hpDeflate compresses one message without context.
func hpDeflate(p []byte) []byte { return newHPDeflater(flate.BestSpeed).message(p) }

// zeros compresses n zero bytes (n a multiple of 64 KiB, at least 128 KiB) as the next
// message of d, cheaply: once 64 KiB of zeros fill the window, whatever the compressor
// makes of the next 64 KiB refers only to zeros, so those bytes, repeated, inflate to
// 64 KiB of zeros each time. Each piece ends in a sync flush, an empty stored block, which
// is valid DEFLATE in the middle of a message. d must not be used after.
func (d *hpDeflater) zeros(n int) []byte {
	zero := make([]byte, 64<<10)
	first := d.message(zero)
	next := append(d.message(zero), 0, 0, 0xff, 0xff)
	b := append([]byte(nil), first...)
	b = append(b, 0, 0, 0xff, 0xff)
	for range n/len(zero) - 1 {
		b = append(b, next...)
	}
	return b[:len(b)-4]
}
