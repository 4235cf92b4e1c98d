package websocket

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The hostile-peer suite: the attacks that real peers and past CVEs have used, played by
// the raw attacker of hostile_peer_test.go against a Conn in each role (a server made by
// Accept and by Server, a client made by Dial). Each case checks that nothing panics,
// that the Conn answers as documented (the close code it sends, decoded on the wire, or
// the HTTP status), that the memory the attack costs stays far below what it declares
// or sends, and that no goroutine is left behind; and it logs one row:
//
//	| case | expectation | heap before→after | TotalAlloc during the attack | goroutines before→after |
//
// The cases run one at a time (memory and goroutines are measured process-wide). The
// handshake's cases are in hostile_handshake_test.go.

// hpRead returns a function that reads one message from c, for hpGo, keeping what it read
// in *got.
func hpRead(c *Conn, got *[]byte) func() error {
	return func() error {
		_, b, err := c.Read(context.Background())
		*got = b
		return err
	}
}

// hpReadError returns a function that reads messages from c until an error, for hpGo.
func hpReadError(c *Conn) func() error {
	return func() error {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return err
			}
		}
	}
}

// TestHostileContinuationOverflow: a message whose first fragment is small and whose
// continuation declares 2^63-1 bytes, so that the sum of the declared lengths overflows
// int64. The read limit must hold all the same, through Read (which must not size a
// buffer on the sum) and through Reader (which must not stream past the limit).
func TestHostileContinuationOverflow(t *testing.T) {
	const limit = 1 << 10
	plain := hpText(16<<10, 1)
	compressed := hpDeflate(hpText(64<<10, 2))
	for _, role := range hpRoles {
		for _, deflate := range []bool{false, true} {
			for _, typ := range []MessageType{MessageText, MessageBinary} {
				for _, via := range []string{"Read", "Reader"} {
					name := fmt.Sprintf("%s/%s/%s/deflate=%v", role, via, typ, deflate)
					t.Run(name, func(t *testing.T) {
						m := hpMeasure(t)
						s := hpOpen(t, role, hpSetup{readLimit: limit, deflate: deflate})
						var got []byte
						read := hpGo(func() error {
							if via == "Read" {
								return hpRead(s.c, &got)()
							}
							_, r, err := s.c.Reader(context.Background())
							if err != nil {
								return err
							}
							got, err = io.ReadAll(r)
							return err
						})
						data, rsv := plain, byte(0)
						if deflate {
							data, rsv = compressed, hpRSV1
						}
						m.attack()
						b := s.p.appendFrame(nil, false, rsv, byte(typ), data[:100])
						h := s.p.header(true, 0, byte(opContinuation), 1<<63-1)
						b = h.appendPayload(h.appendTo(b), 0, data[100:100+8<<10])
						_ = s.p.write(b) // the Conn may fail the connection before it has read it all
						s.p.expectClose(StatusMessageTooBig)
						err := hpWait(t, via, read)
						if !errors.Is(err, ErrMessageTooBig) {
							t.Errorf("%s: %v, want an error wrapping ErrMessageTooBig", via, err)
						}
						if len(got) > limit {
							t.Errorf("%s delivered %d bytes past a limit of %d", via, len(got), limit)
						}
						m.attackOver()
						s.close()
						m.done("close 1009, ErrMessageTooBig, ≤ 1 KiB delivered (declared 2^63-1)", hpBudget{alloc: 512 << 10})
					})
				}
			}
		}
	}
}

