package websocket

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// This file holds the tests of what a hostile peer's handshake may cost: header size and
// field limits on every path, requests with a body, and the bounds on the
// Sec-WebSocket-Extensions and Sec-WebSocket-Protocol lists, with the memory reading
// them takes.

// hsMaxErrorLen bounds the messages of errors about a peer's text: they quote at most
// maxQuoted bytes of it, each at most 4 bytes once escaped, besides their own words.
const hsMaxErrorLen = 4*maxQuoted + 256

// hsUpgradeRequest returns a valid request for host with extra header lines.
func hsUpgradeRequest(host string, lines ...string) string {
	s := "GET /chat HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + rfcKey + "\r\n"
	for _, l := range lines {
		s += l + "\r\n"
	}
	return s + "\r\n"
}

// hsSmuggled are requests whose body, if the upgrade went ahead, would be read as a
// frame the client never sent as one.
func hsSmuggled() []struct{ name, req string } {
	frame := string(hsClientFrame(opText, []byte("smuggled"), 0x01020304))
	chunked := strconv.FormatInt(int64(len(frame)), 16) + "\r\n" + frame + "\r\n0\r\n\r\n"
	return []struct{ name, req string }{
		{"Content-Length", hsUpgradeRequest("example.com", "Content-Length: "+strconv.Itoa(len(frame))) + frame},
		{"chunked", hsUpgradeRequest("example.com", "Transfer-Encoding: chunked") + chunked},
		{"chunked, then Content-Length", hsUpgradeRequest("example.com", "Transfer-Encoding: chunked", "Content-Length: 0") + chunked},
	}
}

// TestHandshakeBodySmuggling checks that a request declaring a body is refused with 400
// on both server paths, that Accept closes the connection after the answer, so that the
// body is read neither as frames nor as a next request (RFC 9112 §6.1, §6.3).
func TestHandshakeBodySmuggling(t *testing.T) {
	for _, tc := range hsSmuggled() {
		t.Run("Accept/"+tc.name, func(t *testing.T) {
			srv, errs := hsAcceptServer(t, nil, nil)
			nc := hsDialRaw(t, srv.Listener.Addr().String())
			if _, err := nc.Write([]byte(tc.req)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !resp.Close {
				t.Errorf("status %d, close %v (body %q); want 400 and Connection: close", resp.StatusCode, resp.Close, body)
			}
			herr := hsHandshakeError(t, hsWait(t, errs, "Accept"), http.StatusBadRequest)
			if !strings.Contains(herr.Reason, "may not have a body") || strings.TrimSpace(string(body)) != herr.Reason {
				t.Errorf("reason %q, body %q", herr.Reason, body)
			}
			// Nothing follows: the server closed the connection (the read would time out
			// if it were kept for a next request).
			if rest, err := io.ReadAll(br); len(rest) != 0 || err != nil {
				t.Errorf("after the response: %q, %v; want the connection closed", rest, err)
			}
		})
		for _, tr := range hsTransports {
			t.Run("Server/"+tr.name+"/"+tc.name, func(t *testing.T) {
				herr := hsCheckServerRejection(t, tr.pair, nil, []byte(tc.req), http.StatusBadRequest, true)
				if !strings.Contains(herr.Reason, "may not have a body") {
					t.Errorf("reason %q", herr.Reason)
				}
			})
		}
	}
}

// TestHandshakeBodyUnsupportedEncoding checks that a transfer coding net/http does not
// know is never upgraded: net/http refuses it before Accept runs, Server as malformed.
func TestHandshakeBodyUnsupportedEncoding(t *testing.T) {
	req := hsUpgradeRequest("example.com", "Transfer-Encoding: gzip, chunked") + "0\r\n\r\n"
	t.Run("Accept", func(t *testing.T) {
		srv, _ := hsAcceptServer(t, nil, nil)
		nc := hsDialRaw(t, srv.Listener.Addr().String())
		if _, err := nc.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: http.MethodGet})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode < 400 {
			t.Errorf("status %d, want a refusal", resp.StatusCode)
		}
	})
	for _, tr := range hsTransports {
		t.Run("Server/"+tr.name, func(t *testing.T) {
			hsCheckServerRejection(t, tr.pair, nil, []byte(req), http.StatusBadRequest, false)
		})
	}
}

