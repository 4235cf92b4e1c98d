package websocket

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
	"sync"
)

// Masking, RFC 6455 §5.3.
//
// A client XORs every frame payload it sends with a four-octet key repeated
// over the payload. Here the key is a uint32 holding the four octets in
// little-endian order, octet 0 (the first on the wire) in the low 8 bits, so
// that a little-endian load of payload bytes meets the key octets in wire
// order and two copies of the key in a uint64 cover eight bytes at once. The
// key for wire octets w[0..3] is binary.LittleEndian.Uint32(w[:]).
//
// mask, defined per architecture (mask_amd64.go, mask_generic.go), has this
// contract:
//
//	func mask(key uint32, b []byte) uint32
//
// It XORs b in place, b[i] with key octet i%4, and returns the key rotated so
// that octet len(b)%4 comes first: the key for the byte after b. Masking a
// payload in pieces therefore gives the same bytes as masking it whole:
//
//	k2 := mask(k, b[:n])
//	mask(k2, b[n:]) // same as mask(k, b)

// maskGeneric is the portable implementation of mask: the only one under
// purego or off amd64, and the one for short payloads on amd64.
//
// It works on 8-byte words with the key doubled to 64 bits; the key phase
// never changes inside the word loops. The last 1..8 bytes are not done one by
// one: the final word of b is loaded before anything is stored, XORed with the
// key in the phase of its offset, and stored last. Bytes it shares with the
// word loop are written twice with the same value, both computed from the
// original payload.
func maskGeneric(key uint32, b []byte) uint32 {
	n := len(b)
	// The key for offset n, and for every offset congruent to it modulo 4,
	// such as n-4 and n-8.
	next := bits.RotateLeft32(key, -8*(n&3))
	switch {
	case n < 4:
		if len(b) > 0 {
			b[0] ^= byte(key)
		}
		if len(b) > 1 {
			b[1] ^= byte(key >> 8)
		}
		if len(b) > 2 {
			b[2] ^= byte(key >> 16)
		}
		return next
	case n < 8:
		// The first and the last four bytes, which overlap for n < 8.
		first := binary.LittleEndian.Uint32(b)
		last := binary.LittleEndian.Uint32(b[n-4:])
		binary.LittleEndian.PutUint32(b, first^key)
		binary.LittleEndian.PutUint32(b[n-4:], last^next)
		return next
	case n <= 16:
		return maskWordPair(key, b)
	}

	last := binary.LittleEndian.Uint64(b[n-8:])
	k := uint64(key)<<32 | uint64(key)
	p := b
	for len(p) > 32 {
		w := p[:32:32]
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k)
		p = p[32:]
	}
	for len(p) > 8 {
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^k)
		p = p[8:]
	}
	// The 1..8 bytes left in p are the end of b.
	binary.LittleEndian.PutUint64(b[n-8:], last^(uint64(next)<<32|uint64(next)))
	return next
}

// maskWordPair is mask for 8 <= len(b) <= 16: the first and the last eight
// bytes, both loaded before either is stored, so where they overlap both
// stores write the same values. It is small enough to be inlined, which lets
// a dispatcher mask the commonest short frames without a further call.
func maskWordPair(key uint32, b []byte) uint32 {
	n := len(b)
	next := bits.RotateLeft32(key, -8*(n&3))
	first := binary.LittleEndian.Uint64(b)
	last := binary.LittleEndian.Uint64(b[n-8:])
	binary.LittleEndian.PutUint64(b, first^(uint64(key)<<32|uint64(key)))
	binary.LittleEndian.PutUint64(b[n-8:], last^(uint64(next)<<32|uint64(next)))
	return next
}

// maskKeyBuf is a run of random bytes handed out four at a time. off is the
// first byte not yet handed out.
type maskKeyBuf struct {
	off int
	b   [maskKeyBufSize]byte
}

// maskKeyBufSize is the number of random bytes fetched at once: 128 keys.
const maskKeyBufSize = 512

// maskKeyBufs holds buffers between calls. A buffer belongs to one goroutine
// from Get to Put, and off only grows until the buffer is refilled, so no
// bytes are ever handed out twice.
var maskKeyBufs = sync.Pool{
	New: func() any { return &maskKeyBuf{off: maskKeyBufSize} },
}

// newMaskKey returns a fresh masking key from crypto/rand. The random bytes
// are fetched in batches of 128 keys, so most frames cost no system call. It
// is safe for concurrent use.
func newMaskKey() uint32 {
	kb := maskKeyBufs.Get().(*maskKeyBuf)
	if kb.off > maskKeyBufSize-4 {
		// crypto/rand.Read never returns an error: it crashes the program
		// if the operating system cannot supply randomness.
		rand.Read(kb.b[:])
		kb.off = 0
	}
	key := binary.LittleEndian.Uint32(kb.b[kb.off:])
	kb.off += 4
	maskKeyBufs.Put(kb)
	return key
}