// TestHostileDeclaredLength: lengths with the most significant bit set are a protocol
// error (RFC 6455 §5.2); a frame declaring more than the read limit is refused as soon
// as its header arrives, before any payload.
func TestHostileDeclaredLength(t *testing.T) {
	for _, role := range hpRoles {
		for _, tc := range []struct {
			name   string
			length uint64
			limit  int64
			want   StatusCode
		}{
			{"2^63", 1 << 63, 0, StatusProtocolError},
			{"2^64-1", 1<<64 - 1, 0, StatusProtocolError},
			{"2^63-1", 1<<63 - 1, 0, StatusMessageTooBig},
			{"limit+1", 1<<10 + 1, 1 << 10, StatusMessageTooBig},
		} {
			t.Run(string(role)+"/"+tc.name, func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{readLimit: tc.limit})
				var got []byte
				read := hpGo(hpRead(s.c, &got))
				m.attack()
				s.p.mustWrite(s.p.header(true, 0, byte(opBinary), tc.length).appendTo(nil))
				s.p.expectClose(tc.want) // with no payload sent
				err := hpWait(t, "Read", read)
				if err == nil {
					t.Errorf("Read: %d bytes, no error", len(got))
				}
				if tc.want == StatusMessageTooBig && !errors.Is(err, ErrMessageTooBig) {
					t.Errorf("Read: %v, want an error wrapping ErrMessageTooBig", err)
				}
				m.attackOver()
				s.close()
				m.done(fmt.Sprintf("close %d before any payload (declared %d)", int(tc.want), tc.length), hpBudget{alloc: 256 << 10})
			})
		}
	}
}

// TestHostileTrickledFrame: a frame declaring 512 KiB, under a 1 MiB limit, whose payload
// arrives a few bytes at a time. Read must grow its buffer with what arrives, not with
// what was declared, and its context must cut it short.
func TestHostileTrickledFrame(t *testing.T) {
	const (
		declared = 512 << 10
		deadline = 500 * time.Millisecond
		piece    = 16
		every    = 5 * time.Millisecond
	)
	for _, role := range hpRoles {
		t.Run(string(role), func(t *testing.T) {
			m := hpMeasure(t)
			s := hpOpen(t, role, hpSetup{readLimit: 1 << 20})
			h := s.p.header(true, 0, byte(opBinary), declared)
			pattern := hpText(piece, 3)
			buf := make([]byte, 0, piece)
			m.attack()
			s.p.mustWrite(h.appendTo(nil))
			var sent atomic.Int64
			stop := make(chan struct{})
			trickled := hpGo(func() error {
				tick := time.NewTicker(every)
				defer tick.Stop()
				for off := uint64(0); off < declared; off += piece {
					select {
					case <-stop:
						return nil
					case <-tick.C:
					}
					if err := s.p.write(h.appendPayload(buf[:0], off, pattern)); err != nil {
						return nil // the Conn has closed
					}
					sent.Add(piece)
				}
				return errors.New("attacker: the whole payload went out")
			})
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			var got []byte
			err := hpWait(t, "Read", hpGo(func() error {
				_, b, err := s.c.Read(ctx)
				got = b
				return err
			}))
			elapsed := time.Since(start)
			m.attackOver()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Read: %d bytes, %v; want an error wrapping context.DeadlineExceeded", len(got), err)
			}
			if elapsed > deadline+time.Second {
				t.Errorf("Read returned %v after a deadline of %v", elapsed, deadline)
			}
			if _, _, err := s.c.Read(context.Background()); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Read after the interrupted frame: %v, want an error wrapping net.ErrClosed", err)
			}
			s.p.expectGone(1 << 20)
			close(stop)
			if err := hpWait(t, "trickle", trickled); err != nil {
				t.Error(err)
			}
			arrived := uint64(sent.Load())
			s.close()
			m.done(fmt.Sprintf("ctx error after %v, conn closed; %d B of 512 KiB arrived", elapsed.Round(time.Millisecond), arrived),
				hpBudget{alloc: 48<<10 + 2*arrived})
		})
	}
}

