package deflate

import (
	"encoding/binary"
	"math/bits"
)

// LZ77 match finding.
//
// Matches are found through a hash of the 4 bytes at a position, so the
// shortest match found is 4 bytes (DEFLATE allows 3; a 3-byte match rarely
// pays for its distance code). Positions in the tables are absolute (see
// Encoder.base); a candidate is used only if it lies in the buffer and no
// more than the window size back.

const (
	minMatch     = 4
	maxMatch     = 258
	maxTableBits = 15
	minTableBits = 10
	chainMask    = maxWindow - 1
	// maxSkip caps the step of the greedy search over incompressible data,
	// so that data repeating from far back is still found: with at most
	// maxSkip bytes between probes, some probe soon lands on a position
	// indexed in the earlier copy, and the match then grows backwards.
	maxSkip = 8
	// skipShift: after 1<<skipShift literal bytes in a row, the greedy
	// search starts stepping over positions.
	skipShift = 5
)

// levelParams are the settings of one compression level.
type levelParams struct {
	// lazy selects hash chains and lazy matching; otherwise matching is
	// greedy with one candidate per position.
	lazy bool
	// tableBits is the largest hash table used, log2 of entries.
	tableBits uint
	// primeSpan is how many bytes of history before the message are
	// indexed (and so can be matched), every primeStep-th position.
	primeSpan, primeStep int
	// fill (greedy): after a match, also index its last fill positions.
	fill int
	// chain (lazy): candidates looked at per position, a quarter of that
	// once the current match is at least good bytes long; nice: a match
	// this long ends the search; lazyMax: a match this long is taken
	// without trying the next position; insertMax: the positions inside
	// a longer match are not indexed, except its last fill.
	chain, good, nice, lazyMax, insertMax int
}

var levels = [MaxLevel + 1]levelParams{
	1: {tableBits: 14, primeSpan: 8 << 10, primeStep: 16},
	2: {tableBits: 14, primeSpan: 8 << 10, primeStep: 8, fill: 1},
	3: {tableBits: 15, primeSpan: 32 << 10, primeStep: 4, fill: 4},
	4: {lazy: true, tableBits: 15, primeSpan: 16 << 10, primeStep: 4, chain: 4, good: 8, nice: 16, lazyMax: 8, insertMax: 8, fill: 2},
	5: {lazy: true, tableBits: 15, primeSpan: 32 << 10, primeStep: 4, chain: 8, good: 8, nice: 32, lazyMax: 16, insertMax: 16, fill: 2},
	6: {lazy: true, tableBits: 15, primeSpan: 32 << 10, primeStep: 2, chain: 32, good: 8, nice: 128, lazyMax: 32, insertMax: 258},
	7: {lazy: true, tableBits: 15, primeSpan: 32 << 10, primeStep: 1, chain: 64, good: 16, nice: 258, lazyMax: 64, insertMax: 258},
	8: {lazy: true, tableBits: 15, primeSpan: 32 << 10, primeStep: 1, chain: 256, good: 32, nice: 258, lazyMax: 258, insertMax: 258},
	9: {lazy: true, tableBits: 15, primeSpan: 32 << 10, primeStep: 1, chain: 1024, good: 32, nice: 258, lazyMax: 258, insertMax: 258},
}

func load32(b []byte, i int) uint32 {
	return binary.LittleEndian.Uint32(b[i:])
}

// hashMul spreads 4 bytes over the high bits of the product.
const hashMul = 0x9E3779B1

// hashIndex hashes 4 bytes to maxTableBits bits. A table of fewer bits
// takes the low ones, with a mask.
func hashIndex(v uint32) uint32 {
	return (v * hashMul) >> (32 - maxTableBits)
}

// matchLen returns the length of the common prefix of a and b; a must be at
// least as long as b.
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// prime runs once per message, before its first tokenizing round. It picks
// the size of the hash table for the message, and indexes the history at the
// start of the buffer so that the message can refer to it.
//
// The table size follows the number of positions there are to index then
// (twice as many entries, within the level's limit): a short message touches
// only a small table, which stays in the processor's first-level cache. A
// message long enough to fill the buffer gets the level's full size.
func (e *Encoder) prime() {
	step := e.p.primeStep
	positions := e.histLen/step + e.end - e.histLen
	e.tb = min(max(uint(bits.Len(uint(positions))+1), minTableBits), e.p.tableBits)

	last := min(e.histLen, e.end-minMatch+1) // positions with 4 bytes to hash
	if last <= 0 {
		return
	}
	// Index so that the position just before the message is included.
	first := (last - 1) % step
	// b holds the bytes hashed, so that the compiler sees that every load
	// is in bounds.
	b := e.buf[:last+minMatch-1]
	table := (*[1 << maxTableBits]int32)(e.table)
	mask := uint32(1)<<e.tb - 1
	base := int32(e.base)
	if e.p.lazy {
		// As chainer.insert, with everything in registers.
		chain := (*[maxWindow]uint16)(e.chain)
		for i := first; i+minMatch <= len(b); i += step {
			h := hashIndex(binary.LittleEndian.Uint32(b[i:i+minMatch])) & mask
			abs := base + int32(i)
			d := abs - table[h]
			if d > maxWindow {
				d = 0
			}
			chain[abs&chainMask] = uint16(d)
			table[h] = abs
		}
		return
	}
	for i := first; i+minMatch <= len(b); i += step {
		table[hashIndex(binary.LittleEndian.Uint32(b[i:i+minMatch]))&mask] = base + int32(i)
	}
}

