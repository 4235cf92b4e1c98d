package frame

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	gorilla "github.com/gorilla/websocket"
	hayate "github.com/hayate-ws/websocket"
	"github.com/lxzan/gws"

	"github.com/hayate-ws/websocket/bench/internal/memconn"
)

var sizes = []int{16, 1 << 10, 64 << 10}

// key is the masking key of every client frame.
var key = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// maskedFrame encodes p as a final, masked binary frame, as a client sends it.
func maskedFrame(p []byte) []byte {
	var f []byte
	f = append(f, 0x82)
	switch n := len(p); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, key[:]...)
	for i, b := range p {
		f = append(f, b^key[i%4])
	}
	return f
}

// cycleOf repeats frame until the cycle holds at least 64 KiB, so that a read
// into a large buffer returns many small frames at once, as a busy socket does.
func cycleOf(frame []byte) []byte {
	var c []byte
	for len(c) < 64<<10 {
		c = append(c, frame...)
	}
	return c
}

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 1)
	}
	return p
}

// A contender drives one library. read consumes n messages of size bytes from
// nc, which serves them without end (or exactly n of them if the library must
// be run until EOF); write sends n messages of p.
type contender struct {
	name  string
	read  func(b *testing.B, nc *memconn.Conn, frameLen, size, n int)
	write func(b *testing.B, nc *memconn.Conn, p []byte, n int)
}

var contenders = []contender{
	{"hayate", hayateRead, hayateWrite},
	{"gorilla", gorillaRead, gorillaWrite},
	{"coder", coderRead, coderWrite},
	{"gobwas", gobwasRead, gobwasWrite},
	{"gws", gwsRead, gwsWrite},
}

// rotated returns the contenders starting at the one BENCH_ROTATE names.
func rotated() []contender {
	k, _ := strconv.Atoi(os.Getenv("BENCH_ROTATE"))
	k = ((k % len(contenders)) + len(contenders)) % len(contenders)
	return append(append([]contender{}, contenders[k:]...), contenders[:k]...)
}

func BenchmarkFrameRead(b *testing.B) {
	for _, size := range sizes {
		frame := maskedFrame(payload(size))
		cycle := cycleOf(frame)
		for _, c := range rotated() {
			b.Run(fmt.Sprintf("size=%d/lib=%s", size, c.name), func(b *testing.B) {
				nc := memconn.New(nil, cycle)
				b.ReportAllocs()
				b.SetBytes(int64(size))
				c.read(b, nc, len(frame), size, b.N)
			})
		}
	}
}

func BenchmarkFrameWrite(b *testing.B) {
	for _, size := range sizes {
		p := payload(size)
		for _, c := range rotated() {
			b.Run(fmt.Sprintf("size=%d/lib=%s", size, c.name), func(b *testing.B) {
				nc := memconn.New(nil, nil)
				b.ReportAllocs()
				b.SetBytes(int64(size))
				c.write(b, nc, p, b.N)
				if want := int64(b.N) * int64(size); nc.Written < want {
					b.Fatalf("%d bytes written, want at least %d", nc.Written, want)
				}
			})
		}
	}
}

// drain reads r to its end into buf and returns the length read.
func drain(r io.Reader, buf []byte) (int, error) {
	n := 0
	for {
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if n == len(buf) {
			return n, errors.New("message larger than the buffer")
		}
	}
}

func check(b *testing.B, n, size int, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if n != size {
		b.Fatalf("read %d bytes, want %d", n, size)
	}
}

// ---- Hayate: Server on the in-memory conn; Reader and Write. ----

