package websocket

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// extension is one element of a Sec-WebSocket-Extensions list, materialised for the
// tests: a name and its parameters in order. The package itself reads lists in place
// with extCursor.
type extension struct {
	name   string
	params []extensionParam
}

// extensionParam is one parameter of an extension, its value unquoted.
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

// parseExtensions reads the whole list in values with extCursor and returns what it
// read, values unquoted with unquoteInto, or the cursor's error. A list without elements
// gives no extensions and no error.
func parseExtensions(values []string) ([]extension, error) {
	c := newExtCursor(values)
	var exts []extension
	for name, more := c.next(); more; name, more = c.next() {
		e := extension{name: name}
		for p, ok := c.param(); ok; p, ok = c.param() {
			q := extensionParam{name: p.name, hasValue: p.hasValue}
			if p.hasValue {
				buf := make([]byte, len(p.value))
				n, _ := unquoteInto(p.value, buf)
				q.value = string(buf[:n])
			}
			e.params = append(e.params, q)
		}
		exts = append(exts, e)
	}
	if c.err != nil {
		return nil, c.err
	}
	return exts, nil
}

// dfDeflateExt runs parseDeflateExt on the parameters of e, for offers (response false)
// or responses.
func dfDeflateExt(e extension, response bool) (deflateExt, error) {
	c := newExtCursor([]string{e.String()})
	if _, more := c.next(); !more {
		return deflateExt{}, fmt.Errorf("%q does not parse: %v", e.String(), c.err)
	}
	d, fault := parseDeflateExt(&c, response)
	switch {
	case fault.problem != "":
		return deflateExt{}, &fault
	case c.err != nil:
		return deflateExt{}, c.err
	}
	return d, nil
}

// dfParams returns negotiated parameters, for the tables.
func dfParams(serverNoTakeover, clientNoTakeover bool, serverBits, clientBits int) deflateParams {
	return deflateParams{
		serverNoContextTakeover: serverNoTakeover,
		clientNoContextTakeover: clientNoTakeover,
		serverMaxWindowBits:     serverBits,
		clientMaxWindowBits:     clientBits,
	}
}

// dfDefault is the parameters with nothing negotiated but the extension itself.
var dfDefault = dfParams(false, false, 15, 15)

// Offers that real peers send by default, as captured from their handshakes.
const (
	dfChromium = "permessage-deflate; client_max_window_bits"
	dfFirefox  = "permessage-deflate"
	dfNodeWS   = "permessage-deflate; client_max_window_bits"
	dfPython   = "permessage-deflate; client_max_window_bits"
)

// dfAutobahnOffer returns the offer the Autobahn fuzzingclient makes in cases 13.x: it
// always accepts both client parameters and may ask for no server context takeover and
// a server window (0 for none).
func dfAutobahnOffer(serverNoTakeover bool, serverBits int) string {
	s := "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	if serverNoTakeover {
		s += "; server_no_context_takeover"
	}
	if serverBits != 0 {
		s += fmt.Sprintf("; server_max_window_bits=%d", serverBits)
	}
	return s
}

func TestDeflateOptionsCheck(t *testing.T) {
	tests := []struct {
		name string
		o    *DeflateOptions
		err  string // a part of the error, "" for none
	}{
		{"nil", nil, ""},
		{"zero", &DeflateOptions{}, ""},
		{"level 1", &DeflateOptions{Level: 1}, ""},
		{"level 9", &DeflateOptions{Level: 9}, ""},
		{"all set", &DeflateOptions{Level: 5, Threshold: 512, ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}, ""},
		{"negative threshold", &DeflateOptions{Threshold: -1}, ""},
		{"level -1", &DeflateOptions{Level: -1}, "Level -1"},
		{"level 10", &DeflateOptions{Level: 10}, "Level 10"},
		{"server bits 7", &DeflateOptions{ServerMaxWindowBits: 7}, "ServerMaxWindowBits 7"},
		{"server bits 16", &DeflateOptions{ServerMaxWindowBits: 16}, "ServerMaxWindowBits 16"},
		{"server bits -8", &DeflateOptions{ServerMaxWindowBits: -8}, "ServerMaxWindowBits -8"},
		{"client bits 1", &DeflateOptions{ClientMaxWindowBits: 1}, "ClientMaxWindowBits 1"},
		{"client bits 32", &DeflateOptions{ClientMaxWindowBits: 32}, "ClientMaxWindowBits 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.check()
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("check() = %v, want nil", err)
			case tc.err != "" && err == nil:
				t.Fatalf("check() = nil, want an error about %q", tc.err)
			case err != nil && (!strings.HasPrefix(err.Error(), "websocket: ") || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("check() = %q, want %q in a message starting with \"websocket: \"", err, tc.err)
			}
		})
	}
	for bits := range 16 {
		err := (&DeflateOptions{ServerMaxWindowBits: bits, ClientMaxWindowBits: bits}).check()
		if want := bits == 0 || bits >= 8; (err == nil) != want {
			t.Errorf("window bits %d: check() = %v", bits, err)
		}
	}
}

// TestDeflateOffer covers the client's offer (RFC 7692 §5.1, §7.1).
func TestDeflateOffer(t *testing.T) {
	tests := []struct {
		o    DeflateOptions
		want string
	}{
		// client_max_window_bits is always offered, without a value for 15 (§7.1.2.2).
		{DeflateOptions{}, "permessage-deflate; client_max_window_bits"},
		{DeflateOptions{Level: 9, Threshold: -1}, "permessage-deflate; client_max_window_bits"},
		{DeflateOptions{ServerNoContextTakeover: true}, "permessage-deflate; server_no_context_takeover; client_max_window_bits"},
		{DeflateOptions{ClientNoContextTakeover: true}, "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
		{DeflateOptions{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=10; client_max_window_bits"},
		// 15 is no limit, so server_max_window_bits is left out (§7.1.2.1).
		{DeflateOptions{ServerMaxWindowBits: 15}, "permessage-deflate; client_max_window_bits"},
		{DeflateOptions{ClientMaxWindowBits: 8}, "permessage-deflate; client_max_window_bits=8"},
		{DeflateOptions{ClientMaxWindowBits: 14}, "permessage-deflate; client_max_window_bits=14"},
		{DeflateOptions{ClientMaxWindowBits: 15}, "permessage-deflate; client_max_window_bits"},
		{
			DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 12},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12",
		},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if err := tc.o.check(); err != nil {
				t.Fatal(err)
			}
			got := tc.o.offer()
			if got != tc.want {
				t.Fatalf("offer() = %q, want %q", got, tc.want)
			}
			exts, err := parseExtensions([]string{got})
			if err != nil || len(exts) != 1 {
				t.Fatalf("offer %q parses as %v, %v", got, exts, err)
			}
			if _, err := dfDeflateExt(exts[0], false); err != nil {
				t.Fatalf("offer %q is not a valid offer: %v", got, err)
			}
		})
	}
}

