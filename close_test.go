package websocket

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStatusCodeString(t *testing.T) {
	tests := []struct {
		code StatusCode
		want string
	}{
		{StatusNormalClosure, "1000 (normal closure)"},
		{StatusGoingAway, "1001 (going away)"},
		{StatusProtocolError, "1002 (protocol error)"},
		{StatusUnsupportedData, "1003 (unsupported data)"},
		{1004, "1004"},
		{StatusNoStatusRcvd, "1005 (no status received)"},
		{StatusAbnormalClosure, "1006 (abnormal closure)"},
		{StatusInvalidFramePayloadData, "1007 (invalid frame payload data)"},
		{StatusPolicyViolation, "1008 (policy violation)"},
		{StatusMessageTooBig, "1009 (message too big)"},
		{StatusMandatoryExtension, "1010 (mandatory extension)"},
		{StatusInternalError, "1011 (internal error)"},
		{StatusServiceRestart, "1012 (service restart)"},
		{StatusTryAgainLater, "1013 (try again later)"},
		{StatusBadGateway, "1014 (bad gateway)"},
		{StatusTLSHandshake, "1015 (TLS handshake)"},
		{1016, "1016"},
		{3000, "3000"},
		{4999, "4999"},
		{0, "0"},
		{-1, "-1"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.code.String(); got != tc.want {
				t.Errorf("StatusCode(%d).String() = %q, want %q", int(tc.code), got, tc.want)
			}
		})
	}
}

func TestStatusCodeSendable(t *testing.T) {
	// RFC 6455 §7.4.1 and the IANA registry: 1004 is reserved, 1005, 1006 and 1015 must
	// never be sent, 1016-2999 are unassigned or reserved for the protocol, 3000-4999 are
	// for libraries and applications, and nothing outside 1000-4999 is valid.
	rule := func(c int) bool {
		return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)
	}
	for c := -1; c <= 5000; c++ {
		if got := StatusCode(c).sendable(); got != rule(c) {
			t.Errorf("StatusCode(%d).sendable() = %v, want %v", c, got, rule(c))
		}
	}
	for _, c := range []int{65535, 65536, 1 << 20} {
		if StatusCode(c).sendable() {
			t.Errorf("StatusCode(%d).sendable() = true", c)
		}
	}
}

