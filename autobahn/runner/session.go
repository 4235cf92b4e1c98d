package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
	"unicode/utf8"
)

// Timing knobs of the closing handshake, matching the suite's defaults.
const (
	closeHandshakeTimeout = time.Second // wait for the peer's close after ours
	serverDropTimeout     = time.Second // a client waits this long for the server to close TCP
	writeTimeout          = 30 * time.Second
)

// event is one thing the testee did that a case can expect: a complete
// message, a ping, a pong, or (recorded by the runner) a wait that elapsed
// while the connection was still open.
type event struct {
	kind   string // "message", "ping", "pong" or "timeout"
	data   []byte
	binary bool
}

func (e event) equal(o event) bool {
	return e.kind == o.kind && e.binary == o.binary && bytes.Equal(e.data, o.data)
}

func textMsg(s string) event    { return event{kind: "message", data: []byte(s)} }
func binMsg(b []byte) event     { return event{kind: "message", data: b, binary: true} }
func rawTextMsg(b []byte) event { return event{kind: "message", data: b} }
func pongEv(b []byte) event     { return event{kind: "pong", data: b} }
func timeoutEv(tok string) event {
	return event{kind: "timeout", data: []byte(tok)}
}

// session is one WebSocket connection between the runner and a testee after
// the opening handshake. The runner's side is played by the case (sends,
// waits); a reader goroutine records what the testee does, answers pings and
// closes, and enforces RFC 6455 on the testee's frames.
type session struct {
	conn   net.Conn
	br     *bufio.Reader
	server bool      // the runner is the server (fuzzingserver mode)
	pmd    *pmdState // negotiated permessage-deflate, nil if none

	wmu sync.Mutex // serialises writes to conn

	mu            sync.Mutex
	expected      []expectation
	expectClose   closeExpect
	received      []event
	noRecord      bool       // performance cases keep only the notification
	notify        chan event // receives each message when not nil
	sentClose     bool
	gotClose      bool
	lost          bool
	closedByMe    bool
	failedByMe    bool
	droppedByMe   bool
	wasClean      bool
	notCleanWhy   string
	localCode     int
	localReason   string
	remoteCode    int
	remoteReason  string
	violation     string // first protocol violation by the testee
	timers        []*time.Timer
	wire          *wirelog
	rxFrames      map[string]int
	txFrames      map[string]int
	rxOctets      int64
	txOctets      int64
	done          chan struct{}
	started       time.Time
	ended         time.Time
	closeTimedOut bool
	dropTimedOut  bool

	customBehavior string
	customResult   string
}

func newSession(conn net.Conn, br *bufio.Reader, server bool, pmd *pmdState, wirelogOn bool) *session {
	s := &session{
		conn:       conn,
		br:         br,
		server:     server,
		pmd:        pmd,
		localCode:  -1,
		remoteCode: -1,
		rxFrames:   map[string]int{},
		txFrames:   map[string]int{},
		done:       make(chan struct{}),
		started:    time.Now(),
	}
	if wirelogOn {
		s.wire = &wirelog{max: 4000}
	}
	return s
}

// start launches the reader goroutine.
func (s *session) start() { go s.readLoop() }

// ---- sending ----

// encode returns the wire bytes of f, masked with a fresh key when the
// runner is the client (RFC 6455 §5.3), and logs the frame.
func (s *session) encode(dst []byte, f frame) []byte {
	f.masked = !s.server
	if f.masked {
		binary.BigEndian.PutUint32(f.key[:], rand.Uint32())
	}
	s.mu.Lock()
	s.txFrames[fmt.Sprint(f.opcode)]++
	s.wire.frame("TF", f)
	s.mu.Unlock()
	return appendFrame(dst, f)
}

// writeRaw writes b in chops of at most chop bytes (0 means one write),
// pausing between chops. Errors end the write silently: a testee that has
// failed the connection is not a runner error, and the reader sees the end.
func (s *session) writeRaw(b []byte, chop int, pause time.Duration) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if chop <= 0 {
		chop = len(b)
	}
	s.mu.Lock()
	s.txOctets += int64(len(b))
	s.mu.Unlock()
	for len(b) > 0 {
		n := min(chop, len(b))
		_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := s.conn.Write(b[:n]); err != nil {
			return
		}
		b = b[n:]
		if pause > 0 && len(b) > 0 {
			time.Sleep(pause)
		}
	}
}

