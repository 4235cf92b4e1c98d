package websocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrency: many goroutines write messages of many sizes, whole and streamed, while
// another pings; the reader must see every message intact and never interleaved. Run
// with -race.

const (
	concWriters  = 8
	concMessages = 200
)

// concSizes are the payload sizes the writers cycle through: empty, around the length
// encodings, around the Writer's frame size, and several frames long.
var concSizes = []int{0, 1, 17, 125, 126, 1000, 4096, 16370, 16371, 33000}

// concMessage builds message seq of writer id: a 12-byte header (writer, sequence,
// payload length), the payload, and a CRC-32 of all that.
func concMessage(id, seq int) []byte {
	n := concSizes[(id*7+seq)%len(concSizes)]
	b := make([]byte, 12, 12+n+4)
	binary.BigEndian.PutUint32(b[0:], uint32(id))
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	binary.BigEndian.PutUint32(b[8:], uint32(n))
	for i := 0; i < n; i++ {
		b = append(b, byte(id*31+seq*7+i))
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// checkConcMessage returns the writer and sequence number of an intact message.
func checkConcMessage(b []byte) (id, seq int, err error) {
	if len(b) < 16 {
		return 0, 0, fmt.Errorf("message of %d bytes", len(b))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return 0, 0, fmt.Errorf("checksum mismatch in a message of %d bytes", len(b))
	}
	id, seq = int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))
	if n := int(binary.BigEndian.Uint32(b[8:])); n != len(b)-16 {
		return 0, 0, fmt.Errorf("writer %d message %d: %d payload bytes, header says %d", id, seq, len(b)-16, n)
	}
	if want := concMessage(id, seq); !bytes.Equal(b, want) {
		return 0, 0, fmt.Errorf("writer %d message %d: wrong content", id, seq)
	}
	return id, seq, nil
}

// concWrite sends every message of writer id: every third through Writer in pieces, the
// rest through Write.
func concWrite(c *Conn, id int) error {
	ctx := context.Background()
	for seq := 0; seq < concMessages; seq++ {
		msg := concMessage(id, seq)
		if seq%3 != 0 {
			if err := c.Write(ctx, MessageBinary, msg); err != nil {
				return fmt.Errorf("writer %d message %d: %w", id, seq, err)
			}
			continue
		}
		w, err := c.Writer(ctx, MessageBinary)
		if err != nil {
			return fmt.Errorf("writer %d message %d: %w", id, seq, err)
		}
		for rest := msg; len(rest) > 0; {
			k := min(len(rest), 1+(seq*977)%9000)
			if _, err := w.Write(rest[:k]); err != nil {
				w.Close()
				return fmt.Errorf("writer %d message %d: %w", id, seq, err)
			}
			rest = rest[k:]
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("writer %d message %d: %w", id, seq, err)
		}
	}
	return nil
}

// concRead reads until every writer's messages have arrived, in order per writer.
func concRead(c *Conn) error {
	next := make([]int, concWriters)
	for total := 0; total < concWriters*concMessages; total++ {
		typ, b, err := c.Read(context.Background())
		if err != nil {
			return fmt.Errorf("after %d messages: %w", total, err)
		}
		if typ != MessageBinary {
			return fmt.Errorf("message %d is %v", total, typ)
		}
		id, seq, err := checkConcMessage(b)
		if err != nil {
			return err
		}
		if id >= concWriters || seq != next[id] {
			return fmt.Errorf("writer %d message %d arrived, want message %d", id, seq, next[id])
		}
		next[id]++
	}
	return nil
}

