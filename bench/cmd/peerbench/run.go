package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hayate-ws/websocket/bench/internal/peers"
)

// cell is one measurement: one library, one configuration.
type cell struct {
	Kind    string `json:"kind"`   // "echo", "deflate" or "idle"
	Client  string `json:"client"` // "own" (the library's client) or "common"
	Lib     string `json:"lib"`
	Conns   int    `json:"conns"`
	Size    int    `json:"size,omitempty"`
	Deflate bool   `json:"deflate,omitempty"`

	Err        string `json:"err,omitempty"`
	Note       string `json:"note,omitempty"`
	Negotiated string `json:"negotiated,omitempty"`

	Echo        *echoResult `json:"echo,omitempty"`
	MsgsPerSec  float64     `json:"msgs_per_sec,omitempty"`
	ServerCPUns float64     `json:"server_cpu_ns_per_msg,omitempty"`

	Mem *memReport `json:"mem,omitempty"`
}

// results is everything the driver measured.
type results struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Go       string    `json:"go"`
	Warmup   string    `json:"warmup"`
	Measure  string    `json:"measure"`
	Cells    []cell    `json:"cells"`
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// rotate returns libs starting at index k.
func rotate(libs []string, k int) []string {
	k %= len(libs)
	return append(append([]string{}, libs[k:]...), libs[:k]...)
}

func runDriver(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	out := fs.String("out", "results.json", "where to write the results")
	parts := fs.String("parts", "echo,deflate,idle", "measurements to run")
	libList := fs.String("libs", "hayate,gorilla,coder,gobwas,gws", "libraries")
	echoConns := fs.String("echo-conns", "1,64,1000", "connection counts of the echo cells")
	echoSizes := fs.String("echo-sizes", "16,1024,65536", "message sizes of the echo cells")
	deflateConns := fs.String("deflate-conns", "64", "connection counts of the compressed-echo cells")
	idleConns := fs.Int("idle-conns", 10000, "connections of the idle-memory cells")
	idleBudget := fs.Float64("idle-budget", 4, "GiB a compressed idle cell may need: above it, the 1,000-connection probe is the result")
	clients := fs.String("clients", "own,common", "clients of the echo cells")
	warmup := fs.Duration("warmup", time.Second, "load before each measured window")
	measure := fs.Duration("measure", 2*time.Second, "measured window of each cell")
	profile := fs.String("profile", "", "with a directory: CPU-profile the servers of -profile-libs in every echo cell")
	profileLibs := fs.String("profile-libs", "hayate", "libraries whose servers -profile profiles")
	budget := fs.Duration("budget", 0, "with a duration: cells that would start after it are skipped")
	_ = fs.Parse(args)

	libs := strings.Split(*libList, ",")
	for _, l := range libs {
		if _, ok := peers.ByName(l); !ok {
			return fmt.Errorf("unknown library %q", l)
		}
	}
	ec, err := ints(*echoConns)
	if err != nil {
		return err
	}
	es, err := ints(*echoSizes)
	if err != nil {
		return err
	}
	dc, err := ints(*deflateConns)
	if err != nil {
		return err
	}
	modes := strings.Split(*clients, ",")
	killOnSignal()

	res := results{Started: time.Now(), Go: runtime.Version(), Warmup: warmup.String(), Measure: measure.String()}
	save := func() error {
		res.Finished = time.Now()
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(*out, b, 0o644)
	}
	d := &driver{warmup: *warmup, measure: *measure, profile: *profile, profileLibs: strings.Split(*profileLibs, ",")}
	turn := 0
	// over reports, and marks, a cell that would start past the budget.
	over := func(c *cell) bool {
		if *budget > 0 && time.Since(res.Started) > *budget {
			c.Err = "skipped: over the time budget"
			return true
		}
		return false
	}
	add := func(c cell) {
		res.Cells = append(res.Cells, c)
		status := c.Err
		if status == "" {
			switch {
			case c.Mem != nil:
				status = fmt.Sprintf("heap+stack %.0f B/conn", perConn(c.Mem, c.Conns, false))
			default:
				status = fmt.Sprintf("%.0f msg/s, p99 %.0f µs, server %.2f µs/msg", c.MsgsPerSec, c.Echo.P99, c.ServerCPUns/1e3)
			}
		}
		fmt.Fprintf(os.Stderr, "%-7s %-6s %-7s conns=%-5d size=%-6d %s\n", c.Kind, c.Client, c.Lib, c.Conns, c.Size, status)
	}
	for _, part := range strings.Split(*parts, ",") {
		switch part {
		case "echo":
			for _, n := range ec {
				for _, size := range es {
					for _, mode := range modes {
						for _, lib := range rotate(libs, turn) {
							c := cell{Kind: "echo", Client: mode, Lib: lib, Conns: n, Size: size}
							if !over(&c) {
								c = d.echo(c)
							}
							add(c)
						}
						turn++
					}
				}
				if err := save(); err != nil {
					return err
				}
			}
		case "deflate":
			for _, n := range dc {
				for _, mode := range modes {
					for _, lib := range rotate(libs, turn) {
						c := cell{Kind: "deflate", Client: mode, Lib: lib, Conns: n, Deflate: true}
						if !over(&c) {
							c = d.echo(c)
						}
						add(c)
					}
					turn++
				}
			}
		case "idle":
			for _, deflate := range []bool{false, true} {
				for _, lib := range rotate(libs, turn) {
					c := cell{Kind: "idle", Client: "common", Lib: lib, Conns: *idleConns, Deflate: deflate}
					if over(&c) {
						add(c)
						continue
					}
					if deflate && c.Conns > probeConns {
						// Some libraries keep a whole compressor per connection
						// under context takeover: probe before asking for
						// 10,000 of them on a shared machine.
						p := c
						p.Conns = probeConns
						p = d.idle(p)
						if p.Err != "" {
							add(p)
							continue
						}
						need := max(perConn(p.Mem, p.Conns, false), perConn(p.Mem, p.Conns, true)) * float64(c.Conns)
						if need > *idleBudget*(1<<30) {
							p.Note = fmt.Sprintf("measured at %d connections: %d would need about %.1f GiB, over the %.0f GiB budget", p.Conns, c.Conns, need/(1<<30), *idleBudget)
							add(p)
							continue
						}
					}
					add(d.idle(c))
				}
				turn++
			}
		default:
			return fmt.Errorf("unknown part %q", part)
		}
		if err := save(); err != nil {
			return err
		}
	}
	return save()
}

