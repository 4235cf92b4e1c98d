package websocket

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// diffReadLimit is the read limit of the Conns FuzzConnDiff reads with.
const diffReadLimit = 4 << 10

// FuzzConnDiff feeds arbitrary bytes, as the peer's side of the stream, to a server Conn
// (asClient false) or a client Conn, delivered chunk bytes at a time (0: all that fits),
// and holds what the Conn does to an independent reading of the same bytes (refRead in
// wsref_test.go): the messages Read and Reader return, in order, and how the connection
// ends, that is the code of the close frame the Conn writes, or none, and the status
// the last read reports. The pongs the Conn writes must answer pings it read, in order.
// params bit 4 set means permessage-deflate was negotiated; then bit 0 set means the
// peer does not take over its context, and bits 1 to 3 add to 8 the peer's window bits.
func FuzzConnDiff(f *testing.F) {
	f.Fuzz(func(t *testing.T, asClient bool, chunk, params byte, stream []byte) {
		cfg, dp := diffParams(asClient, params)
		want := refRead(stream, cfg)
		got := runDiffConn(t, asClient, chunk, stream, dp)
		compareDiff(t, stream, want, got, asClient)
	})
}

// diffParams returns the reference's view of the connection params describes, and the
// Conn's negotiated permessage-deflate parameters (nil: none).
func diffParams(asClient bool, params byte) (refConfig, *deflateParams) {
	cfg := refConfig{peerIsClient: !asClient, limit: diffReadLimit}
	if params&0x10 == 0 {
		return cfg, nil
	}
	bits := 8 + int(params>>1&7)
	noTakeover := params&1 != 0
	cfg.deflate, cfg.windowBits, cfg.takeover = true, bits, !noTakeover
	return cfg, &deflateParams{serverMaxWindowBits: bits, clientMaxWindowBits: bits,
		serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover}
}

// diffRun is what a Conn made of a stream.
type diffRun struct {
	messages []refMessage
	partial  []byte // what the message reader gave of a message that then failed
	err      error  // what the last read returned
	wrote    []byte // what the Conn wrote, until it closed the connection
}

// runDiffConn reads stream with a Conn until an error, alternately with Read and with
// Reader and a 7-byte buffer, and waits for the Conn to close the connection.
func runDiffConn(t *testing.T, asClient bool, chunk byte, stream []byte, dp *deflateParams) diffRun {
	nc := &fuzzConn{data: stream, chunk: int(chunk), record: true, done: make(chan struct{})}
	if chunk == 0 {
		nc.chunk = len(stream) + 1
	}
	c := newConn(connConfig{nc: nc, client: asClient, readLimit: diffReadLimit, deflate: dp})
	var run diffRun
	read := make(chan struct{})
	go func() {
		defer close(read)
		ctx := context.Background()
		buf := make([]byte, 7)
		for i := 0; ; i++ {
			if i%2 == 0 {
				typ, p, err := c.Read(ctx)
				if err != nil {
					run.err = err
					return
				}
				run.messages = append(run.messages, refMessage{typ, p})
				continue
			}
			typ, r, err := c.Reader(ctx)
			if err != nil {
				run.err = err
				return
			}
			var p []byte
			for err == nil {
				var n int
				n, err = r.Read(buf)
				p = append(p, buf[:n]...)
				if len(p) > diffReadLimit {
					err = fmt.Errorf("the message reader gave %d bytes, over the limit", len(p))
				}
			}
			if err != io.EOF {
				run.partial, run.err = p, err
				return
			}
			run.messages = append(run.messages, refMessage{typ, p})
		}
	}()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for _, ch := range []chan struct{}{read, nc.done} {
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("Conn still reading, or the connection still open, 10s into a %d-byte stream", len(stream))
		}
	}
	nc.mu.Lock()
	run.wrote = nc.wrote
	nc.mu.Unlock()
	return run
}