// TestHandshakeZeroContentLength checks that "Content-Length: 0" is no body: the
// upgrade goes ahead and the frame sent right after the header is a message.
func TestHandshakeZeroContentLength(t *testing.T) {
	frame := hsClientFrame(opText, []byte("first"), 0x0a0b0c0d)
	t.Run("Accept", func(t *testing.T) {
		srv, errs := hsAcceptServer(t, nil, nil)
		nc := hsDialRaw(t, srv.Listener.Addr().String())
		req := hsUpgradeRequest(srv.Listener.Addr().String(), "Content-Length: 0")
		if _, err := nc.Write(append([]byte(req), frame...)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(nc)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("response %v, %v; want 101", resp, err)
		}
		if err := hsWait(t, errs, "Accept"); err != nil {
			t.Fatal(err)
		}
		if h, p := hsReadFrame(t, br); h.op != opText || string(p) != "first" {
			t.Errorf("echo %+v %q", h, p)
		}
	})
	for _, tr := range hsTransports {
		t.Run("Server/"+tr.name, func(t *testing.T) {
			client, server := tr.pair(t)
			res := hsRunServer(t, hsContext(t), server, nil)
			hsWriteAsync(client, append([]byte(hsUpgradeRequest("example.com", "Content-Length: 0")), frame...))
			if resp := hsReadResponse(t, client, bufio.NewReader(client)); resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			r := hsWait(t, res, "Server")
			if r.err != nil {
				t.Fatal(r.err)
			}
			if _, p, err := r.c.Read(hsContext(t)); err != nil || string(p) != "first" {
				t.Errorf("Read = %q, %v", p, err)
			}
		})
	}
}

// TestHandshakeCheckHeaderSize checks what checkHeaderSize counts: exactly the bytes of
// the request written out by net/http.
func TestHandshakeCheckHeaderSize(t *testing.T) {
	r := hsValidRequest()
	r.Header.Set("Cookie", strings.Repeat("c", 1000))
	r.Header["X-Two"] = []string{"1", "22"}
	wire := hsWireRequest(r)
	parsed := hsParseRequest(t, wire)
	tests := []struct {
		limit int
		ok    bool
	}{
		{len(wire), true},
		{len(wire) + 1, true},
		{len(wire) - 1, false},
		{0, false},
		{100, false},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.limit), func(t *testing.T) {
			herr := checkHeaderSize(parsed, tc.limit)
			switch {
			case tc.ok && herr != nil:
				t.Errorf("refused a %d-byte request: %v", len(wire), herr)
			case !tc.ok && (herr == nil || herr.Status != http.StatusRequestHeaderFieldsTooLarge):
				t.Errorf("a %d-byte request under limit %d: %v, want 431", len(wire), tc.limit, herr)
			}
		})
	}
	// A request built by hand, repeating a 1 MiB value 4096 times: 4 GiB, counted
	// exactly, with no sum formed that could wrap.
	base := hsValidRequest()
	baseSize := 0
	for checkHeaderSize(base, baseSize) != nil {
		baseSize++
	}
	huge := hsValidRequest()
	long := strings.Repeat("v", 1<<20)
	for range 4096 {
		huge.Header.Add("X-Long", long)
	}
	if herr := checkHeaderSize(huge, 32<<10); herr == nil {
		t.Error("a 4 GiB header is under 32 KiB")
	}
	if strconv.IntSize == 64 {
		total := baseSize + 4096*(len("X-Long: \r\n")+len(long))
		if checkHeaderSize(huge, total) != nil || checkHeaderSize(huge, total-1) == nil {
			t.Errorf("the 4 GiB header is not counted as %d bytes", total)
		}
	}
}

