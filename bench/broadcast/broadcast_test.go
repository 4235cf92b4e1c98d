package broadcast

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gorilla "github.com/gorilla/websocket"
	hayate "github.com/hayate-ws/websocket"
	"github.com/lxzan/gws"

	"github.com/hayate-ws/websocket/bench/internal/corpus"
	"github.com/hayate-ws/websocket/bench/internal/memconn"
)

// msgSize is the size of every broadcast message.
const msgSize = 1 << 10

var connCounts = []int{1000, 10000}

// A mode is a compression setting of the benchmark.
type mode struct {
	name     string
	deflate  bool // permessage-deflate is negotiated
	takeover bool // with server context takeover
}

var modes = []mode{
	{name: "off"},
	{name: "nctx", deflate: true},
	{name: "ctx", deflate: true, takeover: true},
}

// level is the compression level of every library: gorilla's and gws's default.
const level = 1

// warmups is the number of broadcasts before the first timed one under
// context takeover: 40 KiB of messages fill any history (at most 32 KiB).
const warmups = 40

// payloads are the messages broadcast in turn: the first KiB of corpus
// messages (JSON, ASCII), different from one op to the next, and more of them
// than a history holds, so that context takeover never finds a repeat.
var payloads = func() [][]byte {
	ps := make([][]byte, 64)
	for i := range ps {
		m := corpus.Message(i)
		if len(m) < msgSize {
			panic("corpus message shorter than msgSize")
		}
		ps[i] = m[:msgSize:msgSize]
	}
	return ps
}()

// A fanout writes one message to every connection of a set made by a lib.
type fanout interface {
	// broadcast writes p to every connection; it may return before the
	// writes are done.
	broadcast(p []byte) error
	// close closes the connections.
	close()
}

// A lib is one way to broadcast.
type lib struct {
	name string
	// takeover says whether the lib runs with server context takeover.
	takeover bool
	// setup makes a fanout over the sinks, upgrading one connection over
	// each with the handshake request reqText (served by the sink to
	// libraries that read it themselves, parsed for those that upgrade
	// through net/http).
	setup func(sinks []*sink, reqText string, m mode) (fanout, error)
}

var libs = []lib{
	{name: "hayate-prepared", takeover: true, setup: hayateSetup(hayatePrepared)},
	{name: "hayate-send", takeover: true, setup: hayateSetup(hayateSend)},
	{name: "hayate-write", takeover: true, setup: hayateSetup(hayateWrite)},
	{name: "gorilla", setup: gorillaSetup(true)},
	{name: "gorilla-write", setup: gorillaSetup(false)},
	{name: "gws", takeover: true, setup: gwsSetup},
}

// libsFor returns the libs that run in m, starting at the one BENCH_ROTATE
// names.
func libsFor(m mode) []lib {
	var ls []lib
	for _, l := range libs {
		if !m.takeover || l.takeover {
			ls = append(ls, l)
		}
	}
	k, _ := strconv.Atoi(os.Getenv("BENCH_ROTATE"))
	k = ((k % len(ls)) + len(ls)) % len(ls)
	return append(ls[k:], ls[:k]...)
}

// request returns the opening-handshake request every connection makes: the
// one of memconn, with a permessage-deflate offer in modes that compress.
func request(m mode) string {
	r := memconn.HandshakeRequest
	if m.deflate {
		r = strings.TrimSuffix(r, "\r\n") +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
	}
	return r
}

func parseRequest(text string) (*http.Request, error) {
	return http.ReadRequest(bufio.NewReader(strings.NewReader(text)))
}

// checkHandshake checks that every sink got the same successful response, and
// that it negotiated what m asks for.
func checkHandshake(sinks []*sink, m mode) error {
	first := sinks[0].handshake()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(first)), nil)
	if err != nil {
		return fmt.Errorf("handshake response: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake response: status %d", resp.StatusCode)
	}
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	switch {
	case !m.deflate && ext != "":
		return fmt.Errorf("negotiated %q without compression", ext)
	case m.deflate && !strings.Contains(ext, "permessage-deflate"):
		return fmt.Errorf("permessage-deflate not negotiated (Sec-WebSocket-Extensions %q)", ext)
	case m.deflate && m.takeover && strings.Contains(ext, "server_no_context_takeover"):
		return fmt.Errorf("context takeover not negotiated: %q", ext)
	case m.deflate && !m.takeover && !strings.Contains(ext, "server_no_context_takeover"):
		return fmt.Errorf("server_no_context_takeover not negotiated: %q", ext)
	}
	for i, s := range sinks[1:] {
		if !bytes.Equal(s.handshake(), first) {
			return fmt.Errorf("connection %d: handshake response %q, connection 0: %q", i+1, s.handshake(), first)
		}
	}
	return nil
}