// probeConns is the size of the probe before a compressed idle cell.
const probeConns = 1000

type driver struct {
	warmup, measure time.Duration
	profile         string
	profileLibs     []string
}

// startServer starts a server child and waits for its address. A library
// that cannot serve the configuration gives errUnavailable.
func startServer(lib string, deflate bool) (*child, string, error) {
	args := []string{"server", "-lib", lib}
	if deflate {
		args = append(args, "-deflate")
	}
	srv, err := start("server "+lib, args...)
	if err != nil {
		return nil, "", err
	}
	l, err := srv.next(30 * time.Second)
	if err != nil {
		srv.kill()
		return nil, "", err
	}
	if reason, ok := strings.CutPrefix(l, "unavailable "); ok {
		srv.kill()
		return nil, "", fmt.Errorf("%w: %s", errUnavailable, reason)
	}
	addr, ok := strings.CutPrefix(l, "ready ")
	if !ok {
		srv.kill()
		return nil, "", fmt.Errorf("server %s: unexpected %q", lib, l)
	}
	return srv, addr, nil
}

var errUnavailable = errors.New("not available")

// startError is what a cell records when its server did not start.
func startError(err error) string {
	if errors.Is(err, errUnavailable) {
		return "not available"
	}
	return err.Error()
}

func (d *driver) echo(c cell) cell {
	srv, addr, err := startServer(c.Lib, c.Deflate)
	if err != nil {
		c.Err = startError(err)
		return c
	}
	defer srv.kill()
	clientLib := c.Lib
	if c.Client == "common" {
		clientLib = "raw"
	}
	args := []string{"client", "-lib", clientLib, "-addr", addr, "-conns", strconv.Itoa(c.Conns),
		"-size", strconv.Itoa(c.Size), "-warmup", d.warmup.String(), "-measure", d.measure.String()}
	if c.Deflate {
		args = append(args, "-deflate")
	}
	cli, err := start("client "+clientLib, args...)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	defer cli.kill()
	fail := func(err error) cell {
		c.Err = err.Error()
		return c
	}
	neg, err := cli.expect("dialed", 60*time.Second)
	if err != nil {
		return fail(err)
	}
	c.Negotiated = neg
	if _, err := cli.expect("start", d.warmup+30*time.Second); err != nil {
		return fail(err)
	}
	profiling := d.profile != "" && slices.Contains(d.profileLibs, c.Lib)
	if profiling {
		path := fmt.Sprintf("%s/server-%s-%s-%s-c%d-s%d.pprof", d.profile, c.Lib, c.Kind, c.Client, c.Conns, c.Size)
		if _, err := srv.ask("profile "+path, "ok"); err != nil {
			return fail(err)
		}
	}
	cpu0, err := srv.ask("cpu", "cpu")
	if err != nil {
		return fail(err)
	}
	if _, err := cli.expect("end", d.measure+30*time.Second); err != nil {
		return fail(err)
	}
	cpu1, err := srv.ask("cpu", "cpu")
	if err != nil {
		return fail(err)
	}
	if profiling {
		if _, err := srv.ask("stopprofile", "ok"); err != nil {
			return fail(err)
		}
	}
	line, err := cli.expect("result", 30*time.Second)
	if err != nil {
		return fail(err)
	}
	var r echoResult
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return fail(err)
	}
	c.Echo = &r
	if r.Msgs == 0 {
		return fail(errors.New("no message completed in the window"))
	}
	c.MsgsPerSec = float64(r.Msgs) / r.Seconds
	a, _ := strconv.ParseInt(cpu0, 10, 64)
	b, _ := strconv.ParseInt(cpu1, 10, 64)
	c.ServerCPUns = float64(b-a) / float64(r.Msgs)
	return c
}

