package deflate

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// kraft returns the Kraft sum of lens in units of 2^-15, and the longest
// length.
func kraft(lens []uint8) (sum, longest int) {
	for _, l := range lens {
		if l != 0 {
			sum += 1 << (15 - l)
			longest = max(longest, int(l))
		}
	}
	return sum, longest
}

// optimalLimited returns the least total cost sum(freq*len) of a prefix code
// for freq with lengths at most limit, by package-merge (Larmore and
// Hirschberg), written independently of the encoder's method as a reference.
func optimalLimited(freq []uint32, limit int) int {
	var w []int
	for _, f := range freq {
		if f != 0 {
			w = append(w, int(f))
		}
	}
	if len(w) < 2 {
		return slices.Max(append(w, 0)) // one symbol: one bit each
	}
	slices.Sort(w)
	// Items are weights; each package's cost is the sum of its leaves'
	// weights, and the answer is the sum of the 2n-2 cheapest items at the
	// last level, where each leaf counts once per level it appears in.
	prev := slices.Clone(w)
	for level := 1; level < limit; level++ {
		var pkgs []int
		for i := 0; i+1 < len(prev); i += 2 {
			pkgs = append(pkgs, prev[i]+prev[i+1])
		}
		merged := append(slices.Clone(w), pkgs...)
		slices.Sort(merged)
		prev = merged
	}
	total := 0
	for _, x := range prev[:2*len(w)-2] {
		total += x
	}
	return total
}

func codeCost(freq []uint32, lens []uint8) int {
	c := 0
	for s, f := range freq {
		c += int(f) * int(lens[s])
	}
	return c
}

func TestHuffmanBuild(t *testing.T) {
	fib := func(n int) []uint32 {
		f := make([]uint32, n)
		a, b := uint32(1), uint32(1)
		for i := range f {
			f[i] = a
			a, b = b, a+b
		}
		return f
	}
	pow2 := func(n int) []uint32 {
		f := make([]uint32, n)
		for i := range f {
			f[i] = 1 << min(i, 22)
		}
		return f
	}
	r := rand.New(rand.NewPCG(3, 4))
	randomFreq := func(n int, max uint32) []uint32 {
		f := make([]uint32, n)
		for i := range f {
			if r.IntN(3) != 0 {
				f[i] = 1 + r.Uint32N(max)
			}
		}
		return f
	}
	cases := []struct {
		name  string
		freq  []uint32
		limit int
	}{
		{"empty", make([]uint32, numDist), maxCodeBits},
		{"one", append(make([]uint32, 10), 5), maxCodeBits},
		{"one-first", []uint32{7, 0, 0}, maxCodeBits},
		{"two", []uint32{0, 3, 0, 9}, maxCodeBits},
		{"uniform", slices.Repeat([]uint32{4}, numLitLen), maxCodeBits},
		// Fibonacci weights give the deepest Huffman trees: depth n-1.
		{"fibonacci-25", fib(25), maxCodeBits},
		{"fibonacci-19-cl", fib(19), maxCodeLenBits},
		{"fibonacci-33", fib(33), maxCodeBits},
		{"powers-30", pow2(30), maxCodeBits},
		{"powers-19-cl", pow2(19), maxCodeLenBits},
		{"skewed", append(slices.Repeat([]uint32{1}, 200), 1_000_000, 500_000, 1), maxCodeBits},
		{"random-lit", randomFreq(numLitLen, 1000), maxCodeBits},
		{"random-cl", randomFreq(numCodeLen, 50), maxCodeLenBits},
		{"random-big", randomFreq(numLitLen, 1<<22), maxCodeBits},
	}
	for range 30 {
		n := 2 + r.IntN(numLitLen-1)
		f := make([]uint32, n)
		for i := range f {
			// Exponentially spread weights stress the limit.
			f[i] = 1 << r.IntN(23)
		}
		cases = append(cases, struct {
			name  string
			freq  []uint32
			limit int
		}{"random-exp", f, maxCodeBits})
	}
	var h huffman
	for _, tc := range cases {
		if slices.Max(tc.freq) > maxFreq {
			t.Fatalf("%s: frequency over the limit of build", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			lens := make([]uint8, len(tc.freq))
			for i := range lens {
				lens[i] = 99 // must be overwritten
			}
			var used symbols
			size := h.build(tc.freq, lens, tc.limit, &used)
			for i, sym := range used.list() {
				if lens[sym] == 0 || i > 0 && sym <= used.s[i-1] {
					t.Fatalf("used symbols %v wrong", used.list())
				}
			}
			sum, longest := kraft(lens)
			if sum != 1<<15 {
				t.Fatalf("Kraft sum %d/32768: code not complete: %v", sum, lens)
			}
			if longest > tc.limit {
				t.Fatalf("length %d over the limit %d", longest, tc.limit)
			}
			for s, f := range tc.freq {
				if f != 0 && lens[s] == 0 {
					t.Fatalf("used symbol %d has no code", s)
				}
			}
			if got := codeCost(tc.freq, lens); got != size {
				t.Fatalf("build reported size %d, code costs %d", size, got)
			}
			opt := optimalLimited(tc.freq, tc.limit)
			if size < opt {
				t.Fatalf("cost %d below the optimum %d: reference wrong?", size, opt)
			}
			if size != opt {
				t.Errorf("cost %d, optimum %d", size, opt)
			}
		})
	}
}

