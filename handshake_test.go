package websocket

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// rfcKey and rfcAccept are the example of RFC 6455 §1.3 (the accept value is the one
// printed in the RFC: base64 of SHA-1 0xb3 0x7a 0x4f 0x2c ... 0xea).
const (
	rfcKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

func TestHandshakeAcceptKey(t *testing.T) {
	if got := acceptKey(rfcKey); got != rfcAccept {
		t.Errorf("acceptKey(%q) = %q, want %q (RFC 6455 §1.3)", rfcKey, got, rfcAccept)
	}
	// The hash covers the key as sent, not its decoded bytes.
	if acceptKey("AAAAAAAAAAAAAAAAAAAAAA==") == acceptKey("AAAAAAAAAAAAAAAAAAAAAB==") {
		t.Error("different keys give the same accept value")
	}
}

func TestHandshakeNewChallengeKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := newChallengeKey()
		if !validChallengeKey(k) {
			t.Fatalf("newChallengeKey() = %q, not a valid key", k)
		}
		if seen[k] {
			t.Fatalf("newChallengeKey() repeated %q", k)
		}
		seen[k] = true
	}
}

func TestHandshakeValidChallengeKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{rfcKey, true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},                          // 16 zero bytes
		{"/////////////////////w==", true},                          // 16 0xff bytes
		{"", false},                                                 // empty
		{"dGhlIHNhbXBsZSBub25jZQ=", false},                          // one padding byte short
		{"dGhlIHNhbXBsZSBub25jZQ", false},                           // unpadded
		{"dGhlIHNhbXBsZSBub25jZQ===", false},                        // 25 characters
		{"AAAAAAAAAAAAAAAAAAAAAAAA", false},                         // 18 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAA=", false},                         // 17 bytes
		{"AAAAAAAAAAAAAAAAAAAA", false},                             // 15 bytes
		{"!!!!!!!!!!!!!!!!!!!!!!==", false},                         // not base64
		{"_____________________w==", false},                         // URL-safe alphabet
		{"dGhlIHNhbXBsZSBub25j ZQ=", false},                         // space inside
		{" dGhlIHNhbXBsZSBub25jZQ==", false},                        // untrimmed
		{"dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ==", false}, // two keys run together
		{rfcKey + ", " + rfcKey, false},                             // two keys in a list
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if got := validChallengeKey(tc.key); got != tc.want {
				t.Errorf("validChallengeKey(%q) = %v, want %v", tc.key, got, tc.want)
			}
		})
	}
}

// hsValidRequest returns a valid client handshake for http://example.com/chat.
func hsValidRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://example.com/chat", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", rfcKey)
	return r
}

// hsRejection describes a request that must be refused and how.
type hsRejection struct {
	name   string
	mod    func(r *http.Request)
	status int
}

// hsRejections are the requests checkRequest refuses, with the status each gets.
var hsRejections = []hsRejection{
	{"POST", func(r *http.Request) { r.Method = http.MethodPost }, http.StatusMethodNotAllowed},
	{"PUT", func(r *http.Request) { r.Method = http.MethodPut }, http.StatusMethodNotAllowed},
	{"HEAD", func(r *http.Request) { r.Method = http.MethodHead }, http.StatusMethodNotAllowed},
	{"lower-case get", func(r *http.Request) { r.Method = "get" }, http.StatusMethodNotAllowed},
	{"HTTP/1.0", func(r *http.Request) { r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0 }, http.StatusBadRequest},
	{"HTTP/0.9", func(r *http.Request) { r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/0.9", 0, 9 }, http.StatusBadRequest},
	{"missing Host", func(r *http.Request) { r.Host = "" }, http.StatusBadRequest},
	{"missing Upgrade", func(r *http.Request) { r.Header.Del("Upgrade") }, http.StatusUpgradeRequired},
	{"Upgrade h2c", func(r *http.Request) { r.Header.Set("Upgrade", "h2c") }, http.StatusUpgradeRequired},
	{"Upgrade websockets", func(r *http.Request) { r.Header.Set("Upgrade", "websockets") }, http.StatusUpgradeRequired},
	{"missing Connection", func(r *http.Request) { r.Header.Del("Connection") }, http.StatusBadRequest},
	{"Connection keep-alive", func(r *http.Request) { r.Header.Set("Connection", "keep-alive") }, http.StatusBadRequest},
	{"Connection upgraded", func(r *http.Request) { r.Header.Set("Connection", "upgraded") }, http.StatusBadRequest},
	{"Connection close", func(r *http.Request) { r.Header.Set("Connection", "close") }, http.StatusBadRequest},
	{"missing version", func(r *http.Request) { r.Header.Del("Sec-WebSocket-Version") }, http.StatusUpgradeRequired},
	{"version 8", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "8") }, http.StatusUpgradeRequired},
	{"version 14", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "14") }, http.StatusUpgradeRequired},
	{"version 13 and 8", func(r *http.Request) { r.Header.Add("Sec-WebSocket-Version", "8") }, http.StatusUpgradeRequired},
	{"missing key", func(r *http.Request) { r.Header.Del("Sec-WebSocket-Key") }, http.StatusBadRequest},
	{"empty key", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "") }, http.StatusBadRequest},
	{"short key", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZQ==") }, http.StatusBadRequest},
	{"key not base64", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "not a base64 key at all!") }, http.StatusBadRequest},
	{"key of 18 bytes", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAAA") }, http.StatusBadRequest},
	{"two keys", func(r *http.Request) { r.Header.Add("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==") }, http.StatusBadRequest},
	{"two keys in one line", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", rfcKey+", "+rfcKey) }, http.StatusBadRequest},
	// A body would be read as frames after the upgrade (RFC 9112 §6.1, §6.3).
	{"Content-Length 5", func(r *http.Request) { r.Header.Set("Content-Length", "5") }, http.StatusBadRequest},
	{"chunked", func(r *http.Request) { r.Header.Set("Transfer-Encoding", "chunked") }, http.StatusBadRequest},
	// Too many header fields (CVE-2024-37890's shape): refused before any is looked at.
	{"129 header fields", func(r *http.Request) { hsAddFields(r.Header, maxHeaderFields-len(r.Header)) }, http.StatusRequestHeaderFieldsTooLarge},
	{"129 header fields, one name", func(r *http.Request) {
		for range maxHeaderFields - len(r.Header) {
			r.Header.Add("X-Same", "v")
		}
	}, http.StatusRequestHeaderFieldsTooLarge},
}

// hsParsedRejections are requests checkRequest refuses for what net/http reports of a
// request it parsed, which a request written from the header does not carry.
var hsParsedRejections = []hsRejection{
	{"parsed Content-Length", func(r *http.Request) { r.ContentLength = 5 }, http.StatusBadRequest},
	{"unknown length", func(r *http.Request) { r.ContentLength = -1 }, http.StatusBadRequest},
	{"parsed chunked", func(r *http.Request) { r.TransferEncoding = []string{"chunked"} }, http.StatusBadRequest},
	// net/http refuses differing Content-Lengths itself.
	{"Content-Length 0, then 1", func(r *http.Request) { r.Header["Content-Length"] = []string{"0", "1"} }, http.StatusBadRequest},
	{"Content-Length empty", func(r *http.Request) { r.Header["Content-Length"] = []string{""} }, http.StatusBadRequest},
	{"Content-Length 0 0", func(r *http.Request) { r.Header["Content-Length"] = []string{"0 0"} }, http.StatusBadRequest},
}

// hsAddFields adds n header fields of distinct names to h.
func hsAddFields(h http.Header, n int) {
	for i := range n {
		h.Set(fmt.Sprintf("X-Field-%d", i), "v")
	}
}

// hsList returns a comma-separated list of n distinct elements prefix0, prefix1, ...
func hsList(prefix string, n int) string {
	elems := make([]string, n)
	for i := range elems {
		elems[i] = prefix + strconv.Itoa(i)
	}
	return strings.Join(elems, ", ")
}

func TestHandshakeCheckRequestRejects(t *testing.T) {
	for _, tc := range slices.Concat(hsRejections, hsParsedRejections) {
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			tc.mod(r)
			key, herr := checkRequest(r)
			if herr == nil {
				t.Fatalf("checkRequest accepted the request (key %q)", key)
			}
			if herr.Status != tc.status {
				t.Errorf("status = %d, want %d (%v)", herr.Status, tc.status, herr)
			}
			if herr.Reason == "" || strings.ContainsAny(herr.Reason, "\r\n") {
				t.Errorf("reason %q is not a short one-line text", herr.Reason)
			}
			if key != "" {
				t.Errorf("rejected request returned key %q", key)
			}
		})
	}
}

