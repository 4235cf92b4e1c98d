package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The report turns the driver's JSON and the go-test benchmark output into
// RESULTS.md. Every figure in it comes from those files; every met/not met is
// computed here from them.

// benchData maps a benchmark name (without the GOMAXPROCS suffix) and a unit
// to the values of every run.
type benchData map[string]map[string][]float64

func parseBench(path string) (benchData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := benchData{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		if d[name] == nil {
			d[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			d[name][fields[i+1]] = append(d[name][fields[i+1]], v)
		}
	}
	return d, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// get returns the median of unit for benchmark name, NaN if absent.
func (d benchData) get(name, unit string) float64 { return median(d[name][unit]) }

func (d benchData) runs(name, unit string) int { return len(d[name][unit]) }

var libOrder = []string{"hayate", "gorilla", "coder", "gobwas", "gws"}

// best returns the best value among libs (the highest if higher is better),
// and its library; libs without a value are skipped.
func best(vals map[string]float64, libs []string, higher bool) (float64, string) {
	b, who := math.NaN(), ""
	for _, l := range libs {
		v, ok := vals[l]
		if !ok || math.IsNaN(v) {
			continue
		}
		if math.IsNaN(b) || (higher && v > b) || (!higher && v < b) {
			b, who = v, l
		}
	}
	return b, who
}

var peersOnly = libOrder[1:]

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

// fmtNum prints v with three significant digits, or a dash.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// fmtCount prints a large count with thousands separators.
func fmtCount(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func ratio(v, ref float64) string {
	if math.IsNaN(v) || math.IsNaN(ref) || ref == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.2f×)", v/ref)
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

type reporter struct {
	w       io.Writer
	targets [][3]string // what, measured, verdict
}

func (r *reporter) p(format string, args ...any) { fmt.Fprintf(r.w, format+"\n", args...) }

func (r *reporter) target(what, measured string, ok bool) string {
	r.targets = append(r.targets, [3]string{what, measured, verdict(ok)})
	return verdict(ok)
}

// unmeasured records a target that has no Hayate figure to judge.
func (r *reporter) unmeasured(what, why string) string {
	r.targets = append(r.targets, [3]string{what, why, "not measured"})
	return "not measured"
}

func (r *reporter) header(first string, extra ...string) {
	cols := append(append([]string{first}, libOrder...), extra...)
	r.p("| %s |", strings.Join(cols, " | "))
	r.p("|%s", strings.Repeat("---|", len(cols)))
}

func (r *reporter) mask(d benchData, sizes []int) {
	r.p("## Masking")
	r.p("")
	r.p("GB/s (10⁹ bytes per second, the median of the runs) masking a payload in place, beside `copy` of the same number of bytes; in brackets, the ratio to the fastest library at that size. Target: Hayate at least as fast as the best peer at every size.")
	r.p("")
	r.header("size", "copy", "target: ≥ best peer")
	for _, size := range sizes {
		vals := map[string]float64{}
		for _, l := range append(slices.Clone(libOrder), "copy") {
			vals[l] = d.get(fmt.Sprintf("BenchmarkMask/size=%d/lib=%s", size, l), "MB/s") / 1e3
		}
		top, _ := best(vals, libOrder, true)
		peer, who := best(vals, peersOnly, true)
		row := []string{sizeName(size)}
		for _, l := range libOrder {
			row = append(row, fmtNum(vals[l])+ratio(vals[l], top))
		}
		row = append(row, fmtNum(vals["copy"]))
		h := vals["hayate"]
		ok := h >= peer
		row = append(row, r.target("masking "+sizeName(size)+" ≥ best peer", fmt.Sprintf("%.2f× %s", h/peer, who), ok)+fmt.Sprintf(" (%.2f× %s)", h/peer, who))
		r.p("| %s |", strings.Join(row, " | "))
	}
	r.p("")
}

func (r *reporter) frames(d benchData, op string, sizes []int) {
	title := map[string]string{"Read": "Frame read (server reads a masked client frame)", "Write": "Frame write (server writes an unmasked frame)"}[op]
	r.p("## %s", title)
	r.p("")
	r.p("ns/op, B/op and allocs/op per binary message sent as one frame, no network (the median of the runs); in brackets, ns/op relative to the fastest library. Target: 0 allocs/op and ns/op at most 0.8× the best peer.")
	r.p("")
	r.header("size", "target: 0 allocs, ≤ 0.8× best peer")
	for _, size := range sizes {
		ns, bop, allocs := map[string]float64{}, map[string]float64{}, map[string]float64{}
		for _, l := range libOrder {
			name := fmt.Sprintf("BenchmarkFrame%s/size=%d/lib=%s", op, size, l)
			ns[l], bop[l], allocs[l] = d.get(name, "ns/op"), d.get(name, "B/op"), d.get(name, "allocs/op")
		}
		top, _ := best(ns, libOrder, false)
		peer, who := best(ns, peersOnly, false)
		row := []string{sizeName(size)}
		for _, l := range libOrder {
			row = append(row, fmt.Sprintf("%s ns, %s B, %s allocs%s", fmtNum(ns[l]), fmtNum(bop[l]), fmtNum(allocs[l]), ratio(ns[l], top)))
		}
		h := ns["hayate"]
		ok := allocs["hayate"] == 0 && h <= 0.8*peer
		what := fmt.Sprintf("frame %s %s: 0 allocs, ≤ 0.8× best peer", strings.ToLower(op), sizeName(size))
		measured := fmt.Sprintf("%s allocs, %.2f× %s", fmtNum(allocs["hayate"]), h/peer, who)
		row = append(row, r.target(what, measured, ok)+" ("+measured+")")
		r.p("| %s |", strings.Join(row, " | "))
	}
	r.p("")
}

type cellKey struct {
	kind, client, lib string
	conns, size       int
	deflate           bool
}

func index(cells []cell) map[cellKey]cell {
	m := map[cellKey]cell{}
	for _, c := range cells {
		m[cellKey{c.Kind, c.Client, c.Lib, c.Conns, c.Size, c.Deflate}] = c
	}
	return m
}

func (r *reporter) echo(res *results) {
	idx := index(res.Cells)
	var conns, sizes []int
	var clients []string
	for _, c := range res.Cells {
		if c.Kind != "echo" {
			continue
		}
		if !slices.Contains(conns, c.Conns) {
			conns = append(conns, c.Conns)
		}
		if !slices.Contains(sizes, c.Size) {
			sizes = append(sizes, c.Size)
		}
		if !slices.Contains(clients, c.Client) {
			clients = append(clients, c.Client)
		}
	}
	if len(conns) == 0 {
		return
	}
	slices.Sort(conns)
	slices.Sort(sizes)
	r.p("## Echo over loopback")
	r.p("")
	r.p("Server and client in separate processes on 127.0.0.1; each connection sends a binary message and waits for its echo before the next. %s warm-up, then %s measured per cell. Server CPU is the server process's user+system time over the window divided by the messages echoed in it.", res.Warmup, res.Measure)
	r.p("")
	for _, client := range clients {
		name := map[string]string{"own": "each library's own client", "common": "the common client (one raw-frame client for every server)"}[client]
		r.p("### Messages per second, %s", name)
		r.p("")
		r.p("In brackets, the ratio to the best library in the cell. Target: Hayate at least 1.1× the best peer's messages/s, with a p99 lower than every peer's.")
		r.p("")
		r.header("conns × size", "target: ≥ 1.1× best peer, lower p99")
		for _, n := range conns {
			for _, size := range sizes {
				mps, p99 := map[string]float64{}, map[string]float64{}
				row := []string{fmt.Sprintf("%s × %s", fmtCount(float64(n)), sizeName(size))}
				for _, l := range libOrder {
					c, ok := idx[cellKey{"echo", client, l, n, size, false}]
					if ok && c.Err == "" && c.Echo != nil {
						mps[l], p99[l] = c.MsgsPerSec, c.Echo.P99
					}
				}
				top, _ := best(mps, libOrder, true)
				for _, l := range libOrder {
					c := idx[cellKey{"echo", client, l, n, size, false}]
					if v, ok := mps[l]; ok {
						row = append(row, fmtCount(v)+ratio(v, top))
					} else {
						row = append(row, "error: "+c.Err)
					}
				}
				peer, who := best(mps, peersOnly, true)
				peerP99, whoP99 := best(p99, peersOnly, false)
				h, hok := mps["hayate"]
				if !hok || math.IsNaN(peer) {
					row = append(row, r.unmeasured(fmt.Sprintf("echo %s client %d × %s", client, n, sizeName(size)), "no figure"))
				} else {
					ok := h >= 1.1*peer && p99["hayate"] < peerP99
					measured := fmt.Sprintf("%.2f× %s; p99 %s vs %s µs (%s)", h/peer, who, fmtNum(p99["hayate"]), fmtNum(peerP99), whoP99)
					what := fmt.Sprintf("echo %s client %d × %s", client, n, sizeName(size))
					row = append(row, r.target(what, measured, ok)+" ("+measured+")")
				}
				r.p("| %s |", strings.Join(row, " | "))
			}
		}
		r.p("")
		r.p("### Round trip p50 / p99 (µs), %s", name)
		r.p("")
		r.header("conns × size")
		for _, n := range conns {
			for _, size := range sizes {
				row := []string{fmt.Sprintf("%s × %s", fmtCount(float64(n)), sizeName(size))}
				for _, l := range libOrder {
					c, ok := idx[cellKey{"echo", client, l, n, size, false}]
					if ok && c.Err == "" && c.Echo != nil {
						row = append(row, fmtNum(c.Echo.P50)+" / "+fmtNum(c.Echo.P99))
					} else {
						row = append(row, "–")
					}
				}
				r.p("| %s |", strings.Join(row, " | "))
			}
		}
		r.p("")
		r.p("### Server CPU per message (µs), %s", name)
		r.p("")
		r.p("In brackets, the ratio to the lowest in the cell.")
		r.p("")
		r.header("conns × size")
		for _, n := range conns {
			for _, size := range sizes {
				cpu := map[string]float64{}
				for _, l := range libOrder {
					c, ok := idx[cellKey{"echo", client, l, n, size, false}]
					if ok && c.Err == "" && c.Echo != nil {
						cpu[l] = c.ServerCPUns / 1e3
					}
				}
				low, _ := best(cpu, libOrder, false)
				row := []string{fmt.Sprintf("%s × %s", fmtCount(float64(n)), sizeName(size))}
				for _, l := range libOrder {
					if v, ok := cpu[l]; ok {
						row = append(row, fmtNum(v)+ratio(v, low))
					} else {
						row = append(row, "–")
					}
				}
				r.p("| %s |", strings.Join(row, " | "))
			}
		}
		r.p("")
	}
}

// wire returns TCP bytes per payload byte, both directions and server to
// client.
func wire(e *echoResult) (both, down float64) {
	return float64(e.WireOut+e.WireIn) / float64(e.PayloadBytes), float64(e.WireIn) / float64(e.PayloadIn)
}

func (r *reporter) deflate(res *results) {
	idx := index(res.Cells)
	var conns []int
	var clients []string
	for _, c := range res.Cells {
		if c.Kind == "deflate" {
			if !slices.Contains(conns, c.Conns) {
				conns = append(conns, c.Conns)
			}
			if !slices.Contains(clients, c.Client) {
				clients = append(clients, c.Client)
			}
		}
	}
	if len(conns) == 0 {
		return
	}
	r.p("## Compressed echo (permessage-deflate, JSON corpus)")
	r.p("")
	r.p("The echo above with permessage-deflate negotiated, each connection cycling through the corpus of `internal/corpus` (deterministic JSON order events of 2.0–2.2 KiB, sent as binary messages). Wire bytes are counted by a wrapper around the client's net.Conn (TCP payload: frame headers, compressed data, and no TCP/IP headers) over the window and divided by the message bytes sent and received in it. With the common client, client-to-server messages are compressed by that client, each on its own (level 1), so the server-to-client ratio is the column that measures the server's compressor. Targets (own clients): wire bytes within 5 %% of the best, messages/s at least 1.2× the best peer.")
	r.p("")
	for _, client := range clients {
		for _, n := range conns {
			r.p("### %s connections, %s", fmtCount(float64(n)), map[string]string{"own": "each library's own client", "common": "the common client"}[client])
			r.p("")
			get := func(l string) (cell, bool) {
				c, ok := idx[cellKey{"deflate", client, l, n, 0, true}]
				return c, ok && c.Err == "" && c.Echo != nil
			}
			mps, both, down, cpu := map[string]float64{}, map[string]float64{}, map[string]float64{}, map[string]float64{}
			for _, l := range libOrder {
				if c, ok := get(l); ok {
					mps[l] = c.MsgsPerSec
					both[l], down[l] = wire(c.Echo)
					cpu[l] = c.ServerCPUns / 1e3
				}
			}
			extra := []string{}
			if client == "own" {
				extra = []string{"target"}
			}
			r.header("", extra...)
			line := func(label string, vals map[string]float64, higher bool, format func(float64) string, tgt string) {
				top, _ := best(vals, libOrder, higher)
				row := []string{label}
				for _, l := range libOrder {
					c := idx[cellKey{"deflate", client, l, n, 0, true}]
					switch v, ok := vals[l]; {
					case ok:
						row = append(row, format(v)+ratio(v, top))
					case c.Err != "":
						row = append(row, c.Err)
					default:
						row = append(row, "–")
					}
				}
				if client == "own" {
					row = append(row, tgt)
				}
				r.p("| %s |", strings.Join(row, " | "))
			}
			fmt3 := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
			var tMps, tWire string
			if h, ok := mps["hayate"]; ok && client == "own" {
				peer, who := best(mps, peersOnly, true)
				m := fmt.Sprintf("%.2f× %s", h/peer, who)
				tMps = r.target(fmt.Sprintf("compressed echo %d conns: messages/s ≥ 1.2× best peer", n), m, h >= 1.2*peer) + " (≥ 1.2× best peer: " + m + ")"
				top, who := best(both, peersOnly, false)
				m = fmt.Sprintf("%.3f vs %.3f (%s)", both["hayate"], top, who)
				tWire = r.target(fmt.Sprintf("compressed echo %d conns: wire bytes within 5 %% of the best", n), m, both["hayate"] <= 1.05*top) + " (within 5 % of best: " + m + ")"
			} else if client == "own" {
				c := idx[cellKey{"deflate", client, "hayate", n, 0, true}]
				why := c.Err
				if why == "" {
					why = "not measured"
				}
				tMps = r.unmeasured(fmt.Sprintf("compressed echo %d conns: messages/s ≥ 1.2× best peer", n), why) + " (" + why + ")"
				tWire = r.unmeasured(fmt.Sprintf("compressed echo %d conns: wire bytes within 5 %% of the best", n), why) + " (" + why + ")"
			}
			line("messages/s", mps, true, fmtCount, tMps)
			line("wire bytes per payload byte, both ways", both, false, fmt3, tWire)
			line("wire bytes per payload byte, server → client", down, false, fmt3, "")
			line("server CPU µs/message", cpu, false, fmtNum, "")
			row := []string{"p50 / p99 µs"}
			for _, l := range libOrder {
				if c, ok := get(l); ok {
					row = append(row, fmtNum(c.Echo.P50)+" / "+fmtNum(c.Echo.P99))
				} else {
					row = append(row, "–")
				}
			}
			if client == "own" {
				row = append(row, "")
			}
			r.p("| %s |", strings.Join(row, " | "))
			row = []string{"negotiated (server's response)"}
			for _, l := range libOrder {
				c := idx[cellKey{"deflate", client, l, n, 0, true}]
				row = append(row, "`"+c.Negotiated+"`")
			}
			if client == "own" {
				row = append(row, "")
			}
			r.p("| %s |", strings.Join(row, " | "))
			r.p("")
		}
	}
}

func (r *reporter) idle(res *results) {
	var cells []cell
	for _, c := range res.Cells {
		if c.Kind == "idle" {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return
	}
	get := func(l string, deflate bool) (cell, bool) {
		for _, c := range cells {
			if c.Lib == l && c.Deflate == deflate {
				return c, true
			}
		}
		return cell{}, false
	}
	r.p("## Memory per idle connection")
	r.p("")
	r.p("A server process holds connections from a common-client process that sent 3 corpus messages (about 2 KiB each) on each connection and read their echoes (compressed alone when permessage-deflate was negotiated), then went quiet. The server then runs runtime.GC twice and debug.FreeOSMemory and reads runtime.MemStats (HeapInuse + StackInuse) and its RSS (/proc/self/statm); the same reading taken before any connection is subtracted and the rest divided by the connections. In brackets, the ratio to the lowest. Targets: heap+stack at most 4 KiB per connection with compression off, at most 16 KiB with compression (context takeover).")
	r.p("")
	r.header("", "target")
	kib := func(v float64) string { return fmtNum(v/1024) + " KiB" }
	for _, deflate := range []bool{false, true} {
		for _, resident := range []bool{false, true} {
			label := map[bool]string{false: "heap+stack", true: "RSS"}[resident] + " per connection, compression " + map[bool]string{false: "off", true: "on"}[deflate]
			vals := map[string]float64{}
			for _, l := range libOrder {
				if c, ok := get(l, deflate); ok && c.Err == "" && c.Mem != nil {
					vals[l] = perConn(c.Mem, c.Conns, resident)
				}
			}
			low, _ := best(vals, libOrder, false)
			row := []string{label}
			for _, l := range libOrder {
				c, _ := get(l, deflate)
				switch v, ok := vals[l]; {
				case ok:
					s := kib(v) + ratio(v, low)
					if c.Conns != 0 && c.Note != "" {
						s += " ¹"
					}
					row = append(row, s)
				case c.Err != "":
					row = append(row, c.Err)
				default:
					row = append(row, "–")
				}
			}
			tgt := ""
			if !resident {
				limit := map[bool]float64{false: 4096, true: 16384}[deflate]
				what := fmt.Sprintf("idle memory, compression %s: heap+stack ≤ %s", map[bool]string{false: "off", true: "on"}[deflate], kib(limit))
				if v, ok := vals["hayate"]; ok {
					tgt = r.target(what, kib(v), v <= limit) + " (≤ " + kib(limit) + ")"
				} else {
					c, _ := get("hayate", deflate)
					why := c.Err
					if why == "" {
						why = "not measured"
					}
					tgt = r.unmeasured(what, why) + " (" + why + ")"
				}
			}
			row = append(row, tgt)
			r.p("| %s |", strings.Join(row, " | "))
		}
	}
	for _, deflate := range []bool{false, true} {
		row := []string{"connections measured, compression " + map[bool]string{false: "off", true: "on"}[deflate]}
		for _, l := range libOrder {
			c, _ := get(l, deflate)
			row = append(row, fmtCount(float64(c.Conns)))
		}
		r.p("| %s | |", strings.Join(row, " | "))
	}
	row := []string{"negotiated, compression on"}
	for _, l := range libOrder {
		c, _ := get(l, true)
		row = append(row, "`"+c.Negotiated+"`")
	}
	r.p("| %s | |", strings.Join(row, " | "))
	r.p("")
	for _, c := range cells {
		if c.Note != "" {
			r.p("¹ %s, compression %s: %s.", c.Lib, map[bool]string{false: "off", true: "on"}[c.Deflate], c.Note)
		}
	}
	r.p("")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func runReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	resPath := fs.String("results", "out/results.json", "the driver's results")
	maskPath := fs.String("mask", "out/mask.txt", "go test output of ./mask")
	framePath := fs.String("frame", "out/frame.txt", "go test output of ./frame")
	maskStat := fs.String("maskstat", "out/mask.benchstat", "benchstat of ./mask")
	frameStat := fs.String("framestat", "out/frame.benchstat", "benchstat of ./frame")
	cmdline := fs.String("cmd", "make -C bench peers", "the command that produced the results")
	elapsed := fs.Int("elapsed", 0, "seconds the whole command took, if known")
	rev := fs.String("rev", "", "Hayate revision measured")
	tags := fs.String("tags", "", "build tags of the benchmark binaries")
	out := fs.String("o", "RESULTS.md", "output")
	_ = fs.Parse(args)

	var res results
	b, err := os.ReadFile(*resPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	mask, err := parseBench(*maskPath)
	if err != nil {
		return err
	}
	frame, err := parseBench(*framePath)
	if err != nil {
		return err
	}

	var body strings.Builder
	r := &reporter{w: &body}
	r.mask(mask, []int{16, 125, 1024, 16384, 1 << 20})
	r.frames(frame, "Read", []int{16, 1024, 64 << 10})
	r.frames(frame, "Write", []int{16, 1024, 64 << 10})
	r.echo(&res)
	r.deflate(&res)
	r.idle(&res)

	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	top := &reporter{w: w}
	top.p("# Hayate against other Go WebSocket libraries")
	top.p("")
	top.p("Generated by `%s`; do not edit by hand. How each figure is measured: [README.md](README.md).", *cmdline)
	top.p("")
	top.p("| | |")
	top.p("|---|---|")
	top.p("| date | %s |", res.Started.UTC().Format(time.RFC3339))
	top.p("| machine | %s, %d cores (runtime.NumCPU), %s/%s |", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	top.p("| Go | %s |", res.Go)
	if *rev != "" {
		top.p("| Hayate | %s |", *rev)
	}
	top.p("| peers | gorilla/websocket v1.5.3, coder/websocket v1.8.15, gobwas/ws v1.5.0, lxzan/gws v1.8.9 (the newest v1 on the module proxy) |")
	if *tags != "" {
		top.p("| build tags | %s |", *tags)
	}
	top.p("| command | `%s` |", *cmdline)
	if *elapsed > 0 {
		top.p("| wall time | %d min %02d s |", *elapsed/60, *elapsed%60)
	}
	top.p("| go-test runs | %d per benchmark (mask), %d (frame), libraries rotated between runs |", mask.runs("BenchmarkMask/size=16/lib=hayate", "ns/op"), frame.runs("BenchmarkFrameRead/size=16/lib=hayate", "ns/op"))
	top.p("")
	top.p("Libraries are interleaved and rotated in every measurement, so that drift of the machine (2 cores, possibly shared) hits all of them alike. Ratios in brackets are to the best library in the row or cell.")
	top.p("")
	top.p("## Targets")
	top.p("")
	met := 0
	for _, t := range r.targets {
		if t[2] == verdict(true) {
			met++
		}
	}
	top.p("%d of %d met (a target without a Hayate figure counts as not met).", met, len(r.targets))
	top.p("")
	top.p("| target | Hayate measured | |")
	top.p("|---|---|---|")
	for _, t := range r.targets {
		top.p("| %s | %s | %s |", t[0], t[1], t[2])
	}
	top.p("")
	if _, err := io.WriteString(w, body.String()); err != nil {
		return err
	}
	for _, s := range []struct{ title, path string }{{"masking", *maskStat}, {"frame read and write", *frameStat}} {
		b, err := os.ReadFile(s.path)
		if err != nil {
			continue
		}
		top.p("<details><summary>benchstat: %s</summary>", s.title)
		top.p("")
		top.p("```")
		top.p("%s", strings.TrimSpace(string(b)))
		top.p("```")
		top.p("")
		top.p("</details>")
		top.p("")
	}
	return w.Flush()
}
