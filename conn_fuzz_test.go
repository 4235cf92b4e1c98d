package websocket

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzConn is a net.Conn whose peer's stream is a fixed byte string, served at most
// chunk bytes per Read and then io.EOF. What the Conn writes is kept in wrote if record
// is set, and dropped otherwise. done, if not nil, is closed by the first Close.
// Deadlines are accepted and ignored: no Read ever blocks.
type fuzzConn struct {
	mu     sync.Mutex
	data   []byte
	chunk  int
	record bool
	wrote  []byte
	closed bool
	done   chan struct{}
}

func (c *fuzzConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.chunk)], c.data)
	c.data = c.data[n:]
	return n, nil
}

func (c *fuzzConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if c.record {
		c.wrote = append(c.wrote, p...)
	}
	return len(p), nil
}

func (c *fuzzConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed && c.done != nil {
		close(c.done)
	}
	c.closed = true
	return nil
}

func (c *fuzzConn) LocalAddr() net.Addr              { return fakeAddr{} }
func (c *fuzzConn) RemoteAddr() net.Addr             { return fakeAddr{} }
func (c *fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }

type fakeAddr struct{}

func (fakeAddr) Network() string { return "fake" }
func (fakeAddr) String() string  { return "fake" }

// fuzzReadLimit bounds the messages a fuzzed Conn accepts, and so what it may allocate.
const fuzzReadLimit = 4 << 10

// FuzzConn feeds arbitrary bytes, as the peer's side of the stream, to a server Conn
// (asClient false: the peer is a client) or a client Conn, delivered chunk bytes at a
// time (0 means all that fits), and reads messages, alternately with Read and with
// Reader and a small buffer, until an error. The Conn must not panic or hang, must
// end with an error wrapping net.ErrClosed, must only deliver messages within the read
// limit (and text that is valid UTF-8), and must not allocate what the peer declares
// rather than sends.
func FuzzConn(f *testing.F) {
	// The seeds in testdata/fuzz/FuzzConn are real frames; add the malformed cases.
	for _, tc := range loadMalformedCases(f) {
		stream := append(mustHex(f, tc.Send), mustHex(f, tc.Then)...)
		f.Add(tc.Peer == "server", byte(0), stream)
		f.Add(tc.Peer == "server", byte(1), stream)
	}
	f.Fuzz(func(t *testing.T, asClient bool, chunk byte, stream []byte) {
		fuzzConnStream(t, asClient, chunk, stream, nil)
	})
}

// FuzzConnDeflate is FuzzConn for a Conn that negotiated permessage-deflate, with the
// parameters taken from params: bit 0 set means the peer does not take over its
// context, bits 1 to 3 add to 8 the peer's window bits. The seeds are compressed
// messages; corrupt or oversized compressed data must fail the connection like any other
// bad input, and decompression must stay within the read limit's memory.
func FuzzConnDeflate(f *testing.F) {
	f.Fuzz(func(t *testing.T, asClient bool, chunk byte, params byte, stream []byte) {
		bits := 8 + int(params>>1&7)
		dp := &deflateParams{serverMaxWindowBits: bits, clientMaxWindowBits: bits,
			serverNoContextTakeover: params&1 != 0, clientNoContextTakeover: params&1 != 0}
		fuzzConnStream(t, asClient, chunk, stream, dp)
	})
}

