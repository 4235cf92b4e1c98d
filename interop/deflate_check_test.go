package interop

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hayate-ws/websocket"

	"github.com/hayate-ws/websocket/autobahn/inflate"
)

// This file judges a compression test connection from what Hayate's wire tap kept: the
// negotiation in the HTTP heads, and every data frame of both directions, decoded with
// inflate_test.go's decoder, not with either side's.

// pmdParams are the permessage-deflate parameters of one offer or response (RFC 7692
// §7.1); a window of 0 means the parameter is absent.
type pmdParams struct {
	serverNCT, clientNCT   bool
	serverBits, clientBits int
	clientBitsBare         bool // client_max_window_bits without a value (offers only)
}

func (p pmdParams) String() string {
	var parts []string
	if p.serverNCT {
		parts = append(parts, "server_no_context_takeover")
	}
	if p.clientNCT {
		parts = append(parts, "client_no_context_takeover")
	}
	if p.serverBits != 0 {
		parts = append(parts, "server_max_window_bits="+strconv.Itoa(p.serverBits))
	}
	if p.clientBits != 0 {
		parts = append(parts, "client_max_window_bits="+strconv.Itoa(p.clientBits))
	} else if p.clientBitsBare {
		parts = append(parts, "client_max_window_bits")
	}
	return "permessage-deflate" + strings.Join(append([]string{""}, parts...), "; ")
}

// parsePMD parses the permessage-deflate elements of Sec-WebSocket-Extensions header
// values. Other extensions are returned by name in others.
func parsePMD(values []string, offer bool) (pmds []pmdParams, others []string, err error) {
	for _, item := range strings.Split(strings.Join(values, ","), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		fields := strings.Split(item, ";")
		name := strings.TrimSpace(fields[0])
		if name != "permessage-deflate" {
			others = append(others, name)
			continue
		}
		var p pmdParams
		seen := map[string]bool{}
		for _, f := range fields[1:] {
			k, v, hasValue := strings.Cut(strings.TrimSpace(f), "=")
			k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
			if seen[k] {
				return nil, nil, fmt.Errorf("%q: repeated parameter %s", item, k)
			}
			seen[k] = true
			bits := func() (int, error) {
				n, err := strconv.Atoi(v)
				if !hasValue || err != nil || n < 8 || n > 15 {
					return 0, fmt.Errorf("%q: invalid %s", item, k)
				}
				return n, nil
			}
			switch k {
			case "server_no_context_takeover", "client_no_context_takeover":
				if hasValue {
					return nil, nil, fmt.Errorf("%q: %s takes no value", item, k)
				}
				if k[0] == 's' {
					p.serverNCT = true
				} else {
					p.clientNCT = true
				}
			case "server_max_window_bits":
				if p.serverBits, err = bits(); err != nil {
					return nil, nil, err
				}
			case "client_max_window_bits":
				if !hasValue && offer {
					p.clientBitsBare = true
				} else if p.clientBits, err = bits(); err != nil {
					return nil, nil, err
				}
			default:
				return nil, nil, fmt.Errorf("%q: unknown parameter %s", item, k)
			}
		}
		pmds = append(pmds, p)
	}
	return pmds, others, nil
}

// accepts reports whether response r accepts offer o (RFC 7692 §7.1.1, §7.1.2). A
// server may add server_no_context_takeover and server_max_window_bits unasked.
func accepts(o, r pmdParams) bool {
	switch {
	case o.serverNCT && !r.serverNCT:
		return false // a requested server_no_context_takeover must be granted
	case o.serverBits != 0 && (r.serverBits == 0 || r.serverBits > o.serverBits):
		return false // server_max_window_bits is accepted with the same or a smaller value
	case r.clientBits != 0 && !o.clientBitsBare && o.clientBits == 0:
		return false // client_max_window_bits only if the client offered it
	case r.clientBits != 0 && o.clientBits != 0 && r.clientBits > o.clientBits:
		return false // and no more than the client's own value
	}
	return true
}

// bitsOr15 returns a window size in bits, 15 when absent.
func bitsOr15(b int) int {
	if b == 0 {
		return 15
	}
	return b
}

// wireMsg is one data message as it went over the wire, and what the tap decoded.
type wireMsg struct {
	frames     []frameInfo
	compressed bool // RSV1 on the first frame
	wire       int  // payload bytes on the wire
	data       []byte
	maxDist    int
	err        error
}