func TestHandshakeRejectionHeader(t *testing.T) {
	if h := rejectionHeader(http.StatusUpgradeRequired); h.Get("Sec-WebSocket-Version") != "13" ||
		!strings.EqualFold(h.Get("Upgrade"), "websocket") {
		t.Errorf("426 rejection headers = %v, want Sec-WebSocket-Version: 13 and Upgrade: websocket", h)
	}
	if h := rejectionHeader(http.StatusMethodNotAllowed); h.Get("Allow") != http.MethodGet {
		t.Errorf("405 rejection headers = %v, want Allow: GET", h)
	}
	for _, s := range []int{400, 403, 431, 500} {
		if h := rejectionHeader(s); len(h) != 0 {
			t.Errorf("rejection %d carries headers %v", s, h)
		}
	}
}

func TestHandshakeCheckRequestAccepts(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *http.Request)
	}{
		{"canonical", func(r *http.Request) {}},
		{"Connection list", func(r *http.Request) { r.Header.Set("Connection", "keep-alive, Upgrade") }},
		{"Connection lower case", func(r *http.Request) { r.Header.Set("Connection", "upgrade") }},
		{"Connection upper case list", func(r *http.Request) { r.Header.Set("Connection", "KEEP-ALIVE,UPGRADE") }},
		{"Connection two lines", func(r *http.Request) { r.Header["Connection"] = []string{"keep-alive", "Upgrade"} }},
		{"Upgrade mixed case", func(r *http.Request) { r.Header.Set("Upgrade", "WebSocket") }},
		{"Upgrade list", func(r *http.Request) { r.Header.Set("Upgrade", "h2c, websocket") }},
		{"HTTP/1.2", func(r *http.Request) { r.Proto, r.ProtoMinor = "HTTP/1.2", 2 }},
		{"key with spaces around", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "  "+rfcKey+" ") }},
		{"version with spaces around", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", " 13 ") }},
		{"extra headers", func(r *http.Request) {
			r.Header.Set("Sec-WebSocket-Extensions", "permessage-deflate")
			r.Header.Set("Cookie", "a=b")
		}},
		{"Content-Length 0", func(r *http.Request) { r.Header.Set("Content-Length", " 0 ") }},
		{"Content-Length 00", func(r *http.Request) { r.Header["Content-Length"] = []string{"00", "0"} }},
		{"128 header fields", func(r *http.Request) { hsAddFields(r.Header, maxHeaderFields-1-len(r.Header)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			tc.mod(r)
			key, herr := checkRequest(r)
			if herr != nil {
				t.Fatalf("checkRequest refused: %v", herr)
			}
			if key != rfcKey {
				t.Errorf("key = %q, want %q", key, rfcKey)
			}
		})
	}
}

