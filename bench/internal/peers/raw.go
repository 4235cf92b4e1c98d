package peers

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gobwas/ws"
)

// Raw is the common client: a minimal client written for the benchmark that
// frames messages itself, so that every server is driven by the same client
// code. It masks with gobwas's ws.Cipher, sends header and payload in one
// writev and reads through a 4 KiB bufio.Reader.
//
// With Deflate it offers plain "permessage-deflate" and follows what the
// server answers. It compresses each message on its own (a fresh deflate
// stream per message, level 1), which any negotiated mode allows, and
// decompresses what the server sends with the server's context takeover when
// the server uses it (the previous 32 KiB of the server's messages as the
// dictionary).
type Raw struct {
	nc  net.Conn
	br  *bufio.Reader
	ext string

	deflate        bool
	serverTakeover bool

	hb     [14]byte
	iov    [2][]byte
	vec    net.Buffers
	masked []byte

	fw   *flate.Writer
	comp appendWriter
	fr   io.ReadCloser
	src  bytes.Reader
	in   []byte // a compressed payload with the stream's end appended
	out  []byte // decompressed payload
	hist []byte // the server's last 32 KiB of plaintext, under takeover
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// DialRaw connects the common client to the server at addr.
func DialRaw(ctx context.Context, addr string, cfg ClientConfig) (*Raw, error) {
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	c, err := handshake(nc, addr, cfg.Deflate)
	if err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(noDeadline)
	return c, nil
}

func handshake(nc net.Conn, addr string, deflate bool) (*Raw, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	if deflate {
		req += "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	}
	if _, err := io.WriteString(nc, req+"\r\n"); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("peers: handshake answered with %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, errors.New("peers: wrong Sec-WebSocket-Accept")
	}
	c := &Raw{nc: nc, br: br, ext: resp.Header.Get("Sec-WebSocket-Extensions")}
	if c.ext != "" {
		if err := c.acceptExtension(c.ext); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// acceptExtension applies the server's permessage-deflate response.
func (c *Raw) acceptExtension(ext string) error {
	params := strings.Split(ext, ";")
	if strings.TrimSpace(params[0]) != "permessage-deflate" || strings.Contains(ext, ",") {
		return fmt.Errorf("peers: unexpected extension %q", ext)
	}
	c.deflate, c.serverTakeover = true, true
	for _, p := range params[1:] {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "server_no_context_takeover":
			c.serverTakeover = false
		case "client_max_window_bits":
			// Messages are compressed alone: back references reach at most one
			// message back, a few KiB. Refuse windows that could be smaller.
			if bits, _ := strconv.Atoi(strings.Trim(val, `"`)); bits < 12 {
				return fmt.Errorf("peers: client window of %s bits is too small for the common client", val)
			}
		}
	}
	c.fw, _ = flate.NewWriter(&c.comp, flate.BestSpeed)
	c.fr = flate.NewReader(bytes.NewReader(nil))
	return nil
}

// Negotiated returns the server's Sec-WebSocket-Extensions header.
func (c *Raw) Negotiated() string { return c.ext }

// Close closes the connection without a close handshake.
func (c *Raw) Close() error { return c.nc.Close() }

// Echo sends msg as one binary message and returns the message that comes
// back.
func (c *Raw) Echo(msg, buf []byte) ([]byte, error) {
	if err := c.Send(msg); err != nil {
		return nil, err
	}
	return c.Receive(buf)
}

// Send sends msg as one binary message, compressed if negotiated.
func (c *Raw) Send(msg []byte) error {
	rsv1 := false
	if c.deflate && len(msg) > 0 {
		var err error
		if msg, err = c.compress(msg); err != nil {
			return err
		}
		rsv1 = true
	}
	return c.writeFrame(0x2, rsv1, msg)
}

// compress compresses p as a deflate stream of its own, without the final
// empty block's 4-byte tail (RFC 7692 §7.2.1).
func (c *Raw) compress(p []byte) ([]byte, error) {
	c.comp.b = c.comp.b[:0]
	c.fw.Reset(&c.comp)
	if _, err := c.fw.Write(p); err != nil {
		return nil, err
	}
	if err := c.fw.Flush(); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(c.comp.b, []byte{0, 0, 0xff, 0xff}), nil
}

// writeFrame sends one final, masked frame.
func (c *Raw) writeFrame(op byte, rsv1 bool, p []byte) error {
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], mrand.Uint32())
	c.masked = append(c.masked[:0], p...)
	ws.Cipher(c.masked, key, 0)
	hdr := AppendClientHeader(c.hb[:0], op, rsv1, len(p), key)
	c.iov = [2][]byte{hdr, c.masked}
	c.vec = c.iov[:]
	_, err := c.vec.WriteTo(c.nc)
	c.iov = [2][]byte{}
	return err
}

// AppendClientHeader appends the header of a final, masked frame.
func AppendClientHeader(b []byte, op byte, rsv1 bool, n int, key [4]byte) []byte {
	b0 := 0x80 | op
	if rsv1 {
		b0 |= 0x40
	}
	switch {
	case n <= 125:
		b = append(b, b0, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, b0, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, b0, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, key[:]...)
}

// EncodeFrame returns msg as a complete masked binary frame, compressed on
// its own if compress is set, for WriteRaw.
func EncodeFrame(msg []byte, compress bool) []byte {
	rsv1 := false
	if compress {
		var out appendWriter
		fw, _ := flate.NewWriter(&out, flate.BestSpeed)
		_, _ = fw.Write(msg)
		_ = fw.Flush()
		msg, rsv1 = bytes.TrimSuffix(out.b, []byte{0, 0, 0xff, 0xff}), true
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f := AppendClientHeader(nil, 0x2, rsv1, len(msg), key)
	start := len(f)
	f = append(f, msg...)
	ws.Cipher(f[start:], key, 0)
	return f
}

// WriteRaw writes a frame made by EncodeFrame.
func (c *Raw) WriteRaw(frame []byte) error {
	_, err := c.nc.Write(frame)
	return err
}

// readHeader reads the next frame header sent by the server.
func (c *Raw) readHeader() (op byte, fin, rsv1 bool, n int64, err error) {
	b, err := c.br.Peek(2)
	if err != nil {
		return 0, false, false, 0, err
	}
	op, fin, rsv1 = b[0]&0x0f, b[0]&0x80 != 0, b[0]&0x40 != 0
	if b[1]&0x80 != 0 {
		return 0, false, false, 0, errors.New("peers: masked frame from the server")
	}
	n = int64(b[1] & 0x7f)
	ext := 0
	switch n {
	case 126:
		ext = 2
	case 127:
		ext = 8
	}
	if b, err = c.br.Peek(2 + ext); err != nil {
		return 0, false, false, 0, err
	}
	switch ext {
	case 2:
		n = int64(binary.BigEndian.Uint16(b[2:]))
	case 8:
		n = int64(binary.BigEndian.Uint64(b[2:]))
	}
	if n < 0 || n > ReadLimit {
		return 0, false, false, 0, errors.New("peers: frame over the read limit")
	}
	_, err = c.br.Discard(2 + ext)
	return op, fin, rsv1, n, err
}

// Receive reads the next data message into buf (grown when too small),
// answering pings, and returns it decompressed.
func (c *Raw) Receive(buf []byte) ([]byte, error) {
	for {
		op, fin, rsv1, n, err := c.readHeader()
		if err != nil {
			return nil, err
		}
		if int64(cap(buf)) < n+9 {
			buf = make([]byte, 0, n+9)
		}
		p := buf[:n]
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch op {
		case 0x1, 0x2:
		case 0x9:
			if err := c.writeFrame(0xA, false, p); err != nil {
				return nil, err
			}
			continue
		case 0xA:
			continue
		case 0x8:
			return nil, io.EOF
		default:
			return nil, errFragmented
		}
		if !fin {
			return nil, errFragmented
		}
		if !rsv1 {
			return p, nil
		}
		return c.decompress(p)
	}
}

// streamEnd ends a message's deflate data: the tail the sender removed, then
// an empty final stored block so that the reader sees the stream end.
var streamEnd = []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}

func (c *Raw) decompress(p []byte) ([]byte, error) {
	c.in = append(append(c.in[:0], p...), streamEnd...)
	c.src.Reset(c.in)
	var dict []byte
	if c.serverTakeover {
		dict = c.hist
	}
	if err := c.fr.(flate.Resetter).Reset(&c.src, dict); err != nil {
		return nil, err
	}
	out, err := readInto(c.fr, c.out[:0])
	c.out = out
	if err != nil {
		return nil, err
	}
	if c.serverTakeover {
		c.hist = append(c.hist, out...)
		if len(c.hist) > 32<<10 {
			c.hist = append(c.hist[:0], c.hist[len(c.hist)-32<<10:]...)
		}
	}
	return out, nil
}

// Skip reads the next data message and drops it without decompressing it.
func (c *Raw) Skip() error {
	for {
		op, _, _, n, err := c.readHeader()
		if err != nil {
			return err
		}
		if _, err := c.br.Discard(int(n)); err != nil {
			return err
		}
		if op == 0x1 || op == 0x2 {
			return nil
		}
		if op == 0x8 {
			return io.EOF
		}
	}
}

// rawLib makes the common client usable where a Lib's Dial is expected.
func rawDial(ctx context.Context, addr string, cfg ClientConfig) (Client, error) {
	return DialRaw(ctx, addr, cfg)
}

// RawLib is the common client as a Lib without a server.
var RawLib = Lib{Name: "raw", Dial: rawDial}

// SetDeadline sets the connection's deadline.
func (c *Raw) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }
