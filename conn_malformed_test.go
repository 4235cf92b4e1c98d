package websocket

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// malformedCase is one entry of testdata/malformed/cases.json: a byte stream a raw peer
// sends after the handshake, and the close code the Conn must fail the connection with.
type malformedCase struct {
	Name string `json:"name"`
	// Peer is the role the raw peer plays: "client" (its frames are masked, the Conn
	// under test is a server) or "server".
	Peer string `json:"peer"`
	// Send is the stream, in hex; spaces are ignored.
	Send string `json:"send"`
	// Then, if set, is the rest of the message, which is never sent: the close frame must
	// arrive without it (the Conn fails fast).
	Then string `json:"then"`
	// Code is the status code of the close frame the Conn must send.
	Code StatusCode `json:"code"`
	// Limit, if not 0, is the read limit set before the stream is sent.
	Limit int64 `json:"limit"`
	// TooBig says the read must fail with an error wrapping ErrMessageTooBig.
	TooBig bool `json:"tooBig"`
	// Messages is how many valid messages come before the fault.
	Messages int `json:"messages"`
	// Truncated says the stream stops inside a frame (a header whose payload is not
	// sent): after the Conn's close frame, the peer closes TCP instead of answering, since
	// any close frame it sent would be read as that payload.
	Truncated bool `json:"truncated"`
}

func loadMalformedCases(t testing.TB) []malformedCase {
	t.Helper()
	b, err := os.ReadFile("testdata/malformed/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []malformedCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	seen := make(map[string]bool)
	for _, tc := range cases {
		if tc.Peer != "client" && tc.Peer != "server" {
			t.Fatalf("case %q: peer %q, want client or server", tc.Name, tc.Peer)
		}
		if seen[tc.Peer+"/"+tc.Name] {
			t.Fatalf("case %q for a %s peer twice", tc.Name, tc.Peer)
		}
		seen[tc.Peer+"/"+tc.Name] = true
		mustHex(t, tc.Send)
		mustHex(t, tc.Then)
	}
	return cases
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// TestMalformed sends each stream of testdata/malformed/cases.json to a Conn and checks
// that the Conn fails the connection with the listed close code: it sends a close frame
// with that code (and a short, valid reason), the read returns an error wrapping
// net.ErrClosed, and the TCP connection is closed once the peer has answered.
func TestMalformed(t *testing.T) {
	cases := loadMalformedCases(t)
	for _, tr := range []transport{viaPipe, viaTCP} {
		t.Run(string(tr), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.Peer+"/"+tc.Name, func(t *testing.T) {
					testMalformed(t, tr, tc)
				})
			}
		})
	}
}

func testMalformed(t *testing.T, tr transport, tc malformedCase) {
	peerIsClient := tc.Peer == "client"
	c, p := newWirePair(t, tr, peerIsClient)
	if tc.Limit != 0 {
		c.SetReadLimit(tc.Limit)
	}
	msgs := startReading(c)
	sent := p.sendAsync(mustHex(t, tc.Send))
	for i := 0; i < tc.Messages; i++ {
		if m := nextMessage(t, msgs); m.err != nil {
			t.Fatalf("message %d: %v", i, m.err)
		}
	}

	// The Conn's close frame comes before the rest of the message (tc.Then) is sent.
	f := p.next()
	for f.op == opPong {
		f = p.next()
	}
	if f.op != opClose {
		t.Fatalf("got %v, want a close frame with %v", f, tc.Code)
	}
	if got := f.closeCode(); got != tc.Code {
		t.Errorf("close code %v (reason %q), want %v", got, f.payload[min(2, len(f.payload)):], tc.Code)
	}
	if len(f.payload) > 2 && !utf8.Valid(f.payload[2:]) {
		t.Errorf("close reason %q is not valid UTF-8", f.payload[2:])
	}

	// Answer, as a well-behaved peer would, and see the connection end.
	switch {
	case tc.Truncated:
		p.close()
	case peerIsClient:
		p.send(true, opClose, closePayload(f.closeCode(), ""))
		p.expectEOF() // the server closes (or half-closes) TCP first
		p.close()
	default:
		p.send(true, opClose, closePayload(f.closeCode(), ""))
		p.close() // the server closes TCP first
	}
	m := nextMessage(t, msgs)
	if m.err == nil {
		t.Fatalf("read a %v message of %d bytes, want an error", m.typ, len(m.p))
	}
	if !errors.Is(m.err, net.ErrClosed) {
		t.Errorf("Read: %v, want an error wrapping net.ErrClosed", m.err)
	}
	if tc.TooBig && !errors.Is(m.err, ErrMessageTooBig) {
		t.Errorf("Read: %v, want an error wrapping ErrMessageTooBig", m.err)
	}
	if !tc.TooBig && errors.Is(m.err, ErrMessageTooBig) {
		t.Errorf("Read: %v, wraps ErrMessageTooBig", m.err)
	}
	p.close()
	waitErr(t, "raw write", sent)
}