// TestHostileFragmentFlood: a message that never ends, made of 1-byte fragments, must
// be failed with 1009 after max(1024, limit/64) fragments, before its bytes reach the
// limit; empty fragments, which carry nothing at all, with 1008 after a few dozen.
func TestHostileFragmentFlood(t *testing.T) {
	const maxFragments = max(1024, defaultReadLimit/64)
	for _, role := range hpRoles {
		t.Run(string(role)+"/1-byte", func(t *testing.T) {
			m := hpMeasure(t)
			s := hpOpen(t, role, hpSetup{})
			var got []byte
			read := hpGo(hpRead(s.c, &got))
			var batch []byte
			for range 1024 {
				batch = s.p.appendFrame(batch, false, 0, byte(opContinuation), []byte{'x'})
			}
			size := len(batch) / 1024
			// One fragment short of the limit, the message is still acceptable.
			short := s.p.appendFrame(nil, false, 0, byte(opBinary), []byte{'x'})
			for n := 1; n < maxFragments-1; {
				k := min(1024, maxFragments-1-n)
				short = append(short, batch[:size*k]...)
				n += k
			}
			m.attack()
			s.p.mustWrite(short)
			if f, err := s.p.readFrame(time.Now().Add(quietPeriod)); err == nil {
				t.Errorf("after %d fragments of a message, the Conn sent %v", maxFragments-1, f)
			} else if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("after %d fragments of a message: %v", maxFragments-1, err)
			}
			// Then the flood goes on.
			flood := hpGo(func() error {
				for range 3 * maxFragments / 1024 {
					if err := s.p.write(batch); err != nil {
						return nil // closed on
					}
				}
				return nil
			})
			s.p.expectClose(StatusMessageTooBig)
			err := hpWait(t, "Read", read)
			if err == nil {
				t.Errorf("Read: %d bytes and no error", len(got))
			}
			_ = hpWait(t, "flood", flood)
			m.attackOver()
			s.close()
			m.done(fmt.Sprintf("close 1009 after %d 1-byte fragments (%v)", maxFragments, err), hpBudget{alloc: 256 << 10})
		})
		t.Run(string(role)+"/empty", func(t *testing.T) {
			m := hpMeasure(t)
			s := hpOpen(t, role, hpSetup{})
			var got []byte
			read := hpGo(hpRead(s.c, &got))
			m.attack()
			b := s.p.appendFrame(nil, false, 0, byte(opBinary), []byte{'x'})
			for range 40 {
				b = s.p.appendFrame(b, false, 0, byte(opContinuation), nil)
			}
			s.p.mustWrite(b)
			s.p.expectClose(StatusPolicyViolation)
			err := hpWait(t, "Read", read)
			if err == nil {
				t.Errorf("Read: %d bytes and no error", len(got))
			}
			m.attackOver()
			s.close()
			m.done(fmt.Sprintf("close 1008 after 40 empty fragments (%v)", err), hpBudget{alloc: 128 << 10})
		})
	}
}

// TestHostileControlFlood: 100,000 pings with 125-byte payloads from a peer that never
// reads the pongs; the Conn owes at most a few pongs at a time, whatever the backlog. And
// 100,000 pongs nobody asked for, which cost nothing.
func TestHostileControlFlood(t *testing.T) {
	const (
		frames = 100_000
		batch  = 1000
	)
	payload := hpText(maxControlPayload, 4)
	for _, role := range hpRoles {
		for _, op := range []opcode{opPing, opPong} {
			name := map[opcode]string{opPing: "pings", opPong: "pongs"}[op]
			t.Run(string(role)+"/"+name, func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{})
				var flood []byte
				for range batch {
					flood = s.p.appendFrame(flood, true, 0, byte(op), payload)
				}
				first := make(chan []byte, 1)
				read := hpGo(func() error {
					_, b, err := s.c.Read(context.Background())
					if err != nil {
						return err
					}
					first <- b
					return hpReadError(s.c)()
				})
				m.attack()
				for range frames / batch {
					s.p.mustWrite(flood)
				}
				s.p.mustWrite(s.p.frame(true, 0, byte(opText), []byte("after the flood")))
				select {
				case b := <-first:
					if string(b) != "after the flood" {
						t.Errorf("Read after the flood: %q", b)
					}
				case err := <-read:
					t.Fatalf("Read during the flood: %v", err)
				case <-time.After(hpTimeout):
					t.Fatalf("no message after the flood within %v", hpTimeout)
				}
				m.attackOver()
				// The attacker vanishes without reading anything.
				_ = s.p.nc.SetLinger(0)
				s.p.nc.Close()
				if err := hpWait(t, "Read", read); err == nil {
					t.Error("Read: no error after the peer reset the connection")
				}
				s.close()
				m.done(fmt.Sprintf("%d %s (%s) read, none answered, then reset", frames, name, hpSize(uint64(len(flood)*frames/batch))),
					hpBudget{alloc: 256 << 10, pooled: name == "pings"})
			})
		}
	}
}