// TestAcceptMaxHeaderBytes checks that Accept applies MaxHeaderBytes (default 32 KiB) to
// the request net/http has read, whose own limit is 1 MiB.
func TestAcceptMaxHeaderBytes(t *testing.T) {
	tests := []struct {
		name   string
		opts   *AcceptOptions
		cookie int
		status int
	}{
		{"16 KiB, default limit", nil, 16 << 10, http.StatusSwitchingProtocols},
		{"40 KiB, default limit", nil, 40 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"512 KiB, default limit", nil, 512 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"40 KiB, 64 KiB limit", &AcceptOptions{MaxHeaderBytes: 64 << 10}, 40 << 10, http.StatusSwitchingProtocols},
		{"2 KiB, 1 KiB limit", &AcceptOptions{MaxHeaderBytes: 1 << 10}, 2 << 10, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, errs := hsAcceptServer(t, tc.opts, nil)
			c, resp, err := Dial(hsContext(t), hsWSURL(srv), &DialOptions{HTTPHeader: http.Header{"Cookie": {strings.Repeat("c", tc.cookie)}}})
			if tc.status == http.StatusSwitchingProtocols {
				if err != nil {
					t.Fatal(err)
				}
				c.CloseNow()
				if err := hsWait(t, errs, "Accept"); err != nil {
					t.Fatal(err)
				}
				return
			}
			hsHandshakeError(t, err, tc.status)
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("response %v, want %d", resp, tc.status)
			}
			herr := hsHandshakeError(t, hsWait(t, errs, "Accept"), tc.status)
			if herr.Reason != "request header too large" {
				t.Errorf("reason %q", herr.Reason)
			}
		})
	}
}

// TestDialResponseHeaderFields checks the client's cap on the fields of the response.
func TestDialResponseHeaderFields(t *testing.T) {
	fields := func(n int) []string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprintf("X-Field-%d: v", i)
		}
		return lines
	}
	tests := []struct {
		name  string
		lines []string // besides Upgrade, Connection and Sec-WebSocket-Accept
		ok    bool
	}{
		{"128 fields", fields(maxHeaderFields - 3), true},
		{"129 fields", fields(maxHeaderFields - 2), false},
		{"1000 short fields", fields(1000), false},
		{"129 lines of one name", func() []string {
			l := fields(maxHeaderFields - 2)
			for i := range l {
				l[i] = "X-Same: v"
			}
			return l
		}(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := hsRawServer(t, func(nc net.Conn, r *http.Request) { nc.Write(hsRespond101(r, tc.lines...)) })
			c, _, err := Dial(hsContext(t), "ws://"+addr+"/", nil)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				c.CloseNow()
				return
			}
			herr := hsHandshakeError(t, err, http.StatusSwitchingProtocols)
			if want := "response has more than 128 header fields"; herr.Reason != want {
				t.Errorf("reason %q, want %q", herr.Reason, want)
			}
		})
	}
}

// hsOffers returns n offers joined into one header value.
func hsOffers(offer string, n int) string {
	return strings.TrimSuffix(strings.Repeat(offer+", ", n), ", ")
}

// hsParams returns an extension named name with n distinct parameters.
func hsParams(name string, n int) string {
	var b strings.Builder
	b.WriteString(name)
	for i := range n {
		fmt.Fprintf(&b, "; p%d", i)
	}
	return b.String()
}

func TestDeflateNegotiateLimits(t *testing.T) {
	def := &DeflateOptions{}
	tests := []struct {
		name   string
		values []string
		ok     bool
		limit  *extLimitError
	}{
		{"32 offers", []string{hsOffers("x-foo", 31) + ", " + dfChromium}, true, nil},
		{"33 offers", []string{dfChromium + ", " + hsOffers("x-foo", 32)}, false, errTooManyExtensions},
		{"33 offers on 33 lines", strings.Split(hsOffers("x-foo", 33), ", "), false, errTooManyExtensions},
		{"empty elements are not offers", []string{strings.Repeat(",", 10000) + dfChromium}, true, nil},
		{"1000 offers", []string{hsOffers(dfChromium, 1000)}, false, errTooManyExtensions},
		{"16 parameters", []string{hsParams("x-foo", 16) + ", " + dfChromium}, true, nil},
		{"17 parameters, other extension", []string{dfChromium + ", " + hsParams("x-foo", 17)}, false, errTooManyExtParams},
		{"17 parameters, ours", []string{hsParams(deflateName, 17)}, false, errTooManyExtParams},
		// A syntax error before a bound is reached declines, as any syntax error does.
		{"malformed, then 33 offers", []string{"x;, " + hsOffers("x-foo", 33)}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, ok, limit := negotiateDeflate(tc.values, def)
			if ok != tc.ok || limit != tc.limit {
				t.Fatalf("negotiateDeflate = %v, %v; want %v, %v", ok, limit, tc.ok, tc.limit)
			}
		})
	}
}

