package utf8

import (
	"fmt"
	"strings"
	"testing"
	stdutf8 "unicode/utf8"
)

// Sample texts for the benchmarks; each is repeated and cut to size.
var benchTexts = []struct{ name, text string }{
	{"ascii", `{"id":42,"user":"hayate","msg":"The quick brown fox jumps over the lazy dog.","ok":true} `},
	{"latin-cjk", "Größe café naïve façade, 日本語のテキストと中文文本，한국어 텍스트. Ελληνικά κόσμε. "},
	{"emoji", "😀🎉🚀🌍🔥💡🧪🦊🐙🍣🎸🏔️🛰️🧭"},
}

var benchSizes = []int{16, 1 << 10, 64 << 10}

// benchInput returns text repeated to exactly n bytes, cut at a character
// boundary and padded with spaces, so that it is valid UTF-8.
func benchInput(text string, n int) []byte {
	s := strings.Repeat(text, n/len(text)+1)
	cut := n
	for cut > 0 && !stdutf8.RuneStart(s[cut]) {
		cut--
	}
	p := []byte(s[:cut] + strings.Repeat(" ", n-cut))
	if len(p) != n || !stdutf8.Valid(p) {
		panic("bad benchmark input")
	}
	return p
}

func sizeName(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

var sink bool

// BenchmarkValid compares Valid with unicode/utf8.Valid on whole buffers.
func BenchmarkValid(b *testing.B) {
	for _, tc := range benchTexts {
		for _, n := range benchSizes {
			p := benchInput(tc.text, n)
			b.Run(tc.name+"/"+sizeName(n)+"/impl=hayate", func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					sink = Valid(p)
				}
			})
			b.Run(tc.name+"/"+sizeName(n)+"/impl=std", func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					sink = stdutf8.Valid(p)
				}
			})
		}
	}
}

// BenchmarkValidatorFeed measures the incremental path as a connection uses
// it: a 64 KiB message fed in reads of 4093 bytes, so that characters are
// split across reads.
func BenchmarkValidatorFeed(b *testing.B) {
	const chunk = 4093
	for _, tc := range benchTexts {
		p := benchInput(tc.text, 64<<10)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			var v Validator
			for b.Loop() {
				v.Reset()
				for q := p; len(q) > 0; {
					n := min(chunk, len(q))
					v.Feed(q[:n])
					q = q[n:]
				}
				sink = v.Complete()
			}
		})
	}
}