// chainer indexes positions in hash chains, for the lazy levels.
type chainer struct {
	table *[1 << maxTableBits]int32
	chain *[maxWindow]uint16
	mask  uint32
	base  int
}

func (e *Encoder) chainer() chainer {
	return chainer{
		table: (*[1 << maxTableBits]int32)(e.table),
		chain: (*[maxWindow]uint16)(e.chain),
		mask:  uint32(1)<<e.tb - 1,
		base:  e.base,
	}
}

// insert adds position i to the hash chains.
func (c *chainer) insert(buf []byte, i int) {
	h := hashIndex(load32(buf, i)) & c.mask
	abs := c.base + i
	d := abs - int(c.table[h])
	if d > maxWindow {
		d = 0
	}
	c.chain[abs&chainMask] = uint16(d)
	c.table[h] = int32(abs)
}

// greedy tokenizes from e.pos up to stop (or to the end of the data if final),
// taking at each position the match found through a single table probe, if
// any. It returns true if it stopped early because the block's sequences ran
// out.
func (e *Encoder) greedy(stop int, final bool) (full bool) {
	buf := e.buf[:e.end]
	table := (*[1 << maxTableBits]int32)(e.table)
	mask := uint32(1)<<e.tb - 1
	base := e.base
	fill := e.p.fill
	seqs := e.seqs
	s := e.pos
	lit := s
	hashEnd := len(buf) - minMatch // last position with 4 bytes to hash
	stop = min(stop, hashEnd+1)
	sc := scanner{buf: buf, table: table, mask: mask, base: base, wsize: e.wsize}
	d := 0
	for {
		// A match cut at the longest length usually goes on at the same
		// distance; positions inside it were not indexed, so the table
		// would not find it.
		if d == 0 || s >= stop || load32(buf, s) != load32(buf, s-d) {
			s, d = sc.next(s, lit, stop)
			if s >= stop {
				break
			}
		}
		cand := s - d
		l := minMatch + matchLen(buf[cand+minMatch:], buf[s+minMatch:min(len(buf), s+maxMatch)])
		// Grow the match backwards over literals the search stepped past.
		for s > lit && cand > 0 && l < maxMatch && buf[s-1] == buf[cand-1] {
			s--
			cand--
			l++
		}
		seqs = append(seqs, seq{lits: uint32(s - lit), mlen: uint16(l), dist: uint16(d)})
		e.count(buf[lit:s], l, d)
		s += l
		lit = s
		// Index the last positions of the match, for what follows.
		if s <= hashEnd {
			for i := s - min(fill, l-1); i < s; i++ {
				table[hashIndex(load32(buf, i))&mask] = int32(i + base)
			}
		}
		if len(seqs) >= maxSeqs-2 {
			full = true
			break
		}
		if l != maxMatch {
			d = 0
		}
	}
	if final && !full {
		s = len(buf) // the last bytes, too few to hash, are literals
	}
	s = min(s, len(buf))
	if s > lit {
		seqs = append(seqs, seq{lits: uint32(s - lit)})
		e.count(buf[lit:s], 0, 0)
	}
	e.seqs = seqs
	e.pos = s
	return full
}

// scanner is the search loop of greedy, apart so that its few variables
// stay in registers.
type scanner struct {
	buf   []byte
	table *[1 << maxTableBits]int32
	mask  uint32
	base  int
	wsize int
}

// next probes the table at s and onwards, indexing each position probed, and
// returns the first position that has a match of at least 4 bytes, with its
// distance. It returns a position at or past stop if there is none before
// stop. After lit literals in a row it probes fewer and fewer positions.
//
//go:noinline
func (sc *scanner) next(s, lit, stop int) (int, int) {
	buf, table, mask, base, wsize := sc.buf, sc.table, sc.mask, sc.base, sc.wsize
	// Positions before stop have 4 bytes in b, as the compiler can see.
	b := buf[:stop+minMatch-1]
	for s+minMatch <= len(b) {
		cv := binary.LittleEndian.Uint32(b[s : s+minMatch])
		h := hashIndex(cv) & mask
		// d is the distance to the candidate; it is valid if it reaches
		// neither before the buffer nor past the window.
		d := s + base - int(table[h])
		table[h] = int32(s + base)
		if uint(d-1) < uint(min(wsize, s)) && load32(buf, s-d) == cv {
			return s, d
		}
		s += min(1+(s-lit)>>skipShift, maxSkip)
	}
	return s, 0
}