// TestHostileDecompressionBomb: compressed messages that inflate far past the read limit,
// in one frame, in many, and after messages within the limit that share the compression
// context.
func TestHostileDecompressionBomb(t *testing.T) {
	const (
		limit = 64 << 10
		bomb  = 8 << 20
	)
	zeros := newHPDeflater(9).zeros(bomb)
	fine := make([][]byte, 8)
	for i := range fine {
		fine[i] = hpText(48<<10, uint64(10+i))
	}
	takeover := newHPDeflater(6)
	var stream [][]byte
	for _, p := range fine {
		stream = append(stream, takeover.message(p))
	}
	stream = append(stream, takeover.zeros(bomb))
	// Inflating 8 MiB under -race takes seconds: check the way the bomb is made on a
	// small one, and the messages before it.
	if n := hpInflatedSize(t, newHPDeflater(9).zeros(256<<10)); n != 256<<10 || len(zeros) > 16<<10 {
		t.Fatalf("zeros(256 KiB) inflates to %d bytes; the bomb is %d bytes", n, len(zeros))
	}
	if n := hpInflatedSize(t, stream[:len(fine)]...); n != len(fine)*48<<10 {
		t.Fatalf("the messages within the limit inflate to %d bytes, want %d", n, len(fine)*48<<10)
	}

	for _, role := range hpRoles {
		for _, shape := range []string{"one frame", "128-byte fragments", "after 8 messages"} {
			t.Run(string(role)+"/"+shape, func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{readLimit: limit, deflate: true})
				got := make(chan []byte, len(fine)+2)
				read := hpGo(func() error {
					for {
						_, b, err := s.c.Read(context.Background())
						if err != nil {
							return err
						}
						got <- b
					}
				})
				var b []byte
				switch shape {
				case "one frame":
					b = s.p.frame(true, hpRSV1, byte(opBinary), zeros)
				case "128-byte fragments":
					for i := 0; i < len(zeros); i += 128 {
						op, rsv := byte(opContinuation), byte(0)
						if i == 0 {
							op, rsv = byte(opBinary), hpRSV1
						}
						end := min(i+128, len(zeros))
						b = s.p.appendFrame(b, end == len(zeros), rsv, op, zeros[i:end])
					}
				case "after 8 messages":
					for _, msg := range stream {
						b = s.p.appendFrame(b, true, hpRSV1, byte(opBinary), msg)
					}
				}
				m.attack()
				_ = s.p.write(b) // the Conn fails the connection as soon as it has seen enough
				s.p.expectClose(StatusMessageTooBig)
				err := hpWait(t, "Read", read)
				if !errors.Is(err, ErrMessageTooBig) {
					t.Errorf("Read: %v, want an error wrapping ErrMessageTooBig", err)
				}
				m.attackOver()
				if shape == "after 8 messages" {
					for i, want := range fine {
						select {
						case p := <-got:
							if !bytes.Equal(p, want) {
								t.Errorf("message %d: %d bytes, not the %d sent", i, len(p), len(want))
							}
						default:
							t.Errorf("message %d of %d within the limit was not delivered", i, len(fine))
						}
					}
				}
				if len(got) > 0 {
					t.Errorf("%d messages delivered past the limit", len(got))
				}
				s.close()
				m.done(fmt.Sprintf("close 1009, ErrMessageTooBig (%s inflating to %s)", hpSize(uint64(len(zeros))), hpSize(bomb)),
					hpBudget{alloc: map[bool]uint64{false: 1 << 20, true: 2 << 20}[shape == "after 8 messages"]})
			})
		}
	}
}

