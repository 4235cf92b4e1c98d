package broadcast

import (
	"sync"
	"testing"
)

// TestSink checks that the sink finds the messages in a stream of frames
// however the stream is cut into writes: a fragmented text message, a ping
// between its fragments, a compressed binary message with a 16-bit length, an
// empty message and one with a 64-bit length.
func TestSink(t *testing.T) {
	var stream []byte
	stream = append(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"...)
	stream = append(stream, 0x01, 3, 'a', 'b', 'c')                  // text, not final
	stream = append(stream, 0x89, 2, 'p', 'p')                       // ping
	stream = append(stream, 0x80, 2, 'd', 'e')                       // continuation, final
	stream = append(stream, 0xc2, 126, 0x01, 0x00)                   // binary, RSV1, 256 bytes
	stream = append(stream, make([]byte, 256)...)                    //
	stream = append(stream, 0x81, 0)                                 // empty text
	stream = append(stream, 0x82, 127, 0, 0, 0, 0, 0, 1, 0x00, 0x01) // binary, 65537 bytes
	stream = append(stream, make([]byte, 65537)...)                  //
	const wantMsgs, wantCompressed = 4, 1
	wantWire := int64(len(stream) - len("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))

	for _, step := range []int{1, 2, 3, 7, 100, len(stream)} {
		var wg sync.WaitGroup
		wg.Add(wantMsgs)
		s := &sink{done: &wg, closed: make(chan struct{})}
		for p := stream; len(p) > 0; {
			k := min(step, len(p))
			if n, err := s.Write(p[:k]); n != k || err != nil {
				t.Fatalf("step %d: Write = %d, %v", step, n, err)
			}
			p = p[k:]
		}
		wg.Wait()
		if s.msgs != wantMsgs || s.compressed != wantCompressed || s.wire != wantWire {
			t.Errorf("step %d: %d messages, %d compressed, %d wire bytes; want %d, %d, %d",
				step, s.msgs, s.compressed, s.wire, wantMsgs, wantCompressed, wantWire)
		}
		if got := string(s.handshake()); got != "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n" {
			t.Errorf("step %d: handshake %q", step, got)
		}
	}
}
