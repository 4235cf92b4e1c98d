package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"

	"github.com/hayate-ws/websocket"
)

// dial connects to the echo server at url.
func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{ReadLimit: readLimit})
	return c, err
}

// sendOne sends msg as a text message, prints the echo to out and closes with 1000.
func sendOne(ctx context.Context, url, msg string, out io.Writer) error {
	c, err := dial(ctx, url)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	typ, b, err := roundTrip(ctx, c, websocket.MessageText, []byte(msg))
	if err != nil {
		return err
	}
	printMessage(out, typ, b)
	return c.Close(websocket.StatusNormalClosure, "")
}

// roundTrip sends one message and reads the next one, its echo. The message is written
// from another goroutine while this one reads: a large message and its echo are then on
// the wire at the same time, and neither side waits for the other to drain it.
func roundTrip(ctx context.Context, c *websocket.Conn, typ websocket.MessageType, p []byte) (websocket.MessageType, []byte, error) {
	written := make(chan error, 1)
	go func() { written <- c.Write(ctx, typ, p) }()
	rtyp, b, rerr := c.Read(ctx)
	if werr := <-written; werr != nil {
		return 0, nil, werr
	}
	return rtyp, b, rerr
}

// interactive sends each line read from in as a text message and prints the echoes to
// out as they come. At the end of in, it waits for the echoes still under way and
// closes with 1000 (normal closure); when ctx ends, it closes at once with 1001 (going
// away).
func interactive(ctx context.Context, url string, in io.Reader, out io.Writer) error {
	c, err := dial(ctx, url)
	if err != nil {
		return err
	}

	// One goroutine reads, all the time, as the connection needs. It ends when the
	// connection does: when the server closes it, or when the close handshake below
	// completes.
	var (
		readErr  error
		received atomic.Int64
	)
	echoed := make(chan struct{}, 1) // a nudge after each echo
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			typ, b, err := c.Read(context.Background())
			if err != nil {
				readErr = err
				return
			}
			printMessage(out, typ, b)
			received.Add(1)
			select {
			case echoed <- struct{}{}:
			default:
			}
		}
	}()
	defer func() {
		_ = c.CloseNow()
		<-readDone
	}()

	// Lines come from a goroutine of their own, so that a signal or the server going
	// away is seen while the terminal waits for input. When we return first, it may
	// stay blocked reading in until the program exits.
	lines := make(chan string)
	inErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(nil, readLimit)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
		inErr <- sc.Err()
	}()

	// At the end of the input, wait for the echoes still to come before closing: Close
	// may read, and discard, messages that arrive after it has sent its close frame.
	code := websocket.StatusNormalClosure
	var sent int64
	for eof := false; !eof || received.Load() < sent; {
		select {
		case line := <-lines:
			if err := c.Write(ctx, websocket.MessageText, []byte(line)); err != nil {
				return err
			}
			sent++
		case err := <-inErr:
			if err != nil {
				return fmt.Errorf("read input: %w", err)
			}
			eof = true
		case <-echoed:
		case <-ctx.Done():
			code, eof, sent = websocket.StatusGoingAway, true, 0
		case <-readDone:
			return readErr // the server closed first
		}
	}
	if err := c.Close(code, ""); err != nil {
		return err
	}
	<-readDone
	if !errors.Is(readErr, net.ErrClosed) {
		return readErr
	}
	return nil
}

// printMessage prints a text message as a line and a binary one by its size.
func printMessage(out io.Writer, typ websocket.MessageType, b []byte) {
	if typ == websocket.MessageText {
		fmt.Fprintf(out, "%s\n", b)
		return
	}
	fmt.Fprintf(out, "[binary, %d bytes]\n", len(b))
}
