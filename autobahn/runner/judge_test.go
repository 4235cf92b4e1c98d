package main

import "testing"

func TestJudge(t *testing.T) {
	hello := textMsg("Hello, world!")
	for _, tc := range []struct {
		name          string
		exp           []expectation
		ce            closeExpect
		o             observed
		behavior      string
		behaviorClose string
	}{
		{"violation: testee failed with 1002", ok(), failProto,
			observed{wasClean: true, remoteCode: 1002}, OK, OK},
		{"violation: testee dropped TCP without close", ok(), failProto,
			observed{remoteCode: -1}, OK, OK},
		{"violation: testee echoed, runner had to close", ok(), failProto,
			observed{received: []event{hello}, closedByMe: true, wasClean: true, remoteCode: 1000}, Failed, Failed},
		{"violation: testee failed with the wrong code", ok(), failProto,
			observed{wasClean: true, remoteCode: 1000}, OK, WrongCode},
		{"echo then failure: OK", okOrNonStrict(hello), failProto,
			observed{received: []event{hello}, remoteCode: 1002, wasClean: true}, OK, OK},
		{"echo then failure: failed before the echo is NON-STRICT", okOrNonStrict(hello), failProto,
			observed{remoteCode: 1002, wasClean: true}, NonStrict, OK},
		{"echo: clean normal close", ok(hello), closeNormal,
			observed{received: []event{hello}, closedByMe: true, wasClean: true, remoteCode: 1000}, OK, OK},
		{"echo: payload differs", ok(hello), closeNormal,
			observed{received: []event{textMsg("Hello, world?")}, closedByMe: true, wasClean: true, remoteCode: 1000}, Failed, OK},
		{"echo: binary instead of text", ok(hello), closeNormal,
			observed{received: []event{binMsg([]byte("Hello, world!"))}, closedByMe: true, wasClean: true, remoteCode: 1000}, Failed, OK},
		{"echo: empty close reply is fine", ok(hello), closeNormal,
			observed{received: []event{hello}, closedByMe: true, wasClean: true, remoteCode: -1}, OK, OK},
		{"echo: no close reply", ok(hello), closeNormal,
			observed{received: []event{hello}, closedByMe: true, wasClean: false, droppedByMe: true, remoteCode: -1}, OK, Unclean},
		{"server role: runner drops TCP after the handshake", ok(hello), closeNormal,
			observed{received: []event{hello}, closedByMe: true, wasClean: true, droppedByMe: true, isServer: true, remoteCode: 1000}, OK, OK},
		{"client role: server left TCP open, runner dropped it", ok(), failProto,
			observed{wasClean: true, droppedByMe: true, remoteCode: 1002}, OK, FailedByClient},
		{"UTF-8: testee failed with 1007", ok(), failUTF8,
			observed{remoteCode: 1007, wasClean: true}, OK, OK},
		{"UTF-8: testee never noticed", ok(), failUTF8,
			observed{closedByMe: true, wasClean: true, remoteCode: 1000}, Failed, Failed},
		{"UTF-8: fail-fast timeouts", []expectation{
			{outcome: OK, events: []event{timeoutEv("A")}},
			{outcome: NonStrict, events: []event{timeoutEv("A"), timeoutEv("B")}},
		}, failUTF8, observed{received: []event{timeoutEv("A"), timeoutEv("B")}, remoteCode: 1007, wasClean: true}, NonStrict, OK},
		{"valid close code may be echoed", ok(), closeExpect{byMe: true, codes: []int{1000, 3000}, clean: true},
			observed{closedByMe: true, wasClean: true, remoteCode: 3000}, OK, OK},
		{"testee protocol violation fails the behavior", ok(), closeNormal,
			observed{closedByMe: true, wasClean: true, remoteCode: 1002, violation: "masked frame"}, Failed, WrongCode},
		{"pong expected, nothing came", ok(pongEv([]byte("x"))), closeNormal,
			observed{closedByMe: true, wasClean: true, remoteCode: 1000}, Failed, OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := judge(tc.exp, tc.ce, tc.o)
			if v.behavior != tc.behavior || v.behaviorClose != tc.behaviorClose {
				t.Fatalf("judge = %s/%s (%s / %s), want %s/%s", v.behavior, v.behaviorClose, v.result, v.resultClose, tc.behavior, tc.behaviorClose)
			}
		})
	}
}

func TestValidCloseCode(t *testing.T) {
	valid := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	invalid := []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}
	for _, c := range valid {
		if !validCloseCode(c) {
			t.Errorf("validCloseCode(%d) = false", c)
		}
	}
	for _, c := range invalid {
		if validCloseCode(c) {
			t.Errorf("validCloseCode(%d) = true", c)
		}
	}
}
