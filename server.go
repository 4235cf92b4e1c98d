package websocket

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// AcceptOptions configures the server side of the opening handshake, and the
// connections it makes. A nil *AcceptOptions means the zero value; Accept and Server
// never modify it.
//
// Options are checked once, the first time Accept or Server is given a pointer to them:
// a bad field makes that call, and every later one with the same pointer, return an
// error naming the field (Accept also answers 500), and changes made to the struct
// afterwards are not seen. Make a new AcceptOptions to change them.
type AcceptOptions struct {
	// Subprotocols lists the application subprotocols the server speaks, most preferred
	// first. The first one the client also offers is chosen; none means no subprotocol.
	// Whatever this holds, a request whose Sec-WebSocket-Protocol list offers more than
	// 64 subprotocols is answered with 400.
	Subprotocols []string

	// OriginPatterns lists the hosts, besides the request's own Host, from which browsers
	// may connect: patterns in path.Match syntax matched, case-insensitively, against the
	// host (and port) of the Origin header, such as "example.com", "*.example.com" or
	// "localhost:*". Requests without an Origin header (non-browser clients) are always
	// accepted. Empty means same-origin only.
	OriginPatterns []string

	// InsecureSkipOriginCheck accepts every Origin. It lets any web page the user visits
	// open a connection carrying the user's cookies (cross-site WebSocket hijacking):
	// prefer OriginPatterns. False, the default, checks the origin.
	InsecureSkipOriginCheck bool

	// ResponseHeader holds extra headers for the 101 response, such as Set-Cookie. The
	// headers of the handshake itself may not be set here. Nil means none.
	ResponseHeader http.Header

	// ReadLimit is the largest message, in bytes, the connection accepts; see
	// [Conn.SetReadLimit]. Zero means 1 MiB; negative means no limit.
	ReadLimit int64

	// HandshakeTimeout bounds reading the request and writing the response in [Server],
	// and writing the response in [Accept]. Zero means 10 seconds. [Accept] cannot bound
	// reading the request: net/http has read it before the handler runs, within the
	// http.Server's ReadHeaderTimeout (ReadTimeout if that is zero). An http.Server has
	// no timeouts by default, and a client that sends its header slowly then holds the
	// connection as long as it likes: set ReadHeaderTimeout.
	HandshakeTimeout time.Duration

	// Deflate, if not nil, accepts permessage-deflate compression (RFC 7692) when the
	// client offers it, with these options; see [DeflateOptions]. A request whose
	// Sec-WebSocket-Extensions list holds more than 32 extensions, or an extension with
	// more than 16 parameters, is then answered with 400. Nil means compression off:
	// offers are declined without being read.
	Deflate *DeflateOptions

	// MaxHeaderBytes caps the size in bytes of the request line and header fields; a
	// larger request is answered with 431. Zero means 32 KiB. [Server] counts the bytes
	// it reads from the connection up to the blank line that ends the header. [Accept]
	// counts the request net/http has parsed, written out: the request line, each field
	// (Host included) as name, ": ", value and CRLF, and the final CRLF; that can be a
	// few bytes per line less than was received. The http.Server's own MaxHeaderBytes
	// (1 MiB by default) still caps what net/http reads before the handler runs.
	//
	// Whatever this is set to, a request with more than 128 header fields, Host
	// included, is answered with 431 too.
	MaxHeaderBytes int

	// PingInterval is how often the connection pings the peer to find out that it is
	// still there (keepalive): a peer that has sent nothing for PongTimeout after a
	// ping (no pong, no frame at all) fails the connection with an error wrapping
	// [ErrKeepaliveTimeout], and calls blocked on it return. So a peer that vanished
	// (a half-open TCP connection, a frozen process, a NAT or proxy that dropped the
	// flow) is found within PingInterval+PongTimeout. The pings also keep proxies and
	// NATs from timing out an idle connection. Pongs are only seen while the
	// connection is read: a connection the application does not read is never failed by
	// its keepalive (and never learns the peer is gone) unless it calls
	// [Conn.CloseRead]. Zero means 20 seconds; negative turns keepalive off.
	PingInterval time.Duration

	// PongTimeout is how long after a keepalive ping the peer has to answer, or send
	// anything; see PingInterval. Zero means 20 seconds.
	PongTimeout time.Duration

	// SendQueueLimit bounds, in bytes of payload, the messages [Conn.Send] has queued
	// for a connection and not yet written. A Send that would go over it fails the
	// connection instead: it is closed with [StatusTryAgainLater] (1013), and calls on it
	// return errors wrapping [ErrSendQueueFull]. A message larger than the limit is
	// still taken when the queue is empty. Zero means 1 MiB: a message as large as the
	// default ReadLimit fits, and a broadcast queues the same [PreparedMessage] on
	// every connection, so what the queues hold is mostly shared. Negative is an error.
	SendQueueLimit int64

	// OnAccept, if not nil, is called with each connection once its handshake has
	// succeeded, before [Accept] or [Server] returns it, and with the request.
	OnAccept func(c *Conn, r *http.Request)

	// OnReject, if not nil, is called when a handshake fails, with the request (nil when
	// [Server] could not read one) and the error, whose Status is the HTTP status sent
	// (0 when none was: a timeout, a client that went away).
	OnReject func(r *http.Request, err *HandshakeError)

	// OnClose, if not nil, is called once when a connection made with these options has
	// ended, with its final statistics: [Stats].CloseCode and [Stats].ClosedByPeer say
	// how it ended. It runs on the goroutine that ended the connection, and must not
	// block.
	OnClose func(c *Conn, s Stats)
}

