package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DialOptions configures the client side of the opening handshake, and the connection it
// makes. A nil *DialOptions means the zero value; Dial and Client never modify it. As
// with [AcceptOptions], options are checked once per pointer, before anything is dialled,
// and later changes to the struct are not seen.
type DialOptions struct {
	// HTTPHeader holds extra request headers, such as Authorization, Cookie, Origin or
	// User-Agent. The headers of the handshake itself may not be set here. Nil means none.
	HTTPHeader http.Header

	// Host, if not empty, is sent as the Host header instead of the URL's host. It does
	// not change the address dialled or the TLS server name.
	Host string

	// Subprotocols lists the subprotocols to offer, most preferred first. The server
	// chooses one or none; [Conn.Subprotocol] tells which.
	Subprotocols []string

	// TLSConfig configures TLS for wss:// URLs. Nil means the zero tls.Config; when
	// ServerName is empty, the URL's host name is used.
	TLSConfig *tls.Config

	// NetDialContext dials the TCP connection. Nil means a net.Dialer's DialContext.
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// HandshakeTimeout bounds Dial, from the first byte dialled to the end of the
	// handshake, on top of ctx. Zero means 30 seconds.
	HandshakeTimeout time.Duration

	// ReadLimit is the largest message, in bytes, the connection accepts; see
	// [Conn.SetReadLimit]. Zero means 1 MiB; negative means no limit.
	ReadLimit int64

	// Deflate, if not nil, offers permessage-deflate compression (RFC 7692) with these
	// options; see [DeflateOptions]. The server may decline it. Nil means compression
	// off: nothing is offered.
	Deflate *DeflateOptions

	// PingInterval is how often the connection pings the server to find out that it is
	// still there, as [AcceptOptions].PingInterval explains: zero means 20 seconds,
	// negative turns keepalive off.
	PingInterval time.Duration

	// PongTimeout is how long after a keepalive ping the server has to answer, or send
	// anything: zero means 20 seconds.
	PongTimeout time.Duration

	// SendQueueLimit bounds the messages [Conn.Send] has queued, as
	// [AcceptOptions].SendQueueLimit explains: zero means 1 MiB.
	SendQueueLimit int64
}

const (
	defaultDialTimeout = 30 * time.Second
	// maxResponseHeader caps the status line and headers of the server's response, in
	// bytes read from the connection; maxHeaderFields caps its fields.
	maxResponseHeader = 32 << 10
	// maxErrorBody caps what is kept of the body of a response that refused the upgrade.
	maxErrorBody = 1 << 10
)

// Dial opens a WebSocket connection to a ws:// or wss:// URL (http:// and https:// are
// taken as the same). ctx bounds the dial and the handshake; once Dial returns, it no
// longer affects the connection.
//
// If the server answers the handshake but refuses it, Dial returns a *HandshakeError and
// the *http.Response, whose Body holds the first kilobyte of what the server sent. A
// handshake that fails on the way (a response that is malformed, too large or cut short)
// is a *HandshakeError too. Failures before the handshake are not: a URL that does not
// parse, a dial or a TLS handshake that fails return an error wrapping the cause as it
// is (such as a *url.Error or a *net.OpError), and invalid options an error naming the
// field.
//
// The server's response may have a status line and header of at most 32 KiB and at most
// 128 header fields; a larger one fails the handshake with a *HandshakeError saying so.
// The Sec-WebSocket-Extensions bounds of [DeflateOptions] apply to it too.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, *http.Response, error) {
	cfg, err := dialConfigFor(opts)
	if err != nil {
		return nil, nil, err
	}
	o := &cfg.o
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer cancel()

	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "wss" {
			port = "443"
		}
	}
	dial := o.NetDialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: dial: %w", err)
	}
	if u.Scheme == "wss" {
		var cfg *tls.Config
		if o.TLSConfig != nil {
			cfg = o.TLSConfig.Clone()
		} else {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		// The upgrade is an HTTP/1.1 mechanism: do not let ALPN pick h2.
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, nil, fmt.Errorf("websocket: TLS handshake: %w", err)
		}
		nc = tc
	}
	c, resp, err := client(ctx, nc, u, cfg)
	if err != nil {
		_ = nc.Close()
		return nil, resp, err
	}
	return c, resp, nil
}

// parseURL parses a WebSocket URL and normalises its scheme to ws or wss.
func parseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("websocket: invalid URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("websocket: invalid URL: scheme must be ws or wss, not %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("websocket: invalid URL: no host")
	}
	if u.Fragment != "" {
		return nil, errors.New("websocket: invalid URL: a WebSocket URL may not have a fragment")
	}
	return u, nil
}

// Client runs the client side of the opening handshake over nc, a connection the caller
// has dialled (and wrapped in TLS, if needed), for the ws:// or wss:// URL rawURL. ctx
// bounds the handshake. The response is held to the limits [Dial] describes. On failure,
// closing nc is left to the caller.
func Client(ctx context.Context, nc net.Conn, rawURL string, opts *DialOptions) (*Conn, *http.Response, error) {
	cfg, err := dialConfigFor(opts)
	if err != nil {
		return nil, nil, err
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, nil, err
	}
	return client(ctx, nc, u, cfg)
}

func client(ctx context.Context, nc net.Conn, u *url.URL, cfg *dialConfig) (*Conn, *http.Response, error) {
	o := &cfg.o
	var offer string
	if o.Deflate != nil {
		offer = o.Deflate.offer()
	}
	key := newChallengeKey()
	req, err := appendRequest(nil, u, o.Host, key, o.Subprotocols, offer, o.HTTPHeader)
	if err != nil {
		return nil, nil, err
	}
	// ctx's deadline takes effect through the watch, so that an interrupted handshake
	// always reports ctx's error.
	stop := watch(ctx, nc, setDeadline)
	defer stop()
	interrupted := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if _, err := nc.Write(req); err != nil {
		return nil, nil, &HandshakeError{Reason: "write request", Err: interrupted(err)}
	}
	// However long the server's lines or many its fields, the response is read from at
	// most maxResponseHeader bytes; checkResponse counts the fields. net/http parses and
	// checks a Content-Length (no negative, no overflow), and no length it declares is
	// used for anything but the body reader, which lr bounds as well.
	src := &connErrReader{r: nc}
	lr := &io.LimitedReader{R: src, N: maxResponseHeader}
	br := bufio.NewReader(lr)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		reason := "read response"
		switch {
		case lr.N <= 0:
			reason = "response header too large"
		case src.err != nil:
			err = src.err // the response was cut short, not malformed
		}
		return nil, nil, &HandshakeError{Reason: reason, Err: interrupted(err)}
	}
	subprotocol, dp, herr := checkResponse(resp, key, o.Subprotocols, o.Deflate)
	if herr != nil {
		// The header is read: a fresh budget, set and not added to, bounds the body's bytes
		// on the wire (chunk framing included) and the copy kept, whatever the server
		// declared.
		lr.N = maxErrorBody
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return nil, resp, herr
	}
	if stop() {
		return nil, resp, &HandshakeError{Status: resp.StatusCode, Reason: "handshake interrupted", Err: ctx.Err()}
	}
	_ = nc.SetDeadline(time.Time{})
	return newConn(connConfig{
		nc:          nc,
		client:      true,
		buffered:    takeBuffered(br),
		subprotocol: subprotocol,
		readLimit:   o.ReadLimit,
		deflate:     dp,
		deflateOpts: o.Deflate,
		shared:      cfg.shared,
	}), resp, nil
}