// dfExt returns an extension, its parameters written "name" or "name=value".
func dfExt(name string, params ...string) extension {
	e := extension{name: name}
	for _, p := range params {
		n, v, ok := strings.Cut(p, "=")
		e.params = append(e.params, extensionParam{name: n, value: v, hasValue: ok})
	}
	return e
}

// dfHeaderTests are Sec-WebSocket-Extensions values and how they parse (RFC 6455 §9.1).
var dfHeaderTests = []struct {
	name   string
	values []string
	want   []extension
	err    string // a part of the error, "" for none
}{
	{"none", nil, nil, ""},
	{"empty value", []string{""}, nil, ""},
	{"only empty elements", []string{" , ,\t,"}, nil, ""},
	{"Firefox", []string{dfFirefox}, []extension{dfExt("permessage-deflate")}, ""},
	{"Chromium", []string{dfChromium}, []extension{dfExt("permessage-deflate", "client_max_window_bits")}, ""},
	{"value", []string{"permessage-deflate;client_max_window_bits=10"}, []extension{dfExt("permessage-deflate", "client_max_window_bits=10")}, ""},
	// Whitespace may stand around every delimiter (RFC 2616 implied *LWS, §9.1).
	{"whitespace", []string{" \tpermessage-deflate \t; \tclient_max_window_bits \t= \t10 \t,\tx-foo "},
		[]extension{dfExt("permessage-deflate", "client_max_window_bits=10"), dfExt("x-foo")}, ""},
	// A quoted value is unquoted and must then be a token (§9.1).
	{"quoted value", []string{`permessage-deflate; server_max_window_bits="10"`}, []extension{dfExt("permessage-deflate", "server_max_window_bits=10")}, ""},
	{"escaped value", []string{`x; a="1\0"; b="\a\-\~"`}, []extension{dfExt("x", "a=10", "b=a-~")}, ""},
	// Header lines are one list (§9.1: "foo" and "bar; baz=2" equal "foo, bar; baz=2").
	{"two lines", []string{"foo", "bar; baz=2"}, []extension{dfExt("foo"), dfExt("bar", "baz=2")}, ""},
	{"one line", []string{"foo, bar; baz=2"}, []extension{dfExt("foo"), dfExt("bar", "baz=2")}, ""},
	// Empty elements are tolerated (RFC 7230 §7, RFC 2616 §2.1).
	{"empty elements", []string{",foo,, ,bar,", ""}, []extension{dfExt("foo"), dfExt("bar")}, ""},
	{"case kept", []string{"Permessage-Deflate; Client_Max_Window_Bits=X"}, []extension{dfExt("Permessage-Deflate", "Client_Max_Window_Bits=X")}, ""},
	{"every token character", []string{"!#$%&'*+-.^_`|~09AZaz; !#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~09AZaz"},
		[]extension{dfExt("!#$%&'*+-.^_`|~09AZaz", "!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~09AZaz")}, ""},
	{"several offers", []string{dfAutobahnOffer(true, 8) + ", " + dfAutobahnOffer(true, 0) + ", " + dfAutobahnOffer(false, 0)}, []extension{
		dfExt("permessage-deflate", "client_no_context_takeover", "client_max_window_bits", "server_no_context_takeover", "server_max_window_bits=8"),
		dfExt("permessage-deflate", "client_no_context_takeover", "client_max_window_bits", "server_no_context_takeover"),
		dfExt("permessage-deflate", "client_no_context_takeover", "client_max_window_bits"),
	}, ""},

	{"no name", []string{"; a"}, nil, "expected an extension name at byte 0"},
	{"no name after comma", []string{"foo, =1"}, nil, "expected an extension name at byte 5"},
	{"trailing semicolon", []string{"permessage-deflate;"}, nil, "expected a parameter name at byte 19"},
	{"trailing semicolon and space", []string{"permessage-deflate; "}, nil, "expected a parameter name"},
	{"empty parameter", []string{"permessage-deflate;;client_max_window_bits"}, nil, "expected a parameter name"},
	{"no parameter name", []string{"permessage-deflate; =10"}, nil, "expected a parameter name"},
	{"no value", []string{"permessage-deflate; client_max_window_bits="}, nil, "expected a token or a quoted token"},
	{"no value before comma", []string{"x; a=, y"}, nil, "expected a token or a quoted token at byte 5"},
	{"unterminated quote", []string{`permessage-deflate; client_max_window_bits="10`}, nil, "expected a token or a quoted token"},
	{"empty quotes", []string{`x; a=""`}, nil, "expected a token or a quoted token"},
	{"space in quotes", []string{`x; a="1 0"`}, nil, "expected a token or a quoted token"},
	{"comma in quotes", []string{`x; a="1,0"`}, nil, "expected a token or a quoted token"},
	{"escaped quote", []string{`x; a="\""`}, nil, "expected a token or a quoted token"},
	{"lone backslash", []string{`x; a="1\`}, nil, "expected a token or a quoted token"},
	{"quote inside token", []string{`x; a=1"0"`}, nil, `expected ";" or ","`},
	{"two equals", []string{"x; a=b=c"}, nil, `expected ";" or ","`},
	{"space in name", []string{"x y"}, nil, `expected ";" or ","`},
	{"space in parameter", []string{"x; a b"}, nil, `expected ";" or ","`},
	{"space in value", []string{"x; a=1 2"}, nil, `expected ";" or ","`},
	{"separator in name", []string{"x/y"}, nil, `expected ";" or ","`},
	{"parenthesis", []string{"(x)"}, nil, "expected an extension name"},
	{"control byte", []string{"x\x00"}, nil, `expected ";" or ","`},
	{"line break", []string{"x;\r\n a"}, nil, "expected a parameter name"},
	{"non-ASCII", []string{"pérmessage-deflate"}, nil, `expected ";" or ","`},
	{"second line bad", []string{"foo", "bar;"}, nil, `"bar;"`},
}

func TestExtensionHeaderParse(t *testing.T) {
	for _, tc := range dfHeaderTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseExtensions(tc.values)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("parseExtensions(%q) = %v, want an error", tc.values, got)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "websocket: malformed Sec-WebSocket-Extensions") || !strings.Contains(msg, tc.err) {
					t.Fatalf("error %q, want %q in it", msg, tc.err)
				}
				if got != nil {
					t.Errorf("extensions %v returned with the error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseExtensions(%q): %v", tc.values, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parseExtensions(%q) =\n\t%+v\nwant\n\t%+v", tc.values, got, tc.want)
			}
		})
	}
}

// dfFormat returns exts as one header value.
func dfFormat(exts []extension) string {
	s := make([]string, len(exts))
	for i, e := range exts {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

func TestExtensionString(t *testing.T) {
	tests := []struct {
		e    extension
		want string
	}{
		{dfExt("permessage-deflate"), "permessage-deflate"},
		{dfExt("permessage-deflate", "client_max_window_bits"), "permessage-deflate; client_max_window_bits"},
		{dfExt("x", "a=1", "b", "c=d"), "x; a=1; b; c=d"},
	}
	for _, tc := range tests {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.e, got, tc.want)
		}
	}
	// Formatting what was parsed and parsing it again gives the same extensions.
	for _, tc := range dfHeaderTests {
		if tc.err != "" {
			continue
		}
		exts, _ := parseExtensions(tc.values)
		again, err := parseExtensions([]string{dfFormat(exts)})
		if err != nil || !reflect.DeepEqual(again, exts) {
			t.Errorf("%s: %q parses as %+v, %v; want %+v", tc.name, dfFormat(exts), again, err, exts)
		}
	}
}

// TestDeflateNegotiate covers the server's choice (RFC 7692 §5.1, §7.1).
func TestDeflateNegotiate(t *testing.T) {
	def := &DeflateOptions{}
	strict := &DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 12}
	tests := []struct {
		name     string
		values   []string
		o        *DeflateOptions
		response string // "" when every offer is declined
		p        deflateParams
	}{
		// The offers browsers and libraries send by default.
		{"Chromium", []string{dfChromium}, def, "permessage-deflate", dfDefault},
		{"Firefox", []string{dfFirefox}, def, "permessage-deflate", dfDefault},
		{"Node ws", []string{dfNodeWS}, def, "permessage-deflate", dfDefault},
		{"Python websockets", []string{dfPython}, def, "permessage-deflate", dfDefault},
		{"Chromium, strict server", []string{dfChromium}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12",
			dfParams(true, true, 10, 12)},
		// Without client_max_window_bits in the offer the server may not limit the
		// client's window (§7.1.2.2): the client keeps 15.
		{"Firefox, strict server", []string{dfFirefox}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
			dfParams(true, true, 10, 15)},

		// Autobahn 13.1 to 13.7 (see TestDeflateAutobahnOffers for every window size).
		// A client that offers client_no_context_takeover has promised it (§7.1.1.2),
		// and the response says so.
		{"Autobahn 13.1", []string{dfAutobahnOffer(false, 0)}, def, "permessage-deflate; client_no_context_takeover", dfParams(false, true, 15, 15)},
		{"Autobahn 13.2", []string{dfAutobahnOffer(true, 0)}, def,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover", dfParams(true, true, 15, 15)},
		{"Autobahn 13.3", []string{dfAutobahnOffer(false, 8)}, def,
			"permessage-deflate; client_no_context_takeover; server_max_window_bits=8", dfParams(false, true, 8, 15)},
		// An offered server_max_window_bits is answered even at 15 (§7.1.2.1).
		{"Autobahn 13.4", []string{dfAutobahnOffer(false, 15)}, def,
			"permessage-deflate; client_no_context_takeover; server_max_window_bits=15", dfParams(false, true, 15, 15)},
		{"Autobahn 13.5", []string{dfAutobahnOffer(true, 8)}, def,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8", dfParams(true, true, 8, 15)},
		{"Autobahn 13.6", []string{dfAutobahnOffer(true, 15)}, def,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15", dfParams(true, true, 15, 15)},
		// Several offers in the client's order of preference: the first acceptable wins
		// (RFC 6455 §9.1).
		{"Autobahn 13.7", []string{dfAutobahnOffer(true, 8) + ", " + dfAutobahnOffer(true, 0) + ", " + dfAutobahnOffer(false, 0)}, def,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8", dfParams(true, true, 8, 15)},
		{"Autobahn 13.7, strict server", []string{dfAutobahnOffer(true, 8) + ", " + dfAutobahnOffer(true, 0) + ", " + dfAutobahnOffer(false, 0)}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=12", dfParams(true, true, 8, 12)},
		{"offers on several lines", []string{"x-foo", "permessage-deflate; server_max_window_bits=11", dfChromium}, def,
			"permessage-deflate; server_max_window_bits=11", dfParams(false, false, 11, 15)},

		// The server's own limits tighten the response (§7.1.1.1, §7.1.2.1: the server
		// may add server_no_context_takeover and server_max_window_bits unasked).
		{"server window under the offer's", []string{"permessage-deflate; server_max_window_bits=12"}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10", dfParams(true, true, 10, 15)},
		{"offer's server window under the server's", []string{"permessage-deflate; server_max_window_bits=9"}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9", dfParams(true, true, 9, 15)},
		{"server window unasked", []string{dfChromium}, &DeflateOptions{ServerMaxWindowBits: 9},
			"permessage-deflate; server_max_window_bits=9", dfParams(false, false, 9, 15)},
		{"server window 15", []string{dfChromium}, &DeflateOptions{ServerMaxWindowBits: 15}, "permessage-deflate", dfDefault},
		{"server no takeover unasked", []string{dfFirefox}, &DeflateOptions{ServerNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover", dfParams(true, false, 15, 15)},
		// client_max_window_bits: the smaller of the offer's and the server's (§7.1.2.2),
		// named whenever under 15.
		{"client window from the offer", []string{"permessage-deflate; client_max_window_bits=10"}, def,
			"permessage-deflate; client_max_window_bits=10", dfParams(false, false, 15, 10)},
		{"client window under the offer's", []string{"permessage-deflate; client_max_window_bits=13"}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12", dfParams(true, true, 10, 12)},
		{"offer's client window under the server's", []string{"permessage-deflate; client_max_window_bits=9"}, strict,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9", dfParams(true, true, 10, 9)},
		{"client window 15 offered", []string{"permessage-deflate; client_max_window_bits=15"}, def, "permessage-deflate", dfDefault},
		{"client window 8", []string{dfChromium}, &DeflateOptions{ClientMaxWindowBits: 8},
			"permessage-deflate; client_max_window_bits=8", dfParams(false, false, 15, 8)},
		{"quoted values", []string{`permessage-deflate; server_max_window_bits="10"; client_max_window_bits="11"`}, def,
			"permessage-deflate; server_max_window_bits=10; client_max_window_bits=11", dfParams(false, false, 10, 11)},

		// Invalid offers are declined and the next one tried (§7.1).
		{"unknown parameter", []string{"permessage-deflate; foo"}, def, "", deflateParams{}},
		{"unknown parameter, then valid", []string{"permessage-deflate; foo, permessage-deflate; client_max_window_bits=9"}, def,
			"permessage-deflate; client_max_window_bits=9", dfParams(false, false, 15, 9)},
		{"repeated parameter", []string{"permessage-deflate; client_max_window_bits; client_max_window_bits"}, def, "", deflateParams{}},
		{"repeated flag", []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate"}, def,
			"permessage-deflate", dfDefault},
		{"repeated window, other values", []string{"permessage-deflate; server_max_window_bits=9; server_max_window_bits=10"}, def, "", deflateParams{}},
		{"value on server_no_context_takeover", []string{"permessage-deflate; server_no_context_takeover=1"}, def, "", deflateParams{}},
		{"quoted value on client_no_context_takeover", []string{`permessage-deflate; client_no_context_takeover="true"`}, def, "", deflateParams{}},
		{"server_max_window_bits without value", []string{"permessage-deflate; server_max_window_bits"}, def, "", deflateParams{}},
		{"window 7", []string{"permessage-deflate; server_max_window_bits=7"}, def, "", deflateParams{}},
		{"window 16", []string{"permessage-deflate; client_max_window_bits=16"}, def, "", deflateParams{}},
		{"window 0", []string{"permessage-deflate; client_max_window_bits=0"}, def, "", deflateParams{}},
		{"window leading zero", []string{"permessage-deflate; server_max_window_bits=010"}, def, "", deflateParams{}},
		{"window 08", []string{"permessage-deflate; client_max_window_bits=08"}, def, "", deflateParams{}},
		{"window with sign", []string{"permessage-deflate; server_max_window_bits=+9"}, def, "", deflateParams{}},
		{"window negative", []string{"permessage-deflate; server_max_window_bits=-9"}, def, "", deflateParams{}},
		{"window not decimal", []string{"permessage-deflate; server_max_window_bits=0xa"}, def, "", deflateParams{}},
		{"window with fraction", []string{"permessage-deflate; server_max_window_bits=9.0"}, def, "", deflateParams{}},
		{"window 100", []string{"permessage-deflate; server_max_window_bits=100"}, def, "", deflateParams{}},
		{"quoted window leading zero", []string{`permessage-deflate; server_max_window_bits="09"`}, def, "", deflateParams{}},
		{"every offer invalid", []string{"permessage-deflate; a, permessage-deflate; server_max_window_bits=20"}, def, "", deflateParams{}},

		// Other extensions are not ours to accept.
		{"other extension first", []string{"x-webkit-deflate-frame, " + dfChromium}, def, "permessage-deflate", dfDefault},
		{"only other extensions", []string{"x-webkit-deflate-frame", "deflate-frame; no_context_takeover"}, def, "", deflateParams{}},
		// Names are compared exactly.
		{"name in other case", []string{"Permessage-Deflate"}, def, "", deflateParams{}},
		{"parameter in other case", []string{"permessage-deflate; Client_Max_Window_Bits"}, def, "", deflateParams{}},

		// A value that does not parse declines compression (RFC 6455 §9.1; see
		// negotiateDeflate), even when a valid offer comes before the fault.
		{"malformed after a valid offer", []string{dfChromium + ", x;"}, def, "", deflateParams{}},
		{"malformed line", []string{dfChromium, "x;"}, def, "", deflateParams{}},
		{"malformed quoting", []string{`permessage-deflate; client_max_window_bits="`}, def, "", deflateParams{}},
		{"no header", nil, def, "", deflateParams{}},
		{"empty header", []string{""}, def, "", deflateParams{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			response, p, ok, limit := negotiateDeflate(tc.values, tc.o)
			if limit != nil {
				t.Fatalf("negotiateDeflate(%q): %v", tc.values, limit)
			}
			if ok != (tc.response != "") {
				t.Fatalf("negotiateDeflate(%q) accepted = %v (%q), want %v", tc.values, ok, response, !ok)
			}
			if response != tc.response || p != tc.p {
				t.Fatalf("negotiateDeflate(%q) =\n\t%q, %+v\nwant\n\t%q, %+v", tc.values, response, p, tc.response, tc.p)
			}
		})
	}
}

// TestDeflateAutobahnOffers runs the server's side of Autobahn 13.x for every window
// size the client may ask for (RFC 7692 §7.1.2.1), and the client's side with our offer
// asking for it.
func TestDeflateAutobahnOffers(t *testing.T) {
	for bits := 8; bits <= 15; bits++ {
		for _, noTakeover := range []bool{false, true} {
			offer := dfAutobahnOffer(noTakeover, bits)
			t.Run(offer, func(t *testing.T) {
				response, p, ok, _ := negotiateDeflate([]string{offer}, &DeflateOptions{})
				want := dfParams(noTakeover, true, bits, 15)
				if !ok || p != want {
					t.Fatalf("negotiateDeflate = %q, %+v, %v; want %+v", response, p, ok, want)
				}
				if !strings.Contains(response, fmt.Sprintf("; server_max_window_bits=%d", bits)) {
					t.Errorf("response %q does not name server_max_window_bits=%d", response, bits)
				}
				// Our client, asking the same of the server, reads that response alike.
				client := &DeflateOptions{ServerNoContextTakeover: noTakeover, ClientNoContextTakeover: true, ServerMaxWindowBits: bits}
				cp, ok, err := acceptDeflate([]string{response}, client)
				if err != nil || !ok || cp != want {
					t.Fatalf("acceptDeflate(%q) = %+v, %v, %v; want %+v", response, cp, ok, err, want)
				}
			})
		}
	}
}

// TestDeflateAccept covers the client's check of the response (RFC 6455 §4.1, §9.1;
// RFC 7692 §5.1, §7.1).
func TestDeflateAccept(t *testing.T) {
	def := &DeflateOptions{}
	tests := []struct {
		name   string
		o      *DeflateOptions
		values []string
		p      deflateParams
		ok     bool
		err    string // a part of the error, "" for none
	}{
		{"declined", def, nil, deflateParams{}, false, ""},
		{"declined, empty header", def, []string{"", " , "}, deflateParams{}, false, ""},
		{"not offered, none chosen", nil, nil, deflateParams{}, false, ""},
		{"accepted", def, []string{"permessage-deflate"}, dfDefault, true, ""},
		{"accepted, empty elements", def, []string{", permessage-deflate ,", ""}, dfDefault, true, ""},
		// Responses of real servers to our default offer: Python websockets' defaults,
		// and Autobahn's fuzzingserver in cases 13.x.
		{"Python websockets", def, []string{"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"},
			dfParams(false, false, 12, 12), true, ""},
		{"Autobahn 13.2", def, []string{"permessage-deflate; client_no_context_takeover"}, dfParams(false, true, 15, 15), true, ""},
		{"Autobahn 13.3", def, []string{"permessage-deflate; client_max_window_bits=8"}, dfParams(false, false, 15, 8), true, ""},
		{"Autobahn 13.4", def, []string{"permessage-deflate; client_max_window_bits=15"}, dfDefault, true, ""},
		{"Autobahn 13.5", def, []string{"permessage-deflate; client_no_context_takeover; client_max_window_bits=8"}, dfParams(false, true, 15, 8), true, ""},
		// A server may add server_no_context_takeover and server_max_window_bits
		// unasked (§7.1.1.1, §7.1.2.1).
		{"server no takeover unasked", def, []string{"permessage-deflate; server_no_context_takeover"}, dfParams(true, false, 15, 15), true, ""},
		{"server window unasked", def, []string{"permessage-deflate; server_max_window_bits=9"}, dfParams(false, false, 9, 15), true, ""},
		{"quoted value", def, []string{`permessage-deflate; client_max_window_bits="10"`}, dfParams(false, false, 15, 10), true, ""},
		{"everything", def, []string{"permessage-deflate; client_max_window_bits=9; server_max_window_bits=8; client_no_context_takeover; server_no_context_takeover"},
			dfParams(true, true, 8, 9), true, ""},

		// What the client asked of the server must be honoured (§7.1.1.1, §7.1.2.1).
		{"server no takeover honoured", &DeflateOptions{ServerNoContextTakeover: true},
			[]string{"permessage-deflate; server_no_context_takeover"}, dfParams(true, false, 15, 15), true, ""},
		{"server no takeover ignored", &DeflateOptions{ServerNoContextTakeover: true},
			[]string{"permessage-deflate"}, deflateParams{}, false, "server_no_context_takeover was offered but is missing"},
		{"server window honoured", &DeflateOptions{ServerMaxWindowBits: 10},
			[]string{"permessage-deflate; server_max_window_bits=10"}, dfParams(false, false, 10, 15), true, ""},
		{"server window tightened", &DeflateOptions{ServerMaxWindowBits: 10},
			[]string{"permessage-deflate; server_max_window_bits=8"}, dfParams(false, false, 8, 15), true, ""},
		{"server window too large", &DeflateOptions{ServerMaxWindowBits: 10},
			[]string{"permessage-deflate; server_max_window_bits=11"}, deflateParams{}, false, "server_max_window_bits=11 is more than the 10 offered"},
		{"server window ignored", &DeflateOptions{ServerMaxWindowBits: 10},
			[]string{"permessage-deflate"}, deflateParams{}, false, "server_max_window_bits=10 was offered but is missing"},
		// The client's own promises hold even if the response leaves them out
		// (§7.1.1.2, §7.1.2.2), and the server may only tighten them.
		{"client no takeover promised", &DeflateOptions{ClientNoContextTakeover: true},
			[]string{"permessage-deflate"}, dfParams(false, true, 15, 15), true, ""},
		{"client window promised", &DeflateOptions{ClientMaxWindowBits: 10},
			[]string{"permessage-deflate"}, dfParams(false, false, 15, 10), true, ""},
		{"client window tightened", &DeflateOptions{ClientMaxWindowBits: 10},
			[]string{"permessage-deflate; client_max_window_bits=9"}, dfParams(false, false, 15, 9), true, ""},
		{"client window too large", &DeflateOptions{ClientMaxWindowBits: 10},
			[]string{"permessage-deflate; client_max_window_bits=11"}, deflateParams{}, false, "client_max_window_bits=11 is more than the 10 offered"},

		// Extensions the client did not offer (RFC 6455 §4.1, §9.1).
		{"nothing offered", nil, []string{"permessage-deflate"}, deflateParams{}, false, `server chose extension "permessage-deflate" that was not offered`},
		{"nothing offered, other extension", nil, []string{"x-foo; a=1"}, deflateParams{}, false, `server chose extension "x-foo" that was not offered`},
		{"other extension", def, []string{"x-foo"}, deflateParams{}, false, `server chose extension "x-foo" that was not offered`},
		{"other extension after ours", def, []string{"permessage-deflate, x-foo"}, deflateParams{}, false, `server chose extension "x-foo"`},
		{"other extension on a line of its own", def, []string{"permessage-deflate", "x-foo"}, deflateParams{}, false, `server chose extension "x-foo"`},
		{"name in other case", def, []string{"Permessage-Deflate"}, deflateParams{}, false, `server chose extension "Permessage-Deflate"`},
		{"ours twice", def, []string{"permessage-deflate, permessage-deflate"}, deflateParams{}, false, "permessage-deflate more than once"},
		{"ours twice on two lines", def, []string{"permessage-deflate", "permessage-deflate; client_max_window_bits=9"}, deflateParams{}, false, "more than once"},

		// Invalid parameters (§7.1).
		{"unknown parameter", def, []string{"permessage-deflate; foo=1"}, deflateParams{}, false, `unknown parameter "foo"`},
		{"parameter in other case", def, []string{"permessage-deflate; Server_No_Context_Takeover"}, deflateParams{}, false, `unknown parameter "Server_No_Context_Takeover"`},
		{"repeated parameter", def, []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, deflateParams{}, false, "parameter server_no_context_takeover repeated"},
		{"repeated window", def, []string{"permessage-deflate; client_max_window_bits=9; client_max_window_bits=9"}, deflateParams{}, false, "parameter client_max_window_bits repeated"},
		{"value on a flag", def, []string{"permessage-deflate; client_no_context_takeover=true"}, deflateParams{}, false, "parameter client_no_context_takeover has a value"},
		{"client window without value", def, []string{"permessage-deflate; client_max_window_bits"}, deflateParams{}, false, "parameter client_max_window_bits has no value"},
		{"server window without value", def, []string{"permessage-deflate; server_max_window_bits"}, deflateParams{}, false, "parameter server_max_window_bits has no value"},
		{"window 16", def, []string{"permessage-deflate; server_max_window_bits=16"}, deflateParams{}, false, "parameter server_max_window_bits=16 is not a window size from 8 to 15"},
		{"window 7", def, []string{"permessage-deflate; client_max_window_bits=7"}, deflateParams{}, false, "client_max_window_bits=7 is not a window size"},
		{"window leading zero", def, []string{"permessage-deflate; client_max_window_bits=09"}, deflateParams{}, false, "client_max_window_bits=09 is not a window size"},
		{"window word", def, []string{"permessage-deflate; client_max_window_bits=ten"}, deflateParams{}, false, "client_max_window_bits=ten is not a window size"},
		{"malformed", def, []string{"permessage-deflate;"}, deflateParams{}, false, "malformed Sec-WebSocket-Extensions"},
		{"malformed, nothing offered", nil, []string{"x;"}, deflateParams{}, false, "malformed Sec-WebSocket-Extensions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok, err := acceptDeflate(tc.values, tc.o)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("acceptDeflate(%q) = %+v, %v; want an error", tc.values, p, ok)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "websocket: ") || !strings.Contains(msg, tc.err) {
					t.Fatalf("error %q, want %q in a message starting with \"websocket: \"", msg, tc.err)
				}
				if ok || p != (deflateParams{}) {
					t.Errorf("acceptDeflate returned %+v, %v with the error", p, ok)
				}
				return
			}
			if err != nil {
				t.Fatalf("acceptDeflate(%q): %v", tc.values, err)
			}
			if ok != tc.ok || p != tc.p {
				t.Fatalf("acceptDeflate(%q) = %+v, %v; want %+v, %v", tc.values, p, ok, tc.p, tc.ok)
			}
		})
	}
}

