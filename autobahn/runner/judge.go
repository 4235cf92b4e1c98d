package main

import (
	"fmt"
	"strings"
)

// Outcome classes, spelled as the suite spells them in its reports.
const (
	OK             = "OK"
	NonStrict      = "NON-STRICT"
	Failed         = "FAILED"
	Unimplemented  = "UNIMPLEMENTED"
	Informational  = "INFORMATIONAL"
	WrongCode      = "WRONG CODE"
	Unclean        = "UNCLEAN"
	FailedByClient = "FAILED BY CLIENT"
)

// expectation is one acceptable sequence of testee events and the outcome
// class it earns.
type expectation struct {
	outcome string
	events  []event
}

// closeExpect says how the connection must end: who starts the closing
// handshake (byMe: the runner), which close codes the testee may send,
// whether the close must be clean, and whether closing by the wrong
// endpoint also fails the behavior (UTF-8 cases: the testee missed it).
type closeExpect struct {
	byMe               bool
	codes              []int
	clean              bool
	wrongEndpointFatal bool
}

var (
	closeNormal = closeExpect{byMe: true, codes: []int{1000}, clean: true}
	failProto   = closeExpect{codes: []int{1002}}
	failUTF8    = closeExpect{codes: []int{1007}, wrongEndpointFatal: true}
)

// observed is what the runner saw of a connection, the input of judging.
type observed struct {
	received    []event
	closedByMe  bool
	droppedByMe bool
	wasClean    bool
	isServer    bool // the runner played the server
	remoteCode  int  // -1: none
	violation   string
	notCleanWhy string
}

// verdict is the result of judging one case.
type verdict struct {
	behavior, behaviorClose string
	result, resultClose     string
}

func eventsEqual(a, b []event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].equal(b[i]) {
			return false
		}
	}
	return true
}

// judge classifies a finished connection the way the suite does: the
// behavior is the first expected outcome whose events equal the received
// ones (else FAILED); the close behavior checks, in order, the endpoint that
// started the close, cleanliness, the testee's close code, and (runner as
// client) that the server closed TCP first. A protocol violation by the
// testee always fails the behavior.
func judge(exp []expectation, ce closeExpect, o observed) verdict {
	v := verdict{behavior: Failed, result: "Actual events differ from any expected."}
	for _, e := range exp {
		if eventsEqual(o.received, e.events) {
			v.behavior = e.outcome
			v.result = "Actual events match at least one expected."
			break
		}
	}
	if o.violation != "" {
		v.behavior = Failed
		v.result = "Testee violated the protocol: " + o.violation
	}
	switch {
	case ce.byMe != o.closedByMe:
		v.behaviorClose = Failed
		v.resultClose = "The connection was failed by the wrong endpoint"
	case ce.clean && !o.wasClean:
		v.behaviorClose = Unclean
		v.resultClose = "The spec requires the connection to be failed cleanly here"
		if o.notCleanWhy != "" {
			v.resultClose += " (" + o.notCleanWhy + ")"
		}
	case o.remoteCode >= 0 && !containsInt(ce.codes, o.remoteCode):
		v.behaviorClose = WrongCode
		v.resultClose = fmt.Sprintf("The close code should have been %s or empty", joinInts(ce.codes))
	case !o.isServer && o.droppedByMe:
		v.behaviorClose = FailedByClient
		v.resultClose = "It is preferred that the server close the TCP connection"
	default:
		v.behaviorClose = OK
		v.resultClose = "Connection was properly closed"
	}
	if ce.wrongEndpointFatal && ce.byMe != o.closedByMe {
		v.behavior = Failed
		v.result = "The testee did not fail the connection itself: " + v.result
	}
	return v
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func joinInts(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}
