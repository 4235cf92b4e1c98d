package websocket

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Tests of the permessage-deflate data path (RFC 7692 §6–§7.2) through whole Conns:
// pairs of Conns for round trips, and the raw peer, with compress/flate as its codec, for
// what goes on the wire. Negotiation itself is tested in deflate_test.go, the encoder in
// internal/deflate.

// jsonPayload returns about n bytes of JSON-like text, the same for the same n and seed:
// records with repeated keys and varying values, which compress the way API traffic does.
func jsonPayload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"%s %s","price":%d.%02d,"tags":["%s","%s"],"active":%v,"ts":"2026-11-%02dT%02d:%02d:%02dZ"}`,
			r.IntN(1e6), words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(1000), r.IntN(100),
			words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(2) == 1, 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// deflateOptionSets are the option combinations the round trips run with, both sides
// given the same options.
var deflateOptionSets = []struct {
	name string
	o    DeflateOptions
}{
	{"takeover", DeflateOptions{}},
	{"no-takeover", DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
	{"server-no-takeover", DeflateOptions{ServerNoContextTakeover: true}},
	{"window-9-8", DeflateOptions{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8}},
	{"level-9-all", DeflateOptions{Level: 9, Threshold: -1}},
}

func TestDeflateNegotiatedOnlyWhenBothWant(t *testing.T) {
	on := &DeflateOptions{}
	for _, tc := range []struct {
		name       string
		srv, cli   *DeflateOptions
		compressed bool
	}{
		{"both", on, on, true},
		{"server only", on, nil, false},
		{"client only", nil, on, false},
		{"neither", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, tr := range []transport{viaPipe, viaHTTP} {
				s, c := newPair(t, tr, &AcceptOptions{Deflate: tc.srv}, &DialOptions{Deflate: tc.cli})
				if (s.cz != nil) != tc.compressed || (c.cz != nil) != tc.compressed {
					t.Fatalf("%s: compression server=%v client=%v, want %v", tr, s.cz != nil, c.cz != nil, tc.compressed)
				}
				sendRecv(t, c, s, writeWhole, readWhole, MessageText, jsonPayload(3000, 1))
				sendRecv(t, s, c, writeWhole, readWhole, MessageText, jsonPayload(3000, 2))
			}
		})
	}
}

func TestDeflateParamsAgree(t *testing.T) {
	for _, os := range deflateOptionSets {
		t.Run(os.name, func(t *testing.T) {
			o := os.o
			s, c := newPair(t, viaPipe, &AcceptOptions{Deflate: &o}, &DialOptions{Deflate: &o})
			if s.cz.writeBits != c.cz.readBits || s.cz.readBits != c.cz.writeBits ||
				s.cz.writeTakeover != c.cz.readTakeover || s.cz.readTakeover != c.cz.writeTakeover {
				t.Fatalf("server %+v and client %+v disagree", *s.cz, *c.cz)
			}
			if o.ServerMaxWindowBits != 0 && s.cz.writeBits != o.ServerMaxWindowBits {
				t.Errorf("server writes with %d window bits, want %d", s.cz.writeBits, o.ServerMaxWindowBits)
			}
			if o.ClientMaxWindowBits != 0 && c.cz.writeBits != o.ClientMaxWindowBits {
				t.Errorf("client writes with %d window bits, want %d", c.cz.writeBits, o.ClientMaxWindowBits)
			}
			if s.cz.writeTakeover == o.ServerNoContextTakeover || c.cz.writeTakeover == o.ClientNoContextTakeover {
				t.Errorf("takeover server=%v client=%v with options %+v", s.cz.writeTakeover, c.cz.writeTakeover, o)
			}
		})
	}
}

// TestDeflateRoundTrip sends a sequence of messages of every size, compressible and not,
// in both directions over one connection, so that under context takeover each message
// depends on the ones before it.
func TestDeflateRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 16, 127, 128, 2000, 16371, 70000, 1 << 20}
	for _, os := range deflateOptionSets {
		for _, tr := range []transport{viaPipe, viaShortPipe, viaTCP} {
			t.Run(os.name+"/"+string(tr), func(t *testing.T) {
				o := os.o
				s, c := newPair(t, tr, &AcceptOptions{Deflate: &o, ReadLimit: 4 << 20}, &DialOptions{Deflate: &o, ReadLimit: 4 << 20})
				i := 0
				for _, size := range sizes {
					if size >= 1<<20 && (tr == viaShortPipe || raceEnabled) {
						continue // slow, and the pipe covers it
					}
					for _, typ := range []MessageType{MessageText, MessageBinary} {
						payloads := [][]byte{jsonPayload(size, uint64(i)), payloadFor(typ, size)}
						if typ == MessageBinary {
							payloads[0] = payloads[0][:size]
						}
						for _, p := range payloads {
							st := roundTripStyles[i%len(roundTripStyles)]
							i++
							if typ == MessageText && !isText(p) {
								continue
							}
							from, to := c, s
							if i%2 == 0 {
								from, to = s, c
							}
							t.Run(fmt.Sprintf("%d-%v-%s-%s", size, typ, st.w.name, st.r.name), func(t *testing.T) {
								sendRecv(t, from, to, st.w, st.r, typ, p)
								// An uncompressed message in between must leave the
								// compression context as it was.
								sendRecv(t, from, to, writeRaw, readWhole, typ, p)
							})
						}
					}
				}
			})
		}
	}
}

func isText(p []byte) bool { return strings.ToValidUTF8(string(p), "\uFFFD") == string(p) }

// TestDeflateConcurrentWriters checks that concurrent writers, whose messages are
// compressed one after the other against a shared history, stay consistent.
func TestDeflateConcurrentWriters(t *testing.T) {
	s, c := newPair(t, viaTCP, &AcceptOptions{Deflate: &DeflateOptions{}}, &DialOptions{Deflate: &DeflateOptions{}})
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p := jsonPayload(200+i*97, uint64(w*1000+i))
				var err error
				if i%3 == 0 {
					err = writeStreamed.write(context.Background(), c, MessageText, p)
				} else {
					err = c.Write(context.Background(), MessageText, p)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	want := make(map[string]int)
	for w := range writers {
		for i := range each {
			want[string(jsonPayload(200+i*97, uint64(w*1000+i)))]++
		}
	}
	rd := startReading(s)
	for range writers * each {
		r := nextMessage(t, rd)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if want[string(r.p)] == 0 {
			t.Fatalf("unexpected message of %d bytes", len(r.p))
		}
		want[string(r.p)]--
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// ---- on the wire ----

// peerInflater decodes what a Conn sends, as a peer would: compress/flate with the
// history of earlier messages as the dictionary when there is context takeover.
type peerInflater struct {
	takeover bool
	hist     []byte
}

func (d *peerInflater) inflate(t testing.TB, payload []byte) []byte {
	t.Helper()
	in := append(append([]byte{}, payload...), 0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff)
	var dict []byte
	if d.takeover {
		dict = d.hist
	}
	out, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(in), dict))
	if err != nil {
		t.Fatalf("peer cannot inflate %d bytes: %v", len(payload), err)
	}
	if d.takeover {
		d.hist = append(d.hist, out...)
		if len(d.hist) > 32<<10 {
			d.hist = d.hist[len(d.hist)-32<<10:]
		}
	}
	return out
}

// peerDeflater compresses what the raw peer sends: one flate.Writer for the whole
// connection under context takeover, flushed after each message (RFC 7692 §7.2.1).
type peerDeflater struct {
	buf bytes.Buffer
	w   *flate.Writer
}

func newPeerDeflater() *peerDeflater {
	d := &peerDeflater{}
	d.w, _ = flate.NewWriter(&d.buf, flate.DefaultCompression)
	return d
}

func (d *peerDeflater) deflate(p []byte) []byte {
	d.buf.Reset()
	d.w.Write(p)
	d.w.Flush()
	out := bytes.Clone(d.buf.Bytes())
	return out[:len(out)-4] // the 00 00 ff ff of the sync flush
}

// nextMessage reads the frames of one data message from the Conn, checking RSV1 is set
// on the first only, and returns the payload and whether it was compressed.
func (p *wirePeer) nextMessage() (op opcode, payload []byte, compressed bool) {
	p.t.Helper()
	f := p.next()
	op, compressed = f.op, f.rsv&4 != 0
	payload = f.payload
	for !f.fin {
		f = p.next()
		if f.op != opContinuation || f.rsv != 0 {
			p.t.Fatalf("continuation frame %v: want opcode 0 and no RSV bits", f)
		}
		payload = append(payload, f.payload...)
	}
	return op, payload, compressed
}

func TestDeflateWireSend(t *testing.T) {
	for _, peerIsClient := range []bool{true, false} {
		for _, takeover := range []bool{true, false} {
			name := fmt.Sprintf("conn-%s/takeover-%v", roleOf(!peerIsClient), takeover)
			t.Run(name, func(t *testing.T) {
				o := &DeflateOptions{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover}
				ext := "permessage-deflate; client_max_window_bits"
				if !peerIsClient {
					ext = "permessage-deflate"
					if !takeover {
						ext += "; server_no_context_takeover; client_no_context_takeover"
					}
				}
				conn, peer := newWirePairWith(t, wireSetup{transport: viaTCP, peerIsClient: peerIsClient,
					accept: &AcceptOptions{Deflate: o}, dial: &DialOptions{Deflate: o}, extensions: ext})
				if !strings.HasPrefix(peer.peerExt, "permessage-deflate") {
					t.Fatalf("Conn's Sec-WebSocket-Extensions %q", peer.peerExt)
				}
				dec := &peerInflater{takeover: takeover}
				ctx := context.Background()
				var wire, plain int
				for i := range 5 {
					p := jsonPayload(2000, uint64(i))
					if err := conn.Write(ctx, MessageText, p); err != nil {
						t.Fatal(err)
					}
					op, got, compressed := peer.nextMessage()
					if op != opText || !compressed {
						t.Fatalf("message %d: opcode %d compressed %v", i, op, compressed)
					}
					if bytes.HasSuffix(got, []byte{0, 0, 0xff, 0xff}) {
						t.Errorf("message %d ends with the sync-flush tail, which must be removed", i)
					}
					wire += len(got)
					plain += len(p)
					if out := dec.inflate(t, got); !bytes.Equal(out, p) {
						t.Fatalf("message %d inflates to %d different bytes", i, len(out))
					}
				}
				if wire*2 > plain {
					t.Errorf("5 JSON messages of %d bytes took %d bytes on the wire", plain, wire)
				}

				// Streamed in pieces: RSV1 on the first frame only (nextMessage checks).
				big := jsonPayload(200000, 9)
				if err := writeStreamed.write(ctx, conn, MessageBinary, big); err != nil {
					t.Fatal(err)
				}
				op, got, compressed := peer.nextMessage()
				if op != opBinary || !compressed {
					t.Fatalf("streamed message: opcode %d compressed %v", op, compressed)
				}
				if out := dec.inflate(t, got); !bytes.Equal(out, big) {
					t.Fatal("streamed message inflates to different bytes")
				}

				// Below the threshold, or opted out: sent as it is, and the context
				// goes on unchanged (the next compressed message still decodes).
				for _, m := range []struct {
					typ MessageType
					p   []byte
					raw bool
				}{{MessageText, []byte("short"), false}, {MessageBinary, jsonPayload(3000, 7), true}} {
					write := conn.Write
					if m.raw {
						write = conn.WriteUncompressed
					}
					if err := write(ctx, m.typ, m.p); err != nil {
						t.Fatal(err)
					}
					_, got, compressed := peer.nextMessage()
					if compressed || !bytes.Equal(got, m.p) {
						t.Fatalf("%v message of %d bytes: compressed %v, %d bytes on the wire", m.typ, len(m.p), compressed, len(got))
					}
				}
				if err := conn.WriteUncompressed(ctx, MessageBinary, big); err != nil {
					t.Fatal(err)
				}
				if _, got, compressed := peer.nextMessage(); compressed || !bytes.Equal(got, big) {
					t.Fatalf("WriteUncompressed of %d bytes: compressed %v, %d bytes", len(big), compressed, len(got))
				}
				p := jsonPayload(5000, 11)
				conn.Write(ctx, MessageText, p)
				_, got, _ = peer.nextMessage()
				if out := dec.inflate(t, got); !bytes.Equal(out, p) {
					t.Fatal("message after uncompressed ones inflates to different bytes")
				}
			})
		}
	}
}

// TestDeflateWireReceive feeds a Conn messages compressed by compress/flate, the way
// other implementations send them.
func TestDeflateWireReceive(t *testing.T) {
	for _, peerIsClient := range []bool{true, false} {
		t.Run("conn-"+roleOf(!peerIsClient), func(t *testing.T) {
			ext := "permessage-deflate"
			conn, peer := newWirePairWith(t, wireSetup{transport: viaTCP, peerIsClient: peerIsClient,
				accept: &AcceptOptions{Deflate: &DeflateOptions{}}, dial: &DialOptions{Deflate: &DeflateOptions{}}, extensions: ext})
			rd := startReading(conn)
			enc := newPeerDeflater()
			expect := func(what string, typ MessageType, want []byte) {
				t.Helper()
				r := nextMessage(t, rd)
				if r.err != nil {
					t.Fatalf("%s: %v", what, r.err)
				}
				if r.typ != typ || !bytes.Equal(r.p, want) {
					t.Fatalf("%s: got %v of %d bytes, want %v of %d", what, r.typ, len(r.p), typ, len(want))
				}
			}
			// Messages that refer back to earlier ones (context takeover).
			for i := range 4 {
				p := jsonPayload(1500, uint64(i))
				peer.mustSendRaw(peer.frameRSV(true, 4, opText, enc.deflate(p)))
				expect(fmt.Sprintf("message %d", i), MessageText, p)
			}
			// Fragmented, with a ping between the fragments and RSV1 on the first only.
			p := jsonPayload(40000, 5)
			z := enc.deflate(p)
			third := len(z) / 3
			peer.mustSendRaw(peer.frameRSV(false, 4, opBinary, z[:third]))
			peer.mustSend(true, opPing, []byte("between"))
			peer.mustSendRaw(peer.frame(false, opContinuation, z[third:2*third]))
			peer.mustSendRaw(peer.frame(true, opContinuation, z[2*third:]))
			expect("fragmented", MessageBinary, p)
			if f := peer.next(); f.op != opPong || string(f.payload) != "between" {
				t.Fatalf("got %v, want the pong", f)
			}
			// An uncompressed message in between.
			peer.mustSend(true, opText, []byte("plain"))
			expect("uncompressed", MessageText, []byte("plain"))
			// The empty message, compressed (RFC 7692 §7.2.3.6).
			peer.mustSendRaw(peer.frameRSV(true, 4, opText, []byte{0x00}))
			expect("empty", MessageText, []byte{})
			// Still in step after all that.
			p = jsonPayload(3000, 6)
			peer.mustSendRaw(peer.frameRSV(true, 4, opText, enc.deflate(p)))
			expect("last", MessageText, p)
		})
	}
}

// TestDeflateWireFinalBlock checks a message whose data ends with a final block
// (BFINAL set, RFC 7692 §7.2.3.3) and has no sync-flush tail, compressed on its own.
func TestDeflateWireFinalBlock(t *testing.T) {
	conn, peer := newWirePairWith(t, wireSetup{transport: viaTCP, peerIsClient: true,
		accept: &AcceptOptions{Deflate: &DeflateOptions{}}, extensions: "permessage-deflate; client_no_context_takeover"})
	rd := startReading(conn)
	for i := range 3 {
		p := jsonPayload(3000, uint64(i))
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestSpeed)
		w.Write(p)
		w.Close()
		peer.mustSendRaw(peer.frameRSV(true, 4, opText, b.Bytes()))
		r := nextMessage(t, rd)
		if r.err != nil || !bytes.Equal(r.p, p) {
			t.Fatalf("message %d: %v, %d bytes", i, r.err, len(r.p))
		}
	}
}

func TestDeflateWireErrors(t *testing.T) {
	compressed := newPeerDeflater().deflate(jsonPayload(1000, 1))
	var zeros bytes.Buffer
	zw, _ := flate.NewWriter(&zeros, flate.BestCompression)
	zw.Write(make([]byte, 8<<20))
	zw.Flush()
	bomb := zeros.Bytes()[:zeros.Len()-4]

	for _, tc := range []struct {
		name  string
		ext   string // what the raw client offers; "" negotiates nothing
		limit int64
		send  func(p *wirePeer)
		code  StatusCode
		is    error
	}{
		{"RSV1 without negotiation", "", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 4, opText, compressed))
		}, StatusProtocolError, nil},
		{"RSV1 on a continuation", "permessage-deflate", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(false, 4, opText, compressed[:10]))
			p.mustSendRaw(p.frameRSV(true, 4, opContinuation, compressed[10:]))
		}, StatusProtocolError, nil},
		{"RSV1 on a ping", "permessage-deflate", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 4, opPing, nil))
		}, StatusProtocolError, nil},
		{"RSV2", "permessage-deflate", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 2, opText, []byte("x")))
		}, StatusProtocolError, nil},
		{"corrupt data", "permessage-deflate", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 4, opBinary, []byte{0xff, 0xff, 0xff, 0xff, 0x00}))
		}, StatusInvalidFramePayloadData, errCorruptDeflate},
		{"invalid UTF-8 inside", "permessage-deflate", 0, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 4, opText, newPeerDeflater().deflate([]byte("ok \xff\xfe not"))))
		}, StatusInvalidFramePayloadData, nil},
		{"inflates past the limit", "permessage-deflate", 64 << 10, func(p *wirePeer) {
			p.mustSendRaw(p.frameRSV(true, 4, opBinary, bomb))
		}, StatusMessageTooBig, ErrMessageTooBig},
		{"compressed frames declare too much", "permessage-deflate", 1 << 10, func(p *wirePeer) {
			hdr, _ := p.header(true, opBinary, 1<<20)
			hdr[0] |= 0x40
			p.mustSendRaw(hdr)
		}, StatusMessageTooBig, ErrMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, peer := newWirePairWith(t, wireSetup{transport: viaTCP, peerIsClient: true,
				accept: &AcceptOptions{Deflate: &DeflateOptions{}, ReadLimit: tc.limit}, extensions: tc.ext})
			if (conn.cz != nil) != (tc.ext != "") {
				t.Fatalf("compression negotiated: %v", conn.cz != nil)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rd := startReading(conn)
			tc.send(peer)
			r := nextMessage(t, rd)
			runtime.ReadMemStats(&after)
			if r.err == nil {
				t.Fatalf("read %d bytes, want an error", len(r.p))
			}
			if !errors.Is(r.err, net.ErrClosed) {
				t.Errorf("error %v does not wrap net.ErrClosed", r.err)
			}
			if tc.is != nil && !errors.Is(r.err, tc.is) {
				t.Errorf("error %v, want one wrapping %v", r.err, tc.is)
			}
			if f := peer.expectClose(); f.closeCode() != tc.code {
				t.Errorf("close code %v, want %v", f.closeCode(), tc.code)
			}
			if tc.limit > 0 && !raceEnabled {
				if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(8*tc.limit+256<<10) {
					t.Errorf("reading allocated %d bytes with a read limit of %d", grew, tc.limit)
				}
			}
		})
	}
}

// TestDeflateInterruptedBetweenFrames: a context that ends between two frames of an
// uncompressed message leaves the connection usable, but the decoder of a compressed
// message cannot resume, so the connection closes.
func TestDeflateInterruptedBetweenFrames(t *testing.T) {
	conn, peer := newWirePairWith(t, wireSetup{transport: viaTCP, peerIsClient: true,
		accept: &AcceptOptions{Deflate: &DeflateOptions{}}, extensions: "permessage-deflate"})
	z := newPeerDeflater().deflate(jsonPayload(5000, 3))
	peer.mustSendRaw(peer.frameRSV(false, 4, opText, z[:len(z)/2]))
	ctx, cancel := context.WithCancel(context.Background())
	_, r, err := conn.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	errc := goErr(func() error {
		_, err := io.ReadAll(r)
		return err
	})
	peer.expectQuiet()
	cancel()
	if err := waitErr(t, "read", errc); !errors.Is(err, context.Canceled) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read error %v, want context.Canceled and net.ErrClosed", err)
	}
	if _, _, err := conn.Read(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("next read: %v, want net.ErrClosed", err)
	}
}

func TestWriteUncompressedWithoutCompression(t *testing.T) {
	s, c := newPair(t, viaPipe, nil, nil)
	sendRecv(t, c, s, writeRaw, readWhole, MessageText, []byte("hello"))
	sendRecv(t, s, c, writeRaw, readWhole, MessageBinary, binaryPayload(40000))
	for _, typ := range []MessageType{0, MessageType(opPing), MessageBinary | 1<<8} {
		if err := c.WriteUncompressed(context.Background(), typ, []byte("x")); err != errInvalidMessageType {
			t.Errorf("WriteUncompressed of type %v: %v, want errInvalidMessageType", typ, err)
		}
		if err := c.Write(context.Background(), typ, []byte("x")); err != errInvalidMessageType {
			t.Errorf("Write of type %v: %v, want errInvalidMessageType", typ, err)
		}
	}
}

// TestDeflateReaderSkipsUnreadRest checks that a compressed message left partly unread
// is decompressed, not dropped, when the next Reader skips it: under context takeover
// the messages after it refer back to it.
func TestDeflateReaderSkipsUnreadRest(t *testing.T) {
	for _, typ := range []MessageType{MessageBinary, MessageText} {
		t.Run(typ.String(), func(t *testing.T) {
			s, c := newPair(t, viaTCP, &AcceptOptions{Deflate: &DeflateOptions{}}, &DialOptions{Deflate: &DeflateOptions{}})
			ctx := context.Background()
			msgs := [][]byte{jsonPayload(40000, 1), jsonPayload(3000, 2), jsonPayload(3000, 3)}
			errc := goErr(func() error {
				for _, p := range msgs {
					if err := s.Write(ctx, typ, p); err != nil {
						return err
					}
				}
				return nil
			})
			_, r, err := c.Reader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 10)
			if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, msgs[0][:10]) {
				t.Fatalf("first bytes %q, %v", head, err)
			}
			for i, want := range msgs[1:] {
				_, got, err := c.Read(ctx)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("message %d after the skipped one: %v, %d bytes, want %d", i+1, err, len(got), len(want))
				}
			}
			if err := waitErr(t, "write", errc); err != nil {
				t.Fatal(err)
			}
		})
	}
}