// hpInflatedSize inflates the messages, compressed under one context, and returns their
// size in all.
func hpInflatedSize(t *testing.T, msgs ...[]byte) int {
	t.Helper()
	var stream []byte
	for _, m := range msgs {
		stream = append(append(stream, m...), 0, 0, 0xff, 0xff)
	}
	n, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(stream)))
	if err != io.ErrUnexpectedEOF { // a stream of messages has no final block
		t.Fatalf("inflating what the attacker sends: %d bytes, %v", n, err)
	}
	return int(n)
}

// TestHostileSplitUTF8: text whose first fragment ends inside a character that the second
// fragment does not complete; the Conn must fail it when that fragment arrives, not wait
// for the end of a message that never comes.
func TestHostileSplitUTF8(t *testing.T) {
	for _, role := range hpRoles {
		for _, tc := range []struct{ name, first, second string }{
			{"lead byte, then ASCII", "hayate \xe2", "(never finished"},
			{"2 of 3 bytes, then ASCII", "hayate \xe2\x82", "(never finished"},
			{"4-byte lead, then too low", "hayate \xf0", "\x80\x80\x80"},
			{"surrogate", "hayate \xed", "\xa0\x80"},
		} {
			t.Run(string(role)+"/"+tc.name, func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{})
				var got []byte
				read := hpGo(hpRead(s.c, &got))
				m.attack()
				b := s.p.appendFrame(nil, false, 0, byte(opText), []byte(tc.first))
				s.p.mustWrite(s.p.appendFrame(b, false, 0, byte(opContinuation), []byte(tc.second)))
				s.p.expectClose(StatusInvalidFramePayloadData)
				if err := hpWait(t, "Read", read); err == nil {
					t.Errorf("Read: %q and no error", got)
				}
				m.attackOver()
				s.close()
				m.done("close 1007 with the second fragment, no FIN sent", hpBudget{alloc: 128 << 10})
			})
		}
	}
}

// TestHostileCloseFrames: close frames whose codes may not be sent, a 1-byte payload, a
// reason that is not UTF-8.
func TestHostileCloseFrames(t *testing.T) {
	type closeCase struct {
		name    string
		payload []byte
		want    StatusCode
	}
	var cases []closeCase
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535} {
		cases = append(cases, closeCase{fmt.Sprintf("code %d", code), []byte{byte(code >> 8), byte(code)}, StatusProtocolError})
	}
	cases = append(cases,
		closeCase{"1-byte payload", []byte{0x03}, StatusProtocolError},
		closeCase{"invalid UTF-8 reason", []byte{0x03, 0xe8, 'b', 'y', 0xff, 'e'}, StatusInvalidFramePayloadData})
	for _, role := range hpRoles {
		for _, tc := range cases {
			t.Run(string(role)+"/"+tc.name, func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{})
				read := hpGo(hpReadError(s.c))
				m.attack()
				s.p.mustWrite(s.p.frame(true, 0, byte(opClose), tc.payload))
				s.p.expectClose(tc.want)
				err := hpWait(t, "Read", read)
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Read: %v, want an error wrapping net.ErrClosed", err)
				}
				m.attackOver()
				s.close()
				m.done(fmt.Sprintf("close %d", int(tc.want)), hpBudget{alloc: 128 << 10})
			})
		}
	}
}