// send writes frames back to back in one write.
func (s *session) send(frames ...frame) { s.sendChopped(0, 0, frames...) }

// sendChopped encodes frames into one buffer and writes it in chops.
func (s *session) sendChopped(chop int, pause time.Duration, frames ...frame) {
	var buf []byte
	for _, f := range frames {
		buf = s.encode(buf, f)
	}
	s.writeRaw(buf, chop, pause)
}

// sendSync writes each frame with its own write and a short pause, the
// suite's "frame-wise chops".
func (s *session) sendSync(frames ...frame) {
	for _, f := range frames {
		s.writeRaw(s.encode(nil, f), 0, 0)
		time.Sleep(2 * time.Millisecond)
	}
}

// sendMessage sends a data message, compressed when permessage-deflate was
// negotiated, split into fragments of fragSize bytes (0: one frame).
func (s *session) sendMessage(op byte, payload []byte, fragSize int) {
	var rsv byte
	if s.pmd != nil {
		payload = s.pmd.compress(payload)
		rsv = 4
	}
	if fragSize <= 0 || fragSize >= len(payload) {
		s.send(frame{fin: true, rsv: rsv, opcode: op, payload: payload})
		return
	}
	var buf []byte
	for off := 0; off < len(payload); off += fragSize {
		end := min(off+fragSize, len(payload))
		f := frame{fin: end == len(payload), opcode: opContinuation, payload: payload[off:end]}
		if off == 0 {
			f.opcode, f.rsv = op, rsv
		}
		buf = s.encode(buf, f)
	}
	s.writeRaw(buf, 0, 0)
}

// ---- closing ----

// closePayload builds a close frame payload; code < 0 means empty.
func closePayload(code int, reason string) []byte {
	if code < 0 {
		return nil
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// sendClose starts (or, with reply, answers) the closing handshake. It is a
// no-op once a close frame was sent or the connection is gone.
func (s *session) sendClose(code int, reason string, reply bool) {
	s.mu.Lock()
	if s.sentClose || s.lost {
		s.mu.Unlock()
		return
	}
	s.sentClose = true
	s.localCode, s.localReason = code, reason
	if !reply {
		s.closedByMe = true
		s.after(closeHandshakeTimeout, func() {
			if !s.gotClose {
				s.closeTimedOut = true
				s.wasClean = false
				s.notCleanWhy = "peer did not respond (in time) in closing handshake"
				s.dropLocked()
			}
		})
	}
	s.mu.Unlock()
	s.send(frame{fin: true, opcode: opClose, payload: closePayload(code, reason)})
}

// closeRaw sends a close frame with an arbitrary payload (cases 7.*) and
// marks the closing handshake as started by the runner.
func (s *session) closeRaw(payload []byte) {
	s.mu.Lock()
	if s.sentClose || s.lost {
		s.mu.Unlock()
		return
	}
	s.sentClose, s.closedByMe = true, true
	if len(payload) >= 2 {
		s.localCode = int(binary.BigEndian.Uint16(payload))
		s.localReason = string(payload[2:])
	}
	s.after(closeHandshakeTimeout, func() {
		if !s.gotClose {
			s.closeTimedOut = true
			s.wasClean = false
			s.notCleanWhy = "peer did not respond (in time) in closing handshake"
			s.dropLocked()
		}
	})
	s.mu.Unlock()
	s.send(frame{fin: true, opcode: opClose, payload: payload})
}

// after runs f under s.mu after d unless the connection has ended.
func (s *session) after(d time.Duration, f func()) {
	t := time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.lost {
			f()
		}
	})
	s.timers = append(s.timers, t)
}

// dropLocked closes the TCP connection from the runner's side.
func (s *session) dropLocked() {
	if !s.lost {
		s.droppedByMe = true
		s.wire.note("DROP", "runner closes the TCP connection")
	}
	_ = s.conn.Close()
}

// fail records a protocol violation by the testee and fails the connection
// with code (RFC 6455 §7.1.7): a close frame if none was sent yet, else a drop.
func (s *session) fail(code int, why string) {
	s.mu.Lock()
	if s.violation == "" {
		s.violation = why
	}
	s.failedByMe = true
	already := s.sentClose
	if already {
		s.dropLocked()
	}
	s.mu.Unlock()
	if !already {
		s.sendClose(code, "", false)
	}
}

