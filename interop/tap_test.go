package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// This file holds a wire tap: a net.Conn wrapper that decodes, as they pass, the HTTP head
// and the frame headers (RFC 6455 §5.2) in both directions of Hayate's side of a
// connection. Tests use it to check what actually went over the wire: how many frames a
// fragmented message took, which ping payload a pong carried, what a close frame said,
// that no RSV bit was set, that the handshake negotiated no extension.

// frameInfo is one frame as it went over the wire.
type frameInfo struct {
	fin     bool
	rsv     byte // the three RSV bits, as in the first header byte
	op      byte
	masked  bool
	length  int64
	payload []byte // control frames, and data frames when the tap keeps data; unmasked
}

func (f frameInfo) String() string {
	return fmt.Sprintf("{op=%#x fin=%v rsv=%#x masked=%v len=%d}", f.op, f.fin, f.rsv, f.masked, f.length)
}

// wireDecoder decodes one direction of a connection: an HTTP head, then frames.
type wireDecoder struct {
	mu       sync.Mutex
	keepData bool // keep the payload of data frames too
	head     []byte
	headDone bool
	hdr      []byte // the frame header being read
	cur      frameInfo
	key      [4]byte
	left     int64 // payload bytes of cur still to come
	frames   []frameInfo
	err      error
}

func (d *wireDecoder) feed(p []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return
	}
	for len(p) > 0 {
		if !d.headDone {
			d.head = append(d.head, p...)
			i := bytes.Index(d.head, []byte("\r\n\r\n"))
			if i < 0 {
				if len(d.head) > 1<<20 {
					d.err = fmt.Errorf("HTTP head longer than 1 MiB")
				}
				return
			}
			p = append([]byte(nil), d.head[i+4:]...)
			d.head = d.head[:i+4]
			d.headDone = true
			continue
		}
		if d.left > 0 {
			k := int(min(d.left, int64(len(p))))
			if d.cur.op >= 0x8 || d.keepData {
				d.cur.payload = append(d.cur.payload, p[:k]...)
			}
			d.left -= int64(k)
			p = p[k:]
			if d.left == 0 {
				d.endFrame()
			}
			continue
		}
		d.hdr = append(d.hdr, p[0])
		p = p[1:]
		if len(d.hdr) < 2 {
			continue
		}
		need := 2
		switch d.hdr[1] & 0x7f {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if d.hdr[1]&0x80 != 0 {
			need += 4
		}
		if len(d.hdr) < need {
			continue
		}
		d.startFrame()
	}
}

// startFrame decodes the complete header in d.hdr.
func (d *wireDecoder) startFrame() {
	h := d.hdr
	f := frameInfo{fin: h[0]&0x80 != 0, rsv: h[0] & 0x70, op: h[0] & 0x0f, masked: h[1]&0x80 != 0}
	i := 2
	switch n := h[1] & 0x7f; n {
	case 126:
		f.length = int64(binary.BigEndian.Uint16(h[2:]))
		i += 2
	case 127:
		f.length = int64(binary.BigEndian.Uint64(h[2:]))
		i += 8
	default:
		f.length = int64(n)
	}
	if f.length < 0 {
		d.err = fmt.Errorf("frame length with the top bit set")
		return
	}
	if f.masked {
		copy(d.key[:], h[i:i+4])
	}
	d.cur = f
	d.left = f.length
	d.hdr = d.hdr[:0]
	if f.length == 0 {
		d.endFrame()
	}
}

func (d *wireDecoder) endFrame() {
	if d.cur.masked {
		for i := range d.cur.payload {
			d.cur.payload[i] ^= d.key[i&3]
		}
	}
	d.frames = append(d.frames, d.cur)
	d.cur = frameInfo{}
}

// snapshot returns the head and the frames decoded so far.
func (d *wireDecoder) snapshot() ([]byte, []frameInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.head...), append([]frameInfo(nil), d.frames...), d.err
}

// tapConn is a net.Conn that decodes what it reads (rx) and writes (tx).
type tapConn struct {
	net.Conn
	server bool // Hayate is the server on this connection
	rx, tx wireDecoder
}

func newTap(c net.Conn, server bool) *tapConn { return &tapConn{Conn: c, server: server} }

// newDataTap is newTap for a tap that also keeps the payload of data frames.
func newDataTap(c net.Conn, server bool) *tapConn {
	tc := newTap(c, server)
	tc.rx.keepData, tc.tx.keepData = true, true
	return tc
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rx.feed(p[:n])
	return n, err
}

func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.tx.feed(p[:n])
	return n, err
}

// tapListener wraps accepted connections in taps.
type tapListener struct {
	net.Listener
	keepData bool // the taps keep data frames' payloads
}

func (l tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.keepData {
		return newDataTap(c, true), nil
	}
	return newTap(c, true), nil
}

type tapKey struct{}

// tapConnContext is an http.Server ConnContext that makes the tap reachable from handlers.
func tapConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tapConn); ok {
		return context.WithValue(ctx, tapKey{}, tc)
	}
	return ctx
}

func tapFrom(ctx context.Context) *tapConn {
	tc, _ := ctx.Value(tapKey{}).(*tapConn)
	return tc
}