func TestHandshakeCheckOrigin(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		origin   []string // Origin header lines; nil for none
		patterns []string
		status   int // 0 for acceptance
	}{
		{"no Origin", "example.com", nil, nil, 0},
		{"empty Origin", "example.com", []string{""}, nil, 0},
		{"same host", "example.com", []string{"https://example.com"}, nil, 0},
		{"same host and port", "example.com:8080", []string{"http://example.com:8080"}, nil, 0},
		{"same host with path", "example.com", []string{"https://example.com/app"}, nil, 0},
		{"same host, case differs", "Example.COM", []string{"HTTPS://EXAMPLE.com"}, nil, 0},
		{"different host", "example.com", []string{"https://evil.example"}, nil, 403},
		{"subdomain not same origin", "example.com", []string{"https://a.example.com"}, nil, 403},
		{"same host, other port", "example.com:8080", []string{"http://example.com:9090"}, nil, 403},
		{"port only in Origin", "example.com", []string{"http://example.com:8080"}, nil, 403},
		{"suffix attack", "example.com", []string{"https://example.com.evil.example"}, nil, 403},
		{"pattern exact", "example.com", []string{"https://app.example.org"}, []string{"app.example.org"}, 0},
		{"pattern wildcard", "example.com", []string{"https://a.example.org"}, []string{"*.example.org"}, 0},
		{"pattern wildcard, not the apex", "example.com", []string{"https://example.org"}, []string{"*.example.org"}, 403},
		{"pattern wildcard, other domain", "example.com", []string{"https://a.example.net"}, []string{"*.example.org"}, 403},
		{"pattern case", "example.com", []string{"https://APP.Example.org"}, []string{"app.EXAMPLE.org"}, 0},
		{"pattern without port, origin with port", "example.com", []string{"http://app.example.org:8080"}, []string{"app.example.org"}, 403},
		{"pattern any port", "example.com", []string{"http://localhost:5173"}, []string{"localhost:*"}, 0},
		{"pattern any port, no port", "example.com", []string{"http://localhost"}, []string{"localhost:*"}, 403},
		{"pattern fixed port", "example.com", []string{"http://localhost:5173"}, []string{"localhost:5173"}, 0},
		{"pattern fixed port, other port", "example.com", []string{"http://localhost:5174"}, []string{"localhost:5173"}, 403},
		{"second pattern", "example.com", []string{"https://b.test"}, []string{"a.test", "b.test"}, 0},
		{"star matches all", "example.com", []string{"https://anything.test"}, []string{"*"}, 0},
		{"null", "example.com", []string{"null"}, nil, 403},
		{"null with star", "example.com", []string{"null"}, []string{"*"}, 403},
		{"malformed", "example.com", []string{"http://[::1"}, nil, 403},
		{"no scheme", "example.com", []string{"example.com"}, nil, 403},
		{"bad pattern, not consulted", "example.com", []string{"https://example.com"}, []string{"["}, 0},
		{"bad pattern", "example.com", []string{"https://other.test"}, []string{"["}, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := hsValidRequest()
			r.Host = tc.host
			if tc.origin != nil {
				r.Header["Origin"] = tc.origin
			}
			herr := checkOrigin(r, tc.patterns)
			switch {
			case tc.status == 0 && herr != nil:
				t.Errorf("checkOrigin refused: %v", herr)
			case tc.status != 0 && herr == nil:
				t.Errorf("checkOrigin accepted, want %d", tc.status)
			case tc.status != 0 && herr.Status != tc.status:
				t.Errorf("status = %d, want %d (%v)", herr.Status, tc.status, herr)
			}
		})
	}
}

func TestHandshakeSelectSubprotocol(t *testing.T) {
	tests := []struct {
		name      string
		offered   []string // Sec-WebSocket-Protocol header lines
		supported []string
		want      string
	}{
		{"none offered", nil, []string{"chat"}, ""},
		{"none supported", []string{"chat"}, nil, ""},
		{"one match", []string{"chat"}, []string{"chat"}, "chat"},
		{"no match", []string{"chat"}, []string{"mqtt"}, ""},
		{"server preference wins", []string{"superchat, chat"}, []string{"chat", "superchat"}, "chat"},
		{"server preference wins, reversed", []string{"chat, superchat"}, []string{"superchat", "chat"}, "superchat"},
		{"comma list without spaces", []string{"a,b,c"}, []string{"c"}, "c"},
		{"comma list with empty elements", []string{" , b ,, "}, []string{"b"}, "b"},
		{"several lines", []string{"a", "b, c"}, []string{"c", "b"}, "c"},
		{"case sensitive", []string{"Chat"}, []string{"chat"}, ""},
		{"no partial match", []string{"chat.v2"}, []string{"chat"}, ""},
		{"empty supported entry", []string{"a"}, []string{"", "a"}, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.offered != nil {
				h["Sec-Websocket-Protocol"] = tc.offered
			}
			if got, herr := selectSubprotocol(h, tc.supported); got != tc.want || herr != nil {
				t.Errorf("selectSubprotocol(%q, %q) = %q, %v; want %q", tc.offered, tc.supported, got, herr, tc.want)
			}
		})
	}
}

// hsFieldCount returns the number of header lines in h.
func hsFieldCount(h http.Header) int {
	n := 0
	for _, v := range h {
		n += len(v)
	}
	return n
}

// hsTokens returns the elements of the comma-separated list in the values of header name,
// as listCursor reads them: trimmed, without empty ones.
func hsTokens(h http.Header, name string) []string {
	var tokens []string
	c := listCursor{values: h.Values(name)}
	for t, more := c.next(); more; t, more = c.next() {
		tokens = append(tokens, t)
	}
	return tokens
}

// hsParseRequest parses b as an HTTP request that must be complete.
func hsParseRequest(t *testing.T, b []byte) *http.Request {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(b))
	r, err := http.ReadRequest(br)
	if err != nil {
		t.Fatalf("http.ReadRequest(%q): %v", b, err)
	}
	if br.Buffered() != 0 {
		t.Fatalf("%d bytes after the request", br.Buffered())
	}
	return r
}

// hsParseResponse parses b as the response to a GET.
func hsParseResponse(t *testing.T, b []byte) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatalf("http.ReadResponse(%q): %v", b, err)
	}
	return resp
}