func TestDeflateAcceptLimits(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		err    string
	}{
		{"17 parameters", []string{hsParams(deflateName, 17)}, errTooManyExtParams.Error()},
		{"malformed before the bound", []string{deflateName + "; a=\""}, "malformed Sec-WebSocket-Extensions"},
		{"33 extensions", []string{hsOffers(deflateName, 33)}, "more than once"},
		{"long unknown parameter", []string{deflateName + "; " + strings.Repeat("p", 1<<20)}, `unknown parameter "ppp`},
		{"long window value", []string{deflateName + "; server_max_window_bits=" + strings.Repeat("9", 1<<20)}, "is not a window size"},
		{"long extension name", []string{strings.Repeat("x", 1<<20)}, "that was not offered"},
		{"long malformed value", []string{strings.Repeat("x", 1<<20) + ";"}, "expected a parameter name at byte 1048577"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, err := acceptDeflate(tc.values, &DeflateOptions{})
			if ok || err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("acceptDeflate = %v, %v; want an error about %q", ok, err, tc.err)
			}
			if len(err.Error()) > hsMaxErrorLen {
				t.Errorf("error of %d bytes: the peer's header is not cut short", len(err.Error()))
			}
		})
	}
}

func TestHandshakeSelectSubprotocolLimit(t *testing.T) {
	tests := []struct {
		name    string
		offered []string
		want    string
		status  int
	}{
		{"64 offered", []string{hsList("p", 63) + ", chat"}, "chat", 0},
		{"64 over lines", append(strings.Split(hsList("p", 63), ", "), "chat"), "chat", 0},
		{"65 offered", []string{hsList("p", 64) + ", chat"}, "", http.StatusBadRequest},
		{"65, a match first", []string{"chat, " + hsList("p", 64)}, "", http.StatusBadRequest},
		{"empty elements are not offers", []string{strings.Repeat(" ,", 10000) + "chat"}, "chat", 0},
		// CVE-2021-32640's shape: long runs of spaces inside and around an element.
		{"spaces", []string{"a" + strings.Repeat(" ", 1<<20) + "b, " + strings.Repeat(" ", 1<<20) + "chat"}, "chat", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, herr := selectSubprotocol(http.Header{"Sec-Websocket-Protocol": tc.offered}, []string{"chat"})
			switch {
			case tc.status == 0 && (herr != nil || got != tc.want):
				t.Errorf("selectSubprotocol = %q, %v; want %q", got, herr, tc.want)
			case tc.status != 0 && (herr == nil || herr.Status != tc.status || got != ""):
				t.Errorf("selectSubprotocol = %q, %v; want %d", got, herr, tc.status)
			}
		})
	}
}

// TestAcceptListLimits checks the bounds on the lists end to end, through Accept and
// Server.
func TestAcceptListLimits(t *testing.T) {
	opts := &AcceptOptions{Subprotocols: []string{"chat"}, Deflate: &DeflateOptions{}}
	tests := []struct {
		name   string
		lines  []string
		status int
		reason string
	}{
		{"64 subprotocols", []string{"Sec-WebSocket-Protocol: " + hsList("p", 63) + ", chat"}, http.StatusSwitchingProtocols, ""},
		{"65 subprotocols", []string{"Sec-WebSocket-Protocol: " + hsList("p", 65)}, http.StatusBadRequest, "Sec-WebSocket-Protocol offers more than 64 subprotocols"},
		{"32 extensions", []string{"Sec-WebSocket-Extensions: " + hsOffers("x-foo", 31) + ", " + dfChromium}, http.StatusSwitchingProtocols, ""},
		{"33 extensions", []string{"Sec-WebSocket-Extensions: " + hsOffers(dfChromium, 33)}, http.StatusBadRequest, errTooManyExtensions.reason},
		{"17 parameters", []string{"Sec-WebSocket-Extensions: " + hsParams("x-foo", 17)}, http.StatusBadRequest, errTooManyExtParams.reason},
	}
	for _, tc := range tests {
		check := func(t *testing.T, status int, body string) {
			t.Helper()
			if status != tc.status || (tc.reason != "" && strings.TrimSpace(body) != tc.reason) {
				t.Errorf("status %d, body %q; want %d, %q", status, body, tc.status, tc.reason)
			}
		}
		t.Run("Accept/"+tc.name, func(t *testing.T) {
			srv, errs := hsAcceptServer(t, opts, nil)
			nc := hsDialRaw(t, srv.Listener.Addr().String())
			if _, err := nc.Write([]byte(hsUpgradeRequest(srv.Listener.Addr().String(), tc.lines...))); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: http.MethodGet})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			check(t, resp.StatusCode, string(body))
			err = hsWait(t, errs, "Accept")
			if tc.status != http.StatusSwitchingProtocols {
				hsHandshakeError(t, err, tc.status)
			}
		})
		for _, tr := range hsTransports {
			t.Run("Server/"+tr.name+"/"+tc.name, func(t *testing.T) {
				req := []byte(hsUpgradeRequest("example.com", tc.lines...))
				if tc.status != http.StatusSwitchingProtocols {
					hsCheckServerRejection(t, tr.pair, opts, req, tc.status, true)
					return
				}
				client, server := tr.pair(t)
				res := hsRunServer(t, hsContext(t), server, opts)
				hsWriteAsync(client, req)
				resp := hsReadResponse(t, client, bufio.NewReader(client))
				check(t, resp.StatusCode, "")
				if r := hsWait(t, res, "Server"); r.err != nil {
					t.Error(r.err)
				}
			})
		}
	}
}

