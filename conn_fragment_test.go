package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"testing"
)

// Peer-declared lengths summed over the frames of one message, and the limits on how
// finely a message may be cut.

// deliveryStyle reads one message from c: whole with Read, or through Reader and a small
// buffer. It returns what was delivered before the error, if any.
type deliveryStyle struct {
	name string
	read func(c *Conn) ([]byte, error)
}

var deliveryStyles = []deliveryStyle{
	{"Read", func(c *Conn) ([]byte, error) {
		_, b, err := c.Read(context.Background())
		return b, err
	}},
	{"Reader", func(c *Conn) ([]byte, error) {
		_, r, err := c.Reader(context.Background())
		if err != nil {
			return nil, err
		}
		var got []byte
		buf := make([]byte, 97)
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				return got, nil
			}
			if err != nil {
				return got, err
			}
		}
	}},
}

// goRead runs style.read on c in a goroutine.
func goRead(c *Conn, style deliveryStyle) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		b, err := style.read(c)
		ch <- readResult{p: b, err: err}
	}()
	return ch
}

// expectFailure checks that the Conn sent a close frame with code and that the read
// failed with an error wrapping net.ErrClosed (and is, unless nil); then it completes
// the closing handshake as the peer.
func expectFailure(t *testing.T, p *wirePeer, res <-chan readResult, code StatusCode, is error) readResult {
	t.Helper()
	f := p.expectClose()
	if f.closeCode() != code {
		t.Errorf("close code %v, want %v", f.closeCode(), code)
	}
	_ = p.send(true, opClose, closePayload(code, ""))
	if p.client {
		p.expectEOF() // the server closes (or half-closes) TCP first
	}
	p.close()
	m := nextMessage(t, res)
	if !errors.Is(m.err, net.ErrClosed) {
		t.Errorf("read: %v, want an error wrapping net.ErrClosed", m.err)
	}
	if is != nil && !errors.Is(m.err, is) {
		t.Errorf("read: %v, want an error wrapping %v", m.err, is)
	}
	return m
}

// TestContinuationLengthOverflow sends a first fragment of 100 bytes, then a
// continuation frame that declares 2^63-1 bytes: added to the 100 already declared, the
// length wraps past the largest int64. The Conn must refuse the frame from its header,
// with 1009, deliver nothing past the limit and not panic, whatever the role, the read
// style, compression, and a read limit that is small or the largest there is.
func TestContinuationLengthOverflow(t *testing.T) {
	payload := jsonPayload(5000, 7)
	for _, compressed := range []bool{false, true} {
		for _, limit := range []int64{1 << 10, math.MaxInt64} {
			for _, style := range deliveryStyles {
				for _, peerIsClient := range []bool{true, false} {
					name := fmt.Sprintf("compressed=%v/limit=%d/%s/%s-conn", compressed, limit, style.name, roleOf(!peerIsClient))
					t.Run(name, func(t *testing.T) {
						s := wireSetup{transport: viaTCP, peerIsClient: peerIsClient}
						var first []byte
						var rsv byte
						if compressed {
							s.extensions = "permessage-deflate"
							s.accept = &AcceptOptions{ReadLimit: limit, Deflate: &DeflateOptions{}}
							s.dial = &DialOptions{ReadLimit: limit, Deflate: &DeflateOptions{}}
							first, rsv = newPeerDeflater().deflate(payload)[:100], 4
						} else {
							s.accept = &AcceptOptions{ReadLimit: limit}
							s.dial = &DialOptions{ReadLimit: limit}
							first = payload[:100]
						}
						c, p := newWirePairWith(t, s)
						res := goRead(c, style)
						hdr, _ := p.header(false, opContinuation, math.MaxInt64)
						p.mustSendRaw(append(p.frameRSV(false, rsv, opText, first), hdr...))
						m := expectFailure(t, p, res, StatusMessageTooBig, ErrMessageTooBig)
						if int64(len(m.p)) > limit || len(m.p) > len(payload) {
							t.Errorf("delivered %d bytes under a limit of %d", len(m.p), limit)
						}
					})
				}
			}
		}
	}
}

// TestContinuationSumAtLimit checks the sum of declared lengths right at the edge:
// fragments that add up to the limit are read, one byte more is refused, even when the
// last fragment alone would fit.
func TestContinuationSumAtLimit(t *testing.T) {
	const limit = 1000
	for _, over := range []bool{false, true} {
		rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
			c, p := newWirePair(t, tr, peerIsClient)
			c.SetReadLimit(limit)
			res := startReading(c)
			last := 400
			if over {
				last++
			}
			want := binaryPayload(600 + last)
			sent := p.sendAsync(append(p.frame(false, opBinary, want[:600]), p.frame(true, opContinuation, want[600:])...))
			if over {
				expectFailure(t, p, res, StatusMessageTooBig, ErrMessageTooBig)
			} else if m := nextMessage(t, res); m.err != nil || !bytes.Equal(m.p, want) {
				t.Errorf("got %d bytes, %v; want %d", len(m.p), m.err, len(want))
			}
			p.close()
			<-sent
		})
	}
}