// TestHostileStalledReader: a peer that stops reading while the Conn writes 1 MiB
// messages. The writer's context must get it out, and the connection, with a frame cut
// short, must be closed.
func TestHostileStalledReader(t *testing.T) {
	payload := hpText(1<<20, 5)
	for _, role := range hpRoles {
		t.Run(string(role), func(t *testing.T) {
			m := hpMeasure(t)
			s := hpOpen(t, role, hpSetup{})
			m.attack()
			var err error
			var written int
			for try := 0; try < 3; try++ {
				// A deadline that falls between two messages ends the write without
				// closing anything, and the next one tries again.
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				start := time.Now()
				err = hpWait(t, "Write", hpGo(func() error {
					for range 256 {
						if err := s.c.Write(ctx, MessageBinary, payload); err != nil {
							return err
						}
						written++
					}
					return nil
				}))
				elapsed := time.Since(start)
				cancel()
				if err == nil {
					t.Fatalf("%d MiB written to a peer that reads nothing", written)
				}
				if elapsed > 300*time.Millisecond+2*time.Second {
					t.Errorf("Write returned %v after a deadline of 300ms", elapsed)
				}
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
					t.Errorf("Write: %v, want an error wrapping context.DeadlineExceeded or net.ErrClosed", err)
				}
				if errors.Is(err, net.ErrClosed) {
					break
				}
			}
			m.attackOver()
			if err := s.c.Write(context.Background(), MessageBinary, []byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Write after the interrupted one: %v, want an error wrapping net.ErrClosed", err)
			}
			s.p.expectGone(1 << 30)
			s.close()
			m.done(fmt.Sprintf("Write: %v, after %d MiB; conn closed", err, written), hpBudget{alloc: 1 << 20})
		})
	}
}

// TestHostileFloodAfterViolation: after a protocol violation, or a frame over the read
// limit, the attacker sends as fast as it can. The Conn sends 1002 (1009), reads and drops
// a bounded amount (plus, over the limit, the rest of the frame the peer declared) so
// that its close frame is not reset away, and then closes, well before its close timeout.
func TestHostileFloodAfterViolation(t *testing.T) {
	const (
		floodFor    = 3 * time.Second
		slack       = 256<<10 + 128<<10
		closeWithin = 2 * time.Second
	)
	junk := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 16<<10)
	// Over the limit, the frame's declared length, up to 16 MiB, is what the peer may
	// still send before the Conn closes: it may be writing that message still, and
	// closing with it unread would reset the connection before the peer read the 1009.
	violations := []struct {
		name       string
		code       StatusCode
		announced  uint64 // the length of a frame over the 1 MiB limit
		maxDiscard int64
	}{
		{"reserved opcode", StatusProtocolError, 0, slack},
		{"over the limit", StatusMessageTooBig, 4 << 20, 4<<20 + slack},
		{"2^63-1 over the limit", StatusMessageTooBig, 1<<63 - 1, maxAnnouncedDiscard + slack},
	}
	for _, v := range violations {
		for _, role := range hpRoles {
			t.Run(v.name+"/"+string(role), func(t *testing.T) {
				m := hpMeasure(t)
				s := hpOpen(t, role, hpSetup{count: true})
				read := hpGo(hpReadError(s.c))
				violation := s.p.frame(true, 0, 0x3, []byte("reserved opcode"))
				if v.announced > 0 {
					// Over the 1 MiB default: the flood is the frame's payload.
					violation = s.p.header(true, 0, byte(opBinary), v.announced).appendTo(nil)
				}
				m.attack()
				before := s.read.Load()
				s.p.mustWrite(violation)
				start := time.Now()
				var written int64
				var closedAfter time.Duration
				flood := hpGo(func() error {
					_ = s.p.nc.SetWriteDeadline(start.Add(floodFor))
					for {
						n, err := s.p.nc.Write(junk)
						written += int64(n)
						if err != nil {
							closedAfter = time.Since(start)
							if errors.Is(err, os.ErrDeadlineExceeded) {
								return fmt.Errorf("connection still open after %v of flood", floodFor)
							}
							return nil
						}
					}
				})
				s.p.expectClose(v.code)
				err := hpWait(t, "Read", read)
				if err == nil {
					t.Error("Read: no error")
				}
				if err := hpWait(t, "flood", flood); err != nil {
					t.Error(err)
				} else if closedAfter > closeWithin {
					t.Errorf("the Conn closed the connection %v after the violation, want within %v", closedAfter, closeWithin)
				}
				discarded := s.read.Load() - before
				if discarded > v.maxDiscard {
					t.Errorf("the Conn read %s after the violation, want at most %s", hpSize(uint64(discarded)), hpSize(uint64(v.maxDiscard)))
				}
				m.attackOver()
				s.close()
				m.done(fmt.Sprintf("close %d; TCP closed after %v; Conn read %s of %s sent", int(v.code),
					closedAfter.Round(time.Millisecond), hpSize(uint64(discarded)), hpSize(uint64(written))),
					hpBudget{alloc: 512 << 10})
			})
		}
	}
}

