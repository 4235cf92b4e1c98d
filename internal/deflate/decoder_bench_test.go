package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

// Decoding benchmarks next to compress/flate doing the same work the way a
// WebSocket connection does it today (compress.go): for each message a
// flate reader Reset with the history as dictionary (Window.Bytes), fed the
// payload and the tail 00 00 ff ff 01 00 00 ff ff, read into a 16 KiB buffer
// whose output is appended to the Window. MB/s are of decompressed data;
// cpu-ns/op is the CPU time of the process, steadier on a busy machine.

// decBenchTail is what a caller of compress/flate appends to a message.
var decBenchTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// decBenchCase is a conversation to decode: messages compressed one after
// the other, from a start history (nil without takeover).
type decBenchCase struct {
	name  string
	start []byte
	plain [][]byte
	comp  [][]byte
}

func decBenchCases(b testing.TB) []decBenchCase {
	e := NewEncoder()
	var cases []decBenchCase
	conv := func(name string, msgs [][]byte, takeover bool, level int) {
		c := decBenchCase{name: name, plain: msgs}
		var w *Window
		if takeover {
			// A full history from the first message on.
			c.start = text(1 << 15)
			w = decWindowOf(c.start)
		}
		for _, m := range msgs {
			c.comp = append(c.comp, decEncode(b, e, level, 15, w, m))
		}
		cases = append(cases, c)
	}
	msgs := jsonMessages(300, 42)
	conv("json2k/takeover", msgs, true, DefaultLevel)
	conv("json2k/none", msgs, false, DefaultLevel)
	conv("text64k", [][]byte{text(64 << 10)}, false, DefaultLevel)
	conv("text1m", [][]byte{text(1 << 20)}, false, DefaultLevel)
	conv("text1m/level9", [][]byte{text(1 << 20)}, false, MaxLevel)
	conv("random64k", [][]byte{randomBytes(64<<10, 5)}, false, DefaultLevel)
	return cases
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range decBenchCases(b) {
		size := 0
		for _, m := range c.plain {
			size += len(m)
		}
		size /= len(c.plain)
		b.Run(c.name+"/ours", func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			benchDecoder(b, c)
		})
		b.Run(c.name+"/flate", func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			benchFlateDecoder(b, c)
		})
	}
}

// benchDecoder decodes the messages of c in turn, one per iteration.
func benchDecoder(b *testing.B, c decBenchCase) {
	d := NewDecoder()
	var w Window
	var hist *Window
	if c.start != nil {
		hist = &w
	}
	var src bytes.Reader
	p := make([]byte, 16<<10)
	i := 0
	defer reportCPU(b)()
	for b.Loop() {
		if i == 0 && hist != nil {
			w.Write(c.start, 1<<15)
		}
		src.Reset(c.comp[i])
		d.Reset(&src, 15, hist)
		for {
			_, err := d.Read(p)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if i++; i == len(c.comp) {
			i = 0
		}
	}
}

// benchFlateDecoder decodes the messages of c with compress/flate.
func benchFlateDecoder(b *testing.B, c decBenchCase) {
	comp := make([][]byte, len(c.comp))
	for i, m := range c.comp {
		comp[i] = append(append([]byte(nil), m...), decBenchTail...)
	}
	var w Window
	var src bytes.Reader
	fr := flate.NewReader(&src)
	p := make([]byte, 16<<10)
	i := 0
	defer reportCPU(b)()
	for b.Loop() {
		if i == 0 && c.start != nil {
			w.Write(c.start, 1<<15)
		}
		src.Reset(comp[i])
		var dict []byte
		if c.start != nil {
			dict = w.Bytes()
		}
		if err := fr.(flate.Resetter).Reset(&src, dict); err != nil {
			b.Fatal(err)
		}
		for {
			n, err := fr.Read(p)
			if c.start != nil {
				w.Write(p[:n], 1<<15)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if i++; i == len(comp) {
			i = 0
		}
	}
}

// reportCPU starts measuring the CPU time of the process, and returns the
// function that reports it per op (cpu-ns/op), where it can be measured.
func reportCPU(b *testing.B) func() {
	cpu0, ok := processCPU()
	return func() {
		if cpu1, _ := processCPU(); ok && b.N > 0 {
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
		}
	}
}
