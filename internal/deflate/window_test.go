package deflate

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestWindowModel runs random writes with random limits against a plain
// model: the history is the last limit bytes of everything written.
func TestWindowModel(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	rounds := 50
	if quick() {
		rounds = 10
	}
	for round := range rounds {
		var w Window
		var model []byte
		limit := 1 << (8 + r.IntN(8))
		maxLimit := limit
		for range 200 {
			if r.IntN(20) == 0 {
				limit = 1 << (8 + r.IntN(8))
				maxLimit = max(maxLimit, limit)
			}
			var n int
			switch r.IntN(4) {
			case 0:
				n = r.IntN(8)
			case 1:
				n = r.IntN(limit)
			case 2:
				n = limit + r.IntN(limit)
			default:
				n = r.IntN(3000)
			}
			p := randomBytes(n, r.Uint64())
			w.Write(p, limit)
			model = tailOf(append(model, p...), limit)
			if w.Len() != len(model) {
				t.Fatalf("round %d: Len %d, want %d", round, w.Len(), len(model))
			}
			if r.IntN(3) == 0 {
				// Also check without rotating: the two segments.
				a, b := w.segments(w.Len())
				if got := append(append([]byte(nil), a...), b...); !bytes.Equal(got, model) {
					t.Fatalf("round %d: segments disagree with the model", round)
				}
			} else if !bytes.Equal(w.Bytes(), model) {
				t.Fatalf("round %d: Bytes disagrees with the model", round)
			}
			size := len(w.ring)
			if size != 0 && (size > maxLimit || size < minWindowStorage || (size > minWindowStorage && size%windowGrain != 0)) {
				t.Fatalf("round %d: storage %d bytes (limits up to %d)", round, size, maxLimit)
			}
		}
	}
}

// TestWindowGrowth checks that storage follows what was written: from 256
// bytes, then to what is needed in 512-byte steps, never past the limit.
func TestWindowGrowth(t *testing.T) {
	var w Window
	if w.Len() != 0 || len(w.Bytes()) != 0 || w.ring != nil {
		t.Fatalf("zero Window not empty")
	}
	w.Write([]byte("hi"), 1<<15)
	if len(w.ring) != 256 {
		t.Fatalf("storage %d after 2 bytes, want 256", len(w.ring))
	}
	msg := bytes.Repeat([]byte("x"), 2048)
	for i, want := range []int{2560, 4608, 6656} {
		w.Write(msg, 1<<15)
		if len(w.ring) != want {
			t.Fatalf("after %d messages of 2 KiB: storage %d, want %d", i+1, len(w.ring), want)
		}
	}
	w.Write(make([]byte, 100_000), 1<<12)
	if len(w.ring) != 6656 || w.Len() != 1<<12 {
		t.Fatalf("after a long write with limit 4096: storage %d, len %d", len(w.ring), w.Len())
	}
	w.Reset()
	if w.Len() != 0 || w.ring != nil {
		t.Fatalf("Reset kept storage")
	}
	w.Write(make([]byte, 100_000), 1<<9)
	if len(w.ring) != 512 {
		t.Fatalf("storage %d for limit 512", len(w.ring))
	}
}

// TestWindowNoAllocs checks that Write does not allocate once the storage
// has reached the limit, and Bytes never does, even when it rotates.
func TestWindowNoAllocs(t *testing.T) {
	var w Window
	w.Write(make([]byte, 1<<15), 1<<15)
	msg := randomBytes(2000, 1)
	allocs := testing.AllocsPerRun(100, func() {
		w.Write(msg, 1<<15)
		w.Write(msg[:7], 1<<15)
		if len(w.Bytes()) != 1<<15 {
			t.Fatal("short history")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

func TestRotateLeft(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 2, 3, 511, 512, 513, 1000, 1024, 4097, 32768} {
		for range 20 {
			b := randomBytes(n, r.Uint64())
			k := 0
			if n > 0 {
				k = r.IntN(n + 1)
			}
			switch r.IntN(4) {
			case 0:
				k = min(n, 1)
			case 1:
				k = max(0, n-1)
			}
			want := append(append([]byte(nil), b[k:]...), b[:k]...)
			rotateLeft(b, k)
			if !bytes.Equal(b, want) {
				t.Fatalf("rotateLeft(%d bytes, %d) wrong", n, k)
			}
		}
	}
}
