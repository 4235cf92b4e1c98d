package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hayate-ws/websocket/autobahn/internal/report"
)

// wirelog is a bounded log of the frames exchanged in one case, for the
// per-case report. A nil *wirelog logs nothing.
type wirelog struct {
	start   time.Time
	entries [][]any
	max     int
	dropped int
}

func (w *wirelog) add(e []any) {
	if w == nil {
		return
	}
	if w.start.IsZero() {
		w.start = time.Now()
	}
	if len(w.entries) >= w.max {
		w.dropped++
		return
	}
	w.entries = append(w.entries, append([]any{e[0], time.Since(w.start).Milliseconds()}, e[1:]...))
}

// frame logs a frame: direction ("TF" sent, "RF" received), opcode, fin,
// rsv, masked, payload length and a payload preview.
func (w *wirelog) frame(dir string, f frame) {
	if w == nil {
		return
	}
	w.add([]any{dir, f.opcode, f.fin, f.rsv, f.masked, len(f.payload), preview(f.payload, 64)})
}

// note logs a runner event such as a timeout token or a drop.
func (w *wirelog) note(kind, text string) { w.add([]any{kind, text}) }

// preview renders at most n bytes of p: as text when valid UTF-8 without
// control characters, else as 0x-prefixed hex.
func preview(p []byte, n int) string {
	cut := ""
	if len(p) > n {
		p, cut = p[:n], fmt.Sprintf("... (%d octets)", len(p))
	}
	printable := utf8.Valid(p)
	for _, c := range p {
		if c < 0x20 && c != '\n' && c != '\t' {
			printable = false
			break
		}
	}
	if printable {
		return string(p) + cut
	}
	return "0x" + hex.EncodeToString(p) + cut
}

// eventJSON renders an event like the suite: ["message", payload, binary],
// ["pong", payload], ["timeout", token]. Long payloads are shortened.
func eventJSON(e event) []any {
	p := preview(e.data, 512)
	if e.kind == "message" {
		return []any{e.kind, p, e.binary}
	}
	return []any{e.kind, p}
}

func eventsJSON(es []event) [][]any {
	out := make([][]any, 0, len(es))
	for _, e := range es {
		out = append(out, eventJSON(e))
	}
	return out
}

// caseReport is the per-case JSON file, with the suite's field names.
type caseReport struct {
	Agent                    string             `json:"agent"`
	Behavior                 string             `json:"behavior"`
	BehaviorClose            string             `json:"behaviorClose"`
	Case                     int                `json:"case"`
	ClosedByMe               bool               `json:"closedByMe"`
	CreateWirelog            bool               `json:"createWirelog"`
	Description              string             `json:"description"`
	DroppedByMe              bool               `json:"droppedByMe"`
	Duration                 int64              `json:"duration"`
	Expectation              string             `json:"expectation"`
	Expected                 map[string][][]any `json:"expected"`
	ExpectedClose            map[string]any     `json:"expectedClose"`
	FailedByMe               bool               `json:"failedByMe"`
	HTTPRequest              string             `json:"httpRequest"`
	HTTPResponse             string             `json:"httpResponse"`
	ID                       string             `json:"id"`
	IsServer                 bool               `json:"isServer"`
	LocalCloseCode           *int               `json:"localCloseCode"`
	LocalCloseReason         *string            `json:"localCloseReason"`
	Received                 [][]any            `json:"received"`
	RemoteCloseCode          *int               `json:"remoteCloseCode"`
	RemoteCloseReason        *string            `json:"remoteCloseReason"`
	Result                   string             `json:"result"`
	ResultClose              string             `json:"resultClose"`
	RxFrameStats             map[string]int     `json:"rxFrameStats"`
	RxOctets                 int64              `json:"rxOctets"`
	Started                  string             `json:"started"`
	TxFrameStats             map[string]int     `json:"txFrameStats"`
	TxOctets                 int64              `json:"txOctets"`
	WasClean                 bool               `json:"wasClean"`
	WasCloseHandshakeTimeout bool               `json:"wasCloseHandshakeTimeout"`
	WasNotCleanReason        *string            `json:"wasNotCleanReason"`
	WasServerDropTimeout     bool               `json:"wasServerConnectionDropTimeout"`
	ProtocolViolation        *string            `json:"protocolViolation"`
	Negotiated               string             `json:"extensionsNegotiated"`
	Wirelog                  [][]any            `json:"wirelog"`
	WirelogTruncated         int                `json:"wirelogTruncated,omitempty"`
}

func optInt(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

func optString(s string, present bool) *string {
	if !present {
		return nil
	}
	return &s
}

// reportFile names a case's report like the suite: agent, lowercased and
// reduced to [a-z0-9_], then "_case_" and the id with dots as underscores.
func reportFile(agent, id string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(agent))
	return clean + "_case_" + strings.ReplaceAll(id, ".", "_") + ".json"
}

// reportSet collects results for one role and writes them to disk.
type reportSet struct {
	dir     string
	title   string
	index   report.Index
	results map[string]map[string]string // agent -> id -> result text
}

// newReportSet starts a report directory. Results of other agents already
// in its index.json are kept; an agent that runs again replaces its own.
func newReportSet(dir, title string) *reportSet {
	r := &reportSet{dir: dir, title: title, index: report.Index{}, results: map[string]map[string]string{}}
	if old, err := report.Load(filepath.Join(dir, "index.json")); err == nil {
		r.index = old
	}
	return r
}

// add stores one case report and writes its file.
func (r *reportSet) add(rep *caseReport) error {
	if r.results[rep.Agent] == nil {
		r.index[rep.Agent] = map[string]report.Entry{}
		r.results[rep.Agent] = map[string]string{}
	}
	file := reportFile(rep.Agent, rep.ID)
	r.index[rep.Agent][rep.ID] = report.Entry{
		Behavior:        rep.Behavior,
		BehaviorClose:   rep.BehaviorClose,
		Duration:        rep.Duration,
		RemoteCloseCode: rep.RemoteCloseCode,
		ReportFile:      file,
	}
	res := rep.Result
	if rep.BehaviorClose != OK && rep.BehaviorClose != Informational {
		res += " / " + rep.ResultClose
	}
	r.results[rep.Agent][rep.ID] = res
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	return writeJSON(filepath.Join(r.dir, file), rep)
}

// flush writes index.json and summary.md.
func (r *reportSet) flush() error {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(r.dir, "index.json"), r.index); err != nil {
		return err
	}
	md := report.Markdown(r.title, r.index, func(agent, id string) string { return r.results[agent][id] })
	return os.WriteFile(filepath.Join(r.dir, "summary.md"), []byte(md), 0o644)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "   ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
