package websocket

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// frameBits turns annotated bit groups into bytes. Each group holds whole bytes written as
// 0s and 1s; spaces only separate the fields for the reader.
func frameBits(t testing.TB, groups ...string) []byte {
	t.Helper()
	var out []byte
	for _, g := range groups {
		s := strings.ReplaceAll(g, " ", "")
		if len(s)%8 != 0 {
			t.Fatalf("bit group %q is not a whole number of bytes", g)
		}
		for i := 0; i < len(s); i += 8 {
			v, err := strconv.ParseUint(s[i:i+8], 2, 8)
			if err != nil {
				t.Fatalf("bit group %q: %v", g, err)
			}
			out = append(out, byte(v))
		}
	}
	return out
}

// frameGolden is a frame header as it appears on the wire next to its decoded form.
type frameGolden struct {
	name string
	bits []string
	h    header
}

// frameGoldens are minimal encodings: appendHeader must produce exactly these bytes.
var frameGoldens = []frameGolden{
	{"text unmasked empty", []string{
		"1 000 0001", // FIN, RSV=000, opcode 0x1 text
		"0 0000000",  // MASK=0, length 0
	}, header{fin: true, op: opText}},
	{"text masked 5 (RFC 6455 §5.7 masked Hello)", []string{
		"1 000 0001", // FIN, RSV=000, text
		"1 0000101",  // MASK=1, length 5
		"0011 0111",  // key octet 0: 0x37
		"1111 1010",  // key octet 1: 0xfa
		"0010 0001",  // key octet 2: 0x21
		"0011 1101",  // key octet 3: 0x3d
	}, header{fin: true, op: opText, masked: true, key: 0x3d21fa37, length: 5}},
	{"binary first fragment", []string{
		"0 000 0010", // no FIN, RSV=000, opcode 0x2 binary
		"0 0000011",  // MASK=0, length 3
	}, header{op: opBinary, length: 3}},
	{"continuation final 125", []string{
		"1 000 0000", // FIN, RSV=000, opcode 0x0 continuation
		"0 1111101",  // MASK=0, length 125: the largest 7-bit length
	}, header{fin: true, op: opContinuation, length: 125}},
	{"continuation middle masked", []string{
		"0 000 0000", // no FIN, continuation
		"1 0000001",  // MASK=1, length 1
		"0000 0001",  // key 0x01
		"0000 0010",  // key 0x02
		"0000 0011",  // key 0x03
		"0000 0100",  // key 0x04
	}, header{op: opContinuation, masked: true, key: 0x04030201, length: 1}},
	{"close masked 2", []string{
		"1 000 1000", // FIN, RSV=000, opcode 0x8 close
		"1 0000010",  // MASK=1, length 2 (status code only)
		"1111 1111",  // key 0xff
		"0000 0000",  // key 0x00
		"1010 1010",  // key 0xaa
		"0101 0101",  // key 0x55
	}, header{fin: true, op: opClose, masked: true, key: 0x55aa00ff, length: 2}},
	{"close unmasked empty", []string{
		"1 000 1000", // FIN, close
		"0 0000000",  // length 0: no status code
	}, header{fin: true, op: opClose}},
	{"ping unmasked 5 (RFC 6455 §5.7)", []string{
		"1 000 1001", // FIN, RSV=000, opcode 0x9 ping
		"0 0000101",  // MASK=0, length 5
	}, header{fin: true, op: opPing, length: 5}},
	{"pong masked 5 (RFC 6455 §5.7)", []string{
		"1 000 1010", // FIN, RSV=000, opcode 0xA pong
		"1 0000101",  // MASK=1, length 5
		"0011 0111",  // key 0x37
		"1111 1010",  // key 0xfa
		"0010 0001",  // key 0x21
		"0011 1101",  // key 0x3d
	}, header{fin: true, op: opPong, masked: true, key: 0x3d21fa37, length: 5}},
	{"pong unmasked 125", []string{
		"1 000 1010", // FIN, pong
		"0 1111101",  // length 125: the largest control payload
	}, header{fin: true, op: opPong, length: 125}},
	{"text RSV1 (permessage-deflate)", []string{
		"1 100 0001", // FIN, RSV1, text
		"0 0000111",  // MASK=0, length 7
	}, header{fin: true, rsv: rsv1, op: opText, length: 7}},
	{"binary RSV2", []string{
		"1 010 0010", // FIN, RSV2, binary
		"0 0000000",  // length 0
	}, header{fin: true, rsv: rsv2, op: opBinary}},
	{"binary RSV3 masked", []string{
		"1 001 0010", // FIN, RSV3, binary
		"1 0000000",  // MASK=1, length 0
		"0000 0000",  // key 0x00
		"0000 0000",  // key 0x00
		"0000 0000",  // key 0x00
		"1000 0000",  // key 0x80
	}, header{fin: true, rsv: rsv3, op: opBinary, masked: true, key: 0x80000000}},
	{"text all RSV no FIN", []string{
		"0 111 0001", // no FIN, RSV1+RSV2+RSV3, text
		"0 0001010",  // length 10
	}, header{rsv: rsvMask, op: opText, length: 10}},
	{"reserved data opcode 0x3", []string{
		"1 000 0011", // FIN, opcode 0x3 (reserved): the codec carries it, check rejects it
		"0 0000000",  // length 0
	}, header{fin: true, op: 0x3}},
	{"reserved control opcode 0xB", []string{
		"1 000 1011", // FIN, opcode 0xB (reserved control)
		"0 0000001",  // length 1
	}, header{fin: true, op: 0xB, length: 1}},
	{"reserved opcode 0xF", []string{
		"0 000 1111", // no FIN, opcode 0xF
		"0 0000000",  // length 0
	}, header{op: 0xF}},
	{"length 126: first 16-bit length", []string{
		"1 000 0010",        // FIN, binary
		"0 1111110",         // MASK=0, length field 126: 16-bit length follows
		"00000000 01111110", // 126
	}, header{fin: true, op: opBinary, length: 126}},
	{"length 127 in 16 bits", []string{
		"1 000 0010",        // FIN, binary
		"0 1111110",         // 16-bit length follows
		"00000000 01111111", // 127
	}, header{fin: true, op: opBinary, length: 127}},
	{"length 256 (RFC 6455 §5.7)", []string{
		"1 000 0010",        // FIN, binary
		"0 1111110",         // 16-bit length follows
		"00000001 00000000", // 256
	}, header{fin: true, op: opBinary, length: 256}},
	{"length 65535: last 16-bit length, masked", []string{
		"1 000 0001",        // FIN, text
		"1 1111110",         // MASK=1, 16-bit length follows
		"11111111 11111111", // 65535
		"1101 1110",         // key 0xde
		"1010 1101",         // key 0xad
		"1011 1110",         // key 0xbe
		"1110 1111",         // key 0xef
	}, header{fin: true, op: opText, masked: true, key: 0xefbeadde, length: 65535}},
	{"length 65536: first 64-bit length (RFC 6455 §5.7)", []string{
		"1 000 0010",                          // FIN, binary
		"0 1111111",                           // MASK=0, length field 127: 64-bit length follows
		"00000000 00000000 00000000 00000000", // high 32 bits
		"00000000 00000001 00000000 00000000", // low 32 bits: 65536
	}, header{fin: true, op: opBinary, length: 65536}},
	{"length 5000000000 masked", []string{
		"0 000 0010",                          // no FIN, binary
		"1 1111111",                           // MASK=1, 64-bit length follows
		"00000000 00000000 00000000 00000001", // high 32 bits: 1
		"00101010 00000101 11110010 00000000", // low 32 bits: 0x2A05F200
		"0000 0001",                           // key 0x01
		"0010 0011",                           // key 0x23
		"0100 0101",                           // key 0x45
		"0110 0111",                           // key 0x67
	}, header{op: opBinary, masked: true, key: 0x67452301, length: 5_000_000_000}},
	{"largest 63-bit length", []string{
		"1 000 0000",                          // FIN, continuation
		"0 1111111",                           // 64-bit length follows
		"01111111 11111111 11111111 11111111", // most significant bit clear
		"11111111 11111111 11111111 11111111", // 2^63-1
	}, header{fin: true, op: opContinuation, length: 1<<63 - 1}},
}