func TestHandshakeAppendRequest(t *testing.T) {
	u, _ := url.Parse("ws://example.com:8080/chat/room?user=a%20b&x=1")
	extra := http.Header{"Authorization": {"Bearer t0ken"}, "Cookie": {"a=1; b=2"}, "X-Multi": {"1", "2"}}
	b, err := appendRequest([]byte("prefix:"), u, "", rfcKey, []string{"chat", "superchat"}, "", extra)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("prefix:GET ")) {
		t.Fatalf("appendRequest does not append: %q", b)
	}
	r := hsParseRequest(t, b[len("prefix:"):])
	if r.Method != http.MethodGet || r.Proto != "HTTP/1.1" {
		t.Errorf("request line: %s %s", r.Method, r.Proto)
	}
	if r.RequestURI != "/chat/room?user=a%20b&x=1" {
		t.Errorf("request URI = %q", r.RequestURI)
	}
	if r.Host != "example.com:8080" {
		t.Errorf("Host = %q", r.Host)
	}
	wantHeaders := map[string][]string{
		"Upgrade":                {"websocket"},
		"Connection":             {"Upgrade"},
		"Sec-Websocket-Version":  {"13"},
		"Sec-Websocket-Key":      {rfcKey},
		"Sec-Websocket-Protocol": {"chat, superchat"},
		"Authorization":          {"Bearer t0ken"},
		"Cookie":                 {"a=1; b=2"},
		"X-Multi":                {"1", "2"},
	}
	for name, want := range wantHeaders {
		if got := r.Header[name]; !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(r.Header) != len(wantHeaders) {
		t.Errorf("headers = %v, want exactly %v", r.Header, wantHeaders)
	}
	key, herr := checkRequest(r)
	if herr != nil || key != rfcKey {
		t.Errorf("checkRequest of our own request = %q, %v", key, herr)
	}
	if got, herr := selectSubprotocol(r.Header, []string{"superchat"}); got != "superchat" || herr != nil {
		t.Errorf("offered subprotocols not selectable: %q, %v", got, herr)
	}
}

func TestHandshakeAppendRequestTarget(t *testing.T) {
	tests := []struct {
		url, host    string
		wantURI      string
		wantHostLine string
	}{
		{"ws://example.com", "", "/", "example.com"},
		{"wss://example.com/", "", "/", "example.com"},
		{"ws://[::1]:9000/p", "", "/p", "[::1]:9000"},
		{"ws://user:pw@example.com/p", "", "/p", "example.com"},
		{"ws://example.com/a%2Fb", "", "/a%2Fb", "example.com"},
		{"ws://example.com/p?q", "", "/p?q", "example.com"},
		{"ws://10.0.0.1:80/p", "api.example.com", "/p", "api.example.com"},
		{"ws://10.0.0.1/p", "api.example.com:8443", "/p", "api.example.com:8443"},
	}
	for _, tc := range tests {
		t.Run(tc.url+"/"+tc.host, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			b, err := appendRequest(nil, u, tc.host, rfcKey, nil, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			r := hsParseRequest(t, b)
			if r.RequestURI != tc.wantURI || r.Host != tc.wantHostLine {
				t.Errorf("request for %s: URI %q, Host %q; want %q, %q", tc.url, r.RequestURI, r.Host, tc.wantURI, tc.wantHostLine)
			}
			if _, ok := r.Header["Sec-Websocket-Protocol"]; ok {
				t.Errorf("no subprotocols offered, but the header is there: %q", r.Header["Sec-Websocket-Protocol"])
			}
		})
	}
}

// TestHandshakeAppendRequestLine checks that whatever URL the client is given, the
// request line it writes is well formed: method, target and version separated by single
// spaces. A URL that cannot be sent must be refused.
func TestHandshakeAppendRequestLine(t *testing.T) {
	for _, raw := range []string{
		"ws://example.com/?a b",          // url.Parse leaves the space in RawQuery
		"ws://example.com/?a b HTTP/1.0", // would look like a request line of its own
		"ws://example.com/?x=\"y\"",
	} {
		t.Run(raw, func(t *testing.T) {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("url.Parse: %v", err)
			}
			b, err := appendRequest(nil, u, "", rfcKey, nil, "", nil)
			if err != nil {
				return // refused: fine
			}
			line, _, _ := bytes.Cut(b, []byte("\r\n"))
			if n := bytes.Count(line, []byte(" ")); n != 2 {
				t.Errorf("request line %q has %d spaces; servers answer 400", line, n)
			}
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
			if err != nil {
				t.Fatalf("our request does not parse: %v", err)
			}
			if _, herr := checkRequest(r); herr != nil {
				t.Errorf("our request is refused: %v", herr)
			}
		})
	}
}

func TestHandshakeAppendRequestRefuses(t *testing.T) {
	u, _ := url.Parse("ws://example.com/")
	tests := []struct {
		name         string
		host         string
		subprotocols []string
		extra        http.Header
	}{
		{"CRLF in value", "", nil, http.Header{"X-A": {"v\r\nX-Injected: 1"}}},
		{"LF in value", "", nil, http.Header{"X-A": {"v\nX-Injected: 1"}}},
		{"CR in value", "", nil, http.Header{"X-A": {"v\rw"}}},
		{"NUL in value", "", nil, http.Header{"X-A": {"v\x00w"}}},
		{"CRLF in name", "", nil, http.Header{"X-A\r\nX-B": {"v"}}},
		{"space in name", "", nil, http.Header{"X A": {"v"}}},
		{"colon in name", "", nil, http.Header{"X-A:": {"v"}}},
		{"empty name", "", nil, http.Header{"": {"v"}}},
		{"Host", "", nil, http.Header{"Host": {"other.example"}}},
		{"Upgrade", "", nil, http.Header{"Upgrade": {"h2c"}}},
		{"Connection", "", nil, http.Header{"Connection": {"close"}}},
		{"Sec-WebSocket-Key", "", nil, http.Header{"Sec-WebSocket-Key": {rfcKey}}},
		{"sec-websocket-key lower case", "", nil, http.Header{"sec-websocket-key": {rfcKey}}},
		{"Sec-WebSocket-Version", "", nil, http.Header{"Sec-Websocket-Version": {"8"}}},
		{"Sec-WebSocket-Accept", "", nil, http.Header{"Sec-Websocket-Accept": {"x"}}},
		{"Sec-WebSocket-Protocol", "", nil, http.Header{"Sec-Websocket-Protocol": {"chat"}}},
		{"Sec-WebSocket-Extensions", "", nil, http.Header{"SEC-WEBSOCKET-EXTENSIONS": {"permessage-deflate"}}},
		{"Host override with CRLF", "a.example\r\nX-Injected: 1", nil, nil},
		{"Host override with space", "a example", nil, nil},
		{"Host override with slash", "a.example/x", nil, nil},
		{"subprotocol with space", "", []string{"a b"}, nil},
		{"subprotocol with comma", "", []string{"a,b"}, nil},
		{"empty subprotocol", "", []string{""}, nil},
		{"subprotocol with CRLF", "", []string{"a\r\nX-Injected: 1"}, nil},
		{"subprotocol non-ASCII", "", []string{"ché"}, nil},
		{"subprotocol with slash", "", []string{"a/b"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := appendRequest(nil, u, tc.host, rfcKey, tc.subprotocols, "", tc.extra)
			if err == nil {
				t.Fatalf("appendRequest accepted it and wrote %q", b)
			}
			var herr *HandshakeError
			if !errors.As(err, &herr) || herr.Status != 0 {
				t.Errorf("error %v is not a HandshakeError without a status", err)
			}
			if b != nil {
				t.Errorf("appendRequest returned bytes with its error: %q", b)
			}
		})
	}
}

