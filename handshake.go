package websocket

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// This file holds the opening handshake of RFC 6455 §4 for both roles, as pure functions:
// checking requests and responses and encoding them. It does no I/O.

// HandshakeError is a failed opening handshake. A server that rejects a request answers
// with Status and Reason as a plain-text body; a client that rejects a response reports
// the status it received.
type HandshakeError struct {
	// Status is the HTTP status code: the one the server sent, or 0 if no response was
	// exchanged (an I/O error, a timeout).
	Status int
	// Reason says in a few words what was wrong.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error describes the failure: the status, if any, the reason and the underlying error.
func (e *HandshakeError) Error() string {
	s := "websocket: handshake failed"
	if e.Status != 0 {
		s += " (" + strconv.Itoa(e.Status) + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns e.Err.
func (e *HandshakeError) Unwrap() error { return e.Err }

// acceptGUID is the fixed GUID of RFC 6455 §1.3 that the accept hash appends to the key.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey returns the Sec-WebSocket-Accept value for the client's Sec-WebSocket-Key.
func acceptKey(key string) string {
	b := make([]byte, 0, len(key)+len(acceptGUID))
	b = append(append(b, key...), acceptGUID...)
	sum := sha1.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// newChallengeKey returns a fresh Sec-WebSocket-Key: 16 random bytes, base64-encoded.
func newChallengeKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24 and later)
	return base64.StdEncoding.EncodeToString(b[:])
}

// validChallengeKey reports whether key is the base64 encoding of 16 bytes (§4.2.1 item 5).
func validChallengeKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Decode(b[:], []byte(key))
	return err == nil && n == 16
}

// listCursor reads the comma-separated elements of a header's values (RFC 9110 §5.6.1
// #rule) in place, one at a time, trimmed of whitespace and without the empty ones. Each
// call consumes what it looks at, so reading a whole list is linear in its length and
// allocates nothing.
type listCursor struct {
	values []string // the header values not yet started
	rest   string   // what remains of the value being read
}

// next returns the next non-empty element; more is false at the end of the list.
func (c *listCursor) next() (elem string, more bool) {
	for {
		for c.rest == "" {
			if len(c.values) == 0 {
				return "", false
			}
			c.rest, c.values = c.values[0], c.values[1:]
		}
		elem, c.rest, _ = strings.Cut(c.rest, ",")
		if elem = strings.TrimSpace(elem); elem != "" {
			return elem, true
		}
	}
}

// Limits on what a peer's handshake may hold, besides its size in bytes.
const (
	// maxHeaderFields bounds the header fields of a request (Host included) or response.
	// Browsers send about 15 with an upgrade request and a server answers with fewer;
	// each proxy on the way adds a handful (Via, Forwarded, X-Forwarded-*, tracing).
	// 128 leaves room for a chain of them, and refuses a flood of fields (the shape of
	// ws's CVE-2024-37890) before any of them is looked at.
	maxHeaderFields = 128
	// maxSubprotocols bounds the elements of the Sec-WebSocket-Protocol list a client
	// may offer. Applications offer one or a few versions of their protocol; 64 is far
	// more than any does.
	maxSubprotocols = 64
	// maxQuoted bounds how much of a peer's text an error message quotes.
	maxQuoted = 64
)

// quoteExcerpt returns s quoted, cut to its first maxQuoted bytes with "..." after the
// quote when longer, so that a message about a peer's text stays short whatever it sent.
func quoteExcerpt(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:maxQuoted]) + "..."
}

// headerFieldsOver reports whether h holds more than limit field lines (each value is
// one line, as net/http parses them).
func headerFieldsOver(h http.Header, limit int) bool {
	n := 0
	for _, v := range h {
		if len(v) > limit-n { // n <= limit here, so limit-n cannot overflow
			return true
		}
		n += len(v) // still <= limit
	}
	return false
}

// checkHeaderSize refuses, with 431, a request whose request line and header fields
// come to more than limit bytes written out: method, request-target and protocol with
// two spaces and CRLF; each field, Host included, as name, ": ", value and CRLF; and the
// CRLF that ends the header. That is the request as net/http has parsed it, which can be
// a few bytes per line shorter than what was received (whitespace around values).
func checkHeaderSize(r *http.Request, limit int) *HandshakeError {
	b := byteBudget(limit)
	target := r.RequestURI
	if target == "" && r.URL != nil {
		target = r.URL.RequestURI()
	}
	ok := b.take(len(r.Method)) && b.take(len(target)) && b.take(len(r.Proto)) && b.take(len("  \r\n"))
	if r.Host != "" {
		ok = ok && b.take(len("Host: \r\n")) && b.take(len(r.Host))
	}
	for name, values := range r.Header {
		for _, v := range values {
			ok = ok && b.take(len(name)) && b.take(len(v)) && b.take(len(": \r\n"))
		}
		if !ok {
			break
		}
	}
	if !ok || !b.take(len("\r\n")) {
		return &HandshakeError{Status: http.StatusRequestHeaderFieldsTooLarge, Reason: "request header too large"}
	}
	return nil
}

