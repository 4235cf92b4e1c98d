package websocket

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Stats are the counters of one connection, as [Conn.Stats] returns them. Counting costs
// a few atomic additions per message and per system call, and no allocation.
type Stats struct {
	// MessagesRead and MessagesWritten count data messages read whole by the
	// application and written whole by it.
	MessagesRead, MessagesWritten int64

	// BytesRead and BytesWritten count the payload bytes of data messages as the
	// application sees them: after decompression when reading, before compression
	// when writing.
	BytesRead, BytesWritten int64

	// WireBytesRead and WireBytesWritten count the bytes received from and sent to the
	// network connection after the handshake: frame headers, control frames and
	// compressed payloads included. Their ratio to BytesRead and BytesWritten is what
	// compression saves.
	WireBytesRead, WireBytesWritten int64

	// PingsSent counts the pings sent, by keepalive and by [Conn.Ping]; PongsReceived
	// the pongs received.
	PingsSent, PongsReceived int64

	// RTT is the round-trip time of the latest ping answered, from keepalive or
	// [Conn.Ping]; zero until one has been.
	RTT time.Duration

	// CloseCode is the status code of the first close frame of the closing handshake,
	// whichever side sent it, or [StatusAbnormalClosure] (1006) if the connection
	// ended without one; zero while the connection is open.
	CloseCode StatusCode

	// ClosedByPeer reports whether the peer started the closing: it sent the first close
	// frame or, without one, the connection ended from the network's side rather than
	// by [Conn.CloseNow], a failed keepalive, a context or the send queue's limit.
	ClosedByPeer bool
}

// connStats are the live counters behind Stats.
type connStats struct {
	msgsIn, msgsOut   atomic.Int64
	bytesIn, bytesOut atomic.Int64
	wireOut           atomic.Int64 // (wire bytes read are counted by connReader)
	pingsOut, pongsIn atomic.Int64
	rtt               atomic.Int64 // nanoseconds
}

// Stats returns the connection's counters; see [Stats]. It may be called at any time,
// from any goroutine, also after the connection has ended.
func (c *Conn) Stats() Stats {
	st := &c.st
	s := Stats{
		MessagesRead:     st.msgsIn.Load(),
		MessagesWritten:  st.msgsOut.Load(),
		BytesRead:        st.bytesIn.Load(),
		BytesWritten:     st.bytesOut.Load(),
		WireBytesRead:    c.rd.wireIn.Load(),
		WireBytesWritten: st.wireOut.Load(),
		PingsSent:        st.pingsOut.Load(),
		PongsReceived:    st.pongsIn.Load(),
		RTT:              time.Duration(st.rtt.Load()),
	}
	c.cs.mu.Lock()
	if c.cs.err != nil {
		s.CloseCode, s.ClosedByPeer = c.cs.code, c.cs.byPeer
		if s.CloseCode == 0 {
			s.CloseCode = StatusAbnormalClosure
		}
	}
	c.cs.mu.Unlock()
	return s
}

// endedByPeer reports whether cause, the reason a connection ended without a close
// frame, came from the network rather than from this side.
func endedByPeer(cause error) bool {
	switch {
	case cause == nil,
		errors.Is(cause, ErrKeepaliveTimeout),
		errors.Is(cause, context.Canceled),
		errors.Is(cause, context.DeadlineExceeded),
		errors.Is(cause, errLocalClose):
		return false
	}
	return true
}

// errLocalClose marks, for Stats, a connection ended by this side for a reason of its
// own (the send queue's limit, say).
var errLocalClose = errors.New("websocket: closed by this side")
