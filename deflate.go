package websocket

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds the negotiation of permessage-deflate (RFC 7692 §5–§7) for both roles,
// as pure functions: the Sec-WebSocket-Extensions syntax, the client's offer, the
// server's response and the client's check of it. It does no I/O.
//
// Names are compared byte for byte: RFC 6455 §9.1 and RFC 7692 §7.1 define them as
// tokens and neither makes them case-insensitive. A server that took
// "Permessage-Deflate" for ours and answered "permessage-deflate" would name an
// extension the client never offered.

// DeflateOptions turns on permessage-deflate (RFC 7692): each data message is compressed
// as a whole with DEFLATE, once both peers have agreed to it in the opening handshake.
// A nil *DeflateOptions means compression off: a client offers nothing and a server
// declines every offer.
//
// In DialOptions the fields say what the client offers and asks of the server; in
// AcceptOptions they say what the server accepts and asks of the client. A server
// honours every limit a valid offer asks of it, so for each parameter the tighter of the
// two sides' settings is in force.
//
// With context takeover (the default), a peer keeps its compression history from one
// message to the next: a stream of similar messages compresses far better, but the
// compressor and the peer's decompressor each hold a window of up to 2^bits bytes for
// as long as the connection lives. Without it, that state is needed only while a
// message is in flight.
type DeflateOptions struct {
	// Level is the compression level of the messages this side sends, from 1 (fastest)
	// to 9 (smallest output). 0 means the default level.
	Level int

	// Threshold is the size in bytes under which a message this side sends goes
	// uncompressed: compressing a few bytes costs more than it saves. 0 means 128; a
	// negative value compresses every message.
	Threshold int

	// ServerNoContextTakeover makes the server reset its compressor after every message
	// (RFC 7692 §7.1.1.1). A client sets it to require that of the server; a server
	// that does not agree must decline compression, and one that accepts without
	// agreeing fails the handshake. A server sets it to do so whether or not the client
	// asked. false, the zero value, lets the server keep its context unless the client
	// asks otherwise.
	ServerNoContextTakeover bool

	// ClientNoContextTakeover makes the client reset its compressor after every message
	// (RFC 7692 §7.1.1.2). A client sets it to promise that in its offer; a server sets
	// it to require that of every client it accepts. false, the zero value, lets the
	// client keep its context unless the server asks otherwise.
	ClientNoContextTakeover bool

	// ServerMaxWindowBits limits the server's LZ77 window to 2^ServerMaxWindowBits
	// bytes, from 8 (256 bytes) to 15 (32 KiB) (RFC 7692 §7.1.2.1); 0 means 15, no
	// limit. A client sets it to ask the server for a smaller window and fails the
	// handshake if the server accepts without honouring it. A server sets it to use at
	// most that window whatever the client asked for.
	ServerMaxWindowBits int

	// ClientMaxWindowBits limits the client's LZ77 window to 2^ClientMaxWindowBits
	// bytes, from 8 (256 bytes) to 15 (32 KiB) (RFC 7692 §7.1.2.2); 0 means 15, no
	// limit. A client sets it to promise that window; it always offers the parameter, so
	// that a server may ask for less. A server sets it to ask clients for at most that
	// window, which it can ask only of clients that offer the parameter (Firefox does
	// not); it accepts the others with a 15-bit window. Peers built on zlib cannot
	// compress with an 8-bit window and some of them decline or fail on 8; use 9 or more
	// to ask a browser for a small window.
	ClientMaxWindowBits int
}

