package websocket

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf8"
)

// This file is a reference reading of a WebSocket stream for FuzzConnDiff: what a Conn
// should make of the bytes its peer sends, written from RFC 6455 §5 and §7, RFC 7692
// §7 and RFC 1951 §3.2 rather than from frame.go, conn.go or internal/. It is meant to be
// slow and plain: it allocates freely, decodes one bit at a time (wsref_inflate_test.go)
// and keeps the whole stream in view.
//
// Besides messages and an ending, the reference keeps track of where in the stream each
// verdict became certain, because a Conn fails fast: it fails on the first frame, or the
// first payload byte, that breaks a rule, and parses nothing after it. Where the rules
// leave the order open, the reading lists more than one ending:
//   - a frame that breaks both the limit on frames (1009) and the one on empty frames
//     in a row (1008);
//   - invalid UTF-8 in the text a compressed frame decodes to, when the same frame's
//     data also passes the read limit (1007 or 1009: a Conn checks output in chunks);
//   - an invalid Huffman code, which a decoder reading a whole code's worth of bits
//     (up to 15) before looking it up sees only then: whatever the stream holds before
//     those bits arrive (its end, a close frame, a broken frame) may come first.
//
// Where RFC 1951 is loose, the reference does as zlib does: at most 30 distance codes,
// a complete code-length code, and a literal/length code that is complete or a single
// code of one bit.

// refFrame is one frame as RFC 6455 §5.2 lays it out.
type refFrame struct {
	fin    bool
	rsv    byte // the three RSV bits, RSV1 as 4, RSV2 as 2, RSV3 as 1
	op     byte
	masked bool
	key    [4]byte
	length uint64 // as declared
	hdr    int    // the size of the header
}

// refParseHeader decodes the frame header at the start of b, or reports that b does not
// hold all of it.
func refParseHeader(b []byte) (refFrame, bool) {
	if len(b) < 2 {
		return refFrame{}, false
	}
	f := refFrame{
		fin:    b[0]&0x80 != 0,
		rsv:    b[0] >> 4 & 7,
		op:     b[0] & 0x0f,
		masked: b[1]&0x80 != 0,
	}
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return refFrame{}, false
		}
		f.length = uint64(binary.BigEndian.Uint16(b[2:]))
		n = 4
	case 127:
		if len(b) < 10 {
			return refFrame{}, false
		}
		f.length = binary.BigEndian.Uint64(b[2:])
		n = 10
	default:
		f.length = uint64(l)
	}
	if f.masked {
		if len(b) < n+4 {
			return refFrame{}, false
		}
		copy(f.key[:], b[n:])
		n += 4
	}
	f.hdr = n
	return f, true
}

// refIsControl reports whether op is a control opcode (§5.5).
func refIsControl(op byte) bool { return op >= 8 }

// refEncodeHeader encodes a header declaring length bytes, in the shortest form; rsv
// holds the RSV bits as refFrame does. A nil key means unmasked.
func refEncodeHeader(fin bool, rsv, op byte, key []byte, length uint64) []byte {
	b0 := rsv<<4 | op&0x0f
	if fin {
		b0 |= 0x80
	}
	var m byte
	if key != nil {
		m = 0x80
	}
	var b []byte
	switch {
	case length < 126:
		b = []byte{b0, m | byte(length)}
	case length < 1<<16:
		b = binary.BigEndian.AppendUint16([]byte{b0, m | 126}, uint16(length))
	default:
		b = binary.BigEndian.AppendUint64([]byte{b0, m | 127}, length)
	}
	return append(b, key...)
}

// refEncodeFrame encodes a whole frame, masking payload with key if there is one.
func refEncodeFrame(fin bool, rsv, op byte, key, payload []byte) []byte {
	b := refEncodeHeader(fin, rsv, op, key, uint64(len(payload)))
	for i, c := range payload {
		if key != nil {
			c ^= key[i%4]
		}
		b = append(b, c)
	}
	return b
}