// TestHostileMassReset: thousands of connections that complete the handshake, some of
// them in the middle of a message, then are all reset at once. Every server-side read must
// end with an error and everything the connections held must go.
func TestHostileMassReset(t *testing.T) {
	const (
		conns   = 2000
		workers = 8
	)
	m := hpMeasure(t)
	results := make(chan error, conns)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			results <- err
			return
		}
		go func() { results <- hpReadError(c)() }()
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	m.attack()
	open := make([]*net.TCPConn, conns)
	defer func() {
		for _, nc := range open {
			if nc != nil {
				nc.Close()
			}
		}
	}()
	// A message cut short in its first frame, and one cut short between frames.
	h := hpHeader{fin: true, op: byte(opBinary), length: 1000, masked: true, key: [4]byte{1, 2, 3, 4}}
	midFrame := h.appendPayload(h.appendTo(nil), 0, []byte("0123456789"))
	h.fin = false
	h.length = 10
	midMessage := h.appendPayload(h.appendTo(nil), 0, []byte("0123456789"))
	start := time.Now()
	end := start.Add(20 * time.Second)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= conns {
					return
				}
				if time.Now().After(end) {
					errs <- fmt.Errorf("only %d connections opened in %v", i, end.Sub(start))
					return
				}
				nc, err := (&net.Dialer{Timeout: hpTimeout}).Dial("tcp", addr)
				if err != nil {
					errs <- err
					return
				}
				open[i] = nc.(*net.TCPConn)
				if _, err := hpClientHandshake(open[i], false); err != nil {
					errs <- err
					return
				}
				switch i % 3 {
				case 1:
					_, err = open[i].Write(midFrame)
				case 2:
					_, err = open[i].Write(midMessage)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("opening %d connections: %v", conns, err)
	}
	opened := time.Since(start)
	for _, nc := range open {
		_ = nc.SetLinger(0)
		nc.Close()
	}
	open = nil // the attacker's own records of 2,000 connections are not the Conns' memory
	for i := range conns {
		select {
		case err := <-results:
			if err == nil {
				t.Fatal("a server-side Read ended without an error")
			}
		case <-time.After(hpTimeout):
			t.Fatalf("%d of %d server-side reads still running %v after the resets", conns-i, conns, hpTimeout)
		}
	}
	m.attackOver()
	srv.Close()
	m.done(fmt.Sprintf("%d reset (opened in %v, all reads ended %v later)", conns, opened.Round(time.Millisecond), (time.Since(start)-opened).Round(time.Millisecond)),
		// The runtime keeps the g of every goroutine that ever ran at once (about 450 B
		// each, two per connection here): 2 MiB allows for that and not for a Conn per
		// connection left alive.
		hpBudget{alloc: conns * 32 << 10, heap: 2 << 20})
}