// compareDiff fails t where the Conn's run differs from the reference's reading.
func compareDiff(t *testing.T, stream []byte, want refResult, got diffRun, asClient bool) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		s := hex.EncodeToString(stream)
		if len(s) > 4000 {
			s = s[:4000] + "..."
		}
		t.Fatalf("%s\nreference: %d messages, then %v (%s)\nstream (%d bytes): %s",
			fmt.Sprintf(format, args...), len(want.messages), want.ends, want.why, len(stream), s)
	}
	for i, m := range got.messages {
		if i >= len(want.messages) {
			fail("message %d: the Conn returned %v %s, the reference none", i, m.typ, clip(m.data))
		}
		if w := want.messages[i]; m.typ != w.typ || !bytes.Equal(m.data, w.data) {
			fail("message %d: the Conn returned %v %s, the reference %v %s", i, m.typ, clip(m.data), w.typ, clip(w.data))
		}
	}
	if len(got.messages) < len(want.messages) {
		fail("the Conn returned %d messages, then %v", len(got.messages), got.err)
	}
	if !bytes.HasPrefix(want.partial, got.partial) {
		fail("the message reader gave %s of the failing message, the reference %s", clip(got.partial), clip(want.partial))
	}

	pongs, closing, problem := refWritten(got.wrote, asClient)
	if problem != "" {
		fail("%s: %x", problem, got.wrote)
	}
	status := CloseStatus(got.err)
	var end refEnd
	switch {
	case closing == nil:
		end = refEnd{kind: 'e'}
	case len(closing) == 0:
		end = refEnd{'c', StatusNoStatusRcvd}
	case len(closing) == 1:
		fail("the Conn's close frame has a payload of one byte")
	default:
		end = refEnd{'f', StatusCode(closing[0])<<8 | StatusCode(closing[1])}
		if status != -1 {
			end.kind = 'c'
		}
		if !refSendable(end.code) {
			fail("the Conn's close frame has code %v", end.code)
		}
		if bad, tail := refUTF8(closing[2:]); bad >= 0 || tail {
			fail("the Conn's close reason %q is not UTF-8", closing[2:])
		}
	}
	if end.kind == 'c' && status != end.code || end.kind != 'c' && status != -1 {
		fail("the Conn wrote %v but the last read returned %v, whose CloseStatus is %v", end, got.err, status)
	}
	if !errors.Is(got.err, net.ErrClosed) {
		fail("the last read returned %v, which does not wrap net.ErrClosed", got.err)
	}
	if end == (refEnd{'f', StatusMessageTooBig}) && !errors.Is(got.err, ErrMessageTooBig) {
		fail("the Conn closed with 1009 but the last read returned %v, which does not wrap ErrMessageTooBig", got.err)
	}
	ok := false
	for _, e := range want.ends {
		ok = ok || e == end
	}
	if !ok {
		fail("after %d messages the Conn ended as: %v (last read: %v)", len(got.messages), end, got.err)
	}

	// Each pong answers a ping read, in order; pings may go unanswered.
	i := 0
	for _, p := range pongs {
		for i < len(want.pings) && !bytes.Equal(want.pings[i], p) {
			i++
		}
		if i == len(want.pings) {
			fail("the Conn sent a pong %x that answers none of the pings %x in order", p, want.pings)
		}
		i++
	}
}

// clip formats a payload for a failure message.
func clip(p []byte) string {
	if len(p) > 64 {
		return fmt.Sprintf("%d bytes %q...", len(p), p[:64])
	}
	return fmt.Sprintf("%q", p)
}

// diffKey is the masking key of the seeds' frames to a server Conn.
var diffKey = []byte{0x5a, 0x13, 0xc7, 0x81}

