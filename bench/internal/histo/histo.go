// Package histo records durations in a fixed-size histogram with about 1.5 %
// resolution, cheap enough to update on every message and to keep one per
// connection.
package histo

import (
	"math/bits"
	"time"
)

// sub is the number of buckets per power of two above 2*sub nanoseconds;
// below that every nanosecond has its own bucket.
const (
	subBits = 6
	sub     = 1 << subBits
	buckets = sub + 58*sub
)

// H is a histogram of durations. The zero value is empty and ready.
type H struct {
	n      uint64
	counts [buckets]uint32
}

func index(v uint64) int {
	if v < 2*sub {
		return int(v)
	}
	e := bits.Len64(v) - (subBits + 1) // v>>e is in [sub, 2*sub)
	return sub + e*sub + int(v>>e) - sub
}

// lower returns the smallest value of bucket i.
func lower(i int) uint64 {
	if i < 2*sub {
		return uint64(i)
	}
	e := (i - sub) / sub
	m := uint64((i-sub)%sub + sub)
	return m << e
}

// Add records d.
func (h *H) Add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := index(uint64(d))
	if i >= buckets {
		i = buckets - 1
	}
	h.counts[i]++
	h.n++
}

// Merge adds the counts of o to h.
func (h *H) Merge(o *H) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// Count returns the number of durations recorded.
func (h *H) Count() uint64 { return h.n }

// Quantile returns the duration below which a fraction q of the recorded
// durations lie, as the middle of its bucket; 0 if none were recorded.
func (h *H) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n-1)) + 1
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			lo, hi := lower(i), lower(i+1)
			return time.Duration((lo + hi) / 2)
		}
	}
	return time.Duration(lower(buckets - 1))
}
