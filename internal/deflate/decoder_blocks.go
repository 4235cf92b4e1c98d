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
		d.left = int(n)
		if n == 0 {
			d.endBlock()
		} else {
			d.state = decStateStored
		}
	case 1:
		d.lt, d.dt = &decFixedLit, &decFixedDist
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
		k := min(d.left, limit-d.wpos)
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
	nlit := int(d.bits&31) + 257
	ndist := int(d.bits>>5&31) + 1
	ncl := int(d.bits>>10&15) + 4
	d.drop(14)
	if nlit > 286 || ndist > 30 {
		return decCorrupt("%d literal/length and %d distance codes", nlit, ndist)
	}
	var cl [19]uint8
	for i := range ncl {
		if err := d.need(3); err != nil {
			return err
		}
		cl[decCLOrder[i]] = uint8(d.bits & 7)
		d.drop(3)
	}
	if err := decBuildLens(d.cl[:], decCLBits, cl[:], decCLSyms[:], false); err != nil {
		return fmt.Errorf("%w in the code-length code", err)
	}

	// Decode the code lengths, and list the symbols that have a code.
	lens := d.lens[:nlit+ndist]
	order := d.order[:]
	n := 0
	for i := 0; i < len(lens); {
		if d.nbits < 14 {
			d.refill()
		}
		var e uint32
		if d.nbits >= 14 {
			// Enough bits for a code and its extra bits.
			e = d.cl[d.bits&(1<<decCLBits-1)]
			d.drop(uint(e & 15))
		} else {
			var err error
			if e, err = d.sym(d.cl[:], decCLBits); err != nil {
				return err
			}
		}
		s := uint8(e >> 16)
		if s < 16 {
			lens[i] = s
			if s != 0 {
				order[n] = uint16(i)
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
		rep += int(d.bits & (1<<nb - 1))
		d.drop(nb)
		if i+rep > len(lens) {
			return decCorrupt("code lengths repeated past the %d codes", len(lens))
		}
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
	if lens[256] == 0 {
		return decCorrupt("no end-of-block code")
	}
	// Split the list in two, and count the codes of each length.
	var litCount, distCount [16]int
	k := 0
	for ; k < n && int(order[k]) < nlit; k++ {
		litCount[lens[order[k]]]++
	}
	for j := k; j < n; j++ {
		order[j] -= uint16(nlit)
		distCount[lens[nlit+int(order[j])]]++
	}
	if err := decBuild(d.lit[:], decLitBits, lens[:nlit], decLitSyms[:], &litCount, order[:k], false); err != nil {
		return fmt.Errorf("%w in the literal/length code", err)
	}
	if err := decBuild(d.dist[:], decDistBits, lens[nlit:], decDistSyms[:], &distCount, order[k:n], true); err != nil {
		return fmt.Errorf("%w in the distance code", err)
	}
	d.lt, d.dt = &d.lit, &d.dist
	d.state = decStateHuff
	return nil
}

// decBuildLens is decBuild for code lengths lens as they are.
func decBuildLens(t []uint32, root uint, lens []uint8, syms []uint32, incompleteOK bool) error {
	var count [16]int
	var order [288]uint16
	n := 0
	for s, l := range lens {
		if l != 0 {
			count[l&15]++
			order[n] = uint16(s)
			n++
		}
	}
	return decBuild(t, root, lens, syms, &count, order[:n], incompleteOK)
}

// decBuild fills t with the decoding table of the prefix code with code
// lengths lens (at most 15 each), whose symbols have the entries syms: a root
// table of 1<<root entries, then the subtables. count[l] is the number of
// codes of l bits, and order lists the symbols that have a code, in
// increasing order. The code must be complete, or, with incompleteOK
// (distance codes), have a single code of one bit or none at all (RFC 1951
// §3.2.7); the bits that start no code then decode to invalid entries.
func decBuild(t []uint32, root uint, lens []uint8, syms []uint32, count *[16]int, order []uint16, incompleteOK bool) error {
	used, free := len(order), 1
	for l := 1; l <= 15; l++ {
		free = free<<1 - count[l]
		if free < 0 {
			return decCorrupt("over-subscribed code")
		}
	}
	if free > 0 {
		if !incompleteOK || used > 1 || used == 1 && count[1] != 1 {
			return decCorrupt("incomplete code")
		}
		// One code of one bit, 0, or none: the other entries are invalid.
		for i := range 1 << root {
			t[i] = decBad | uint32(root)
		}
		if used == 1 {
			for i := 0; i < 1<<root; i += 2 {
				t[i] = syms[order[0]] | 1
			}
		}
		return nil
	}

	// The symbols in code order: by length, then symbol.
	var next [16]int
	for l := 1; l < 15; l++ {
		next[l+1] = next[l] + count[l]
	}
	var sorted [288]uint16
	for _, s := range order {
		l := lens[s] & 15
		sorted[next[l]] = s
		next[l]++
	}

	// pos is the next code, left-aligned to 15 bits. Codes are sent most
	// significant bit first and tables indexed by the bits in the order
	// they come, so a code's entries are at its bit reversal.
	const mask15 = 1<<15 - 1
	pos, i := 0, 0
	// Codes of up to root bits, shortest first. The root table grows from
	// 1<<l entries for the shortest length l, doubling (copying itself)
	// before each longer length, so that the entry written for a code of
	// l bits ends up everywhere its bits are followed by any others. The
	// entries not written are those of the longer codes, written later.
	size := 0
	for ; i < used; i++ {
		s := sorted[i]
		l := uint(lens[s])
		if l > root {
			break
		}
		if size == 0 {
			size = 1 << l
		}
		for size < 1<<l {
			copy(t[size:2*size], t[:size])
			size *= 2
		}
		t[bits.Reverse16(uint16(pos>>(15-l)))>>(16-l)] = syms[s] | uint32(l)
		pos += 1 << (15 - l)
	}
	if size > 0 {
		for size < 1<<root {
			copy(t[size:2*size], t[:size])
			size *= 2
		}
	}

	// Longer codes: a root entry for their first root bits links to a
	// subtable for the rest.
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
			prefix, subStart, subBits = p, free, m-root
			free += 1 << subBits
			if free > len(t) {
				return decCorrupt("code too large for its table")
			}
			t[p] = decLink | uint32(subStart)<<16 | uint32(subBits)<<8
		}
		e := syms[s] | uint32(l)
		for k := rev >> root; k < 1<<subBits; k += 1 << (l - root) {
			t[subStart+k] = e
		}
		pos += 1 << (15 - l)
	}
	return nil
}