// TestHandshakeAppendRequestHostHeader checks that a Host header among the extra headers
// does not end up as a second Host line, which servers refuse with 400 (RFC 9112 §3.2).
func TestHandshakeAppendRequestHostHeader(t *testing.T) {
	u, _ := url.Parse("ws://example.com/")
	b, err := appendRequest(nil, u, "", rfcKey, nil, "", http.Header{"Host": {"other.example"}})
	if err != nil {
		return // refused as a handshake header: fine
	}
	if n := bytes.Count(bytes.ToLower(b), []byte("\r\nhost:")); n != 1 {
		t.Errorf("appendRequest wrote %d Host header lines:\n%s", n, b)
	}
}

func TestHandshakeAppendResponse(t *testing.T) {
	extra := http.Header{"Set-Cookie": {"session=1; HttpOnly", "theme=dark"}, "X-Server": {"hayate"}}
	b, err := appendResponse([]byte("prefix:"), rfcKey, "chat", "", extra)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("prefix:HTTP/1.1 101 ")) {
		t.Fatalf("appendResponse does not append: %q", b)
	}
	if !bytes.HasSuffix(b, []byte("\r\n\r\n")) {
		t.Errorf("response does not end with an empty line: %q", b)
	}
	resp := hsParseResponse(t, b[len("prefix:"):])
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("status = %d", resp.StatusCode)
	}
	want := map[string][]string{
		"Upgrade":                {"websocket"},
		"Connection":             {"Upgrade"},
		"Sec-Websocket-Accept":   {rfcAccept},
		"Sec-Websocket-Protocol": {"chat"},
		"Set-Cookie":             {"session=1; HttpOnly", "theme=dark"},
		"X-Server":               {"hayate"},
	}
	for name, v := range want {
		if got := resp.Header[name]; !slices.Equal(got, v) {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if len(resp.Header) != len(want) {
		t.Errorf("headers = %v, want exactly %v", resp.Header, want)
	}
	if sub, _, herr := checkResponse(resp, rfcKey, []string{"superchat", "chat"}, nil); herr != nil || sub != "chat" {
		t.Errorf("checkResponse of our own response = %q, %v", sub, herr)
	}

	// Without a subprotocol there is no Sec-WebSocket-Protocol line.
	b, err = appendResponse(nil, rfcKey, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(b), []byte("sec-websocket-protocol")) {
		t.Errorf("response without subprotocol names one: %q", b)
	}
}

func TestHandshakeAppendResponseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra http.Header
	}{
		{"CRLF in value", http.Header{"Set-Cookie": {"a=1\r\nX-Injected: 1"}}},
		{"LF in value", http.Header{"X-A": {"1\nX-Injected: 1"}}},
		{"bad name", http.Header{"X A": {"1"}}},
		{"Sec-WebSocket-Accept", http.Header{"Sec-Websocket-Accept": {"x"}}},
		{"Sec-WebSocket-Protocol", http.Header{"sec-websocket-protocol": {"chat"}}},
		{"Sec-WebSocket-Extensions", http.Header{"Sec-Websocket-Extensions": {"permessage-deflate"}}},
		{"Upgrade", http.Header{"Upgrade": {"h2c"}}},
		{"Connection", http.Header{"Connection": {"close"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := appendResponse(nil, rfcKey, "", "", tc.extra); err == nil {
				t.Errorf("appendResponse accepted it and wrote %q", b)
			}
		})
	}
}

func TestHandshakeAppendRejection(t *testing.T) {
	for _, tc := range []struct {
		herr       *HandshakeError
		wantHeader map[string]string
	}{
		{&HandshakeError{Status: 400, Reason: "missing Host header"}, nil},
		{&HandshakeError{Status: 403, Reason: `origin "evil.example" not allowed`}, nil},
		{&HandshakeError{Status: 405, Reason: "must be GET"}, map[string]string{"Allow": "GET"}},
		{&HandshakeError{Status: 426, Reason: "unsupported version"}, map[string]string{"Sec-Websocket-Version": "13", "Upgrade": "websocket"}},
		{&HandshakeError{Status: 431, Reason: "request header too large"}, nil},
	} {
		t.Run(fmt.Sprint(tc.herr.Status), func(t *testing.T) {
			resp := hsParseResponse(t, appendRejection(nil, tc.herr))
			if resp.StatusCode != tc.herr.Status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.herr.Status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q", ct)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tc.herr.Reason+"\n" {
				t.Errorf("body = %q, want the reason", body)
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d for a %d-byte body", resp.ContentLength, len(body))
			}
			for name, v := range tc.wantHeader {
				if got := resp.Header[name]; !slices.Contains(got, v) {
					t.Errorf("%s = %q, want %q", name, got, v)
				}
			}
		})
	}
}