// decodeMessages decodes one direction of a connection. History from earlier
// compressed messages is offered to each one only with context takeover, so that
// without it a reference into an earlier message fails to decode.
func decodeMessages(frames []frameInfo, takeover bool) []wireMsg {
	var out []wireMsg
	var hist []byte
	for _, fs := range dataMessages(frames) {
		m := wireMsg{frames: fs, compressed: fs[0].rsv&0x40 != 0}
		var payload []byte
		for _, f := range fs {
			payload = append(payload, f.payload...)
		}
		m.wire = len(payload)
		if !m.compressed {
			m.data = payload
			out = append(out, m)
			continue
		}
		h := hist
		if !takeover {
			h = nil
		}
		res, err := inflate.Message(h, payload, 64<<20)
		m.data, m.maxDist, m.err = res.Out, res.MaxDist, err
		if err == nil {
			hist = append(hist, res.Out...)
			if len(hist) > 32<<10 {
				hist = append([]byte(nil), hist[len(hist)-32<<10:]...)
			}
		}
		out = append(out, m)
	}
	return out
}

// frameProblems checks the frames of one data message with permessage-deflate in mind:
// RSV1 on the first frame only and only once negotiated, RSV2 and RSV3 never, a data
// opcode first, continuations after, FIN on the last.
func frameProblems(m wireMsg, negotiated bool) []string {
	var out []string
	for i, f := range m.frames {
		switch {
		case f.rsv&0x30 != 0:
			out = append(out, fmt.Sprintf("frame %d %v has RSV2 or RSV3 set", i, f))
		case f.rsv&0x40 != 0 && (i > 0 || !negotiated):
			out = append(out, fmt.Sprintf("frame %d %v has RSV1 set (only a message's first frame may, once negotiated)", i, f))
		case i == 0 && f.op != 0x1 && f.op != 0x2, i > 0 && f.op != 0x0:
			out = append(out, fmt.Sprintf("frame %d %v has the wrong opcode", i, f))
		case f.fin != (i == len(m.frames)-1):
			out = append(out, fmt.Sprintf("frame %d %v: FIN on the wrong frame", i, f))
		}
	}
	return out
}

