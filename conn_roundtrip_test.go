package websocket

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// roundTripSizes sit on the boundaries of the three length encodings (7-bit, 16-bit,
// 64-bit), of the Conn's read buffer and write frames, and at the default read limit.
var roundTripSizes = []int{0, 1, 125, 126, 127, 511, 512, 16370, 16371, 65535, 65536, 1 << 20}

// writeChunks are the sizes, in turn, of the writes into a message Writer: odd, so
// that they never line up with frames.
var writeChunks = []int{1, 3, 7, 126, 1021, 4093, 16411, 65537}

type writeStyle struct {
	name  string
	write func(ctx context.Context, c *Conn, typ MessageType, p []byte) error
}

type readStyle struct {
	name string
	read func(ctx context.Context, c *Conn) (MessageType, []byte, error)
}

var (
	writeWhole = writeStyle{"Write", func(ctx context.Context, c *Conn, typ MessageType, p []byte) error {
		return c.Write(ctx, typ, p)
	}}
	writeRaw = writeStyle{"WriteUncompressed", func(ctx context.Context, c *Conn, typ MessageType, p []byte) error {
		return c.WriteUncompressed(ctx, typ, p)
	}}
	writeStreamed = writeStyle{"Writer", func(ctx context.Context, c *Conn, typ MessageType, p []byte) error {
		w, err := c.Writer(ctx, typ)
		if err != nil {
			return err
		}
		for i := 0; len(p) > 0; i++ {
			k := min(len(p), writeChunks[i%len(writeChunks)])
			n, err := w.Write(p[:k])
			if err != nil {
				w.Close()
				return err
			}
			if n != k {
				w.Close()
				return fmt.Errorf("Writer.Write wrote %d of %d bytes", n, k)
			}
			p = p[k:]
		}
		return w.Close()
	}}

	readWhole = readStyle{"Read", func(ctx context.Context, c *Conn) (MessageType, []byte, error) {
		return c.Read(ctx)
	}}
	// readSmall reads the message through a 13-byte buffer.
	readSmall = readStyle{"Reader-13", func(ctx context.Context, c *Conn) (MessageType, []byte, error) {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return 0, nil, err
		}
		var out bytes.Buffer
		buf := make([]byte, 13)
		for {
			n, err := r.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF {
				return typ, out.Bytes(), nil
			}
			if err != nil {
				return 0, nil, err
			}
		}
	}}
	readOneByte = readStyle{"Reader-OneByte", func(ctx context.Context, c *Conn) (MessageType, []byte, error) {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return 0, nil, err
		}
		p, err := io.ReadAll(iotest.OneByteReader(r))
		return typ, p, err
	}}
	readHalf = readStyle{"Reader-Half", func(ctx context.Context, c *Conn) (MessageType, []byte, error) {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return 0, nil, err
		}
		p, err := io.ReadAll(iotest.HalfReader(r))
		return typ, p, err
	}}
)

// roundTripStyles pairs write and read styles so that each of them meets the others.
var roundTripStyles = []struct {
	w writeStyle
	r readStyle
}{
	{writeWhole, readWhole},
	{writeStreamed, readSmall},
	{writeWhole, readOneByte},
	{writeStreamed, readWhole},
	{writeStreamed, readHalf},
}

