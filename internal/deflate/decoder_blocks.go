package deflate

import (
	"fmt"
	"io"
	"math/bits"
)

// This file holds the Decoder's block headers (stored, fixed, dynamic) and the
// building of its Huffman decoding tables; decoder.go has the rest.

// ---- blocks ----

// header reads a block header, and a stored block's length or a dynamic
// block's codes.
func (d *Decoder) header() error {
	d.refill()
	// iend-ipos <= decInSize: the sum cannot overflow.
	if !d.mayRead() && d.nbits+8*uint(d.iend-d.ipos) < decMaxHeaderBits {
		return errDecYield
	}
	if d.nbits < 8 && d.ipos == d.iend {
		// No more than the padding of a byte is left: the message may end
		// here.
		if err := d.fill(); err != nil {
			if err == io.EOF {
				d.end()
				return nil
			}
			return err
		}
		d.refill()
	}
	if err := d.need(3); err != nil {
		return err
	}
	h := d.bits & 7
	d.drop(3)
	d.final = h&1 != 0
	switch h >> 1 {
	case 0:
		d.drop(d.nbits & 7)
		if d.nbits == 0 && d.ipos == d.iend {
			// The sender removed LEN and NLEN of this, its last block.
			if err := d.fill(); err != nil {
				if err == io.EOF {
					d.end()
					return nil
				}
				return err
			}
		}
		if err := d.need(32); err != nil {
			return err
		}
		n, nn := uint16(d.bits), uint16(d.bits>>16)
		d.drop(32)
		if n != ^nn {
			return decCorrupt("stored block length %#04x, complement %#04x", n, nn)
		}
		// At most 65535; stored copies at most what fits before its limit.
		d.left = int(n)
		if n == 0 {
			d.endBlock()
		} else {
			d.state = decStateStored
		}
	case 1:
		d.lt, d.dt = &decFixedLit, &decFixedDist
		d.lmask, d.dmask = decFixedLitMask, decFixedDistMask
		d.state = decStateHuff
	case 2:
		return d.dynamic()
	default:
		return decCorrupt("reserved block type")
	}
	return nil
}

// stored copies the data of a stored block.
func (d *Decoder) stored(limit int) error {
	for d.left > 0 && d.wpos < limit {
		k := min(d.left, limit-d.wpos) // buf[wpos:wpos+k] is within buf
		switch {
		case d.nbits > 0:
			// Whole bytes, since the block started at a byte boundary.
			for ; k > 0 && d.nbits > 0; k-- {
				d.buf[d.wpos] = byte(d.bits)
				d.wpos++
				d.left--
				d.drop(8)
			}
		case d.ipos < d.iend:
			// Forget the bits of in[ipos:] that a refill loaded ahead:
			// they are copied from there.
			d.bits = 0
			c := copy(d.buf[d.wpos:d.wpos+k], d.in[d.ipos:d.iend])
			d.ipos += c
			d.wpos += c
			d.left -= c
		default:
			if !d.mayRead() {
				return errDecYield
			}
			c, err := d.read(d.buf[d.wpos : d.wpos+k])
			if err != nil {
				if err == io.EOF {
					return io.ErrUnexpectedEOF
				}
				return err
			}
			d.wpos += c
			d.left -= c
		}
	}
	if d.left == 0 {
		d.endBlock()
	}
	return nil
}

