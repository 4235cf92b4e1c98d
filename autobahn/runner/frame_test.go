package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// hexBits decodes a golden frame written as annotated hex groups: spaces
// separate fields and "#" starts a comment running to the end of the line.
func hexBits(t *testing.T, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatalf("bad golden %q: %v", s, err)
	}
	return b
}

var goldenFrames = []struct {
	name string
	f    frame
	wire string
}{
	{"RFC 6455 5.7 unmasked text", frame{fin: true, opcode: opText, payload: []byte("Hello")}, `
		81          # FIN, opcode 1
		05          # unmasked, length 5
		48656c6c6f  # "Hello"`},
	{"RFC 6455 5.7 masked text", frame{fin: true, opcode: opText, masked: true, key: [4]byte{0x37, 0xfa, 0x21, 0x3d}, payload: []byte("Hello")}, `
		81          # FIN, opcode 1
		85          # MASK, length 5
		37fa213d    # masking key
		7f9f4d5158  # "Hello" masked`},
	{"RFC 6455 5.7 first fragment", frame{opcode: opText, payload: []byte("Hel")}, `
		01 03 48656c`},
	{"RFC 6455 5.7 last fragment", frame{fin: true, opcode: opContinuation, payload: []byte("lo")}, `
		80 02 6c6f`},
	{"RFC 6455 5.7 masked pong", frame{fin: true, opcode: opPong, masked: true, key: [4]byte{0x37, 0xfa, 0x21, 0x3d}, payload: []byte("Hello")}, `
		8a 85 37fa213d 7f9f4d5158`},
	{"empty close", frame{fin: true, opcode: opClose}, `
		88 00`},
	{"RSV1 and RSV3 on text", frame{fin: true, rsv: 5, opcode: opText, payload: []byte("a")}, `
		d1          # FIN, RSV1, RSV3, opcode 1
		01 61`},
	{"reserved opcode 0xB", frame{fin: true, opcode: 0xB}, `
		8b 00`},
	{"125 octets still 7-bit", frame{fin: true, opcode: opBinary, payload: bytes.Repeat([]byte{0xfe}, 125)}, `
		82 7d` + strings.Repeat("fe", 125)},
	{"126 octets use 16-bit length", frame{fin: true, opcode: opBinary, payload: bytes.Repeat([]byte{0xfe}, 126)}, `
		82 7e 007e` + strings.Repeat("fe", 126)},
	{"65535 octets: largest 16-bit length", frame{fin: true, opcode: opBinary, payload: bytes.Repeat([]byte{0xfe}, 65535)}, `
		82 7e ffff` + strings.Repeat("fe", 65535)},
	{"65536 octets use 64-bit length", frame{fin: true, opcode: opBinary, payload: bytes.Repeat([]byte{0xfe}, 65536)}, `
		82 7f 0000000000010000` + strings.Repeat("fe", 65536)},
}

func TestAppendFrameGolden(t *testing.T) {
	for _, tc := range goldenFrames {
		t.Run(tc.name, func(t *testing.T) {
			want := hexBits(t, tc.wire)
			got := appendFrame(nil, tc.f)
			if !bytes.Equal(got, want) {
				t.Fatalf("appendFrame:\n got %x\nwant %x", got[:min(len(got), 32)], want[:min(len(want), 32)])
			}
		})
	}
}

func TestReadFrameGolden(t *testing.T) {
	for _, tc := range goldenFrames {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time, so every header field crosses a read boundary.
			r := bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(hexBits(t, tc.wire))), 16)
			got, err := readFrame(r, maxFramePayload)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.f
			if want.payload == nil {
				want.payload = []byte{}
			}
			if got.fin != want.fin || got.rsv != want.rsv || got.opcode != want.opcode ||
				got.masked != want.masked || got.key != want.key || !bytes.Equal(got.payload, want.payload) {
				t.Fatalf("readFrame = %+v, want %+v", got, want)
			}
			if _, err := readFrame(r, maxFramePayload); err != io.EOF {
				t.Fatalf("after the frame: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestAppendFrameDoesNotMaskCallersPayload(t *testing.T) {
	p := []byte("Hello")
	appendFrame(nil, frame{fin: true, opcode: opText, masked: true, key: [4]byte{1, 2, 3, 4}, payload: p})
	if string(p) != "Hello" {
		t.Fatalf("payload modified to %q", p)
	}
}

func TestReadFrameErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		wire  string
		limit int64
		want  error // nil: any non-nil error other than io.EOF
	}{
		{"empty stream is a clean EOF", ``, 100, io.EOF},
		{"header cut after first byte", `81`, 100, io.ErrUnexpectedEOF},
		{"16-bit length cut", `82 7e 00`, 100, io.ErrUnexpectedEOF},
		{"mask key cut", `81 85 37fa`, 100, io.ErrUnexpectedEOF},
		{"payload cut", `81 05 4865`, 100, io.ErrUnexpectedEOF},
		{"64-bit length with MSB set", `82 7f 8000000000000000`, 100, nil},
		{"declared length over the limit", `82 7e 0100`, 255, errFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFrame(bufio.NewReader(bytes.NewReader(hexBits(t, tc.wire))), tc.limit)
			switch {
			case tc.want == nil && (err == nil || err == io.EOF):
				t.Fatalf("err = %v, want a decoding error", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFragmentsHelper(t *testing.T) {
	fs := fragments(opText, []byte("abcdefg"), 3)
	var got []string
	for _, f := range fs {
		got = append(got, opcodeName(f.opcode)+":"+string(f.payload)+":"+map[bool]string{true: "fin", false: "more"}[f.fin])
	}
	want := "text:abc:more continuation:def:more continuation:g:fin"
	if strings.Join(got, " ") != want {
		t.Fatalf("fragments = %q, want %q", strings.Join(got, " "), want)
	}
	if fs := fragments(opText, nil, 1); len(fs) != 1 || !fs[0].fin || fs[0].opcode != opText {
		t.Fatalf("empty payload: %+v, want one final text frame", fs)
	}
}
