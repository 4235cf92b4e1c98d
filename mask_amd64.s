//go:build !purego

#include "textflag.h"

// Both kernels XOR b in place with the key repeated, for len(b) of at least
// one vector (V = 32 bytes for AVX2, 16 for SSE2). The Go callers in
// mask_amd64.go send shorter payloads elsewhere and compute the rotated key.
//
// Every byte is XORed with the key in the phase of its offset, which is the
// offset mod 4. A vector loaded at offset 0 takes the key as it is; a vector
// loaded at len-V, len-2V, ... takes the key rotated by len mod 4 octets.
//
// Up to 128 bytes the SSE2 kernel has no loop: 16-byte vectors from the start
// and from the end, two, four or eight of them, cover b (overlapping unless
// len(b) is a multiple of 16). All are loaded before any is stored, so each
// is computed from the original payload, and where two overlap they store
// the same values.
//
// Longer payloads, and all of them in the AVX2 kernel:
//
//  1. Load and XOR the first V and the last V bytes (head and tail), before
//     anything is stored.
//  2. Walk the whole vectors from the first V-aligned address inside b, with
//     the key rotated by the distance to that address, so that the stores in
//     the loop are aligned and never split a cache line.
//  3. Store the head and the tail. They cover the fewer than V bytes before
//     the aligned part and after its last whole vector; where they overlap the
//     loop's stores they write the same values.
//
// Register use:
//	AX      key, then the key for the aligned part
//	SI      start of b
//	DX      len(b)
//	R8      end of b
//	DI      aligned cursor
//	R9      bytes left from DI to R8
//	BX, CX  key rotation

// func maskAVX2Kernel(key uint32, b []byte)
TEXT ·maskAVX2Kernel(SB), NOSPLIT, $0-32
	MOVL key+0(FP), AX
	MOVQ b_base+8(FP), SI
	MOVQ b_len+16(FP), DX
	LEAQ (SI)(DX*1), R8

	// Y0 = key for offset 0, Y2 = key for offsets len-32, len-64, ...
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	MOVL         AX, BX
	MOVL         DX, CX
	ANDL         $3, CX
	SHLL         $3, CX
	RORL         CX, BX
	VMOVD        BX, X2
	VPBROADCASTD X2, Y2

	// Head and tail: Y1 = first 32 bytes, Y3 = last 32 bytes, masked. They
	// are stored after the loop.
	VPXOR (SI), Y0, Y1
	VPXOR -32(R8), Y2, Y3

	// Aligned part: DI = b rounded up to 32, key rotated by DI-SI octets.
	LEAQ         31(SI), DI
	ANDQ         $-32, DI
	MOVQ         R8, R9
	SUBQ         DI, R9
	MOVL         DI, CX
	SUBL         SI, CX
	ANDL         $3, CX
	SHLL         $3, CX
	RORL         CX, AX
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0

	CMPQ R9, $256
	JB   avx2_tail

avx2_loop256:
	VPXOR   (DI), Y0, Y4
	VPXOR   32(DI), Y0, Y5
	VPXOR   64(DI), Y0, Y6
	VPXOR   96(DI), Y0, Y7
	VPXOR   128(DI), Y0, Y8
	VPXOR   160(DI), Y0, Y9
	VPXOR   192(DI), Y0, Y10
	VPXOR   224(DI), Y0, Y11
	VMOVDQA Y4, (DI)
	VMOVDQA Y5, 32(DI)
	VMOVDQA Y6, 64(DI)
	VMOVDQA Y7, 96(DI)
	VMOVDQA Y8, 128(DI)
	VMOVDQA Y9, 160(DI)
	VMOVDQA Y10, 192(DI)
	VMOVDQA Y11, 224(DI)
	ADDQ    $256, DI
	SUBQ    $256, R9
	CMPQ    R9, $256
	JAE     avx2_loop256

avx2_tail:
	CMPQ R9, $32
	JB   avx2_done

