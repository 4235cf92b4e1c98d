package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"testing"
)

// What decoding costs per byte of input, for input made to cost the most:
// messages of many tiny blocks, each with its own block header, against
// ordinary data.

// decCostBlocks is how many blocks the block-heavy messages have.
const decCostBlocks = 10_000

// decTinyDynamic writes a dynamic block of one literal (symbol 0) and the
// end of block, in about as few bits as a dynamic header takes: four
// literal/length codes of 2 bits (symbols 0, 1, 2 and 256), no distance code,
// spelled with a code-length code of three symbols and 16 code-length code
// lengths. 93 bits, which make the Decoder build all three tables.
func (b *decBits) decTinyDynamic() *decBits {
	// The code-length code: 2 in one bit, 0 and 18 in two.
	var cl [19]uint8
	cl[2], cl[0], cl[18] = 1, 2, 2
	clCodes := decCanonical(cl[:])
	b.v(0, 1).v(2, 2)
	b.v(0, 5).v(0, 5).v(16-4, 4) // 257 and 1 codes, 16 code-length lengths
	for _, s := range decCLOrder[:16] {
		b.v(uint32(cl[s]), 3)
	}
	sym := func(s int) { b.c(clCodes[s], uint(cl[s])) }
	sym(2)
	sym(2)
	sym(2)
	sym(18)
	b.v(138-11, 7)
	sym(18)
	b.v(115-11, 7) // zeros up to symbol 255
	sym(2)         // the end of block
	sym(0)         // the one distance code length
	// The data: symbol 0 is code 00, the end of block 11.
	return b.c(0, 2).c(3, 2)
}

// decWideDynamic writes an empty dynamic block whose codes fill the whole
// root table of each of the three tables in about as few bits as it takes:
// a literal/length code of lengths 1 to 10 (the end of block in one bit), a
// distance code of lengths 1 to 8, and a code-length code with a code of 7
// bits. 164 bits.
func (b *decBits) decWideDynamic() *decBits {
	var cl [19]uint8
	for s, l := range map[int]uint8{
		8: 3, 18: 3, 1: 3, 2: 3, 3: 3,
		4: 4, 5: 4, 6: 4, 7: 4, 10: 4,
		9: 5, 11: 6, 12: 7, 13: 7, // 11 to 13 are never used
	} {
		cl[s] = l
	}
	clCodes := decCanonical(cl[:])
	b.v(0, 1).v(2, 2)
	b.v(0, 5).v(9-1, 5).v(18-4, 4) // 257 and 9 codes, 18 code-length lengths
	for _, s := range decCLOrder[:18] {
		b.v(uint32(cl[s]), 3)
	}
	sym := func(s int) { b.c(clCodes[s], uint(cl[s])) }
	sym(18)
	b.v(138-11, 7)
	sym(18)
	b.v(108-11, 7) // zeros up to symbol 245
	for l := 2; l <= 10; l++ {
		sym(l) // symbols 246 to 254
	}
	sym(10) // 255
	sym(1)  // the end of block
	for l := 1; l <= 8; l++ {
		sym(l)
	}
	sym(8)
	// The data: the end of block, the only code of one bit, is 0.
	return b.c(0, 1)
}

// decCostCase is a message to decode, its number of blocks, and its
// decoded size.
type decCostCase struct {
	name   string
	comp   []byte
	blocks int
	size   int
}

// decCostCases are the messages of BenchmarkBlockCost: many tiny dynamic
// blocks (the smallest, and those that fill whole root tables), empty stored
// blocks, empty fixed blocks, compress/flate's output with a sync flush
// after every small write, and ordinary JSON.
func decCostCases(tb testing.TB) []decCostCase {
	var cases []decCostCase
	add := func(name string, b *decBits, blocks, size int) {
		b.v(0, 3) // a stored block's header: the message ends
		cases = append(cases, decCostCase{name, b.out, blocks + 1, size})
	}

	b := new(decBits)
	for range decCostBlocks {
		b.decTinyDynamic()
	}
	add("dynamic-tiny", b, decCostBlocks, decCostBlocks)

	b = new(decBits)
	for range decCostBlocks {
		b.decWideDynamic()
	}
	add("dynamic-wide", b, decCostBlocks, 0)

	b = new(decBits)
	for range decCostBlocks {
		b.v(0, 3).raw(0, 0, 0xff, 0xff)
	}
	add("stored-empty", b, decCostBlocks, 0)

	b = new(decBits)
	for range decCostBlocks {
		b.v(0, 1).v(1, 2).fixedLit(256)
	}
	add("fixed-empty", b, decCostBlocks, 0)

	json := bytes.Join(jsonMessages(32, 11), []byte("\n"))
	// Honest encoders at their most block-heavy: a sync flush after every
	// write, each a block and an empty stored block.
	for _, f := range []struct {
		name         string
		level, write int
	}{{"flate-huffman-flush16", flate.HuffmanOnly, 16}, {"flate-default-flush1", flate.DefaultCompression, 1}} {
		msg := json[:8<<10]
		comp := decFlushed(tb, f.level, msg, f.write)
		// Two blocks a write: what the write holds, and the flush's.
		cases = append(cases, decCostCase{f.name, comp, 2 * len(msg) / f.write, len(msg)})
	}

	comp := decEncode(tb, NewEncoder(), DefaultLevel, 15, nil, json)
	_, blocks, err := inflateBlocks(append(comp[:len(comp):len(comp)], syncTail...), nil, 15)
	if err != nil {
		tb.Fatal(err)
	}
	cases = append(cases, decCostCase{"json", comp, blocks, len(json)})
	return cases
}

