package histo

import (
	"testing"
	"time"
)

func TestIndexMonotonic(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<40; v = v*9/8 + 1 {
		i := index(v)
		if i < prev {
			t.Fatalf("index(%d) = %d < %d", v, i, prev)
		}
		if lo := lower(i); lo > v || lower(i+1) <= v {
			t.Fatalf("value %d in bucket %d of [%d, %d)", v, i, lo, lower(i+1))
		}
		prev = i
	}
}

func TestQuantile(t *testing.T) {
	var h H
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d > 0.02 || d < -0.02 {
			t.Errorf("Quantile(%v) = %v, want about %v", c.q, got, c.want)
		}
	}
}
