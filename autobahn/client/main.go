// Command client is Hayate's Autobahn|Testsuite testee client. It follows
// the suite's testee protocol against a fuzzing server (autobahn/runner
// -mode fuzzingserver, or the official wstest): it asks /getCaseCount, runs
// every case through /runCase?case=N&agent=A by echoing each message with
// its type until the server closes, then asks /updateReports and exits.
//
//	go run ./autobahn/client -url ws://127.0.0.1:9001 -agent hayate
//
// Like the server agent it raises the read limit to 32 MiB, and it offers
// permessage-deflate with the default options on every case (sections 12
// and 13; the offer carries client_max_window_bits, so the fuzzing server can
// ask for any window and for no context takeover).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	websocket "github.com/hayate-ws/websocket"
)

// readLimit is the largest message the agent accepts.
const readLimit = 32 << 20

// caseTimeout bounds one case; the fuzzing server's own budgets are shorter.
const caseTimeout = 3 * time.Minute

func main() {
	base := flag.String("url", "ws://127.0.0.1:9001", "the fuzzing server's URL")
	agent := flag.String("agent", "hayate", "the agent name reported to the fuzzing server")
	stream := flag.Bool("stream", false, "echo through Reader/Writer (streaming) instead of Read/Write")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("autobahn client: ")
	if err := run(strings.TrimSuffix(*base, "/"), *agent, *stream); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func run(base, agent string, stream bool) error {
	n, err := caseCount(base)
	if err != nil {
		return fmt.Errorf("getCaseCount: %w", err)
	}
	log.Printf("%d cases on %s", n, base)
	start := time.Now()
	for i := 1; i <= n; i++ {
		u := fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, url.QueryEscape(agent))
		if err := runCase(u, stream); err != nil {
			// Judging is the fuzzing server's business; this only helps
			// reading its report (cases that fail the connection end here).
			log.Printf("case %d ended with: %v", i, err)
		}
	}
	log.Printf("ran %d cases in %s", n, time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, base+"/updateReports?agent="+url.QueryEscape(agent), nil)
	if err != nil {
		return fmt.Errorf("updateReports: %w", err)
	}
	drain(ctx, c)
	return nil
}

// caseCount reads the number the server sends on /getCaseCount.
func caseCount(base string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, base+"/getCaseCount", nil)
	if err != nil {
		return 0, err
	}
	_, p, err := c.Read(ctx)
	if err != nil {
		_ = c.CloseNow()
		return 0, err
	}
	drain(ctx, c)
	return strconv.Atoi(string(p))
}

// drain reads until the server's close, which the library answers, then
// releases the connection.
func drain(ctx context.Context, c *websocket.Conn) {
	for {
		if _, _, err := c.Read(ctx); err != nil {
			break
		}
	}
	_ = c.CloseNow()
}

// runCase echoes messages on one case connection until it ends.
func runCase(u string, stream bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{ReadLimit: readLimit, Deflate: &websocket.DeflateOptions{}})
	if err != nil {
		return err
	}
	defer func() { _ = c.CloseNow() }()
	for {
		if stream {
			err = echoOneStream(ctx, c)
		} else {
			err = echoOne(ctx, c)
		}
		if err != nil {
			if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) {
				return nil // the server closed: the case is over
			}
			return err
		}
	}
}

func echoOne(ctx context.Context, c *websocket.Conn) error {
	typ, p, err := c.Read(ctx)
	if err != nil {
		return err
	}
	return c.Write(ctx, typ, p)
}

func echoOneStream(ctx context.Context, c *websocket.Conn) error {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return err
	}
	w, err := c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	return w.Close()
}
