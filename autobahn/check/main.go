// Command check reads an Autobahn|Testsuite index.json (from the official
// wstest or the Go-native runner), prints per-section counts, and exits
// non-zero listing every case whose behavior or close behavior is not OK or
// INFORMATIONAL. NON-STRICT, UNIMPLEMENTED, FAILED, WRONG CODE, UNCLEAN and
// FAILED BY CLIENT all fail, except UNIMPLEMENTED in the sections named by
// -allow-unimplemented, which are allowed and listed loudly.
//
//	go run ./autobahn/check [-allow-unimplemented 12,13] [-agent NAME] index.json...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hayate-ws/websocket/autobahn/internal/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allow := fs.String("allow-unimplemented", "", "comma-separated top-level sections (e.g. 12,13) where UNIMPLEMENTED is tolerated")
	agent := fs.String("agent", "", "check only this agent (default: every agent in the file)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: check [-allow-unimplemented 12,13] [-agent NAME] index.json...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	allowed := map[string]bool{}
	for _, s := range strings.Split(*allow, ",") {
		if s = strings.TrimSpace(s); s != "" {
			allowed[s] = true
		}
	}
	failed := false
	for _, path := range fs.Args() {
		idx, err := report.Load(path)
		if err != nil {
			fmt.Fprintf(stderr, "check: %v\n", err)
			return 2
		}
		if !checkIndex(path, idx, *agent, allowed, stdout) {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// checkIndex prints the report for one file and reports whether it passed.
func checkIndex(path string, idx report.Index, only string, allowed map[string]bool, w io.Writer) bool {
	agents := make([]string, 0, len(idx))
	for a := range idx {
		if only == "" || a == only {
			agents = append(agents, a)
		}
	}
	sort.Strings(agents)
	if len(agents) == 0 {
		fmt.Fprintf(w, "%s: FAIL: no results", path)
		if only != "" {
			fmt.Fprintf(w, " for agent %q", only)
		}
		fmt.Fprintln(w)
		return false
	}
	pass := true
	for _, a := range agents {
		m := idx[a]
		fmt.Fprintf(w, "== %s: agent %q, %d cases\n\n", path, a, len(m))
		fmt.Fprint(w, report.Count(m).Table())
		var bad, tolerated []string
		for _, id := range report.SortedIDs(m) {
			e := m[id]
			switch {
			case e.Passes():
			case allowed[report.Section(id)] && e.Behavior == "UNIMPLEMENTED" &&
				(e.BehaviorClose == "UNIMPLEMENTED" || e.BehaviorClose == "OK" || e.BehaviorClose == "INFORMATIONAL"):
				tolerated = append(tolerated, id)
			default:
				bad = append(bad, fmt.Sprintf("  %-9s behavior=%-13s behaviorClose=%-16s remoteCloseCode=%s  (%s)",
					id, e.Behavior, e.BehaviorClose, code(e.RemoteCloseCode), e.ReportFile))
			}
		}
		if len(tolerated) > 0 {
			var secs []string
			for s := range allowed {
				secs = append(secs, s)
			}
			slices.Sort(secs)
			fmt.Fprintf(w, "\n!!! WARNING: %d UNIMPLEMENTED cases ALLOWED by -allow-unimplemented %s — these features are NOT tested:\n",
				len(tolerated), strings.Join(secs, ","))
			fmt.Fprintf(w, "!!! %s\n", compressIDs(tolerated))
		}
		if len(bad) > 0 {
			pass = false
			fmt.Fprintf(w, "\nFAIL: %d cases are not OK or INFORMATIONAL:\n%s\n\n", len(bad), strings.Join(bad, "\n"))
			continue
		}
		fmt.Fprintf(w, "\nPASS: every case is OK or INFORMATIONAL")
		if len(tolerated) > 0 {
			fmt.Fprintf(w, " (except %d allowed UNIMPLEMENTED)", len(tolerated))
		}
		fmt.Fprint(w, "\n\n")
	}
	return pass
}

func code(c *int) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprint(*c)
}

// compressIDs lists ids compactly, folding complete runs of one
// sub-section ("12.1.1" .. "12.1.18") into "12.1.*" when all of them are in
// the list.
func compressIDs(ids []string) string {
	groups := map[string][]string{}
	var order []string
	for _, id := range ids {
		i := strings.LastIndex(id, ".")
		prefix := id
		if i > 0 {
			prefix = id[:i]
		}
		if _, ok := groups[prefix]; !ok {
			order = append(order, prefix)
		}
		groups[prefix] = append(groups[prefix], id)
	}
	var parts []string
	for _, p := range order {
		g := groups[p]
		if len(g) > 1 {
			parts = append(parts, fmt.Sprintf("%s.* (%d)", p, len(g)))
		} else {
			parts = append(parts, g[0])
		}
	}
	return strings.Join(parts, ", ")
}