// ---- waiting (used by case play functions) ----

// isOpen reports whether neither side has started closing and TCP is up.
func (s *session) isOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.sentClose && !s.gotClose && !s.lost
}

// wait sleeps for d or until the connection stops being open. If it is
// still open afterwards and tok is not empty, a timeout event is recorded
// (the suite's continueLater tokens). It reports whether it is still open.
func (s *session) wait(d time.Duration, tok string) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !s.isOpen() {
			return false
		}
		select {
		case <-s.done:
			return false
		case <-time.After(min(10*time.Millisecond, time.Until(deadline))):
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	open := !s.sentClose && !s.gotClose && !s.lost
	if open && tok != "" {
		s.received = append(s.received, timeoutEv(tok))
		s.wire.note("TI", "timeout "+tok)
	}
	return open
}

// finish ends a case: it gives the testee up to d to act (fail the
// connection or produce the expected events, which closes it), then starts
// the closing handshake with 1000 itself and waits for the connection to end.
func (s *session) finish(d time.Duration) {
	select {
	case <-s.done:
		return
	case <-time.After(d):
	}
	s.sendClose(1000, "", false)
	select {
	case <-s.done:
	case <-time.After(closeHandshakeTimeout + serverDropTimeout + time.Second):
		s.mu.Lock()
		s.dropLocked()
		s.mu.Unlock()
		<-s.done
	}
}

// abort drops the connection at once; used when a case exceeds its budget.
func (s *session) abort(why string) {
	s.mu.Lock()
	if s.notCleanWhy == "" {
		s.notCleanWhy = why
	}
	s.wasClean = false
	s.dropLocked()
	s.mu.Unlock()
	<-s.done
}

// ---- receiving ----

// record appends ev and, when every expected outcome is already met, starts
// the closing handshake the case expects the runner to start (the suite's
// "finish when done"). Called with s.mu held.
func (s *session) recordLocked(ev event) (closeNow bool) {
	if s.notify != nil && ev.kind == "message" {
		select {
		case s.notify <- ev:
		default:
		}
	}
	if s.noRecord {
		return false
	}
	s.received = append(s.received, ev)
	if len(s.expected) == 0 || !s.expectClose.byMe || len(s.expectClose.codes) == 0 {
		return false
	}
	for _, e := range s.expected {
		if !eventsEqual(s.received, e.events) {
			return false
		}
	}
	return true
}

