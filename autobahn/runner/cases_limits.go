package main

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Sections 9 (limits and performance) and 10 (miscellaneous).

// sizeName renders a byte count as the suite's descriptions do ("4M").
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dk", n>>10)
	}
	return fmt.Sprint(n)
}

// sizeExpr renders a byte count as "4 * 2**20" like the suite.
func sizeExpr(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d * 2**20 (%s)", n>>20, sizeName(n))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d * 2**10 (%s)", n>>10, sizeName(n))
	}
	return fmt.Sprint(n)
}

// bulkEcho is one large message, generated when the case is played, sent
// in one of several ways, to come back whole within wait.
func bulkEcho(id, desc string, op byte, gen func() []byte, wait time.Duration, send func(s *session, p []byte)) Case {
	return Case{
		ID: id, Desc: desc,
		Expectation: fmt.Sprintf("Receive echo'ed %s message (with payload as sent). Clean close with normal code. Timeout case after %d secs.", opcodeName(op), int(wait/time.Second)),
		Custom:      true,
		Close:       closeNormal,
		Timeout:     wait + 10*time.Second,
		NoWirelog:   true,
		Play: func(s *session) {
			p := gen()
			roundTrips(s, op, func(int) []byte { return p }, 1, wait, send)
		},
	}
}

func limitCases() []Case {
	var cs []Case
	kinds := []struct {
		name string
		op   byte
		fill func(int) []byte
	}{{"text", opText, pattern}, {"binary", opBinary, binPattern}}

	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	waits := []int{10, 10, 20, 40, 60, 100}
	for k, kind := range kinds {
		for i, n := range sizes {
			gen, op := lazy(kind.fill, n), kind.op
			cs = append(cs, bulkEcho(fmt.Sprintf("9.%d.%d", k+1, i+1),
				fmt.Sprintf("Send %s message message with payload of length %s.", kind.name, sizeExpr(n)),
				op, gen, time.Duration(waits[i])*time.Second,
				func(s *session, p []byte) { s.send(dataFrame(op, true, p)) }))
		}
	}
	fragSizes := []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}
	for k, kind := range kinds {
		gen, op := lazy(kind.fill, 4<<20), kind.op
		for i, fs := range fragSizes {
			cs = append(cs, bulkEcho(fmt.Sprintf("9.%d.%d", k+3, i+1),
				fmt.Sprintf("Send fragmented %s message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of %s.", kind.name, sizeName(fs)),
				op, gen, 100*time.Second,
				func(s *session, p []byte) { s.sendMessage(op, p, fs) }))
		}
	}
	chops := []int{64, 128, 256, 512, 1024, 2048}
	for k, kind := range kinds {
		gen, op := lazy(kind.fill, 1<<20), kind.op
		for i, chop := range chops {
			cs = append(cs, bulkEcho(fmt.Sprintf("9.%d.%d", k+5, i+1),
				fmt.Sprintf("Send %s message message with payload of length 1 * 2**20 (1M). Sent out data in chops of %d octets.", kind.name, chop),
				op, gen, 20*time.Second,
				func(s *session, p []byte) { s.sendChopped(chop, 0, dataFrame(op, true, p)) }))
		}
	}
	for k, kind := range kinds {
		for i, n := range []int{0, 16, 64, 256, 1024, 4096} {
			payload, op := kind.fill(n), kind.op
			wait := 60 * time.Second
			cs = append(cs, Case{
				ID:          fmt.Sprintf("9.%d.%d", k+7, i+1),
				Desc:        fmt.Sprintf("Send 1000 %s messages of payload size %d to measure implementation/network RTT (round trip time) / latency.", kind.name, n),
				Expectation: fmt.Sprintf("Receive echo'ed %s messages (with payload as sent). Timeout case after %d secs.", kind.name, int(wait/time.Second)),
				Custom:      true,
				Close:       closeNormal,
				Timeout:     wait + 10*time.Second,
				NoWirelog:   true,
				Play: func(s *session) {
					roundTrips(s, op, func(int) []byte { return payload }, 1000, wait, sendWhole(op))
				},
			})
		}
	}
	return cs
}

func miscCases() []Case {
	payload := repeat('*', 65536)
	return []Case{{
		ID:          "10.1.1",
		Desc:        "Send text message with payload of length 65536 auto-fragmented with <b>autoFragmentSize = 1300</b>.",
		Expectation: "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.",
		Expect:      ok(rawTextMsg(payload)),
		Close:       closeNormal,
		Play: func(s *session) {
			s.sendMessage(opText, payload, 1300)
			s.finish(settle)
		},
	}}
}

// lazy returns a generator of fill(n) that builds the payload once, when a
// case first needs it, so that listing the catalogue stays cheap.
func lazy(fill func(int) []byte, n int) func() []byte {
	return sync.OnceValue(func() []byte { return fill(n) })
}

// sendWhole sends each message as one data message (compressed when
// negotiated), fragmented into frames of at most frag octets when frag > 0.
func sendWhole(op byte, frag ...int) func(s *session, p []byte) {
	size := 0
	if len(frag) > 0 {
		size = frag[0]
	}
	return func(s *session, p []byte) { s.sendMessage(op, p, size) }
}

// roundTrips sends count messages one after another, each once the echo of
// the previous one came back, and sets the case outcome: OK with the round
// trip statistics when every echo matched within wait, FAILED otherwise.
func roundTrips(s *session, op byte, payload func(i int) []byte, count int, wait time.Duration, send func(s *session, p []byte)) {
	notify := s.watchMessages()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	start := time.Now()
	rtts := make([]time.Duration, 0, count)
	for i := range count {
		p := payload(i)
		t0 := time.Now()
		send(s, p)
		select {
		case ev := <-notify:
			if ev.binary != (op == opBinary) || !bytes.Equal(ev.data, p) {
				s.setOutcome(Failed, fmt.Sprintf("Echo of message %d differs from what was sent (sent %d octets, received %d octets, binary=%v).", i, len(p), len(ev.data), ev.binary))
				s.finish(0)
				return
			}
		case <-s.done:
			s.setOutcome(Failed, fmt.Sprintf("Connection ended after %d of %d round trips.", i, count))
			return
		case <-deadline.C:
			s.setOutcome(Failed, fmt.Sprintf("Did not receive all echo'ed messages within %d seconds (%d of %d).", int(wait/time.Second), i, count))
			s.finish(0)
			return
		}
		rtts = append(rtts, time.Since(t0))
	}
	total := time.Since(start)
	slices.Sort(rtts)
	var sum time.Duration
	for _, d := range rtts {
		sum += d
	}
	if count == 1 {
		s.setOutcome(OK, fmt.Sprintf("Received the echo of the %d-octet %s message in %.3f ms.", len(payload(0)), opcodeName(op), ms(total)))
		s.finish(0)
		return
	}
	res := fmt.Sprintf("Ok, received all echo'ed messages in %.3f ms.", ms(total))
	if len(rtts) > 0 {
		res += fmt.Sprintf(" RTT min %.3f ms, median %.3f ms, max %.3f ms, mean %.3f ms.",
			ms(rtts[0]), ms(rtts[len(rtts)/2]), ms(rtts[len(rtts)-1]), ms(sum/time.Duration(len(rtts))))
	}
	s.setOutcome(OK, res)
	s.finish(0)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
