package inflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// deflateMsg compresses msg the way permessage-deflate frames it: a sync
// flush with its 0x00 0x00 0xff 0xff tail removed.
func deflateMsg(t testing.TB, level int, dict, msg []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriterDict(&b, level, dict)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// TestInflateMatchesFlate decodes compress/flate's output at every level,
// with and without history, and compares with the input.
func TestInflateMatchesFlate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 40000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	inputs := map[string][]byte{
		"empty":   {},
		"one":     {'x'},
		"json":    genJSON(40000),
		"german":  genGerman(20000),
		"bitmap":  genBitmap()[:40000],
		"random":  random,
		"pattern": binPattern(40000),
		"runs":    bytes.Repeat([]byte{0}, 70000),
	}
	hist := genHTML(8 << 10)
	for name, in := range inputs {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, 5, flate.BestCompression} {
			for _, dict := range [][]byte{nil, hist} {
				wire := deflateMsg(t, level, dict, in)
				res, err := Message(dict, wire, 1<<20)
				if err != nil {
					t.Fatalf("%s, level %d, history %d: %v", name, level, len(dict), err)
				}
				if !bytes.Equal(res.Out, in) {
					t.Fatalf("%s, level %d, history %d: decoded %d octets that differ from the %d sent", name, level, len(dict), len(res.Out), len(in))
				}
				if level == flate.HuffmanOnly && res.MaxDist != 0 {
					t.Fatalf("%s: Huffman-only data has a match of distance %d", name, res.MaxDist)
				}
			}
		}
	}
}

func TestInflateDistances(t *testing.T) {
	msg := bytes.Repeat([]byte("abc"), 100)
	res, err := Message(nil, deflateMsg(t, flate.BestCompression, nil, msg), 1<<20)
	if err != nil || res.MaxDist != 3 {
		t.Fatalf("repeated \"abc\": max distance %d, error %v; want 3", res.MaxDist, err)
	}
	// A message that refers to the history decodes with it and fails without.
	hist := genJSON(4000)
	wire := deflateMsg(t, flate.BestCompression, hist, hist[1000:3000])
	res, err = Message(hist, wire, 1<<20)
	if err != nil || !bytes.Equal(res.Out, hist[1000:3000]) {
		t.Fatalf("with history: %v", err)
	}
	if res.MaxDist < 1000 {
		t.Fatalf("with history: max distance %d, want it to reach into the history", res.MaxDist)
	}
	if _, err := Message(nil, wire, 1<<20); err == nil {
		t.Fatal("a match into missing history was accepted")
	}
}

func TestInflateLimit(t *testing.T) {
	msg := bytes.Repeat([]byte{'a'}, 10000)
	for _, level := range []int{flate.NoCompression, flate.BestSpeed} {
		if _, err := Message(nil, deflateMsg(t, level, nil, msg), 9999); err == nil {
			t.Errorf("level %d: inflating past the limit succeeded", level)
		}
		if _, err := Message(nil, deflateMsg(t, level, nil, msg), 10000); err != nil {
			t.Errorf("level %d: inflating up to the limit: %v", level, err)
		}
	}
}

// TestInflateGarbage feeds damaged streams: errors are fine, panics are not.
func TestInflateGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	good := deflateMsg(t, flate.BestCompression, nil, genGerman(5000))
	for i := range 1000 {
		b := bytes.Clone(good)
		switch i % 3 {
		case 0:
			b = b[:r.IntN(len(b))]
		case 1:
			for range 1 + r.IntN(4) {
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			}
		default:
			b = make([]byte, r.IntN(64))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
		}
		_, _ = Message(nil, b, 1<<20)
	}
	for _, b := range [][]byte{{0x07}, {0x06}, {0x01, 0x05, 0x00, 0xfb, 0xff}, {0x01, 0x05, 0x00, 0xfa, 0xff}} {
		if _, err := Message(nil, b, 1<<20); err == nil {
			t.Errorf("%x: decoded without error", b)
		}
	}
}

// The test inputs: compressible, barely compressible and repetitive data of the kinds
// the runner sends, made here so that the package stands alone.

func genJSON(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"user":"user%03d","score":%d.%d,"tags":["a%d","b%d"]},`, i, i%977, i*7919%10007, i%10, i%13, i%29)
	}
	return b.Bytes()[:n]
}

func genGerman(n int) []byte {
	words := strings.Fields("der die das und ist nicht ein eine zu den mit sich auf für Straße Größe über schön")
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*31+i/7)%len(words)])
		b.WriteByte(' ')
	}
	return b.Bytes()[:n]
}

func genBitmap() []byte {
	b := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(i/256+i%256/8) + byte(r.IntN(4))
	}
	return b
}

func binPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * i % 251)
	}
	return b
}

func genHTML(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<li class=\"item\"><a href=\"/p/%d\">Item %d</a></li>\n", i, i)
	}
	return b.Bytes()[:n]
}