// TestDeflateAcceptOffer checks responses against offers our client does not make, such
// as one without client_max_window_bits (RFC 7692 §7.1.2.2).
func TestDeflateAcceptOffer(t *testing.T) {
	tests := []struct {
		name  string
		offer deflateExt
		r     deflateExt
		p     deflateParams
		err   string
	}{
		{"no client window offered", deflateExt{}, deflateExt{}, dfDefault, ""},
		{"client window not offered", deflateExt{}, deflateExt{hasClientMaxWindowBits: true, clientMaxWindowBits: 12}, deflateParams{},
			"client_max_window_bits was not offered"},
		{"client window 15 not offered", deflateExt{}, deflateExt{hasClientMaxWindowBits: true, clientMaxWindowBits: 15}, deflateParams{},
			"client_max_window_bits was not offered"},
		{"server window 15 unasked", deflateExt{}, deflateExt{serverMaxWindowBits: 15}, dfDefault, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.offer.accept(tc.r)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("accept = %+v, %v; want an error about %q", p, err, tc.err)
			case tc.err == "" && (err != nil || p != tc.p):
				t.Fatalf("accept = %+v, %v; want %+v", p, err, tc.p)
			}
		})
	}
}

// dfOptionSets returns option sets covering every negotiated parameter: both flags and
// window sizes at the ends of the range, in between and unset.
func dfOptionSets() []*DeflateOptions {
	bits := []int{0, 8, 9, 12, 14, 15}
	var sets []*DeflateOptions
	for flags := range 4 {
		for _, sb := range bits {
			for _, cb := range bits {
				sets = append(sets, &DeflateOptions{
					ServerNoContextTakeover: flags&1 != 0,
					ClientNoContextTakeover: flags&2 != 0,
					ServerMaxWindowBits:     sb,
					ClientMaxWindowBits:     cb,
				})
			}
		}
	}
	return sets
}