// TestHuffmanUnlimitedIsOptimal checks that when no length exceeds the
// limit, the code is an optimal Huffman code.
func TestHuffmanUnlimitedIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	var h huffman
	for range 200 {
		n := 2 + r.IntN(60)
		f := make([]uint32, n)
		for i := range f {
			f[i] = uint32(r.IntN(1000))
		}
		lens := make([]uint8, n)
		size := h.build(f, lens, maxCodeBits, new(symbols))
		if _, longest := kraft(lens); longest >= maxCodeBits {
			continue
		}
		// With 15 levels allowed and shallower trees, package-merge gives
		// the plain Huffman optimum.
		if opt := optimalLimited(f, maxCodeBits); size != opt {
			t.Fatalf("freq %v: cost %d, optimum %d", f, size, opt)
		}
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var h huffman
	for _, maxFreq := range []uint32{3, 300, 511, 512, 70_000, 1 << 22} {
		for range 20 {
			n := 25 + r.IntN(numLitLen-25)
			keys := make([]uint32, n)
			for i := range keys {
				keys[i] = r.Uint32N(maxFreq)<<9 | uint32(i)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			h.radixSort(keys)
			if !slices.Equal(keys, want) {
				t.Fatalf("max %d: radix sort disagrees with slices.Sort", maxFreq)
			}
		}
	}
}

// TestCanonicalCodes checks assignCodes against RFC 1951 §3.2.2's example.
func TestCanonicalCodes(t *testing.T) {
	// Symbols A..H with lengths (3, 3, 3, 3, 3, 2, 4, 4) get the codes
	// 010 011 100 101 110 00 1110 1111.
	lens := []uint8{3, 3, 3, 3, 3, 2, 4, 4}
	want := []uint16{0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111}
	codes := make([]codeWord, len(lens))
	assignCodes(lens, codes, []uint16{0, 1, 2, 3, 4, 5, 6, 7})
	for s, c := range codes {
		// codeWord holds the bits reversed for LSB-first writing.
		var rev uint16
		for i := range uint(c.len()) {
			rev = rev<<1 | uint16(c.bits()>>i&1)
		}
		if c.len() != uint(lens[s]) || rev != want[s] {
			t.Errorf("symbol %d: code %0*b (len %d), want %0*b", s, lens[s], rev, c.len(), lens[s], want[s])
		}
	}
}

// TestCodeTables checks the length and distance code tables against RFC
// 1951 §3.2.5, as typed into the test inflater.
func TestCodeTables(t *testing.T) {
	for l := 3; l <= 258; l++ {
		c := int(lenCode[l-3])
		if l < testLenBase[c] || l >= testLenBase[c]+1<<testLenExtra[c] || (c < 28 && l >= testLenBase[c+1]) {
			t.Fatalf("length %d: code %d (base %d, %d extra bits)", l, c, testLenBase[c], testLenExtra[c])
		}
		if int(lenBase[c])+3 != testLenBase[c] || uint(lenExtraBits[c]) != testLenExtra[c] {
			t.Fatalf("length code %d: base %d extra %d", c, int(lenBase[c])+3, lenExtraBits[c])
		}
	}
	for d := 1; d <= maxWindow; d++ {
		c, x, nb := distCode(d)
		if c != distSym(d) {
			t.Fatalf("distance %d: distCode %d, distSym %d", d, c, distSym(d))
		}
		if testDistBase[c]+int(x) != d || nb != testDistExtra[c] || x >= 1<<nb && nb > 0 {
			t.Fatalf("distance %d: code %d extra %d (%d bits)", d, c, x, nb)
		}
		if distExtraBits[c] != uint8(nb) {
			t.Fatalf("distance code %d: %d extra bits, want %d", c, distExtraBits[c], nb)
		}
	}
}