// TestFragmentLimits checks the bounds on the frames of one message: one data frame per
// 64 bytes of the read limit, at least 1,024 (so 1,024 under a 4 KiB limit), and 32
// empty frames in a row, control frames between them neither counting nor breaking the
// run.
func TestFragmentLimits(t *testing.T) {
	const limit = 4 << 10
	one := []byte{'x'}
	type piece struct {
		op      opcode // 0 for a data fragment
		payload []byte
		n       int // how many
	}
	cases := []struct {
		name   string
		limit  int64
		pieces []piece // the message's frames before its final one, which carries "!"
		code   StatusCode
		is     error
	}{
		{"1024 frames", limit, []piece{{0, one, 1023}}, 0, nil},
		{"1025 frames", limit, []piece{{0, one, 1024}}, StatusMessageTooBig, ErrMessageTooBig},
		{"16384 frames under the default limit", 0, []piece{{0, one, 16383}}, 0, nil},
		{"16385 frames under the default limit", 0, []piece{{0, one, 16384}}, StatusMessageTooBig, ErrMessageTooBig},
		{"no frame bound without a limit", -1, []piece{{0, one, 20000}}, 0, nil},
		{"32 empty frames", limit, []piece{{0, nil, 32}}, 0, nil},
		{"33 empty frames", limit, []piece{{0, nil, 33}}, StatusPolicyViolation, nil},
		{"33 empty frames without a limit", -1, []piece{{0, nil, 33}}, StatusPolicyViolation, nil},
		{"empty runs broken by data", limit, []piece{{0, nil, 30}, {0, one, 1}, {0, nil, 30}}, 0, nil},
		{"pings do not break a run", limit, []piece{{0, nil, 20}, {opPing, nil, 1}, {0, nil, 13}}, StatusPolicyViolation, nil},
		{"pings do not count", limit, []piece{{0, nil, 20}, {opPing, nil, 5}, {0, nil, 12}}, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rawRoles(t, func(t *testing.T, tr transport, peerIsClient bool) {
				c, p := newWirePair(t, tr, peerIsClient)
				if tc.limit != 0 {
					c.SetReadLimit(tc.limit)
				}
				res := startReading(c)
				var stream, want []byte
				op := opText
				for _, pc := range tc.pieces {
					for range pc.n {
						if pc.op != 0 {
							stream = append(stream, p.frame(true, pc.op, pc.payload)...)
							continue
						}
						stream = append(stream, p.frame(false, op, pc.payload)...)
						want = append(want, pc.payload...)
						op = opContinuation
					}
				}
				stream = append(stream, p.frame(true, op, []byte("!"))...)
				want = append(want, '!')
				sent := p.sendAsync(stream)
				if tc.code == 0 {
					if m := nextMessage(t, res); m.err != nil || !bytes.Equal(m.p, want) {
						t.Errorf("got %d bytes, %v; want %d", len(m.p), m.err, len(want))
					}
					p.close()
				} else {
					for {
						// Pongs to the pings come first.
						f := p.next()
						if f.op == opPong {
							continue
						}
						if f.op != opClose || f.closeCode() != tc.code {
							t.Fatalf("got %v (code %v), want a close frame with %v", f, f.closeCode(), tc.code)
						}
						break
					}
					_ = p.send(true, opClose, closePayload(tc.code, ""))
					p.close()
					m := nextMessage(t, res)
					if !errors.Is(m.err, net.ErrClosed) || tc.is != nil && !errors.Is(m.err, tc.is) {
						t.Errorf("read: %v", m.err)
					}
				}
				<-sent
			})
		})
	}
}

// TestReadLimitExtremes sets limits at the ends of the int64 range: a limit of 2^63-1
// must not overflow the read path's arithmetic (the compressed-size bound, the growth
// of Read's buffer), and a message under it is read.
func TestReadLimitExtremes(t *testing.T) {
	if got := compressedLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("compressedLimit(MaxInt64) = %d", got)
	}
	for _, limit := range []int64{math.MaxInt64 - 1024, math.MaxInt64 / 9 * 8, 1 << 62} {
		if got := compressedLimit(limit); got < limit {
			t.Errorf("compressedLimit(%d) = %d, below the limit", limit, got)
		}
	}
	if got := fragmentLimit(math.MaxInt64); got != math.MaxInt64/bytesPerFragment {
		t.Errorf("fragmentLimit(MaxInt64) = %d", got)
	}
	for _, compressed := range []bool{false, true} {
		t.Run(fmt.Sprintf("compressed=%v", compressed), func(t *testing.T) {
			s := wireSetup{transport: viaTCP, peerIsClient: true, accept: &AcceptOptions{ReadLimit: math.MaxInt64}}
			if compressed {
				s.extensions = "permessage-deflate"
				s.accept.Deflate = &DeflateOptions{}
			}
			c, p := newWirePairWith(t, s)
			res := startReading(c)
			want := jsonPayload(70000, 9)
			if compressed {
				p.mustSendRaw(p.frameRSV(true, 4, opText, newPeerDeflater().deflate(want)))
			} else {
				p.mustSendRaw(p.frame(true, opText, want))
			}
			if m := nextMessage(t, res); m.err != nil || !bytes.Equal(m.p, want) {
				t.Errorf("got %d bytes, %v; want %d", len(m.p), m.err, len(want))
			}
			p.close()
		})
	}
}
