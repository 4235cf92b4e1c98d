package deflate

import "math/bits"

// Alphabets of RFC 1951 §3.2.5-3.2.7.
const (
	numLitLen  = 286 // literal bytes 0..255, end of block 256, length codes 257..285
	numDist    = 30  // distance codes 0..29
	numCodeLen = 19  // code-length codes 0..18
	endOfBlock = 256

	maxCodeBits    = 15 // longest literal/length or distance code
	maxCodeLenBits = 7  // longest code-length code

	// maxFreq is the largest symbol frequency build handles: keys pack a
	// frequency above a 9-bit symbol in 32 bits.
	maxFreq = 1<<23 - 1
)

// huffman is scratch space for building length-limited prefix codes. One
// serves every alphabet in turn; it holds nothing between builds.
type huffman struct {
	// keys are the used symbols of the alphabet being built, each as
	// freq<<9 | symbol so that sorting orders them by frequency.
	keys [numLitLen]uint32
	tmp  [numLitLen]uint32 // radix sort's second buffer
	// work holds weights, then parent indexes, then depths, during the
	// in-place construction.
	work [numLitLen]uint32
	// count[l] is the number of codes of length l.
	count [numLitLen + 1]uint16
	pm    *packageMerge // see limit
}

// build sets lens[s] to the code length of symbol s in a prefix code for the
// frequencies freq (len(lens) >= len(freq)) whose codes are at most limit
// bits long, lists the symbols that get a code in used, in increasing
// order, and returns the size in bits of the data in that code (the sum of
// frequency times length). Unused symbols get length 0. The code is always
// complete (its Kraft sum is exactly 1), which inflaters require: when fewer
// than two symbols are used, an unused one is given a code too, so that
// there are two of length 1. Frequencies must not exceed maxFreq; those of a
// block are at most its length, which bufSize bounds.
func (h *huffman) build(freq []uint32, lens []uint8, limit int, used *symbols) int {
	clear(lens[:len(freq)])
	n := 0
	for s, f := range freq {
		// Branch-free: write every symbol, advance past the used ones.
		h.keys[n] = f<<9 | uint32(s)
		used.s[n] = uint16(s)
		n += int((f | -f) >> 31)
	}
	used.n = n
	keys := h.keys[:n]
	if n < 2 {
		one := 0
		if n == 1 {
			one = int(keys[0] & 511)
		}
		other := one ^ 1
		if other >= len(freq) {
			other = one - 1
		}
		lens[one] = 1
		lens[other] = 1
		used.s[0], used.s[1], used.n = uint16(min(one, other)), uint16(max(one, other)), 2
		return int(freq[one])
	}
	if len(keys) <= 24 {
		insertionSort(keys)
	} else {
		h.radixSort(keys)
	}
	maxLen := h.depthCounts(keys)
	if maxLen > limit {
		h.limit(keys, limit)
		maxLen = limit
	}
	// The longest codes go to the rarest symbols.
	i := 0
	size := 0
	for l := maxLen; l >= 1; l-- {
		for c := h.count[l]; c > 0; c-- {
			k := keys[i]
			lens[k&511] = uint8(l)
			size += int(k>>9) * l
			i++
		}
	}
	return size
}

// depthCounts computes an optimal (unlimited) prefix code for the sorted
// keys and stores in h.count how many leaves it has at each depth; it returns
// the greatest depth.
//
// It is the in-place method of Moffat and Katajainen (1995), O(n) once the
// weights are sorted, in three passes over one array:
//  1. Merge the sorted leaves with the internal nodes, which are created in
//     non-decreasing weight order and so form a second queue. work[i] becomes
//     the weight of internal node i, and once that node is itself merged, the
//     index of its parent.
//  2. Turn parent indexes into depths, from the root (the last node) down.
//  3. Count leaves per depth: at each depth the slots not taken by internal
//     nodes are leaves.
func (h *huffman) depthCounts(keys []uint32) int {
	n := len(keys)
	a := h.work[:n]
	for i, k := range keys {
		a[i] = k >> 9
	}
	leaf, root := 0, 0
	for next := 0; next < n-1; next++ {
		// First child: the lighter of the next leaf and the next internal node.
		if leaf >= n || (root < next && a[root] < a[leaf]) {
			a[next] = a[root]
			a[root] = uint32(next)
			root++
		} else {
			a[next] = a[leaf]
			leaf++
		}
		// Second child, likewise.
		if leaf >= n || (root < next && a[root] < a[leaf]) {
			a[next] += a[root]
			a[root] = uint32(next)
			root++
		} else {
			a[next] += a[leaf]
			leaf++
		}
	}
	a[n-2] = 0
	for next := n - 3; next >= 0; next-- {
		a[next] = a[a[next]] + 1
	}
	clear(h.count[:])
	avail, depth := 1, 0
	internal := n - 2 // internal nodes not yet placed, deepest last
	for avail > 0 {
		used := 0
		for internal >= 0 && int(a[internal]) == depth {
			used++
			internal--
		}
		h.count[depth] = uint16(avail - used)
		avail = 2 * used
		depth++
	}
	return depth - 1
}