const (
	defaultHandshakeTimeout = 10 * time.Second
	defaultMaxHeaderBytes   = 32 << 10
)

// handshake is what the server decided about a request it accepts.
type handshake struct {
	key, subprotocol string
	extensions       string         // the Sec-WebSocket-Extensions response, if any
	deflate          *deflateParams // nil unless permessage-deflate was accepted
}

// upgrade checks r and returns what to answer, or the rejection.
func (o *AcceptOptions) upgrade(r *http.Request) (hs handshake, herr *HandshakeError) {
	hs.key, herr = checkRequest(r)
	if herr != nil {
		return hs, herr
	}
	if !o.InsecureSkipOriginCheck {
		if herr = checkOrigin(r, o.OriginPatterns); herr != nil {
			return hs, herr
		}
	}
	if hs.subprotocol, herr = selectSubprotocol(r.Header, o.Subprotocols); herr != nil {
		return hs, herr
	}
	if o.Deflate != nil {
		resp, p, ok, limit := negotiateDeflate(r.Header["Sec-Websocket-Extensions"], o.Deflate)
		if limit != nil {
			return hs, &HandshakeError{Status: http.StatusBadRequest, Reason: limit.reason, Err: limit}
		}
		if ok {
			hs.extensions, hs.deflate = resp, &p
		}
	}
	return hs, nil
}

// conn makes the Conn of an accepted handshake.
func (cfg *acceptConfig) conn(nc net.Conn, buffered []byte, hs handshake, r *http.Request) *Conn {
	c := newConn(connConfig{
		nc:          nc,
		buffered:    buffered,
		subprotocol: hs.subprotocol,
		readLimit:   cfg.o.ReadLimit,
		deflate:     hs.deflate,
		deflateOpts: cfg.o.Deflate,
		shared:      cfg.shared,
	})
	if cfg.o.OnAccept != nil {
		cfg.o.OnAccept(c, r)
	}
	return c
}

// reject reports a failed handshake to the OnReject hook and returns it.
func (cfg *acceptConfig) reject(r *http.Request, herr *HandshakeError) *HandshakeError {
	if cfg.o.OnReject != nil {
		cfg.o.OnReject(r, herr)
	}
	return herr
}

// Accept upgrades an HTTP request to a WebSocket connection (RFC 6455 §4.2). It checks the
// request, including its origin and its size (see [AcceptOptions.MaxHeaderBytes]); if
// the request is not acceptable, Accept writes an HTTP error (400, 403, 405, 426 or 431,
// with a short plain-text reason) and returns a *HandshakeError. A request that declares
// a body (Content-Length other than 0, or Transfer-Encoding) is refused with 400 and
// "Connection: close", so that its body is neither read nor taken for frames or for a
// next request. Otherwise it takes the connection over from net/http (through
// http.ResponseController, so middleware that wraps the ResponseWriter works if it
// implements Unwrap) and writes the 101 response.
//
// After Accept returns a Conn, the handler must not use w or r.Body, and the request's
// context no longer follows the connection.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, error) {
	cfg, err := acceptConfigFor(opts)
	if err != nil {
		rejectForOptions(w)
		return nil, err
	}
	o := &cfg.o
	var hs handshake
	herr := checkHeaderSize(r, o.MaxHeaderBytes)
	if herr == nil {
		hs, herr = o.upgrade(r)
	}
	if herr != nil {
		for name, v := range rejectionHeader(herr.Status) {
			w.Header()[name] = v
		}
		if checkNoBody(r) != nil {
			// net/http would read the body to reuse the connection: refuse that too.
			w.Header().Set("Connection", "close")
		}
		http.Error(w, herr.Reason, herr.Status)
		return nil, cfg.reject(r, herr)
	}
	// The extra headers were checked with the options: the response can be built.
	resp, _ := appendResponse(nil, hs.key, hs.subprotocol, hs.extensions, o.ResponseHeader)
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		herr := &HandshakeError{Status: http.StatusInternalServerError, Reason: "cannot take over the connection", Err: err}
		http.Error(w, "cannot upgrade this connection", herr.Status)
		return nil, cfg.reject(r, herr)
	}
	// The http.Server's deadlines no longer apply; HandshakeTimeout bounds the response.
	_ = nc.SetDeadline(time.Time{})
	_ = nc.SetWriteDeadline(time.Now().Add(o.HandshakeTimeout))
	if _, err := nc.Write(resp); err != nil {
		_ = nc.Close()
		return nil, cfg.reject(r, &HandshakeError{Reason: "write response", Err: err})
	}
	_ = nc.SetWriteDeadline(time.Time{})
	return cfg.conn(nc, takeBuffered(brw.Reader), hs, r), nil
}