// TestAcceptHugeExtensionsHeader sends a 900 KiB Sec-WebSocket-Extensions list, which
// http.Server's default 1 MiB limit lets through, to an Accept that allows it too.
func TestAcceptHugeExtensionsHeader(t *testing.T) {
	opts := &AcceptOptions{Deflate: &DeflateOptions{}, MaxHeaderBytes: 2 << 20}
	srv, errs := hsAcceptServer(t, opts, nil)
	nc := hsDialRaw(t, srv.Listener.Addr().String())
	list := hsHostile("x; a, ", 900<<10)
	if _, err := nc.Write([]byte(hsUpgradeRequest(srv.Listener.Addr().String(), "Sec-WebSocket-Extensions: "+list))); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	hsHandshakeError(t, hsWait(t, errs, "Accept"), http.StatusBadRequest)
}

// TestServerSlowLongHeader sends a long request one byte per write, the shape of
// CVE-2023-43669 (a header parsed again from its start at each read): the request is
// read once, as it arrives.
func TestServerSlowLongHeader(t *testing.T) {
	client, server := hsPipePair(t)
	res := hsRunServer(t, hsContext(t), server, nil)
	req := []byte(hsUpgradeRequest("example.com", "Cookie: "+strings.Repeat("c", 16<<10),
		"Sec-WebSocket-Protocol: "+hsList("p", 60)))
	written := make(chan error, 1)
	go func() {
		for i := range req {
			if _, err := client.Write(req[i : i+1]); err != nil {
				written <- err
				return
			}
		}
		written <- nil
	}()
	if err := hsWait(t, written, "the request written"); err != nil {
		t.Fatal(err)
	}
	if resp := hsReadResponse(t, client, bufio.NewReader(client)); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if r := hsWait(t, res, "Server"); r.err != nil {
		t.Fatal(r.err)
	}
}

// hsHostile returns unit repeated to about n bytes.
func hsHostile(unit string, n int) string { return strings.Repeat(unit, n/len(unit)) }

// hsHostileHeaders are header values of about n bytes, each a shape that costs a naive
// parser memory or time in proportion to its length.
func hsHostileHeaders(n int) []struct{ name, value string } {
	return []struct{ name, value string }{
		{"many offers", hsHostile("permessage-deflate; x, ", n)},
		{"many parameters", deflateName + hsHostile("; a", n)},
		{"many quoted values", hsHostile(`x; a="`+strings.Repeat("b", 80)+`", `, n)},
		{"long quoted value", deflateName + `; server_max_window_bits="` + hsHostile(`\1`, n) + `"`},
		{"long window value", deflateName + "; client_max_window_bits=" + hsHostile("9", n) + ", x;"},
		{"long name", hsHostile("x", n)},
		{"empty elements", hsHostile(" ,", n) + dfChromium},
		{"malformed at the end", hsHostile("x-foo; a=1, ", n/32) + "x;"},
		{"whitespace", "a" + hsHostile(" ", n) + "b"},
		{"many subprotocols", hsHostile("a,", n)},
	}
}

// hsMeasure returns the allocations and bytes allocated per call of f.
func hsMeasure(f func()) (allocs, bytes uint64) {
	const runs = 4
	f() // warm up
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.Mallocs - before.Mallocs) / runs, (after.TotalAlloc - before.TotalAlloc) / runs
}

