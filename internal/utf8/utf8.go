// Package utf8 validates UTF-8 incrementally, for the payloads of WebSocket
// text messages.
//
// RFC 6455 §8.1 requires an endpoint that finds a text message is not valid
// UTF-8 (RFC 3629) to fail the connection; §7.4.1 assigns close status 1007
// to that case. A message may arrive in many frames, and a frame in many reads, so the check
// must run over pieces: a character may be split anywhere. [Validator] does
// that, and fails fast: it reports the stream invalid at the first byte after
// which no continuation could make it valid, so a connection is not kept open
// to read the rest of a message that is already lost. [Valid] checks a whole
// buffer at once.
//
// # Method
//
// The check is a deterministic finite automaton with nine states that follows
// the ABNF of RFC 3629 §4 exactly, including the narrowed second-byte ranges
// that exclude overlong forms (after 0xE0 and 0xF0), UTF-16 surrogates (after
// 0xED) and code points above U+10FFFF (after 0xF4). Every state other than
// the rejecting one can still reach the accepting one, which is what makes the
// automaton fail fast.
//
// The tables are written in dfa.go as a byte-class map and a state-by-class
// transition table. At start-up they are folded into one 64-bit row per byte
// value, holding the next state for every current state in a 6-bit field; a
// state is the bit offset of its own field, so one step is a load and a shift
// with no dependence on the previous step except through the shift count.
// Steps are unrolled 16 to a block. Whenever a block ends between characters,
// runs of ASCII are skipped 64 and then 16 bytes at a time by testing the top
// bit of every byte in 64-bit words.
package utf8

import "encoding/binary"

// Validator checks a byte stream, fed in pieces, for well-formed UTF-8. The
// zero value is ready to use. A Validator holds one byte of state and never
// allocates; it may be copied to fork the check of a stream. It is not safe
// for concurrent use.
type Validator struct {
	state uint8 // bit offset of the current state's field in a row
}

// asciiMask has the top bit of every byte in a word set: a word ANDed with it
// is zero exactly when all eight bytes are ASCII.
const asciiMask = 0x8080808080808080

// block is how many bytes run steps through, unrolled, between checks for the
// rejecting state and for a chance to take the ASCII fast path. The unrolled
// steps in run must match it.
const block = 16

// Feed consumes p and reports whether the stream is still possibly valid. It
// returns false at the first byte that makes the stream invalid, whatever
// comes after: a byte that can never appear (0xC0, 0xC1, 0xF5..0xFF), a
// continuation byte with no lead, a lead not followed by enough continuation
// bytes, or a sequence that can no longer complete validly, such as an
// overlong prefix (0xE0 0x80..0x9F, 0xF0 0x80..0x8F), a surrogate (0xED
// 0xA0..0xBF) or a prefix of a code point above U+10FFFF (0xF4 0x90..0xBF).
// Once Feed has returned false it returns false until [Validator.Reset].
//
// Feed returning true does not mean the stream so far is complete; see
// [Validator.Complete].
func (v *Validator) Feed(p []byte) bool {
	if v.state == reject {
		return false
	}
	s := run(uint64(v.state), p)
	v.state = uint8(s)
	return s != reject
}

// Complete reports whether everything fed so far is valid UTF-8 that ends on
// a character boundary. A WebSocket endpoint calls it when the final frame of
// a text message has been fed.
func (v *Validator) Complete() bool {
	return v.state == accept
}

// Reset makes v ready for a new stream, as the zero value is.
func (v *Validator) Reset() {
	v.state = accept
}

// Valid reports whether p is, whole, well-formed UTF-8.
func Valid(p []byte) bool {
	return run(accept, p) == accept
}

// run steps the automaton from state s through p and returns the state it
// ends in. It stops early, returning the rejecting state, once that state is
// reached, since no byte leaves it.
func run(s uint64, p []byte) uint64 {
	for len(p) >= block {
		if s == accept {
			// The strict comparisons leave p non-empty, which spares the
			// compiler from guarding each reslice against pointing past
			// the end of the array.
			for len(p) > 64 {
				q := (*[64]byte)(p)
				w := binary.LittleEndian.Uint64(q[0:]) | binary.LittleEndian.Uint64(q[8:]) |
					binary.LittleEndian.Uint64(q[16:]) | binary.LittleEndian.Uint64(q[24:]) |
					binary.LittleEndian.Uint64(q[32:]) | binary.LittleEndian.Uint64(q[40:]) |
					binary.LittleEndian.Uint64(q[48:]) | binary.LittleEndian.Uint64(q[56:])
				if w&asciiMask != 0 {
					break
				}
				p = p[64:]
			}
			if len(p) > 16 && (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[8:]))&asciiMask == 0 {
				p = p[16:]
				continue
			}
			if len(p) < block {
				break
			}
		}
		// A shift uses only the low six bits of its count, so the bits of s
		// above the next state's field need no clearing until the block
		// ends; the & 63 only tells the compiler so.
		q := (*[block]byte)(p)
		s = rows[q[0]] >> (s & 63)
		s = rows[q[1]] >> (s & 63)
		s = rows[q[2]] >> (s & 63)
		s = rows[q[3]] >> (s & 63)
		s = rows[q[4]] >> (s & 63)
		s = rows[q[5]] >> (s & 63)
		s = rows[q[6]] >> (s & 63)
		s = rows[q[7]] >> (s & 63)
		s = rows[q[8]] >> (s & 63)
		s = rows[q[9]] >> (s & 63)
		s = rows[q[10]] >> (s & 63)
		s = rows[q[11]] >> (s & 63)
		s = rows[q[12]] >> (s & 63)
		s = rows[q[13]] >> (s & 63)
		s = rows[q[14]] >> (s & 63)
		s = rows[q[15]] >> (s & 63)
		s &= 63
		if s == reject {
			return s
		}
		p = p[block:]
	}
	for _, b := range p {
		s = rows[b] >> (s & 63)
	}
	return s & 63
}
