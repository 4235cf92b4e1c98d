package main

import (
	"fmt"
	"time"
)

// caseContext is what the roles know about a connection besides the session.
type caseContext struct {
	num        int // 1-based position in the selected case list
	agent      string
	hs         handshakeInfo
	negotiated string // accepted Sec-WebSocket-Extensions, if any
	// unimplemented, when set, says why a compression case cannot run.
	unimplemented string
}

// playCase runs c on an open session, bounded by the case's time budget,
// and returns its judged report.
func playCase(c *Case, s *session, cc caseContext) *caseReport {
	s.mu.Lock()
	s.expected, s.expectClose = c.Expect, c.Close
	s.mu.Unlock()
	s.start()
	budget := c.Timeout
	if budget == 0 {
		budget = defaultCaseTimeout
	}
	played := make(chan struct{})
	go func() {
		defer close(played)
		if cc.unimplemented != "" {
			s.finish(0)
			return
		}
		c.Play(s)
		s.finish(settle) // no-op when the case already finished
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case <-played:
	case <-timer.C:
		s.abort(fmt.Sprintf("case exceeded its time budget of %s", budget))
		select {
		case <-played:
		case <-time.After(5 * time.Second):
		}
	}
	<-s.done
	return buildReport(c, s, cc)
}

// buildReport judges a finished session and renders the case report.
func buildReport(c *Case, s *session, cc caseContext) *caseReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := observed{
		received:    s.received,
		closedByMe:  s.closedByMe,
		droppedByMe: s.droppedByMe,
		wasClean:    s.wasClean,
		isServer:    s.server,
		remoteCode:  s.remoteCode,
		violation:   s.violation,
		notCleanWhy: s.notCleanWhy,
	}
	v := judge(c.Expect, c.Close, o)
	switch {
	case cc.unimplemented != "":
		// As in the suite, the close is still judged (normally OK).
		v.behavior, v.result = Unimplemented, cc.unimplemented
	case c.WrongCodeFails && v.behaviorClose == WrongCode:
		v.behavior, v.result = Failed, v.resultClose
	case c.Custom && s.violation == "":
		v.behavior, v.result = s.customBehavior, s.customResult
		if v.behavior == "" {
			v.behavior, v.result = Failed, "The case did not complete."
		}
	case c.Informational && s.violation == "":
		if r, ok := c.InfoResult[v.behavior]; ok {
			v.result = r
		} else {
			v.result = fmt.Sprintf("Actual events are undefined by the spec (%d events received).", len(s.received))
		}
		v.behavior = Informational
		v.resultClose = fmt.Sprintf("Informational: %s (%s)", v.resultClose, v.behaviorClose)
		v.behaviorClose = Informational
	}
	expected := map[string][][]any{}
	for _, e := range c.Expect {
		expected[e.outcome] = eventsJSON(e.events)
	}
	rep := &caseReport{
		Agent:         cc.agent,
		Behavior:      v.behavior,
		BehaviorClose: v.behaviorClose,
		Case:          cc.num,
		ClosedByMe:    s.closedByMe,
		CreateWirelog: s.wire != nil,
		Description:   c.Desc,
		DroppedByMe:   s.droppedByMe,
		Duration:      s.ended.Sub(s.started).Milliseconds(),
		Expectation:   c.Expectation,
		Expected:      expected,
		ExpectedClose: map[string]any{
			"closedByMe":   c.Close.byMe,
			"closeCode":    c.Close.codes,
			"requireClean": c.Close.clean,
		},
		FailedByMe:               s.failedByMe,
		HTTPRequest:              cc.hs.request,
		HTTPResponse:             cc.hs.response,
		ID:                       c.ID,
		IsServer:                 s.server,
		LocalCloseCode:           optInt(s.localCode),
		LocalCloseReason:         optString(s.localReason, s.localCode >= 0),
		Received:                 eventsJSON(s.received),
		RemoteCloseCode:          optInt(s.remoteCode),
		RemoteCloseReason:        optString(s.remoteReason, s.remoteCode >= 0),
		Result:                   v.result,
		ResultClose:              v.resultClose,
		RxFrameStats:             s.rxFrames,
		RxOctets:                 s.rxOctets,
		Started:                  s.started.UTC().Format(time.RFC3339Nano),
		TxFrameStats:             s.txFrames,
		TxOctets:                 s.txOctets,
		WasClean:                 s.wasClean,
		WasCloseHandshakeTimeout: s.closeTimedOut,
		WasNotCleanReason:        optString(s.notCleanWhy, s.notCleanWhy != ""),
		WasServerDropTimeout:     s.dropTimedOut,
		ProtocolViolation:        optString(s.violation, s.violation != ""),
		Negotiated:               cc.negotiated,
	}
	if s.wire != nil {
		rep.Wirelog, rep.WirelogTruncated = s.wire.entries, s.wire.dropped
	}
	return rep
}

// failedReport reports a case that could not even start (connection or
// handshake failure).
func failedReport(c *Case, cc caseContext, why string) *caseReport {
	return &caseReport{
		Agent: cc.agent, ID: c.ID, Case: cc.num, Description: c.Desc, Expectation: c.Expectation,
		Behavior: Failed, BehaviorClose: Failed, Result: why, ResultClose: why,
		HTTPRequest: cc.hs.request, HTTPResponse: cc.hs.response,
		Started: time.Now().UTC().Format(time.RFC3339Nano),
	}
}