// dynamic reads the codes of a dynamic block (RFC 1951 §3.2.7) and builds
// their tables.
func (d *Decoder) dynamic() error {
	if err := d.need(14); err != nil {
		return err
	}
	// Fields of 5, 5 and 4 bits: nlit <= 288, ndist <= 32, ncl <= 19.
	nlit := int(d.bits&31) + 257
	ndist := int(d.bits>>5&31) + 1
	ncl := int(d.bits>>10&15) + 4
	d.drop(14)
	if nlit > 286 || ndist > 30 {
		return decCorrupt("%d literal/length and %d distance codes", nlit, ndist)
	}
	// From here nlit+ndist <= 316, the size of d.lens and d.order.

	var cl [19]uint8
	for i := 0; i < ncl; {
		// Up to 18 lengths of 3 bits at a time: need takes at most 56 bits.
		k := min(ncl-i, 18)
		if err := d.need(uint(3 * k)); err != nil {
			return err
		}
		for ; k > 0; k-- {
			cl[decCLOrder[i]] = uint8(d.bits & 7) // i < ncl <= 19
			d.drop(3)
			i++
		}
	}
	var clCount [16]int
	var clOrder [19]uint16
	n := 0
	for s, l := range cl {
		if l != 0 {
			clCount[l]++ // l < 8
			clOrder[n] = uint16(s)
			n++
		}
	}
	clRoot, err := decBuild(d.cl[:], decCLBits, cl[:], decCLSyms[:], &clCount, clOrder[:n], d.sorted[:], false)
	if err != nil {
		return fmt.Errorf("%w in the code-length code", err)
	}
	clMask := uint64(1)<<clRoot - 1

	// Decode the code lengths, and list the symbols that have a code.
	lens := d.lens[:nlit+ndist]
	order := d.order[:]
	n = 0
	for i := 0; i < len(lens); {
		if d.nbits < 14 {
			d.refill()
		}
		var e uint32
		if d.nbits >= 14 {
			// Enough bits for a code and its extra bits.
			e = d.cl[d.bits&clMask]
			d.drop(uint(e & 15))
		} else {
			var err error
			if e, err = d.sym(d.cl[:], clMask, decCLBits); err != nil {
				return err
			}
		}
		// The code-length code is complete: every entry is one of
		// decCLSyms, a symbol up to 18.
		s := uint8(e >> 16)
		if s < 16 {
			lens[i] = s // i < len(lens): the loop's condition
			if s != 0 {
				order[n] = uint16(i) // n <= i: one entry per length
				n++
			}
			i++
			continue
		}
		var v uint8
		var nb uint
		rep := 3
		switch s {
		case 16:
			if i == 0 {
				return decCorrupt("repeated code length with none before")
			}
			v, nb = lens[i-1], 2
		case 17:
			nb = 3
		default:
			nb, rep = 7, 11
		}
		if err := d.need(nb); err != nil {
			return err
		}
		rep += int(d.bits & (1<<nb - 1)) // at most 6, 10 or 138
		d.drop(nb)
		if i+rep > len(lens) {
			return decCorrupt("code lengths repeated past the %d codes", len(lens))
		}
		// From here lens[i:i+rep] and order[n:n+rep] (n <= i) are in range.
		if v == 0 {
			clear(lens[i : i+rep])
			i += rep
			continue
		}
		for range rep {
			lens[i] = v
			order[n] = uint16(i)
			n++
			i++
		}
	}
	if lens[256] == 0 { // nlit >= 257
		return decCorrupt("no end-of-block code")
	}
	// Split the list in two, and count the codes of each length (up to 15).
	var litCount, distCount [16]int
	k := 0
	for ; k < n && int(order[k]) < nlit; k++ {
		litCount[lens[order[k]]]++
	}
	for j := k; j < n; j++ {
		order[j] -= uint16(nlit) // order[j] >= nlit: the list is in order
		distCount[lens[nlit+int(order[j])]]++
	}
	// A literal/length code may be incomplete like a distance code: with a
	// single code of one bit, which is then the end of block, as zlib and
	// compress/flate accept (an empty block whose encoder gave its only
	// symbol a code of one bit). A code with none is refused above.
	litRoot, err := decBuild(d.lit[:], decLitBits, lens[:nlit], decLitSyms[:], &litCount, order[:k], d.sorted[:], true)
	if err != nil {
		return fmt.Errorf("%w in the literal/length code", err)
	}
	distRoot, err := decBuild(d.dist[:], decDistBits, lens[nlit:], decDistSyms[:], &distCount, order[k:n], d.sorted[:], true)
	if err != nil {
		return fmt.Errorf("%w in the distance code", err)
	}
	d.lt, d.dt = &d.lit, &d.dist
	d.lmask, d.dmask = 1<<litRoot-1, 1<<distRoot-1
	d.state = decStateHuff
	return nil
}

// decBuildLens is decBuild for code lengths lens (at most 288) as they are.
func decBuildLens(t []uint32, root uint, lens []uint8, syms []uint32, incompleteOK bool) (uint, error) {
	var count [16]int
	var order, sorted [288]uint16
	n := 0
	for s, l := range lens {
		if l != 0 {
			count[l&15]++
			order[n] = uint16(s)
			n++
		}
	}
	return decBuild(t, root, lens, syms, &count, order[:n], sorted[:], incompleteOK)
}

