package main

import (
	"fmt"
)

// Sections 1 (framing), 2 (pings/pongs), 3 (reserved bits), 4 (opcodes) and
// 5 (fragmentation).

func framingCases() []Case {
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536}
	var cs []Case
	for sub, kind := range []struct {
		name string
		op   byte
		fill func(int) []byte
		ev   func([]byte) event
	}{
		{"text", opText, func(n int) []byte { return repeat('*', n) }, rawTextMsg},
		{"binary", opBinary, func(n int) []byte { return repeat(0xfe, n) }, binMsg},
	} {
		for i, n := range sizes {
			payload := kind.fill(n)
			op := kind.op
			cs = append(cs, echoCase(fmt.Sprintf("1.%d.%d", sub+1, i+1),
				fmt.Sprintf("Send %s message with payload of length %d.", kind.name, n),
				kind.ev(payload),
				func(s *session) { s.send(dataFrame(op, true, payload)) }))
		}
		payload := kind.fill(65536)
		op := kind.op
		cs = append(cs, echoCase(fmt.Sprintf("1.%d.8", sub+1),
			fmt.Sprintf("Send %s message with payload of length 65536. Sent out data in chops of 997 octets.", kind.name),
			kind.ev(payload),
			func(s *session) { s.sendChopped(997, octetPause, dataFrame(op, true, payload)) }))
	}
	return cs
}

func pingCases() []Case {
	pingEcho := func(id, desc string, payload []byte, chop int) Case {
		return Case{
			ID: id, Desc: desc,
			Expectation: "Pong (with payload echo'ed, if any) is sent in reply to Ping. Clean close with normal code.",
			Expect:      ok(pongEv(payload)),
			Close:       closeNormal,
			Play: func(s *session) {
				s.sendChopped(chop, octetPause, pingFrame(payload))
				s.finish(settle)
			},
		}
	}
	nothing := func(id, desc string, play func(s *session)) Case {
		return Case{
			ID: id, Desc: desc,
			Expectation: "Nothing is received in reply. Clean close with normal code.",
			Expect:      ok(),
			Close:       closeNormal,
			Play: func(s *session) {
				play(s)
				s.finish(settle)
			},
		}
	}
	tenPings := func(id, desc string, chop int) Case {
		var frames []frame
		var pongs []event
		for i := range 10 {
			p := []byte(fmt.Sprintf("payload-%d", i))
			frames = append(frames, pingFrame(p))
			pongs = append(pongs, pongEv(p))
		}
		return Case{
			ID: id, Desc: desc,
			Expectation: "Pongs for our Pings with all the payloads. Note: this is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.",
			Expect:      ok(pongs...),
			Close:       closeNormal,
			Play: func(s *session) {
				s.sendChopped(chop, octetPause, frames...)
				s.finish(settle)
			},
		}
	}
	return []Case{
		pingEcho("2.1", "Send ping without payload.", []byte{}, 0),
		pingEcho("2.2", "Send ping with small text payload.", []byte("Hello, world!"), 0),
		pingEcho("2.3", "Send ping with small binary (non UTF-8) payload.", []byte("\x00\xff\xfe\xfd\xfc\xfb\x00\xff"), 0),
		pingEcho("2.4", "Send ping with binary payload of 125 octets.", repeat(0xfe, 125), 0),
		violationCase("2.5", "Send ping with binary payload of 126 octets.", func(s *session) {
			s.send(pingFrame(repeat(0xfe, 126)))
		}),
		pingEcho("2.6", "Send ping with binary payload of 125 octets, send in octet-wise chops.", repeat(0xfe, 125), 1),
		nothing("2.7", "Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.", func(s *session) {
			s.send(frame{fin: true, opcode: opPong})
		}),
		nothing("2.8", "Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.", func(s *session) {
			s.send(frame{fin: true, opcode: opPong, payload: []byte("unsolicited pong payload")})
		}),
		{
			ID:          "2.9",
			Desc:        "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.",
			Expectation: "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
			Expect:      ok(pongEv([]byte("ping payload"))),
			Close:       closeNormal,
			Play: func(s *session) {
				s.send(frame{fin: true, opcode: opPong, payload: []byte("unsolicited pong payload")},
					pingFrame([]byte("ping payload")))
				s.finish(settle)
			},
		},
		tenPings("2.10", "Send 10 Pings with payload.", 0),
		tenPings("2.11", "Send 10 Pings with payload. Send out octets in octet-wise chops.", 1),
	}
}

