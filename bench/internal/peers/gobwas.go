package peers

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// gobwas: the zero-copy upgrade on the raw connection, then the codec on a
// 4 KiB bufio.Reader with caller-provided header buffers (ReadHeaderBuffer,
// WriteHeaderBuffer), which do not allocate; header and payload go out in one
// writev. Compression: wsflate around compress/flate with pooled (de)compressors,
// which is no context takeover: wsflate's reader ends every message's stream,
// so it cannot carry a window from one message to the next.
var gobwasLib = Lib{
	Name:        "gobwas",
	Serve:       gobwasServe,
	Dial:        gobwasDial,
	DeflateNote: "wsflate, no context takeover both ways (wsflate has no takeover), level 1",
}

// gobwasParams are the permessage-deflate parameters both sides use.
var gobwasParams = wsflate.Parameters{ServerNoContextTakeover: true, ClientNoContextTakeover: true}

func gobwasServe(ln net.Listener, cfg ServerConfig) error {
	return acceptLoop(ln, func(nc net.Conn) {
		defer nc.Close()
		var ext wsflate.Extension
		u := ws.Upgrader{}
		if cfg.Deflate {
			ext.Parameters = gobwasParams
			u.Negotiate = ext.Negotiate
		}
		if _, err := u.Upgrade(nc); err != nil {
			return
		}
		_, compress := ext.Accepted()
		c := &gobwasConn{nc: nc, br: bufio.NewReaderSize(nc, 4096), compress: compress}
		for {
			op, bp, err := c.readMessage()
			if err != nil {
				return
			}
			err = c.writeMessage(op, *bp)
			releasePooled(bp)
			if err != nil {
				return
			}
		}
	})
}

// gobwasConn is one end of a connection driven with gobwas's codec.
type gobwasConn struct {
	nc       net.Conn
	br       *bufio.Reader
	client   bool
	compress bool
	hb       [ws.MaxHeaderSize]byte
	iov      [2][]byte
	vec      net.Buffers
	masked   []byte // a client's masked copy of the payload
}

// gobwas' flate reader needs a Reset(io.Reader) to be reused; compress/flate's
// has Reset(io.Reader, []byte).
type flateReader struct{ io.ReadCloser }

func (f flateReader) Reset(r io.Reader) { _ = f.ReadCloser.(flate.Resetter).Reset(r, nil) }

var (
	gobwasReaders = sync.Pool{New: func() any {
		return wsflate.NewReader(nil, func(r io.Reader) wsflate.Decompressor {
			return flateReader{flate.NewReader(r)}
		})
	}}
	gobwasWriters = sync.Pool{New: func() any {
		return wsflate.NewWriter(nil, func(w io.Writer) wsflate.Compressor {
			fw, _ := flate.NewWriter(w, flate.BestSpeed)
			return fw
		})
	}}
)

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var errFragmented = errors.New("peers: fragmented message (the benchmark sends none)")

// readMessage reads the next data message, answering pings and refusing
// fragments, into a pooled buffer.
func (c *gobwasConn) readMessage() (ws.OpCode, *[]byte, error) {
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.hb[:])
		if err != nil {
			return 0, nil, err
		}
		if h.Length > ReadLimit || h.Masked == c.client {
			return 0, nil, ws.ErrProtocolMaskUnexpected
		}
		bp := msgPool.Get().(*[]byte)
		if int64(cap(*bp)) < h.Length {
			*bp = make([]byte, 0, h.Length)
		}
		p := (*bp)[:h.Length]
		if _, err := io.ReadFull(c.br, p); err != nil {
			releasePooled(bp)
			return 0, nil, err
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpText, ws.OpBinary:
		case ws.OpPing:
			err := c.writeFrame(ws.OpPong, false, p)
			releasePooled(bp)
			if err != nil {
				return 0, nil, err
			}
			continue
		case ws.OpPong:
			releasePooled(bp)
			continue
		default:
			releasePooled(bp)
			if h.OpCode == ws.OpClose {
				return 0, nil, io.EOF
			}
			return 0, nil, errFragmented
		}
		if !h.Fin {
			releasePooled(bp)
			return 0, nil, errFragmented
		}
		*bp = p
		if compressed, err := wsflate.IsCompressed(h); err != nil || !compressed {
			return h.OpCode, bp, err
		}
		// Decompress into a second pooled buffer.
		r := gobwasReaders.Get().(*wsflate.Reader)
		r.Reset(bytes.NewReader(p))
		out, err := readPooled(r)
		gobwasReaders.Put(r)
		releasePooled(bp)
		return h.OpCode, out, err
	}
}

