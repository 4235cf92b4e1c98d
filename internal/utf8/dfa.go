package utf8

// The automaton below is read off the ABNF of RFC 3629 §4:
//
//	UTF8-char   = UTF8-1 / UTF8-2 / UTF8-3 / UTF8-4
//	UTF8-1      = %x00-7F
//	UTF8-2      = %xC2-DF UTF8-tail
//	UTF8-3      = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//	              %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//	UTF8-4      = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//	              %xF4 %x80-8F 2( UTF8-tail )
//	UTF8-tail   = %x80-BF
//
// Bytes fall into twelve classes: those the grammar never tells apart share
// a class. The tail range splits in three (80-8F, 90-9F, A0-BF) because the
// second bytes after E0, ED, F0 and F4 are restricted to unions of those
// pieces.

// Byte classes.
const (
	cASCII = iota // 00-7F: UTF8-1
	cTail1        // 80-8F: tail; the only second bytes allowed after F4
	cTail2        // 90-9F: tail; with 80-8F, the second bytes allowed after ED
	cTail3        // A0-BF: tail; the only second bytes allowed after E0
	cNever        // C0-C1, F5-FF: in no UTF8-char
	cLead2        // C2-DF: lead of UTF8-2
	cE0           // E0: lead of UTF8-3, excluding overlongs
	cLead3        // E1-EC, EE-EF: lead of UTF8-3 with any tails
	cED           // ED: lead of UTF8-3, excluding surrogates D800-DFFF
	cF0           // F0: lead of UTF8-4, excluding overlongs
	cLead4        // F1-F3: lead of UTF8-4 with any tails
	cF4           // F4: lead of UTF8-4, up to U+10FFFF
	numClasses
)

// classRanges assigns each byte value to its class; together the ranges
// cover 0x00-0xFF once each.
var classRanges = [...]struct{ lo, hi, class uint8 }{
	{0x00, 0x7F, cASCII},
	{0x80, 0x8F, cTail1},
	{0x90, 0x9F, cTail2},
	{0xA0, 0xBF, cTail3},
	{0xC0, 0xC1, cNever},
	{0xC2, 0xDF, cLead2},
	{0xE0, 0xE0, cE0},
	{0xE1, 0xEC, cLead3},
	{0xED, 0xED, cED},
	{0xEE, 0xEF, cLead3},
	{0xF0, 0xF0, cF0},
	{0xF1, 0xF3, cLead4},
	{0xF4, 0xF4, cF4},
	{0xF5, 0xFF, cNever},
}

// States, by index. The automaton runs on index*stateBits, the bit offset of
// the state's field in a row; sAccept is 0 so that the zero Validator is
// ready.
const (
	sAccept = iota // between characters
	sReject        // invalid; no byte leaves it
	sTail1         // one tail (80-BF) left
	sTail2         // two tails left
	sTail3         // three tails left
	sE0            // after E0: A0-BF, then one tail
	sED            // after ED: 80-9F, then one tail
	sF0            // after F0: 90-BF, then two tails
	sF4            // after F4: 80-8F, then two tails
	numStates
)

// stateBits is the width of one state's field in a row.
const stateBits = 6

// The accepting and rejecting states in the form the automaton runs on.
const (
	accept = sAccept * stateBits
	reject = sReject * stateBits
)

// transitions[s][c] is the state after reading a byte of class c in state s.
// The columns are the classes in order: 00-7F, 80-8F, 90-9F, A0-BF, never,
// C2-DF, E0, E1-EC and EE-EF, ED, F0, F1-F3, F4.
var transitions = [numStates][numClasses]uint8{
	sAccept: {sAccept, sReject, sReject, sReject, sReject, sTail1, sE0, sTail2, sED, sF0, sTail3, sF4},
	sReject: {sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sTail1:  {sReject, sAccept, sAccept, sAccept, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sTail2:  {sReject, sTail1, sTail1, sTail1, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sTail3:  {sReject, sTail2, sTail2, sTail2, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sE0:     {sReject, sReject, sReject, sTail1, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sED:     {sReject, sTail1, sTail1, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sF0:     {sReject, sReject, sTail2, sTail2, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
	sF4:     {sReject, sTail2, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject, sReject},
}

// rows[b] packs, for every state index s, the next state's offset,
// transitions[s][class of b]*stateBits, into bits s*stateBits and up. Stepping
// from the state at offset o on byte b is then rows[b] >> o, keeping the low
// stateBits bits.
var rows = buildRows()

func buildRows() (t [256]uint64) {
	for _, r := range classRanges {
		var row uint64
		for s := range numStates {
			row |= uint64(transitions[s][r.class]) * stateBits << (s * stateBits)
		}
		for b := int(r.lo); b <= int(r.hi); b++ {
			t[b] = row
		}
	}
	return t
}
