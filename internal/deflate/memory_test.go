package deflate

import (
	"io"
	"runtime"
	"testing"
	"unsafe"
)

// TestNoAllocsSteadyState checks that a warm Encoder compresses messages,
// with and without context takeover, without allocating.
func TestNoAllocsSteadyState(t *testing.T) {
	msgs := jsonMessages(40, 17)
	lvls := []int{1, 2, 3, 4, 6, 9}
	if quick() {
		lvls = []int{DefaultLevel, 6}
	}
	for _, level := range lvls {
		e := NewEncoder()
		var w Window
		for range 2 {
			for _, m := range msgs {
				encode(t, e, level, 15, &w, m, nil)
				encode(t, e, level, 15, nil, m, nil)
			}
		}
		i := 0
		allocs := testing.AllocsPerRun(200, func() {
			m := msgs[i%len(msgs)]
			i++
			var hist *Window
			if i%2 == 0 {
				hist = &w
			}
			e.Reset(io.Discard, level, 15, hist)
			if _, err := e.Write(m); err != nil {
				t.Fatal(err)
			}
			if err := e.Finish(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("level %d: %v allocations per message", level, allocs)
		}
	}
}

// encoderHeap is the heap memory an Encoder holds, besides the struct.
func encoderHeap(e *Encoder) int {
	n := cap(e.buf) + 4*cap(e.table) + 2*cap(e.chain) + int(unsafe.Sizeof(seq{}))*cap(e.seqs) +
		cap(e.bw.out) + int(unsafe.Sizeof(rleSym{}))*cap(e.rle)
	if e.hf.pm != nil {
		n += int(unsafe.Sizeof(packageMerge{}))
	}
	return n
}

// TestMemory reports the memory of a warm Encoder and of a Window, and
// checks them against the budget in the package documentation.
func TestMemory(t *testing.T) {
	msgs := jsonMessages(20, 23)
	for _, level := range []int{1, 6} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := NewEncoder()
		var w Window
		for _, m := range msgs {
			encode(t, e, level, 15, &w, m, nil)
		}
		runtime.ReadMemStats(&after)
		structSize := int(unsafe.Sizeof(*e))
		heap := encoderHeap(e)
		t.Logf("level %d: Encoder struct %d B, its buffers %d B, total %.1f KiB (%.1f KiB allocated while warming, test messages included)",
			level, structSize, heap, float64(structSize+heap)/1024, float64(after.TotalAlloc-before.TotalAlloc)/1024)
		limit := 256 << 10 // greedy levels
		if levels[level].lazy {
			limit += 64 << 10 // the chains
		}
		if structSize+heap > limit {
			t.Errorf("level %d: warm Encoder holds %d B, budget %d", level, structSize+heap, limit)
		}
		runtime.KeepAlive(e)
	}

	var w Window
	msg := jsonMessages(1, 1)[0][:2048]
	for range 3 {
		w.Write(msg, 1<<15)
	}
	t.Logf("Window after 3 messages of 2 KiB: struct %d B, storage %d B", unsafe.Sizeof(w), cap(w.ring))
	if cap(w.ring) != 6144 {
		t.Errorf("Window storage %d B after 6 KiB of history, want 6144", cap(w.ring))
	}
}