func reservedBitCases() []Case {
	hello := "Hello, world!"
	// The three "text, bad text, ping" cases: the first message must come
	// back, then the connection must fail; failing before echoing is
	// accepted as NON-STRICT.
	thenBad := func(id, desc string, rsv byte, send func(s *session, fs ...frame)) Case {
		return Case{
			ID: id, Desc: desc,
			Expectation: "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.",
			Expect:      okOrNonStrict(textMsg(hello)),
			Close:       failProto,
			Play: func(s *session) {
				bad := textFrame(hello)
				bad.rsv = rsv
				send(s, textFrame(hello), bad, pingFrame(nil))
				s.finish(settle)
			},
		}
	}
	return []Case{
		violationCase("3.1", "Send small text message with <b>RSV = 1</b>.", func(s *session) {
			f := textFrame(hello)
			f.rsv = 1
			s.send(f)
		}),
		thenBad("3.2", "Send small text message, then send again with <b>RSV = 2</b>, then send Ping.", 2,
			func(s *session, fs ...frame) { s.send(fs...) }),
		thenBad("3.3", "Send small text message, then send again with <b>RSV = 3</b>, then send Ping. Octets are sent in frame-wise chops.", 3,
			func(s *session, fs ...frame) { s.sendSync(fs...) }),
		thenBad("3.4", "Send small text message, then send again with <b>RSV = 4</b>, then send Ping. Octets are sent in octet-wise chops.", 4,
			func(s *session, fs ...frame) { s.sendChopped(1, octetPause, fs...) }),
		violationCase("3.5", "Send small binary message with <b>RSV = 5</b>.", func(s *session) {
			s.send(frame{fin: true, rsv: 5, opcode: opBinary, payload: []byte("\x00\xff\xfe\xfd\xfc\xfb\x00\xff")})
		}),
		violationCase("3.6", "Send Ping with <b>RSV = 6</b>.", func(s *session) {
			s.send(frame{fin: true, rsv: 6, opcode: opPing, payload: []byte(hello)})
		}),
		violationCase("3.7", "Send Close with <b>RSV = 7</b>.", func(s *session) {
			s.send(frame{fin: true, rsv: 7, opcode: opClose, payload: closePayload(1000, "")})
		}),
	}
}

func opcodeCases() []Case {
	hello := "Hello, world!"
	var cs []Case
	for sub, ops := range [][]byte{{3, 4, 5, 6, 7}, {11, 12, 13, 14, 15}} {
		kind := "non-control"
		if sub == 1 {
			kind = "control"
		}
		for i, op := range ops {
			id := fmt.Sprintf("4.%d.%d", sub+1, i+1)
			var payload []byte
			extra := ""
			if i != 0 && i != 2 {
				payload = []byte("reserved opcode payload")
				extra = " and non-empty payload"
			}
			bad := frame{fin: true, opcode: op, payload: payload}
			if i < 2 {
				cs = append(cs, violationCase(id,
					fmt.Sprintf("Send frame with reserved %s <b>Opcode = %d</b>%s.", kind, op, extra),
					func(s *session) { s.send(bad) }))
				continue
			}
			cs = append(cs, Case{
				ID:          id,
				Desc:        fmt.Sprintf("Send small text message, then send frame with reserved %s <b>Opcode = %d</b>%s, then send Ping.", kind, op, extra),
				Expectation: "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.",
				Expect:      okOrNonStrict(textMsg(hello)),
				Close:       failProto,
				Play: func(s *session) {
					s.send(textFrame(hello), bad, pingFrame(nil))
					s.finish(settle)
				},
			})
		}
	}
	return cs
}