// TestDeflateNegotiationRoundTrip checks, for many options on both sides, that the
// server accepts our client's offer, that the client accepts the server's response, and
// that both put the same parameters in force: for each one the tighter of the two sides'
// settings, since our client always offers client_max_window_bits.
func TestDeflateNegotiationRoundTrip(t *testing.T) {
	sets := dfOptionSets()
	for _, c := range sets {
		offer := c.offer()
		for _, s := range sets {
			response, sp, ok, _ := negotiateDeflate([]string{offer}, s)
			if !ok {
				t.Fatalf("server %+v declined client %+v's offer %q", *s, *c, offer)
			}
			cp, ok, err := acceptDeflate([]string{response}, c)
			if err != nil || !ok {
				t.Fatalf("client %+v refused response %q of server %+v: %v", *c, response, *s, err)
			}
			want := deflateParams{
				serverNoContextTakeover: c.ServerNoContextTakeover || s.ServerNoContextTakeover,
				clientNoContextTakeover: c.ClientNoContextTakeover || s.ClientNoContextTakeover,
				serverMaxWindowBits:     min(windowBits(c.ServerMaxWindowBits), windowBits(s.ServerMaxWindowBits)),
				clientMaxWindowBits:     min(windowBits(c.ClientMaxWindowBits), windowBits(s.ClientMaxWindowBits)),
			}
			if sp != want || cp != want {
				t.Fatalf("client %+v, server %+v: offer %q, response %q\n\tserver %+v\n\tclient %+v\n\twant   %+v", *c, *s, offer, response, sp, cp, want)
			}
		}
	}
}