func (s *session) readLoop() {
	defer s.connectionEnded()
	var (
		inMsg      bool
		msgOp      byte
		compressed bool
		msg        []byte
	)
	for {
		f, err := readFrame(s.br, maxFramePayload)
		if err != nil {
			s.mu.Lock()
			if !s.lost && !s.gotClose && !s.droppedByMe && err != io.EOF && !errors.Is(err, net.ErrClosed) {
				if s.violation == "" && errors.Is(err, errFrameTooLarge) {
					s.violation = err.Error()
				}
			}
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		s.rxFrames[fmt.Sprint(f.opcode)]++
		s.rxOctets += int64(len(f.payload))
		s.wire.frame("RF", f)
		ignore := s.gotClose || (s.failedByMe && f.opcode != opClose)
		s.mu.Unlock()
		if ignore {
			continue
		}
		if why := s.checkFrame(f, inMsg); why != "" {
			s.fail(1002, why)
			continue
		}
		switch f.opcode {
		case opClose:
			s.onClose(f.payload)
			continue
		case opPing:
			s.mu.Lock()
			closeNow := s.recordLocked(event{kind: "ping", data: f.payload})
			s.mu.Unlock()
			s.send(frame{fin: true, opcode: opPong, payload: f.payload})
			s.maybeClose(closeNow)
			continue
		case opPong:
			s.mu.Lock()
			closeNow := s.recordLocked(pongEv(f.payload))
			s.mu.Unlock()
			s.maybeClose(closeNow)
			continue
		case opText, opBinary:
			inMsg, msgOp, compressed, msg = true, f.opcode, f.rsv&4 != 0, nil
		}
		if len(msg)+len(f.payload) > maxFramePayload {
			s.fail(1009, "message exceeds the runner's limit")
			continue
		}
		msg = append(msg, f.payload...)
		if !f.fin {
			continue
		}
		inMsg = false
		if compressed {
			out, err := s.pmd.decompress(msg, maxFramePayload)
			if err != nil {
				s.fail(1007, "invalid compressed message: "+err.Error())
				continue
			}
			msg = out
		}
		if msgOp == opText && !utf8.Valid(msg) {
			s.fail(1007, "testee sent a text message that is not valid UTF-8")
			continue
		}
		s.mu.Lock()
		closeNow := s.recordLocked(event{kind: "message", data: msg, binary: msgOp == opBinary})
		s.mu.Unlock()
		msg = nil
		s.maybeClose(closeNow)
	}
}

func (s *session) maybeClose(now bool) {
	if now {
		s.sendClose(s.expectClose.codes[0], "", false)
	}
}

// checkFrame applies RFC 6455 §5 to a frame from the testee and returns why
// it is invalid, or "".
func (s *session) checkFrame(f frame, inMsg bool) string {
	switch {
	case s.server && !f.masked:
		return "testee client sent an unmasked frame"
	case !s.server && f.masked:
		return "testee server sent a masked frame"
	}
	switch f.opcode {
	case opContinuation:
		if !inMsg {
			return "continuation frame without a message in progress"
		}
	case opText, opBinary:
		if inMsg {
			return "new data frame while a fragmented message is in progress"
		}
	case opClose, opPing, opPong:
		if !f.fin {
			return "fragmented control frame"
		}
		if len(f.payload) > 125 {
			return "control frame payload longer than 125 octets"
		}
	default:
		return "reserved opcode " + opcodeName(f.opcode)
	}
	rsvAllowed := byte(0)
	if s.pmd != nil && (f.opcode == opText || f.opcode == opBinary) {
		rsvAllowed = 4
	}
	if f.rsv&^rsvAllowed != 0 {
		return fmt.Sprintf("reserved bits %d set without a negotiated extension", f.rsv)
	}
	return ""
}

// onClose handles the testee's close frame.
func (s *session) onClose(p []byte) {
	code, reason := -1, ""
	switch {
	case len(p) == 1:
		s.fail(1002, "close frame with a 1-octet payload")
		return
	case len(p) >= 2:
		code = int(binary.BigEndian.Uint16(p))
		if !validCloseCode(code) {
			s.fail(1002, fmt.Sprintf("close frame with invalid code %d", code))
			return
		}
		if !utf8.Valid(p[2:]) {
			s.fail(1007, "close reason is not valid UTF-8")
			return
		}
		reason = string(p[2:])
	}
	s.mu.Lock()
	s.gotClose = true
	s.remoteCode, s.remoteReason = code, reason
	s.wasClean = true
	replied := s.sentClose
	if s.server {
		if replied {
			s.dropLocked()
		}
	} else {
		s.after(serverDropTimeout, func() {
			s.dropTimedOut = true
			s.wasClean = false
			s.notCleanWhy = "server did not drop TCP connection (in time)"
			s.dropLocked()
		})
	}
	s.mu.Unlock()
	if !replied {
		s.sendClose(code, "", true)
		if s.server {
			s.mu.Lock()
			s.dropLocked()
			s.mu.Unlock()
		}
	}
}

// validCloseCode reports whether code may appear in a close frame on the
// wire (RFC 6455 §7.4 and the IANA registry: 1012-1014 are assigned).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// connectionEnded records the end of the TCP connection and wakes waiters.
func (s *session) connectionEnded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.conn.Close()
	for _, t := range s.timers {
		t.Stop()
	}
	if !s.gotClose && !s.droppedByMe && s.notCleanWhy == "" {
		s.wasClean = false
		s.notCleanWhy = "peer dropped the TCP connection without previous WebSocket closing handshake"
	}
	s.lost = true
	s.ended = time.Now()
	s.wire.note("CL", "connection closed")
	close(s.done)
}

// watchMessages makes the reader hand each complete message to the
// returned channel instead of recording it (performance cases).
func (s *session) watchMessages() <-chan event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notify = make(chan event, 1)
	s.noRecord = true
	return s.notify
}

// setOutcome sets the behavior of a Custom case.
func (s *session) setOutcome(behavior, result string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customBehavior, s.customResult = behavior, result
}
