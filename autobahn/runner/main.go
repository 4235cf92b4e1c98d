// Command runner is a Go-native Autobahn|Testsuite runner: it plays the
// suite's part against a testee WebSocket server (-mode fuzzingclient) or
// testee clients (-mode fuzzingserver), with the suite's case catalogue,
// numbering, expectations and report format.
//
//	go run ./autobahn/runner -mode fuzzingclient -url ws://127.0.0.1:9001 -agent hayate -out autobahn/reports
//	go run ./autobahn/runner -mode fuzzingserver -addr 127.0.0.1:9001 -out autobahn/reports
//
// Reports go to <out>/servers (fuzzingclient) or <out>/clients
// (fuzzingserver): index.json in the suite's shape, one JSON file per case,
// and summary.md. The runner implements its own frame codec and handshakes;
// it does not use the library under test.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("autobahn: ")
	mode := flag.String("mode", "", "fuzzingclient (test a server) or fuzzingserver (test clients)")
	rawURL := flag.String("url", "ws://127.0.0.1:9001", "fuzzingclient: the testee server's URL")
	agent := flag.String("agent", "", "fuzzingclient: the testee's name in the report (default: the URL's host)")
	addr := flag.String("addr", "127.0.0.1:9001", "fuzzingserver: listen address (loopback only)")
	out := flag.String("out", "autobahn/reports", "report directory; results go to <out>/servers or <out>/clients")
	casesFlag := flag.String("cases", "*", "comma-separated case id globs to run, like the suite's \"cases\"")
	exclude := flag.String("exclude", "", "comma-separated case id globs to skip, like \"exclude-cases\"")
	once := flag.Bool("once", false, "fuzzingserver: exit after the first /updateReports")
	wait := flag.Duration("wait", 0, "fuzzingclient: wait up to this long for the testee to listen; fuzzingserver with -once: give up after this long (0: no limit)")
	list := flag.Bool("list", false, "print the selected cases and exit")
	flag.Parse()

	cases, err := selectCases(catalogue(), splitPatterns(*casesFlag), splitPatterns(*exclude))
	if err != nil {
		log.Fatal(err)
	}
	if *list {
		for i, c := range cases {
			fmt.Printf("%d\t%s\t%s\n", i+1, c.ID, c.Desc)
		}
		return
	}
	if len(cases) == 0 {
		log.Fatal("no case selected")
	}
	switch *mode {
	case "fuzzingclient":
		u := strings.TrimPrefix(*rawURL, "ws://")
		host, _, _ := strings.Cut(u, "/")
		if *agent == "" {
			*agent = host
		}
		if *wait > 0 {
			if err := waitForPort(host, *wait); err != nil {
				log.Fatalf("testee at %s is not listening: %v", host, err)
			}
		}
		log.Printf("fuzzingclient: %d cases against %s (agent %q)", len(cases), *rawURL, *agent)
		rs, err := fuzzingClient(*rawURL, *agent, *out, cases)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("reports written to %s", rs.dir)
	case "fuzzingserver":
		if err := runFuzzingServer(*addr, *out, cases, *once, *wait); err != nil {
			log.Fatal(err)
		}
	default:
		fmt.Fprintln(os.Stderr, "runner: -mode must be fuzzingclient or fuzzingserver")
		flag.Usage()
		os.Exit(2)
	}
}

func runFuzzingServer(addr, out string, cases []Case, once bool, limit time.Duration) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %s: the fuzzing server only listens on loopback addresses", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fs := newFuzzingServer(out, cases)
	log.Printf("fuzzingserver: %d cases on ws://%s", len(cases), ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { _ = fs.serve(ln) }()
	var timeout <-chan time.Time
	if once && limit > 0 {
		timeout = time.After(limit)
	}
	for {
		select {
		case a := <-fs.updated:
			log.Printf("reports updated for agent %q in %s", a, fs.reports.dir)
			if once {
				return ln.Close()
			}
		case <-timeout:
			_ = ln.Close()
			fs.mu.Lock()
			_ = fs.reports.flush()
			fs.mu.Unlock()
			return fmt.Errorf("no /updateReports within %s (agents seen: %s)", limit, fs.agentsSeen())
		case <-ctx.Done():
			_ = ln.Close()
			fs.mu.Lock()
			defer fs.mu.Unlock()
			return fs.reports.flush()
		}
	}
}
