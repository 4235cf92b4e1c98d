// Package report reads and summarises Autobahn|Testsuite index files, in the
// shape written by the official wstest and by the Go-native runner.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Entry is one case result in an index.json.
type Entry struct {
	Behavior        string `json:"behavior"`
	BehaviorClose   string `json:"behaviorClose"`
	Duration        int64  `json:"duration"`
	RemoteCloseCode *int   `json:"remoteCloseCode"`
	ReportFile      string `json:"reportfile"`
}

// Index maps agent name to case id to result, as in index.json.
type Index map[string]map[string]Entry

// Load reads an index.json file.
func Load(path string) (Index, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

// Passes reports whether both the behavior and the close behavior are OK or
// INFORMATIONAL, the only results a conforming implementation may show.
func (e Entry) Passes() bool {
	good := func(s string) bool { return s == "OK" || s == "INFORMATIONAL" }
	return good(e.Behavior) && good(e.BehaviorClose)
}

// CompareIDs orders case ids such as "6.4.10" numerically, part by part.
func CompareIDs(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea != nil || eb != nil {
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
			continue
		}
		if na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
	}
	return len(pa) - len(pb)
}

// SortedIDs returns the case ids of m in numeric order.
func SortedIDs(m map[string]Entry) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, CompareIDs)
	return ids
}

// Section returns the top-level section of a case id ("6" for "6.4.1").
func Section(id string) string {
	s, _, _ := strings.Cut(id, ".")
	return s
}

var sectionTitles = map[string]string{
	"1":  "Framing",
	"2":  "Pings/Pongs",
	"3":  "Reserved Bits",
	"4":  "Opcodes",
	"5":  "Fragmentation",
	"6":  "UTF-8 Handling",
	"7":  "Close Handling",
	"9":  "Limits/Performance",
	"10": "Misc",
	"12": "WebSocket Compression (different payloads)",
	"13": "WebSocket Compression (different parameters)",
}

// SectionTitle names a top-level section.
func SectionTitle(sec string) string {
	if t, ok := sectionTitles[sec]; ok {
		return sec + " " + t
	}
	return sec
}

// Outcomes lists behavior classes in the order summaries show them.
var Outcomes = []string{"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"}

// SectionCounts counts, per section, cases by behavior, plus cases whose
// close behavior is neither OK nor INFORMATIONAL (under "close not OK").
type SectionCounts struct {
	Sections []string
	Total    map[string]int
	By       map[string]map[string]int
}

// Count tallies one agent's results by section.
func Count(m map[string]Entry) SectionCounts {
	c := SectionCounts{Total: map[string]int{}, By: map[string]map[string]int{}}
	for _, id := range SortedIDs(m) {
		e := m[id]
		sec := Section(id)
		if _, ok := c.By[sec]; !ok {
			c.Sections = append(c.Sections, sec)
			c.By[sec] = map[string]int{}
		}
		c.Total[sec]++
		b := e.Behavior
		if !slices.Contains(Outcomes, b) {
			b = "FAILED"
		}
		c.By[sec][b]++
		if e.BehaviorClose != "OK" && e.BehaviorClose != "INFORMATIONAL" {
			c.By[sec]["close not OK"]++
		}
	}
	return c
}

// Table renders counts as a Markdown table (also readable as plain text).
func (c SectionCounts) Table() string {
	var b strings.Builder
	cols := append(slices.Clone(Outcomes), "close not OK")
	b.WriteString("| Section | Cases |")
	for _, o := range cols {
		b.WriteString(" " + o + " |")
	}
	b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(cols)) + "\n")
	total := map[string]int{}
	n := 0
	for _, sec := range c.Sections {
		fmt.Fprintf(&b, "| %s | %d |", SectionTitle(sec), c.Total[sec])
		n += c.Total[sec]
		for _, o := range cols {
			fmt.Fprintf(&b, " %d |", c.By[sec][o])
			total[o] += c.By[sec][o]
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| **all** | %d |", n)
	for _, o := range cols {
		fmt.Fprintf(&b, " %d |", total[o])
	}
	b.WriteString("\n")
	return b.String()
}

// Markdown renders a summary of idx: per agent, the section table and every
// case that did not pass.
func Markdown(title string, idx Index, results func(agent, id string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	agents := make([]string, 0, len(idx))
	for a := range idx {
		agents = append(agents, a)
	}
	slices.Sort(agents)
	for _, a := range agents {
		m := idx[a]
		fmt.Fprintf(&b, "## Agent `%s`\n\n", a)
		b.WriteString(Count(m).Table())
		var bad []string
		for _, id := range SortedIDs(m) {
			if !m[id].Passes() {
				bad = append(bad, id)
			}
		}
		if len(bad) == 0 {
			b.WriteString("\nEvery case is OK or INFORMATIONAL.\n\n")
			continue
		}
		fmt.Fprintf(&b, "\n### %d cases not OK\n\n| Case | behavior | behaviorClose | remote close code | result |\n|---|---|---|---|---|\n", len(bad))
		for _, id := range bad {
			e := m[id]
			code := "none"
			if e.RemoteCloseCode != nil {
				code = strconv.Itoa(*e.RemoteCloseCode)
			}
			res := ""
			if results != nil {
				res = strings.ReplaceAll(results(a, id), "|", "\\|")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", id, e.Behavior, e.BehaviorClose, code, res)
		}
		b.WriteString("\n")
	}
	return b.String()
}