// refUTF8 finds where b stops being the start of well-formed UTF-8 (RFC 3629 §4): the
// index of the first byte that no well-formed text could have there, or -1. tail
// reports that b, while a valid start, ends inside a character.
func refUTF8(b []byte) (bad int, tail bool) {
	for i := 0; i < len(b); {
		c := b[i]
		var n int
		lo, hi := byte(0x80), byte(0xbf) // the range of the second byte
		switch {
		case c <= 0x7f:
			i++
			continue
		case c >= 0xc2 && c <= 0xdf:
			n = 2
		case c == 0xe0:
			n, lo = 3, 0xa0
		case c >= 0xe1 && c <= 0xec, c == 0xee, c == 0xef:
			n = 3
		case c == 0xed:
			n, hi = 3, 0x9f
		case c == 0xf0:
			n, lo = 4, 0x90
		case c >= 0xf1 && c <= 0xf3:
			n = 4
		case c == 0xf4:
			n, hi = 4, 0x8f
		default:
			return i, false
		}
		for k := 1; k < n; k++ {
			if i+k == len(b) {
				return -1, true
			}
			x := b[i+k]
			if k > 1 {
				lo, hi = 0x80, 0xbf
			}
			if x < lo || x > hi {
				return i + k, false
			}
		}
		i += n
	}
	return -1, false
}

// ---- reading a stream (RFC 6455 §5, §7; RFC 7692 §6, §7) ----

// refConfig is what the reference knows of the connection.
type refConfig struct {
	peerIsClient bool // the peer's frames must be masked, a server's must not (§5.1)
	deflate      bool // permessage-deflate was negotiated: RSV1 marks compressed messages
	windowBits   int  // the peer's LZ77 window
	takeover     bool // the peer's messages may refer back to its earlier ones
	limit        int  // the read limit: the most bytes a message may have
}

// Limits on how a message may be cut into frames.
const (
	refMinFrames     = 1024 // a message may have max(1024, limit/64) data frames
	refBytesPerFrame = 64
	refMaxEmptyRun   = 32 // consecutive empty non-final data frames
)

// refEnd is one way for a connection to end: the stream runs out ('e': no close frame
// from the Conn), the Conn fails the connection ('f', its close frame carries code), or
// the peer closes ('c', with code, 1005 for a close frame without one, which the Conn
// echoes).
type refEnd struct {
	kind byte
	code StatusCode
}

func (e refEnd) String() string {
	switch e.kind {
	case 'e':
		return "stream ends, no close frame"
	case 'f':
		return "Conn fails with " + e.code.String()
	}
	return "peer closes with " + e.code.String()
}

// refMessage is a data message as the application gets it.
type refMessage struct {
	typ  MessageType
	data []byte
}

// refResult is the reading of a whole stream.
type refResult struct {
	messages []refMessage
	pings    [][]byte // payloads of the pings read, in order, which the Conn answers
	ends     []refEnd // how the connection ends; then other endings a Conn may reach
	partial  []byte   // what the message under way at the end had yielded, valid as far as it goes
	why      string   // what ended the connection, and where
}

// refMsg is the message under way.
type refMsg struct {
	typ        MessageType
	compressed bool
	frames     int    // data frames so far
	empty      int    // empty non-final data frames in a row
	declared   uint64 // payload lengths declared so far
	data       []byte // payload as sent (compressed or not), unmasked
	offs       []int  // stream offset of each byte of data
	frame      []int  // the message's frame (1, 2, ...) each byte of data came in
}

// refStop is where reading stops at a frame boundary or at the end of the stream,
// unless the payload of the message under way failed it earlier.
type refStop struct {
	ends []refEnd
	why  string
	at   int // stream offset
}

// refDataFail is a failure found in a message's payload.
type refDataFail struct {
	code StatusCode
	alt  []refEnd // other endings tolerated
	why  string
	at   int // bytes of the message's data that show it; 0: at the end of the message
	late int // bytes of data a Conn may read before it sees it (>= at), 0 if at
}

type refReader struct {
	stream []byte
	cfg    refConfig
	pos    int
	res    refResult
	pingAt []int  // stream offset of each ping
	hist   []byte // the peer's earlier compressed messages, under context takeover
	msg    *refMsg
}

// refRead reads stream as a Conn should.
func refRead(stream []byte, cfg refConfig) refResult {
	rd := &refReader{stream: stream, cfg: cfg}
	for {
		stop, complete := rd.next()
		if complete {
			if rd.finishMessage() {
				continue
			}
			return rd.res
		}
		if stop != nil {
			rd.stop(stop)
			return rd.res
		}
	}
}

func (rd *refReader) fail(code StatusCode, why string, at int, alt ...refEnd) *refStop {
	return &refStop{ends: append([]refEnd{{'f', code}}, alt...), why: why, at: at}
}

