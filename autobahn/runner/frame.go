package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Opcodes from RFC 6455 §5.2. The runner sends reserved opcodes on purpose,
// so the codec accepts any 4-bit value and leaves judging to the session.
const (
	opContinuation byte = 0x0
	opText         byte = 0x1
	opBinary       byte = 0x2
	opClose        byte = 0x8
	opPing         byte = 0x9
	opPong         byte = 0xA
)

// maxFramePayload bounds what the decoder accepts from a testee in one frame.
// The largest legitimate echo in the catalogue is 16 MiB.
const maxFramePayload = 64 << 20

// frame is one WebSocket frame as it travels on the wire. The payload is kept
// unmasked; masked and key say how it is (or was) masked on the wire.
type frame struct {
	fin     bool
	rsv     byte // the three RSV bits, RSV1 being 4
	opcode  byte
	masked  bool
	key     [4]byte
	payload []byte
}

// appendFrame appends the wire encoding of f to dst, using the shortest
// length encoding and masking a copy of the payload when f.masked is set.
func appendFrame(dst []byte, f frame) []byte {
	b0 := f.opcode & 0x0F
	b0 |= (f.rsv & 0x7) << 4
	if f.fin {
		b0 |= 0x80
	}
	var b1 byte
	if f.masked {
		b1 = 0x80
	}
	n := len(f.payload)
	switch {
	case n <= 125:
		dst = append(dst, b0, b1|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !f.masked {
		return append(dst, f.payload...)
	}
	dst = append(dst, f.key[:]...)
	start := len(dst)
	dst = append(dst, f.payload...)
	maskBytes(dst[start:], f.key)
	return dst
}

// maskBytes applies the RFC 6455 §5.3 masking transform in place.
func maskBytes(p []byte, key [4]byte) {
	for i := range p {
		p[i] ^= key[i&3]
	}
}

// errFrameTooLarge reports a frame whose declared length exceeds the decoder's limit.
var errFrameTooLarge = errors.New("frame payload exceeds the runner's limit")

// readFrame decodes one frame from r and unmasks its payload. It only rejects
// what cannot be represented (an over-long or non-canonical 64-bit length);
// RFC 6455 rules that depend on the role are the session's business.
func readFrame(r *bufio.Reader, limit int64) (frame, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{
		fin:    hdr[0]&0x80 != 0,
		rsv:    (hdr[0] >> 4) & 0x7,
		opcode: hdr[0] & 0x0F,
		masked: hdr[1]&0x80 != 0,
	}
	n := uint64(hdr[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, noEOF(err)
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, noEOF(err)
		}
		n = binary.BigEndian.Uint64(ext[:])
		if n>>63 != 0 {
			return frame{}, fmt.Errorf("64-bit payload length has its most significant bit set")
		}
	}
	if n > uint64(limit) {
		return frame{}, fmt.Errorf("%w: %d > %d", errFrameTooLarge, n, limit)
	}
	if f.masked {
		if _, err := io.ReadFull(r, f.key[:]); err != nil {
			return frame{}, noEOF(err)
		}
	}
	f.payload = make([]byte, int(n))
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, noEOF(err)
	}
	if f.masked {
		maskBytes(f.payload, f.key)
	}
	return f, nil
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF, so that only a
// clean end between frames reads as io.EOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// opcodeName names an opcode for reports and logs.
func opcodeName(op byte) string {
	switch op {
	case opContinuation:
		return "continuation"
	case opText:
		return "text"
	case opBinary:
		return "binary"
	case opClose:
		return "close"
	case opPing:
		return "ping"
	case opPong:
		return "pong"
	}
	return fmt.Sprintf("reserved(0x%X)", op)
}