// dfFuzzOptions returns the options that b selects: b[0]'s low bits the flags, b[1] and
// b[2] the server's and client's window size (0, or 8 to 15).
func dfFuzzOptions(b []byte) *DeflateOptions {
	var o DeflateOptions
	bits := func(i int) int {
		if i >= len(b) || b[i]%9 == 0 {
			return 0
		}
		return 7 + int(b[i]%9)
	}
	if len(b) > 0 {
		o.ServerNoContextTakeover = b[0]&1 != 0
		o.ClientNoContextTakeover = b[0]&2 != 0
	}
	o.ServerMaxWindowBits, o.ClientMaxWindowBits = bits(1), bits(2)
	return &o
}

func FuzzExtensionHeader(f *testing.F) {
	for _, s := range extensionHeaderSeeds() {
		f.Add(s.args[0].(string), s.args[1].(string))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		exts, err := parseExtensions([]string{a, b})
		// The values are one list, as if joined with commas (RFC 6455 §9.1).
		joined, jerr := parseExtensions([]string{a + ", " + b})
		if (err == nil) != (jerr == nil) || !reflect.DeepEqual(exts, joined) {
			t.Fatalf("as two lines: %+v, %v; as one: %+v, %v", exts, err, joined, jerr)
		}
		dfCheckAgainstReference(t, []string{a, b}, exts, err)
		dfCheckCursorCost(t, []string{a, b})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "websocket: ") || len(err.Error()) > hsMaxErrorLen {
				t.Fatalf("error %q lacks the package prefix or is not short", err)
			}
			return
		}
		for _, e := range exts {
			if e.name == "" || strings.ContainsFunc(e.name, dfNotToken) {
				t.Fatalf("extension name %q is not a token", e.name)
			}
			for _, p := range e.params {
				if p.name == "" || strings.ContainsFunc(p.name, dfNotToken) || p.hasValue == (p.value == "") || strings.ContainsFunc(p.value, dfNotToken) {
					t.Fatalf("parameter %+v is not a token with an optional token value", p)
				}
			}
		}
		again, err := parseExtensions([]string{dfFormat(exts)})
		if err != nil || !reflect.DeepEqual(again, exts) {
			t.Fatalf("%q reformatted as %q parses as %+v, %v; want %+v", []string{a, b}, dfFormat(exts), again, err, exts)
		}
	})
}