// byteBudget is a count of bytes still allowed. take subtracts only what is left, so no
// sum of lengths is ever formed and none can overflow.
type byteBudget int

// take spends n bytes (n >= 0) of the budget, or reports false if fewer are left.
func (b *byteBudget) take(n int) bool {
	if n > int(*b) {
		return false
	}
	*b -= byteBudget(n) // n <= *b, so the result is >= 0
	return true
}

// checkRequest checks a client's opening handshake (RFC 6455 §4.2.1) and returns its
// Sec-WebSocket-Key, or the HandshakeError to answer with. It refuses a request with more
// than maxHeaderFields header fields (431) and, since the upgrade takes the connection
// over right after the header, one with a body (400; see checkNoBody).
func checkRequest(r *http.Request) (string, *HandshakeError) {
	host := 0
	if r.Host != "" {
		host = 1 // net/http moves the Host field out of r.Header
	}
	if headerFieldsOver(r.Header, maxHeaderFields-host) {
		return "", &HandshakeError{Status: http.StatusRequestHeaderFieldsTooLarge, Reason: "request has more than " + strconv.Itoa(maxHeaderFields) + " header fields"}
	}
	if r.Method != http.MethodGet {
		return "", &HandshakeError{Status: http.StatusMethodNotAllowed, Reason: "WebSocket handshake must be a GET request"}
	}
	if !r.ProtoAtLeast(1, 1) {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "WebSocket handshake needs HTTP/1.1 or later"}
	}
	if r.Host == "" {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "missing Host header"}
	}
	if herr := checkNoBody(r); herr != nil {
		return "", herr
	}
	if !httpguts.HeaderValuesContainsToken(r.Header["Upgrade"], "websocket") {
		return "", &HandshakeError{Status: http.StatusUpgradeRequired, Reason: `Upgrade header must include "websocket"`}
	}
	if !httpguts.HeaderValuesContainsToken(r.Header["Connection"], "upgrade") {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: `Connection header must include "upgrade"`}
	}
	if v := r.Header["Sec-Websocket-Version"]; len(v) != 1 || strings.TrimSpace(v[0]) != "13" {
		return "", &HandshakeError{Status: http.StatusUpgradeRequired, Reason: "unsupported Sec-WebSocket-Version: only 13 is supported"}
	}
	keys := r.Header["Sec-Websocket-Key"]
	if len(keys) != 1 || !validChallengeKey(strings.TrimSpace(keys[0])) {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "Sec-WebSocket-Key must be one base64-encoded 16-byte value"}
	}
	return strings.TrimSpace(keys[0]), nil
}

// checkNoBody refuses a request that declares a body (RFC 9112 §6.1, §6.3): any
// Transfer-Encoding, or a Content-Length other than 0. The bytes HTTP counts as that
// body follow the header, where the upgraded connection would read them as WebSocket
// frames that the application never sent: a request smuggled past whatever proxy read
// it as HTTP. net/http reports what it parsed in r.ContentLength and r.TransferEncoding
// (and removes Transfer-Encoding from r.Header); the header itself is checked too, for
// requests built or parsed otherwise.
func checkNoBody(r *http.Request) *HandshakeError {
	const reason = "WebSocket handshake may not have a body"
	switch {
	case len(r.TransferEncoding) != 0 || len(r.Header["Transfer-Encoding"]) != 0:
		return &HandshakeError{Status: http.StatusBadRequest, Reason: reason + " (Transfer-Encoding)"}
	case r.ContentLength > 0: // net/http's parsed value, which it has checked for overflow
		return &HandshakeError{Status: http.StatusBadRequest, Reason: reason + " (Content-Length: " + strconv.FormatInt(r.ContentLength, 10) + ")"}
	case r.ContentLength < 0:
		return &HandshakeError{Status: http.StatusBadRequest, Reason: reason + " (of unknown length)"}
	}
	for _, v := range r.Header["Content-Length"] {
		// Compared as text, so that no number is parsed: one or more zeros.
		if v = strings.TrimSpace(v); v == "" || strings.Trim(v, "0") != "" {
			return &HandshakeError{Status: http.StatusBadRequest, Reason: reason + " (Content-Length other than 0)"}
		}
	}
	return nil
}

