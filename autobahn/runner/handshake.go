package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

const handshakeTimeout = 10 * time.Second

// acceptKey computes Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// headerHasToken reports whether a comma-separated header contains token,
// ignoring case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// handshakeInfo keeps the opening handshake for the case report.
type handshakeInfo struct {
	request  string
	response string
}

// clientHandshake performs the opening handshake as a client over conn and
// returns a reader positioned after the response (it may already hold frames
// the server sent right behind its 101).
func clientHandshake(conn net.Conn, u *url.URL, extOffer string) (*bufio.Reader, string, handshakeInfo, error) {
	var info handshakeInfo
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	path := u.RequestURI()
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, u.Host)
	b.WriteString("User-Agent: hayate-autobahn-runner\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	if extOffer != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", extOffer)
	}
	b.WriteString("\r\n")
	info.request = b.String()
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	defer func() { _ = conn.SetDeadline(time.Time{}) }()
	if _, err := conn.Write([]byte(info.request)); err != nil {
		return nil, "", info, fmt.Errorf("send handshake: %w", err)
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return nil, "", info, fmt.Errorf("read handshake response: %w", err)
	}
	dump, _ := httputil.DumpResponse(resp, false)
	info.response = string(dump)
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return nil, "", info, fmt.Errorf("handshake: status %s, want 101", resp.Status)
	case !headerHasToken(resp.Header, "Upgrade", "websocket"):
		return nil, "", info, errors.New("handshake: no Upgrade: websocket")
	case !headerHasToken(resp.Header, "Connection", "upgrade"):
		return nil, "", info, errors.New("handshake: no Connection: upgrade")
	case resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key):
		return nil, "", info, errors.New("handshake: wrong Sec-WebSocket-Accept")
	}
	return br, strings.Join(resp.Header.Values("Sec-WebSocket-Extensions"), ", "), info, nil
}

// upgradeRequest is a parsed client handshake on the runner's server side.
type upgradeRequest struct {
	req *http.Request
	key string
	ext string // the client's Sec-WebSocket-Extensions, joined
	raw string
}

// readUpgrade reads one HTTP request from br. ok is false when it is not a
// valid WebSocket upgrade; the request is returned anyway so a plain HTTP
// answer can be given.
func readUpgrade(conn net.Conn, br *bufio.Reader) (*upgradeRequest, bool, error) {
	_ = conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, false, err
	}
	dump, _ := httputil.DumpRequest(req, false)
	u := &upgradeRequest{
		req: req,
		key: req.Header.Get("Sec-WebSocket-Key"),
		ext: strings.Join(req.Header.Values("Sec-WebSocket-Extensions"), ", "),
		raw: string(dump),
	}
	raw, err := base64.StdEncoding.DecodeString(u.key)
	ok := req.Method == http.MethodGet &&
		headerHasToken(req.Header, "Upgrade", "websocket") &&
		headerHasToken(req.Header, "Connection", "upgrade") &&
		req.Header.Get("Sec-WebSocket-Version") == "13" &&
		err == nil && len(raw) == 16
	return u, ok, nil
}

// writeUpgrade sends the 101 response for u, with the accepted extension
// (may be empty), and returns it for the report.
func writeUpgrade(conn net.Conn, u *upgradeRequest, ext string) (string, error) {
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nServer: hayate-autobahn-runner\r\n")
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Accept: %s\r\n", acceptKey(u.key))
	if ext != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", ext)
	}
	b.WriteString("\r\n")
	_ = conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	_, err := conn.Write([]byte(b.String()))
	_ = conn.SetWriteDeadline(time.Time{})
	return b.String(), err
}

// writeHTTPError answers a request that is not a WebSocket upgrade.
func writeHTTPError(conn net.Conn, status int, body string) {
	_ = conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}