// dfMeasureAllocs reports whether a fuzz input of size bytes is one of the eighth whose
// allocations are counted: testing.AllocsPerRun stops the world twice, which would cut
// the fuzzer's speed several times if done for every input. The choice depends on the
// input only, so a failure reproduces.
func dfMeasureAllocs(size int) bool { return size%8 == 0 }

// dfCheckCursorCost checks that reading values with extCursor is linear and allocates at
// most its one error: each element it returns consumes at least its name's byte and each
// parameter at least ";" and a byte of name, so the calls that return something are
// fewer than the bytes.
func dfCheckCursorCost(t *testing.T, values []string) {
	t.Helper()
	size := 0
	for _, v := range values {
		size += len(v)
	}
	calls := 0
	read := func() {
		calls = 0
		c := newExtCursor(values)
		for _, more := c.next(); more; _, more = c.next() {
			calls++
			for _, ok := c.param(); ok; _, ok = c.param() {
				calls++
			}
		}
	}
	allocs := 0.0
	if dfMeasureAllocs(size) {
		allocs = testing.AllocsPerRun(1, read)
	} else {
		read()
	}
	if calls > size || allocs > 1 {
		t.Fatalf("reading %d bytes took %d calls and %v allocations", size, calls, allocs)
	}
}

// dfReferenceParse parses a Sec-WebSocket-Extensions list without bounds, materialising
// everything, as the package did before extCursor. On a syntax error it returns the
// elements read, the one being read included, and the error's "expected ... at byte n"
// part; atParam tells whether the error came after a ";" (a parameter was due).
func dfReferenceParse(values []string) (exts []extension, msg string, atParam bool) {
	for _, v := range values {
		s := v
		fail := func(want string) string { return fmt.Sprintf("expected %s at byte %d", want, len(v)-len(s)) }
		for {
			if s = strings.TrimLeft(s, " \t"); s == "" {
				break
			}
			if s[0] == ',' {
				s = s[1:]
				continue
			}
			var e extension
			if e.name, s = cutToken(s); e.name == "" {
				return exts, fail("an extension name"), false
			}
			exts = append(exts, e)
			last := &exts[len(exts)-1]
			for s = strings.TrimLeft(s, " \t"); s != "" && s[0] == ';'; s = strings.TrimLeft(s, " \t") {
				var p extensionParam
				s = strings.TrimLeft(s[1:], " \t")
				if p.name, s = cutToken(s); p.name == "" {
					return exts, fail("a parameter name"), true
				}
				if s = strings.TrimLeft(s, " \t"); s != "" && s[0] == '=' {
					s = strings.TrimLeft(s[1:], " \t")
					raw, rest, ok := cutValue(s)
					if !ok {
						return exts, fail("a token or a quoted token"), true
					}
					s = rest
					p.hasValue, p.value = true, raw
					if raw[0] == '"' {
						var b strings.Builder
						for i := 1; i < len(raw)-1; i++ {
							if raw[i] == '\\' {
								i++
							}
							b.WriteByte(raw[i])
						}
						p.value = b.String()
					}
				}
				last.params = append(last.params, p)
			}
			if s != "" && s[0] != ',' {
				return exts, fail(`";" or ","`), false
			}
		}
	}
	return exts, "", false
}

