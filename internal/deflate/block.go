package deflate

import (
	"encoding/binary"
	"math/bits"
)

// Block writing: each block goes out in whichever of the three block types of
// RFC 1951 §3.2.3 (stored, fixed Huffman, dynamic Huffman) is smallest for
// it, computed exactly in bits from the block's symbol counts.

// Block types, as the three header bits BFINAL (always 0 here) and BTYPE.
const (
	headerStored  = 0 << 1
	headerFixed   = 1 << 1
	headerDynamic = 2 << 1
)

// maxStored is the most bytes one stored block can hold (LEN is 16 bits).
const maxStored = 65535

// Length codes: lenCode[l-3] is the length code (0..28, symbol 257+code) of a
// match of length l, and lenExtraBits/lenBase give each code's extra bits
// and the value of l-3 that it starts at (RFC 1951 §3.2.5).
var (
	lenCode      [256]uint8
	lenExtraBits [29]uint8
	lenBase      [29]uint8
)

// The fixed Huffman code of RFC 1951 §3.2.6, bit-reversed for writing.
var (
	fixedLitCodes  [numLitLen]codeWord
	fixedDistCodes [numDist]codeWord
)

// distExtraBits is the number of extra bits of each distance code.
var distExtraBits [numDist]uint8

// codeLenOrder is the order in which the code-length code's lengths are
// written in a dynamic block header (RFC 1951 §3.2.7).
var codeLenOrder = [numCodeLen]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func init() {
	// A length code covers 1<<extra lengths; codes 0..7 one each, then four
	// codes per number of extra bits from 1 to 5. Length 258 has its own
	// code, 28, with no extra bits (code 27 with 5 extra bits stops at 257).
	for y := range 255 {
		var c, nb int
		if y < 8 {
			c = y
		} else {
			nb = bits.Len8(uint8(y)) - 3
			c = 4*(nb+1) + (y>>nb)&3
		}
		lenCode[y] = uint8(c)
		lenExtraBits[c] = uint8(nb)
		if lenBase[c] == 0 || y < int(lenBase[c]) {
			lenBase[c] = uint8(y)
		}
	}
	lenCode[255] = 28
	lenBase[28] = 255

	var lit [288]uint8
	for s := range lit {
		switch {
		case s < 144:
			lit[s] = 8
		case s < 256:
			lit[s] = 9
		case s < 280:
			lit[s] = 7
		default:
			lit[s] = 8
		}
	}
	var all [288]uint16
	for s := range all {
		all[s] = uint16(s)
	}
	var codes [288]codeWord
	assignCodes(lit[:], codes[:], all[:])
	copy(fixedLitCodes[:], codes[:])
	var dist [numDist]uint8
	for c := range dist {
		dist[c] = 5
		if c >= 4 {
			distExtraBits[c] = uint8(c/2 - 1)
		}
	}
	assignCodes(dist[:], fixedDistCodes[:], all[:numDist])
}

// distSymTab maps a distance d to its code: entry d-1 for d <= 256, entry
// 256+(d-1)>>7 beyond, since from code 16 on each code spans a multiple of
// 128 distances.
var distSymTab [512]uint8

// distBase is the first distance of each distance code, minus one.
var distBase [numDist]uint16

func init() {
	code := func(x int) uint8 {
		if x < 4 {
			return uint8(x)
		}
		l := bits.Len32(uint32(x))
		return uint8(2*(l-1) + (x>>(l-2))&1)
	}
	for i := range 256 {
		distSymTab[i] = code(i)
		distSymTab[256+i] = code(i << 7)
	}
	for c := range distBase {
		if c < 4 {
			distBase[c] = uint16(c)
		} else {
			distBase[c] = uint16((2 + c&1) << (c/2 - 1))
		}
	}
}

// distSym returns the distance code of distance d (1..32768).
func distSym(d int) int {
	x := uint(d-1) & (maxWindow - 1)
	if x < 256 {
		return int(distSymTab[x])
	}
	return int(distSymTab[256+x>>7])
}

// distCode returns the distance code of distance d (1..32768), and the value
// and number of its extra bits.
func distCode(d int) (code int, extra uint64, nb uint) {
	code = distSym(d)
	return code, uint64(d-1) - uint64(distBase[code]), uint(distExtraBits[code])
}