// lazy tokenizes like greedy, but follows hash chains for the longest match
// and, before taking a match, checks whether the next position has a longer
// one, in which case the current byte is written as a literal instead.
func (e *Encoder) lazy(stop int, final bool) (full bool) {
	buf := e.buf[:e.end]
	p := &e.p
	c := e.chainer()
	seqs := e.seqs
	s := e.pos
	lit := s
	hashEnd := len(buf) - minMatch
	stop = min(stop, hashEnd+1)
	// A match found at s-1, waiting to see whether s has a longer one.
	prevLen, prevDist := 0, 0
	// The distance of the last match if it was cut at the longest length:
	// it usually goes on at the same distance, from positions that may not
	// have been indexed.
	rep := 0
	for s < stop {
		l, d := 0, 0
		if rep != 0 {
			l, d = minMatch+matchLen(buf[s-rep+minMatch:], buf[s+minMatch:min(len(buf), s+maxMatch)]), rep
			rep = 0
			if load32(buf, s) != load32(buf, s-d) {
				l, d = 0, 0
			}
		}
		if l == 0 && prevLen < p.lazyMax {
			l, d = c.find(buf, s, prevLen, e.wsize, p)
		}
		c.insert(buf, s)
		if prevLen < minMatch || l > prevLen {
			prevLen, prevDist = l, d
			s++
			continue
		}
		// Take the match at s-1.
		m := s - 1
		end := m + prevLen
		// Grow it backwards over literals: history is indexed sparsely, so
		// a match may be found late.
		for m > lit && m-prevDist > 0 && end-m < maxMatch && buf[m-1] == buf[m-1-prevDist] {
			m--
		}
		seqs = append(seqs, seq{lits: uint32(m - lit), mlen: uint16(end - m), dist: uint16(prevDist)})
		e.count(buf[lit:m], end-m, prevDist)
		// Index the positions inside the match (s-1 and s are done), all
		// of them if it is short, else only its last few.
		from := s + 1
		if end-from > p.insertMax {
			from = end - p.fill
		}
		for i := from; i < min(end, hashEnd+1); i++ {
			c.insert(buf, i)
		}
		if end-m == maxMatch {
			rep = prevDist
		}
		s = end
		lit = s
		prevLen = 0
		if len(seqs) >= maxSeqs-2 {
			full = true
			break
		}
	}
	if prevLen >= minMatch {
		m := s - 1
		seqs = append(seqs, seq{lits: uint32(m - lit), mlen: uint16(prevLen), dist: uint16(prevDist)})
		e.count(buf[lit:m], prevLen, prevDist)
		end := m + prevLen
		for i := s; i < min(end, hashEnd+1); i++ {
			c.insert(buf, i)
		}
		s = end
		lit = s
	}
	if final && !full {
		s = len(buf) // the last bytes, too few to hash, are literals
	}
	s = min(s, len(buf))
	if s > lit {
		seqs = append(seqs, seq{lits: uint32(s - lit)})
		e.count(buf[lit:s], 0, 0)
	}
	e.seqs = seqs
	e.pos = s
	return full
}

// find returns the longest match at s longer than atLeast, following the
// hash chain, or 0, 0 if there is none.
func (c *chainer) find(buf []byte, s, atLeast, wsize int, p *levelParams) (length, dist int) {
	maxLen := min(maxMatch, len(buf)-s)
	best := max(atLeast, minMatch-1)
	if best >= maxLen {
		return 0, 0
	}
	tries := p.chain
	if atLeast >= p.good {
		tries >>= 2
	}
	nice := min(p.nice, maxLen)
	cur := buf[s : s+maxLen]
	cv := load32(buf, s)
	abs := int(c.table[hashIndex(cv)&c.mask])
	// Candidates must lie in the buffer and within the window.
	lowest := c.base + max(0, s-wsize)
	for ; tries > 0 && abs >= lowest; tries-- {
		i := abs - c.base
		if buf[i+best] == cur[best] && load32(buf, i) == cv {
			l := minMatch + matchLen(buf[i+minMatch:], cur[minMatch:])
			if l > best {
				best, dist = l, s-i
				if l >= nice {
					break
				}
			}
		}
		d := int(c.chain[abs&chainMask])
		if d == 0 {
			break
		}
		abs -= d
	}
	if dist == 0 {
		return 0, 0
	}
	return best, dist
}