// limit replaces h.count, the depths of an optimal code for the sorted keys
// that is deeper than limit, by those of an optimal code among the codes no
// deeper than limit. Deep codes are rare (skewed counts in big blocks, or a
// skewed code-length alphabet against its 7-bit limit), so this runs the
// exact method, package-merge (Larmore and Hirschberg, 1990), rather than a
// heuristic.
//
// Package-merge sees a code of depth at most L as L rows of coins: row 1
// holds one coin per symbol, worth its weight; each deeper row holds the
// coins of row 1 merged, in order of worth, with "packages" pairing the
// coins of the row below, two by two. The 2n-2 cheapest items of the last
// row, unpacked, give each symbol's code length: the number of rows in which
// its coin is chosen. Since the coins of a row are chosen cheapest first, the
// symbols chosen in a row are always the rarest ones, so only how many coins
// (against packages) are chosen in each row needs keeping.
func (h *huffman) limit(keys []uint32, limit int) {
	n := len(keys)
	if h.pm == nil {
		h.pm = new(packageMerge)
	}
	pm := h.pm
	// coin[r][i] tells whether item i of row r is a coin (not a package).
	prev := pm.weight[0][:0]
	for _, k := range keys {
		prev = append(prev, uint64(k>>9))
	}
	for i := range n {
		pm.coin[0][i] = true
	}
	for r := 1; r < limit; r++ {
		cur := pm.weight[r%2][:0]
		flags := pm.coin[r][:0]
		i, j := 0, 0 // next coin, next pair of prev
		for i < n || j+1 < len(prev) {
			if j+1 >= len(prev) || (i < n && uint64(keys[i]>>9) <= prev[j]+prev[j+1]) {
				cur = append(cur, uint64(keys[i]>>9))
				flags = append(flags, true)
				i++
			} else {
				cur = append(cur, prev[j]+prev[j+1])
				flags = append(flags, false)
				j += 2
			}
		}
		prev = cur
	}
	// Unpack from the last row: choosing c items of a row chooses the
	// first 2*(packages among them) items of the row below.
	var depth [numLitLen]uint8
	c := 2*n - 2
	for r := limit - 1; r >= 0; r-- {
		coins := 0
		for _, isCoin := range pm.coin[r][:c] {
			if isCoin {
				coins++
			}
		}
		for i := range coins {
			depth[i]++
		}
		c = 2 * (c - coins)
	}
	clear(h.count[:])
	for _, d := range depth[:n] {
		h.count[d]++
	}
}

// packageMerge is the scratch space of huffman.limit, allocated the first
// time a code must be limited: two rows of weights and the coin flags of
// every row.
type packageMerge struct {
	weight [2][2 * numLitLen]uint64
	coin   [maxCodeBits][2 * numLitLen]bool
}

// radixSort sorts keys by frequency, keeping symbols of equal frequency in
// increasing order (they arrive in that order). Frequencies below 512, the
// common case for small blocks, take one counting pass with a bucket per
// frequency; larger ones take one pass per byte.
func (h *huffman) radixSort(keys []uint32) {
	var top uint32
	for _, k := range keys {
		top = max(top, k>>9)
	}
	var count [512]uint16
	src, dst := keys, h.tmp[:len(keys)]
	if top < uint32(len(count)) {
		h.countingPass(src, dst, count[:top+1], 9, 511)
		copy(keys, dst)
		return
	}
	for shift := uint(9); top != 0; shift += 8 {
		h.countingPass(src, dst, count[:256], shift, 255)
		src, dst = dst, src
		top >>= 8
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// countingPass stably sorts src into dst by the digit (k>>shift)&mask of
// each key, which must be below len(count).
func (h *huffman) countingPass(src, dst []uint32, count []uint16, shift uint, mask uint32) {
	clear(count)
	for _, k := range src {
		count[(k>>shift)&mask]++
	}
	sum := uint16(0)
	for i, c := range count {
		count[i] = sum
		sum += c
	}
	for _, k := range src {
		d := (k >> shift) & mask
		dst[count[d]] = k
		count[d]++
	}
}

// insertionSort sorts a short slice; for the few keys of a small block it
// beats the general sort.
func insertionSort(a []uint32) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for j > 0 && a[j-1] > v {
			a[j] = a[j-1]
			j--
		}
		a[j] = v
	}
}

// codeWord is a symbol's code ready to write: the code's bits, reversed so
// that they go out least significant bit first, in the low 16 bits, and its
// length above them.
type codeWord uint32

func (c codeWord) bits() uint64 { return uint64(c & 0xffff) }
func (c codeWord) len() uint    { return uint(c >> 16) }

// symbols lists the symbols of an alphabet that have a code, in increasing
// order.
type symbols struct {
	s [numLitLen]uint16
	n int
}

func (u *symbols) list() []uint16 { return u.s[:u.n] }

// assignCodes fills codes with the canonical codes (RFC 1951 §3.2.2) for the
// code lengths lens, for the symbols listed in used (in increasing order);
// the codes of the others are left as they were.
func assignCodes(lens []uint8, codes []codeWord, used []uint16) {
	var count, next [maxCodeBits + 1]uint16
	for _, s := range used {
		count[lens[s]&maxCodeBits]++
	}
	code := uint16(0)
	for l := 2; l <= maxCodeBits; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for _, s := range used {
		l := lens[s] & maxCodeBits
		c := next[l]
		next[l]++
		codes[s] = codeWord(bits.Reverse16(c)>>(16-l)) | codeWord(l)<<16
	}
}
