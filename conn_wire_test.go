package websocket

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The raw peer: the other end of a Conn under test, speaking the wire format through its
// own small frame codec (not frame.go), so that a Conn is judged against bytes.

// wireFrame is one frame as the raw peer decoded it; payload is unmasked.
type wireFrame struct {
	fin     bool
	rsv     byte // the three RSV bits, in the low bits
	op      opcode
	masked  bool
	payload []byte
}

func (f wireFrame) String() string {
	return fmt.Sprintf("{fin=%v rsv=%d op=%#x masked=%v len=%d}", f.fin, f.rsv, byte(f.op), f.masked, len(f.payload))
}

// closeCode returns the status code of a close frame, 1005 if it has none.
func (f wireFrame) closeCode() StatusCode {
	if len(f.payload) < 2 {
		return StatusNoStatusRcvd
	}
	return StatusCode(binary.BigEndian.Uint16(f.payload))
}

// encodeWireFrame is the raw peer's own encoder: RFC 6455 §5.2 written out, independent
// of frame.go. A nil key means unmasked.
func encodeWireFrame(fin bool, op opcode, key []byte, payload []byte) []byte {
	out := encodeWireHeader(fin, op, key, uint64(len(payload)))
	if key == nil {
		return append(out, payload...)
	}
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// encodeWireHeader encodes a frame header declaring length bytes of payload.
func encodeWireHeader(fin bool, op opcode, key []byte, length uint64) []byte {
	b0 := byte(op) & 0x0f
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if key != nil {
		b1 = 0x80
	}
	out := []byte{b0}
	switch {
	case length < 126:
		out = append(out, b1|byte(length))
	case length < 1<<16:
		out = append(out, b1|126, byte(length>>8), byte(length))
	default:
		out = append(out, b1|127)
		out = binary.BigEndian.AppendUint64(out, length)
	}
	return append(out, key...)
}

// maxWireFrame caps the payload the raw peer accepts, so that a broken length cannot make
// a test allocate without bound.
const maxWireFrame = 64 << 20

// readWireFrame is the raw peer's own decoder.
func readWireFrame(r io.Reader) (wireFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return wireFrame{}, err
	}
	f := wireFrame{fin: h[0]&0x80 != 0, rsv: h[0] >> 4 & 7, op: opcode(h[0] & 0x0f), masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, io.ErrUnexpectedEOF
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, io.ErrUnexpectedEOF
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > maxWireFrame {
		return f, fmt.Errorf("raw peer: frame of %d bytes", n)
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return f, io.ErrUnexpectedEOF
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, io.ErrUnexpectedEOF
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= key[i%4]
		}
	}
	return f, nil
}

