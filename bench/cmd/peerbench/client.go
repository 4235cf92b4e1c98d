package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hayate-ws/websocket/bench/internal/corpus"
	"github.com/hayate-ws/websocket/bench/internal/histo"
	"github.com/hayate-ws/websocket/bench/internal/peers"
)

// The client child dials its connections, prints "dialed EXTENSIONS", runs
// the load, prints "start" when the measured window opens and "end" when it
// closes, then "result JSON" (an echoResult).

// echoResult is what a client measured in the window.
type echoResult struct {
	Msgs         uint64  `json:"msgs"`
	Seconds      float64 `json:"seconds"`
	P50          float64 `json:"p50_us"`
	P99          float64 `json:"p99_us"`
	PayloadBytes int64   `json:"payload_bytes"` // message bytes sent and received
	WireOut      int64   `json:"wire_out"`      // TCP payload bytes written
	WireIn       int64   `json:"wire_in"`       // TCP payload bytes read
	PayloadOut   int64   `json:"payload_out"`
	PayloadIn    int64   `json:"payload_in"`
}

// Bytes through every connection of the process, counted at the net.Conn.
var wireIn, wireOut atomic.Int64

type countingConn struct{ net.Conn }

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	wireIn.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	wireOut.Add(int64(n))
	return n, err
}

// countingDial dials TCP and counts the bytes of the connection.
func countingDial(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return countingConn{nc}, nil
}

// dialAll opens n connections, par at a time.
func dialAll[C any](n, par int, dial func(i int) (C, error)) ([]C, error) {
	out := make([]C, n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(par, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := dial(i)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the others
					return
				}
				out[i] = c
			}
		})
	}
	wg.Wait()
	return out, firstErr
}

// payloadFor returns incompressible bytes of size n, the same in every run.
func payloadFor(n int) []byte {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

func clientLib(name string) (peers.Lib, error) {
	if name == "raw" {
		return peers.RawLib, nil
	}
	lib, ok := peers.ByName(name)
	if !ok {
		return lib, fmt.Errorf("unknown library %q", name)
	}
	return lib, nil
}

func runClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	libName := fs.String("lib", "raw", "client library, or raw for the common client")
	addr := fs.String("addr", "", "server address")
	conns := fs.Int("conns", 1, "connections")
	size := fs.Int("size", 16, "message size in bytes (without -deflate)")
	deflate := fs.Bool("deflate", false, "offer permessage-deflate and send corpus messages")
	warmup := fs.Duration("warmup", time.Second, "load before the measured window")
	measure := fs.Duration("measure", 2*time.Second, "measured window")
	_ = fs.Parse(args)
	lib, err := clientLib(*libName)
	if err != nil {
		return err
	}

	var msgs [][]byte
	if *deflate {
		msgs = corpus.Messages(256)
	} else {
		msgs = [][]byte{payloadFor(*size)}
	}

	cfg := peers.ClientConfig{Deflate: *deflate, Dial: countingDial}
	clients, err := dialAll(*conns, 32, func(int) (peers.Client, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return lib.Dial(ctx, *addr, cfg)
	})
	if err != nil {
		return err
	}
	fmt.Printf("dialed %s\n", clients[0].Negotiated())

	// phase: 0 warm-up, 1 measuring, 2 stop.
	var phase atomic.Int32
	type worker struct {
		h       histo.H
		out, in int64
		err     error
		_       [64]byte
	}
	workers := make([]worker, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		w := &workers[i]
		wg.Go(func() {
			buf := make([]byte, 0, 4096)
			k := i * 37 // spread the corpus over the connections
			for phase.Load() != 2 {
				m := msgs[k%len(msgs)]
				k++
				t0 := time.Now()
				reply, err := c.Echo(m, buf)
				d := time.Since(t0)
				if err != nil {
					if phase.Load() != 2 {
						w.err = err
					}
					return
				}
				if len(reply) != len(m) || (*deflate && !bytes.Equal(reply, m)) || (len(m) > 0 && reply[len(m)-1] != m[len(m)-1]) {
					w.err = fmt.Errorf("echo of %d bytes came back as %d different bytes", len(m), len(reply))
					return
				}
				buf = reply[:0]
				if phase.Load() == 1 {
					w.h.Add(d)
					w.out += int64(len(m))
					w.in += int64(len(reply))
				}
			}
		})
	}

	time.Sleep(*warmup)
	in0, out0 := wireIn.Load(), wireOut.Load()
	phase.Store(1)
	t0 := time.Now()
	fmt.Println("start")
	time.Sleep(*measure)
	phase.Store(2)
	elapsed := time.Since(t0)
	in1, out1 := wireIn.Load(), wireOut.Load()
	fmt.Println("end")

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return errors.New("connections still busy 10 s after the window closed")
	}
	var all histo.H
	res := echoResult{Seconds: elapsed.Seconds(), WireIn: in1 - in0, WireOut: out1 - out0}
	for i := range workers {
		w := &workers[i]
		if w.err != nil {
			return fmt.Errorf("connection %d: %w", i, w.err)
		}
		all.Merge(&w.h)
		res.PayloadOut += w.out
		res.PayloadIn += w.in
	}
	res.Msgs = all.Count()
	res.PayloadBytes = res.PayloadOut + res.PayloadIn
	res.P50 = float64(all.Quantile(0.50)) / 1e3
	res.P99 = float64(all.Quantile(0.99)) / 1e3
	b, _ := json.Marshal(res)
	fmt.Printf("result %s\n", b)
	return nil
}

// runIdle opens connections with the common client, sends a few corpus
// messages on each (compressed alone if permessage-deflate was negotiated) and
// reads their echoes, prints "ready EXTENSIONS" and holds the connections
// open until standard input ends.
func runIdle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	addr := fs.String("addr", "", "server address")
	conns := fs.Int("conns", 10000, "connections")
	deflate := fs.Bool("deflate", false, "offer permessage-deflate")
	nmsg := fs.Int("msgs", 3, "messages echoed on each connection before it goes idle")
	_ = fs.Parse(args)

	plain := make([][]byte, *nmsg)
	packed := make([][]byte, *nmsg)
	for i := range plain {
		m := corpus.Message(i)
		plain[i] = peers.EncodeFrame(m, false)
		packed[i] = peers.EncodeFrame(m, true)
	}
	cfg := peers.ClientConfig{Deflate: *deflate}
	clients, err := dialAll(*conns, 64, func(int) (*peers.Raw, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := peers.DialRaw(ctx, *addr, cfg)
		if err != nil {
			return nil, err
		}
		frames := plain
		if c.Negotiated() != "" {
			frames = packed
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		for _, f := range frames {
			if err := c.WriteRaw(f); err != nil {
				return nil, err
			}
			if err := c.Skip(); err != nil {
				return nil, err
			}
		}
		_ = c.SetDeadline(time.Time{})
		return c, nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("ready %s\n", clients[0].Negotiated())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}