// hsResponse returns a 101 response to rfcKey with the given header lines changed: a line
// "Name:" with nothing after it removes the header.
func hsResponse(status string, lines ...string) string {
	headers := []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: " + rfcAccept}
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		headers = slices.DeleteFunc(headers, func(h string) bool {
			n, _, _ := strings.Cut(h, ":")
			return strings.EqualFold(n, name) && value == ""
		})
		if value != "" {
			headers = append(headers, l)
		}
	}
	return "HTTP/1.1 " + status + "\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
}

func TestHandshakeCheckResponse(t *testing.T) {
	offered := []string{"chat", "superchat"}
	tests := []struct {
		name    string
		raw     string
		offered []string
		wantSub string
		fail    bool
	}{
		{"plain", hsResponse("101 Switching Protocols"), nil, "", false},
		{"subprotocol chosen", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: superchat"), offered, "superchat", false},
		{"offered, none chosen", hsResponse("101 Switching Protocols"), offered, "", false},
		{"tokens in other case", hsResponse("101 Switching Protocols", "Upgrade:", "Upgrade: WebSocket", "Connection:", "Connection: keep-alive, upgrade"), nil, "", false},
		{"accept with spaces", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept:", "Sec-WebSocket-Accept:   "+rfcAccept+"  "), nil, "", false},
		{"other reason phrase", hsResponse("101 Web Socket Protocol Handshake"), nil, "", false},

		{"200", hsResponse("200 OK"), nil, "", true},
		{"403", "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", nil, "", true},
		{"426", hsResponse("426 Upgrade Required"), nil, "", true},
		{"missing Upgrade", hsResponse("101 Switching Protocols", "Upgrade:"), nil, "", true},
		{"Upgrade h2c", hsResponse("101 Switching Protocols", "Upgrade:", "Upgrade: h2c"), nil, "", true},
		{"missing Connection", hsResponse("101 Switching Protocols", "Connection:"), nil, "", true},
		{"Connection keep-alive", hsResponse("101 Switching Protocols", "Connection:", "Connection: keep-alive"), nil, "", true},
		{"missing accept", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept:"), nil, "", true},
		{"wrong accept", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept:", "Sec-WebSocket-Accept: "+acceptKey("AAAAAAAAAAAAAAAAAAAAAA==")), nil, "", true},
		{"accept of the key itself", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept:", "Sec-WebSocket-Accept: "+rfcKey), nil, "", true},
		{"accept in lower case", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept:", "Sec-WebSocket-Accept: "+strings.ToLower(rfcAccept)), nil, "", true},
		{"two accepts", hsResponse("101 Switching Protocols", "Sec-WebSocket-Accept: "+rfcAccept), nil, "", true},
		{"unrequested subprotocol", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: chat"), nil, "", true},
		{"subprotocol not offered", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: mqtt"), offered, "", true},
		{"subprotocol in other case", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: Chat"), offered, "", true},
		{"two subprotocols in one line", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: chat, superchat"), offered, "", true},
		{"two subprotocol lines", hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: superchat"), offered, "", true},
		{"unoffered extension", hsResponse("101 Switching Protocols", "Sec-WebSocket-Extensions: permessage-deflate"), nil, "", true},
		{"unoffered unknown extension", hsResponse("101 Switching Protocols", "Sec-WebSocket-Extensions: x-foo; a=1"), offered, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := hsParseResponse(t, []byte(tc.raw))
			sub, _, herr := checkResponse(resp, rfcKey, tc.offered, nil)
			if tc.fail {
				if herr == nil {
					t.Fatalf("checkResponse accepted it (subprotocol %q)", sub)
				}
				if herr.Status != resp.StatusCode {
					t.Errorf("HandshakeError.Status = %d, want the response's %d", herr.Status, resp.StatusCode)
				}
				if herr.Reason == "" || sub != "" {
					t.Errorf("rejection: subprotocol %q, reason %q", sub, herr.Reason)
				}
				return
			}
			if herr != nil {
				t.Fatalf("checkResponse refused: %v", herr)
			}
			if sub != tc.wantSub {
				t.Errorf("subprotocol = %q, want %q", sub, tc.wantSub)
			}
		})
	}
}

func TestHandshakeErrorString(t *testing.T) {
	inner := errors.New("EOF-ish")
	tests := []struct {
		err  *HandshakeError
		want string
	}{
		{&HandshakeError{}, "websocket: handshake failed"},
		{&HandshakeError{Status: 403, Reason: "origin not allowed"}, "websocket: handshake failed (403): origin not allowed"},
		{&HandshakeError{Reason: "read response", Err: inner}, "websocket: handshake failed: read response: EOF-ish"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if err := error(&HandshakeError{Err: inner}); !errors.Is(err, inner) {
		t.Error("HandshakeError does not unwrap to Err")
	}
}

// hsFuzzSupported and hsFuzzPatterns are the server configuration the request fuzzer checks
// against.
var (
	hsFuzzSupported = []string{"chat", "superchat"}
	hsFuzzPatterns  = []string{"*.example.org", "localhost:*"}
)

// hsFuzzCheckRequest runs the server's checks on r and verifies what they decide.
func hsFuzzCheckRequest(t *testing.T, r *http.Request) {
	// Accept's size check counts what the request holds, without overflow.
	if herr := checkHeaderSize(r, defaultMaxHeaderBytes); herr != nil && herr.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("checkHeaderSize rejection %+v", herr)
	}
	// The server's negotiation, on whatever the request offers: declined, accepted, or
	// refused for a bound of the list.
	if _, p, ok, limit := negotiateDeflate(r.Header["Sec-Websocket-Extensions"], &DeflateOptions{}); ok {
		dfCheckRange(t, p)
	} else if limit != nil && limit != errTooManyExtensions && limit != errTooManyExtParams {
		t.Fatalf("negotiateDeflate limit %v", limit)
	}
	key, herr := checkRequest(r)
	if herr != nil {
		if herr.Status < 400 || herr.Status > 499 || key != "" || herr.Reason == "" || len(herr.Reason) > 200 {
			t.Fatalf("checkRequest rejection %+v with key %q", herr, key)
		}
		return
	}
	if r.Method != http.MethodGet || !r.ProtoAtLeast(1, 1) || r.Host == "" {
		t.Fatalf("checkRequest accepted %s %s with Host %q", r.Method, r.Proto, r.Host)
	}
	if r.ContentLength != 0 || len(r.TransferEncoding) != 0 || hsFieldCount(r.Header)+1 > maxHeaderFields {
		t.Fatalf("checkRequest accepted a body (%d, %q) or %d header fields", r.ContentLength, r.TransferEncoding, hsFieldCount(r.Header)+1)
	}
	if !validChallengeKey(key) || key != strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key")) {
		t.Fatalf("checkRequest returned key %q for header %q", key, r.Header["Sec-Websocket-Key"])
	}
	if oerr := checkOrigin(r, hsFuzzPatterns); oerr != nil && oerr.Status != http.StatusForbidden {
		t.Fatalf("checkOrigin rejection %+v", oerr)
	}
	sub, serr := selectSubprotocol(r.Header, hsFuzzSupported)
	offered := hsTokens(r.Header, "Sec-WebSocket-Protocol")
	if (serr != nil) != (len(offered) > maxSubprotocols) || (serr != nil && (serr.Status != http.StatusBadRequest || sub != "")) {
		t.Fatalf("selectSubprotocol of %d elements: %q, %+v", len(offered), sub, serr)
	}
	if serr != nil {
		return
	}
	if sub != "" && !slices.Contains(offered, sub) {
		t.Fatalf("chose %q, not among %q", sub, offered)
	}
	// The key round-trips: the client that sent it accepts our answer.
	b, err := appendResponse(nil, key, sub, "", nil)
	if err != nil {
		t.Fatalf("appendResponse: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatalf("our response does not parse: %v", err)
	}
	got, _, herr := checkResponse(resp, key, offered, nil)
	if herr != nil || got != sub {
		t.Fatalf("client refuses our response to key %q: %q, %v", key, got, herr)
	}
}

func FuzzHandshakeRequest(f *testing.F) {
	for _, s := range handshakeRequestSeeds(f) {
		a := s.args
		f.Add(a[0].([]byte), a[1].(string), a[2].(string), a[3].(string), a[4].(string), a[5].(string), a[6].(string), a[7].(string))
	}
	f.Fuzz(func(t *testing.T, raw []byte, host, upgrade, connection, version, key, origin, protocol string) {
		if r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw))); err == nil {
			hsFuzzCheckRequest(t, r)
		}
		req := "GET /chat HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: " + upgrade + "\r\nConnection: " + connection +
			"\r\nSec-WebSocket-Version: " + version + "\r\nSec-WebSocket-Key: " + key +
			"\r\nOrigin: " + origin + "\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n"
		if r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(req))); err == nil {
			hsFuzzCheckRequest(t, r)
		}
	})
}

func handshakeRequestSeeds(t testing.TB) []fuzzSeed {
	request := func(rawURL, host string, subprotocols []string, extra http.Header) []byte {
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		b, err := appendRequest(nil, u, host, rfcKey, subprotocols, "", extra)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	template := func(raw []byte) []any {
		return []any{raw, "example.com", "websocket", "Upgrade", "13", rfcKey, "", "chat"}
	}
	seeds := []fuzzSeed{
		{"plain", template(request("ws://example.com/chat", "", nil, nil))},
		{"subprotocols", template(request("ws://example.com/chat?room=1", "", []string{"superchat", "chat"}, nil))},
		{"origin", template(request("wss://example.com:8443/", "", nil, http.Header{"Origin": {"https://app.example.org"}}))},
		{"host-override", template(request("ws://127.0.0.1:9000/", "localhost:9000", nil, http.Header{"Origin": {"http://localhost:5173"}}))},
		{"cookie", template(request("ws://example.com/", "", []string{"chat"}, http.Header{"Cookie": {"a=1"}}))},
		{"template-bad-version", []any{[]byte{}, "example.com", "websocket", "keep-alive, Upgrade", "8", rfcKey, "https://evil.example", "superchat, chat"}},
		{"template-bad-key", []any{[]byte{}, "example.com", "WebSocket", "upgrade", "13", "dGhlIHNhbXBsZQ==", "null", ""}},
		{"template-cross-origin", []any{[]byte{}, "example.com", "websocket", "Upgrade", "13", rfcKey, "http://[::1", "chat"}},
		// The limits and shapes of hostile requests (handshake_limits_test.go).
		{"fields-at-limit", template(request("ws://example.com/", "", nil, hsFields(maxHeaderFields-5)))},
		{"too-many-fields", template(request("ws://example.com/", "", nil, hsFields(maxHeaderFields-4)))},
		{"one-name-many-lines", template(request("ws://example.com/", "", nil, http.Header{"X-Same": slices.Repeat([]string{"v"}, maxHeaderFields)}))},
		{"content-length", template(append(request("ws://example.com/", "", nil, http.Header{"Content-Length": {"10"}}), hsClientFrame(opText, []byte("hi"), 1)...))},
		{"content-length-zero", template(request("ws://example.com/", "", nil, http.Header{"Content-Length": {"0"}}))},
		{"chunked", template(append(request("ws://example.com/", "", nil, http.Header{"Transfer-Encoding": {"chunked"}}), "8\r\n\x81\x82\x00\x00\x00\x01hi\r\n0\r\n\r\n"...))},
		{"chunked-and-length", template(append(request("ws://example.com/", "", nil, http.Header{"Transfer-Encoding": {"chunked"}, "Content-Length": {"3"}}), "0\r\n\r\n"...))},
		{"subprotocols-at-limit", template(request("ws://example.com/", "", slices.Repeat([]string{"chat"}, maxSubprotocols), nil))},
		{"too-many-subprotocols", template(request("ws://example.com/", "", slices.Repeat([]string{"chat"}, maxSubprotocols+1), nil))},
		{"extensions-too-many-offers", template(hsWithLine(request("ws://example.com/", "", nil, nil), "Sec-WebSocket-Extensions: "+hsOffers(dfChromium, maxExtensionElements+1)))},
		{"extensions-too-many-params", template(hsWithLine(request("ws://example.com/", "", nil, nil), "Sec-WebSocket-Extensions: "+hsParams("x-foo", maxExtensionParams+1)+", "+dfChromium))},
		{"extensions-quoted", template(hsWithLine(request("ws://example.com/", "", nil, nil), `Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits="1\0"; client_max_window_bits="\9"`))},
		{"template-many-subprotocols", []any{[]byte{}, "example.com", "websocket", "Upgrade", "13", rfcKey, "", hsList("p", maxSubprotocols) + ", chat"}},
		{"template-spaces", []any{[]byte{}, "example.com", "websocket", "Upgrade", "13", rfcKey, "", "a" + strings.Repeat(" ", 4096) + "b,  " + strings.Repeat(" ", 4096) + "chat"}},
	}
	return seeds
}

func FuzzHandshakeResponse(f *testing.F) {
	for _, s := range handshakeResponseSeeds(f) {
		f.Add(s.args[0].([]byte))
	}
	offered := []string{"chat", "superchat"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: http.MethodGet})
		if err != nil {
			return
		}
		// Having offered compression, the client may accept the response with it.
		if sub, p, herr := checkResponse(resp, rfcKey, offered, &DeflateOptions{}); herr == nil && p != nil {
			dfCheckRange(t, *p)
			if len(resp.Header["Sec-Websocket-Extensions"]) == 0 || sub != "" && !slices.Contains(offered, sub) {
				t.Fatalf("accepted compression %+v without an extension, or subprotocol %q", *p, sub)
			}
		}
		sub, _, herr := checkResponse(resp, rfcKey, offered, nil)
		if herr != nil {
			if herr.Status != resp.StatusCode || sub != "" || herr.Reason == "" || len(herr.Error()) > hsMaxErrorLen {
				t.Fatalf("rejection %+v (subprotocol %q) of a %d response", herr, sub, resp.StatusCode)
			}
			return
		}
		if n := hsFieldCount(resp.Header); n > maxHeaderFields {
			t.Fatalf("accepted %d header fields", n)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("accepted status %d", resp.StatusCode)
		}
		if a := resp.Header["Sec-Websocket-Accept"]; len(a) != 1 || strings.TrimSpace(a[0]) != rfcAccept {
			t.Fatalf("accepted Sec-WebSocket-Accept %q", a)
		}
		if len(hsTokens(resp.Header, "Sec-WebSocket-Extensions")) != 0 {
			t.Fatalf("accepted extensions %q", resp.Header["Sec-Websocket-Extensions"])
		}
		if sub != "" && !slices.Contains(offered, sub) {
			t.Fatalf("accepted subprotocol %q", sub)
		}
	})
}

func handshakeResponseSeeds(t testing.TB) []fuzzSeed {
	response := func(sub string, extra http.Header) []byte {
		b, err := appendResponse(nil, rfcKey, sub, "", extra)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	withFrame := append(response("", nil), appendHeader(nil, header{fin: true, op: opText, length: 2})...)
	withFrame = append(withFrame, "hi"...)
	return []fuzzSeed{
		{"plain", []any{response("", nil)}},
		{"subprotocol", []any{response("superchat", nil)}},
		{"cookie", []any{response("chat", http.Header{"Set-Cookie": {"session=1"}})}},
		{"with-frame", []any{withFrame}},
		{"wrong-key", []any{func() []byte {
			b, _ := appendResponse(nil, "AAAAAAAAAAAAAAAAAAAAAA==", "", "", nil)
			return b
		}()}},
		{"rejection-400", []any{appendRejection(nil, &HandshakeError{Status: 400, Reason: "bad request"})}},
		{"rejection-426", []any{appendRejection(nil, &HandshakeError{Status: 426, Reason: "version"})}},
		{"rejection-405", []any{appendRejection(nil, &HandshakeError{Status: 405, Reason: "method"})}},
		// The limits and shapes of hostile responses (handshake_limits_test.go).
		{"fields-at-limit", []any{response("", hsFields(maxHeaderFields-3))}},
		{"too-many-fields", []any{response("", hsFields(maxHeaderFields-2))}},
		{"deflate", []any{hsWithLine(response("", nil), "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10")}},
		{"deflate-quoted", []any{hsWithLine(response("", nil), `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits="1\2"`)}},
		{"deflate-too-many-params", []any{hsWithLine(response("", nil), "Sec-WebSocket-Extensions: "+hsParams(deflateName, maxExtensionParams+1))}},
		{"deflate-twice", []any{hsWithLine(hsWithLine(response("", nil), "Sec-WebSocket-Extensions: "+deflateName), "Sec-WebSocket-Extensions: "+deflateName)}},
		{"long-subprotocol", []any{response(strings.Repeat("p", 4096), nil)}},
		{"rejection-chunked", []any{[]byte("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope\n\r\n0\r\n\r\n")}},
		{"rejection-huge-length", []any{[]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 99999999999999999999\r\n\r\n")}},
	}
}

// hsWithLine returns the request or response b, which ends with its header, with line
// added at the end of the header.
func hsWithLine(b []byte, line string) []byte {
	head := bytes.TrimSuffix(b, []byte("\r\n"))
	return append(append(slices.Clip(head), line...), "\r\n\r\n"...)
}

// hsFields returns n header fields of distinct names.
func hsFields(n int) http.Header {
	h := http.Header{}
	hsAddFields(h, n)
	return h
}