// rejectionHeader returns the headers a rejection with status carries besides its body.
func rejectionHeader(status int) http.Header {
	switch status {
	case http.StatusUpgradeRequired:
		return http.Header{"Sec-Websocket-Version": {"13"}, "Upgrade": {"websocket"}, "Connection": {"Upgrade"}}
	case http.StatusMethodNotAllowed:
		return http.Header{"Allow": {http.MethodGet}}
	}
	return nil
}

// checkOrigin applies the same-origin policy to a browser's Origin header: the request is
// accepted when it has no Origin (not a browser), when the Origin's host equals the
// request's Host, or when the Origin's host matches one of patterns (path.Match syntax,
// case-insensitive, e.g. "*.example.com" or "localhost:*").
func checkOrigin(r *http.Request, patterns []string) *HandshakeError {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return &HandshakeError{Status: http.StatusForbidden, Reason: "malformed Origin header"}
	}
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(r.Host) {
		return nil
	}
	for _, p := range patterns {
		ok, err := path.Match(strings.ToLower(p), host)
		if err != nil {
			return &HandshakeError{Status: http.StatusInternalServerError, Reason: "invalid origin pattern", Err: err}
		}
		if ok {
			return nil
		}
	}
	return &HandshakeError{Status: http.StatusForbidden, Reason: "origin " + quoteExcerpt(u.Host) + " not allowed"}
}

// selectSubprotocol returns the first of the server's subprotocols, in its order of
// preference, that the client offered, or "". It reads the offer once, comparing each
// element with the server's list; an offer of more than maxSubprotocols elements is
// refused with 400.
func selectSubprotocol(h http.Header, supported []string) (string, *HandshakeError) {
	c := listCursor{values: h["Sec-Websocket-Protocol"]}
	best := len(supported) // index in supported of the best match so far
	for n := 0; ; n++ {
		offered, more := c.next()
		if !more {
			break
		}
		if n == maxSubprotocols { // n counts elements read: it stops here
			return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "Sec-WebSocket-Protocol offers more than " + strconv.Itoa(maxSubprotocols) + " subprotocols"}
		}
		for i, s := range supported[:best] {
			if offered == s {
				best = i
				break
			}
		}
	}
	if best == len(supported) {
		return "", nil
	}
	return supported[best], nil
}

// handshakeHeaders are set by the handshake itself; an application may not set them.
var handshakeHeaders = []string{
	"Host", "Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version",
	"Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions",
}

// appendExtraHeaders appends an application's headers, refusing the ones the handshake
// sets itself.
func appendExtraHeaders(b []byte, extra http.Header) ([]byte, error) {
	for name := range extra {
		for _, reserved := range handshakeHeaders {
			if strings.EqualFold(name, reserved) {
				return nil, &HandshakeError{Reason: "header " + name + " is set by the handshake"}
			}
		}
	}
	return appendHeaders(b, extra)
}

// appendHeaders appends h as header lines, refusing names and values that are not valid
// HTTP.
func appendHeaders(b []byte, h http.Header) ([]byte, error) {
	for name, values := range h {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, &HandshakeError{Reason: "invalid header name " + strconv.Quote(name)}
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, &HandshakeError{Reason: "invalid value for header " + name}
			}
			b = append(b, name...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	return b, nil
}

// appendResponse appends the server's 101 response (§4.2.2).
func appendResponse(b []byte, key, subprotocol, extensions string, extra http.Header) ([]byte, error) {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = append(b, acceptKey(key)...)
	b = append(b, "\r\n"...)
	if subprotocol != "" {
		b = append(b, "Sec-WebSocket-Protocol: "...)
		b = append(b, subprotocol...)
		b = append(b, "\r\n"...)
	}
	if extensions != "" {
		b = append(b, "Sec-WebSocket-Extensions: "...)
		b = append(b, extensions...)
		b = append(b, "\r\n"...)
	}
	b, err := appendExtraHeaders(b, extra)
	if err != nil {
		return nil, err
	}
	return append(b, "\r\n"...), nil
}

// appendRejection appends a plain-text HTTP error response, for handshakes read without
// net/http.
func appendRejection(b []byte, e *HandshakeError) []byte {
	body := e.Reason + "\n"
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(e.Status)...)
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10) // our reason: it quotes at most maxQuoted bytes of the peer's
	b = append(b, "\r\n"...)
	b, _ = appendHeaders(b, rejectionHeader(e.Status)) // names and values are constants
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// validSubprotocol reports whether s can be offered: an HTTP token (RFC 6455 §4.1).
func validSubprotocol(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !httpguts.IsTokenRune(rune(s[i])) {
			return false
		}
	}
	return true
}