// check reports whether o holds values the package can use; a nil o is valid.
func (o *DeflateOptions) check() error {
	if o == nil {
		return nil
	}
	if o.Level < 0 || o.Level > 9 {
		return fmt.Errorf("websocket: DeflateOptions.Level %d is not from 0 to 9", o.Level)
	}
	if b := o.ServerMaxWindowBits; b != 0 && (b < minWindowBits || b > maxWindowBits) {
		return fmt.Errorf("websocket: DeflateOptions.ServerMaxWindowBits %d is not 0 or from 8 to 15", b)
	}
	if b := o.ClientMaxWindowBits; b != 0 && (b < minWindowBits || b > maxWindowBits) {
		return fmt.Errorf("websocket: DeflateOptions.ClientMaxWindowBits %d is not 0 or from 8 to 15", b)
	}
	return nil
}

// deflateParams are the parameters in force after negotiation (RFC 7692 §7.1).
type deflateParams struct {
	serverNoContextTakeover bool
	clientNoContextTakeover bool
	serverMaxWindowBits     int // 8..15: the most the server's compressor may use (15 when absent)
	clientMaxWindowBits     int // 8..15: the most the client's compressor may use (15 when absent, or the client's own offered value when the response omitted it)
}

// The LZ77 window sizes RFC 7692 §7.1.2 allows, as base-2 logarithms. The largest is
// also the window a peer may use when no parameter limits it.
const (
	minWindowBits = 8
	maxWindowBits = 15
)

// windowBits returns bits, or maxWindowBits for 0 (no limit).
func windowBits(bits int) int {
	if bits == 0 {
		return maxWindowBits
	}
	return bits
}

// deflateName is the registered name of the extension (RFC 7692 §7).
const deflateName = "permessage-deflate"

// deflateExt holds the parameters of one permessage-deflate offer or response as they
// are written (RFC 7692 §7.1). A window size of 0 is a parameter left out or, for
// clientMaxWindowBits in an offer, written without a value.
type deflateExt struct {
	serverNoContextTakeover bool
	clientNoContextTakeover bool
	serverMaxWindowBits     int
	hasClientMaxWindowBits  bool
	clientMaxWindowBits     int
}

// offered returns the client's offer for o: every parameter o sets, and
// client_max_window_bits always, so that the server may limit the client's window.
func (o *DeflateOptions) offered() deflateExt {
	d := deflateExt{
		serverNoContextTakeover: o.ServerNoContextTakeover,
		clientNoContextTakeover: o.ClientNoContextTakeover,
		hasClientMaxWindowBits:  true,
	}
	if o.ServerMaxWindowBits < maxWindowBits {
		d.serverMaxWindowBits = o.ServerMaxWindowBits
	}
	if o.ClientMaxWindowBits < maxWindowBits {
		d.clientMaxWindowBits = o.ClientMaxWindowBits
	}
	return d
}

// offer returns the client's Sec-WebSocket-Extensions value for o, which has passed
// check.
func (o *DeflateOptions) offer() string { return o.offered().extension().String() }

// negotiateDeflate chooses the server's response to the offers in the client's
// Sec-WebSocket-Extensions values, with the server's options o (not nil). It accepts the
// first valid permessage-deflate offer, in the client's order of preference (RFC 6455
// §9.1), and ignores other extensions. It returns the response header value and the
// parameters in force, or ok false if no offer can be accepted.
//
// Values that do not parse decline compression rather than fail the handshake, although
// RFC 6455 §9.1 has the recipient of a malformed value fail the connection: the
// extension is optional, and a response without it binds the client to nothing.
func negotiateDeflate(values []string, o *DeflateOptions) (response string, p deflateParams, ok bool) {
	exts, err := parseExtensions(values)
	if err != nil {
		return "", deflateParams{}, false
	}
	for _, e := range exts {
		if e.name != deflateName {
			continue
		}
		if d, err := parseDeflateExt(e, false); err == nil {
			r, p := d.respond(o)
			return r.extension().String(), p, true
		}
	}
	return "", deflateParams{}, false
}