// next reads one frame. It returns where reading stops, or whether the frame completed
// a message, or neither.
func (rd *refReader) next() (*refStop, bool) {
	start := rd.pos
	f, ok := refParseHeader(rd.stream[start:])
	if !ok {
		return &refStop{ends: []refEnd{{kind: 'e'}}, why: "the stream ends between frames or in a header", at: start}, false
	}
	rd.pos += f.hdr
	if why := rd.check(f); why != "" {
		return rd.fail(StatusProtocolError, why, start), false
	}
	left := uint64(len(rd.stream) - rd.pos)
	if refIsControl(f.op) {
		if left < f.length {
			return &refStop{ends: []refEnd{{kind: 'e'}}, why: "the stream ends in a control frame", at: start}, false
		}
		p := rd.payload(f, int(f.length))
		switch f.op {
		case 0x9:
			rd.res.pings = append(rd.res.pings, p)
			rd.pingAt = append(rd.pingAt, start)
		case 0x8:
			return rd.closeFrame(p, start), false
		}
		return nil, false
	}

	if rd.msg == nil {
		rd.msg = &refMsg{typ: MessageType(f.op), compressed: f.rsv&4 != 0}
	}
	m := rd.msg
	wireLimit := uint64(rd.cfg.limit)
	if m.compressed {
		wireLimit += uint64(rd.cfg.limit/8 + 1024)
	}
	if f.length > wireLimit-m.declared {
		return rd.fail(StatusMessageTooBig, "the message's frames declare more than the limit", start), false
	}
	m.declared += f.length
	m.frames++
	if f.length > 0 {
		m.empty = 0
	} else if !f.fin {
		m.empty++
	}
	tooMany := m.frames > max(refMinFrames, rd.cfg.limit/refBytesPerFrame)
	tooEmpty := m.empty > refMaxEmptyRun
	switch {
	case tooMany && tooEmpty:
		return rd.fail(StatusMessageTooBig, "too many frames, and too many empty ones in a row", start, refEnd{'f', StatusPolicyViolation}), false
	case tooMany:
		return rd.fail(StatusMessageTooBig, "too many frames in a message", start), false
	case tooEmpty:
		return rd.fail(StatusPolicyViolation, "too many empty frames in a row", start), false
	}
	n := int(min(f.length, left))
	from := rd.pos
	m.data = append(m.data, rd.payload(f, n)...)
	for i := range n {
		m.offs = append(m.offs, from+i)
		m.frame = append(m.frame, m.frames)
	}
	if uint64(n) < f.length {
		return &refStop{ends: []refEnd{{kind: 'e'}}, why: "the stream ends in a data frame's payload", at: start}, false
	}
	return nil, f.fin
}

// payload takes the next n bytes of the stream, the payload of f, unmasked (§5.3).
func (rd *refReader) payload(f refFrame, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = rd.stream[rd.pos+i]
		if f.masked {
			p[i] ^= f.key[i%4]
		}
	}
	rd.pos += n
	return p
}

// check applies the rules of one frame (§5.2, §5.4, §5.5; RFC 7692 §6).
func (rd *refReader) check(f refFrame) string {
	data := f.op == 0x1 || f.op == 0x2
	switch {
	case f.length>>63 != 0:
		return "64-bit length with the most significant bit set"
	case !data && f.op != 0x0 && f.op != 0x8 && f.op != 0x9 && f.op != 0xa:
		return "reserved opcode"
	case f.rsv&3 != 0:
		return "RSV2 or RSV3 set"
	case f.rsv&4 != 0 && !(rd.cfg.deflate && data):
		return "RSV1 set where no extension defines it"
	case refIsControl(f.op) && f.length > 125:
		return "control frame longer than 125 bytes"
	case refIsControl(f.op) && !f.fin:
		return "fragmented control frame"
	case rd.cfg.peerIsClient && !f.masked:
		return "unmasked frame from a client"
	case !rd.cfg.peerIsClient && f.masked:
		return "masked frame from a server"
	case f.op == 0x0 && rd.msg == nil:
		return "continuation frame without a message"
	case data && rd.msg != nil:
		return "new data frame inside a fragmented message"
	}
	return ""
}

// refSendable reports whether code may be sent in a close frame (§7.4 and the IANA
// registry): 1000-1003, 1007-1014 and 3000-4999.
func refSendable(code StatusCode) bool {
	return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
}