// appendRequest appends the client's opening handshake (§4.1) for u. host, if not empty,
// replaces u.Host in the Host header.
func appendRequest(b []byte, u *url.URL, host, key string, subprotocols []string, extensions string, extra http.Header) ([]byte, error) {
	if host == "" {
		host = u.Host
	}
	if !httpguts.ValidHostHeader(host) {
		return nil, &HandshakeError{Reason: "invalid host " + strconv.Quote(host)}
	}
	b = append(b, "GET "...)
	b = appendRequestTarget(b, u.RequestURI())
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "...)
	b = append(b, key...)
	b = append(b, "\r\n"...)
	if len(subprotocols) > 0 {
		for _, s := range subprotocols {
			if !validSubprotocol(s) {
				return nil, &HandshakeError{Reason: "invalid subprotocol " + strconv.Quote(s)}
			}
		}
		b = append(b, "Sec-WebSocket-Protocol: "...)
		b = append(b, strings.Join(subprotocols, ", ")...)
		b = append(b, "\r\n"...)
	}
	if extensions != "" {
		b = append(b, "Sec-WebSocket-Extensions: "...)
		b = append(b, extensions...)
		b = append(b, "\r\n"...)
	}
	b, err := appendExtraHeaders(b, extra)
	if err != nil {
		return nil, err
	}
	return append(b, "\r\n"...), nil
}

// appendRequestTarget appends target with the bytes that may not stand in an HTTP
// request-target (controls, space, non-ASCII) percent-encoded; url.Parse leaves some of
// them in a raw query.
func appendRequestTarget(b []byte, target string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// checkResponse checks the server's response to a handshake sent with key, offering
// subprotocols and, if dopts is not nil, permessage-deflate (§4.1, the client's
// requirements; RFC 7692 §5). It returns the chosen subprotocol and the negotiated
// compression parameters, nil if none.
func checkResponse(resp *http.Response, key string, subprotocols []string, dopts *DeflateOptions) (string, *deflateParams, *HandshakeError) {
	sub, herr := checkResponseHeaders(resp, key, subprotocols)
	if herr != nil {
		return "", nil, herr
	}
	p, ok, err := acceptDeflate(resp.Header.Values("Sec-WebSocket-Extensions"), dopts)
	if err != nil {
		return "", nil, &HandshakeError{Status: resp.StatusCode, Reason: "unacceptable Sec-WebSocket-Extensions", Err: err}
	}
	if !ok {
		return sub, nil, nil
	}
	return sub, &p, nil
}

// checkResponseHeaders is checkResponse for the headers of RFC 6455.
func checkResponseHeaders(resp *http.Response, key string, subprotocols []string) (string, *HandshakeError) {
	fail := func(reason string) (string, *HandshakeError) {
		return "", &HandshakeError{Status: resp.StatusCode, Reason: reason}
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		status := resp.Status // the server's reason phrase is as long as it likes
		if len(status) > maxQuoted {
			status = status[:maxQuoted] + "..."
		}
		return fail("server answered " + status + " instead of 101 Switching Protocols")
	}
	if headerFieldsOver(resp.Header, maxHeaderFields) {
		return fail("response has more than " + strconv.Itoa(maxHeaderFields) + " header fields")
	}
	if !httpguts.HeaderValuesContainsToken(resp.Header["Upgrade"], "websocket") {
		return fail(`Upgrade header must be "websocket"`)
	}
	if !httpguts.HeaderValuesContainsToken(resp.Header["Connection"], "upgrade") {
		return fail(`Connection header must include "upgrade"`)
	}
	if got := resp.Header["Sec-Websocket-Accept"]; len(got) != 1 || strings.TrimSpace(got[0]) != acceptKey(key) {
		return fail("Sec-WebSocket-Accept does not match the key")
	}
	c := listCursor{values: resp.Header["Sec-Websocket-Protocol"]}
	chosen, ok := c.next()
	if !ok {
		return "", nil
	}
	if _, more := c.next(); more {
		return fail("server chose more than one subprotocol")
	}
	for _, s := range subprotocols {
		if s == chosen {
			return s, nil
		}
	}
	return fail("server chose subprotocol " + quoteExcerpt(chosen) + " that was not offered")
}
