package websocket

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// maskKernel is one implementation of the mask contract. Architecture test
// files add theirs to maskKernels in an init function; skip, when set, says
// why the kernel cannot run on this machine.
type maskKernel struct {
	name string
	fn   func(key uint32, b []byte) uint32
	skip string
}

var maskKernels = []maskKernel{
	{name: "generic", fn: maskGeneric},
	{name: "mask", fn: mask},
}

// maskRef is the definition from RFC 6455 §5.3, one byte at a time, with the
// returned key rebuilt from the wire octets.
func maskRef(key uint32, b []byte) uint32 {
	var wire [4]byte
	binary.LittleEndian.PutUint32(wire[:], key)
	for i := range b {
		b[i] ^= wire[i%4]
	}
	n := len(b)
	next := [4]byte{wire[n%4], wire[(n+1)%4], wire[(n+2)%4], wire[(n+3)%4]}
	return binary.LittleEndian.Uint32(next[:])
}

// testMaskKeys are one key with four distinct octets in its four rotations,
// so a byte XORed with the wrong octet never goes unnoticed.
var testMaskKeys = []uint32{0xa3c5e709, 0xc5e709a3, 0xe709a3c5, 0x09a3c5e7}

func TestMaskRFCExample(t *testing.T) {
	// RFC 6455 §5.7: "Hello" in a masked frame from a client.
	wireKey := []byte{0x37, 0xfa, 0x21, 0x3d}
	payload := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	for _, k := range maskKernels {
		t.Run(k.name, func(t *testing.T) {
			if k.skip != "" {
				t.Skip(k.skip)
			}
			b := bytes.Clone(payload)
			next := k.fn(binary.LittleEndian.Uint32(wireKey), b)
			if string(b) != "Hello" {
				t.Fatalf("unmasked %q, want %q", b, "Hello")
			}
			// After five bytes the stream continues at wire octet 1.
			want := binary.LittleEndian.Uint32([]byte{0xfa, 0x21, 0x3d, 0x37})
			if next != want {
				t.Fatalf("returned key %#08x, want %#08x", next, want)
			}
		})
	}
}

// checkMaskSweep runs fn against maskRef on every length in [0, maxLen] at
// every start offset in [0, offsets), with every key of testMaskKeys.
func checkMaskSweep(t *testing.T, fn func(uint32, []byte) uint32, maxLen, offsets int) {
	t.Helper()
	lengths := make([]int, maxLen+1)
	for n := range lengths {
		lengths[n] = n
	}
	checkMaskLengths(t, fn, lengths, offsets)
}

// checkMaskLengths runs fn against maskRef on each of lengths at every start
// offset in [0, offsets), with every key of testMaskKeys. The slice sits
// inside a larger buffer whose bytes outside it must not change.
func checkMaskLengths(t *testing.T, fn func(uint32, []byte) uint32, lengths []int, offsets int) {
	t.Helper()
	const guard = 64
	src := make([]byte, offsets+slices.Max(lengths)+guard)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	got := make([]byte, len(src))
	want := make([]byte, len(src))
	for _, n := range lengths {
		for off := range offsets {
			for _, key := range testMaskKeys {
				copy(got, src)
				copy(want, src)
				gotKey := fn(key, got[off:off+n])
				wantKey := maskRef(key, want[off:off+n])
				if gotKey != wantKey {
					t.Fatalf("len %d, offset %d, key %#08x: returned key %#08x, want %#08x",
						n, off, key, gotKey, wantKey)
				}
				if !bytes.Equal(got, want) {
					i := 0
					for got[i] == want[i] {
						i++
					}
					t.Fatalf("len %d, offset %d, key %#08x: buffer byte %d (slice index %d) is %#02x, want %#02x",
						n, off, key, i, i-off, got[i], want[i])
				}
			}
		}
	}
}

func TestMask(t *testing.T) {
	for _, k := range maskKernels {
		t.Run(k.name, func(t *testing.T) {
			if k.skip != "" {
				t.Skip(k.skip)
			}
			// Every length up to past the SIMD threshold and several
			// iterations of every loop, at eight start offsets.
			checkMaskSweep(t, k.fn, 1100, 8)
			// Every start alignment up to a 64-byte cache line.
			checkMaskSweep(t, k.fn, 300, 64)
			// Long loops.
			checkMaskLengths(t, k.fn, []int{4095, 4096, 4097, 65536 + 31, 1<<20 + 5}, 4)
		})
	}
}

func TestMaskSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range maskKernels {
		t.Run(k.name, func(t *testing.T) {
			if k.skip != "" {
				t.Skip(k.skip)
			}
			for range 2000 {
				n := rng.IntN(3000)
				if rng.IntN(4) == 0 {
					n = rng.IntN(70)
				}
				split := rng.IntN(n + 1)
				key := rng.Uint32()
				whole := make([]byte, n)
				for i := range whole {
					whole[i] = byte(rng.Uint32())
				}
				parts := bytes.Clone(whole)
				ref := bytes.Clone(whole)
				refKey := maskRef(key, ref)
				wholeKey := k.fn(key, whole)
				k2 := k.fn(key, parts[:split])
				partsKey := k.fn(k2, parts[split:])
				if !bytes.Equal(whole, ref) || wholeKey != refKey {
					t.Fatalf("len %d, key %#08x: one call differs from the reference", n, key)
				}
				if !bytes.Equal(parts, ref) || partsKey != refKey {
					t.Fatalf("len %d split at %d, key %#08x: two calls differ from one", n, split, key)
				}
			}
		})
	}
}

func FuzzMask(f *testing.F) {
	f.Add(uint32(0x3d21fa37), uint16(2), []byte("Hello, WebSocket"))
	f.Fuzz(func(t *testing.T, key uint32, split uint16, b []byte) {
		want := bytes.Clone(b)
		wantKey := maskRef(key, want)
		for _, k := range maskKernels {
			if k.skip != "" {
				continue
			}
			got := bytes.Clone(b)
			if gotKey := k.fn(key, got); gotKey != wantKey || !bytes.Equal(got, want) {
				t.Fatalf("%s: len %d, key %#08x: differs from the reference", k.name, len(b), key)
			}
			s := int(split) % (len(b) + 1)
			got = bytes.Clone(b)
			if gotKey := k.fn(k.fn(key, got[:s]), got[s:]); gotKey != wantKey || !bytes.Equal(got, want) {
				t.Fatalf("%s: len %d split at %d, key %#08x: differs from the reference", k.name, len(b), s, key)
			}
		}
	})
}

func TestNewMaskKey(t *testing.T) {
	const goroutines, perGoroutine = 8, 1250
	keys := make([]uint32, goroutines*perGoroutine)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				keys[g*perGoroutine+i] = newMaskKey()
			}
		})
	}
	wg.Wait()

	// Among 10,000 uniform 32-bit keys the expected number of equal pairs is
	// about 0.012; four or more happen with probability under 1e-9. Bytes
	// handed out twice would give far more.
	seen := make(map[uint32]int, len(keys))
	dups := 0
	for _, k := range keys {
		dups += seen[k]
		seen[k]++
	}
	if dups > 3 {
		t.Errorf("%d equal pairs among %d keys", dups, len(keys))
	}

	// Each octet position should take nearly all 256 values: 10,000 draws
	// miss any given value with probability e^-39.
	for pos := range 4 {
		var values [256]bool
		distinct := 0
		for _, k := range keys {
			v := byte(k >> (8 * pos))
			if !values[v] {
				values[v] = true
				distinct++
			}
		}
		if distinct < 250 {
			t.Errorf("octet %d takes %d distinct values in %d keys", pos, distinct, len(keys))
		}
	}
}

func TestNewMaskKeyAllocs(t *testing.T) {
	newMaskKey() // fill a buffer
	// The pool may drop a buffer now and then (always possible under the
	// race detector), which allocates a new one; on average it must not.
	if n := testing.AllocsPerRun(1000, func() { newMaskKey() }); n != 0 {
		t.Errorf("newMaskKey allocates %v times per call", n)
	}
}

func TestMaskAllocs(t *testing.T) {
	b := make([]byte, 4096)
	for _, k := range maskKernels {
		if k.skip != "" {
			continue
		}
		if n := testing.AllocsPerRun(100, func() { k.fn(1, b) }); n != 0 {
			t.Errorf("%s allocates %v times per call", k.name, n)
		}
	}
}

var maskBenchSizes = []int{16, 125, 1024, 16384, 1048576}

func BenchmarkMask(b *testing.B) {
	for _, k := range maskKernels {
		for _, size := range maskBenchSizes {
			b.Run(fmt.Sprintf("kernel=%s/size=%d", k.name, size), func(b *testing.B) {
				if k.skip != "" {
					b.Skip(k.skip)
				}
				benchMaskKernel(b, k.fn, size)
			})
		}
	}
}

func benchMaskKernel(b *testing.B, fn func(uint32, []byte) uint32, size int) {
	buf := make([]byte, size)
	key := uint32(0x3d21fa37)
	b.SetBytes(int64(size))
	for b.Loop() {
		key = fn(key, buf)
	}
}

func BenchmarkNewMaskKey(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			newMaskKey()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				newMaskKey()
			}
		})
	})
}
