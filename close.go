package websocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hayate-ws/websocket/internal/utf8"
)

// StatusCode is a close status code (RFC 6455 §7.4). The registered codes are in the IANA
// "WebSocket Close Code Number Registry"; 3000-3999 are for libraries and frameworks,
// 4000-4999 for private use by applications.
type StatusCode int

// The registered status codes.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	// StatusNoStatusRcvd is reported when the peer's close frame had no status code. It is
	// never sent.
	StatusNoStatusRcvd StatusCode = 1005
	// StatusAbnormalClosure stands for a connection that ended without a close frame. It
	// is never sent, and this package does not report it either: such a connection
	// returns the network error, for which CloseStatus gives -1. It is here for
	// applications that relay close codes, as browsers do.
	StatusAbnormalClosure         StatusCode = 1006
	StatusInvalidFramePayloadData StatusCode = 1007
	StatusPolicyViolation         StatusCode = 1008
	StatusMessageTooBig           StatusCode = 1009
	StatusMandatoryExtension      StatusCode = 1010
	StatusInternalError           StatusCode = 1011
	StatusServiceRestart          StatusCode = 1012
	StatusTryAgainLater           StatusCode = 1013
	StatusBadGateway              StatusCode = 1014
	// StatusTLSHandshake is reserved for a failed TLS handshake. It is never sent.
	StatusTLSHandshake StatusCode = 1015
)

var statusNames = map[StatusCode]string{
	StatusNormalClosure:           "normal closure",
	StatusGoingAway:               "going away",
	StatusProtocolError:           "protocol error",
	StatusUnsupportedData:         "unsupported data",
	StatusNoStatusRcvd:            "no status received",
	StatusAbnormalClosure:         "abnormal closure",
	StatusInvalidFramePayloadData: "invalid frame payload data",
	StatusPolicyViolation:         "policy violation",
	StatusMessageTooBig:           "message too big",
	StatusMandatoryExtension:      "mandatory extension",
	StatusInternalError:           "internal error",
	StatusServiceRestart:          "service restart",
	StatusTryAgainLater:           "try again later",
	StatusBadGateway:              "bad gateway",
	StatusTLSHandshake:            "TLS handshake",
}

// String returns the code's number and, for a registered code, its name.
func (c StatusCode) String() string {
	if name, ok := statusNames[c]; ok {
		return strconv.Itoa(int(c)) + " (" + name + ")"
	}
	return strconv.Itoa(int(c))
}

// sendable reports whether c may appear in a close frame on the wire: the registered codes
// except 1004 (reserved), 1005, 1006 and 1015, and the 3000-4999 range.
func (c StatusCode) sendable() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// maxCloseReason is the longest reason that fits a control frame after the 2-byte code.
const maxCloseReason = maxControlPayload - 2

// CloseError is the close frame the peer sent. Calls on a Conn closed by the peer return an
// error that wraps it; use [CloseStatus] or errors.As to get it.
type CloseError struct {
	Code   StatusCode
	Reason string
}

// Error describes the peer's close: its status code and reason.
func (e CloseError) Error() string {
	if e.Reason == "" {
		return "websocket: peer closed with status " + e.Code.String()
	}
	return "websocket: peer closed with status " + e.Code.String() + ": " + e.Reason
}