// BenchmarkBlockCost decodes each message of decCostCases whole, and
// reports the time per byte of compressed input (ns/in-byte) and per block
// (ns/block), and the same in the CPU time of the process (cpu-ns/...),
// steadier on a busy machine. MB/s are of compressed input.
func BenchmarkBlockCost(b *testing.B) {
	for _, c := range decCostCases(b) {
		b.Run(c.name, func(b *testing.B) {
			d := NewDecoder()
			var src bytes.Reader
			p := make([]byte, 16<<10)
			b.SetBytes(int64(len(c.comp)))
			b.ReportAllocs()
			cpu0, cpuOK := processCPU()
			for b.Loop() {
				src.Reset(c.comp)
				d.Reset(&src, 15, nil)
				n := 0
				for {
					k, err := d.Read(p)
					n += k
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if n != c.size {
					b.Fatalf("decoded %d bytes, want %d", n, c.size)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(ns/float64(len(c.comp)), "ns/in-byte")
			b.ReportMetric(ns/float64(c.blocks), "ns/block")
			if cpu1, _ := processCPU(); cpuOK {
				cpu := float64(cpu1-cpu0) / float64(b.N)
				b.ReportMetric(cpu/float64(len(c.comp)), "cpu-ns/in-byte")
				b.ReportMetric(cpu/float64(c.blocks), "cpu-ns/block")
			}
		})
	}
}

// decChunkReader returns data in chunks of 1 to 7 bytes, as a message that
// came in many small frames.
type decChunkReader struct {
	data []byte
	n    int
}

func (r *decChunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.n++
	k := copy(p[:min(len(p), 1+r.n%7)], r.data)
	r.data = r.data[k:]
	return k, nil
}

// decFlushed compresses msg with compress/flate at level, written in
// pieces of size bytes with a sync flush after each (each flush ends with
// an empty stored block), without the last 00 00 ff ff, as a peer that
// flushes every write sends it.
func decFlushed(t testing.TB, level int, msg []byte, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	for len(msg) > 0 {
		k := min(len(msg), size)
		if _, err := fw.Write(msg[:k]); err != nil {
			t.Fatal(err)
		}
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		msg = msg[k:]
	}
	return bytes.TrimSuffix(buf.Bytes(), syncTail)
}

// TestDecoderManyBlocks decodes what honest encoders send in as many blocks
// as they ever do, the shape of input that costs the Decoder the most per
// byte (BenchmarkBlockCost): compress/flate at every level, HuffmanOnly
// included, with a sync flush after every write of 1, 16 or 100 bytes, so
// that each write makes a tiny block (stored, fixed, or dynamic with a code
// of a few symbols) and an empty stored block; and the Encoder's short
// messages at every level and window size. Each message arrives in chunks
// of a few bytes, as in many small frames.
func TestDecoderManyBlocks(t *testing.T) {
	d := NewDecoder()
	msg := bytes.Join(jsonMessages(3, 21), []byte("\n"))
	msg = append(msg, bytes.Repeat([]byte("aaaaaaab"), 200)...)
	for level := flate.HuffmanOnly; level <= flate.BestCompression; level++ {
		for _, size := range []int{1, 16, 100} {
			t.Run(fmt.Sprintf("flate-level%d/writes%d", level, size), func(t *testing.T) {
				comp := decFlushed(t, level, msg, size)
				// An empty stored block after each write but the last.
				if n := bytes.Count(comp, syncTail); n < (len(msg)-1)/size {
					t.Fatalf("%d flushes for %d writes", n, (len(msg)+size-1)/size)
				}
				for _, src := range []io.Reader{bytes.NewReader(comp), &decChunkReader{data: comp}} {
					got, err := decDecode(d, src, 15, nil, 4096)
					if err != nil || !bytes.Equal(got, msg) {
						t.Fatalf("%d bytes, %v; want %d (%s)", len(got), err, len(msg), firstDiff(got, msg))
					}
				}
			})
		}
	}

	// Short messages under context takeover: each a block or two.
	e := NewEncoder()
	msgs := jsonMessages(40, 22)
	for i := range msgs {
		msgs[i] = msgs[i][:1+i*7%min(len(msgs[i]), 60)]
	}
	for level := MinLevel; level <= MaxLevel; level++ {
		for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
			var we, wd Window
			for i, m := range msgs {
				comp := decEncode(t, e, level, bits, &we, m)
				got, err := decDecode(d, &decChunkReader{data: comp}, bits, &wd, 4096)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("level %d, bits %d, message %d: %d bytes, %v; want %d", level, bits, i, len(got), err, len(m))
				}
			}
		}
	}
}