// hayateFrames returns what a Conn of the peer's role writes for msgs, with compression
// if dp is not nil: real encoder output, masked when the peer is a client.
func hayateFrames(t *testing.T, peerIsClient bool, dp *deflateParams, msgs ...refMessage) []byte {
	t.Helper()
	nc := &fuzzConn{record: true, done: make(chan struct{})}
	c := newConn(connConfig{nc: nc, client: peerIsClient, readLimit: diffReadLimit, deflate: dp,
		deflateOpts: &DeflateOptions{Threshold: -1}})
	for _, m := range msgs {
		if err := c.Write(context.Background(), m.typ, m.data); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.CloseNow()
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return bytes.Clone(nc.wrote)
}

// refPayloads returns the frames of a stream of whole frames as (RSV bits, opcode,
// unmasked payload) triples, for re-framing real encoder output.
func refPayloads(t *testing.T, b []byte) (frames []refFrame, payloads [][]byte) {
	t.Helper()
	for pos := 0; pos < len(b); {
		f, ok := refParseHeader(b[pos:])
		if !ok || uint64(len(b)-pos-f.hdr) < f.length {
			t.Fatalf("frame cut short at %d", pos)
		}
		p := make([]byte, f.length)
		for i := range p {
			p[i] = b[pos+f.hdr+i]
			if f.masked {
				p[i] ^= f.key[i%4]
			}
		}
		frames, payloads = append(frames, f), append(payloads, p)
		pos += f.hdr + len(p)
	}
	return frames, payloads
}

// fuzzSeeds are the corpus of FuzzConnDiff: real encoder output, re-framed real
// payloads, and the shapes of known attacks, for both roles.
func diffSeeds(t *testing.T) []fuzzSeed {
	var seeds []fuzzSeed
	for _, asClient := range []bool{false, true} {
		peerIsClient := !asClient
		var key []byte
		if peerIsClient {
			key = diffKey
		}
		fr := func(fin bool, op byte, payload []byte) []byte { return refEncodeFrame(fin, 0, op, key, payload) }
		zfr := func(fin bool, op byte, payload []byte) []byte { return refEncodeFrame(fin, 4, op, key, payload) }
		hdr := func(fin bool, op byte, length uint64) []byte { return refEncodeHeader(fin, 0, op, key, length) }
		closeFrame := func(code uint16, reason string) []byte {
			return fr(true, 0x8, append([]byte{byte(code >> 8), byte(code)}, reason...))
		}
		role := roleOf(asClient) + "-conn-"
		add := func(name string, chunk, params byte, stream ...[]byte) {
			seeds = append(seeds, fuzzSeed{role + name, []any{asClient, chunk, params, bytes.Join(stream, nil)}})
		}
		text := func(s string) refMessage { return refMessage{MessageText, []byte(s)} }

		// Real encoder output.
		add("hayate-messages", 0, 0x00, hayateFrames(t, peerIsClient, nil,
			text("hello, はやて"), refMessage{MessageBinary, binaryPayload(300)}, text(""),
			refMessage{MessageText, jsonPayload(1000, 1)}), closeFrame(1000, "bye"))
		add("hayate-at-limit", 3, 0x00, hayateFrames(t, peerIsClient, nil, refMessage{MessageBinary, binaryPayload(diffReadLimit)}))
		add("hayate-over-limit", 0, 0x00, hayateFrames(t, peerIsClient, nil, refMessage{MessageBinary, binaryPayload(diffReadLimit + 1)}))
		for _, z := range []struct {
			name   string
			params byte
		}{{"takeover", 0x1e}, {"no-takeover", 0x1f}, {"window-9", 0x12}, {"window-8-no-takeover", 0x11}} {
			_, dp := diffParams(asClient, z.params)
			msgs := []refMessage{{MessageText, jsonPayload(600, 1)}, {MessageText, jsonPayload(900, 2)},
				{MessageBinary, binaryPayload(1500)}, text("short"), {MessageText, jsonPayload(4000, 3)}}
			add("hayate-deflate-"+z.name, 0, z.params, hayateFrames(t, peerIsClient, dp, msgs...), closeFrame(1001, "gone"))
			add("hayate-deflate-"+z.name+"-chunked", 5, z.params, hayateFrames(t, peerIsClient, dp, msgs[:2]...))
		}
		_, dpTakeover := diffParams(asClient, 0x1e)
		add("hayate-deflate-over-limit", 0, 0x1e, hayateFrames(t, peerIsClient, dpTakeover, refMessage{MessageText, jsonPayload(8000, 4)}))

		// Real payloads in frames of our own making, with control frames in between.
		add("fragmented-with-control", 1, 0x00,
			fr(false, 0x1, []byte("h\xc3")), fr(true, 0x9, []byte("ping-1")),
			fr(false, 0x0, []byte("\xa9llo ")), fr(true, 0xa, []byte("unsolicited")),
			fr(false, 0x0, nil), fr(true, 0x9, nil),
			fr(true, 0x0, []byte("wörld")), fr(true, 0x2, binaryPayload(200)), closeFrame(1000, ""))
		frames, payloads := refPayloads(t, hayateFrames(t, peerIsClient, dpTakeover,
			refMessage{MessageText, jsonPayload(2000, 5)}, refMessage{MessageText, jsonPayload(2000, 6)}))
		for i, f := range frames {
			if f.rsv != 4 || !f.fin {
				t.Fatalf("frame %d of a compressed message: %+v", i, f)
			}
		}
		z1, z2 := payloads[0], payloads[1]
		add("deflate-fragmented-with-control", 0, 0x1e,
			zfr(false, 0x1, z1[:10]), fr(true, 0x9, []byte("p")), fr(false, 0x0, z1[10:11]),
			fr(false, 0x0, nil), fr(true, 0x0, z1[11:]),
			zfr(false, 0x1, z2[:len(z2)/2]), fr(true, 0xa, nil), fr(true, 0x0, z2[len(z2)/2:]))
		add("deflate-uncompressed-between", 0, 0x1e, zfr(true, 0x1, z1), fr(true, 0x1, []byte("plain")), zfr(true, 0x1, z2))
		add("deflate-rsv1-continuation", 0, 0x1e, zfr(false, 0x1, z1[:10]), zfr(true, 0x0, z1[10:]))
		add("deflate-corrupt", 0, 0x1f, zfr(true, 0x2, []byte{0xff, 0xfe, 0xfd, 0xfc}))
		add("deflate-cut-short", 0, 0x1f, zfr(true, 0x1, z1[:len(z1)/2]))
		add("deflate-invalid-utf8", 2, 0x1f, zfr(true, 0x1, newPeerDeflater().deflate([]byte("ok \xc3( and more"))))
		add("deflate-invalid-utf8-over-limit", 0, 0x1f, zfr(true, 0x1, newPeerDeflater().deflate(append(bytes.Repeat([]byte("a"), diffReadLimit-2), 0xff, 'b', 'c'))))
		// Compressed with a 32 KiB window, matches 300 bytes back; read with 256 bytes.
		add("deflate-past-window", 0, 0x10, hayateFrames(t, peerIsClient, dpTakeover,
			refMessage{MessageBinary, bytes.Repeat(binaryPayload(300), 3)}))
		add("deflate-within-window", 0, 0x12, hayateFrames(t, peerIsClient, dpTakeover,
			refMessage{MessageBinary, bytes.Repeat(binaryPayload(300), 3)}))
		add("deflate-declared-at-wire-limit", 0, 0x1e, refEncodeHeader(true, 4, 0x2, key, diffReadLimit+diffReadLimit/8+1024), z1)
		add("deflate-declared-over-wire-limit", 0, 0x1e, refEncodeHeader(true, 4, 0x2, key, diffReadLimit+diffReadLimit/8+1025), z1)
		add("rsv1-without-deflate", 0, 0x00, zfr(true, 0x1, z1))
		add("deflate-lit-code-single-eob", 0, 0x1f, zfr(true, 0x1, singleEOBBlock(false)), zfr(true, 0x1, z1))
		add("deflate-lit-code-single-invalid", 0, 0x1f, zfr(true, 0x1, singleEOBBlock(true)))
		add("rsv1-on-ping", 0, 0x1e, refEncodeFrame(true, 4, 0x9, key, nil))

		// Attack shapes.
		first := binaryPayload(100)
		add("continuation-overflow", 0, 0x00, fr(false, 0x2, first), hdr(true, 0x0, 1<<63-1), binaryPayload(1000)) // enough to fill Read's buffer past the first fragment
		add("continuation-overflow-text", 0, 0x00, fr(false, 0x1, []byte(strings.Repeat("a", 100))), hdr(true, 0x0, 1<<63-1), bytes.Repeat([]byte("a"), 1000))
		add("deflate-continuation-overflow", 0, 0x1e, zfr(false, 0x2, z1[:100]), hdr(true, 0x0, 1<<63-1), z1[100:])
		add("length-2^63-1", 0, 0x00, hdr(true, 0x2, 1<<63-1), binaryPayload(32))
		add("length-2^64-1", 0, 0x00, hdr(true, 0x2, 1<<64-1), binaryPayload(32))
		add("length-2^63", 0, 0x00, hdr(true, 0x2, 1<<63), binaryPayload(32))
		// Lengths in a longer form than needed are unambiguous, and allowed.
		long := append([]byte{0x82, 127 | key2bit(key), 0, 0, 0, 0, 0, 0, 0, 5}, key...)
		add("length-64bit-form", 0, 0x00, long, fr(true, 0x2, []byte("hello"))[2+len(key):])
		long16 := append([]byte{0x81, 126 | key2bit(key), 0, 2}, key...)
		add("length-16bit-form", 0, 0x00, long16, fr(true, 0x1, []byte("hi"))[2+len(key):])
		var ones, empties, ones1024, empties32 [][]byte
		for i := range 1100 {
			op := byte(0x0)
			if i == 0 {
				op = 0x2
			}
			ones = append(ones, fr(i == 1099, op, []byte{byte(i)}))
			if i < 1024 {
				ones1024 = append(ones1024, fr(i == 1023, op, []byte{byte(i)}))
			}
		}
		for i := range 40 {
			op := byte(0x0)
			if i == 0 {
				op = 0x1
			}
			empties = append(empties, fr(false, op, nil))
			if i < 32 {
				empties32 = append(empties32, fr(false, op, nil))
			}
			if i%10 == 5 {
				empties = append(empties, fr(true, 0x9, []byte{byte(i)}))
			}
		}
		add("1100-one-byte-fragments", 0, 0x00, ones...)
		add("1024-one-byte-fragments", 0, 0x00, ones1024...)
		add("40-empty-fragments", 0, 0x00, append(empties, fr(true, 0x0, []byte("x")))...)
		add("32-empty-fragments", 0, 0x00, append(empties32, fr(true, 0x0, []byte("x")))...)
		add("invalid-utf8-across-fragments", 1, 0x00, fr(false, 0x1, []byte("ok \xe2\x82")), fr(true, 0x9, []byte("p")), fr(true, 0x0, []byte("\x28 more")))
		add("utf8-across-fragments", 0, 0x00, fr(false, 0x1, []byte("ok \xe2\x82")), fr(true, 0x0, []byte("\xac")))
		add("utf8-cut-at-end", 0, 0x00, fr(false, 0x1, []byte("ok")), fr(true, 0x0, []byte("\xf0\x9f\x98")))
		add("invalid-utf8-surrogate", 0, 0x00, fr(true, 0x1, []byte("\xed\xa0\x80")))
		add("invalid-utf8-overlong", 0, 0x00, fr(true, 0x1, []byte("ok")), fr(true, 0x1, []byte("\xc1\xbf")))
		add("utf8-boundaries", 0, 0x00, fr(true, 0x1, []byte("\u0080\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffff")))
		for _, code := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535} {
			add(fmt.Sprintf("close-code-%d", code), 0, 0x00, fr(true, 0x1, []byte("before")), closeFrame(code, "x"), fr(true, 0x1, []byte("after")))
		}
		for _, code := range []uint16{1003, 1014, 3000, 4999} {
			add(fmt.Sprintf("close-code-%d", code), 0, 0x00, closeFrame(code, "fine"))
		}
		add("close-one-byte", 0, 0x00, fr(true, 0x8, []byte{0x03}))
		add("close-empty", 0, 0x00, fr(true, 0x9, []byte("a")), fr(true, 0x8, nil), fr(true, 0x9, []byte("b")))
		add("close-reason-invalid-utf8", 0, 0x00, closeFrame(1000, "bad \xff reason"))
		add("close-in-fragmented-message", 0, 0x00, fr(false, 0x1, []byte("half")), closeFrame(1001, ""))
		add("ping-flood", 0, 0x00, bytes.Repeat(fr(true, 0x9, []byte("flood")), 200), fr(true, 0x1, []byte("done")))
		add("control-too-long", 0, 0x00, fr(true, 0x9, binaryPayload(126)))
		add("control-fragmented", 0, 0x00, fr(false, 0xa, nil))
		add("reserved-opcode", 0, 0x00, fr(true, 0x3, []byte("x")))
		add("rsv2", 0, 0x00, refEncodeFrame(true, 2, 0x1, key, []byte("x")))
		add("continuation-without-message", 0, 0x00, fr(true, 0x0, []byte("x")))
		add("data-inside-fragmented", 0, 0x00, fr(false, 0x1, []byte("a")), fr(true, 0x1, []byte("b")))
		var wrongKey []byte // masked from a server, unmasked from a client
		if asClient {
			wrongKey = diffKey
		}
		add("wrong-masking", 0, 0x00, refEncodeFrame(true, 0, 0x1, wrongKey, []byte("x")))
		add("cut-in-header", 0, 0x00, fr(true, 0x1, []byte("x")), hdr(true, 0x2, 1000)[:3])
		add("cut-in-payload", 7, 0x00, fr(true, 0x1, []byte("x")), fr(true, 0x2, binaryPayload(1000))[:500])
	}
	return seeds
}