// wire is what a tap saw, decoded.
type wire struct {
	reqHead, respHead http.Header
	status            int
	fromClient        []frameInfo
	fromServer        []frameInfo
}

// capture decodes what the tap has seen so far.
func (c *tapConn) capture(t *testing.T) wire {
	t.Helper()
	rxHead, rxFrames, rxErr := c.rx.snapshot()
	txHead, txFrames, txErr := c.tx.snapshot()
	if rxErr != nil || txErr != nil {
		t.Errorf("wire tap could not decode the stream: %v %v", rxErr, txErr)
	}
	reqHead, respHead := rxHead, txHead
	w := wire{fromClient: rxFrames, fromServer: txFrames}
	if !c.server {
		reqHead, respHead = txHead, rxHead
		w.fromClient, w.fromServer = txFrames, rxFrames
	}
	if req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(reqHead))); err == nil {
		w.reqHead = req.Header
	} else {
		t.Errorf("wire tap: no HTTP request: %v", err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(respHead)), nil); err == nil {
		w.respHead = resp.Header
		w.status = resp.StatusCode
	} else {
		t.Errorf("wire tap: no HTTP response: %v", err)
	}
	return w
}

// checkInvariants checks what must hold on every connection of the tests that run with
// compression off (all but the TestDeflate* ones, which check RSV1 themselves): a 101 with
// no extension negotiated, every client frame masked and no server frame masked (§5.1), no
// RSV bit set (§5.2), and only known opcodes.
func (w wire) checkInvariants(t *testing.T) {
	t.Helper()
	if w.status != http.StatusSwitchingProtocols {
		t.Errorf("wire: handshake status %d, want 101", w.status)
	}
	if ext := w.respHead.Values("Sec-WebSocket-Extensions"); len(ext) > 0 {
		t.Errorf("wire: the 101 response negotiated extensions %q with compression off", ext)
	}
	check := func(dir string, frames []frameInfo, wantMasked bool) {
		for i, f := range frames {
			if f.masked != wantMasked {
				t.Errorf("wire: %s frame %d %v: masked=%v, want %v", dir, i, f, f.masked, wantMasked)
			}
			if f.rsv != 0 {
				t.Errorf("wire: %s frame %d %v has RSV bits set", dir, i, f)
			}
			switch f.op {
			case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA:
			default:
				t.Errorf("wire: %s frame %d %v has a reserved opcode", dir, i, f)
			}
		}
	}
	check("client→server", w.fromClient, true)
	check("server→client", w.fromServer, false)
}

// dataMessages groups data frames into messages: for each, its frames.
func dataMessages(frames []frameInfo) [][]frameInfo {
	var msgs [][]frameInfo
	var cur []frameInfo
	for _, f := range frames {
		if f.op >= 0x8 {
			continue
		}
		cur = append(cur, f)
		if f.fin {
			msgs = append(msgs, cur)
			cur = nil
		}
	}
	return msgs
}

// controlFrames returns the control frames with opcode op.
func controlFrames(frames []frameInfo, op byte) []frameInfo {
	var out []frameInfo
	for _, f := range frames {
		if f.op == op {
			out = append(out, f)
		}
	}
	return out
}

// closeFrame returns the code and reason of the first close frame, or -1.
func closeFrame(frames []frameInfo) (int, string) {
	for _, f := range frames {
		if f.op == 0x8 {
			if len(f.payload) < 2 {
				return 1005, ""
			}
			return int(binary.BigEndian.Uint16(f.payload)), string(f.payload[2:])
		}
	}
	return -1, ""
}

// describeMessage says how a message went over the wire, such as "text in 4 frames".
func describeMessage(frames []frameInfo) string {
	if len(frames) == 0 {
		return "nothing"
	}
	typ := map[byte]string{1: "text", 2: "binary"}[frames[0].op]
	if typ == "" {
		typ = fmt.Sprintf("opcode %#x", frames[0].op)
	}
	sizes := make([]string, len(frames))
	for i, f := range frames {
		sizes[i] = fmt.Sprint(f.length)
	}
	return fmt.Sprintf("%s in %d frame(s) of %s bytes", typ, len(frames), strings.Join(sizes, "+"))
}

// checkFragmented checks that msg was sent as a fragmented message of type op: a first
// frame with op and FIN clear, continuation frames, and FIN on the last only.
func checkFragmented(t *testing.T, who string, msg []frameInfo, op byte, size int64) {
	t.Helper()
	var total int64
	for _, f := range msg {
		total += f.length
	}
	if total != size {
		t.Errorf("%s: fragmented message of %d bytes on the wire, want %d", who, total, size)
	}
	if len(msg) < 2 {
		t.Errorf("%s: message went as %s, want it fragmented", who, describeMessage(msg))
		return
	}
	for i, f := range msg {
		wantOp, wantFin := byte(0), i == len(msg)-1
		if i == 0 {
			wantOp = op
		}
		if f.op != wantOp || f.fin != wantFin {
			t.Errorf("%s: frame %d of the fragmented message is %v, want op=%#x fin=%v", who, i, f, wantOp, wantFin)
		}
	}
}
