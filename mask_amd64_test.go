//go:build !purego

package websocket

import (
	"fmt"
	"math"
	"testing"
	"time"

	"golang.org/x/sys/cpu"
)

func init() {
	avx2 := maskKernel{name: "avx2", fn: maskAVX2}
	if !cpu.X86.HasAVX2 {
		avx2.skip = "CPU lacks AVX2"
	}
	maskKernels = append(maskKernels, maskKernel{name: "sse2", fn: maskSSE2}, avx2)
}

// BenchmarkMaskThreshold compares the portable loop with the vector kernels
// at the lengths where mask chooses between them (maskSSE2Min, maskAVX2Min),
// in three situations:
//
//   - mode=fresh: each call masks the next slice of a 32 KiB buffer,
//     starting 13 bytes past the end of the previous one, like frames in a
//     receive buffer: every byte masked once, long after it was written, at
//     every alignment in turn.
//   - mode=copy: the payload is copied into a buffer and masked there at
//     once, as a client's writer does. The copy's stores are still in flight
//     when the kernel loads the same bytes; a load that spans two of them
//     cannot be forwarded and waits for them to reach the cache.
//   - mode=repeat: the same buffer is masked over and over, as BenchmarkMask
//     does. Kernels that end with overlapping stores meet the same stall.
//
// Besides ns/op it reports best-ns/op, the time per call of the fastest run
// of 256 calls: on a shared machine the mean mostly measures the neighbours,
// while the fastest short run still measures the code.
func BenchmarkMaskThreshold(b *testing.B) {
	sizes := []int{32, 48, 64, 96, 125, 128, 192, 256, 384}
	const arena = 32 << 10
	const window = 256
	for _, mode := range []string{"fresh", "copy", "repeat"} {
		for _, size := range sizes {
			for _, k := range maskKernels {
				if k.name == "mask" {
					continue
				}
				name := fmt.Sprintf("mode=%s/size=%d/kernel=%s", mode, size, k.name)
				b.Run(name, func(b *testing.B) {
					if k.skip != "" {
						b.Skip(k.skip)
					}
					buf := make([]byte, arena+size)
					src := make([]byte, size)
					key := uint32(0x3d21fa37)
					off := 0
					best := time.Duration(math.MaxInt64)
					calls := 0
					start := time.Now()
					b.SetBytes(int64(size))
					for b.Loop() {
						switch mode {
						case "fresh":
							key = k.fn(key, buf[off:off+size])
							if off += size + 13; off > arena {
								off -= arena
							}
						case "copy":
							copy(buf[:size], src)
							key = k.fn(key, buf[:size])
						default:
							key = k.fn(key, buf[:size])
						}
						if calls++; calls == window {
							now := time.Now()
							best = min(best, now.Sub(start))
							calls, start = 0, now
						}
					}
					if best != math.MaxInt64 {
						b.ReportMetric(float64(best.Nanoseconds())/window, "best-ns/op")
					}
				})
			}
		}
	}
}