// bitWriter packs bits least significant first into a byte buffer with
// 64-bit stores. out[:o] is finished output; the low n bits of acc come
// next. Callers reserve room first, and call flush often enough that acc
// never holds more than 64 bits.
type bitWriter struct {
	out []byte
	o   int
	acc uint64
	n   uint
}

// reserve makes room for at least k more bytes of output, plus the slack
// that flush's 8-byte store needs.
func (w *bitWriter) reserve(k int) {
	need := w.o + k + 16
	if need <= len(w.out) {
		return
	}
	out := make([]byte, max(need, 2*len(w.out)))
	copy(out, w.out[:w.o])
	w.out = out
}

func (w *bitWriter) put(v uint64, nb uint) {
	w.acc |= v << w.n
	w.n += nb
}

// flush moves the whole bytes of acc to out, leaving fewer than 8 bits.
func (w *bitWriter) flush() {
	binary.LittleEndian.PutUint64(w.out[w.o:], w.acc)
	k := w.n >> 3
	w.o += int(k)
	w.acc >>= k << 3
	w.n &= 7
}

// align pads with zero bits to a byte boundary and flushes.
func (w *bitWriter) align() {
	w.flush()
	if w.n > 0 {
		w.o++
		w.acc, w.n = 0, 0
	}
}

// blockCosts holds the exact size in bits of the pending block in each
// block type.
type blockCosts struct {
	stored, fixed, dynamic int
}

// emitBlock writes the sequences in e.seqs, which cover e.buf[e.blockStart:e.pos],
// as one block of the smallest type (a stored block may be split in several
// when longer than 65535 bytes), then starts a new block.
func (e *Encoder) emitBlock() {
	if e.pos == e.blockStart {
		return
	}
	c := e.costs()
	w := &e.bw
	switch {
	case c.stored <= c.fixed && c.stored <= c.dynamic:
		w.reserve(c.stored/8 + 1)
		e.writeStored(e.buf[e.blockStart:e.pos])
	case c.fixed <= c.dynamic:
		w.reserve(c.fixed/8 + 1)
		w.put(headerFixed, 3)
		e.writeSeqs(&fixedLitCodes, &fixedDistCodes)
	default:
		w.reserve(c.dynamic/8 + 1)
		w.put(headerDynamic, 3)
		e.writeDynamicHeader()
		e.writeSeqs(&e.litCodes, &e.distCodes)
	}
	e.seqs = e.seqs[:0]
	e.blockStart = e.pos
	e.clearCounts()
}

// count adds a sequence to the symbol counts of the pending block: literals,
// then a match of length mlen at distance dist if mlen is not 0. The
// tokenizers call it as they go, while the literals are still in cache.
func (e *Encoder) count(lits []byte, mlen, dist int) {
	e.nlits += len(lits)
	// Literals are counted alternately in two tables, so that a byte that
	// repeats (a quote in JSON) does not make each count wait for the
	// previous one.
	lf, lf2 := &e.litFreq, &e.litFreq2
	for len(lits) >= 2 {
		lf[lits[0]]++
		lf2[lits[1]]++
		lits = lits[2:]
	}
	if len(lits) == 1 {
		lf[lits[0]]++
	}
	if mlen != 0 {
		lf[257+int(lenCode[mlen-3])]++
		e.distFreq[distSym(dist)]++
	}
}

// histogram completes the symbol counts of the pending block in e.litFreq
// and e.distFreq, adding one end-of-block symbol, and returns the number of
// literals.
func (e *Encoder) histogram() int {
	for c, f := range e.litFreq2 {
		e.litFreq[c] += f
	}
	clear(e.litFreq2[:])
	e.litFreq[endOfBlock] = 1
	return e.nlits
}

// clearCounts starts the counts of a new block.
func (e *Encoder) clearCounts() {
	clear(e.litFreq[:])
	clear(e.litFreq2[:])
	clear(e.distFreq[:])
	e.nlits = 0
}