// closeFrame reads the peer's close frame (§5.5.1, §7.1.5, §7.4).
func (rd *refReader) closeFrame(p []byte, start int) *refStop {
	switch {
	case len(p) == 0:
		return &refStop{ends: []refEnd{{'c', StatusNoStatusRcvd}}, why: "close frame without a code", at: start}
	case len(p) == 1:
		return rd.fail(StatusProtocolError, "close frame of one byte", start)
	}
	code := StatusCode(binary.BigEndian.Uint16(p))
	if !refSendable(code) {
		return rd.fail(StatusProtocolError, "close frame with a code that may not be sent", start)
	}
	if bad, tail := refUTF8(p[2:]); bad >= 0 || tail {
		return rd.fail(StatusInvalidFramePayloadData, "close reason not UTF-8", start)
	}
	return &refStop{ends: []refEnd{{'c', code}}, why: "close frame", at: start}
}

// inspect looks for a failure in the payload of the message under way; complete says all
// of it is in. It returns the failure, if any, and the payload the message has by then.
func (rd *refReader) inspect(complete bool) (*refDataFail, []byte) {
	m := rd.msg
	text := m.typ == MessageText
	if !m.compressed {
		if !text {
			return nil, m.data
		}
		bad, tail := refUTF8(m.data)
		switch {
		case bad >= 0:
			return &refDataFail{code: StatusInvalidFramePayloadData, why: "invalid UTF-8", at: bad + 1}, m.data[:bad]
		case complete && tail:
			return &refDataFail{code: StatusInvalidFramePayloadData, why: "text ends inside a character"}, m.data
		}
		return nil, m.data
	}

	var hist []byte
	if rd.cfg.takeover {
		hist = rd.hist
	}
	z := refInflate(hist, m.data, rd.cfg.windowBits, rd.cfg.limit)
	bad, tail := -1, false
	if text {
		bad, tail = refUTF8(z.out)
	}
	switch {
	case bad >= 0 && bad < rd.cfg.limit:
		f := &refDataFail{code: StatusInvalidFramePayloadData, why: "invalid UTF-8 in the decompressed text", at: z.at[bad]}
		if z.over && m.frame[z.at[bad]-1] == m.frame[z.at[rd.cfg.limit]-1] {
			// Found with the byte past the limit, in what the same frame decoded to: a
			// Conn may check the size of that output first.
			f.alt = []refEnd{{'f', StatusMessageTooBig}}
		}
		return f, z.out[:bad]
	case z.over:
		return &refDataFail{code: StatusMessageTooBig, why: "decompresses to more than the limit", at: z.at[rd.cfg.limit]}, z.out[:rd.cfg.limit]
	case z.corrupt != "":
		return &refDataFail{code: StatusInvalidFramePayloadData, why: "compressed data: " + z.corrupt, at: z.errAt, late: z.lateAt}, z.out
	case !complete:
		return nil, z.out
	case !z.ended && !z.endOK:
		return &refDataFail{code: StatusInvalidFramePayloadData, why: "compressed data cut short"}, z.out
	case tail:
		return &refDataFail{code: StatusInvalidFramePayloadData, why: "decompressed text ends inside a character"}, z.out
	}
	return nil, z.out
}

// finishMessage ends the message whose last frame has been read. It reports whether
// reading goes on.
func (rd *refReader) finishMessage() bool {
	f, out := rd.inspect(true)
	if f != nil {
		rd.failData(f, out, nil)
		return false
	}
	rd.res.messages = append(rd.res.messages, refMessage{rd.msg.typ, out})
	if rd.msg.compressed {
		rd.hist = append(rd.hist, out...)
	}
	rd.msg = nil
	return true
}

// stop ends reading at s, or earlier if the message under way failed before it.
func (rd *refReader) stop(s *refStop) {
	if rd.msg != nil {
		f, out := rd.inspect(false)
		if f != nil {
			rd.failData(f, out, s)
			return
		}
		rd.res.partial = out
	}
	rd.res.ends, rd.res.why = s.ends, s.why
}

