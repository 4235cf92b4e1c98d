package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Sections 12 and 13: permessage-deflate (RFC 7692). When the testee does
// not negotiate the extension, these cases are UNIMPLEMENTED, as in the suite.

// compressionRun is one row of the suite's parameter matrix: message size,
// message count, time budget in seconds and auto-fragment size.
type compressionRun struct{ size, count, wait, frag int }

var compressionRuns = []compressionRun{
	{16, 1000, 60, 0}, {64, 1000, 60, 0}, {256, 1000, 120, 0}, {1024, 1000, 240, 0},
	{4096, 1000, 480, 0}, {8192, 1000, 480, 0}, {16384, 1000, 480, 0}, {32768, 1000, 480, 0},
	{65536, 1000, 480, 0}, {131072, 1000, 480, 0},
	{8192, 1000, 480, 256}, {16384, 1000, 480, 256}, {32768, 1000, 480, 256}, {65536, 1000, 480, 256},
	{131072, 1000, 480, 256}, {131072, 1000, 480, 1024}, {131072, 1000, 480, 4096}, {131072, 1000, 480, 32768},
}

// maxCompressionWait caps the suite's budgets (60 to 480 s) so that a hung
// testee cannot stall a full run for hours; the slowest case takes about 15 s
// on an idle 2-core machine, three times that on a busy one.
const maxCompressionWait = 120 * time.Second

// corpus is one kind of payload of section 12. The suite ships real files;
// the runner generates stand-ins of the same kind and size, deterministically.
type corpus struct {
	title string
	op    byte
	data  func() []byte
}

var corpora = []corpus{
	{"Large JSON data file (utf8, 194056 bytes)", opText, sync.OnceValue(func() []byte { return genJSON(194056) })},
	{"Lena Picture, Bitmap 512x512 bw (binary, 263222 bytes)", opBinary, sync.OnceValue(genBitmap)},
	{"Human readable text, Goethe's Faust I (German) (binary, 222218 bytes)", opBinary, sync.OnceValue(func() []byte { return genGerman(222218) })},
	{"Large HTML file (utf8, 83266 bytes)", opText, sync.OnceValue(func() []byte { return genHTML(83266) })},
	{"A larger PDF (binary, 1042328 bytes)", opBinary, sync.OnceValue(func() []byte { return genPDF(1042328) })},
}

var offerSets = [][]pmdOffer{
	{{false, 0}},
	{{true, 0}},
	{{false, 8}},
	{{false, 15}},
	{{true, 8}},
	{{true, 15}},
	{{true, 8}, {true, 0}, {false, 0}},
}

func compressionCases() []Case {
	var cs []Case
	for k, c := range corpora {
		for j, r := range compressionRuns {
			cs = append(cs, compressionCase(fmt.Sprintf("12.%d.%d", k+1, j+1),
				fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use default permessage-deflate offer.", r.count, r.size, r.frag),
				c, r, offerSets[0]))
		}
	}
	for k, offers := range offerSets {
		var names []string
		for _, o := range offers {
			names = append(names, o.String())
		}
		for j, r := range compressionRuns {
			cs = append(cs, compressionCase(fmt.Sprintf("13.%d.%d", k+1, j+1),
				fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): [%s]", r.count, r.size, r.frag, strings.Join(names, ", ")),
				corpora[0], r, offers))
		}
	}
	return cs
}

func compressionCase(id, desc string, c corpus, r compressionRun, offers []pmdOffer) Case {
	wait := min(time.Duration(r.wait)*time.Second, maxCompressionWait)
	return Case{
		ID: id, Desc: desc,
		Expectation: fmt.Sprintf("Receive echo'ed messages (with payload as sent). Timeout case after %d secs.", r.wait),
		Custom:      true,
		Close:       closeNormal,
		Deflate:     offers,
		Timeout:     wait + 10*time.Second,
		NoWirelog:   true,
		Play: func(s *session) {
			data := c.data()
			roundTrips(s, c.op, func(i int) []byte { return slicePayload(data, i, r.size, c.op == opText) }, r.count, wait, sendWhole(c.op, r.frag))
			// The reader has ended (roundTrips finishes the connection): say
			// how many echoes came compressed, which the suite does not judge.
			<-s.done
			s.mu.Lock()
			if s.pmd != nil && s.customBehavior == OK {
				s.customResult += fmt.Sprintf(" %d of the %d echoes were compressed.", s.pmd.compressedIn, r.count)
			}
			s.mu.Unlock()
		},
	}
}