// costs counts the symbols of the pending block and computes its size in
// each block type. On return the dynamic code (e.litLens, e.distLens and the
// header: code-length code and run-length encoded lengths) is built, whether
// or not it is used.
func (e *Encoder) costs() blockCosts {
	nlits := e.histogram()
	lf := &e.litFreq
	df := &e.distFreq
	var c blockCosts

	// Stored: per piece of at most 65535 bytes, 3 header bits, padding to a
	// byte boundary, LEN and NLEN, then the bytes.
	n := e.pos - e.blockStart
	pad := (8 - (int(e.bw.n)+3)%8) % 8
	c.stored = 3 + pad + 32 + 8*min(n, maxStored)
	for rest := n - maxStored; rest > 0; rest -= maxStored {
		c.stored += 3 + 5 + 32 + 8*min(rest, maxStored)
	}

	// Extra bits, the same in both Huffman types.
	extra := 0
	for i, f := range lf[257:] {
		extra += int(f) * int(lenExtraBits[i])
	}
	nd := 0
	for i, f := range df {
		extra += int(f) * int(distExtraBits[i])
		nd += int(f)
	}

	// Fixed: literals 0..143 take 8 bits and 144..255 take 9; symbols
	// 256..279 take 7 and 280..285 take 8; distances 5.
	fixed := 8*nlits + 5*nd + extra
	for _, f := range lf[144:256] {
		fixed += int(f)
	}
	for _, f := range lf[256:280] {
		fixed += 7 * int(f)
	}
	for _, f := range lf[280:] {
		fixed += 8 * int(f)
	}
	c.fixed = 3 + fixed

	// Dynamic: the header, then the data in the built codes.
	data := extra
	data += e.hf.build(lf[:], e.litLens[:], maxCodeBits, &e.litSyms)
	data += e.hf.build(df[:], e.distLens[:], maxCodeBits, &e.distSyms)
	c.dynamic = 3 + e.buildDynamicHeader() + data
	return c
}

// buildDynamicHeader prepares the header of a dynamic block for the code
// lengths in e.litLens and e.distLens: the counts HLIT and HDIST, the
// run-length encoding of the lengths (RFC 1951 §3.2.7) in e.rle, and the
// code-length code. It returns the header's size in bits.
func (e *Encoder) buildDynamicHeader() int {
	hlit := numLitLen
	for hlit > 257 && e.litLens[hlit-1] == 0 {
		hlit--
	}
	hdist := numDist
	for hdist > 1 && e.distLens[hdist-1] == 0 {
		hdist--
	}
	e.hlit, e.hdist = hlit, hdist
	// The two length sequences are run-length encoded as one: runs may
	// cross from one to the other.
	lens := e.lens[:hlit+hdist]
	copy(lens, e.litLens[:hlit])
	copy(lens[hlit:], e.distLens[:hdist])

	cf := &e.clFreq
	clear(cf[:])
	r := e.rle[:0]
	for i := 0; i < len(lens); {
		v := lens[i]
		run := 1
		for i+run < len(lens) && lens[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 11 {
				k := min(run, 138)
				r = append(r, rleSym{18, uint8(k - 11)})
				run -= k
			}
			if run >= 3 {
				r = append(r, rleSym{17, uint8(run - 3)})
				run = 0
			}
		} else {
			r = append(r, rleSym{v, 0})
			run--
			for run >= 3 {
				k := min(run, 6)
				r = append(r, rleSym{16, uint8(k - 3)})
				run -= k
			}
		}
		for ; run > 0; run-- {
			r = append(r, rleSym{v, 0})
		}
	}
	e.rle = r
	for _, s := range r {
		cf[s.sym]++
	}
	size := e.hf.build(cf[:], e.clLens[:], maxCodeLenBits, &e.clSyms)
	size += 2*int(cf[16]) + 3*int(cf[17]) + 7*int(cf[18])
	hclen := numCodeLen
	for hclen > 4 && e.clLens[codeLenOrder[hclen-1]] == 0 {
		hclen--
	}
	e.hclen = hclen
	return size + 5 + 5 + 4 + 3*hclen
}

// rleSym is one symbol of the run-length encoded code lengths: a length
// 0..15, or 16, 17 or 18 with the value of its extra bits.
type rleSym struct {
	sym, extra uint8
}

// rleExtraBits is the number of extra bits of code-length symbols 16..18.
var rleExtraBits = [numCodeLen]uint8{16: 2, 17: 3, 18: 7}