avx2_loop32:
	VPXOR   (DI), Y0, Y4
	VMOVDQA Y4, (DI)
	ADDQ    $32, DI
	SUBQ    $32, R9
	CMPQ    R9, $32
	JAE     avx2_loop32

avx2_done:
	VMOVDQU Y1, (SI)
	VMOVDQU Y3, -32(R8)
	VZEROUPPER
	RET

// func maskSSE2Kernel(key uint32, b []byte)
TEXT ·maskSSE2Kernel(SB), NOSPLIT, $0-32
	MOVL key+0(FP), AX
	MOVQ b_base+8(FP), SI
	MOVQ b_len+16(FP), DX
	LEAQ (SI)(DX*1), R8

	// X0 = key for offset 0, X2 = key for offsets len-16, len-32, ...
	MOVL   AX, X0
	PSHUFD $0, X0, X0
	MOVL   AX, BX
	MOVL   DX, CX
	ANDL   $3, CX
	SHLL   $3, CX
	RORL   CX, BX
	MOVL   BX, X2
	PSHUFD $0, X2, X2

	// Head and tail: X1 = first 16 bytes, X3 = last 16 bytes, masked.
	// Up to 128 bytes: two, four or eight vectors, all loaded before any
	// store.
	MOVOU (SI), X1
	MOVOU -16(R8), X3
	PXOR  X0, X1
	PXOR  X2, X3
	CMPQ  DX, $32
	JA    sse2_over32
	MOVOU X1, (SI)
	MOVOU X3, -16(R8)
	RET

sse2_over32:
	MOVOU 16(SI), X4
	MOVOU -32(R8), X5
	PXOR  X0, X4
	PXOR  X2, X5
	CMPQ  DX, $64
	JA    sse2_over64
	MOVOU X1, (SI)
	MOVOU X4, 16(SI)
	MOVOU X5, -32(R8)
	MOVOU X3, -16(R8)
	RET

sse2_over64:
	CMPQ  DX, $128
	JA    sse2_long
	MOVOU 32(SI), X6
	MOVOU 48(SI), X7
	MOVOU -64(R8), X8
	MOVOU -48(R8), X9
	PXOR  X0, X6
	PXOR  X0, X7
	PXOR  X2, X8
	PXOR  X2, X9
	MOVOU X1, (SI)
	MOVOU X4, 16(SI)
	MOVOU X6, 32(SI)
	MOVOU X7, 48(SI)
	MOVOU X8, -64(R8)
	MOVOU X9, -48(R8)
	MOVOU X5, -32(R8)
	MOVOU X3, -16(R8)
	RET

sse2_long:
	// X1 and X3 are stored after the loop; X4 and X5 go unused.

	// Aligned part: DI = b rounded up to 16, key rotated by DI-SI octets.
	LEAQ   15(SI), DI
	ANDQ   $-16, DI
	MOVQ   R8, R9
	SUBQ   DI, R9
	MOVL   DI, CX
	SUBL   SI, CX
	ANDL   $3, CX
	SHLL   $3, CX
	RORL   CX, AX
	MOVL   AX, X0
	PSHUFD $0, X0, X0

	CMPQ R9, $64
	JB   sse2_tail

sse2_loop64:
	MOVO (DI), X4
	MOVO 16(DI), X5
	MOVO 32(DI), X6
	MOVO 48(DI), X7
	PXOR X0, X4
	PXOR X0, X5
	PXOR X0, X6
	PXOR X0, X7
	MOVO X4, (DI)
	MOVO X5, 16(DI)
	MOVO X6, 32(DI)
	MOVO X7, 48(DI)
	ADDQ $64, DI
	SUBQ $64, R9
	CMPQ R9, $64
	JAE  sse2_loop64

sse2_tail:
	CMPQ R9, $16
	JB   sse2_done

sse2_loop16:
	MOVO (DI), X4
	PXOR X0, X4
	MOVO X4, (DI)
	ADDQ $16, DI
	SUBQ $16, R9
	CMPQ R9, $16
	JAE  sse2_loop16

sse2_done:
	MOVOU X1, (SI)
	MOVOU X3, -16(R8)
	RET