func TestFrameAppendHeader(t *testing.T) {
	for _, tc := range frameGoldens {
		t.Run(tc.name, func(t *testing.T) {
			want := frameBits(t, tc.bits...)
			if got := appendHeader(nil, tc.h); !bytes.Equal(got, want) {
				t.Errorf("appendHeader(%+v)\n got % x\nwant % x", tc.h, got, want)
			}
			prefix := []byte("prefix")
			got := appendHeader(prefix[:len(prefix):len(prefix)], tc.h)
			if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len(prefix):], want) {
				t.Errorf("appendHeader after a prefix = % x", got)
			}
			if len(want) > maxHeaderSize {
				t.Errorf("golden header of %d bytes exceeds maxHeaderSize", len(want))
			}
		})
	}
}

func TestFrameDecodeHeader(t *testing.T) {
	for _, tc := range frameGoldens {
		t.Run(tc.name, func(t *testing.T) {
			b := frameBits(t, tc.bits...)
			if n := headerLen(b[0], b[1]); n != len(b) {
				t.Fatalf("headerLen = %d, want %d", n, len(b))
			}
			h, err := decodeHeader(b)
			if err != nil {
				t.Fatalf("decodeHeader: %v", err)
			}
			if h != tc.h {
				t.Errorf("decodeHeader = %+v, want %+v", h, tc.h)
			}
			// decodeHeader reads only the header: trailing payload bytes change nothing.
			h2, err := decodeHeader(append(b, 0xff, 0xff, 0xff, 0xff))
			if err != nil || h2 != tc.h {
				t.Errorf("decodeHeader with trailing bytes = %+v, %v", h2, err)
			}
		})
	}
}