func BenchmarkBroadcast(b *testing.B) {
	for _, n := range connCounts {
		for _, m := range modes {
			for _, l := range libsFor(m) {
				runCell(b, n, m, l)
			}
		}
	}
}

// runCell sets n connections of l up once and benchmarks broadcasts over them.
func runCell(b *testing.B, n int, m mode, l lib) {
	var (
		sinks []*sink
		fo    fanout
		done  sync.WaitGroup
		sent  int64 // messages written to every sink so far, and the next payload's index
	)
	defer func() {
		if fo != nil {
			fo.close()
		}
		for _, s := range sinks {
			s.Close()
		}
		sinks, fo = nil, nil
		runtime.GC()
	}()
	b.Run(fmt.Sprintf("conns=%d/comp=%s/lib=%s", n, m.name, l.name), func(b *testing.B) {
		if fo == nil {
			text := request(m)
			sinks = make([]*sink, n)
			for i := range sinks {
				sinks[i] = &sink{done: &done, closed: make(chan struct{})}
			}
			var err error
			if fo, err = l.setup(sinks, text, m); err != nil {
				b.Fatal(err)
			}
			if err := checkHandshake(sinks, m); err != nil {
				b.Fatal(err)
			}
			// Under context takeover, warm up until every connection's
			// history is full (32 KiB at most), as on a connection that has
			// been broadcast to for a while.
			if m.takeover {
				for range warmups {
					done.Add(n)
					if err := fo.broadcast(payloads[sent%int64(len(payloads))]); err != nil {
						b.Fatal(err)
					}
					done.Wait()
					sent++
				}
			}
			runtime.GC()
		}
		// A hang guard: every op waits for writes other goroutines may do.
		guard := time.AfterFunc(5*time.Minute, func() {
			panic("broadcast: writes did not complete within 5 minutes")
		})
		defer guard.Stop()
		wire0 := wireBytes(sinks)
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime()
		for i := range int64(b.N) {
			done.Add(n)
			if err := fo.broadcast(payloads[(sent+i)%int64(len(payloads))]); err != nil {
				b.Fatal(err)
			}
			done.Wait()
		}
		cpu := cpuTime() - cpu0
		b.StopTimer()
		sent += int64(b.N)
		perConn := float64(b.N) * float64(n)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/perConn, "ns/conn")
		b.ReportMetric(float64(cpu.Nanoseconds())/perConn, "cpu-ns/conn")
		b.ReportMetric(float64(wireBytes(sinks)-wire0)/perConn, "wire-B/msg")
		for i, s := range sinks {
			switch {
			case s.msgs != sent:
				b.Fatalf("connection %d: %d messages arrived, want %d", i, s.msgs, sent)
			case m.deflate && s.compressed != sent:
				b.Fatalf("connection %d: %d of %d messages compressed", i, s.compressed, sent)
			case !m.deflate && s.compressed != 0:
				b.Fatalf("connection %d: %d messages compressed without compression", i, s.compressed)
			}
		}
	})
}