// takeBuffered returns a copy of what br has buffered: bytes the peer sent right after
// its side of the handshake.
func takeBuffered(br *bufio.Reader) []byte {
	n := br.Buffered()
	if n == 0 {
		return nil
	}
	b, _ := br.Peek(n)
	return append([]byte(nil), b...)
}

// Server runs the server side of the opening handshake on nc, a connection accepted
// without net/http: it reads the request (at most MaxHeaderBytes, within
// HandshakeTimeout and ctx), checks it as [Accept] does and writes the response. It
// returns the request, if one could be read, so the caller can look at its path and
// headers.
//
// If the handshake fails, Server writes the HTTP error response when there is one to
// write and returns a *HandshakeError; closing nc is left to the caller.
func Server(ctx context.Context, nc net.Conn, opts *AcceptOptions) (*Conn, *http.Request, error) {
	cfg, err := acceptConfigFor(opts)
	if err != nil {
		// Answered before the request is read: the client waits for nothing.
		if nc != nil {
			_ = nc.SetWriteDeadline(time.Now().Add(defaultHandshakeTimeout))
			_, _ = nc.Write(appendRejection(nil, &HandshakeError{Status: http.StatusInternalServerError, Reason: "WebSocket server misconfigured"}))
		}
		return nil, nil, err
	}
	o := &cfg.o
	// ctx's own deadline takes effect through the watch, so that an interrupted handshake
	// reports ctx's error.
	_ = nc.SetDeadline(time.Now().Add(o.HandshakeTimeout))
	stop := watch(ctx, nc, setDeadline)
	defer stop()

	// The request, however long its lines or many its fields, is read from at most
	// MaxHeaderBytes bytes (an int, so int64 holds it); checkRequest counts the fields.
	src := &connErrReader{r: nc}
	lr := &io.LimitedReader{R: src, N: int64(o.MaxHeaderBytes)}
	br := bufio.NewReader(lr)
	r, err := http.ReadRequest(br)
	if err != nil {
		if src.err != nil {
			err = src.err // the request was cut short, not malformed
		}
		herr := &HandshakeError{Reason: "read request", Err: err}
		switch {
		case ctx.Err() != nil:
			herr.Err = ctx.Err()
		case errors.Is(err, os.ErrDeadlineExceeded):
		case lr.N <= 0:
			herr.Status, herr.Reason = http.StatusRequestHeaderFieldsTooLarge, "request header too large"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		default:
			herr.Status, herr.Reason = http.StatusBadRequest, "malformed HTTP request"
		}
		if herr.Status != 0 {
			_, _ = nc.Write(appendRejection(nil, herr))
		}
		return nil, nil, cfg.reject(nil, herr)
	}
	hs, herr := o.upgrade(r)
	if herr != nil {
		_, _ = nc.Write(appendRejection(nil, herr))
		return nil, r, cfg.reject(r, herr)
	}
	// The extra headers were checked with the options: the response can be built.
	resp, _ := appendResponse(nil, hs.key, hs.subprotocol, hs.extensions, o.ResponseHeader)
	if _, err := nc.Write(resp); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, r, cfg.reject(r, &HandshakeError{Reason: "write response", Err: err})
	}
	if stop() {
		return nil, r, cfg.reject(r, &HandshakeError{Reason: "handshake interrupted", Err: ctx.Err()})
	}
	_ = nc.SetDeadline(time.Time{})
	return cfg.conn(nc, takeBuffered(br), hs, r), r, nil
}

// connErrReader reads from a connection and keeps the first error the connection itself
// returned. When a deadline or the peer's close cuts a header line short, bufio hands the
// part that came as if it were a whole line, and net/http then reports a malformed
// request or response; the error kept here says what really happened.
type connErrReader struct {
	r   io.Reader
	err error
}

func (c *connErrReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