// closePayload returns the payload of a close frame with code and reason.
func closePayload(code StatusCode, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// wirePeer is the other end of a Conn under test, driven by hand. A goroutine reads and
// decodes what the Conn sends into frames, so that the Conn never blocks writing to a
// net.Pipe while the test is busy writing.
type wirePeer struct {
	t      testing.TB
	nc     net.Conn
	br     *bufio.Reader
	client bool // the peer plays the client: it masks its frames and expects unmasked ones
	keyN   atomic.Uint32

	frames  chan wireFrame
	readErr error  // set before frames is closed
	ext     string // Sec-WebSocket-Extensions the raw peer sends
	peerExt string // Sec-WebSocket-Extensions the Conn sent in its handshake
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// wireSetup says how to build a Conn and its raw peer.
type wireSetup struct {
	transport    transport
	peerIsClient bool           // the Conn under test is the server
	accept       *AcceptOptions // for a server Conn
	dial         *DialOptions   // for a client Conn
	extra        []byte         // a raw server sends these in the same write as its 101
	extensions   string         // Sec-WebSocket-Extensions the raw peer offers or answers
	noReader     bool           // the raw peer reads nothing after the handshake
}

// newWirePair returns a Conn over tr and a raw peer for its other end; peerIsClient
// makes the Conn the server.
func newWirePair(t testing.TB, tr transport, peerIsClient bool) (*Conn, *wirePeer) {
	t.Helper()
	return newWirePairWith(t, wireSetup{transport: tr, peerIsClient: peerIsClient})
}

// testKey is the Sec-WebSocket-Key the raw client sends (the example of RFC 6455 §1.3).
const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

// wireAccept computes Sec-WebSocket-Accept for key, independently of handshake.go.
func wireAccept(key string) string {
	h := sha1.New()
	io.WriteString(h, key)
	io.WriteString(h, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func newWirePairWith(t testing.TB, s wireSetup) (*Conn, *wirePeer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var conn, peer net.Conn
	switch s.transport {
	case viaPipe, viaShortPipe:
		conn, peer = net.Pipe()
		if s.transport == viaShortPipe {
			conn = &shortReadConn{Conn: conn}
		}
	case viaTCP:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			nc, _ := ln.Accept()
			accepted <- nc
		}()
		dialled, err := net.Dial("tcp", ln.Addr().String())
		other := <-accepted
		ln.Close()
		if err != nil || other == nil {
			t.Fatalf("connect over TCP: %v", err)
		}
		conn, peer = other, dialled
	default:
		t.Fatalf("transport %q has no raw peer", s.transport)
	}
	p := &wirePeer{
		t:      t,
		nc:     peer,
		br:     bufio.NewReader(peer),
		client: s.peerIsClient,
		ext:    s.extensions,
		frames: make(chan wireFrame, 64),
		done:   make(chan struct{}),
	}
	t.Cleanup(p.close)
	res := make(chan connResult, 1)
	go func() {
		var c *Conn
		var err error
		if s.peerIsClient {
			c, _, err = Server(ctx, conn, s.accept)
		} else {
			c, _, err = Client(ctx, conn, "ws://example/chat", s.dial)
		}
		if err != nil {
			conn.Close()
		}
		res <- connResult{c, err}
	}()
	var herr error
	if s.peerIsClient {
		herr = p.clientHandshake()
	} else {
		herr = p.serverHandshake(s.extra)
	}
	if herr != nil {
		peer.Close()
	}
	r := <-res
	if r.c != nil {
		t.Cleanup(func() { r.c.CloseNow() })
	}
	if herr != nil || r.err != nil {
		t.Fatalf("handshake over %s: raw peer: %v; Conn: %v", s.transport, herr, r.err)
	}
	if !s.noReader {
		p.wg.Add(1)
		go p.readLoop()
	}
	return r.c, p
}

func (p *wirePeer) clientHandshake() error {
	req := "GET /chat HTTP/1.1\r\nHost: example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n"
	if p.ext != "" {
		req += "Sec-WebSocket-Extensions: " + p.ext + "\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(p.nc, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("status %s", resp.Status)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != wireAccept(testKey) {
		return fmt.Errorf("Sec-WebSocket-Accept %q", got)
	}
	p.peerExt = strings.Join(resp.Header.Values("Sec-WebSocket-Extensions"), ", ")
	return nil
}

func (p *wirePeer) serverHandshake(extra []byte) error {
	req, err := http.ReadRequest(p.br)
	if err != nil {
		return err
	}
	p.peerExt = strings.Join(req.Header.Values("Sec-WebSocket-Extensions"), ", ")
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + wireAccept(req.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	if p.ext != "" {
		resp += "Sec-WebSocket-Extensions: " + p.ext + "\r\n"
	}
	resp += "\r\n"
	_, err = p.nc.Write(append([]byte(resp), extra...))
	return err
}

func (p *wirePeer) readLoop() {
	defer p.wg.Done()
	defer close(p.frames)
	for {
		f, err := readWireFrame(p.br)
		if err != nil {
			p.readErr = err
			return
		}
		select {
		case p.frames <- f:
		case <-p.done:
			p.readErr = net.ErrClosed
			return
		}
	}
}

// close closes the peer's end and waits for its reader.
func (p *wirePeer) close() {
	p.once.Do(func() {
		close(p.done)
		p.nc.Close()
	})
	p.wg.Wait()
}

// key returns the next masking key the raw client uses: varied, never random, so a
// failure is reproducible.
func (p *wirePeer) key() []byte {
	n := p.keyN.Add(1)
	return []byte{0x5a ^ byte(n), 0xc3, byte(n >> 8), 0x17 + byte(n)}
}

// frame encodes a frame as the peer's role requires: masked if the peer is the client.
func (p *wirePeer) frame(fin bool, op opcode, payload []byte) []byte {
	if p.client {
		return encodeWireFrame(fin, op, p.key(), payload)
	}
	return encodeWireFrame(fin, op, nil, payload)
}

// frameRSV is frame with the RSV bits rsv (in the low three bits, RSV1 = 4) set.
func (p *wirePeer) frameRSV(fin bool, rsv byte, op opcode, payload []byte) []byte {
	b := p.frame(fin, op, payload)
	b[0] |= rsv << 4
	return b
}

// send writes one frame; errors are returned, not reported, as a peer being closed on may
// see them.
func (p *wirePeer) send(fin bool, op opcode, payload []byte) error {
	_, err := p.nc.Write(p.frame(fin, op, payload))
	return err
}

// mustSend is send for frames the Conn must take.
func (p *wirePeer) mustSend(fin bool, op opcode, payload []byte) {
	p.t.Helper()
	if err := p.send(fin, op, payload); err != nil {
		p.t.Fatalf("raw peer: send %#x frame: %v", byte(op), err)
	}
}

// mustSendRaw writes bytes the Conn must take.
func (p *wirePeer) mustSendRaw(b []byte) {
	p.t.Helper()
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatalf("raw peer: write: %v", err)
	}
}

// header encodes a frame header as the peer's role requires, for a payload that is
// sent separately (masked with the returned key, nil if unmasked) or not at all.
func (p *wirePeer) header(fin bool, op opcode, length uint64) (hdr, key []byte) {
	if p.client {
		key = p.key()
	}
	return encodeWireHeader(fin, op, key, length), key
}

// sendAsync writes b from another goroutine, for writes that block on net.Pipe until
// the Conn reads them; the returned channel yields the write's error.
func (p *wirePeer) sendAsync(b []byte) <-chan error {
	errc := make(chan error, 1)
	go func() {
		_, err := p.nc.Write(b)
		errc <- err
	}()
	return errc
}

// next returns the next frame the Conn sent, failing the test if none comes within
// waitTimeout. It checks the masking the Conn's role requires.
func (p *wirePeer) next() wireFrame {
	p.t.Helper()
	f, err := p.nextWithin(waitTimeout)
	if err != nil {
		p.t.Fatalf("raw peer: waiting for a frame: %v", err)
	}
	return f
}

var errNoFrame = errors.New("raw peer: no frame")

// nextWithin returns the next frame, errNoFrame if none comes within d, or the read
// error once the connection has ended.
func (p *wirePeer) nextWithin(d time.Duration) (wireFrame, error) {
	p.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f, ok := <-p.frames:
		if !ok {
			return wireFrame{}, p.readErr
		}
		if f.masked == p.client {
			p.t.Errorf("frame %v from a %s Conn: masked=%v", f, roleOf(!p.client), f.masked)
		}
		return f, nil
	case <-timer.C:
		return wireFrame{}, errNoFrame
	}
}

// expectClose waits for a close frame, skipping nothing: any other frame fails the test.
func (p *wirePeer) expectClose() wireFrame {
	p.t.Helper()
	f := p.next()
	if f.op != opClose {
		p.t.Fatalf("got frame %v, want a close frame", f)
	}
	return f
}

// expectEOF waits for the Conn to close the connection, failing if it sends a frame first.
func (p *wirePeer) expectEOF() {
	p.t.Helper()
	f, err := p.nextWithin(waitTimeout)
	switch {
	case err == nil:
		p.t.Fatalf("got frame %v, want the connection closed", f)
	case err == errNoFrame:
		p.t.Fatalf("connection still open after %v", waitTimeout)
	}
}

// expectQuiet checks that the Conn sends nothing, and does not close, for quietPeriod.
func (p *wirePeer) expectQuiet() {
	p.t.Helper()
	f, err := p.nextWithin(quietPeriod)
	switch {
	case err == nil:
		p.t.Fatalf("got frame %v, want nothing", f)
	case err != errNoFrame:
		p.t.Fatalf("connection ended (%v), want it open", err)
	}
}

func roleOf(client bool) string {
	if client {
		return "client"
	}
	return "server"
}