// CloseStatus returns the status code of the CloseError in err's chain, or -1 if there is none.
func CloseStatus(err error) StatusCode {
	var ce CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

var (
	errCloseOneByte     = &protocolError{StatusProtocolError, "close frame payload of one byte", nil}
	errCloseCode        = &protocolError{StatusProtocolError, "close frame with a status code that may not be sent", nil}
	errCloseReasonUTF8  = &protocolError{StatusInvalidFramePayloadData, "close reason is not valid UTF-8", nil}
	errInvalidCloseCode = errors.New("websocket: status code may not be sent in a close frame")
	errCloseReasonLong  = errors.New("websocket: close reason longer than 123 bytes")
	errCloseReasonText  = errors.New("websocket: close reason is not valid UTF-8")
)

// parseClosePayload decodes a received close frame's payload (RFC 6455 §5.5.1). An empty
// payload means StatusNoStatusRcvd.
func parseClosePayload(p []byte) (CloseError, error) {
	switch {
	case len(p) == 0:
		return CloseError{Code: StatusNoStatusRcvd}, nil
	case len(p) == 1:
		return CloseError{}, errCloseOneByte
	}
	// p is a control frame's payload, at most 125 bytes; the code is any 16-bit number
	// the peer chose, which sendable checks against the ranges that may be sent.
	ce := CloseError{Code: StatusCode(binary.BigEndian.Uint16(p))}
	if !ce.Code.sendable() {
		return CloseError{}, errCloseCode
	}
	if !utf8.Valid(p[2:]) {
		return CloseError{}, errCloseReasonUTF8
	}
	ce.Reason = string(p[2:])
	return ce, nil
}

// checkClose reports whether code and reason may be sent.
func checkClose(code StatusCode, reason string) error {
	if !code.sendable() {
		return fmt.Errorf("%w: %d", errInvalidCloseCode, int(code))
	}
	if len(reason) > maxCloseReason {
		return errCloseReasonLong
	}
	if !utf8.Valid([]byte(reason)) {
		return errCloseReasonText
	}
	return nil
}

// appendClosePayload appends a close frame payload. StatusNoStatusRcvd encodes as the empty
// payload, which is how a close without a code is echoed.
func appendClosePayload(b []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatusRcvd {
		return b
	}
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}

// closeTimeout bounds the close handshake: sending our close frame, waiting for the
// peer's, and, for a client, waiting for the server to close TCP.
const closeTimeout = 5 * time.Second

// closedError is what every call returns once the connection is closed. It wraps
// net.ErrClosed and, when the peer closed, its CloseError.
type closedError struct {
	cause error // the peer's CloseError, or why the connection ended; may be nil
}

func (e *closedError) Error() string {
	if e.cause == nil {
		return "websocket: use of closed connection"
	}
	if _, ok := e.cause.(CloseError); ok {
		return e.cause.Error()
	}
	return "websocket: connection closed: " + e.cause.Error()
}

func (e *closedError) Unwrap() []error {
	if e.cause == nil {
		return []error{net.ErrClosed}
	}
	return []error{net.ErrClosed, e.cause}
}

// closeState tracks the close handshake and the end of the connection.
type closeState struct {
	mu   sync.Mutex
	sent bool         // a close frame was sent or is being sent, or the connection ended
	err  *closedError // set once, when done is closed
	// ending is the final error once the read side has ended, while the connection
	// lingers for the peer to close.
	ending *closedError
	done   chan struct{} // closed when the TCP connection is closed
	code   StatusCode    // of the first close frame, sent or received; 0 if none yet
	byPeer bool          // the peer started the closing (see Stats.ClosedByPeer)
}

// Close performs the closing handshake (RFC 6455 §7): it sends a close frame with code
// and reason, waits for the peer's close frame and closes the connection; a server closes
// TCP at once, a client waits for the server to do so first. The whole handshake is
// bounded by a few seconds, after which the connection is closed regardless. Messages
// queued by [Conn.Send] go out before the close frame, within the same bound.
//
// code must be one that may be sent (1000-1003, 1007-1014 or 3000-4999) and reason valid
// UTF-8 of at most 123 bytes; otherwise Close returns an error and does nothing. Close on a
// closed connection returns an error wrapping net.ErrClosed.
//
// While a goroutine is blocked in [Conn.Read] or reading a message, that goroutine may
// receive the peer's close frame and return an error wrapping net.ErrClosed and the
// peer's [CloseError], or return a message that arrived before it; once no read is in
// progress, Close itself reads, and discards, whatever the peer sends before its close
// frame.
func (c *Conn) Close(code StatusCode, reason string) error {
	if err := checkClose(code, reason); err != nil {
		return err
	}
	c.cs.mu.Lock()
	if c.cs.sent {
		c.cs.mu.Unlock()
		return c.closedErr()
	}
	c.cs.sent = true
	c.cs.code = code
	c.cs.mu.Unlock()

	timer := time.AfterFunc(closeTimeout, func() { c.finish(errCloseTimeout) })
	defer timer.Stop()
	c.waitSends()
	if err := c.writeClose(code, reason); err != nil {
		c.finish(err)
		return fmt.Errorf("websocket: send close frame: %w", err)
	}
	// The peer's close frame must be read by someone. A read in progress may get it, or
	// may return a message that came before it and leave the rest unread; so once no
	// read is in progress, Close reads on itself, unless the read side has ended (a
	// close frame was handled). Waiting for readMu is bounded: when the timer fires, the
	// connection closes under any read in progress, which then returns.
	c.readMu.Lock()
	if !c.ended.Load() {
		c.drainUntilClose()
	}
	c.readMu.Unlock()
	<-c.cs.done
	c.cs.mu.Lock()
	cause := c.cs.err.cause
	c.cs.mu.Unlock()
	switch cause.(type) {
	case CloseError:
		return nil
	case nil: // CloseNow cut the handshake short
		return c.closedErr()
	}
	return fmt.Errorf("websocket: close handshake: %w", cause)
}

// CloseNow closes the connection at once, without the close handshake. Blocked calls
// return errors wrapping net.ErrClosed. A second call returns such an error too.
//
// On a connection that is already ending (it has sent its close frame after a protocol
// violation or the peer's close, and waits a few seconds at most for the peer to close
// TCP), CloseNow returns that error and lets the wait finish: closing with unread data
// would reset the connection and could destroy the close frame before the peer reads it.
// So the usual "defer c.CloseNow()" in a handler does not cut a close handshake short.
func (c *Conn) CloseNow() error {
	if c.ended.Load() {
		return c.closedErr()
	}
	if !c.finish(nil) {
		return c.closedErr()
	}
	return nil
}

var errCloseTimeout = errors.New("websocket: timed out waiting for the peer to close")

// writeClose sends a close frame.
func (c *Conn) writeClose(code StatusCode, reason string) error {
	var buf [maxControlPayload]byte
	return c.writeControl(opClose, appendClosePayload(buf[:0], code, reason))
}

// drainUntilClose reads and discards frames until the peer's close frame has been handled
// or the connection ends. The caller holds readMu.
func (c *Conn) drainUntilClose() {
	if err := c.msg.abandon(); err != nil {
		c.finish(err)
		return
	}
	for {
		select {
		case <-c.cs.done:
			return
		default:
		}
		h, err := c.readFrame()
		if err != nil {
			c.failRead(err)
			return
		}
		if h.op.isControl() {
			if err := c.handleControl(h); err != nil {
				c.failRead(err)
				return
			}
			continue
		}
		if err := c.rd.discard(h.length); err != nil {
			c.failRead(err)
			return
		}
	}
}

// handleClose handles the peer's close frame payload p. It answers with a close frame
// unless one was sent already, then finishes the connection: a server closes TCP at once, a
// client waits, bounded, for the server to close first. It returns the error that calls
// after it get.
func (c *Conn) handleClose(p []byte) error {
	ce, err := parseClosePayload(p)
	if err != nil {
		return err
	}
	c.cs.mu.Lock()
	if c.cs.ending == nil && c.cs.err == nil {
		// The peer's close is the reason whatever happens to our answer.
		c.cs.ending = &closedError{cause: ce}
	}
	alreadySent := c.cs.sent
	c.cs.sent = true
	if !alreadySent {
		c.cs.code, c.cs.byPeer = ce.Code, true
	}
	c.cs.mu.Unlock()
	if !alreadySent {
		// Echo the peer's code (RFC 6455 §5.5.1); the reason is ours to choose. A writer
		// stuck on a peer that does not read could hold the frame lock: bound the wait.
		timer := time.AfterFunc(closeTimeout, func() { c.finish(ce) })
		err := c.writeClose(ce.Code, "")
		timer.Stop()
		if err != nil {
			c.finish(ce)
			return c.closedErr()
		}
	}
	if c.client {
		// Give the server the chance to close TCP first (§7.1.1).
		c.linger(ce, 0)
	} else {
		c.finish(ce)
	}
	return c.closedErr()
}

// linger ends the read side with cause, which calls get from now on, and, without
// holding up the caller, discards what the peer still sends until it closes, a few
// seconds pass (closeTimeout) or announced+maxLingerDiscard bytes have arrived; then it
// closes the connection. The caller holds readMu.
func (c *Conn) linger(cause error, announced int64) {
	c.cs.mu.Lock()
	if c.cs.ending == nil {
		c.cs.ending = &closedError{cause: cause}
	}
	c.cs.mu.Unlock()
	c.ended.Store(true)
	go func() {
		c.readMu.Lock() // taken once the caller's read returns
		defer c.readMu.Unlock()
		_ = c.nc.SetReadDeadline(time.Now().Add(closeTimeout))
		// announced < 2^63: saturate rather than wrap when adding the allowance.
		limit := int64(maxLingerDiscard)
		if announced > math.MaxInt64-limit {
			limit = math.MaxInt64
		} else {
			limit += announced
		}
		_ = c.rd.discardUntilEOF(limit)
		c.finish(cause)
	}()
}

// fail fails the connection for a protocol violation or a limit (RFC 6455 §7.1.7): it
// sends a close frame with code and a short reason unless a close frame went out already,
// and closes the connection. The caller holds readMu.
//
// Nothing more is parsed: after a violation the stream may be out of step (the payload
// of a refused frame, a frame cut short). A server half-closes at once, so the peer sees
// it close first; both roles then discard what arrives until the peer closes or a bound
// passes, because closing a socket with unread data resets it, and the reset can destroy
// our close frame before the peer reads it.
func (c *Conn) fail(code StatusCode, reason string, cause error, announced int64) {
	c.cs.mu.Lock()
	alreadySent := c.cs.sent
	c.cs.sent = true
	if !alreadySent {
		c.cs.code = code
	}
	c.cs.mu.Unlock()
	if alreadySent {
		c.finish(cause)
		return
	}
	if len(reason) > maxCloseReason {
		reason = reason[:maxCloseReason]
	}
	timer := time.AfterFunc(closeTimeout, func() { c.finish(cause) })
	err := c.writeClose(code, reason)
	timer.Stop()
	if err != nil {
		c.finish(cause)
		return
	}
	if !c.client {
		cw, ok := c.nc.(interface{ CloseWrite() error })
		if !ok {
			// Without a half-close (net.Pipe and the like) there is no reset to avoid
			// either: TCP and TLS connections have CloseWrite.
			c.finish(cause)
			return
		}
		_ = cw.CloseWrite()
	}
	c.linger(cause, announced)
}

// finish closes the TCP connection once; cause says why (nil for a local close). It
// reports whether this call did it.
func (c *Conn) finish(cause error) bool {
	c.cs.mu.Lock()
	if c.cs.err != nil {
		c.cs.mu.Unlock()
		return false
	}
	if c.cs.ending != nil {
		c.cs.err = c.cs.ending
	} else {
		c.cs.err = &closedError{cause: cause}
	}
	if !c.cs.sent {
		c.cs.byPeer = endedByPeer(cause)
	}
	c.cs.sent = true
	c.cs.mu.Unlock()
	c.closing.Store(true)
	c.stopKeepalive()
	_ = c.nc.Close()
	close(c.cs.done)
	c.untrack()
	if f := c.cfg.onClose; f != nil {
		f(c, c.Stats())
	}
	return true
}

// closedErr returns the error for calls on a closed (or closing) connection.
func (c *Conn) closedErr() error {
	c.cs.mu.Lock()
	defer c.cs.mu.Unlock()
	if c.cs.ending != nil {
		return c.cs.ending
	}
	if c.cs.err != nil {
		return c.cs.err
	}
	return &closedError{}
}
