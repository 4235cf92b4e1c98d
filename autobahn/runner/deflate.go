package main

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	fits := false
	for _, o := range offers {
		if p.serverMaxWindowBits != 0 && o.maxWindowBits == 0 {
			continue
		}
		if o.maxWindowBits != 0 && p.serverMaxWindowBits > o.maxWindowBits {
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
	return newPMDState(!p.clientNoContextTakeover, p.clientMaxWindowBits), nil
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
		if want.maxWindowBits != 0 && (p.clientMaxWindowBitsBare || p.clientMaxWindowBits != 0) {
			bits := want.maxWindowBits
			if p.clientMaxWindowBits != 0 {
				bits = min(bits, p.clientMaxWindowBits)
			}
			resp += "; client_max_window_bits=" + strconv.Itoa(bits)
		}
		takeover := true
		if p.serverNoContextTakeover {
			resp += "; server_no_context_takeover"
			takeover = false
		}
		if p.serverMaxWindowBits != 0 {
			resp += "; server_max_window_bits=" + strconv.Itoa(p.serverMaxWindowBits)
		}
		return resp, newPMDState(takeover, p.serverMaxWindowBits)
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
	r        io.ReadCloser // reused inflater
	in       bytes.Reader
	out      bytes.Buffer
	dict     []byte // the testee's last 32 KiB of output, for context takeover
}

func newPMDState(takeover bool, windowBits int) *pmdState {
	return &pmdState{takeover: takeover, window: windowBits}
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

// decompress inflates one message, keeping up to 32 KiB of history so that
// a testee using context takeover can refer to earlier messages.
func (p *pmdState) decompress(data []byte, limit int64) ([]byte, error) {
	p.in.Reset(append(data, 0x00, 0x00, 0xff, 0xff))
	if p.r == nil {
		p.r = flate.NewReaderDict(&p.in, p.dict)
	} else if err := p.r.(flate.Resetter).Reset(&p.in, p.dict); err != nil {
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
	out := bytes.Clone(p.out.Bytes())
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