func wireBytes(sinks []*sink) int64 {
	var t int64
	for _, s := range sinks {
		t += s.wire
	}
	return t
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ---- Hayate: Server over each sink; WritePrepared, Send or Write. ----

type hayateFanout struct {
	conns []*hayate.Conn
	write func(conns []*hayate.Conn, p []byte) error
}

func (f *hayateFanout) broadcast(p []byte) error { return f.write(f.conns, p) }

func (f *hayateFanout) close() {
	for _, c := range f.conns {
		_ = c.CloseNow()
	}
}

func hayateSetup(write func([]*hayate.Conn, []byte) error) func([]*sink, string, mode) (fanout, error) {
	return func(sinks []*sink, text string, m mode) (fanout, error) {
		// Keepalive is off: a broadcast benchmark has no use for its timers.
		opts := &hayate.AcceptOptions{PingInterval: -1}
		if m.deflate {
			opts.Deflate = &hayate.DeflateOptions{Level: level, ServerNoContextTakeover: !m.takeover}
		}
		f := &hayateFanout{conns: make([]*hayate.Conn, len(sinks)), write: write}
		for i, s := range sinks {
			s.prefix = []byte(text)
			c, _, err := hayate.Server(context.Background(), s, opts)
			if err != nil {
				return nil, err
			}
			f.conns[i] = c
		}
		return f, nil
	}
}

func hayatePrepared(conns []*hayate.Conn, p []byte) error {
	pm, err := hayate.NewPreparedMessage(hayate.MessageText, p)
	if err != nil {
		return err
	}
	ctx := context.Background()
	for _, c := range conns {
		if err := c.WritePrepared(ctx, pm); err != nil {
			return err
		}
	}
	return nil
}

func hayateSend(conns []*hayate.Conn, p []byte) error {
	pm, err := hayate.NewPreparedMessage(hayate.MessageText, p)
	if err != nil {
		return err
	}
	for _, c := range conns {
		if err := c.Send(pm); err != nil {
			return err
		}
	}
	return nil
}

func hayateWrite(conns []*hayate.Conn, p []byte) error {
	ctx := context.Background()
	for _, c := range conns {
		if err := c.Write(ctx, hayate.MessageText, p); err != nil {
			return err
		}
	}
	return nil
}

// ---- gorilla: Upgrade through a hijacking ResponseWriter, with the echo
// server's buffers; WritePreparedMessage or WriteMessage. ----

type gorillaFanout struct {
	conns    []*gorilla.Conn
	prepared bool
}

func (f *gorillaFanout) broadcast(p []byte) error {
	if !f.prepared {
		for _, c := range f.conns {
			if err := c.WriteMessage(gorilla.TextMessage, p); err != nil {
				return err
			}
		}
		return nil
	}
	pm, err := gorilla.NewPreparedMessage(gorilla.TextMessage, p)
	if err != nil {
		return err
	}
	for _, c := range f.conns {
		if err := c.WritePreparedMessage(pm); err != nil {
			return err
		}
	}
	return nil
}

func (f *gorillaFanout) close() {
	for _, c := range f.conns {
		_ = c.Close()
	}
}

func gorillaSetup(prepared bool) func([]*sink, string, mode) (fanout, error) {
	return func(sinks []*sink, text string, m mode) (fanout, error) {
		if m.takeover {
			return nil, fmt.Errorf("gorilla has no context takeover")
		}
		up := &gorilla.Upgrader{
			ReadBufferSize:    4096,
			WriteBufferSize:   4096,
			WriteBufferPool:   &sync.Pool{},
			EnableCompression: m.deflate, // no context takeover, level 1
		}
		f := &gorillaFanout{conns: make([]*gorilla.Conn, len(sinks)), prepared: prepared}
		for i, s := range sinks {
			r, err := parseRequest(text)
			if err != nil {
				return nil, err
			}
			c, err := up.Upgrade(&memconn.ResponseWriter{Conn: s}, r, nil)
			if err != nil {
				return nil, err
			}
			f.conns[i] = c
		}
		return f, nil
	}
}

// ---- gws: Upgrade through a hijacking ResponseWriter; a Broadcaster per
// message, whose writes go through each connection's write queue. ----

type gwsFanout struct{ conns []*gws.Conn }

func (f *gwsFanout) broadcast(p []byte) error {
	bc := gws.NewBroadcaster(gws.OpcodeText, p)
	for _, c := range f.conns {
		if err := bc.Broadcast(c); err != nil {
			return err
		}
	}
	return bc.Close()
}

func (f *gwsFanout) close() {
	for _, c := range f.conns {
		_ = c.NetConn().Close()
	}
}

func gwsSetup(sinks []*sink, text string, m mode) (fanout, error) {
	opt := &gws.ServerOption{}
	if m.deflate {
		opt.PermessageDeflate = gws.PermessageDeflate{
			Enabled:               true,
			Level:                 level,
			ServerContextTakeover: m.takeover,
			ClientContextTakeover: m.takeover,
		}
	}
	up := gws.NewUpgrader(&gws.BuiltinEventHandler{}, opt)
	f := &gwsFanout{conns: make([]*gws.Conn, len(sinks))}
	for i, s := range sinks {
		r, err := parseRequest(text)
		if err != nil {
			return nil, err
		}
		c, err := up.Upgrade(&memconn.ResponseWriter{Conn: s}, r)
		if err != nil {
			return nil, err
		}
		f.conns[i] = c
	}
	return f, nil
}

// ---- the sink ----

// A sink is the in-memory net.Conn under one server-side connection. It
// serves prefix (the handshake request, for libraries that read it
// themselves) and then blocks reads until closed. Writes are its peer
// receiving: it keeps the handshake response, then follows the frames without
// touching their payloads, counting data messages (and those sent compressed)
// and calling done.Done as each message's last frame has arrived.
//
// One connection's writes come one at a time (every library serialises
// them), but not always from the same goroutine; the counters are read after
// done.Wait, which orders them.
type sink struct {
	prefix []byte
	closed chan struct{}
	once   sync.Once
	done   *sync.WaitGroup

	hs     []byte // the handshake response, once hsDone
	hsDone bool

	hdr     [14]byte // the frame header being received
	hn      int      // bytes of it received
	need    int      // its length, as far as known (2 until the second byte)
	left    int64    // payload bytes still to come, once in a payload
	inBody  bool     // the header is complete
	fin     bool     // the current frame is final
	control bool     // the current frame is a control frame
	rsv1    bool     // the current message's first frame had RSV1 set

	wire       int64 // bytes received after the handshake
	msgs       int64 // data messages received whole
	compressed int64 // of which with RSV1 set
}

func (s *sink) handshake() []byte { return s.hs }

// Write receives p.
func (s *sink) Write(p []byte) (int, error) {
	n := len(p)
	if !s.hsDone {
		s.hs = append(s.hs, p...)
		i := bytes.Index(s.hs, []byte("\r\n\r\n"))
		if i < 0 {
			return n, nil
		}
		p = s.hs[i+4:]
		s.hs = s.hs[: i+4 : i+4]
		s.hsDone = true
	}
	s.wire += int64(len(p))
	for len(p) > 0 {
		if s.inBody {
			k := min(int64(len(p)), s.left)
			p = p[k:]
			if s.left -= k; s.left == 0 {
				s.endFrame()
			}
			continue
		}
		if s.need == 0 {
			s.need = 2
		}
		k := copy(s.hdr[s.hn:s.need], p)
		s.hn += k
		p = p[k:]
		if s.hn < s.need {
			continue
		}
		if s.hn == 2 {
			need := 2
			switch s.hdr[1] & 0x7f {
			case 126:
				need += 2
			case 127:
				need += 8
			}
			if s.hdr[1]&0x80 != 0 {
				need += 4
			}
			if s.need = need; need > 2 {
				continue
			}
		}
		s.startBody()
	}
	return n, nil
}

// startBody takes the complete header in s.hdr.
func (s *sink) startBody() {
	h := s.hdr[:s.hn]
	var length int64
	switch l := h[1] & 0x7f; l {
	case 126:
		length = int64(h[2])<<8 | int64(h[3])
	case 127:
		for _, c := range h[2:10] {
			length = length<<8 | int64(c)
		}
	default:
		length = int64(l)
	}
	op := h[0] & 0x0f
	s.fin = h[0]&0x80 != 0
	s.control = op >= 8
	if op == 1 || op == 2 {
		s.rsv1 = h[0]&0x40 != 0
	}
	s.hn, s.need = 0, 0
	s.left, s.inBody = length, true
	if length == 0 {
		s.endFrame()
	}
}

// endFrame takes the end of the current frame's payload.
func (s *sink) endFrame() {
	s.inBody = false
	if s.control || !s.fin {
		return
	}
	s.msgs++
	if s.rsv1 {
		s.compressed++
	}
	s.done.Done()
}

// Read serves the prefix, then blocks until the sink is closed.
func (s *sink) Read(p []byte) (int, error) {
	if len(s.prefix) > 0 {
		k := copy(p, s.prefix)
		s.prefix = s.prefix[k:]
		return k, nil
	}
	<-s.closed
	return 0, io.EOF
}

// Close ends blocked reads.
func (s *sink) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

var addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}

// LocalAddr returns a fixed loopback address.
func (s *sink) LocalAddr() net.Addr { return addr }

// RemoteAddr returns a fixed loopback address.
func (s *sink) RemoteAddr() net.Addr { return addr }

// SetDeadline does nothing: writes never block, reads wait for Close.
func (s *sink) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing.
func (s *sink) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing.
func (s *sink) SetWriteDeadline(time.Time) error { return nil }