// respond returns the server's response to the valid offer d under the server's options
// o, and the parameters in force. It honours every parameter of the offer and adds the
// server's own limits (RFC 7692 §7.1). The response names every limit in force, so that
// it reads the same to any client: server_no_context_takeover and
// client_no_context_takeover when either side asked for them (a client that offered
// client_no_context_takeover has promised it, §7.1.1.2), server_max_window_bits when
// offered (§7.1.2.1 requires it then) or below 15, and client_max_window_bits when below
// 15, which needs the parameter in the offer (§7.1.2.2).
func (d deflateExt) respond(o *DeflateOptions) (deflateExt, deflateParams) {
	p := deflateParams{
		serverNoContextTakeover: d.serverNoContextTakeover || o.ServerNoContextTakeover,
		clientNoContextTakeover: d.clientNoContextTakeover || o.ClientNoContextTakeover,
		serverMaxWindowBits:     min(windowBits(d.serverMaxWindowBits), windowBits(o.ServerMaxWindowBits)),
		clientMaxWindowBits:     maxWindowBits,
	}
	if d.hasClientMaxWindowBits {
		p.clientMaxWindowBits = min(windowBits(d.clientMaxWindowBits), windowBits(o.ClientMaxWindowBits))
	}
	r := deflateExt{
		serverNoContextTakeover: p.serverNoContextTakeover,
		clientNoContextTakeover: p.clientNoContextTakeover,
	}
	if d.serverMaxWindowBits != 0 || p.serverMaxWindowBits < maxWindowBits {
		r.serverMaxWindowBits = p.serverMaxWindowBits
	}
	if p.clientMaxWindowBits < maxWindowBits {
		r.hasClientMaxWindowBits, r.clientMaxWindowBits = true, p.clientMaxWindowBits
	}
	return r, p
}

// acceptDeflate checks the server's Sec-WebSocket-Extensions values against the offer
// made with the client's options o (nil if the client offered nothing). It returns the
// parameters in force, ok false if the server declined compression, or an error if the
// response must fail the handshake (RFC 6455 §4.1, §9.1; RFC 7692 §7.1).
func acceptDeflate(values []string, o *DeflateOptions) (p deflateParams, ok bool, err error) {
	exts, err := parseExtensions(values)
	if err != nil {
		return deflateParams{}, false, err
	}
	if len(exts) == 0 {
		return deflateParams{}, false, nil
	}
	for _, e := range exts {
		if o == nil || e.name != deflateName {
			return deflateParams{}, false, fmt.Errorf("websocket: server chose extension %q that was not offered", e.name)
		}
	}
	if len(exts) > 1 {
		return deflateParams{}, false, errors.New("websocket: server chose permessage-deflate more than once")
	}
	r, err := parseDeflateExt(exts[0], true)
	if err == nil {
		p, err = o.offered().accept(r)
	}
	if err != nil {
		return deflateParams{}, false, fmt.Errorf("websocket: invalid permessage-deflate response: %w", err)
	}
	return p, true, nil
}

// accept checks the server's response r to the offer d and returns the parameters in
// force. A response must honour what the offer asked of the server (RFC 7692 §7.1.1.1,
// §7.1.2.1) and may limit the client's window only as far as the offer allowed
// (§7.1.2.2). A client that offered client_no_context_takeover keeps that promise even if
// r leaves it out, and one that offered a client window keeps to it.
func (d deflateExt) accept(r deflateExt) (deflateParams, error) {
	switch {
	case d.serverNoContextTakeover && !r.serverNoContextTakeover:
		return deflateParams{}, errors.New("server_no_context_takeover was offered but is missing")
	case d.serverMaxWindowBits != 0 && r.serverMaxWindowBits == 0:
		return deflateParams{}, fmt.Errorf("server_max_window_bits=%d was offered but is missing", d.serverMaxWindowBits)
	case d.serverMaxWindowBits != 0 && r.serverMaxWindowBits > d.serverMaxWindowBits:
		return deflateParams{}, fmt.Errorf("server_max_window_bits=%d is more than the %d offered", r.serverMaxWindowBits, d.serverMaxWindowBits)
	case r.hasClientMaxWindowBits && !d.hasClientMaxWindowBits:
		return deflateParams{}, errors.New("client_max_window_bits was not offered")
	case r.hasClientMaxWindowBits && d.clientMaxWindowBits != 0 && r.clientMaxWindowBits > d.clientMaxWindowBits:
		return deflateParams{}, fmt.Errorf("client_max_window_bits=%d is more than the %d offered", r.clientMaxWindowBits, d.clientMaxWindowBits)
	}
	p := deflateParams{
		serverNoContextTakeover: r.serverNoContextTakeover,
		clientNoContextTakeover: r.clientNoContextTakeover || d.clientNoContextTakeover,
		serverMaxWindowBits:     windowBits(r.serverMaxWindowBits),
		clientMaxWindowBits:     windowBits(d.clientMaxWindowBits),
	}
	if r.hasClientMaxWindowBits {
		p.clientMaxWindowBits = r.clientMaxWindowBits
	}
	return p, nil
}

