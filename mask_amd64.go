//go:build !purego

package websocket

import (
	"math/bits"

	"golang.org/x/sys/cpu"
)

// Payload lengths from which mask leaves maskGeneric for the SSE2 kernel, and
// from which it takes the AVX2 kernel when the CPU has AVX2.
//
// Measured with BenchmarkMaskThreshold in its three modes: fresh (every byte
// masked once, long after it was written, as in a receive buffer), copy (the
// payload copied into a buffer and masked right away, as a client's writer
// does) and repeat (one buffer masked over and over). Nanoseconds per call,
// best-ns/op, median of 10 runs, on a shared 2-core Xeon of the Sapphire
// Rapids generation with Go 1.26:
//
//	        ------ fresh ------   ------ copy -------   ------ repeat -----
//	bytes   generic  sse2  avx2   generic  sse2  avx2   generic  sse2  avx2
//	   48      7.50  7.55  8.87      8.60  9.33 13.35      5.80  5.98  9.81
//	   64      8.31  7.69  9.04      9.54  9.32 14.10      6.83  5.87  7.27
//	   96      9.26  8.61  8.93     11.27 10.59 14.85      8.14  6.85  7.67
//	  128     10.71  8.26  9.20     12.26 10.59 14.36      9.58  6.59  8.14
//	  192     12.26 12.19  9.95     15.32 14.55 17.48     11.26 11.10  8.56
//	  256     15.29 13.45 11.19     17.23 15.58 17.32     13.24 11.15  8.43
//	  384     20.16 16.17 11.85     23.96 21.33 19.98     16.72 12.93  9.62
//
// From 64 bytes SSE2 is as fast as the word loop or faster in every mode.
// AVX2 loses badly below 256 bytes in copy mode: Go's copy stores such
// payloads 16 bytes at a time, and a 32-byte load that spans two of those
// stores waits for both to reach the cache. From 256 bytes AVX2 wins fresh
// and repeat by a quarter or more and is even with the word loop on copy;
// from 384 it wins everywhere.
const (
	maskSSE2Min = 64
	maskAVX2Min = 256
)

// The kernels need at least one vector of input, and AVX2 takes over from
// SSE2, not the other way round.
const (
	_ = uint(maskSSE2Min - 16)
	_ = uint(maskAVX2Min - 32)
	_ = uint(maskAVX2Min - maskSSE2Min)
)

// useAVX2 reports whether the CPU has AVX2 and the OS saves the YMM
// registers; x/sys/cpu checks both.
var useAVX2 = cpu.X86.HasAVX2

// mask XORs b in place with the masking key and returns the key for the byte
// after b; see the contract in mask.go. It picks the kernel by length and by
// CPU.
func mask(key uint32, b []byte) uint32 {
	n := len(b)
	switch {
	case n >= 8 && n <= 16:
		// Short frames are common; this saves them a call.
		return maskWordPair(key, b)
	case n >= maskAVX2Min && useAVX2:
		maskAVX2Kernel(key, b)
	case n >= maskSSE2Min:
		maskSSE2Kernel(key, b)
	default:
		return maskGeneric(key, b)
	}
	return bits.RotateLeft32(key, -8*(n&3))
}

// maskAVX2 is mask with 32-byte AVX2 vectors from 32 bytes on, whatever the
// threshold, so tests and benchmarks can force it. The CPU must have AVX2.
func maskAVX2(key uint32, b []byte) uint32 {
	if len(b) < 32 {
		return maskGeneric(key, b)
	}
	maskAVX2Kernel(key, b)
	return bits.RotateLeft32(key, -8*(len(b)&3))
}

// maskSSE2 is mask with 16-byte SSE2 vectors from 16 bytes on, whatever the
// threshold. Every amd64 CPU has SSE2.
func maskSSE2(key uint32, b []byte) uint32 {
	if len(b) < 16 {
		return maskGeneric(key, b)
	}
	maskSSE2Kernel(key, b)
	return bits.RotateLeft32(key, -8*(len(b)&3))
}

// maskAVX2Kernel and maskSSE2Kernel, in mask_amd64.s, XOR b with the key
// repeated. They need len(b) >= 32 and len(b) >= 16 respectively and leave
// the rotated key to the caller.
//
//go:noescape
func maskAVX2Kernel(key uint32, b []byte)

//go:noescape
func maskSSE2Kernel(key uint32, b []byte)