// fuzzConnStream is the body of FuzzConn and FuzzConnDeflate.
func fuzzConnStream(t *testing.T, asClient bool, chunk byte, stream []byte, dp *deflateParams) {
	nc := &fuzzConn{data: stream, chunk: int(chunk)}
	if chunk == 0 {
		nc.chunk = len(stream) + 1
	}
	c := newConn(connConfig{nc: nc, client: asClient, readLimit: fuzzReadLimit, deflate: dp})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	type result struct {
		messages int
		err      error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = fuzzReadAll(c, &r.messages)
		done <- r
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Conn still reading after 10s of a %d-byte stream:\n%s", len(stream), buf[:runtime.Stack(buf, true)])
	}
	runtime.ReadMemStats(&after)

	if res.err == nil || !errors.Is(res.err, net.ErrClosed) {
		t.Fatalf("reading ended with %v, want an error wrapping net.ErrClosed", res.err)
	}
	if err := c.Write(context.Background(), MessageBinary, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after the end: %v, want an error wrapping net.ErrClosed", err)
	}
	// Each message costs at most its doubling buffer (under twice the limit) and a
	// little bookkeeping; the rest is the Conn and its error values.
	budget := uint64(64<<10 + (res.messages+1)*(2*fuzzReadLimit+1<<10))
	if dp != nil {
		// A decompressor from the pool, if it was empty, with its 32 KiB window, and
		// the Huffman tables compress/flate builds for each block, which the peer
		// pays for with the bytes of the block.
		budget += 256<<10 + 64*uint64(len(stream))
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > budget {
		t.Fatalf("%d messages from a %d-byte stream allocated %d bytes (budget %d)", res.messages, len(stream), grown, budget)
	}
}

// fuzzReadAll reads messages until an error, checking each, and returns that error.
func fuzzReadAll(c *Conn, messages *int) error {
	ctx := context.Background()
	buf := make([]byte, 7)
	for i := 0; ; i++ {
		var (
			typ MessageType
			p   []byte
			err error
		)
		if i%2 == 0 {
			typ, p, err = c.Read(ctx)
		} else {
			var r io.Reader
			typ, r, err = c.Reader(ctx)
			for err == nil {
				var n int
				n, err = r.Read(buf)
				p = append(p, buf[:n]...)
				if len(p) > fuzzReadLimit {
					return fmt.Errorf("message reader gave %d bytes, over the limit", len(p))
				}
			}
			if err == io.EOF {
				err = nil
			}
		}
		if err != nil {
			return err
		}
		*messages++
		if len(p) > fuzzReadLimit {
			return fmt.Errorf("message of %d bytes, over the limit", len(p))
		}
		if typ != MessageText && typ != MessageBinary {
			return fmt.Errorf("message of type %v", typ)
		}
		if typ == MessageText && !utf8.Valid(p) {
			return fmt.Errorf("text message %q is not valid UTF-8", p)
		}
	}
}

// seedKey is the masking key of the seeds' frames to a Conn: none to a client.
func seedKey(toClient bool) []byte {
	if toClient {
		return nil
	}
	return []byte{0x37, 0xfa, 0x21, 0x3d}
}

// cat concatenates frames into a stream.
func cat(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = append(b, f...)
	}
	return b
}

// fuzzSeeds are streams of real frames, made by the raw peer's encoder: what a
// client sends a server Conn (masked) and what a server sends a client Conn.
func connFuzzSeeds() []fuzzSeed {
	var seeds []fuzzSeed
	for _, asClient := range []bool{false, true} {
		key := seedKey(asClient)
		fr := func(fin bool, op opcode, payload []byte) []byte {
			return encodeWireFrame(fin, op, key, payload)
		}
		role := roleOf(asClient) + "-conn-"
		add := func(name string, chunk byte, stream []byte) {
			seeds = append(seeds, fuzzSeed{role + name, []any{asClient, chunk, stream}})
		}
		add("text", 0, fr(true, opText, []byte("hello, はやて")))
		add("binary-16bit-length", 0, fr(true, opBinary, binaryPayload(300)))
		add("empty-messages", 1, cat(fr(true, opText, nil), fr(true, opBinary, nil), fr(false, opText, nil), fr(true, opContinuation, nil)))
		add("fragmented-with-control", 3, cat(
			fr(false, opText, []byte("hé")[:2]),
			fr(true, opPing, []byte("ping")),
			fr(false, opContinuation, []byte("é✓")[1:]),
			fr(true, opPong, []byte("pong")),
			fr(true, opContinuation, []byte("!")),
			fr(true, opBinary, []byte{0, 1, 2}),
		))
		add("ping-125", 0, cat(fr(true, opPing, binaryPayload(125)), fr(true, opText, []byte("after"))))
		add("close-with-reason", 0, cat(fr(true, opText, []byte("bye")), fr(true, opClose, closePayload(StatusGoingAway, "shutting down"))))
		add("close-empty", 2, fr(true, opClose, nil))
		add("data-after-close", 0, cat(fr(true, opClose, closePayload(StatusNormalClosure, "")), fr(true, opText, []byte("late"))))
		add("at-limit", 0, fr(true, opBinary, binaryPayload(fuzzReadLimit)))
		add("over-limit-fragments", 0, cat(fr(false, opBinary, binaryPayload(fuzzReadLimit-1)), fr(true, opContinuation, []byte("ab"))))
		add("64bit-length", 0, fr(true, opBinary, binaryPayload(70000)))
		add("truncated", 0, fr(true, opText, []byte("cut short"))[:8])
		add("invalid-utf8-fragment", 1, cat(fr(false, opText, []byte{0xce}), fr(true, opContinuation, []byte{0x41})))
		var wrongKey []byte // masked from a server, unmasked from a client
		if asClient {
			wrongKey = []byte{1, 2, 3, 4}
		}
		add("wrong-masking", 0, encodeWireFrame(true, opText, wrongKey, []byte("x")))
	}
	return seeds
}