// concPing pings until stop is closed; the pongs must all come back.
func concPing(c *Conn, stop <-chan struct{}) error {
	for n := 0; ; n++ {
		select {
		case <-stop:
			if n == 0 {
				return errors.New("no ping completed")
			}
			return nil
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		err := c.Ping(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("ping %d: %w", n, err)
		}
	}
}

// TestConcurrentWrites runs concWriters goroutines writing to one side while another
// pings it, one way and both ways at once. Both ways over net.Pipe, which has no buffer,
// needs each reader to answer pings without waiting for its own side's writers (see
// TestPongBlockedByWriter).
func TestConcurrentWrites(t *testing.T) {
	for _, tc := range []struct {
		tr   transport
		both bool
	}{{viaPipe, false}, {viaPipe, true}, {viaTCP, false}, {viaTCP, true}} {
		name := string(tc.tr) + "/one-way"
		if tc.both {
			name = string(tc.tr) + "/both-ways"
		}
		t.Run(name, func(t *testing.T) {
			if testing.Short() && tc.both {
				t.Skip("-short")
			}
			srv, cli := newPair(t, tc.tr, nil, nil)
			type side struct {
				name       string
				from, to   *Conn
				readerDone chan error
			}
			sides := []side{{name: "client-to-server", from: cli, to: srv}}
			if tc.both {
				sides = append(sides, side{name: "server-to-client", from: srv, to: cli})
			}
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			stopPing := make(chan struct{})
			readers := make(map[*Conn]bool)
			for i := range sides {
				s := &sides[i]
				readers[s.to] = true
				s.readerDone = make(chan error, 1)
				go func() {
					s.readerDone <- concRead(s.to)
					// Keep reading, for the pongs, until the Conn is closed.
					for {
						if _, _, err := s.to.Read(context.Background()); err != nil {
							return
						}
					}
				}()
				for id := 0; id < concWriters; id++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := concWrite(s.from, id); err != nil {
							errs <- fmt.Errorf("%s: %w", s.name, err)
						}
					}()
				}
			}
			// The writing side needs a reader of its own to see its pongs.
			var extra []<-chan readResult
			for _, s := range sides {
				if !readers[s.from] {
					extra = append(extra, startReading(s.from))
				}
			}
			pingDone := make([]<-chan error, len(sides))
			for i, s := range sides {
				pingDone[i] = goErr(func() error { return concPing(s.from, stopPing) })
			}
			for i := range sides {
				select {
				case err := <-sides[i].readerDone:
					if err != nil {
						t.Errorf("%s: reader: %v", sides[i].name, err)
					}
				case <-time.After(2 * waitTimeout):
					t.Fatalf("%s: reader did not finish", sides[i].name)
				}
			}
			close(stopPing)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for i, s := range sides {
				if err := waitErr(t, "ping loop", pingDone[i]); err != nil {
					t.Errorf("%s: %v", s.name, err)
				}
			}
			srv.CloseNow()
			cli.CloseNow()
			for _, ch := range extra {
				if m := nextMessage(t, ch); !errors.Is(m.err, net.ErrClosed) {
					t.Errorf("extra reader: %v", m.err)
				}
			}
		})
	}
}

// writeWatchConn counts the bytes written through it and whether a Write is under way, so
// that a test can tell when writes are blocked on a full socket.
type writeWatchConn struct {
	net.Conn
	written atomic.Int64
	writing atomic.Int32
}