// checkDeflateWire judges one compression test connection from Hayate's wire tap.
// opts are Hayate's options on it; hayateServer says which side Hayate is.
func checkDeflateWire(t *testing.T, w wire, hayateServer bool, opts websocket.DeflateOptions, peer deflatePeer, prof deflateProfile) {
	t.Helper()
	plan := deflatePlan()
	serverName, clientName := peer.name+"'s server", "Hayate's client"
	if hayateServer {
		serverName, clientName = "Hayate's server", peer.name+"'s client"
	}
	if w.status != 101 {
		t.Fatalf("wire: handshake status %d, want 101", w.status)
	}

	// The negotiation.
	offerHdr := w.reqHead.Values("Sec-WebSocket-Extensions")
	respHdr := w.respHead.Values("Sec-WebSocket-Extensions")
	offers, _, err := parsePMD(offerHdr, true)
	if err != nil {
		t.Errorf("%s's offer: %v", clientName, err)
	}
	resp, others, err := parsePMD(respHdr, false)
	if err != nil {
		t.Fatalf("%s's answer: %v", serverName, err)
	}
	t.Logf("offer %q, answer %q", strings.Join(offerHdr, ", "), strings.Join(respHdr, ", "))
	if len(others) > 0 || len(resp) > 1 {
		t.Errorf("%s answered extensions %q; only one permessage-deflate may be accepted", serverName, respHdr)
	}
	if len(offers) == 0 {
		t.Fatalf("%s offered no permessage-deflate (%q)", clientName, offerHdr)
	}
	if !hayateServer {
		checkHayateOffer(t, offers, opts)
	}
	why, declined := peer.declines[prof.name]
	var neg *pmdParams
	switch {
	case declined && len(resp) > 0:
		t.Errorf("%s accepted %v; expected to decline (%s)", serverName, resp[0], why)
		neg = &resp[0]
	case declined:
		t.Logf("declined, as expected: %s", why)
	case len(resp) == 0:
		t.Fatalf("%s declined permessage-deflate offered as %q", serverName, offerHdr)
	default:
		neg = &resp[0]
	}
	if neg != nil {
		ok := false
		for _, o := range offers {
			ok = ok || accepts(o, *neg)
		}
		switch {
		case !ok && hayateServer:
			t.Errorf("%s answered %v, which accepts none of the offers %v (RFC 7692 §7.1)", serverName, *neg, offers)
		case !ok:
			// Hayate's client went along with it; a peer's deviation is not this test's.
			t.Logf("note: %s answered %v, which accepts none of the offers %v (RFC 7692 §7.1)", serverName, *neg, offers)
		}
		if hayateServer {
			checkHayateAnswer(t, offers, *neg, opts)
		} else if opts.ServerNoContextTakeover && !neg.serverNCT {
			t.Errorf("Hayate's client accepted %v without the server_no_context_takeover it asked for", *neg)
		}
	}

	// What each side may do, as negotiated and as Hayate's own options further limit it.
	var hayateTakeover, peerTakeover bool
	var hayateBits, peerBits int
	var hayateFrames, peerFrames []frameInfo
	if neg != nil {
		if hayateServer {
			hayateTakeover = !neg.serverNCT && !opts.ServerNoContextTakeover
			hayateBits = min(bitsOr15(neg.serverBits), bitsOr15(opts.ServerMaxWindowBits))
			peerTakeover, peerBits = !neg.clientNCT, bitsOr15(neg.clientBits)
		} else {
			hayateTakeover = !neg.clientNCT && !opts.ClientNoContextTakeover
			hayateBits = min(bitsOr15(neg.clientBits), bitsOr15(opts.ClientMaxWindowBits))
			peerTakeover, peerBits = !neg.serverNCT, bitsOr15(neg.serverBits)
		}
		t.Logf("Hayate: context takeover %v, window %d bits; %s: context takeover %v, window %d bits",
			hayateTakeover, hayateBits, peer.name, peerTakeover, peerBits)
	}
	if hayateServer {
		hayateFrames, peerFrames = w.fromServer, w.fromClient
	} else {
		hayateFrames, peerFrames = w.fromClient, w.fromServer
	}
	for _, dir := range []struct {
		who    string
		frames []frameInfo
		masked bool
	}{{clientName, w.fromClient, true}, {serverName, w.fromServer, false}} {
		for i, f := range dir.frames {
			if f.masked != dir.masked {
				t.Errorf("wire: %s's frame %d %v: masked=%v, want %v (RFC 6455 §5.1)", dir.who, i, f, f.masked, dir.masked)
			}
			if f.op >= 0x8 && f.rsv != 0 {
				t.Errorf("wire: %s's control frame %d %v has RSV bits set", dir.who, i, f)
			}
		}
	}
	out := decodeMessages(hayateFrames, hayateTakeover)
	in := decodeMessages(peerFrames, peerTakeover)
	if len(out) != len(plan) || len(in) != len(plan) {
		t.Errorf("wire: %d messages from Hayate and %d from %s, want %d each", len(out), len(in), peer.name, len(plan))
	}

	// Each message, both ways.
	threshold := opts.Threshold
	if threshold == 0 {
		threshold = 128
	}
	var sum [2]struct{ msgs, compressed, size, wire int }
	for i, m := range plan {
		for dir, side := range [][]wireMsg{out, in} {
			who := "Hayate"
			if dir == 1 {
				who = peer.name
			}
			if i >= len(side) {
				continue
			}
			got := side[i]
			for _, p := range frameProblems(got, neg != nil) {
				t.Errorf("wire: %s's %s: %s", who, m.name, p)
			}
			switch {
			case got.err != nil:
				t.Errorf("wire: %s's %s (%d bytes compressed in %d frame(s)) does not decode: %v", who, m.name, got.wire, len(got.frames), got.err)
			case got.frames[0].op != map[bool]byte{false: 1, true: 2}[m.binary] || string(got.data) != string(m.payload):
				t.Errorf("wire: %s's %s decodes to %s of %d bytes, not what Hayate sent%s", who, m.name, describeMessage(got.frames), len(got.data), firstDiff(got.data, m.payload))
			}
			bits := hayateBits
			if dir == 1 {
				bits = peerBits
			}
			if got.compressed && got.err == nil && got.maxDist > 1<<bits {
				t.Errorf("wire: %s's %s has a match %d bytes back, beyond its window of %d bits (%d bytes)", who, m.name, got.maxDist, bits, 1<<bits)
			}
			s := &sum[dir]
			s.msgs++
			s.size += len(m.payload)
			s.wire += got.wire
			if got.compressed {
				s.compressed++
			}
		}
		if i >= len(out) {
			continue
		}
		// Hayate compresses what its options say it should.
		want := neg != nil && !m.optOut && (threshold < 0 || len(m.payload) >= threshold)
		if out[i].compressed != want {
			t.Errorf("wire: Hayate sent %s (%d bytes%s) with RSV1=%v, want %v (threshold %d)", m.name, len(m.payload), map[bool]string{true: ", opted out"}[m.optOut], out[i].compressed, want, opts.Threshold)
		}
		if m.optOut && out[i].wire != len(m.payload) {
			t.Errorf("wire: Hayate's opted-out %s took %d bytes on the wire, want %d", m.name, out[i].wire, len(m.payload))
		}
		if m.pieces {
			if len(m.payload) >= 64<<10 && len(out[i].frames) < 2 {
				t.Errorf("wire: Hayate's Writer sent %s as %s; want it streamed in several frames", m.name, describeMessage(out[i].frames))
			}
			t.Logf("Hayate's Writer sent %s (%d bytes in 3 Write calls%s) as %s", m.name, len(m.payload), map[bool]string{true: ", opted out"}[m.optOut], describeMessage(out[i].frames))
		}
		if i < len(in) && m.name == "fragment-echo" {
			t.Logf("%s echoed %s as %s", peer.name, m.name, describeMessage(in[i].frames))
			if peer.fragments && len(in[i].frames) < 2 {
				t.Errorf("wire: %s echoed %s in one frame; want several", peer.name, m.name)
			}
		}
		if i < len(in) && neg != nil && len(m.payload) >= 1<<20 && !in[i].compressed {
			t.Errorf("wire: %s echoed %s uncompressed; compression negotiated but not used", peer.name, m.name)
		}
		if neg == nil && (out[i].compressed || (i < len(in) && in[i].compressed)) {
			t.Errorf("wire: %s went compressed without permessage-deflate", m.name)
		}
	}

	// Context takeover: the same JSON sent again (after an uncompressed copy) refers to
	// the first when the sender keeps its context and its window holds the document.
	if neg != nil {
		for dir, side := range [][]wireMsg{out, in} {
			first, again := planIndex("json"), planIndex("json-again")
			if again >= len(side) {
				continue
			}
			who, takeover, bits := "Hayate", hayateTakeover, hayateBits
			if dir == 1 {
				who, takeover, bits = peer.name, peerTakeover, peerBits
			}
			a, b := side[first], side[again]
			t.Logf("%s: the JSON document (%d bytes) went as %d bytes, then again as %d bytes (context takeover %v, window %d bits)",
				who, len(plan[first].payload), a.wire, b.wire, takeover, bits)
			if dir == 0 && takeover && bits >= 12 && a.compressed && b.compressed && 2*b.wire >= a.wire {
				t.Errorf("wire: Hayate keeps its compression context but sent the repeated JSON document as %d bytes, the first copy as %d", b.wire, a.wire)
			}
		}
	}
	for dir, s := range sum {
		who := "Hayate"
		if dir == 1 {
			who = peer.name
		}
		t.Logf("%s sent %d messages, %d compressed: %d bytes as %d on the wire", who, s.msgs, s.compressed, s.size, s.wire)
	}
}