// connDeflateFuzzSeeds are streams of compressed messages for FuzzConnDeflate, made
// with compress/flate as other implementations make them.
func connDeflateFuzzSeeds() []fuzzSeed {
	var seeds []fuzzSeed
	for _, asClient := range []bool{false, true} {
		key := seedKey(asClient)
		fr := func(fin bool, rsv1 bool, op opcode, payload []byte) []byte {
			b := encodeWireFrame(fin, op, key, payload)
			if rsv1 {
				b[0] |= 0x40
			}
			return b
		}
		role := roleOf(asClient) + "-conn-"
		add := func(name string, chunk, params byte, stream []byte) {
			seeds = append(seeds, fuzzSeed{role + name, []any{asClient, chunk, params, stream}})
		}
		d := newPeerDeflater()
		m1, m2 := d.deflate(jsonPayload(600, 1)), d.deflate(jsonPayload(900, 2))
		add("takeover", 0, 0x0e, cat(fr(true, true, opText, m1), fr(true, true, opText, m2)))
		big := newPeerDeflater().deflate(jsonPayload(3000, 3))
		add("fragmented-with-ping", 5, 0x0f, cat(fr(false, true, opBinary, big[:20]), fr(true, false, opPing, []byte("p")),
			fr(false, false, opContinuation, big[20:100]), fr(true, false, opContinuation, big[100:])))
		var final bytes.Buffer
		fw, _ := flate.NewWriter(&final, flate.BestSpeed)
		fw.Write([]byte("a final block, no tail"))
		fw.Close()
		add("final-block", 0, 0x01, fr(true, true, opText, final.Bytes()))
		add("empty", 1, 0x00, cat(fr(true, true, opText, []byte{0}), fr(true, false, opText, []byte("plain"))))
		add("corrupt", 0, 0x00, fr(true, true, opBinary, []byte{0xff, 0xfe, 0xfd}))
		add("over-limit", 0, 0x0e, fr(true, true, opBinary, newPeerDeflater().deflate(make([]byte, 3*fuzzReadLimit))))
		add("rsv1-continuation", 0, 0x00, cat(fr(false, true, opText, m1[:4]), fr(true, true, opContinuation, m1[4:])))
		add("rsv1-ping", 0, 0x00, fr(true, true, opPing, nil))
		add("bad-utf8", 2, 0x00, fr(true, true, opText, newPeerDeflater().deflate([]byte("ok\xc3("))))
	}
	return seeds
}

// TestWriteConnFuzzSeeds regenerates testdata/fuzz/FuzzConn and FuzzConnDeflate:
//
//	HAYATE_WRITE_FUZZ_SEEDS=1 go test -run '^TestWriteConnFuzzSeeds$' .
func TestWriteConnFuzzSeeds(t *testing.T) {
	if os.Getenv("HAYATE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set HAYATE_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzConn")
	}
	writeFuzzSeeds(t, "FuzzConn", connFuzzSeeds())
	writeFuzzSeeds(t, "FuzzConnDeflate", connDeflateFuzzSeeds())
}