// decBuild fills t with the decoding table of the prefix code with code
// lengths lens (at most 15 each), whose symbols have the entries syms, and
// returns the bits b of its root table: a root table of 1<<b entries, then
// the subtables. count[l] is the number of codes of l bits, and order lists
// the symbols that have a code, in increasing order; sorted is room for as
// many. The code must be complete, or, with incompleteOK, have a single
// code of one bit or none at all (RFC 1951 §3.2.7 allows it for distance
// codes); the bits that start no code then decode to invalid entries, of as
// many bits as it takes to know (one, or none without a code), as
// compress/flate reads them.
//
// The root table has as many bits as the longest code, up to root, so that
// its size follows the code rather than the alphabet: a code whose longest
// code has l bits fills 1<<l entries at most, plus its subtables when l >
// root, and only a header that spells at least l+1 codes costs that much.
// Entries are copied by doubling (decRepeat); the work is that of
// 1<<b entries, plus one entry per code and per subtable entry (see
// decLitSize).
func decBuild(t []uint32, root uint, lens []uint8, syms []uint32, count *[16]int, order, sorted []uint16, incompleteOK bool) (uint, error) {
	// free is the number of codes of l bits left unused: once negative
	// it stays so, growing at most to 288<<15 in magnitude. next[l] is
	// where the codes of l bits start in sorted; at most used.
	used := len(order)
	free, longest := 1, uint(0)
	var next [16]int
	for l, c := 1, 0; l <= 15; l++ {
		n := count[l] // at most 288
		free = free<<1 - n
		next[l] = c
		c += n
		if n != 0 {
			longest = uint(l)
		}
	}
	if free < 0 {
		return 0, decCorrupt("over-subscribed code")
	}
	if free > 0 {
		if !incompleteOK || used > 1 || used == 1 && count[1] != 1 {
			return 0, decCorrupt("incomplete code")
		}
		// One code of one bit, 0, or none: the other entries are invalid.
		if used == 0 {
			t[0] = decBad
			return 0, nil
		}
		t[0], t[1] = syms[order[0]]|1, decBad|1
		return 1, nil
	}
	root = min(root, longest)

	// The symbols in code order: by length, then symbol.
	for _, s := range order {
		l := lens[s] & 15
		sorted[next[l]] = s // next[l] < used: the lengths partition [0, used)
		next[l]++
	}
	sorted = sorted[:used]

	// pos is the next code, left-aligned to 15 bits: below 1<<15 while
	// codes are left, since the code is complete. Codes are sent most
	// significant bit first and tables indexed by the bits in the order
	// they come, so a code's entries are at its bit reversal.
	//
	// Codes of up to root bits, shortest first. The root table grows from
	// 1<<l entries for the shortest length l, doubling (copying itself)
	// before each longer length, so that the entry written for a code of
	// l bits ends up everywhere its bits are followed by any others. The
	// entries not written are those of the longer codes, written later.
	pos, i := decRoot(t, root, count, sorted, syms)

	// Longer codes, only when root is the root passed: a root entry for
	// their first root bits links to a subtable for the rest.
	const mask15 = 1<<15 - 1
	rootMask := 1<<root - 1
	free = 1 << root // the next subtable's index
	prefix, subStart, subBits := -1, 0, uint(0)
	for ; i < used; i++ {
		s := sorted[i]
		l := uint(lens[s])
		rev := int(bits.Reverse16(uint16(pos>>(15-l))) >> (16 - l))
		if p := rev & rootMask; p != prefix {
			// A new subtable, for the codes that start with the bits p.
			// The last of them is the longest and sets its size.
			end := (pos | mask15>>root) + 1
			m := l
			for q, j := pos, i; q < end && j < used; j++ {
				m = uint(lens[sorted[j]])
				q += 1 << (15 - m)
			}
			prefix, subStart, subBits = p, free, m-root // m >= l > root
			free += 1 << subBits
			if free > len(t) {
				return 0, decCorrupt("code too large for its table")
			}
			t[p] = decLink | uint32(subStart)<<16 | uint32(subBits)<<8
		}
		// rev>>root + k < 1<<subBits: within the subtable, below free.
		e := syms[s] | uint32(l)
		for k := rev >> root; k < 1<<subBits; k += 1 << (l - root) {
			t[subStart+k] = e
		}
		pos += 1 << (15 - l)
	}
	return root, nil
}

// decRoot writes the root table of root bits for the codes of up to root
// bits, of count[l] codes of l bits, whose symbols are sorted in code order,
// and returns the next code, left-aligned to 15 bits, and the number of
// codes written.
//
// pos is the next code, left-aligned to 15 bits: below 1<<15 while codes
// are left, since the code is complete. Codes are sent most significant bit
// first and tables indexed by the bits in the order they come, so a code's
// entries are at its bit reversal. Codes are written shortest first, and the
// root table grows from 1<<l entries for the shortest length l, doubling
// (copying itself) before each longer length, so that the entry written for
// a code of l bits ends up everywhere its bits are followed by any others.
// The entries not written are those of the longer codes, written later.
func decRoot(t []uint32, root uint, count *[16]int, sorted []uint16, syms []uint32) (pos, i int) {
	size := 0
	for l := uint(1); l <= root; l++ {
		n := count[l&15]
		if n == 0 {
			continue
		}
		if size > 0 {
			decRepeat(t, size, 1<<(l&15))
		}
		size = 1 << (l & 15)
		e, step := uint32(l), 1<<((15-l)&15)
		for _, s := range sorted[i : i+n] { // i+n <= used
			// The reversal of the l bits of the code (pos left-aligned
			// to 16 bits) is below 1<<l <= 1<<root.
			t[bits.Reverse16(uint16(pos<<1))] = syms[s] | e
			pos += step
		}
		i += n
	}
	if size > 0 {
		decRepeat(t, size, 1<<(root&15))
	}
	return pos, i
}

// decRepeat repeats t[:size] until it fills t[:end], size and end being
// powers of two: the entries for the bits so far, whatever bits follow.
// Below 16 entries it doubles them one by one, which costs less than
// calling copy for a few bytes.
func decRepeat(t []uint32, size, end int) {
	for ; size < end && size < 16; size *= 2 {
		for i, e := range t[:size] {
			t[size+i] = e
		}
	}
	for ; size < end; size *= 2 {
		copy(t[size:2*size], t[:size])
	}
}