// failData ends reading with the failure f of the message under way, which has
// yielded out; s is where reading would have stopped otherwise (nil at the end of a
// message).
func (rd *refReader) failData(f *refDataFail, out []byte, s *refStop) {
	m := rd.msg
	rd.res.ends = append([]refEnd{{'f', f.code}}, f.alt...)
	rd.res.why, rd.res.partial = f.why, out
	if f.at == 0 {
		return // at the end of the message: every frame of it has been read
	}
	seen := m.offs[f.at-1] // the stream up to here has been read
	if f.late > f.at {
		if f.late <= len(m.data) {
			seen = m.offs[f.late-1]
		} else {
			// A Conn may need more than the message has: then it reads on to where
			// reading stops, or to the end of the message, whose data is cut short.
			seen = rd.pos
			if s != nil {
				rd.res.ends = append(rd.res.ends, s.ends...)
				seen = s.at
			}
		}
	}
	n := 0
	for n < len(rd.pingAt) && rd.pingAt[n] < seen {
		n++
	}
	rd.res.pings = rd.res.pings[:n]
}

// refWritten reads what a Conn wrote: pongs and at most one close frame, last, masked
// if the Conn is a client. It returns the pongs' payloads and the close frame's, or a
// description of what is wrong.
func refWritten(b []byte, connIsClient bool) (pongs [][]byte, closing []byte, problem string) {
	for pos := 0; pos < len(b); {
		f, ok := refParseHeader(b[pos:])
		switch {
		case !ok || uint64(len(b)-pos-f.hdr) < f.length:
			return nil, nil, "the Conn wrote a frame cut short"
		case closing != nil:
			return nil, nil, "the Conn wrote a frame after its close frame"
		case f.masked != connIsClient:
			return nil, nil, "the Conn's frames are masked wrongly for its role"
		case !f.fin || f.rsv != 0 || f.length > 125:
			return nil, nil, "the Conn wrote a frame that breaks the rules of control frames"
		case f.op != 0x8 && f.op != 0xa:
			return nil, nil, "the Conn wrote a frame other than a pong or a close frame"
		}
		p := make([]byte, f.length)
		for i := range p {
			p[i] = b[pos+f.hdr+i]
			if f.masked {
				p[i] ^= f.key[i%4]
			}
		}
		pos += f.hdr + len(p)
		if f.op == 0xa {
			pongs = append(pongs, p)
			continue
		}
		closing = p
	}
	return pongs, closing, ""
}

// TestRefUTF8 holds refUTF8 to unicode/utf8 on every string of up to three bytes drawn
// from bytes that matter to UTF-8, and on four-byte ones: whether the string is valid,
// and where it stops being the start of valid text.
func TestRefUTF8(t *testing.T) {
	alphabet := []byte{0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff}
	tails := []byte{0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0}
	all := [][]byte{nil}
	for _, a := range alphabet {
		all = append(all, []byte{a})
		for _, b := range alphabet {
			all = append(all, []byte{a, b})
			for _, c := range alphabet {
				all = append(all, []byte{a, b, c})
			}
		}
	}
	for _, a := range []byte{0xc2, 0xe0, 0xed, 0xf0, 0xf1, 0xf4} {
		for _, b := range tails {
			for _, c := range tails {
				for _, d := range tails {
					all = append(all, []byte{a, b, c, d})
				}
			}
		}
	}
	for _, s := range all {
		bad, tail := refUTF8(s)
		if want := utf8.Valid(s); (bad < 0 && !tail) != want {
			t.Fatalf("refUTF8(%x) = %d, %v; utf8.Valid says %v", s, bad, tail, want)
		}
		switch {
		case bad < 0 && !refStartsValid(s):
			t.Fatalf("refUTF8(%x) = -1, but no valid text starts so", s)
		case bad >= 0 && !(refStartsValid(s[:bad]) && !refStartsValid(s[:bad+1])):
			t.Fatalf("refUTF8(%x) = %d, not where it stops being the start of valid text", s, bad)
		}
	}
}

// refStartsValid reports whether some valid UTF-8 text starts with b, by brute force: b
// followed by up to three continuation bytes, 0x80 or 0xa0, one of which is in each range
// a second byte may have to be in.
func refStartsValid(b []byte) bool {
	cont := []byte{0x80, 0xa0}
	exts := [][]byte{nil}
	for range 3 {
		for _, e := range exts {
			for _, c := range cont {
				exts = append(exts, append(bytes.Clone(e), c))
			}
		}
	}
	for _, e := range exts {
		if utf8.Valid(append(bytes.Clone(b), e...)) {
			return true
		}
	}
	return false
}