// hayateConn runs Hayate's server handshake over nc.
func hayateConn(b *testing.B, nc *memconn.Conn) *hayate.Conn {
	nc.SetPrefix([]byte(memconn.HandshakeRequest))
	c, _, err := hayate.Server(context.Background(), nc, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func hayateRead(b *testing.B, nc *memconn.Conn, _, size, n int) {
	c := hayateConn(b, nc)
	ctx := context.Background()
	buf := make([]byte, size+1)
	b.ResetTimer()
	for range n {
		_, r, err := c.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		k, err := drain(r, buf)
		check(b, k, size, err)
	}
}

func hayateWrite(b *testing.B, nc *memconn.Conn, p []byte, n int) {
	c := hayateConn(b, nc)
	ctx := context.Background()
	b.ResetTimer()
	for range n {
		if err := c.Write(ctx, hayate.MessageBinary, p); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- gorilla: Upgrader with 4 KiB buffers; NextReader and WriteMessage. ----

var gorillaUpgrader = gorilla.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

func gorillaConn(b *testing.B, nc *memconn.Conn) *gorilla.Conn {
	c, err := gorillaUpgrader.Upgrade(&memconn.ResponseWriter{Conn: nc}, memconn.Request(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func gorillaRead(b *testing.B, nc *memconn.Conn, _, size, n int) {
	c := gorillaConn(b, nc)
	buf := make([]byte, size+1)
	b.ResetTimer()
	for range n {
		_, r, err := c.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		k, err := drain(r, buf)
		check(b, k, size, err)
	}
}

func gorillaWrite(b *testing.B, nc *memconn.Conn, p []byte, n int) {
	c := gorillaConn(b, nc)
	b.ResetTimer()
	for range n {
		if err := c.WriteMessage(gorilla.BinaryMessage, p); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- coder: Accept; Reader and Write. ----

func coderConn(b *testing.B, nc *memconn.Conn) *coder.Conn {
	c, err := coder.Accept(&memconn.ResponseWriter{Conn: nc}, memconn.Request(), nil)
	if err != nil {
		b.Fatal(err)
	}
	c.SetReadLimit(1 << 20) // the default, 32 KiB, is below the largest size
	return c
}

func coderRead(b *testing.B, nc *memconn.Conn, _, size, n int) {
	c := coderConn(b, nc)
	ctx := context.Background()
	buf := make([]byte, size+1)
	b.ResetTimer()
	for range n {
		_, r, err := c.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		k, err := drain(r, buf)
		check(b, k, size, err)
	}
}

func coderWrite(b *testing.B, nc *memconn.Conn, p []byte, n int) {
	c := coderConn(b, nc)
	ctx := context.Background()
	b.ResetTimer()
	for range n {
		if err := c.Write(ctx, coder.MessageBinary, p); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- gobwas: the codec on buffered I/O, with caller-provided header
// buffers (ReadHeaderBuffer, WriteHeaderBuffer), which do not allocate. ----

func gobwasRead(b *testing.B, nc *memconn.Conn, _, size, n int) {
	br := bufio.NewReaderSize(nc, 4096)
	var hb [ws.MaxHeaderSize]byte
	buf := make([]byte, size+1)
	b.ResetTimer()
	for range n {
		h, err := ws.ReadHeaderBuffer(br, hb[:])
		if err != nil {
			b.Fatal(err)
		}
		if h.OpCode != ws.OpBinary || !h.Fin || !h.Masked || h.Length > int64(len(buf)) {
			b.Fatalf("unexpected header %+v", h)
		}
		p := buf[:h.Length]
		if _, err := io.ReadFull(br, p); err != nil {
			b.Fatal(err)
		}
		ws.Cipher(p, h.Mask, 0)
		check(b, len(p), size, nil)
	}
}

func gobwasWrite(b *testing.B, nc *memconn.Conn, p []byte, n int) {
	bw := bufio.NewWriterSize(nc, 4096)
	var hb [ws.MaxHeaderSize]byte
	h := ws.Header{Fin: true, OpCode: ws.OpBinary, Length: int64(len(p))}
	b.ResetTimer()
	for range n {
		if err := ws.WriteHeaderBuffer(bw, h, hb[:]); err != nil {
			b.Fatal(err)
		}
		if _, err := bw.Write(p); err != nil {
			b.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- gws: Upgrader; its own read loop calling OnMessage; WriteMessage. ----

type gwsCounter struct {
	gws.BuiltinEventHandler
	n, size int
	err     error
}

func (h *gwsCounter) OnMessage(_ *gws.Conn, m *gws.Message) {
	if m.Data.Len() != h.size && h.err == nil {
		h.err = fmt.Errorf("read %d bytes, want %d", m.Data.Len(), h.size)
	}
	h.n++
	_ = m.Close()
}

func gwsRead(b *testing.B, nc *memconn.Conn, frameLen, size, n int) {
	h := &gwsCounter{size: size}
	up := gws.NewUpgrader(h, nil)
	c, err := up.Upgrade(&memconn.ResponseWriter{Conn: nc}, memconn.Request())
	if err != nil {
		b.Fatal(err)
	}
	// gws owns the read loop: serve exactly n frames, after which the loop
	// ends on EOF.
	nc.SetBudget(int64(n) * int64(frameLen))
	b.ResetTimer()
	c.ReadLoop()
	b.StopTimer()
	if h.err != nil {
		b.Fatal(h.err)
	}
	if h.n != n {
		b.Fatalf("%d messages read, want %d", h.n, n)
	}
}

func gwsWrite(b *testing.B, nc *memconn.Conn, p []byte, n int) {
	up := gws.NewUpgrader(&gws.BuiltinEventHandler{}, nil)
	c, err := up.Upgrade(&memconn.ResponseWriter{Conn: nc}, memconn.Request())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range n {
		if err := c.WriteMessage(gws.OpcodeBinary, p); err != nil {
			b.Fatal(err)
		}
	}
}