func TestParseClosePayload(t *testing.T) {
	code := func(c int, reason string) []byte {
		return append([]byte{byte(c >> 8), byte(c)}, reason...)
	}
	reason123 := strings.Repeat("é", 61) + "x" // 123 bytes of valid UTF-8
	tests := []struct {
		name     string
		p        []byte
		want     CloseError
		wantCode StatusCode // status of the protocol error, 0 for none
	}{
		{"empty", nil, CloseError{Code: StatusNoStatusRcvd}, 0},
		{"one byte", []byte{0x03}, CloseError{}, StatusProtocolError},
		{"1000 no reason", code(1000, ""), CloseError{Code: 1000}, 0},
		{"1001 reason", code(1001, "bye"), CloseError{Code: 1001, Reason: "bye"}, 0},
		{"1003", code(1003, ""), CloseError{Code: 1003}, 0},
		{"1007", code(1007, ""), CloseError{Code: 1007}, 0},
		{"1014", code(1014, ""), CloseError{Code: 1014}, 0},
		{"3000", code(3000, ""), CloseError{Code: 3000}, 0},
		{"4999 UTF-8 reason", code(4999, "héllo ☃"), CloseError{Code: 4999, Reason: "héllo ☃"}, 0},
		{"123-byte reason", code(1000, reason123), CloseError{Code: 1000, Reason: reason123}, 0},
		{"code 0", code(0, ""), CloseError{}, StatusProtocolError},
		{"code 999", code(999, ""), CloseError{}, StatusProtocolError},
		{"code 1004", code(1004, ""), CloseError{}, StatusProtocolError},
		{"code 1005", code(1005, ""), CloseError{}, StatusProtocolError},
		{"code 1006", code(1006, "x"), CloseError{}, StatusProtocolError},
		{"code 1015", code(1015, ""), CloseError{}, StatusProtocolError},
		{"code 1016", code(1016, ""), CloseError{}, StatusProtocolError},
		{"code 2999", code(2999, ""), CloseError{}, StatusProtocolError},
		{"code 5000", code(5000, ""), CloseError{}, StatusProtocolError},
		{"code 65535", code(65535, ""), CloseError{}, StatusProtocolError},
		{"reason 0xff", code(1000, "\xff"), CloseError{}, StatusInvalidFramePayloadData},
		{"reason truncated sequence", code(1000, "ok\xe2\x82"), CloseError{}, StatusInvalidFramePayloadData},
		{"reason overlong slash", code(1000, "\xc0\xaf"), CloseError{}, StatusInvalidFramePayloadData},
		{"reason surrogate", code(1000, "\xed\xa0\x80"), CloseError{}, StatusInvalidFramePayloadData},
		{"reason above U+10FFFF", code(1000, "\xf4\x90\x80\x80"), CloseError{}, StatusInvalidFramePayloadData},
		{"invalid code wins over invalid reason", code(1005, "\xff"), CloseError{}, StatusProtocolError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseClosePayload(tc.p)
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("parseClosePayload(% x): %v", tc.p, err)
				}
				if got != tc.want {
					t.Errorf("parseClosePayload(% x) = %+v, want %+v", tc.p, got, tc.want)
				}
				return
			}
			var pe *protocolError
			if !errors.As(err, &pe) {
				t.Fatalf("parseClosePayload(% x) = %+v, %v; want a protocol error", tc.p, got, err)
			}
			if pe.code != tc.wantCode {
				t.Errorf("parseClosePayload(% x) fails with status %v, want %v", tc.p, pe.code, tc.wantCode)
			}
			if !strings.HasPrefix(err.Error(), "websocket: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestCheckClose(t *testing.T) {
	tests := []struct {
		name   string
		code   StatusCode
		reason string
		want   error // nil for acceptance; otherwise the error that must be in the chain
	}{
		{"1000 empty", StatusNormalClosure, "", nil},
		{"4000 reason", 4000, "custom", nil},
		{"123 bytes", StatusGoingAway, strings.Repeat("a", 123), nil},
		{"123 bytes multibyte", StatusGoingAway, strings.Repeat("€", 41), nil},
		{"124 bytes", StatusGoingAway, strings.Repeat("a", 124), errCloseReasonLong},
		{"124 bytes multibyte", StatusGoingAway, strings.Repeat("€", 41) + "a", errCloseReasonLong},
		{"bad UTF-8", StatusNormalClosure, "a\xffb", errCloseReasonText},
		{"surrogate", StatusNormalClosure, "\xed\xbf\xbf", errCloseReasonText},
		{"code 1004", 1004, "", errInvalidCloseCode},
		{"code 1005", StatusNoStatusRcvd, "", errInvalidCloseCode},
		{"code 1006", StatusAbnormalClosure, "", errInvalidCloseCode},
		{"code 1015", StatusTLSHandshake, "", errInvalidCloseCode},
		{"code 0", 0, "", errInvalidCloseCode},
		{"code 2999", 2999, "", errInvalidCloseCode},
		{"code 5000", 5000, "", errInvalidCloseCode},
		{"code -1", -1, "", errInvalidCloseCode},
		{"code 66536", 66536, "", errInvalidCloseCode}, // 1000 after truncation to 16 bits
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkClose(tc.code, tc.reason)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("checkClose(%d, %q) = %v", int(tc.code), tc.reason, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("checkClose(%d, %.10q…) = %v, want %v", int(tc.code), tc.reason, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "websocket: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestAppendClosePayloadRoundTrip(t *testing.T) {
	reasons := []string{"", "bye", "héllo ☃", strings.Repeat("z", maxCloseReason)}
	for c := StatusCode(0); c <= 5000; c++ {
		if !c.sendable() {
			continue
		}
		for _, reason := range reasons {
			p := appendClosePayload(nil, c, reason)
			if len(p) != 2+len(reason) || len(p) > maxControlPayload {
				t.Fatalf("appendClosePayload(%d, %q) has %d bytes", int(c), reason, len(p))
			}
			got, err := parseClosePayload(p)
			if err != nil || got != (CloseError{Code: c, Reason: reason}) {
				t.Fatalf("round trip of %d %q = %+v, %v", int(c), reason, got, err)
			}
		}
	}
	// No status code: the empty payload, reported back as 1005.
	if p := appendClosePayload([]byte("x"), StatusNoStatusRcvd, ""); string(p) != "x" {
		t.Errorf("appendClosePayload(1005) appended %q, want nothing", p[1:])
	}
	if got, err := parseClosePayload(appendClosePayload(nil, StatusNoStatusRcvd, "")); err != nil || got.Code != StatusNoStatusRcvd {
		t.Errorf("round trip of 1005 = %+v, %v", got, err)
	}
	// Appending keeps what is already there.
	if p := appendClosePayload([]byte{0xaa}, StatusGoingAway, "z"); !bytes.Equal(p, []byte{0xaa, 0x03, 0xe9, 'z'}) {
		t.Errorf("appendClosePayload after a prefix = % x", p)
	}
}

func TestCloseErrorString(t *testing.T) {
	tests := []struct {
		err  CloseError
		want string
	}{
		{CloseError{Code: StatusNormalClosure}, "websocket: peer closed with status 1000 (normal closure)"},
		{CloseError{Code: 4001, Reason: "kicked"}, "websocket: peer closed with status 4001: kicked"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestCloseStatus(t *testing.T) {
	ce := CloseError{Code: StatusGoingAway, Reason: "restart"}
	tests := []struct {
		name string
		err  error
		want StatusCode
	}{
		{"nil", nil, -1},
		{"plain error", errors.New("x"), -1},
		{"io.EOF", io.EOF, -1},
		{"CloseError", ce, StatusGoingAway},
		{"wrapped once", fmt.Errorf("read: %w", ce), StatusGoingAway},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", ce)), StatusGoingAway},
		{"joined", errors.Join(io.EOF, CloseError{Code: 4000}), 4000},
		{"closedError", &closedError{cause: CloseError{Code: StatusPolicyViolation}}, StatusPolicyViolation},
		{"wrapped closedError", fmt.Errorf("read: %w", &closedError{cause: ce}), StatusGoingAway},
		{"closedError without cause", &closedError{}, -1},
		{"closedError with I/O cause", &closedError{cause: io.ErrUnexpectedEOF}, -1},
		{"HandshakeError", &HandshakeError{Status: 400}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CloseStatus(tc.err); got != tc.want {
				t.Errorf("CloseStatus(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestClosedError(t *testing.T) {
	peer := CloseError{Code: StatusNormalClosure, Reason: "done"}
	tests := []struct {
		name      string
		err       *closedError
		wantText  string
		wantCause error // must be in the chain besides net.ErrClosed; nil for none
	}{
		{"local close", &closedError{}, "websocket: use of closed connection", nil},
		{"peer close", &closedError{cause: peer}, peer.Error(), nil},
		{"I/O failure", &closedError{cause: io.ErrUnexpectedEOF}, "websocket: connection closed: unexpected EOF", io.ErrUnexpectedEOF},
		{"protocol violation", &closedError{cause: errReservedOpcode}, "websocket: connection closed: websocket: reserved opcode", errReservedOpcode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, err := range []error{tc.err, fmt.Errorf("websocket: read: %w", tc.err)} {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("errors.Is(%v, net.ErrClosed) = false", err)
				}
				if tc.wantCause != nil && !errors.Is(err, tc.wantCause) {
					t.Errorf("errors.Is(%v, %v) = false", err, tc.wantCause)
				}
				var ce CloseError
				gotCE := errors.As(err, &ce)
				if wantCE := tc.err.cause == peer; gotCE != wantCE || (gotCE && ce != peer) {
					t.Errorf("errors.As(%v, *CloseError) = %v, %+v", err, gotCE, ce)
				}
			}
			if got := tc.err.Error(); got != tc.wantText {
				t.Errorf("Error() = %q, want %q", got, tc.wantText)
			}
		})
	}
}

func FuzzClosePayload(f *testing.F) {
	for _, s := range closePayloadSeeds() {
		f.Add(s.args[0].([]byte))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		ce, err := parseClosePayload(p)
		if err != nil {
			var pe *protocolError
			if !errors.As(err, &pe) {
				t.Fatalf("parseClosePayload(% x) error %v is not a protocol error", p, err)
			}
			switch pe.code {
			case StatusProtocolError:
				if len(p) >= 2 && StatusCode(int(p[0])<<8|int(p[1])).sendable() {
					t.Fatalf("parseClosePayload(% x) refused a sendable code", p)
				}
			case StatusInvalidFramePayloadData:
				if len(p) < 2 || utf8.Valid(p[2:]) {
					t.Fatalf("parseClosePayload(% x) refused a valid reason", p)
				}
			default:
				t.Fatalf("parseClosePayload(% x) fails with status %v", p, pe.code)
			}
			return
		}
		if len(p) == 0 {
			if ce != (CloseError{Code: StatusNoStatusRcvd}) {
				t.Fatalf("empty payload parsed as %+v", ce)
			}
			return
		}
		if !ce.Code.sendable() || !utf8.ValidString(ce.Reason) {
			t.Fatalf("parseClosePayload(% x) accepted %+v", p, ce)
		}
		if len(ce.Reason) <= maxCloseReason {
			if err := checkClose(ce.Code, ce.Reason); err != nil {
				t.Fatalf("accepted close %+v cannot be sent back: %v", ce, err)
			}
		}
		if enc := appendClosePayload(nil, ce.Code, ce.Reason); !bytes.Equal(enc, p) {
			t.Fatalf("round trip: % x re-encoded as % x", p, enc)
		}
	})
}

func closePayloadSeeds() []fuzzSeed {
	seeds := []fuzzSeed{
		{"empty", []any{appendClosePayload(nil, StatusNoStatusRcvd, "")}},
		{"normal", []any{appendClosePayload(nil, StatusNormalClosure, "")}},
		{"going-away-reason", []any{appendClosePayload(nil, StatusGoingAway, "server restart")}},
		{"utf8-reason", []any{appendClosePayload(nil, 4000, "héllo ☃ 𝄞")}},
		{"long-reason", []any{appendClosePayload(nil, 3000, strings.Repeat("r", maxCloseReason))}},
		{"too-big", []any{appendClosePayload(nil, StatusMessageTooBig, "")}},
	}
	// Corrupted encoder output: a lone byte, codes that may not be sent, a bad reason.
	seeds = append(seeds,
		fuzzSeed{"one-byte", []any{appendClosePayload(nil, StatusNormalClosure, "")[:1]}},
		fuzzSeed{"code-1005", []any{[]byte{0x03, 0xed}}},
		fuzzSeed{"code-1006-reason", []any{[]byte{0x03, 0xee, 'x'}}},
		fuzzSeed{"code-65535", []any{[]byte{0xff, 0xff}}},
		fuzzSeed{"bad-utf8", []any{append(appendClosePayload(nil, StatusNormalClosure, ""), 0xff, 0xfe)}},
	)
	return seeds
}