// parseDeflateExt reads the parameters of a permessage-deflate offer or, if response is
// true, response. It refuses unknown and repeated parameters, values on the
// no_context_takeover parameters, window sizes that are not 8 to 15 written in plain
// decimal, and window parameters without a value, which only client_max_window_bits in
// an offer may be (RFC 7692 §7.1).
func parseDeflateExt(e extension, response bool) (deflateExt, error) {
	var d deflateExt
	for i, p := range e.params {
		switch p.name {
		case "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits", "client_max_window_bits":
		default:
			return deflateExt{}, fmt.Errorf("unknown parameter %q", p.name)
		}
		for _, q := range e.params[:i] {
			if q.name == p.name {
				return deflateExt{}, fmt.Errorf("parameter %s repeated", p.name)
			}
		}
		if strings.HasSuffix(p.name, "_no_context_takeover") {
			if p.hasValue {
				return deflateExt{}, fmt.Errorf("parameter %s has a value", p.name)
			}
			d.serverNoContextTakeover = d.serverNoContextTakeover || p.name == "server_no_context_takeover"
			d.clientNoContextTakeover = d.clientNoContextTakeover || p.name == "client_no_context_takeover"
			continue
		}
		bits := 0
		switch {
		case p.hasValue:
			if bits = parseWindowBits(p.value); bits == 0 {
				return deflateExt{}, fmt.Errorf("parameter %s=%s is not a window size from 8 to 15", p.name, p.value)
			}
		case response || p.name == "server_max_window_bits":
			return deflateExt{}, fmt.Errorf("parameter %s has no value", p.name)
		}
		if p.name == "server_max_window_bits" {
			d.serverMaxWindowBits = bits
		} else {
			d.hasClientMaxWindowBits, d.clientMaxWindowBits = true, bits
		}
	}
	return d, nil
}