// writeMessage sends p as one message, compressed if negotiated.
func (c *gobwasConn) writeMessage(op ws.OpCode, p []byte) error {
	if !c.compress {
		return c.writeFrame(op, false, p)
	}
	w := gobwasWriters.Get().(*wsflate.Writer)
	bp := msgPool.Get().(*[]byte)
	out := appendWriter{(*bp)[:0]}
	w.Reset(&out)
	_, err := w.Write(p)
	if err == nil {
		err = w.Flush()
	}
	gobwasWriters.Put(w)
	if err == nil {
		err = c.writeFrame(op, true, out.b)
	}
	*bp = out.b
	releasePooled(bp)
	return err
}

// headerWriter keeps what WriteHeaderBuffer writes, which is its own buffer.
type headerWriter struct{ p []byte }

func (w *headerWriter) Write(p []byte) (int, error) {
	w.p = p
	return len(p), nil
}

// writeFrame sends one final frame, header and payload in one writev.
func (c *gobwasConn) writeFrame(op ws.OpCode, compressed bool, p []byte) error {
	h := ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}
	if compressed {
		h.Rsv = ws.Rsv(true, false, false)
	}
	if c.client {
		h.Masked = true
		binary.LittleEndian.PutUint32(h.Mask[:], rand.Uint32())
		c.masked = append(c.masked[:0], p...)
		ws.Cipher(c.masked, h.Mask, 0)
		p = c.masked
	}
	var hw headerWriter
	if err := ws.WriteHeaderBuffer(&hw, h, c.hb[:]); err != nil {
		return err
	}
	c.iov = [2][]byte{hw.p, p}
	c.vec = c.iov[:]
	_, err := c.vec.WriteTo(c.nc)
	c.iov = [2][]byte{}
	return err
}

type gobwasClient struct {
	gobwasConn
	ext string
}

func gobwasDial(ctx context.Context, addr string, cfg ClientConfig) (Client, error) {
	d := ws.Dialer{NetDial: cfg.Dial, Timeout: 10 * time.Second}
	if cfg.Deflate {
		d.Extensions = []httphead.Option{gobwasParams.Option()}
	}
	nc, br, hs, err := d.Dial(ctx, wsURL(addr))
	if err != nil {
		return nil, err
	}
	if br == nil {
		br = bufio.NewReaderSize(nc, 4096)
	}
	c := &gobwasClient{gobwasConn: gobwasConn{nc: nc, br: br, client: true}}
	var exts []string
	for _, opt := range hs.Extensions {
		e := string(opt.Name)
		opt.Parameters.ForEach(func(k, v []byte) bool {
			e += "; " + string(k)
			if len(v) > 0 {
				e += "=" + string(v)
			}
			return true
		})
		exts = append(exts, e)
		if string(opt.Name) == wsflate.ExtensionName {
			c.compress = true
		}
	}
	c.ext = strings.Join(exts, ", ")
	return c, nil
}

func (c *gobwasClient) Echo(msg, buf []byte) ([]byte, error) {
	if err := c.writeMessage(ws.OpBinary, msg); err != nil {
		return nil, err
	}
	_, bp, err := c.readMessage()
	if err != nil {
		return nil, err
	}
	buf = append(buf[:0], *bp...)
	releasePooled(bp)
	return buf, nil
}

func (c *gobwasClient) Negotiated() string { return c.ext }

func (c *gobwasClient) Close() error { return c.nc.Close() }