// sendRecv writes p from one Conn and reads it at the other, concurrently (net.Pipe
// does not buffer), and checks what arrives.
func sendRecv(t *testing.T, from, to *Conn, w writeStyle, r readStyle, typ MessageType, p []byte) {
	t.Helper()
	ctx := context.Background()
	werr := goErr(func() error { return w.write(ctx, from, typ, p) })
	got := make(chan readResult, 1)
	go func() {
		typ, b, err := r.read(ctx, to)
		got <- readResult{typ, b, err}
	}()
	if err := waitErr(t, "write", werr); err != nil {
		t.Fatalf("%s: %v", w.name, err)
	}
	res := nextMessage(t, got)
	if res.err != nil {
		t.Fatalf("%s: %v", r.name, res.err)
	}
	if res.typ != typ {
		t.Errorf("type %v, want %v", res.typ, typ)
	}
	if !bytes.Equal(res.p, p) {
		t.Fatalf("payload differs: got %d bytes, want %d (first difference at %d)", len(res.p), len(p), firstDiff(res.p, p))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestRoundTrip(t *testing.T) {
	for _, tr := range allTransports {
		t.Run(string(tr), func(t *testing.T) {
			srv, cli := newPair(t, tr, nil, nil)
			dirs := []struct {
				name     string
				from, to *Conn
			}{
				{"client-to-server", cli, srv},
				{"server-to-client", srv, cli},
			}
			for _, dir := range dirs {
				for _, typ := range []MessageType{MessageText, MessageBinary} {
					for _, st := range roundTripStyles {
						for _, n := range roundTripSizes {
							name := fmt.Sprintf("%s/%v/%s-%s/%d", dir.name, typ, st.w.name, st.r.name, n)
							t.Run(name, func(t *testing.T) {
								if n > 1<<16 && (testing.Short() || st.r.name == readOneByte.name) {
									// A byte per call costs seconds a MiB under -race;
									// 64 KiB already crosses every boundary.
									t.Skip("large message")
								}
								sendRecv(t, dir.from, dir.to, st.w, st.r, typ, payloadFor(typ, n))
							})
						}
					}
				}
			}
		})
	}
}

// TestReaderIOTest runs testing/iotest's checks of the io.Reader contract on message
// readers: reads of every size, Read with an empty buffer, reads after io.EOF.
func TestReaderIOTest(t *testing.T) {
	srv, cli := newPair(t, viaPipe, nil, nil)
	for _, dir := range []struct {
		name     string
		from, to *Conn
	}{{"client-to-server", cli, srv}, {"server-to-client", srv, cli}} {
		for _, n := range []int{1, 125, 126, 4000, 65536} {
			t.Run(fmt.Sprintf("%s/%d", dir.name, n), func(t *testing.T) {
				p := binaryPayload(n)
				werr := goErr(func() error { return writeStreamed.write(context.Background(), dir.from, MessageBinary, p) })
				_, r, err := dir.to.Reader(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if err := iotest.TestReader(r, p); err != nil {
					t.Error(err)
				}
				if err := waitErr(t, "write", werr); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestReaderSkipsUnreadRest checks that Reader discards what was left of the previous
// message, text and binary, fragmented or not.
func TestReaderSkipsUnreadRest(t *testing.T) {
	for _, tr := range []transport{viaPipe, viaTCP} {
		for _, typ := range []MessageType{MessageText, MessageBinary} {
			t.Run(fmt.Sprintf("%s/%v", tr, typ), func(t *testing.T) {
				srv, cli := newPair(t, tr, nil, nil)
				first, second := payloadFor(typ, 100000), payloadFor(typ, 300)
				werr := goErr(func() error {
					if err := writeStreamed.write(context.Background(), srv, typ, first); err != nil {
						return err
					}
					return srv.Write(context.Background(), typ, second)
				})
				_, r, err := cli.Reader(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 10)
				if _, err := io.ReadFull(r, buf); err != nil {
					t.Fatal(err)
				}
				gotTyp, got, err := cli.Read(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if gotTyp != typ || !bytes.Equal(got, second) {
					t.Errorf("second message: %v of %d bytes, want %v of %d", gotTyp, len(got), typ, len(second))
				}
				if err := waitErr(t, "write", werr); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestWriterFragments checks on the wire that a message streamed through Writer goes out
// in several frames: the first with the message's opcode, the rest continuations, FIN on
// the last only. Write sends one frame.
func TestWriterFragments(t *testing.T) {
	const size = 100 << 10
	for _, tr := range []transport{viaPipe, viaTCP} {
		for _, peerIsClient := range []bool{true, false} {
			for _, chunk := range []int{7777, 1, size} {
				name := fmt.Sprintf("%s/%s-conn/chunk-%d", tr, roleOf(!peerIsClient), chunk)
				t.Run(name, func(t *testing.T) {
					c, p := newWirePair(t, tr, peerIsClient)
					want := binaryPayload(size)
					werr := goErr(func() error {
						w, err := c.Writer(context.Background(), MessageBinary)
						if err != nil {
							return err
						}
						for rest := want; len(rest) > 0; {
							k := min(chunk, len(rest))
							if _, err := w.Write(rest[:k]); err != nil {
								return err
							}
							rest = rest[k:]
						}
						return w.Close()
					})
					var got []byte
					var frames []wireFrame
					for {
						f := p.next()
						frames = append(frames, f)
						got = append(got, f.payload...)
						if f.fin {
							break
						}
					}
					if err := waitErr(t, "Writer", werr); err != nil {
						t.Fatal(err)
					}
					if len(frames) < 2 {
						t.Errorf("%d KiB through Writer went out in %d frame", size>>10, len(frames))
					}
					for i, f := range frames {
						wantOp := opContinuation
						if i == 0 {
							wantOp = opBinary
						}
						if f.op != wantOp || f.rsv != 0 || f.fin != (i == len(frames)-1) {
							t.Errorf("frame %d of %d: %v, want op %#x, fin only on the last", i, len(frames), f, byte(wantOp))
						}
					}
					if !bytes.Equal(got, want) {
						t.Errorf("payload differs at %d", firstDiff(got, want))
					}

					// Write: one frame.
					werr = goErr(func() error { return c.Write(context.Background(), MessageText, []byte("one frame")) })
					if f := p.next(); !f.fin || f.op != opText || string(f.payload) != "one frame" {
						t.Errorf("Write sent %v %q, want one final text frame", f, f.payload)
					}
					if err := waitErr(t, "Write", werr); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// TestEmptyWriter checks that a Writer closed without a write sends an empty message,
// and that a closed Writer refuses more.
func TestEmptyWriter(t *testing.T) {
	for _, peerIsClient := range []bool{true, false} {
		t.Run(roleOf(!peerIsClient)+"-conn", func(t *testing.T) {
			c, p := newWirePair(t, viaPipe, peerIsClient)
			werr := goErr(func() error {
				w, err := c.Writer(context.Background(), MessageText)
				if err != nil {
					return err
				}
				if err := w.Close(); err != nil {
					return err
				}
				if _, err := w.Write([]byte("x")); err == nil {
					return fmt.Errorf("Write after Close: no error")
				}
				if err := w.Close(); err == nil {
					return fmt.Errorf("second Close: no error")
				}
				return nil
			})
			if f := p.next(); !f.fin || f.op != opText || len(f.payload) != 0 {
				t.Errorf("got %v, want an empty final text frame", f)
			}
			if err := waitErr(t, "Writer", werr); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBytesAfterHandshake checks that frames a server sends in the same packet as its
// 101 response, more of them than the Conn's read buffer holds and ending inside a frame
// header, are read.
func TestBytesAfterHandshake(t *testing.T) {
	big := binaryPayload(996)
	first := append(encodeWireFrame(true, opText, nil, []byte("hello")), encodeWireFrame(true, opBinary, nil, big)...)
	next := encodeWireFrame(true, opBinary, nil, []byte("after"))
	for _, cut := range []int{0, 1, 2, 3} {
		t.Run(fmt.Sprintf("cut-%d", cut), func(t *testing.T) {
			c, p := newWirePairWith(t, wireSetup{transport: viaPipe, extra: append(first[:len(first):len(first)], next[:cut]...)})
			msgs := startReading(c)
			for _, want := range [][]byte{[]byte("hello"), big} {
				m := nextMessage(t, msgs)
				if m.err != nil || !bytes.Equal(m.p, want) {
					t.Fatalf("got %d bytes, %v; want %d bytes", len(m.p), m.err, len(want))
				}
			}
			if _, err := p.nc.Write(next[cut:]); err != nil {
				t.Fatal(err)
			}
			if m := nextMessage(t, msgs); m.err != nil || string(m.p) != "after" {
				t.Fatalf("got %q, %v; want \"after\"", m.p, m.err)
			}
		})
	}
}