// TestFrameDecodeNonMinimal checks that lengths in a longer form than needed are accepted
// on read and written back in the minimal form.
func TestFrameDecodeNonMinimal(t *testing.T) {
	tests := []struct {
		name    string
		bits    []string
		length  int64
		minimal []string
	}{
		{"5 in 16 bits", []string{
			"1 000 0010",        // FIN, binary
			"0 1111110",         // 16-bit length follows
			"00000000 00000101", // 5
		}, 5, []string{"1 000 0010", "0 0000101"}},
		{"125 in 64 bits", []string{
			"1 000 0010",                          // FIN, binary
			"0 1111111",                           // 64-bit length follows
			"00000000 00000000 00000000 00000000", // high
			"00000000 00000000 00000000 01111101", // 125
		}, 125, []string{"1 000 0010", "0 1111101"}},
		{"65535 in 64 bits", []string{
			"1 000 0010",                          // FIN, binary
			"0 1111111",                           // 64-bit length follows
			"00000000 00000000 00000000 00000000", // high
			"00000000 00000000 11111111 11111111", // 65535
		}, 65535, []string{"1 000 0010", "0 1111110", "11111111 11111111"}},
		{"0 in 16 bits", []string{
			"1 000 0001",        // FIN, text
			"0 1111110",         // 16-bit length follows
			"00000000 00000000", // 0
		}, 0, []string{"1 000 0001", "0 0000000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := decodeHeader(frameBits(t, tc.bits...))
			if err != nil {
				t.Fatalf("decodeHeader: %v", err)
			}
			if h.length != tc.length {
				t.Errorf("length = %d, want %d", h.length, tc.length)
			}
			want := frameBits(t, tc.minimal...)
			if got := appendHeader(nil, h); !bytes.Equal(got, want) {
				t.Errorf("re-encoded % x, want minimal % x", got, want)
			}
		})
	}
}

func TestFrameDecodeLengthMSB(t *testing.T) {
	tests := []struct {
		name string
		bits []string
	}{
		{"2^63", []string{
			"1 000 0010",                          // FIN, binary
			"0 1111111",                           // 64-bit length follows
			"10000000 00000000 00000000 00000000", // most significant bit set
			"00000000 00000000 00000000 00000000",
		}},
		{"all ones masked", []string{
			"1 000 0010",                          // FIN, binary
			"1 1111111",                           // MASK=1, 64-bit length follows
			"11111111 11111111 11111111 11111111", // most significant bit set
			"11111111 11111111 11111111 11111111",
			"00000000 00000000 00000000 00000000", // key
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := frameBits(t, tc.bits...)
			if _, err := decodeHeader(b); err != errLengthTooLarge {
				t.Errorf("decodeHeader error = %v, want errLengthTooLarge", err)
			}
			var buf [maxHeaderSize]byte
			if _, err := readHeader(bytes.NewReader(b), &buf); err != errLengthTooLarge {
				t.Errorf("readHeader error = %v, want errLengthTooLarge", err)
			}
			var pe *protocolError
			if !errors.As(errLengthTooLarge, &pe) || pe.code != StatusProtocolError {
				t.Errorf("errLengthTooLarge is not a 1002 protocol error")
			}
		})
	}
}