func (c *writeWatchConn) Write(p []byte) (int, error) {
	c.writing.Add(1)
	defer c.writing.Add(-1)
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// blocked reports whether a Write has been under way, with nothing written, for d.
func (c *writeWatchConn) blocked(d time.Duration) bool {
	before := c.written.Load()
	time.Sleep(d)
	return c.writing.Load() > 0 && c.written.Load() == before
}

// TestPongBlockedByWriter has both ends stream a large message while each has a ping
// from the other waiting to be read. Each reader answers the ping as soon as it reads
// it; if that pong waits for its own side's writer, which waits for the peer to read,
// and the peer's reader is in the same position, neither side reads again: the two
// connections deadlock although both applications keep reading.
func TestPongBlockedByWriter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var swatch, cwatch *writeWatchConn
	srvc := make(chan connResult, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			srvc <- connResult{nil, err}
			return
		}
		swatch = &writeWatchConn{Conn: nc}
		c, _, err := Server(ctx, swatch, &AcceptOptions{ReadLimit: -1})
		if err != nil {
			nc.Close()
		}
		srvc <- connResult{c, err}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cwatch = &writeWatchConn{Conn: nc}
	cli, _, err := Client(ctx, cwatch, "ws://example/", &DialOptions{ReadLimit: -1})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	defer cli.CloseNow()
	sr := <-srvc
	if sr.err != nil {
		t.Fatal(sr.err)
	}
	srv := sr.c
	defer srv.CloseNow()

	// 1. A ping each way, waiting in the peer's socket buffer (not read yet).
	for _, c := range []*Conn{srv, cli} {
		if err := c.writeControl(opPing, []byte("are you there")); err != nil {
			t.Fatal(err)
		}
	}
	// 2. Both ends stream a message until their writes block: nobody reads yet.
	const size = 64 << 20
	var writers sync.WaitGroup
	for _, c := range []*Conn{srv, cli} {
		writers.Add(1)
		go func() {
			defer writers.Done()
			w, err := c.Writer(context.Background(), MessageBinary)
			if err != nil {
				return
			}
			buf := make([]byte, 1<<20)
			for i := 0; i < size>>20; i++ {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
			w.Close()
		}()
	}
	for !swatch.blocked(50*time.Millisecond) || !cwatch.blocked(50*time.Millisecond) {
		if ctx.Err() != nil {
			t.Skip("the writes never blocked: socket buffers larger than the message")
		}
	}
	// 3. Both applications now read. Each reader meets the ping first.
	var got atomic.Int64
	var readers sync.WaitGroup
	for _, c := range []*Conn{srv, cli} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			_, r, err := c.Reader(context.Background())
			if err != nil {
				return
			}
			buf := make([]byte, 1<<16)
			for {
				n, err := r.Read(buf)
				got.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(waitTimeout)
	last, lastChange := int64(-1), time.Now()
	for got.Load() < 2*size && time.Now().Before(deadline) {
		if n := got.Load(); n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) > 2*time.Second {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := got.Load(); n < 2*size {
		t.Errorf("BUG: deadlock: both readers stopped after %d of %d bytes, each blocked writing a pong behind its own writer (Conn.handleControl -> writeControl -> frameMu)", n, 2*size)
	}
	srv.CloseNow()
	cli.CloseNow()
	writers.Wait()
	readers.Wait()
}

// TestPingBothWays has two Conns, each reading all the time, ping each other as fast as
// they can, over net.Pipe (where every write waits for the other side to read) and TCP.
// If a reader wrote its pong itself, both readers could be writing a pong to each other at
// the same moment over the pipe and neither would read again. Round after round, the race
// is found quickly if it is there.
func TestPingBothWays(t *testing.T) {
	for round := 0; round < 10; round++ {
		tr := []transport{viaPipe, viaTCP}[round%2]
		srv, cli := newPair(t, tr, nil, nil)
		sm, cm := startReading(srv), startReading(cli)
		errs := make(chan error, 2)
		for _, c := range []*Conn{srv, cli} {
			go func() {
				for i := 0; i < 3000; i++ {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					err := c.Ping(ctx)
					cancel()
					if err != nil {
						errs <- fmt.Errorf("ping %d: %w", i, err)
						return
					}
				}
				errs <- nil
			}()
		}
		var failed error
		for range 2 {
			if err := <-errs; err != nil && failed == nil {
				failed = err
			}
		}
		srv.CloseNow()
		cli.CloseNow()
		nextMessage(t, sm)
		nextMessage(t, cm)
		if failed != nil {
			t.Fatalf("round %d over %s: %v: the readers were blocked writing pongs to each other", round, tr, failed)
		}
	}
}

// TestMsgLock hammers the message lock with waiters that give up (their contexts end
// at random) and waiters that wait, checking mutual exclusion, that every waiter either
// gets the lock or returns its context's error, and that the lock ends free.
func TestMsgLock(t *testing.T) {
	c := newConn(connConfig{nc: discardConn{}})
	var inside, entered, gaveUp atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				ctx := context.Background()
				var cancel context.CancelFunc = func() {}
				if (g+i)%3 == 0 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(i%5)*time.Microsecond)
				}
				err := c.lockMessage(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("lockMessage: %v", err)
					}
					gaveUp.Add(1)
					continue
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders of the message lock", n)
				}
				entered.Add(1)
				if i%7 == 0 {
					runtime.Gosched()
				}
				inside.Add(-1)
				c.unlockMessage()
			}
		}()
	}
	wg.Wait()
	if entered.Load()+gaveUp.Load() != 16*200 {
		t.Errorf("%d took the lock and %d gave up, of %d", entered.Load(), gaveUp.Load(), 16*200)
	}
	if s := c.msgLock.state.Load(); s != 0 || len(c.msgLock.waiters) != 0 {
		t.Errorf("lock left in state %d with %d waiters", s, len(c.msgLock.waiters))
	}
	t.Logf("%d took the lock, %d gave up", entered.Load(), gaveUp.Load())
}