func planIndex(name string) int {
	for i, m := range deflatePlan() {
		if m.name == name {
			return i
		}
	}
	panic("no plan message " + name)
}

// checkHayateOffer checks that Hayate's client offered what its options say (the
// DeflateOptions documentation): always client_max_window_bits, and each option set.
func checkHayateOffer(t *testing.T, offers []pmdParams, opts websocket.DeflateOptions) {
	t.Helper()
	o := offers[0]
	switch {
	case len(offers) != 1:
		t.Errorf("Hayate's client made %d offers, want 1", len(offers))
	case opts.ClientMaxWindowBits == 0 && !o.clientBitsBare,
		opts.ClientMaxWindowBits != 0 && o.clientBits != opts.ClientMaxWindowBits,
		opts.ServerMaxWindowBits != o.serverBits,
		opts.ServerNoContextTakeover != o.serverNCT,
		opts.ClientNoContextTakeover != o.clientNCT:
		t.Errorf("Hayate's client offered %v with options %+v", o, opts)
	}
}

// checkHayateAnswer checks that Hayate's server answered with what its options require.
func checkHayateAnswer(t *testing.T, offers []pmdParams, r pmdParams, opts websocket.DeflateOptions) {
	t.Helper()
	if opts.ServerNoContextTakeover && !r.serverNCT {
		t.Errorf("Hayate's server answered %v without server_no_context_takeover, which its options set", r)
	}
	if opts.ClientNoContextTakeover && !r.clientNCT {
		t.Errorf("Hayate's server answered %v without client_no_context_takeover, which its options require", r)
	}
	offered := false
	for _, o := range offers {
		offered = offered || o.clientBitsBare || o.clientBits != 0
	}
	if opts.ClientMaxWindowBits != 0 && offered && (r.clientBits == 0 || r.clientBits > opts.ClientMaxWindowBits) {
		t.Errorf("Hayate's server answered %v to a client that offered client_max_window_bits; its options ask for at most %d", r, opts.ClientMaxWindowBits)
	}
	if opts.ServerMaxWindowBits != 0 && r.serverBits > opts.ServerMaxWindowBits {
		t.Errorf("Hayate's server answered %v; its options allow it at most %d bits", r, opts.ServerMaxWindowBits)
	}
}
