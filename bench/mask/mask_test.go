package mask

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
	_ "unsafe" // for go:linkname

	"github.com/gobwas/ws"

	_ "github.com/coder/websocket"
	_ "github.com/gorilla/websocket"
	_ "github.com/hayate-ws/websocket"
	_ "github.com/lxzan/gws"
)

// hayateMask is Hayate's mask: the dispatcher that picks the portable loop or
// a SIMD kernel by payload length and CPU.
//
//go:linkname hayateMask github.com/hayate-ws/websocket.mask
func hayateMask(key uint32, b []byte) uint32

// coderMask is coder/websocket's masking loop (maskGo in mask.go of
// v1.8.15). Its mask function only calls it; its assembly is switched off.
//
//go:linkname coderMask github.com/coder/websocket.maskGo
func coderMask(b []byte, key uint32) uint32

// gorillaMask is gorilla/websocket's maskBytes (mask.go of v1.5.3: word-wise
// with unsafe).
//
//go:linkname gorillaMask github.com/gorilla/websocket.maskBytes
func gorillaMask(key [4]byte, pos int, b []byte) int

// gwsMask is gws's internal.MaskXOR (internal/utils.go of v1.8.9).
//
//go:linkname gwsMask github.com/lxzan/gws/internal.MaskXOR
func gwsMask(b []byte, key []byte)

// key is the masking key of the example in RFC 6455 §5.7, in wire order.
var key = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// keyLE is key as the little-endian word Hayate and coder take.
var keyLE = uint32(key[0]) | uint32(key[1])<<8 | uint32(key[2])<<16 | uint32(key[3])<<24

var sizes = []int{16, 125, 1024, 16384, 1048576}

type contender struct {
	name string
	fn   func(b, scratch []byte)
}

// libs are the contenders. Each masks b in place, as a whole payload
// starting at key octet 0.
var libs = []contender{
	{"hayate", func(b, _ []byte) { hayateMask(keyLE, b) }},
	{"gorilla", func(b, _ []byte) { gorillaMask(key, 0, b) }},
	{"coder", func(b, _ []byte) { coderMask(b, keyLE) }},
	{"gobwas", func(b, _ []byte) { ws.Cipher(b, key, 0) }},
	{"gws", func(b, _ []byte) { gwsMask(b, key[:]) }},
	// copy moves the same number of bytes from another buffer: the memory
	// bandwidth reference.
	{"copy", func(b, scratch []byte) { copy(b, scratch) }},
}

// rotated returns libs starting at the one BENCH_ROTATE names.
func rotated() []contender {
	k, _ := strconv.Atoi(os.Getenv("BENCH_ROTATE"))
	k = ((k % len(libs)) + len(libs)) % len(libs)
	return append(append([]contender{}, libs[k:]...), libs[:k]...)
}

func TestSameResult(t *testing.T) {
	for _, size := range slices.Concat(sizes, []int{0, 1, 7, 33, 1000}) {
		var want []byte
		for _, lib := range libs[:len(libs)-1] {
			b := make([]byte, size)
			for i := range b {
				b[i] = byte(i)
			}
			lib.fn(b, nil)
			if want == nil {
				want = b
			} else if string(b) != string(want) {
				t.Errorf("size %d: %s differs from %s", size, lib.name, libs[0].name)
			}
		}
	}
}

// BenchmarkMask runs the libraries one after another within each size, so
// that drift in the machine's speed hits all of them alike.
//
// Besides the mean (ns/op, B/s) it reports best-B/s, the throughput of the
// fastest run of calls covering about 64 KiB: on a shared machine the mean
// mostly measures the neighbours, while the fastest short run still measures
// the code.
func BenchmarkMask(b *testing.B) {
	for _, size := range sizes {
		for _, lib := range rotated() {
			b.Run(fmt.Sprintf("size=%d/lib=%s", size, lib.name), func(b *testing.B) {
				buf := make([]byte, size)
				scratch := make([]byte, size)
				window := max(1, 64<<10/size)
				best := time.Duration(math.MaxInt64)
				calls := 0
				b.SetBytes(int64(size))
				start := time.Now()
				for b.Loop() {
					lib.fn(buf, scratch)
					if calls++; calls == window {
						now := time.Now()
						best = min(best, now.Sub(start))
						calls, start = 0, now
					}
				}
				if best != math.MaxInt64 {
					b.ReportMetric(float64(window*size)/best.Seconds(), "best-B/s")
				}
			})
		}
	}
}