// dfCheckAgainstReference checks what parseExtensions (extCursor) made of values against
// dfReferenceParse: the same list and error within the bounds, and over them the error
// of the bound that comes first.
func dfCheckAgainstReference(t *testing.T, values []string, got []extension, err error) {
	t.Helper()
	ref, msg, atParam := dfReferenceParse(values)
	var want error // a bound the cursor must hit, in the order it reads
	for i, e := range ref {
		partial := msg != "" && i == len(ref)-1
		switch {
		case i == maxExtensionElements:
			want = errTooManyExtensions
		case len(e.params) > maxExtensionParams, partial && atParam && len(e.params) == maxExtensionParams:
			want = errTooManyExtParams
		}
		if want != nil {
			break
		}
	}
	switch {
	case want != nil:
		if err != want {
			t.Fatalf("%q: got %v, want %v", values, err, want)
		}
	case msg != "":
		if err == nil || !strings.HasSuffix(err.Error(), ": "+msg) {
			t.Fatalf("%q: got %v, want an error ending %q", values, err, msg)
		}
	default:
		if err != nil || !reflect.DeepEqual(got, ref) {
			t.Fatalf("%q: got %+v, %v; want %+v", values, got, err, ref)
		}
	}
}

// dfNotToken reports whether r may not stand in a token.
func dfNotToken(r rune) bool { return r >= 0x80 || !tokenChars[r] }

func FuzzDeflateNegotiation(f *testing.F) {
	for _, s := range deflateNegotiationSeeds() {
		f.Add(s.args[0].(string), s.args[1].([]byte))
	}
	f.Fuzz(func(t *testing.T, header string, opts []byte) {
		server := dfFuzzOptions(opts)
		var (
			response string
			sp       deflateParams
			ok       bool
			limit    *extLimitError
		)
		// The server allocates nothing but its response or a syntax error, whatever the
		// offers.
		negotiate := func() { response, sp, ok, limit = negotiateDeflate([]string{header}, server) }
		if !dfMeasureAllocs(len(header)) {
			negotiate()
		} else if allocs := testing.AllocsPerRun(1, negotiate); allocs > 2 {
			t.Fatalf("negotiateDeflate(%q) allocated %v times", header, allocs)
		}

		// The offer the server had to choose: the first valid permessage-deflate one.
		var chosen *deflateExt
		exts, err := parseExtensions([]string{header})
		if err == nil {
			for _, e := range exts {
				if d, err := dfDeflateExt(e, false); e.name == deflateName && err == nil {
					chosen = &d
					break
				}
			}
		}
		if le, isLimit := err.(*extLimitError); (limit != nil) != isLimit || (isLimit && le != limit) {
			t.Fatalf("negotiateDeflate(%q) over a bound: %v; the list: %v", header, limit, err)
		}
		if ok != (chosen != nil) {
			t.Fatalf("negotiateDeflate(%q) = %q, %v; first acceptable offer %+v", header, response, ok, chosen)
		}

		// The header as a response: the client never panics, and what it accepts is
		// within the RFC's ranges.
		if cp, cok, err := acceptDeflate([]string{header}, server); cok {
			dfCheckRange(t, cp)
		} else if err != nil && (!strings.HasPrefix(err.Error(), "websocket: ") || len(err.Error()) > hsMaxErrorLen) {
			t.Fatalf("error %q lacks the package prefix or is not short", err)
		}
		if !ok {
			return
		}
		dfCheckRange(t, sp)
		if sp.serverMaxWindowBits > windowBits(server.ServerMaxWindowBits) || sp.clientMaxWindowBits > windowBits(chosen.clientMaxWindowBits) ||
			sp.serverNoContextTakeover != (chosen.serverNoContextTakeover || server.ServerNoContextTakeover) {
			t.Fatalf("params %+v break the offer %+v or the server's options %+v", sp, *chosen, *server)
		}
		if chosen.serverMaxWindowBits != 0 && sp.serverMaxWindowBits > chosen.serverMaxWindowBits {
			t.Fatalf("server window %d is above the %d offered", sp.serverMaxWindowBits, chosen.serverMaxWindowBits)
		}

		// The response accepts that very offer with the same parameters ...
		rexts, err := parseExtensions([]string{response})
		if err != nil || len(rexts) != 1 || rexts[0].name != deflateName {
			t.Fatalf("response %q parses as %+v, %v", response, rexts, err)
		}
		r, err := dfDeflateExt(rexts[0], true)
		if err != nil {
			t.Fatalf("response %q: %v", response, err)
		}
		if p, err := chosen.accept(r); err != nil || p != sp {
			t.Fatalf("offer %+v, response %q: client derives %+v, %v; server %+v", *chosen, response, p, err, sp)
		}
		// ... and our client, with options asking what that offer asked, agrees.
		client := &DeflateOptions{
			ServerNoContextTakeover: chosen.serverNoContextTakeover,
			ClientNoContextTakeover: chosen.clientNoContextTakeover,
			ServerMaxWindowBits:     chosen.serverMaxWindowBits,
			ClientMaxWindowBits:     chosen.clientMaxWindowBits,
		}
		if cp, cok, err := acceptDeflate([]string{response}, client); err != nil || !cok || cp != sp {
			t.Fatalf("client %+v reads response %q as %+v, %v, %v; server %+v", *client, response, cp, cok, err, sp)
		}
	})
}

