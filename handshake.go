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

// headerTokens returns the comma-separated tokens of every value of header name, trimmed,
// without empty elements.
func headerTokens(h http.Header, name string) []string {
	var tokens []string
	for _, v := range h[http.CanonicalHeaderKey(name)] {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tokens = append(tokens, t)
			}
		}
	}
	return tokens
}

// checkRequest checks a client's opening handshake (RFC 6455 §4.2.1) and returns its
// Sec-WebSocket-Key, or the HandshakeError to answer with.
func checkRequest(r *http.Request) (string, *HandshakeError) {
	if r.Method != http.MethodGet {
		return "", &HandshakeError{Status: http.StatusMethodNotAllowed, Reason: "WebSocket handshake must be a GET request"}
	}
	if !r.ProtoAtLeast(1, 1) {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "WebSocket handshake needs HTTP/1.1 or later"}
	}
	if r.Host == "" {
		return "", &HandshakeError{Status: http.StatusBadRequest, Reason: "missing Host header"}
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
	return &HandshakeError{Status: http.StatusForbidden, Reason: "origin " + strconv.Quote(u.Host) + " not allowed"}
}

// selectSubprotocol returns the first of the server's subprotocols, in its order of
// preference, that the client offered, or "".
func selectSubprotocol(h http.Header, supported []string) string {
	offered := headerTokens(h, "Sec-WebSocket-Protocol")
	for _, s := range supported {
		for _, o := range offered {
			if o == s {
				return s
			}
		}
	}
	return ""
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
	b = strconv.AppendInt(b, int64(len(body)), 10)
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
		return fail("server answered " + resp.Status + " instead of 101 Switching Protocols")
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
	chosen := headerTokens(resp.Header, "Sec-WebSocket-Protocol")
	switch {
	case len(chosen) == 0:
		return "", nil
	case len(chosen) > 1:
		return fail("server chose more than one subprotocol")
	}
	for _, s := range subprotocols {
		if s == chosen[0] {
			return s, nil
		}
	}
	return fail("server chose subprotocol " + strconv.Quote(chosen[0]) + " that was not offered")
}
