package websocket

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// The benchmarks run a Conn over fake connections that keep the network out of the
// numbers: writes are discarded, reads are served from a pre-encoded stream of frames in
// memory, repeated without end.

// discardConn is a net.Conn that discards what is written and never has anything to
// read.
type discardConn struct{}

func (discardConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return fakeAddr{} }
func (discardConn) RemoteAddr() net.Addr             { return fakeAddr{} }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }

// loopConn serves stream over and over; writes are discarded.
type loopConn struct {
	discardConn
	stream []byte
	off    int
}

func (c *loopConn) Read(p []byte) (int, error) {
	n := copy(p, c.stream[c.off:])
	c.off += n
	if c.off == len(c.stream) {
		c.off = 0
	}
	return n, nil
}

// benchSizes are the message sizes measured.
var benchSizes = []struct {
	name string
	n    int
}{{"16B", 16}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

// benchChunk is the size of the writes into a message Writer.
const benchChunk = 4 << 10

func benchWriteWhole(b *testing.B, c *Conn, p []byte) {
	ctx := context.Background()
	for b.Loop() {
		if err := c.Write(ctx, MessageBinary, p); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWriteStreamed(b *testing.B, c *Conn, p []byte) {
	ctx := context.Background()
	for b.Loop() {
		w, err := c.Writer(ctx, MessageBinary)
		if err != nil {
			b.Fatal(err)
		}
		for rest := p; len(rest) > 0; {
			k := min(len(rest), benchChunk)
			if _, err := w.Write(rest[:k]); err != nil {
				b.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, client := range []bool{false, true} {
		for _, style := range []struct {
			name string
			run  func(*testing.B, *Conn, []byte)
		}{{"Write", benchWriteWhole}, {"Writer", benchWriteStreamed}} {
			for _, size := range benchSizes {
				b.Run(fmt.Sprintf("%s/%s/%s", roleOf(client), style.name, size.name), func(b *testing.B) {
					c := newConn(connConfig{nc: discardConn{}, client: client})
					p := binaryPayload(size.n)
					b.ReportAllocs()
					b.SetBytes(int64(size.n))
					style.run(b, c, p)
				})
			}
		}
	}
}

// benchStream returns a stream of frames carrying one message of n bytes as a peer of a
// Conn in the given role would send it: masked if the Conn is a server, and in frames of
// the Writer's size if fragmented.
func benchStream(client bool, n int, fragmented bool) []byte {
	var key []byte
	if !client {
		key = []byte{0x37, 0xfa, 0x21, 0x3d}
	}
	p := binaryPayload(n)
	frag := len(p)
	if fragmented {
		frag = writeBufSize - maxHeaderSize
	}
	var stream []byte
	op := opBinary
	for {
		k := min(len(p), frag)
		stream = append(stream, encodeWireFrame(k == len(p), op, key, p[:k])...)
		p = p[k:]
		op = opContinuation
		if len(p) == 0 {
			return stream
		}
	}
}

func benchReadWhole(b *testing.B, c *Conn, n int) {
	ctx := context.Background()
	for b.Loop() {
		_, p, err := c.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(p) != n {
			b.Fatalf("read %d bytes, want %d", len(p), n)
		}
	}
}

func benchReadStreamed(b *testing.B, c *Conn, n int) {
	ctx := context.Background()
	buf := make([]byte, benchChunk)
	for b.Loop() {
		_, r, err := c.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			k, err := r.Read(buf)
			got += k
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if got != n {
			b.Fatalf("read %d bytes, want %d", got, n)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	for _, client := range []bool{false, true} {
		for _, style := range []struct {
			name string
			run  func(*testing.B, *Conn, int)
		}{{"Read", benchReadWhole}, {"Reader", benchReadStreamed}} {
			for _, size := range benchSizes {
				b.Run(fmt.Sprintf("%s/%s/%s", roleOf(client), style.name, size.name), func(b *testing.B) {
					nc := &loopConn{stream: benchStream(client, size.n, style.name == "Reader")}
					c := newConn(connConfig{nc: nc, client: client})
					b.ReportAllocs()
					b.SetBytes(int64(size.n))
					style.run(b, c, size.n)
				})
			}
		}
	}
}

// TestConnAllocs checks that streaming a message, in either direction and role, and
// writing a whole one cost no allocation in steady state with context.Background.
// (Read allocates the message it returns.)
func TestConnAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	for _, client := range []bool{false, true} {
		for _, size := range benchSizes {
			p := binaryPayload(size.n)
			w := newConn(connConfig{nc: discardConn{}, client: client})
			r := newConn(connConfig{nc: &loopConn{stream: benchStream(client, size.n, true)}, client: client})
			buf := make([]byte, benchChunk)
			ctx := context.Background()
			checks := []struct {
				name string
				f    func()
			}{
				{"Write", func() { _ = w.Write(ctx, MessageBinary, p) }},
				{"Writer", func() {
					mw, _ := w.Writer(ctx, MessageBinary)
					_, _ = mw.Write(p)
					_ = mw.Close()
				}},
				{"Reader", func() {
					_, mr, _ := r.Reader(ctx)
					for {
						if _, err := mr.Read(buf); err != nil {
							break
						}
					}
				}},
			}
			for _, c := range checks {
				// A Writer is a 16-byte handle, so that one kept past its Close cannot
				// write into a later message: its one allocation.
				want := 0.0
				if c.name == "Writer" {
					want = 1
				}
				if n := testing.AllocsPerRun(100, c.f); n != want {
					t.Errorf("%s %s of %s: %v allocations per message, want %v", roleOf(client), c.name, size.name, n, want)
				}
			}
		}
	}
}

// deflateBenchConn returns a Conn in the given role that negotiated permessage-deflate,
// with or without context takeover in both directions.
func deflateBenchConn(nc net.Conn, client, takeover bool) *Conn {
	return newConn(connConfig{nc: nc, client: client, readLimit: -1, deflate: &deflateParams{
		serverMaxWindowBits: 15, clientMaxWindowBits: 15,
		serverNoContextTakeover: !takeover, clientNoContextTakeover: !takeover,
	}})
}

// BenchmarkDeflate measures compressed messages of about 2 KiB of JSON, written and
// read by a server Conn.
func BenchmarkDeflate(b *testing.B) {
	const messages = 64 // distinct messages, so that the history is realistic
	var payloads [][]byte
	for i := range messages {
		payloads = append(payloads, jsonPayload(2048, uint64(i)))
	}
	for _, takeover := range []bool{true, false} {
		name := "takeover"
		if !takeover {
			name = "no-takeover"
		}
		b.Run("Write/"+name, func(b *testing.B) {
			nc := &countConn{}
			c := deflateBenchConn(nc, false, takeover)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(payloads[0])))
			var plain int
			i := 0
			for b.Loop() {
				p := payloads[i%messages]
				i++
				plain += len(p)
				if err := c.Write(ctx, MessageBinary, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(nc.n)/float64(plain), "wire/payload")
		})
		b.Run("Read/"+name, func(b *testing.B) {
			// The peer's stream, compressed by a client Conn into memory.
			rec := &countConn{keep: true}
			w := deflateBenchConn(rec, true, takeover)
			for _, p := range payloads {
				if err := w.Write(context.Background(), MessageBinary, p); err != nil {
					b.Fatal(err)
				}
			}
			c := deflateBenchConn(&loopConn{stream: rec.buf}, false, takeover)
			ctx := context.Background()
			buf := make([]byte, benchChunk)
			b.ReportAllocs()
			b.SetBytes(int64(len(payloads[0])))
			for b.Loop() {
				_, r, err := c.Reader(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Read(buf); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// countConn counts what is written to it, and keeps it if asked to.
type countConn struct {
	discardConn
	n    int
	keep bool
	buf  []byte
}

func (c *countConn) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.keep {
		c.buf = append(c.buf, p...)
	}
	return len(p), nil
}