// TestMalformedNoAnswer has the peer never answer the Conn's close frame: the Conn still
// closes the connection, within its close bound.
func TestMalformedNoAnswer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes 5 s")
	}
	c, p := newWirePair(t, viaTCP, true)
	msgs := startReading(c)
	p.mustSend(true, opText, []byte{0xff})
	if f := p.expectClose(); f.closeCode() != StatusInvalidFramePayloadData {
		t.Errorf("close code %v, want 1007", f.closeCode())
	}
	p.expectEOF()
	if m := nextMessage(t, msgs); !errors.Is(m.err, net.ErrClosed) {
		t.Errorf("Read: %v, want an error wrapping net.ErrClosed", m.err)
	}
}

// TestFailSkipsRejectedFrame sends a frame over the read limit with its payload, which
// the Conn refuses from the header. After its 1009 close frame the Conn must not read
// that payload as frames: here the payload looks like the header of a 64 KiB frame, which
// would swallow the peer's close frame and keep the connection open until the close
// bound (5 s) runs out, although the peer answered at once.
func TestFailSkipsRejectedFrame(t *testing.T) {
	for _, peerIsClient := range []bool{true, false} {
		t.Run(roleOf(!peerIsClient)+"-conn", func(t *testing.T) {
			c, p := newWirePair(t, viaTCP, peerIsClient)
			c.SetReadLimit(10)
			msgs := startReading(c)
			inner := []byte{0x82, 0x7e, 0xff, 0xff, 0, 0, 0, 0} // binary, 65535 bytes
			if peerIsClient {
				inner[1] |= 0x80 // masked, key 0
			}
			stream := append(encodeWireHeader(true, opBinary, nil, 16), append(inner, make([]byte, 8)...)...)
			if peerIsClient {
				// Send the payload bytes as they are on the wire: mask them with a key of
				// zero.
				stream = append(encodeWireHeader(true, opBinary, []byte{0, 0, 0, 0}, 16), append(inner, make([]byte, 8)...)...)
			}
			p.mustSendRaw(stream)
			if f := p.expectClose(); f.closeCode() != StatusMessageTooBig {
				t.Fatalf("close code %v, want 1009", f.closeCode())
			}
			start := time.Now()
			p.mustSend(true, opClose, closePayload(StatusMessageTooBig, ""))
			if peerIsClient {
				p.expectEOF()
				p.close()
				if d := time.Since(start); d > closeTimeout/2 {
					t.Errorf("BUG: the server Conn closed TCP %v after the peer's close frame (its close bound is %v): it read the refused frame's payload as frames", d.Round(time.Millisecond), closeTimeout)
				}
			} else {
				p.close()
			}
			m := nextMessage(t, msgs)
			if !errors.Is(m.err, ErrMessageTooBig) {
				t.Errorf("BUG: Read: %v, want an error wrapping ErrMessageTooBig", m.err)
			}
		})
	}
}
