package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Section 6: UTF-8 handling.

// utf8Group is one sub-section of 6.5-6.23: a title and its sequences.
type utf8Group struct {
	title string
	seqs  []string
}

// utf8Groups returns the byte sequences of cases 6.5.* to 6.23.*, in order.
// They follow Markus Kuhn's UTF-8 decoder stress test, as the suite does.
func utf8Groups() []utf8Group {
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	var prefixes []string
	for i := 1; i <= len(kosme); i++ {
		prefixes = append(prefixes, kosme[:i])
	}
	var contAll strings.Builder
	for b := 0x80; b < 0xbf; b++ {
		contAll.WriteByte(byte(b))
	}
	var lonely []string
	for _, r := range [][2]int{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}} {
		var s strings.Builder
		for b := r[0]; b < r[1]; b++ {
			s.WriteByte(byte(b))
			s.WriteByte(' ')
		}
		lonely = append(lonely, s.String())
	}
	incomplete := []string{
		"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf",
	}
	nonChars := []string{"\xef\xbf\xbe", "\xef\xbf\xbf"}
	for plane := rune(1); plane <= 16; plane++ {
		nonChars = append(nonChars, string(plane<<16|0xfffe), string(plane<<16|0xffff))
	}
	return []utf8Group{
		{"Some valid UTF-8 sequences", []string{"hello\x24world", "hello\xc2\xa2world", "hello\xe2\x82\xacworld", "hello\xf0\xa4\xad\xa2world", kosme}},
		{"All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes},
		{"First possible sequence of a certain length", []string{"\x00", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80"}},
		{"First possible sequence length 5/6 (invalid codepoints)", []string{"\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80"}},
		{"Last possible sequence of a certain length", []string{"\x7f", "\xdf\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"}},
		{"Last possible sequence length 4/5/6 (invalid codepoints)", []string{"\xf7\xbf\xbf\xbf", "\xfb\xbf\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf\xbf"}},
		{"Other boundary conditions", []string{"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80"}},
		{"Unexpected continuation bytes", []string{"\x80", "\xbf", "\x80\xbf", "\x80\xbf\x80", "\x80\xbf\x80\xbf", "\x80\xbf\x80\xbf\x80", "\x80\xbf\x80\xbf\x80\xbf", contAll.String()}},
		{"Lonely start characters", lonely},
		{"Sequences with last continuation byte missing", incomplete},
		{"Concatenation of incomplete sequences", []string{strings.Join(incomplete, "")}},
		{"Impossible bytes", []string{"\xfe", "\xff", "\xfe\xfe\xff\xff"}},
		{"Examples of an overlong ASCII character", []string{"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xf8\x80\x80\x80\xaf", "\xfc\x80\x80\x80\x80\xaf"}},
		{"Maximum overlong sequences", []string{"\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf8\x87\xbf\xbf\xbf", "\xfc\x83\xbf\xbf\xbf\xbf"}},
		{"Overlong representation of the NUL character", []string{"\xc0\x80", "\xe0\x80\x80", "\xf0\x80\x80\x80", "\xf8\x80\x80\x80\x80", "\xfc\x80\x80\x80\x80\x80"}},
		{"Single UTF-16 surrogates", []string{"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf", "\xed\xb0\x80", "\xed\xbe\x80", "\xed\xbf\xbf"}},
		{"Paired UTF-16 surrogates", []string{
			"\xed\xa0\x80\xed\xb0\x80", "\xed\xa0\x80\xed\xbf\xbf", "\xed\xad\xbf\xed\xb0\x80", "\xed\xad\xbf\xed\xbf\xbf",
			"\xed\xae\x80\xed\xb0\x80", "\xed\xae\x80\xed\xbf\xbf", "\xed\xaf\xbf\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf"}},
		{"Non-character code points (valid UTF-8)", nonChars},
		{"Unicode specials (i.e. replacement char)", []string{"\xef\xbf\xb9", "\xef\xbf\xba", "\xef\xbf\xbb", "\xef\xbf\xbc", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xef\xbf\xbf"}},
	}
}

// utf8Message is a case that sends payload as one text message (in frames
// of fragSize octets when fragSize > 0): echo if valid, else failure 1007.
func utf8Message(id, desc string, payload []byte, fragSize int) Case {
	if utf8.Valid(payload) {
		return Case{
			ID: id, Desc: desc,
			Expectation: "The message is echo'ed back to us.",
			Expect:      ok(rawTextMsg(payload)),
			Close:       closeNormal,
			Play: func(s *session) {
				if fragSize > 0 {
					s.send(fragments(opText, payload, fragSize)...)
				} else {
					s.send(dataFrame(opText, true, payload))
				}
				s.finish(settle)
			},
		}
	}
	return Case{
		ID: id, Desc: desc,
		Expectation: "The connection is failed immediately, since the payload is not valid UTF-8.",
		Expect:      ok(),
		Close:       failUTF8,
		Play: func(s *session) {
			if fragSize > 0 {
				s.send(fragments(opText, payload, fragSize)...)
			} else {
				s.send(dataFrame(opText, true, payload))
			}
			s.finish(settle)
		},
	}
}

func utf8Cases() []Case {
	hello := []byte("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!")
	kosme := []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")
	invalid := []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")
	split := len(hello) / 2 // moved forward to a code point boundary
	for !utf8.RuneStart(hello[split]) {
		split++
	}
	cs := []Case{
		utf8Message("6.1.1", "Send text message of length 0.", []byte{}, 0),
		{
			ID: "6.1.2", Desc: "Send fragmented text message, 3 fragments each of length 0.",
			Expectation: "A message is echo'ed back to us (with empty payload).",
			Expect:      ok(textMsg("")),
			Close:       closeNormal,
			Play: func(s *session) {
				s.send(dataFrame(opText, false, nil), dataFrame(opContinuation, false, nil), dataFrame(opContinuation, true, nil))
				s.finish(settle)
			},
		},
		{
			ID: "6.1.3", Desc: "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.",
			Expectation: "A message is echo'ed back to us (with payload = payload of middle fragment).",
			Expect:      ok(textMsg("middle frame payload")),
			Close:       closeNormal,
			Play: func(s *session) {
				s.send(dataFrame(opText, false, nil), dataFrame(opContinuation, false, []byte("middle frame payload")), dataFrame(opContinuation, true, nil))
				s.finish(settle)
			},
		},
		utf8Message("6.2.1", "Send a valid UTF-8 text message in one fragment.", hello, 0),
		{
			ID: "6.2.2", Desc: "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.",
			Expectation: "The message is echo'ed back to us.",
			Expect:      ok(rawTextMsg(hello)),
			Close:       closeNormal,
			Play: func(s *session) {
				s.send(dataFrame(opText, false, hello[:split]), dataFrame(opContinuation, true, hello[split:]))
				s.finish(settle)
			},
		},
		utf8Message("6.2.3", "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", hello, 1),
		utf8Message("6.2.4", "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", kosme, 1),
		utf8Message("6.3.1", "Send invalid UTF-8 text message unfragmented.", invalid, 0),
		utf8Message("6.3.2", "Send invalid UTF-8 text message in fragments of 1 octet.", invalid, 1),
		failFast("6.4.1", "Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest. Note that PART1 and PART3 are valid UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding scheme, but the codepoint is invalid (out of range).",
			"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64", false),
		failFast("6.4.2", "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.",
			"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4", "\x90", "\x80\x80\x65\x64\x69\x74\x65\x64", false),
		failFast("6.4.3", "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame.",
			"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64", true),
		failFast("6.4.4", "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame.",
			"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4", "\x90", "\x80\x80\x65\x64\x69\x74\x65\x64", true),
	}
	for gi, g := range utf8Groups() {
		for si, seq := range g.seqs { // g.title names sub-section 6.(gi+5) in summaries
			valid := "valid"
			if !utf8.ValidString(seq) {
				valid = "not valid"
			}
			desc := fmt.Sprintf("Send a text message with payload which is %s UTF-8 in one fragment.<br><br>Payload: 0x%x", valid, seq)
			cs = append(cs, utf8Message(fmt.Sprintf("6.%d.%d", gi+5, si+1), desc, []byte(seq), 0))
		}
	}
	return cs
}

// failFast builds 6.4.*: a text message whose invalid octets come in the
// middle, sent in three parts (frames, or chops of one frame) with 1 s
// pauses. Failing right after part 2 is OK; failing only once the whole
// message is in is NON-STRICT.
func failFast(id, desc, p1, p2, p3 string, chops bool) Case {
	return Case{
		ID: id, Desc: desc,
		Expectation: "The first frame is accepted, we expect to timeout on the first wait. The 2nd frame should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.",
		Expect: []expectation{
			{outcome: OK, events: []event{timeoutEv("A")}},
			{outcome: NonStrict, events: []event{timeoutEv("A"), timeoutEv("B")}},
		},
		Close: failUTF8,
		Play: func(s *session) {
			var parts [3][]byte
			if chops {
				all := s.encode(nil, dataFrame(opText, true, []byte(p1+p2+p3)))
				cut1 := len(all) - len(p2) - len(p3)
				parts = [3][]byte{all[:cut1], all[cut1 : cut1+len(p2)], all[cut1+len(p2):]}
			} else {
				parts = [3][]byte{
					s.encode(nil, dataFrame(opText, false, []byte(p1))),
					s.encode(nil, dataFrame(opContinuation, false, []byte(p2))),
					s.encode(nil, dataFrame(opContinuation, true, []byte(p3))),
				}
			}
			s.writeRaw(parts[0], 0, 0)
			if !s.wait(settle, "A") {
				return
			}
			s.writeRaw(parts[1], 0, 0)
			if !s.wait(settle, "B") {
				return
			}
			s.writeRaw(parts[2], 0, 0)
			s.finish(settle)
		},
	}
}
