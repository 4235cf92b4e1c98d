package deflate

import (
	"compress/flate"
	"fmt"
	"io"
	"testing"
)

// Benchmarks next to compress/flate doing the same work, the way peers use
// it: for context takeover one persistent flate.Writer with a Flush per
// message; without, a Reset per message. The "ratio" metric is output bytes
// over input bytes, with the 4 bytes 00 00 ff ff of each flush not counted
// (RFC 7692 strips them from the wire).

// benchLevels are our levels in the benchmarks.
var benchLevels = []int{1, 2, 3, 4, 5, 6, 7, 8, 9}

// flateLevels are the compress/flate levels compared with.
var flateLevels = []struct {
	name  string
	level int
}{{"flate-speed", flate.BestSpeed}, {"flate-default", flate.DefaultCompression}}

// byteCounter counts bytes written.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

func BenchmarkEncode(b *testing.B) {
	msgs := jsonMessages(300, 42)
	for _, takeover := range []bool{true, false} {
		name := "json2k/takeover"
		if !takeover {
			name = "json2k/none"
		}
		for _, level := range benchLevels {
			b.Run(fmt.Sprintf("%s/level%d", name, level), func(b *testing.B) {
				benchMessages(b, msgs, level, takeover)
			})
		}
		for _, fl := range flateLevels {
			b.Run(name+"/"+fl.name, func(b *testing.B) {
				benchFlateMessages(b, msgs, fl.level, takeover)
			})
		}
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"text64k", 64 << 10}, {"text1m", 1 << 20}} {
		data := text(size.n)
		name := size.name
		for _, level := range benchLevels {
			b.Run(fmt.Sprintf("%s/level%d", name, level), func(b *testing.B) {
				benchMessages(b, [][]byte{data}, level, false)
			})
		}
		for _, fl := range flateLevels {
			b.Run(name+"/"+fl.name, func(b *testing.B) {
				benchFlateMessages(b, [][]byte{data}, fl.level, false)
			})
		}
	}
}

// benchMessages compresses msgs in turn, one per iteration, with window bits
// 15; with takeover the history is full (32 KiB) from the first timed message.
func benchMessages(b *testing.B, msgs [][]byte, level int, takeover bool) {
	e := NewEncoder()
	var hist *Window
	var out byteCounter
	if takeover {
		hist = new(Window)
		for i := 0; hist.Len() < maxWindow; i++ {
			e.Reset(io.Discard, level, 15, hist)
			e.Write(msgs[i%len(msgs)])
			e.Finish()
		}
	}
	in := 0
	for _, m := range msgs {
		in += len(m)
	}
	b.SetBytes(int64(in / len(msgs)))
	b.ReportAllocs()
	in = 0
	i := 0
	for b.Loop() {
		m := msgs[i]
		if i++; i == len(msgs) {
			i = 0
		}
		e.Reset(&out, level, 15, hist)
		if _, err := e.Write(m); err != nil {
			b.Fatal(err)
		}
		if err := e.Finish(); err != nil {
			b.Fatal(err)
		}
		in += len(m)
	}
	b.ReportMetric(float64(out)/float64(in), "ratio")
}

func benchFlateMessages(b *testing.B, msgs [][]byte, level int, takeover bool) {
	var out byteCounter
	w, err := flate.NewWriter(&out, level)
	if err != nil {
		b.Fatal(err)
	}
	if takeover {
		for i := range 40 {
			w.Write(msgs[i%len(msgs)])
			w.Flush()
		}
	}
	out = 0
	in := 0
	for _, m := range msgs {
		in += len(m)
	}
	b.SetBytes(int64(in / len(msgs)))
	b.ReportAllocs()
	in = 0
	n := 0
	i := 0
	for b.Loop() {
		m := msgs[i]
		if i++; i == len(msgs) {
			i = 0
		}
		if !takeover {
			w.Reset(&out)
		}
		if _, err := w.Write(m); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		in += len(m)
		n++
	}
	b.ReportMetric(float64(int(out)-4*n)/float64(in), "ratio")
}