// dfCheckRange fails t if p holds a window size outside 8 to 15.
func dfCheckRange(t *testing.T, p deflateParams) {
	t.Helper()
	for _, b := range []int{p.serverMaxWindowBits, p.clientMaxWindowBits} {
		if b < minWindowBits || b > maxWindowBits {
			t.Fatalf("params %+v hold window size %d", p, b)
		}
	}
}

// extensionHeaderSeeds are pairs of header lines: real offers and responses, and
// corruptions of them.
func extensionHeaderSeeds() []fuzzSeed {
	return []fuzzSeed{
		{"chromium", []any{dfChromium, ""}},
		{"firefox", []any{dfFirefox, ""}},
		{"autobahn-13.7", []any{dfAutobahnOffer(true, 8) + ", " + dfAutobahnOffer(true, 0), dfAutobahnOffer(false, 0)}},
		{"python-response", []any{"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", ""}},
		{"two-lines", []any{"foo", "bar; baz=2"}},
		{"quoted", []any{`permessage-deflate; server_max_window_bits="10"`, `x; a="1\0"`}},
		{"whitespace", []any{" \tpermessage-deflate \t; \tclient_max_window_bits \t= \t10 \t,", ",, x-foo"}},
		{"trailing-semicolon", []any{"permessage-deflate;", ""}},
		{"unterminated-quote", []any{`x; a="1`, `0"`}},
		{"escaped-quote", []any{`x; a="\""`, ""}},
		// The bounds of extCursor, and long runs of what it skips.
		{"offers-at-limit", []any{hsOffers("x-foo", 20), hsOffers(dfChromium, maxExtensionElements-20)}},
		{"too-many-offers", []any{hsOffers("x-foo", 20), hsOffers(dfChromium, maxExtensionElements-19)}},
		{"params-at-limit", []any{hsParams("x-foo", maxExtensionParams), dfChromium}},
		{"too-many-params", []any{hsParams("x-foo", maxExtensionParams+1), ""}},
		{"too-many-params-then-malformed", []any{hsParams("x-foo", maxExtensionParams) + "; ", ""}},
		{"quoted-escapes", []any{`x; a="\a\b\c"; b="\1"`, `y; c="\\"`}},
		{"long-quoted", []any{`x; a="` + strings.Repeat(`\1`, 2048) + `"`, ""}},
		{"empty-elements", []any{strings.Repeat(" ,\t", 2048), strings.Repeat(",", 2048) + "x"}},
	}
}

// deflateNegotiationSeeds are offers, real and invalid, with server options (see
// dfFuzzOptions).
func deflateNegotiationSeeds() []fuzzSeed {
	none, strict, small := []byte{0, 0, 0}, []byte{3, 3, 5}, []byte{0, 1, 1} // strict: 10 and 12 bits; small: 8
	return []fuzzSeed{
		{"chromium", []any{dfChromium, none}},
		{"chromium-strict", []any{dfChromium, strict}},
		{"firefox", []any{dfFirefox, none}},
		{"firefox-strict", []any{dfFirefox, strict}},
		{"node-ws", []any{dfNodeWS, small}},
		{"python-websockets", []any{dfPython, none}},
		{"autobahn-13.1", []any{dfAutobahnOffer(false, 0), none}},
		{"autobahn-13.2", []any{dfAutobahnOffer(true, 0), none}},
		{"autobahn-13.3", []any{dfAutobahnOffer(false, 8), strict}},
		{"autobahn-13.4", []any{dfAutobahnOffer(false, 15), none}},
		{"autobahn-13.5", []any{dfAutobahnOffer(true, 8), small}},
		{"autobahn-13.6", []any{dfAutobahnOffer(true, 15), strict}},
		{"autobahn-9", []any{dfAutobahnOffer(true, 9), none}},
		{"autobahn-13.7", []any{dfAutobahnOffer(true, 8) + ", " + dfAutobahnOffer(true, 0) + ", " + dfAutobahnOffer(false, 0), strict}},
		{"client-window", []any{"permessage-deflate; client_max_window_bits=9", strict}},
		{"quoted", []any{`permessage-deflate; server_max_window_bits="10"; client_max_window_bits="11"`, none}},
		{"invalid-then-valid", []any{"permessage-deflate; foo, permessage-deflate; server_max_window_bits=020, x-foo, permessage-deflate", small}},
		{"other-extension", []any{"x-webkit-deflate-frame", none}},
		{"malformed", []any{dfChromium + ", x;", none}},
		// The bounds of extCursor: over them the server refuses the request.
		{"offers-at-limit-valid-last", []any{hsOffers("x-foo", maxExtensionElements-1) + ", " + dfChromium, strict}},
		{"too-many-offers-valid-first", []any{dfChromium + ", " + hsOffers("x-foo", maxExtensionElements), none}},
		{"too-many-params", []any{hsParams(deflateName, maxExtensionParams+1), none}},
		{"params-at-limit-then-valid", []any{hsParams(deflateName, maxExtensionParams) + ", " + dfChromium, small}},
		{"quoted-escaped-window", []any{`permessage-deflate; server_max_window_bits="1\0"; client_max_window_bits="\9"`, none}},
		{"long-window-value", []any{"permessage-deflate; client_max_window_bits=" + strings.Repeat("9", 4096), none}},
	}
}

// TestWriteDeflateFuzzSeeds regenerates the seed corpora of the fuzz targets above, like
// TestWriteFuzzSeeds:
//
//	HAYATE_WRITE_FUZZ_SEEDS=1 go test -run '^TestWriteDeflateFuzzSeeds$' .
func TestWriteDeflateFuzzSeeds(t *testing.T) {
	if os.Getenv(fuzzSeedsEnv) == "" {
		t.Skip("set " + fuzzSeedsEnv + "=1 to regenerate the seed corpora under testdata/fuzz")
	}
	writeFuzzSeeds(t, "FuzzExtensionHeader", extensionHeaderSeeds())
	writeFuzzSeeds(t, "FuzzDeflateNegotiation", deflateNegotiationSeeds())
}
