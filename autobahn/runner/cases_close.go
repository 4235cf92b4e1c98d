package main

import (
	"fmt"
	"strings"
)

// Section 7: close handling.

func closeCases() []Case {
	hello := "Hello World!"
	afterClose := func(id, desc, expectation string, exp []event, play func(s *session)) Case {
		return Case{
			ID: id, Desc: desc, Expectation: expectation,
			Expect: ok(exp...),
			Close:  closeNormal,
			Play: func(s *session) {
				play(s)
				s.finish(settle)
			},
		}
	}
	cs := []Case{
		afterClose("7.1.1", "Send a message followed by a close frame", "Echoed message followed by clean close with normal code.",
			[]event{textMsg(hello)}, func(s *session) {
				s.send(textFrame(hello))
				s.closeRaw(closePayload(1000, ""))
			}),
		afterClose("7.1.2", "Send two close frames", "Clean close with normal code. Second close frame ignored.",
			nil, func(s *session) {
				s.closeRaw(closePayload(1000, ""))
				s.send(frame{fin: true, opcode: opClose, payload: closePayload(1000, "")})
			}),
		afterClose("7.1.3", "Send a ping after close message", "Clean close with normal code, no pong.",
			nil, func(s *session) {
				s.closeRaw(closePayload(1000, ""))
				s.send(pingFrame([]byte(hello)))
			}),
		afterClose("7.1.4", "Send text message after sending a close frame", "Clean close with normal code. Text message ignored.",
			nil, func(s *session) {
				s.closeRaw(closePayload(1000, ""))
				s.send(textFrame(hello))
			}),
		afterClose("7.1.5", "Send message fragment1 followed by close then fragment", "Clean close with normal code.",
			nil, func(s *session) {
				s.send(dataFrame(opText, false, []byte("fragment1")))
				s.closeRaw(closePayload(1000, ""))
				s.send(dataFrame(opContinuation, true, []byte("fragment2")))
			}),
	}
	big := pattern(256 << 10)
	cs = append(cs, Case{
		ID:            "7.1.6",
		Desc:          "Send 256K message followed by close then a ping",
		Expectation:   "Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.",
		Informational: true,
		InfoResult: map[string]string{
			OK:        "Text message was processed before close.",
			NonStrict: "Close was processed before text message could be returned.",
		},
		Expect: okOrNonStrict(rawTextMsg(big), textMsg(hello)),
		Close:  closeNormal,
		Play: func(s *session) {
			s.send(dataFrame(opText, true, big), textFrame(hello))
			s.closeRaw(closePayload(1000, ""))
			s.send(pingFrame(nil))
			s.finish(settle)
		},
	})

	// The runner starts the close with payload; a wrong close code in the
	// testee's answer also fails the behavior, as in the suite.
	closeWith := func(id, desc string, payload []byte, ce closeExpect, expectation string) Case {
		return Case{
			ID: id, Desc: desc, Expectation: expectation,
			Expect:         ok(),
			Close:          ce,
			WrongCodeFails: true,
			Play: func(s *session) {
				s.closeRaw(payload)
				s.finish(settle)
			},
		}
	}
	protoErr := closeExpect{byMe: true, codes: []int{1002}}
	cs = append(cs,
		closeWith("7.3.1", "Send a close frame with payload length 0 (no close code, no close reason)", nil, closeNormal,
			"Clean close with normal code."),
		closeWith("7.3.2", "Send a close frame with payload length 1", []byte("*"), protoErr,
			"Clean close with protocol error or drop TCP."),
		closeWith("7.3.3", "Send a close frame with payload length 2 (regular close with a code)", closePayload(1000, ""), closeNormal,
			"Clean close with normal code."),
		closeWith("7.3.4", "Send a close frame with close code and close reason", closePayload(1000, "Hello World!"), closeNormal,
			"Clean close with normal code."),
		closeWith("7.3.5", "Send a close frame with close code and close reason of maximum length (123)", closePayload(1000, strings.Repeat("*", 123)), closeNormal,
			"Clean close with normal code."),
		closeWith("7.3.6", "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets", closePayload(1000, strings.Repeat("*", 124)), protoErr,
			"Clean close with protocol error code or dropped TCP connection."),
		closeWith("7.5.1", "Send a close frame with invalid UTF8 payload",
			closePayload(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
			closeExpect{byMe: true, codes: []int{1002, 1007}},
			"Clean close with protocol error or invalid utf8 code or dropped TCP connection."),
	)
	valid := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}
	for i, code := range valid {
		cs = append(cs, closeWith(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Send close with valid close code %d", code),
			closePayload(code, ""), closeExpect{byMe: true, codes: []int{1000, code}, clean: true},
			fmt.Sprintf("Clean close with normal or echoed code (%d).", code)))
	}
	invalid := []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999}
	for i, code := range invalid {
		cs = append(cs, closeWith(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Send close with invalid close code %d", code),
			closePayload(code, ""), protoErr,
			"Clean close with protocol error code or drop TCP."))
	}
	for i, code := range []int{5000, 65535} {
		c := closeWith(fmt.Sprintf("7.13.%d", i+1), fmt.Sprintf("Send close with close code %d", code),
			closePayload(code, ""), closeExpect{byMe: true, codes: []int{1000, code, 1002}},
			"Actual events are undefined by the spec.")
		c.Informational, c.WrongCodeFails = true, false
		cs = append(cs, c)
	}
	return cs
}