func (d *driver) idle(c cell) cell {
	srv, addr, err := startServer(c.Lib, c.Deflate)
	if err != nil {
		c.Err = startError(err)
		return c
	}
	defer srv.kill()
	args := []string{"idle", "-addr", addr, "-conns", strconv.Itoa(c.Conns)}
	if c.Deflate {
		args = append(args, "-deflate")
	}
	cli, err := start("idle client", args...)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	defer cli.kill()
	neg, err := cli.expect("ready", 120*time.Second)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	c.Negotiated = neg
	time.Sleep(500 * time.Millisecond) // let the server's goroutines settle back into reads
	line, err := srv.ask("mem", "mem")
	if err != nil {
		c.Err = err.Error()
		return c
	}
	var m memReport
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		c.Err = err.Error()
		return c
	}
	c.Mem = &m
	if d.profile != "" && slices.Contains(d.profileLibs, c.Lib) {
		path := fmt.Sprintf("%s/heap-%s-idle-deflate=%v-c%d.pprof", d.profile, c.Lib, c.Deflate, c.Conns)
		if _, err := srv.ask("heapprofile "+path, "ok"); err != nil {
			c.Err = err.Error()
		}
	}
	return c
}

// perConn returns the memory per connection above the baseline: heap and
// stack in use, or the resident set size.
func perConn(m *memReport, conns int, resident bool) float64 {
	if resident {
		return (float64(m.Now.RSS) - float64(m.Baseline.RSS)) / float64(conns)
	}
	now := float64(m.Now.HeapInuse + m.Now.StackInuse)
	base := float64(m.Baseline.HeapInuse + m.Baseline.StackInuse)
	return (now - base) / float64(conns)
}
