package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/hayate-ws/websocket/bench/internal/peers"
)

// The server child listens on 127.0.0.1, prints "ready ADDR" and then answers
// commands, one per line, on standard input:
//
//	cpu            -> "cpu NS": user+system CPU time of the process so far
//	mem            -> "mem JSON": a memSample after a forced GC, with the
//	                  baseline taken before any connection
//	profile PATH   -> "ok": starts a CPU profile into PATH
//	stopprofile    -> "ok": ends it
//	heapprofile PATH -> "ok": writes a heap profile into PATH
//
// It exits when standard input ends. A library that cannot serve the asked
// configuration makes it print "unavailable REASON" and exit.

// memSample is the memory of the server process.
type memSample struct {
	RSS        uint64 `json:"rss"`         // resident set size, bytes
	HeapInuse  uint64 `json:"heap_inuse"`  // runtime: bytes in in-use heap spans
	StackInuse uint64 `json:"stack_inuse"` // runtime: bytes in stack spans
	Goroutines int    `json:"goroutines"`
}

type memReport struct {
	Baseline memSample `json:"baseline"`
	Now      memSample `json:"now"`
}

// sampleMem collects garbage, returns freed memory to the OS and measures.
func sampleMem() memSample {
	runtime.GC()
	runtime.GC() // a second cycle empties sync.Pool victim caches
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{RSS: rss(), HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine()}
}

// rss reads the resident set size from /proc/self/statm.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident uint64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0
	}
	return resident * uint64(os.Getpagesize())
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	libName := fs.String("lib", "", "library")
	deflate := fs.Bool("deflate", false, "enable permessage-deflate")
	_ = fs.Parse(args)
	lib, ok := peers.ByName(*libName)
	if !ok {
		return fmt.Errorf("unknown library %q", *libName)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- lib.Serve(ln, peers.ServerConfig{Deflate: *deflate}) }()
	select {
	case err := <-served:
		if errors.Is(err, peers.ErrNotAvailable) {
			fmt.Printf("unavailable %s\n", lib.DeflateNote)
			return nil
		}
		return fmt.Errorf("server stopped: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	base := sampleMem()
	fmt.Printf("ready %s\n", ln.Addr())

	var prof *os.File
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "cpu":
			fmt.Printf("cpu %d\n", cpuTime())
		case "mem":
			b, _ := json.Marshal(memReport{Baseline: base, Now: sampleMem()})
			fmt.Printf("mem %s\n", b)
		case "profile":
			f, err := os.Create(arg)
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				return err
			}
			prof = f
			fmt.Println("ok")
		case "heapprofile":
			// After a "mem", whose collections make the profile current.
			f, err := os.Create(arg)
			if err == nil {
				err = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				return err
			}
			fmt.Println("ok")
		case "stopprofile":
			if prof != nil {
				pprof.StopCPUProfile()
				prof.Close()
				prof = nil
			}
			fmt.Println("ok")
		default:
			return fmt.Errorf("unknown command %q", cmd)
		}
	}
	if prof != nil {
		pprof.StopCPUProfile()
		prof.Close()
	}
	return nil
}