func TestFrameHeaderLen(t *testing.T) {
	tests := []struct {
		b1   byte
		want int
	}{
		{0x00, 2}, {0x7d, 2}, {0x7e, 4}, {0x7f, 10},
		{0x80, 6}, {0xfd, 6}, {0xfe, 8}, {0xff, 14},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%#02x", tc.b1), func(t *testing.T) {
			for b0 := 0; b0 < 256; b0++ { // the first byte never changes the size
				if got := headerLen(byte(b0), tc.b1); got != tc.want {
					t.Fatalf("headerLen(%#02x, %#02x) = %d, want %d", b0, tc.b1, got, tc.want)
				}
			}
		})
	}
}

func TestFrameOpcodeClasses(t *testing.T) {
	for op := opcode(0); op < 16; op++ {
		wantControl := op >= 8
		wantKnown := op <= 2 || (op >= 8 && op <= 0xA)
		if op.isControl() != wantControl {
			t.Errorf("opcode %#x isControl = %v", byte(op), op.isControl())
		}
		if op.isKnown() != wantKnown {
			t.Errorf("opcode %#x isKnown = %v", byte(op), op.isKnown())
		}
	}
}

// frameReaders wrap a reader the ways testing/iotest offers, so that readHeader is tried
// against short reads and data arriving with the error.
var frameReaders = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"plain", func(r io.Reader) io.Reader { return r }},
	{"OneByteReader", iotest.OneByteReader},
	{"HalfReader", iotest.HalfReader},
	{"DataErrReader", iotest.DataErrReader},
	{"DataErrReader(OneByteReader)", func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) }},
}

func TestFrameReadHeader(t *testing.T) {
	trailer := []byte("payload")
	for _, tc := range frameGoldens {
		for _, rd := range frameReaders {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				b := append(frameBits(t, tc.bits...), trailer...)
				r := rd.wrap(bytes.NewReader(b))
				var buf [maxHeaderSize]byte
				h, err := readHeader(r, &buf)
				if err != nil {
					t.Fatalf("readHeader: %v", err)
				}
				if h != tc.h {
					t.Errorf("readHeader = %+v, want %+v", h, tc.h)
				}
				// readHeader must stop at the end of the header.
				rest, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(rest, trailer) {
					t.Errorf("after the header the reader holds %q, %v; want %q", rest, err, trailer)
				}
			})
		}
	}
}

func TestFrameReadHeaderTimeout(t *testing.T) {
	for _, tc := range frameGoldens {
		t.Run(tc.name, func(t *testing.T) {
			b := frameBits(t, tc.bits...)
			var buf [maxHeaderSize]byte

			// TimeoutReader fails the second read: a header longer than the two bytes
			// of the first ReadFull cannot be completed.
			h, err := readHeader(iotest.TimeoutReader(bytes.NewReader(b)), &buf)
			if len(b) == 2 {
				if err != nil || h != tc.h {
					t.Errorf("2-byte header: readHeader = %+v, %v", h, err)
				}
			} else if !errors.Is(err, iotest.ErrTimeout) {
				t.Errorf("readHeader error = %v, want iotest.ErrTimeout", err)
			}

			// One byte at a time, the second read is inside the first two bytes.
			_, err = readHeader(iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(b))), &buf)
			if !errors.Is(err, iotest.ErrTimeout) {
				t.Errorf("one byte at a time: readHeader error = %v, want iotest.ErrTimeout", err)
			}
		})
	}
}

func TestFrameReadHeaderTruncated(t *testing.T) {
	for _, tc := range frameGoldens {
		for _, rd := range frameReaders {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				b := frameBits(t, tc.bits...)
				var buf [maxHeaderSize]byte
				if _, err := readHeader(rd.wrap(bytes.NewReader(nil)), &buf); err != io.EOF {
					t.Errorf("empty input: error = %v, want io.EOF", err)
				}
				for n := 1; n < len(b); n++ {
					_, err := readHeader(rd.wrap(bytes.NewReader(b[:n])), &buf)
					if err != io.ErrUnexpectedEOF {
						t.Errorf("header cut after %d of %d bytes: error = %v, want io.ErrUnexpectedEOF", n, len(b), err)
					}
				}
			})
		}
	}
}