// writeDynamicHeader writes the header prepared by buildDynamicHeader and
// assigns the codes of the block's two alphabets.
func (e *Encoder) writeDynamicHeader() {
	w := &e.bw
	w.put(uint64(e.hlit-257)|uint64(e.hdist-1)<<5|uint64(e.hclen-4)<<10, 14)
	w.flush()
	// Up to 19 lengths of 3 bits: at most 57 bits, in two halves.
	var v uint64
	for i, s := range codeLenOrder[:e.hclen] {
		v |= uint64(e.clLens[s]) << (3 * i)
	}
	w.put(v&(1<<30-1), min(uint(e.hclen), 10)*3)
	w.flush()
	w.put(v>>30, uint(max(e.hclen-10, 0))*3)
	w.flush()
	assignCodes(e.clLens[:], e.clCodes[:], e.clSyms.list())
	for _, s := range e.rle {
		c := e.clCodes[s.sym]
		w.put(c.bits()|uint64(s.extra)<<c.len(), c.len()+uint(rleExtraBits[s.sym]))
		if w.n >= 48 {
			w.flush()
		}
	}
	w.flush()
	assignCodes(e.litLens[:], e.litCodes[:], e.litSyms.list())
	assignCodes(e.distLens[:], e.distCodes[:], e.distSyms.list())
}

// writeSeqs writes the pending sequences and the end-of-block symbol with the
// given codes.
//
// Shift counts are masked with 63 where they are known to be below 64 so
// that the compiler need not handle larger ones.
func (e *Encoder) writeSeqs(lc *[numLitLen]codeWord, dc *[numDist]codeWord) {
	w := &e.bw
	out, o, acc, n := w.out, w.o, w.acc, w.n
	buf := e.buf
	p := e.blockStart
	for _, q := range e.seqs {
		lits := buf[p : p+int(q.lits)]
		p += int(q.lits) + int(q.mlen)
		// Three literals take at most 45 bits, and n < 8 between groups.
		for len(lits) >= 3 {
			v0, v1, v2 := lc[lits[0]], lc[lits[1]], lc[lits[2]]
			lits = lits[3:]
			acc |= v0.bits() << (n & 63)
			n += v0.len()
			acc |= v1.bits() << (n & 63)
			n += v1.len()
			acc |= v2.bits() << (n & 63)
			n += v2.len()
			binary.LittleEndian.PutUint64(out[o:], acc)
			o += int(n >> 3)
			acc >>= (n &^ 7) & 63
			n &= 7
		}
		for _, c := range lits {
			v := lc[c]
			acc |= v.bits() << (n & 63)
			n += v.len()
		}
		// Two literals and a match (at most 30+48 bits) would not fit.
		binary.LittleEndian.PutUint64(out[o:], acc)
		o += int(n >> 3)
		acc >>= (n &^ 7) & 63
		n &= 7
		if q.mlen == 0 {
			continue
		}
		// A match takes at most 15+5+15+13 = 48 bits.
		y := q.mlen - 3
		c := lenCode[y]
		v := lc[257+int(c)]
		acc |= v.bits() << (n & 63)
		n += v.len()
		acc |= uint64(y-uint16(lenBase[c])) << (n & 63)
		n += uint(lenExtraBits[c])
		d, dx, dnb := distCode(int(q.dist))
		v = dc[d]
		acc |= v.bits() << (n & 63)
		n += v.len()
		acc |= dx << (n & 63)
		n += dnb
		binary.LittleEndian.PutUint64(out[o:], acc)
		o += int(n >> 3)
		acc >>= (n &^ 7) & 63
		n &= 7
	}
	v := lc[endOfBlock]
	acc |= v.bits() << (n & 63)
	n += v.len()
	w.out, w.o, w.acc, w.n = out, o, acc, n
	w.flush()
}

// writeStored writes data as stored blocks of at most 65535 bytes.
func (e *Encoder) writeStored(data []byte) {
	w := &e.bw
	for {
		k := min(len(data), maxStored)
		w.put(headerStored, 3)
		w.align()
		binary.LittleEndian.PutUint16(w.out[w.o:], uint16(k))
		binary.LittleEndian.PutUint16(w.out[w.o+2:], ^uint16(k))
		w.o += 4
		w.o += copy(w.out[w.o:], data[:k])
		data = data[k:]
		if len(data) == 0 {
			return
		}
	}
}
