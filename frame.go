package websocket

import (
	"encoding/binary"
	"errors"
	"io"
)

// This file is the frame codec of RFC 6455 §5.2: it encodes and decodes frame headers and
// enforces the rules that can be checked one frame (or one frame and the fragmentation state)
// at a time. It owns no connection state, so it can be tested and fuzzed alone.

// opcode is the 4-bit frame type.
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

// isControl reports whether op is a control opcode (the high bit of the 4-bit field is set).
func (op opcode) isControl() bool { return op&0x8 != 0 }

// isKnown reports whether op is defined by RFC 6455; the rest are reserved.
func (op opcode) isKnown() bool {
	switch op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
		return true
	}
	return false
}

// RSV bits in their position in the first header byte.
const (
	rsv1    = 0x40
	rsv2    = 0x20
	rsv3    = 0x10
	rsvMask = rsv1 | rsv2 | rsv3
)

const (
	// maxHeaderSize is the longest header: 2 bytes, an 8-byte length and a 4-byte mask key.
	maxHeaderSize = 14
	// maxControlPayload is the largest payload a control frame may carry (§5.5).
	maxControlPayload = 125
)

// header is a decoded frame header. The masking key is kept in the little-endian form that
// mask takes: key octet 0 in the low byte.
type header struct {
	fin    bool
	rsv    byte // rsvMask bits as they stand in the first byte
	op     opcode
	masked bool
	key    uint32
	length int64
}

// protocolError is a violation of RFC 6455 by the peer, or of a limit. The connection is
// failed with code.
type protocolError struct {
	code StatusCode
	msg  string
	err  error // a sentinel callers test with errors.Is, or nil
}

func (e *protocolError) Error() string { return "websocket: " + e.msg }

func (e *protocolError) Unwrap() error { return e.err }

// The codec's errors are values so that rejecting a frame never allocates.
var (
	errReservedOpcode     = &protocolError{StatusProtocolError, "reserved opcode", nil}
	errReservedBits       = &protocolError{StatusProtocolError, "reserved bits set without an extension that defines them", nil}
	errControlTooLong     = &protocolError{StatusProtocolError, "control frame payload longer than 125 bytes", nil}
	errControlFragmented  = &protocolError{StatusProtocolError, "fragmented control frame", nil}
	errLengthTooLarge     = &protocolError{StatusProtocolError, "payload length has the most significant bit set", nil}
	errUnmaskedFromClient = &protocolError{StatusProtocolError, "unmasked frame from client", nil}
	errMaskedFromServer   = &protocolError{StatusProtocolError, "masked frame from server", nil}
	errNothingToContinue  = &protocolError{StatusProtocolError, "continuation frame without a message to continue", nil}
	errExpectContinuation = &protocolError{StatusProtocolError, "new data frame inside a fragmented message", nil}
)

// headerLen returns the size of the header whose first two bytes are b0 and b1.
func headerLen(b0, b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// decodeHeader decodes the header at the start of b, which must hold at least
// headerLen(b[0], b[1]) bytes. The only thing it rejects is a 64-bit length with the
// most significant bit set; everything that depends on the connection is left to check.
// Lengths in a longer encoding than needed are accepted on read (other implementations
// send them and they are unambiguous); appendHeader always writes the minimal one.
func decodeHeader(b []byte) (header, error) {
	h := header{
		fin:    b[0]&0x80 != 0,
		rsv:    b[0] & rsvMask,
		op:     opcode(b[0] & 0x0f),
		masked: b[1]&0x80 != 0,
	}
	// The length is the peer's number. Each form fits an int64 as it stands, the 64-bit
	// one only with its top bit clear (§5.2), so h.length is in [0, 2^63); callers that
	// add lengths compare them with what is left under a limit rather than summing.
	i := 2
	switch n := b[1] & 0x7f; n {
	case 126:
		h.length = int64(binary.BigEndian.Uint16(b[2:4]))
		i = 4
	case 127:
		u := binary.BigEndian.Uint64(b[2:10])
		i = 10
		if u>>63 != 0 {
			return h, errLengthTooLarge
		}
		h.length = int64(u)
	default:
		h.length = int64(n)
	}
	if h.masked {
		h.key = binary.LittleEndian.Uint32(b[i : i+4])
	}
	return h, nil
}

// check applies the per-frame rules of §5: opcode, reserved bits (allowedRSV holds the bits
// a negotiated extension defines, which may only be set on the first frame of a data
// message), control frame size and fragmentation, and masking by role. fromClient is true
// when the frame was sent by a client.
func (h *header) check(fromClient bool, allowedRSV byte) error {
	if !h.op.isKnown() {
		return errReservedOpcode
	}
	if h.rsv&^allowedRSV != 0 || (h.rsv != 0 && (h.op.isControl() || h.op == opContinuation)) {
		return errReservedBits
	}
	if h.op.isControl() {
		if h.length > maxControlPayload {
			return errControlTooLong
		}
		if !h.fin {
			return errControlFragmented
		}
	}
	if fromClient && !h.masked {
		return errUnmaskedFromClient
	}
	if !fromClient && h.masked {
		return errMaskedFromServer
	}
	return nil
}

// checkSequence applies the fragmentation rules of §5.4 to a data frame: inMessage says
// whether a fragmented message is in progress.
func checkSequence(op opcode, inMessage bool) error {
	if op == opContinuation && !inMessage {
		return errNothingToContinue
	}
	if op != opContinuation && !op.isControl() && inMessage {
		return errExpectContinuation
	}
	return nil
}

// appendHeader appends the encoding of h to b, with the length in its minimal form.
// h.length must not be negative.
func appendHeader(b []byte, h header) []byte {
	b0 := h.rsv&rsvMask | byte(h.op)&0x0f
	if h.fin {
		b0 |= 0x80
	}
	var m byte
	if h.masked {
		m = 0x80
	}
	switch {
	case h.length <= 125:
		b = append(b, b0, m|byte(h.length))
	case h.length <= 0xffff:
		b = append(b, b0, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(h.length))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(h.length))
	}
	if h.masked {
		b = binary.LittleEndian.AppendUint32(b, h.key)
	}
	return b
}

// readHeader reads and decodes one frame header from r, using buf as scratch space so that
// nothing is allocated. It is the codec's entry point for plain io.Readers (tests, fuzzing,
// tools); Conn parses headers straight out of its own read buffer.
func readHeader(r io.Reader, buf *[maxHeaderSize]byte) (header, error) {
	if _, err := io.ReadFull(r, buf[:2]); err != nil {
		return header{}, err
	}
	n := headerLen(buf[0], buf[1])
	if _, err := io.ReadFull(r, buf[2:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return header{}, err
	}
	return decodeHeader(buf[:n])
}
