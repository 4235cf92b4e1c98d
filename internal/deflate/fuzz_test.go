package deflate

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// FuzzEncoder compresses arbitrary data, after arbitrary history, at any
// level and window size, written in arbitrary pieces, and checks the round
// trip through both decoders (the test inflater rejecting any distance past
// the window), the history kept for the next message, and that the output
// does not depend on how the data was cut into writes. One Encoder serves
// every input, as a pooled one would. Seeds are in
// testdata/fuzz/FuzzEncoder.
func FuzzEncoder(f *testing.F) {
	msgs := jsonMessages(2, 99)
	f.Add([]byte(nil), []byte(nil), uint8(0), uint8(7), uint16(0))
	f.Add(msgs[0], msgs[1], uint8(1), uint8(7), uint16(3))
	f.Add([]byte("abcabcabc"), bytes.Repeat([]byte("abc"), 100), uint8(9), uint8(0), uint16(2))
	e := NewEncoder()
	f.Fuzz(func(t *testing.T, hist, data []byte, level, windowBits uint8, split uint16) {
		lv := int(level % (MaxLevel + 1)) // 0 is the default level
		bits := MinWindowBits + int(windowBits)%(MaxWindowBits-MinWindowBits+1)
		var w *Window
		var before []byte
		if len(hist) > 0 || split&1 != 0 {
			w = new(Window)
			w.Write(hist, 1<<bits)
			before = append([]byte(nil), w.Bytes()...)
		}
		var r *rand.Rand
		if split > 1 {
			r = rand.New(rand.NewPCG(uint64(split), 0))
		}
		out := encode(t, e, lv, bits, w, data, r)
		verify(t, out, before, bits, data)
		if w != nil {
			want := tailOf(append(before, data...), 1<<bits)
			if !bytes.Equal(w.Bytes(), want) {
				t.Fatalf("history after the message: %d bytes, want %d", w.Len(), len(want))
			}
		}
		if r != nil {
			var w2 *Window
			if before != nil {
				w2 = new(Window)
				w2.Write(before, 1<<bits)
			}
			if whole := encode(t, e, lv, bits, w2, data, nil); !bytes.Equal(whole, out) {
				t.Fatalf("output depends on the write sizes")
			}
		}
	})
}
