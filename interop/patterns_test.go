package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The payloads below must match peers/patterns.js and peers/patterns.py byte for byte.

// rep is a short text with 2-, 3- and 4-byte UTF-8 sequences (23 bytes).
const rep = "h\u00e9llo w\u00f6rld \u2713 \U0001F680 "

var (
	// fragMsg is the text a peer sends fragmented (23000 bytes).
	fragMsg = strings.Repeat(rep, 1000)
	// fragMsg3 is the text Hayate sends fragmented.
	fragMsg3 = strings.Repeat(fragMsg, 3)
)

// ciao is the reason of the client's close: it has a 3-byte UTF-8 sequence.
const ciao = "ciao \u2713"

// fragmentEcho starts a text message that the peers of the compression tests echo in
// three frames.
const fragmentEcho = "fragment-echo:"

// shortSHA is the first 16 hex digits of the SHA-256 of p, as the peers report it.
func shortSHA(p []byte) string {
	h := sha256.Sum256(p)
	return hex.EncodeToString(h[:8])
}

// echoSizes are the payload lengths around the frame length encodings of RFC 6455 §5.2.
var echoSizes = []int{0, 16, 125, 126, 65535, 65536}

// largeSize is just over Hayate's default read limit of 1 MiB.
const largeSize = 1<<20 + 1

// pattern returns the n-byte payload of a text (ASCII a-z) or binary message.
func pattern(binary bool, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		if binary {
			b[i] = byte(i*7 + n)
		} else {
			b[i] = 'a' + byte((i*7+n)%26)
		}
	}
	return b
}

// classify names a received message: "pattern", "rep", "F", "F3" or "other".
func classify(binary bool, p []byte) string {
	switch {
	case bytes.Equal(p, pattern(binary, len(p))):
		return "pattern"
	case binary:
		return "other"
	case string(p) == rep:
		return "rep"
	case string(p) == fragMsg:
		return "F"
	case string(p) == fragMsg3:
		return "F3"
	}
	return "other"
}

// fragParts cuts s in three, inside multi-byte UTF-8 sequences when s is fragMsg or
// fragMsg3: after byte 2 (inside "é") and before the last 3 bytes (inside the rocket).
func fragParts(s string) [][]byte {
	b := []byte(s)
	n := len(b)
	return [][]byte{b[:2], b[2 : n-3], b[n-3:]}
}

func typeName(binary bool) string {
	if binary {
		return "binary"
	}
	return "text"
}
