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
//
// A Sec-WebSocket-Extensions list may hold at most 32 extensions (offers, on a request)
// of at most 16 parameters each; no browser or library comes near that. A server with
// Deflate set answers a request over those bounds with 400 and a client fails the
// handshake on a response over them. A server without Deflate does not read the list.
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
func (o *DeflateOptions) offer() string { return o.offered().String() }

// negotiateDeflate chooses the server's response to the offers in the client's
// Sec-WebSocket-Extensions values, with the server's options o (not nil). It accepts the
// first valid permessage-deflate offer, in the client's order of preference (RFC 6455
// §9.1), and ignores other extensions. It returns the response header value and the
// parameters in force, or ok false if no offer can be accepted.
//
// Values that do not parse decline compression rather than fail the handshake, although
// RFC 6455 §9.1 has the recipient of a malformed value fail the connection: the
// extension is optional, and a response without it binds the client to nothing. A list
// over the bounds of extCursor is different: limit says which bound, for the server to
// answer with 400. No legitimate client comes near those bounds, so the request comes
// from a broken or hostile one, and saying which bound it broke is more use to whoever
// reads the error than a connection that quietly runs uncompressed.
//
// The values are read once, in place: the work is linear in their length and the memory
// does not depend on it.
func negotiateDeflate(values []string, o *DeflateOptions) (response string, p deflateParams, ok bool, limit *extLimitError) {
	c := newExtCursor(values)
	var chosen deflateExt
	for name, more := c.next(); more; name, more = c.next() {
		if ok || name != deflateName {
			continue // the cursor checks the syntax of the rest of the list
		}
		if d, fault := parseDeflateExt(&c, false); fault.problem == "" && c.err == nil {
			chosen, ok = d, true
		}
	}
	if c.err != nil {
		limit, _ = c.err.(*extLimitError) // nil for a syntax error
		return "", deflateParams{}, false, limit
	}
	if !ok {
		return "", deflateParams{}, false, nil
	}
	r, p := chosen.respond(o)
	return r.String(), p, true, nil
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
// response must fail the handshake (RFC 6455 §4.1, §9.1; RFC 7692 §7.1): a malformed
// list, one over the bounds of extCursor, an extension that was not offered, or a
// permessage-deflate response that does not fit the offer.
//
// A response may name one extension, so reading stops at the second; a syntax error in
// the element being read takes precedence over what is wrong with its meaning.
func acceptDeflate(values []string, o *DeflateOptions) (p deflateParams, ok bool, err error) {
	c := newExtCursor(values)
	for name, more := c.next(); more && err == nil; name, more = c.next() {
		switch {
		case o == nil || name != deflateName:
			err = fmt.Errorf("websocket: server chose extension %s that was not offered", quoteExcerpt(name))
		case ok:
			err = errors.New("websocket: server chose permessage-deflate more than once")
		default:
			ok = true
			r, fault := parseDeflateExt(&c, true)
			var derr error
			if fault.problem != "" {
				derr = &fault
			} else {
				p, derr = o.offered().accept(r)
			}
			if derr != nil {
				err = fmt.Errorf("websocket: invalid permessage-deflate response: %w", derr)
			}
		}
		if err != nil {
			c.skipParams()
		}
	}
	if c.err != nil {
		return deflateParams{}, false, c.err
	}
	if err != nil {
		return deflateParams{}, false, err
	}
	return p, ok, nil
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

// The parameters of permessage-deflate (RFC 7692 §7.1), each with a bit for parseDeflateExt
// to find repeats by.
const (
	paramServerNoContextTakeover = 1 << iota
	paramClientNoContextTakeover
	paramServerMaxWindowBits
	paramClientMaxWindowBits
)

// deflateParamBit returns the bit of the permessage-deflate parameter name, or 0 if name
// is not one.
func deflateParamBit(name string) int {
	switch name {
	case "server_no_context_takeover":
		return paramServerNoContextTakeover
	case "client_no_context_takeover":
		return paramClientNoContextTakeover
	case "server_max_window_bits":
		return paramServerMaxWindowBits
	case "client_max_window_bits":
		return paramClientMaxWindowBits
	}
	return 0
}

// parseDeflateExt reads, from c, the parameters of the permessage-deflate offer or, if
// response is true, response whose name c has just returned. It refuses unknown and
// repeated parameters, values on the no_context_takeover parameters, window sizes that
// are not 8 to 15 written in plain decimal, and window parameters without a value, which
// only client_max_window_bits in an offer may be (RFC 7692 §7.1): fault.problem is then
// set.
//
// It stops at the first fault, leaving the other parameters to c, and at a syntax error,
// which the caller finds in c.err. Each parameter costs a switch on its name and a bit
// test, so the work is linear in the parameters read (at most maxExtensionParams), and
// nothing is allocated: a server can try every offer of a hostile list for free.
func parseDeflateExt(c *extCursor, response bool) (d deflateExt, fault deflateParamError) {
	seen := 0
	for p, ok := c.param(); ok; p, ok = c.param() {
		bit := deflateParamBit(p.name)
		switch {
		case bit == 0:
			return deflateExt{}, deflateParamError{p.name, "", "unknown"}
		case seen&bit != 0:
			return deflateExt{}, deflateParamError{p.name, "", "repeated"}
		}
		seen |= bit
		if bit == paramServerNoContextTakeover || bit == paramClientNoContextTakeover {
			if p.hasValue {
				return deflateExt{}, deflateParamError{p.name, "", "has a value"}
			}
			d.serverNoContextTakeover = d.serverNoContextTakeover || bit == paramServerNoContextTakeover
			d.clientNoContextTakeover = d.clientNoContextTakeover || bit == paramClientNoContextTakeover
			continue
		}
		bits := 0
		switch {
		case p.hasValue:
			if bits = parseWindowBits(p.value); bits == 0 {
				return deflateExt{}, deflateParamError{p.name, p.value, "not a window size"}
			}
		case response || bit == paramServerMaxWindowBits:
			return deflateExt{}, deflateParamError{p.name, "", "has no value"}
		}
		if bit == paramServerMaxWindowBits {
			d.serverMaxWindowBits = bits
		} else {
			d.hasClientMaxWindowBits, d.clientMaxWindowBits = true, bits
		}
	}
	return d, deflateParamError{}
}

// deflateParamError is a permessage-deflate parameter that parseDeflateExt refuses, or
// none if problem is empty. Its fields are substrings of the header, and the message is
// made only when asked for.
type deflateParamError struct {
	param   string
	value   string // as written, for problem "not a window size"
	problem string // "unknown", "repeated", "has a value", "has no value" or "not a window size"
}

// Error describes the fault, quoting at most a short excerpt of what the peer wrote.
func (e *deflateParamError) Error() string {
	switch e.problem {
	case "unknown":
		return "unknown parameter " + quoteExcerpt(e.param)
	case "not a window size":
		v := e.value
		if len(v) > maxQuoted {
			v = v[:maxQuoted] + "..."
		}
		return "parameter " + e.param + "=" + v + " is not a window size from 8 to 15"
	}
	return "parameter " + e.param + " " + e.problem // a known name: at most 26 bytes
}

// parseWindowBits returns the window size v writes, or 0 if v, unquoted, is not one of 8
// to 15 in decimal without sign or leading zero (RFC 7692 §7.1.2.1). It looks at no more
// than the two digits a window size has, so a peer's long value costs nothing to refuse
// and no number is computed from more digits than that.
func parseWindowBits(v string) int {
	var digits [2]byte
	n, fits := unquoteInto(v, digits[:])
	if !fits {
		return 0
	}
	switch {
	case n == 1 && digits[0] >= '8' && digits[0] <= '9':
		return int(digits[0] - '0')
	case n == 2 && digits[0] == '1' && digits[1] >= '0' && digits[1] <= '5':
		return 10 + int(digits[1]-'0')
	}
	return 0
}

// String returns d as an element of a Sec-WebSocket-Extensions list, its parameters in
// the order RFC 7692 §7.1 defines them.
func (d deflateExt) String() string {
	b := make([]byte, 0, 128) // every parameter, with two-digit values, fits
	b = append(b, deflateName...)
	if d.serverNoContextTakeover {
		b = append(b, "; server_no_context_takeover"...)
	}
	if d.clientNoContextTakeover {
		b = append(b, "; client_no_context_takeover"...)
	}
	if d.serverMaxWindowBits != 0 {
		b = append(b, "; server_max_window_bits="...)
		b = strconv.AppendInt(b, int64(d.serverMaxWindowBits), 10)
	}
	if d.hasClientMaxWindowBits {
		b = append(b, "; client_max_window_bits"...)
		if d.clientMaxWindowBits != 0 {
			b = append(b, '=')
			b = strconv.AppendInt(b, int64(d.clientMaxWindowBits), 10)
		}
	}
	return string(b)
}

// Bounds on a Sec-WebSocket-Extensions list, enforced by extCursor for both roles. A
// list over them is refused: a server answers 400, a client fails the handshake.
const (
	// maxExtensionElements bounds the elements of the list: the client's offers, or the
	// extensions of a server's response. Browsers offer one; Autobahn's cases 13.7 offer
	// three; a client offering permessage-deflate with every server window size, with and
	// without context takeover, would offer 16. 32 is twice that.
	maxExtensionElements = 32
	// maxExtensionParams bounds the parameters of one element. permessage-deflate defines
	// four and refuses repeats; 16 leaves room for other extensions' parameters.
	maxExtensionParams = 16
)

// extLimitError is a Sec-WebSocket-Extensions list over one of the bounds above. reason
// says which, in words fit for the body of an HTTP error.
type extLimitError struct{ reason string }

// Error returns the reason with the package prefix.
func (e *extLimitError) Error() string { return "websocket: " + e.reason }

var (
	errTooManyExtensions = &extLimitError{"Sec-WebSocket-Extensions lists more than " + strconv.Itoa(maxExtensionElements) + " extensions"}
	errTooManyExtParams  = &extLimitError{"an extension in Sec-WebSocket-Extensions has more than " + strconv.Itoa(maxExtensionParams) + " parameters"}
)

// extCursor reads a Sec-WebSocket-Extensions list (RFC 6455 §9.1 ABNF: 1#extension,
// extension = token *( ";" param ), param = token [ "=" (token | quoted-string) ],
// optional whitespace around the delimiters, empty list elements tolerated as in RFC
// 7230 #rule) one element and one parameter at a time, without copying: names and values
// are substrings of the header values. The values are one list, as if joined with commas.
//
// Every call consumes what it returns and never looks back, so reading a whole list is
// linear in its length, and it allocates nothing but its first error. It stops at the
// first error (c.err): a syntax error, or a bound above exceeded.
type extCursor struct {
	values []string // the header values not yet started
	line   string   // the value being read, for error messages
	rest   string   // what remains of line
	inElem bool     // an element's name has been read; parameters may follow
	elems  int      // elements read: at most maxExtensionElements
	params int      // parameters of the current element read: at most maxExtensionParams
	err    error    // the first error; nothing is read after it
}

// newExtCursor returns a cursor at the start of the list in values.
func newExtCursor(values []string) extCursor { return extCursor{values: values} }

// next skips what remains of the current element and moves to the next one, returning
// its name; more is false at the end of the list and on an error.
func (c *extCursor) next() (name string, more bool) {
	c.skipParams()
	if c.err != nil {
		return "", false
	}
	for {
		c.rest = skipOWS(c.rest)
		if c.rest != "" && c.rest[0] == ',' { // an empty element
			c.rest = c.rest[1:]
			continue
		}
		if c.rest != "" {
			break
		}
		if len(c.values) == 0 {
			return "", false
		}
		c.line, c.rest, c.values = c.values[0], c.values[0], c.values[1:]
	}
	if name, c.rest = cutToken(c.rest); name == "" {
		c.fail("an extension name")
		return "", false
	}
	if c.elems == maxExtensionElements {
		c.err = errTooManyExtensions
		return "", false
	}
	c.elems++ // at most maxExtensionElements, checked above
	c.inElem, c.params = true, 0
	return name, true
}

// param returns the next parameter of the current element; more is false after its last
// parameter and on an error.
func (c *extCursor) param() (p extParam, more bool) {
	if !c.inElem || c.err != nil {
		return extParam{}, false
	}
	if c.rest = skipOWS(c.rest); c.rest == "" || c.rest[0] == ',' {
		c.inElem = false
		return extParam{}, false
	}
	if c.rest[0] != ';' {
		c.fail(`";" or ","`)
		return extParam{}, false
	}
	if c.params == maxExtensionParams {
		c.err = errTooManyExtParams
		return extParam{}, false
	}
	if p.name, c.rest = cutToken(skipOWS(c.rest[1:])); p.name == "" {
		c.fail("a parameter name")
		return extParam{}, false
	}
	if c.rest = skipOWS(c.rest); c.rest != "" && c.rest[0] == '=' {
		var ok bool
		if p.value, c.rest, ok = cutValue(skipOWS(c.rest[1:])); !ok {
			c.fail("a token or a quoted token")
			return extParam{}, false
		}
		p.hasValue = true
	}
	c.params++ // at most maxExtensionParams, checked above
	return p, true
}

// skipParams reads the parameters of the current element that have not been read, so
// that their syntax is checked.
func (c *extCursor) skipParams() {
	for more := true; more; _, more = c.param() {
	}
}

// fail records a syntax error: want was expected where c.rest starts.
func (c *extCursor) fail(want string) {
	// rest is a suffix of line, so the offset is within 0..len(line).
	c.err = &extSyntaxError{line: c.line, offset: len(c.line) - len(c.rest), want: want}
}

// extSyntaxError is a malformed Sec-WebSocket-Extensions value. The message quotes at
// most a short excerpt of the value.
type extSyntaxError struct {
	line   string
	offset int
	want   string
}

// Error says what was expected where.
func (e *extSyntaxError) Error() string {
	return "websocket: malformed Sec-WebSocket-Extensions " + quoteExcerpt(e.line) + ": expected " + e.want + " at byte " + strconv.Itoa(e.offset)
}

// extParam is one parameter of an extension, as written: value is a token or a
// quoted-string, quotes and escapes included, whose content unescaped is a token (see
// unquoteInto).
type extParam struct {
	name, value string
	hasValue    bool
}

// unquoteInto copies the value v, a token or a quoted-string as cutValue returns it, to
// buf without its quotes and escapes, and returns the length. fits is false, and what is
// in buf undefined, if the value is longer than buf.
func unquoteInto(v string, buf []byte) (n int, fits bool) {
	if v == "" || v[0] != '"' {
		if len(v) > len(buf) {
			return 0, false
		}
		return copy(buf, v), true
	}
	for i := 1; i < len(v)-1; i++ { // inside the quotes
		if v[i] == '\\' {
			i++ // cutValue leaves no backslash last inside the quotes
		}
		if n == len(buf) {
			return 0, false
		}
		buf[n] = v[i]
		n++ // at most len(buf)
	}
	return n, true
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

// cutValue cuts a parameter value from the start of s, as written: a token, or a
// quoted-string whose content, unescaped, is a non-empty token. ok is false, and rest is
// s, if s starts with neither. It reads each byte once and copies nothing.
func cutValue(s string) (value, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		value, rest = cutToken(s)
		return value, rest, value != ""
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			if i == 1 {
				return "", s, false
			}
			return s[:i+1], s[i+1:], true
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		if !tokenChars[c] {
			return "", s, false
		}
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