// parseWindowBits returns the window size s writes, or 0 if s is not one of 8 to 15 in
// decimal without sign or leading zero (RFC 7692 §7.1.2.1).
func parseWindowBits(s string) int {
	if s == "" || len(s) > 2 || s[0] < '1' || s[0] > '9' {
		return 0 // Atoi would take a sign or a leading zero
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < minWindowBits || n > maxWindowBits {
		return 0
	}
	return n
}

// extension returns d as a list element, its parameters in the order RFC 7692 §7.1
// defines them.
func (d deflateExt) extension() extension {
	e := extension{name: deflateName}
	add := func(name string, bits int) {
		p := extensionParam{name: name}
		if bits != 0 {
			p.value, p.hasValue = strconv.Itoa(bits), true
		}
		e.params = append(e.params, p)
	}
	if d.serverNoContextTakeover {
		add("server_no_context_takeover", 0)
	}
	if d.clientNoContextTakeover {
		add("client_no_context_takeover", 0)
	}
	if d.serverMaxWindowBits != 0 {
		add("server_max_window_bits", d.serverMaxWindowBits)
	}
	if d.hasClientMaxWindowBits {
		add("client_max_window_bits", d.clientMaxWindowBits)
	}
	return e
}

// extension is one element of a Sec-WebSocket-Extensions list: a name and its
// parameters, in order (RFC 6455 §9.1).
type extension struct {
	name   string
	params []extensionParam
}

// extensionParam is one parameter of an extension. A quoted value is held unquoted, so
// every value is a token.
type extensionParam struct {
	name, value string
	hasValue    bool
}

// String returns e as it is written in a header, values as bare tokens.
func (e extension) String() string {
	var b strings.Builder
	b.WriteString(e.name)
	for _, p := range e.params {
		b.WriteString("; ")
		b.WriteString(p.name)
		if p.hasValue {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
	return b.String()
}

// parseExtensions parses Sec-WebSocket-Extensions header values (RFC 6455 §9.1 ABNF:
// 1#extension, extension = token *( ";" param ), param = token [ "=" (token | quoted-string) ],
// optional whitespace, empty list elements tolerated as in RFC 7230 #rule). Quoted values
// are unquoted (backslash escapes) and must then be tokens.
//
// The values are one list, as if joined with commas; a list without elements gives no
// extensions and no error.
func parseExtensions(values []string) ([]extension, error) {
	var exts []extension
	for _, v := range values {
		var err error
		if exts, err = appendExtensions(exts, v); err != nil {
			return nil, fmt.Errorf("websocket: malformed Sec-WebSocket-Extensions %q: %w", v, err)
		}
	}
	return exts, nil
}

// appendExtensions appends the extensions of the header value v to exts.
func appendExtensions(exts []extension, v string) ([]extension, error) {
	s := v // the rest of v to parse
	fail := func(want string) error {
		return fmt.Errorf("expected %s at byte %d", want, len(v)-len(s))
	}
	for {
		if s = skipOWS(s); s == "" {
			return exts, nil
		}
		if s[0] == ',' { // an empty element
			s = s[1:]
			continue
		}
		var e extension
		if e.name, s = cutToken(s); e.name == "" {
			return nil, fail("an extension name")
		}
		for s = skipOWS(s); s != "" && s[0] == ';'; s = skipOWS(s) {
			var p extensionParam
			s = skipOWS(s[1:])
			if p.name, s = cutToken(s); p.name == "" {
				return nil, fail("a parameter name")
			}
			if s = skipOWS(s); s != "" && s[0] == '=' {
				s = skipOWS(s[1:])
				var ok bool
				if p.value, s, ok = cutValue(s); !ok {
					return nil, fail("a token or a quoted token")
				}
				p.hasValue = true
			}
			e.params = append(e.params, p)
		}
		if s != "" && s[0] != ',' {
			return nil, fail(`";" or ","`)
		}
		exts = append(exts, e)
	}
}

// skipOWS returns s without its leading spaces and tabs.
func skipOWS(s string) string { return strings.TrimLeft(s, " \t") }

// cutToken cuts the longest token from the start of s; tok is empty if s does not start
// with one.
func cutToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && tokenChars[s[i]] {
		i++
	}
	return s[:i], s[i:]
}

// cutValue cuts a parameter value from the start of s: a token, or a quoted-string whose
// content, unescaped, is a token. ok is false, and rest is s, if s starts with neither.
func cutValue(s string) (value, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		value, rest = cutToken(s)
		return value, rest, value != ""
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			if b.Len() == 0 {
				return "", s, false
			}
			return b.String(), s[i+1:], true
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		if !tokenChars[c] {
			return "", s, false
		}
		b.WriteByte(c)
	}
	return "", s, false
}

// tokenChars marks the bytes an HTTP token may hold (RFC 7230 §3.2.6 tchar): the visible
// ASCII characters except the delimiters.
var tokenChars = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()
