package main

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hayate-ws/websocket/autobahn/inflate"
)

// pmdParams are permessage-deflate parameters (RFC 7692 §7.1); a window of
// 0 means the parameter is absent.
type pmdParams struct {
	serverNoContextTakeover bool
	clientNoContextTakeover bool
	serverMaxWindowBits     int
	clientMaxWindowBits     int
	clientMaxWindowBitsBare bool // offer carries client_max_window_bits without a value
}

// pmdOffer is what one compression case asks for: whether the testee must
// not keep its compression context across messages, and the largest window
// it may use (0: no limit requested).
type pmdOffer struct {
	noContextTakeover bool
	maxWindowBits     int
}

// String renders o like the suite's case descriptions do.
func (o pmdOffer) String() string {
	return fmt.Sprintf("(%s, %d)", pyBool(o.noContextTakeover), o.maxWindowBits)
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// clientOffer renders the runner's Sec-WebSocket-Extensions offer as a
// client: it always allows the server to limit the client's window, and asks
// the server for the case's takeover and window settings.
func clientOffer(offers []pmdOffer) string {
	var parts []string
	for _, o := range offers {
		s := "permessage-deflate; client_max_window_bits"
		if o.noContextTakeover {
			s += "; server_no_context_takeover"
		}
		if o.maxWindowBits != 0 {
			s += "; server_max_window_bits=" + strconv.Itoa(o.maxWindowBits)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// extension is one element of a Sec-WebSocket-Extensions header.
type extension struct {
	name   string
	params []extParam
}

type extParam struct {
	key, value string
	hasValue   bool
}

// parseExtensions splits a Sec-WebSocket-Extensions header (RFC 6455 §9.1).
func parseExtensions(h string) ([]extension, error) {
	var out []extension
	for _, item := range strings.Split(h, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		fields := strings.Split(item, ";")
		ext := extension{name: strings.TrimSpace(fields[0])}
		if ext.name == "" {
			return nil, errors.New("empty extension name")
		}
		for _, f := range fields[1:] {
			k, v, has := strings.Cut(strings.TrimSpace(f), "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if has && len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if k == "" {
				return nil, errors.New("empty extension parameter")
			}
			ext.params = append(ext.params, extParam{key: k, value: v, hasValue: has})
		}
		out = append(out, ext)
	}
	return out, nil
}

func parseWindowBits(p extParam) (int, error) {
	n, err := strconv.Atoi(p.value)
	if err != nil || n < 8 || n > 15 {
		return 0, fmt.Errorf("invalid %s value %q", p.key, p.value)
	}
	return n, nil
}

// parsePMD reads permessage-deflate parameters, rejecting unknown and
// repeated ones. bareClientBits allows client_max_window_bits without a
// value (legal in offers only).
func parsePMD(e extension, bareClientBits bool) (pmdParams, error) {
	var p pmdParams
	seen := map[string]bool{}
	for _, kv := range e.params {
		if seen[kv.key] {
			return p, fmt.Errorf("repeated parameter %s", kv.key)
		}
		seen[kv.key] = true
		var err error
		switch kv.key {
		case "server_no_context_takeover":
			p.serverNoContextTakeover = true
			if kv.hasValue {
				err = errors.New("server_no_context_takeover takes no value")
			}
		case "client_no_context_takeover":
			p.clientNoContextTakeover = true
			if kv.hasValue {
				err = errors.New("client_no_context_takeover takes no value")
			}
		case "server_max_window_bits":
			p.serverMaxWindowBits, err = parseWindowBits(kv)
		case "client_max_window_bits":
			if !kv.hasValue && bareClientBits {
				p.clientMaxWindowBitsBare = true
				break
			}
			p.clientMaxWindowBits, err = parseWindowBits(kv)
		default:
			err = fmt.Errorf("unknown parameter %s", kv.key)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// acceptResponse checks a server's permessage-deflate response against the
// runner's offers (RFC 7692 §7.1) and returns the negotiated state for the
// client side, nil if the server declined.
func acceptResponse(header string, offers []pmdOffer) (*pmdState, error) {
	exts, err := parseExtensions(header)
	if err != nil {
		return nil, err
	}
	if len(exts) == 0 {
		return nil, nil
	}
	if len(exts) > 1 || exts[0].name != "permessage-deflate" {
		return nil, fmt.Errorf("server accepted extensions that were not offered: %q", header)
	}
	p, err := parsePMD(exts[0], false)
	if err != nil {
		return nil, err
	}
	// The response must accept one of the offers (RFC 7692 §7.1): a server
	// accepts server_max_window_bits only by answering it with the same or a
	// smaller value (it may also answer it unasked, §7.1.2.1), and must grant
	// server_no_context_takeover when asked. Leaving out an offered
	// server_max_window_bits=15, which limits nothing, is let pass, as the
	// suite does.
	fits := false
	for _, o := range offers {
		if o.maxWindowBits != 0 && p.serverMaxWindowBits > o.maxWindowBits {
			continue
		}
		if o.maxWindowBits != 0 && o.maxWindowBits < 15 && p.serverMaxWindowBits == 0 {
			continue
		}
		if o.noContextTakeover && !p.serverNoContextTakeover {
			continue
		}
		fits = true
	}
	if !fits {
		return nil, fmt.Errorf("server response %q matches no offer", header)
	}
	return newPMDState(!p.clientNoContextTakeover, p.clientMaxWindowBits, !p.serverNoContextTakeover, p.serverMaxWindowBits), nil
}

// acceptOffer is the runner's server side of the negotiation: it accepts the
// client's first valid permessage-deflate offer, asking the testee client for
// the case's settings where the offer allows it. It returns the response
// header value and the server-side state, or "" and nil if nothing fits.
func acceptOffer(header string, want pmdOffer) (string, *pmdState) {
	exts, err := parseExtensions(header)
	if err != nil {
		return "", nil
	}
	for _, e := range exts {
		if e.name != "permessage-deflate" {
			continue
		}
		p, err := parsePMD(e, true)
		if err != nil {
			continue
		}
		resp := "permessage-deflate"
		if want.noContextTakeover {
			resp += "; client_no_context_takeover"
		}
		// The testee's window: what the response grants, or less if its offer
		// promised less (a client_max_window_bits value is such a promise).
		peerWindow := p.clientMaxWindowBits
		if want.maxWindowBits != 0 && (p.clientMaxWindowBitsBare || p.clientMaxWindowBits != 0) {
			bits := want.maxWindowBits
			if p.clientMaxWindowBits != 0 {
				bits = min(bits, p.clientMaxWindowBits)
			}
			resp += "; client_max_window_bits=" + strconv.Itoa(bits)
			peerWindow = bits
		}
		takeover := true
		if p.serverNoContextTakeover {
			resp += "; server_no_context_takeover"
			takeover = false
		}
		if p.serverMaxWindowBits != 0 {
			resp += "; server_max_window_bits=" + strconv.Itoa(p.serverMaxWindowBits)
		}
		// client_no_context_takeover in an offer is the client's promise not
		// to use context takeover even if the response does not ask for it.
		peerTakeover := !want.noContextTakeover && !p.clientNoContextTakeover
		return resp, newPMDState(takeover, p.serverMaxWindowBits, peerTakeover, peerWindow)
	}
	return "", nil
}

// pmdState compresses what the runner sends and inflates what it receives on
// one connection.
type pmdState struct {
	takeover bool // the runner may keep its compression context
	window   int  // the runner's negotiated window bits (0: 15)
	w        *flate.Writer
	wbuf     bytes.Buffer

	// What the testee agreed to: whether it may refer to earlier messages,
	// and its largest window (0: 15).
	peerTakeover bool
	peerWindow   int
	r            io.ReadCloser // reused inflater
	in           bytes.Reader
	out          bytes.Buffer
	dict         []byte // the testee's last 32 KiB of output, for context takeover
	compressedIn int    // messages received compressed
}

// newPMDState returns the state of one connection: takeover and windowBits
// bind the runner's compressor, peerTakeover and peerWindowBits are checked
// on what the testee sends.
func newPMDState(takeover bool, windowBits int, peerTakeover bool, peerWindowBits int) *pmdState {
	return &pmdState{takeover: takeover, window: windowBits, peerTakeover: peerTakeover, peerWindow: peerWindowBits}
}

// compress returns the permessage-deflate payload of one message. With a
// window below 15 bits it emits Huffman-only blocks, which reference no
// earlier data and so fit any window.
func (p *pmdState) compress(msg []byte) []byte {
	if len(msg) == 0 {
		return []byte{0x00}
	}
	level := flate.BestSpeed
	if p.window != 0 && p.window < 15 {
		level = flate.HuffmanOnly
	}
	p.wbuf.Reset()
	switch {
	case p.w == nil:
		p.w, _ = flate.NewWriter(&p.wbuf, level)
	case !p.takeover:
		p.w.Reset(&p.wbuf)
	}
	_, _ = p.w.Write(msg)
	_ = p.w.Flush()
	out := bytes.Clone(p.wbuf.Bytes())
	return bytes.TrimSuffix(out, []byte{0x00, 0x00, 0xff, 0xff})
}

// decompress inflates one message. It keeps up to 32 KiB of history for a
// testee that may use context takeover, and none for one that agreed not to,
// so that a reference into an earlier message fails the message. When the
// testee's window was capped below 15 bits, the runner's own decoder checks
// every match distance against it (compress/flate cannot tell).
func (p *pmdState) decompress(data []byte, limit int64) ([]byte, error) {
	p.compressedIn++
	var dict []byte
	if p.peerTakeover {
		dict = p.dict
	}
	var out []byte
	if p.peerWindow != 0 && p.peerWindow < 15 {
		res, err := inflate.Message(dict, data, int(min(limit, 1<<31-1)))
		if err != nil {
			return nil, err
		}
		if res.MaxDist > 1<<p.peerWindow {
			return nil, fmt.Errorf("a match reaches %d octets back, beyond the negotiated window of %d bits (%d octets)", res.MaxDist, p.peerWindow, 1<<p.peerWindow)
		}
		out = res.Out
	} else {
		p.in.Reset(append(data, 0x00, 0x00, 0xff, 0xff))
		if p.r == nil {
			p.r = flate.NewReaderDict(&p.in, dict)
		} else if err := p.r.(flate.Resetter).Reset(&p.in, dict); err != nil {
			return nil, err
		}
		p.out.Reset()
		_, err := p.out.ReadFrom(io.LimitReader(p.r, limit+1))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		if int64(p.out.Len()) > limit {
			return nil, errors.New("inflated message exceeds the runner's limit")
		}
		out = bytes.Clone(p.out.Bytes())
	}
	if !p.peerTakeover {
		return out, nil
	}
	const window = 32 << 10
	if len(out) >= window {
		p.dict = append(p.dict[:0], out[len(out)-window:]...)
	} else {
		keep := min(len(p.dict), window-len(out))
		p.dict = append(p.dict[:0], p.dict[len(p.dict)-keep:]...)
		p.dict = append(p.dict, out...)
	}
	return out, nil
}