// refBits writes DEFLATE's bit fields (RFC 1951 §3.1.1).
type refBits struct {
	b []byte
	n int // bits written
}

// field writes the n low bits of v, least significant first.
func (w *refBits) field(v, n int) *refBits {
	for i := range n {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[w.n/8] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
	return w
}

// code writes a Huffman code given as a string of bits, most significant first.
func (w *refBits) code(bits string) *refBits {
	for _, c := range bits {
		w.field(int(c-'0'), 1)
	}
	return w
}

// singleEOBBlock is a dynamic block whose literal/length code is a single code of one
// bit, the end of block, and which has no distance codes: a block that holds nothing,
// which zlib and compress/flate decode. With bad, the block's data is the unused code
// instead.
func singleEOBBlock(bad bool) []byte {
	w := &refBits{}
	w.field(0, 1).field(2, 2)              // not final, dynamic
	w.field(0, 5).field(0, 5).field(14, 4) // 257 and 1 codes, 18 code-length lengths
	// Code-length code: 18 has one bit (0), 0 and 1 two (10, 11), in the order of §3.2.7.
	for _, sym := range refCLOrder[:18] {
		switch sym {
		case 18:
			w.field(1, 3)
		case 0, 1:
			w.field(2, 3)
		default:
			w.field(0, 3)
		}
	}
	w.code("0").field(138-11, 7).code("0").field(118-11, 7) // 256 zero lengths
	w.code("11").code("10")                                 // end of block: 1; distance: 0
	if bad {
		return w.code("1").b
	}
	return w.code("0").b
}

// key2bit is the mask bit of the second header byte for a frame masked with key.
func key2bit(key []byte) byte {
	if key != nil {
		return 0x80
	}
	return 0
}

// overflowSeeds are the continuation-overflow attack for FuzzConn and FuzzConnDeflate:
// a first fragment of 100 bytes, then a continuation frame declaring 2^63-1 bytes.
func overflowSeeds(deflate bool) []fuzzSeed {
	var seeds []fuzzSeed
	for _, asClient := range []bool{false, true} {
		var key []byte
		if !asClient {
			key = diffKey
		}
		// What follows the header is enough to fill Read's buffer past the first
		// fragment, where the wrapped sum used to size the next one.
		var rsv byte
		first, rest := binaryPayload(100), binaryPayload(1000)
		if deflate {
			rsv = 4
			z := newPeerDeflater().deflate(jsonPayload(6000, 7))
			first, rest = z[:100], z[100:]
		}
		stream := append(refEncodeFrame(false, rsv, 0x2, key, first), refEncodeHeader(true, 0, 0x0, key, 1<<63-1)...)
		stream = append(stream, rest...)
		args := []any{asClient, byte(0), stream}
		if deflate {
			args = []any{asClient, byte(0), byte(0x0e), stream}
		}
		seeds = append(seeds, fuzzSeed{roleOf(asClient) + "-conn-continuation-overflow", args})
	}
	return seeds
}

// TestWriteConnDiffFuzzSeeds regenerates testdata/fuzz/FuzzConnDiff and the
// continuation-overflow seeds of FuzzConn and FuzzConnDeflate:
//
//	HAYATE_WRITE_FUZZ_SEEDS=1 go test -run '^TestWriteConnDiffFuzzSeeds$' .
func TestWriteConnDiffFuzzSeeds(t *testing.T) {
	if os.Getenv("HAYATE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set HAYATE_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzConnDiff")
	}
	writeFuzzSeeds(t, "FuzzConnDiff", diffSeeds(t))
	writeFuzzSeeds(t, "FuzzConn", overflowSeeds(false))
	writeFuzzSeeds(t, "FuzzConnDeflate", overflowSeeds(true))
}