// slicePayload cuts message i of the given size out of data, the messages
// following each other through it and wrapping around, and, for text,
// blanks code points cut at the edges so the message stays valid UTF-8.
func slicePayload(data []byte, i, size int, text bool) []byte {
	out := make([]byte, size)
	off := (i * size) % len(data)
	for n := 0; n < size; {
		n += copy(out[n:], data[off:])
		off = 0
	}
	if !text {
		return out
	}
	for j := 0; j < len(out) && !utf8.RuneStart(out[j]); j++ {
		out[j] = ' '
	}
	for j := len(out) - 1; j >= 0 && j >= len(out)-4; j-- {
		if utf8.RuneStart(out[j]) {
			if !utf8.FullRune(out[j:]) {
				for k := j; k < len(out); k++ {
					out[k] = ' '
				}
			}
			break
		}
	}
	return out
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

var words = strings.Fields("habe nun ach philosophie juristerei und medizin und leider auch theologie durchaus studiert mit heißem bemühn da steh ich nun ich armer tor und bin so klug als wie zuvor heiße magister heiße doktor gar und ziehe schon an die zehen jahr herauf herab und quer und krumm meine schüler an der nase herum und sehe daß wir nichts wissen können das will mir schier das herz verbrennen zwar bin ich gescheiter als all die laffen")

// genGerman returns n bytes of German-looking prose with umlauts (valid UTF-8).
func genGerman(n int) []byte {
	r := newRand(3)
	var b strings.Builder
	for b.Len() < n {
		line := r.IntN(8) + 4
		for i := range line {
			w := words[r.IntN(len(words))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			if i < line-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteString([]string{",\n", ".\n", "!\n", ";\n"}[r.IntN(4)])
	}
	return fitUTF8(b.String(), n)
}

// fitUTF8 truncates s to n bytes on a code point boundary and pads with spaces.
func fitUTF8(s string, n int) []byte {
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return []byte(s + strings.Repeat(" ", n-len(s)))
}

// genJSON returns n bytes of JSON-looking ASCII records.
func genJSON(n int) []byte {
	r := newRand(1)
	var b strings.Builder
	b.WriteString("[\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `  {"id": %d, "guid": "%08x-%04x-%04x", "isActive": %v, "balance": "$%d.%02d", "age": %d, "name": "%s %s", "tags": ["%s", "%s", "%s"], "latitude": %.6f, "longitude": %.6f, "about": "%s %s %s %s."},`+"\n",
			i, r.Uint32(), r.IntN(1<<16), r.IntN(1<<16), r.IntN(2) == 1, r.IntN(4000), r.IntN(100), 20+r.IntN(50),
			asciiWord(r), asciiWord(r), asciiWord(r), asciiWord(r), asciiWord(r),
			r.Float64()*180-90, r.Float64()*360-180, asciiWord(r), asciiWord(r), asciiWord(r), asciiWord(r))
	}
	return []byte(b.String()[:n])
}

func asciiWord(r *rand.Rand) string {
	w := words[r.IntN(len(words))]
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss").Replace(w)
}

// genHTML returns n bytes of HTML-looking ASCII markup.
func genHTML(n int) []byte {
	r := newRand(4)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>Autobahn</title></head>\n<body>\n")
	for b.Len() < n {
		fmt.Fprintf(&b, "<div class=\"row c%d\"><a href=\"/p/%d\">%s</a> <span>%s %s</span></div>\n",
			r.IntN(12), r.IntN(100000), asciiWord(r), asciiWord(r), asciiWord(r))
	}
	return []byte(b.String()[:n])
}

// genBitmap returns a 512x512 8-bit grey BMP file (263222 bytes) with a
// smooth picture and a little noise, which compresses like a photograph.
func genBitmap() []byte {
	const w, h = 512, 512
	b := make([]byte, 0, 54+1024+w*h)
	le32 := func(v uint32) { b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	le16 := func(v uint16) { b = append(b, byte(v), byte(v>>8)) }
	b = append(b, 'B', 'M')
	le32(54 + 1024 + w*h)
	le32(0)
	le32(54 + 1024)
	le32(40)
	le32(w)
	le32(h)
	le16(1)
	le16(8)
	le32(0)
	le32(w * h)
	le32(2835)
	le32(2835)
	le32(256)
	le32(0)
	for i := range 256 {
		b = append(b, byte(i), byte(i), byte(i), 0)
	}
	r := newRand(2)
	for y := range h {
		for x := range w {
			v := 128 + 60*math.Sin(float64(x)/37) + 50*math.Cos(float64(y)/23) + 10*math.Sin(float64(x+y)/7)
			v += float64(r.IntN(9) - 4)
			b = append(b, byte(max(0, min(255, int(v)))))
		}
	}
	return b
}

// genPDF returns n bytes shaped like a PDF: text objects between binary
// (incompressible) streams.
func genPDF(n int) []byte {
	r := newRand(5)
	var b []byte
	b = append(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"...)
	for obj := 1; len(b) < n; obj++ {
		stream := make([]byte, 512+r.IntN(4096))
		for i := range stream {
			stream[i] = byte(r.Uint32())
		}
		b = fmt.Appendf(b, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Length %d /Filter /FlateDecode >>\nstream\n", obj, len(stream))
		b = append(b, stream...)
		b = append(b, "\nendstream\nendobj\n"...)
		b = fmt.Appendf(b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /Contents %d 0 R /MediaBox [0 0 612 792] >>\nendobj\n", obj+1000, obj)
	}
	return b[:n]
}