// TestHandshakeHostileHeaderMemory checks that reading a hostile Sec-WebSocket-Extensions
// or Sec-WebSocket-Protocol header costs a few allocations of a few hundred bytes, at
// 64 KiB as at 1 MiB, on every path that reads one: the server's allocate nothing but a
// response or an error, the client's an error message quoting a short excerpt of the
// header. (The counts differ by one or two between sizes and shapes, with the digits of
// an offset or the excerpt quoted; the bound is the same.)
//
//	go test -run '^TestHandshakeHostileHeaderMemory$' -v .
//
// prints the figures.
func TestHandshakeHostileHeaderMemory(t *testing.T) {
	const maxAllocs, maxBytes = 10, 4096 // per call, whatever the header's size
	resp := hsParseResponse(t, []byte(hsResponse("101 Switching Protocols")))
	for _, n := range []int{64 << 10, 1 << 20} {
		for _, h := range hsHostileHeaders(n) {
			values := []string{h.value}
			header := http.Header{"Sec-Websocket-Protocol": values}
			resp.Header["Sec-Websocket-Protocol"] = values
			resp.Header["Sec-Websocket-Extensions"] = values
			paths := []struct {
				name string
				f    func()
			}{
				{"negotiateDeflate", func() { negotiateDeflate(values, &DeflateOptions{}) }},
				{"acceptDeflate", func() { _, _, _ = acceptDeflate(values, &DeflateOptions{}) }},
				{"selectSubprotocol", func() { _, _ = selectSubprotocol(header, []string{"chat", "b"}) }},
				{"checkResponse", func() { _, _, _ = checkResponse(resp, rfcKey, []string{"chat"}, &DeflateOptions{}) }},
			}
			for _, p := range paths {
				allocs, bytes := hsMeasure(p.f)
				t.Logf("%4d KiB %-22s %-18s %2d allocs %5d B", n>>10, h.name, p.name, allocs, bytes)
				if allocs > maxAllocs || bytes > maxBytes {
					t.Errorf("%s on %d bytes of %s: %d allocations, %d bytes; want at most %d, %d",
						p.name, len(h.value), h.name, allocs, bytes, maxAllocs, maxBytes)
				}
			}
		}
	}
}

// BenchmarkHostileHeader reports the time to read each hostile header at two sizes; the
// ns/op of the larger is about 16 times that of the smaller, the work being linear.
//
//	go test -run '^$' -bench HostileHeader -benchmem .
func BenchmarkHostileHeader(b *testing.B) {
	for _, n := range []int{64 << 10, 1 << 20} {
		for _, h := range hsHostileHeaders(n) {
			values := []string{h.value}
			header := http.Header{"Sec-Websocket-Protocol": values}
			b.Run(fmt.Sprintf("%s/%dKiB", strings.ReplaceAll(h.name, " ", "-"), n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(h.value)))
				for b.Loop() {
					negotiateDeflate(values, &DeflateOptions{})
					_, _ = selectSubprotocol(header, []string{"chat"})
				}
			})
		}
	}
}

// TestHandshakeErrorsQuoteLittle checks that the messages quoting a peer's text quote a
// short excerpt of it.
func TestHandshakeErrorsQuoteLittle(t *testing.T) {
	long := strings.Repeat("z", 1<<20)
	r := hsValidRequest()
	r.Header.Set("Origin", "https://"+long+".example")
	herrs := []*HandshakeError{checkOrigin(r, nil)}
	resp := hsParseResponse(t, []byte(hsResponse("101 Switching Protocols", "Sec-WebSocket-Protocol: "+long)))
	_, herr := checkResponseHeaders(resp, rfcKey, []string{"chat"})
	herrs = append(herrs, herr)
	resp = hsParseResponse(t, []byte("HTTP/1.1 400 "+long+"\r\nContent-Length: 0\r\n\r\n"))
	_, herr = checkResponseHeaders(resp, rfcKey, nil)
	herrs = append(herrs, herr)
	for i, herr := range herrs {
		switch {
		case herr == nil:
			t.Errorf("%d: accepted", i)
		case len(herr.Error()) > 200:
			t.Errorf("%d: error of %d bytes", i, len(herr.Error()))
		}
	}
	if b := appendRejection(nil, herrs[0]); len(b) > 400 || !bytes.Contains(b, []byte("zzz")) {
		t.Errorf("rejection of %d bytes", len(b))
	}
}