func fragmentationCases() []Case {
	f1, f2 := []byte("fragment1"), []byte("fragment2")
	twoText := []frame{dataFrame(opText, false, f1), dataFrame(opContinuation, true, f2)}
	withPing := []frame{dataFrame(opText, false, f1), pingFrame([]byte("ping payload")), dataFrame(opContinuation, true, f2)}
	plain := func(s *session, fs ...frame) { s.send(fs...) }
	octets := func(s *session, fs ...frame) { s.sendChopped(1, octetPause, fs...) }
	sync := func(s *session, fs ...frame) { s.sendSync(fs...) }
	echoFrames := func(id, desc string, fs []frame, exp []event, send func(*session, ...frame)) Case {
		return Case{
			ID: id, Desc: desc,
			Expectation: "Message is processed and echo'ed back to us (and pongs for pings in between), then clean close with normal code.",
			Expect:      ok(exp...),
			Close:       closeNormal,
			Play: func(s *session) {
				send(s, fs...)
				s.finish(settle)
			},
		}
	}
	bad := func(id, desc string, fs []frame, send func(*session, ...frame)) Case {
		return violationCase(id, desc, func(s *session) { send(s, fs...) })
	}
	msg12 := textMsg("fragment1fragment2")
	noStartFin := []frame{dataFrame(opContinuation, true, []byte("non-continuation payload")), textFrame("Hello, world!")}
	noStartMore := []frame{dataFrame(opContinuation, false, []byte("non-continuation payload")), textFrame("Hello, world!")}
	cs := []Case{
		bad("5.1", "Send Ping fragmented into 2 fragments.",
			[]frame{{opcode: opPing, payload: f1}, dataFrame(opContinuation, true, f2)}, plain),
		bad("5.2", "Send Pong fragmented into 2 fragments.",
			[]frame{{opcode: opPong, payload: f1}, dataFrame(opContinuation, true, f2)}, plain),
		echoFrames("5.3", "Send text Message fragmented into 2 fragments.", twoText, []event{msg12}, plain),
		echoFrames("5.4", "Send text Message fragmented into 2 fragments, octets are sent in frame-wise chops.", twoText, []event{msg12}, sync),
		echoFrames("5.5", "Send text Message fragmented into 2 fragments, octets are sent in octet-wise chops.", twoText, []event{msg12}, octets),
		echoFrames("5.6", "Send text Message fragmented into 2 fragments, one ping with payload in-between.", withPing,
			[]event{pongEv([]byte("ping payload")), msg12}, plain),
		echoFrames("5.7", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in octet-wise chops.", withPing,
			[]event{pongEv([]byte("ping payload")), msg12}, octets),
		echoFrames("5.8", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in frame-wise chops.", withPing,
			[]event{pongEv([]byte("ping payload")), msg12}, sync),
		bad("5.9", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in one chop.", noStartFin, plain),
		bad("5.10", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in per-frame chops.", noStartFin, sync),
		bad("5.11", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in octet-wise chops.", noStartFin, octets),
		bad("5.12", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in one chop.", noStartMore, plain),
		bad("5.13", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in per-frame chops.", noStartMore, sync),
		bad("5.14", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in octet-wise chops.", noStartMore, octets),
		{
			ID:          "5.15",
			Desc:        "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
			Expectation: "The connection is failed immediately, since there is no message to continue.",
			Expect:      okOrNonStrict(msg12),
			Close:       failProto,
			Play: func(s *session) {
				s.send(twoText[0], twoText[1], dataFrame(opContinuation, false, []byte("fragment3")), textFrame("fragment4"))
				s.finish(settle)
			},
		},
	}
	var rep16, rep17 []frame
	for range 2 {
		rep16 = append(rep16, dataFrame(opContinuation, false, f1), dataFrame(opText, false, f2), dataFrame(opContinuation, true, []byte("fragment3")))
		rep17 = append(rep17, dataFrame(opContinuation, true, f1), dataFrame(opText, false, f2), dataFrame(opContinuation, true, []byte("fragment3")))
	}
	cs = append(cs,
		bad("5.16", "Repeated 2x: Continuation Frame with FIN = false (where there is nothing to continue), then text Message fragmented into 2 fragments.", rep16, plain),
		bad("5.17", "Repeated 2x: Continuation Frame with FIN = true (where there is nothing to continue), then text Message fragmented into 2 fragments.", rep17, plain),
		bad("5.18", "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
			[]frame{dataFrame(opText, false, f1), dataFrame(opText, true, f2)}, plain),
		pingsInFragments("5.19", "A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the remaining fragment. We wait another 1s.", false),
		pingsInFragments("5.20", "Same as Case 5.19, but send all frames with SYNC = True. Note, this does not change the octets sent in any way, only how the stream is chopped up on the wire.", true),
	)
	return cs
}

// pingsInFragments builds 5.19/5.20: five text fragments with two pings and
// pauses in between.
func pingsInFragments(id, desc string, sync bool) Case {
	frag := func(i int, op byte, fin bool) frame {
		return dataFrame(op, fin, []byte(fmt.Sprintf("fragment%d", i)))
	}
	p1, p2 := []byte("pongme 1!"), []byte("pongme 2!")
	return Case{
		ID: id, Desc: desc,
		Expectation: "The Pong for the first Ping is received before the 2nd Ping is sent. The Pong for the second Ping is received before the last fragment is sent. The message is echo'ed as a whole, then clean close with normal code.",
		Expect:      ok(pongEv(p1), pongEv(p2), textMsg("fragment1fragment2fragment3fragment4fragment5")),
		Close:       closeNormal,
		Play: func(s *session) {
			send := s.send
			if sync {
				send = s.sendSync
			}
			send(frag(1, opText, false), frag(2, opContinuation, false), pingFrame(p1))
			if !s.wait(settle, "") {
				return
			}
			send(frag(3, opContinuation, false), frag(4, opContinuation, false), pingFrame(p2))
			if !s.wait(settle, "") {
				return
			}
			send(frag(5, opContinuation, true))
			s.finish(settle)
		},
	}
}