func TestFrameReadHeaderReaderError(t *testing.T) {
	errBoom := errors.New("boom")
	var buf [maxHeaderSize]byte
	if _, err := readHeader(iotest.ErrReader(errBoom), &buf); err != errBoom {
		t.Errorf("readHeader error = %v, want the reader's error", err)
	}
	// An error after a partial header is passed on as it is.
	r := io.MultiReader(bytes.NewReader([]byte{0x82, 0x7e, 0x01}), iotest.ErrReader(errBoom))
	if _, err := readHeader(r, &buf); err != errBoom {
		t.Errorf("readHeader error after partial header = %v, want the reader's error", err)
	}
}

func TestFrameHeaderAllocs(t *testing.T) {
	b := frameBits(t, frameGoldens[len(frameGoldens)-3].bits...) // 64-bit length, masked
	r := bytes.NewReader(b)
	var buf [maxHeaderSize]byte
	out := make([]byte, 0, maxHeaderSize)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(b)
		h, err := readHeader(r, &buf)
		if err != nil {
			panic(err)
		}
		out = appendHeader(out[:0], h)
		_ = h.check(true, 0)
	})
	if allocs != 0 {
		t.Errorf("readHeader+appendHeader+check allocate %v times per header, want 0", allocs)
	}
}

func TestFrameHeaderCheck(t *testing.T) {
	type tcase struct {
		name       string
		h          header
		fromClient bool
		allowedRSV byte
		want       error
	}
	data := func(op opcode, fin bool) header { return header{fin: fin, op: op, masked: true, length: 10} }
	tests := []tcase{
		// Valid frames, both roles.
		{"text from client", data(opText, true), true, 0, nil},
		{"binary from client", data(opBinary, true), true, 0, nil},
		{"continuation from client", data(opContinuation, false), true, 0, nil},
		{"text from server", header{fin: true, op: opText, length: 10}, false, 0, nil},
		{"close from client", header{fin: true, op: opClose, masked: true, length: 2}, true, 0, nil},
		{"ping from server", header{fin: true, op: opPing}, false, 0, nil},
		{"pong 125 from client", header{fin: true, op: opPong, masked: true, length: 125}, true, 0, nil},
		{"huge data frame", header{fin: true, op: opBinary, length: 1<<63 - 1}, false, 0, nil},

		// RSV bits.
		{"RSV1 without extension", header{fin: true, rsv: rsv1, op: opText, masked: true}, true, 0, errReservedBits},
		{"RSV2 without extension", header{fin: true, rsv: rsv2, op: opBinary}, false, 0, errReservedBits},
		{"RSV3 without extension", header{fin: true, rsv: rsv3, op: opBinary}, false, 0, errReservedBits},
		{"RSV1 with RSV1 allowed", header{fin: true, rsv: rsv1, op: opText, masked: true}, true, rsv1, nil},
		{"RSV1 on unfinished first frame", header{rsv: rsv1, op: opBinary}, false, rsv1, nil},
		{"RSV2 with RSV1 allowed", header{fin: true, rsv: rsv2, op: opText, masked: true}, true, rsv1, errReservedBits},
		{"RSV1+RSV3 with RSV1 allowed", header{fin: true, rsv: rsv1 | rsv3, op: opText}, false, rsv1, errReservedBits},
		{"all RSV with all allowed", header{fin: true, rsv: rsvMask, op: opText}, false, rsvMask, nil},
		{"RSV1 on continuation, RSV1 allowed", header{fin: true, rsv: rsv1, op: opContinuation, masked: true}, true, rsv1, errReservedBits},
		{"RSV1 on ping, RSV1 allowed", header{fin: true, rsv: rsv1, op: opPing}, false, rsv1, errReservedBits},
		{"RSV1 on close, RSV1 allowed", header{fin: true, rsv: rsv1, op: opClose, masked: true}, true, rsv1, errReservedBits},
		{"RSV3 on pong", header{fin: true, rsv: rsv3, op: opPong}, false, 0, errReservedBits},

		// Control frames.
		{"ping 126", header{fin: true, op: opPing, length: 126}, false, 0, errControlTooLong},
		{"close 126 from client", header{fin: true, op: opClose, masked: true, length: 126}, true, 0, errControlTooLong},
		{"pong 65536", header{fin: true, op: opPong, length: 65536}, false, 0, errControlTooLong},
		{"ping not FIN", header{op: opPing}, false, 0, errControlFragmented},
		{"close not FIN", header{op: opClose, masked: true, length: 2}, true, 0, errControlFragmented},
		{"pong not FIN", header{op: opPong, masked: true}, true, 0, errControlFragmented},

		// Masking by role (RFC 6455 §5.1).
		{"unmasked text from client", header{fin: true, op: opText}, true, 0, errUnmaskedFromClient},
		{"unmasked close from client", header{fin: true, op: opClose}, true, 0, errUnmaskedFromClient},
		{"masked text from server", header{fin: true, op: opText, masked: true}, false, 0, errMaskedFromServer},
		{"masked pong from server", header{fin: true, op: opPong, masked: true}, false, 0, errMaskedFromServer},
	}
	for _, op := range []opcode{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF} {
		tests = append(tests,
			tcase{fmt.Sprintf("reserved opcode %#x from client", byte(op)), header{fin: true, op: op, masked: true}, true, 0, errReservedOpcode},
			tcase{fmt.Sprintf("reserved opcode %#x from server", byte(op)), header{fin: true, op: op}, false, rsvMask, errReservedOpcode},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			err := h.check(tc.fromClient, tc.allowedRSV)
			if err != tc.want {
				t.Fatalf("check(fromClient=%v, allowedRSV=%#x) = %v, want %v", tc.fromClient, tc.allowedRSV, err, tc.want)
			}
			if h != tc.h {
				t.Errorf("check modified the header: %+v", h)
			}
			if err == nil {
				return
			}
			var pe *protocolError
			if !errors.As(err, &pe) || pe.code != StatusProtocolError {
				t.Errorf("error %v is not a protocol error with status 1002", err)
			}
			if !strings.HasPrefix(err.Error(), "websocket: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestFrameHeaderCheckManyFaults checks that a frame breaking several rules is refused with
// a 1002 protocol error, whichever rule is reported.
func TestFrameHeaderCheckManyFaults(t *testing.T) {
	tests := []struct {
		name       string
		h          header
		fromClient bool
	}{
		{"reserved opcode with RSV, unmasked from client", header{rsv: rsvMask, op: 0x7, length: 200}, true},
		{"fragmented oversized ping with RSV", header{rsv: rsv1, op: opPing, length: 126, masked: true}, false},
		{"fragmented oversized close, masked from server", header{op: opClose, length: 300, masked: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.check(tc.fromClient, 0)
			var pe *protocolError
			if !errors.As(err, &pe) || pe.code != StatusProtocolError {
				t.Errorf("check = %v, want a 1002 protocol error", err)
			}
		})
	}
}

func TestFrameCheckSequence(t *testing.T) {
	tests := []struct {
		op        opcode
		inMessage bool
		want      error
	}{
		{opContinuation, false, errNothingToContinue},
		{opContinuation, true, nil},
		{opText, false, nil},
		{opText, true, errExpectContinuation},
		{opBinary, false, nil},
		{opBinary, true, errExpectContinuation},
		// Control frames may come between the fragments of a message (§5.4).
		{opClose, false, nil},
		{opClose, true, nil},
		{opPing, false, nil},
		{opPing, true, nil},
		{opPong, false, nil},
		{opPong, true, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("op=%#x/inMessage=%v", byte(tc.op), tc.inMessage), func(t *testing.T) {
			err := checkSequence(tc.op, tc.inMessage)
			if err != tc.want {
				t.Fatalf("checkSequence = %v, want %v", err, tc.want)
			}
			var pe *protocolError
			if err != nil && (!errors.As(err, &pe) || pe.code != StatusProtocolError) {
				t.Errorf("error %v is not a 1002 protocol error", err)
			}
		})
	}
}

// frameHeaderIsMinimal reports whether the length of the encoded header b is in its
// shortest form.
func frameHeaderIsMinimal(b []byte, h header) bool {
	switch b[1] & 0x7f {
	case 126:
		return h.length > 125
	case 127:
		return h.length > 0xffff
	}
	return true
}

func FuzzFrameHeader(f *testing.F) {
	for _, g := range frameGoldens {
		f.Add(frameBits(f, g.bits...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var buf [maxHeaderSize]byte
		h, err := readHeader(bytes.NewReader(data), &buf)
		h1, err1 := readHeader(iotest.OneByteReader(bytes.NewReader(data)), &buf)
		if h != h1 || err != err1 {
			t.Fatalf("one byte at a time: %+v, %v; whole: %+v, %v", h1, err1, h, err)
		}
		if err != nil {
			var want error
			switch {
			case len(data) == 0:
				want = io.EOF
			case len(data) < 2 || len(data) < headerLen(data[0], data[1]):
				want = io.ErrUnexpectedEOF
			case data[1]&0x7f == 127 && data[2]&0x80 != 0:
				want = errLengthTooLarge
			}
			if err != want {
				t.Fatalf("readHeader(% x) error = %v, want %v", data, err, want)
			}
			return
		}
		n := headerLen(data[0], data[1])
		if h.length < 0 || h.op > 0xf || h.rsv&^rsvMask != 0 || (!h.masked && h.key != 0) {
			t.Fatalf("decoded header out of range: %+v", h)
		}
		enc := appendHeader(nil, h)
		if len(enc) > n || len(enc) > maxHeaderSize {
			t.Fatalf("re-encoding % x of %d bytes is longer than the %d-byte input", enc, len(enc), n)
		}
		if frameHeaderIsMinimal(data, h) && !bytes.Equal(enc, data[:n]) {
			t.Fatalf("minimal header % x re-encoded as % x", data[:n], enc)
		}
		h2, err := decodeHeader(enc)
		if err != nil || h2 != h {
			t.Fatalf("round trip: % x decodes to %+v, %v; want %+v", enc, h2, err, h)
		}
		for _, fromClient := range []bool{false, true} {
			for _, rsv := range []byte{0, rsv1, rsvMask} {
				if err := h.check(fromClient, rsv); err != nil {
					var pe *protocolError
					if !errors.As(err, &pe) || pe.code != StatusProtocolError {
						t.Fatalf("check error %v is not a 1002 protocol error", err)
					}
				}
			}
		}
	})
}

// Seed corpora under testdata/fuzz are encoder output, written by TestWriteFuzzSeeds.
// Regenerate them with:
//
//	HAYATE_WRITE_FUZZ_SEEDS=1 go test -run '^TestWriteFuzzSeeds$' .
const fuzzSeedsEnv = "HAYATE_WRITE_FUZZ_SEEDS"

// fuzzSeed is one seed corpus file: its name and the fuzz target's arguments.
type fuzzSeed struct {
	name string
	args []any
}

// writeFuzzSeeds writes seeds in the format of the go command's corpus files.
func writeFuzzSeeds(t *testing.T, target string, seeds []fuzzSeed) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range s.args {
			switch v := a.(type) {
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", v)
			case byte:
				fmt.Fprintf(&b, "byte(%q)\n", v)
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case string:
				fmt.Fprintf(&b, "string(%q)\n", v)
			default:
				t.Fatalf("seed %s: unsupported argument type %T", s.name, a)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func frameHeaderSeeds(t *testing.T) []fuzzSeed {
	var seeds []fuzzSeed
	for i, g := range frameGoldens {
		h := g.h
		seeds = append(seeds, fuzzSeed{fmt.Sprintf("golden-%02d", i), []any{appendHeader(nil, h)}})
	}
	// Encoder output followed by payload bytes, as a header arrives on the wire.
	h := header{fin: true, op: opText, masked: true, key: 0x3d21fa37, length: 5}
	seeds = append(seeds, fuzzSeed{"with-payload", []any{append(appendHeader(nil, h), 0x7f, 0x9f, 0x4d, 0x51, 0x58)}})
	// A header whose 64-bit length has the top bit set, made by corrupting encoder output.
	big := appendHeader(nil, header{fin: true, op: opBinary, length: 1 << 62})
	big[2] |= 0x80
	seeds = append(seeds, fuzzSeed{"length-msb", []any{big}})
	return seeds
}

func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv(fuzzSeedsEnv) == "" {
		t.Skip("set " + fuzzSeedsEnv + "=1 to regenerate the seed corpora under testdata/fuzz")
	}
	writeFuzzSeeds(t, "FuzzFrameHeader", frameHeaderSeeds(t))
	writeFuzzSeeds(t, "FuzzClosePayload", closePayloadSeeds())
	writeFuzzSeeds(t, "FuzzHandshakeRequest", handshakeRequestSeeds(t))
	writeFuzzSeeds(t, "FuzzHandshakeResponse", handshakeResponseSeeds(t))
}
