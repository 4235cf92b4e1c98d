package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// officialShaped is an index.json in the shape wstest writes.
const officialShaped = `{
   "AutobahnPython": {
      "1.1.1": {"behavior": "OK", "behaviorClose": "OK", "duration": 2, "remoteCloseCode": 1000, "reportfile": "autobahnpython_case_1_1_1.json"},
      "6.4.1": {"behavior": "%s", "behaviorClose": "OK", "duration": 2002, "remoteCloseCode": 1007, "reportfile": "autobahnpython_case_6_4_1.json"},
      "7.1.6": {"behavior": "INFORMATIONAL", "behaviorClose": "INFORMATIONAL", "duration": 3, "remoteCloseCode": 1000, "reportfile": "autobahnpython_case_7_1_6.json"},
      "7.9.1": {"behavior": "OK", "behaviorClose": "%s", "duration": 1, "remoteCloseCode": %s, "reportfile": "autobahnpython_case_7_9_1.json"},
      "12.1.1": {"behavior": "%s", "behaviorClose": "%s", "duration": 1, "remoteCloseCode": null, "reportfile": "autobahnpython_case_12_1_1.json"}
   }
}`

func writeIndex(t *testing.T, args ...any) string {
	t.Helper()
	s := officialShaped
	for _, a := range args {
		s = strings.Replace(s, "%s", a.(string), 1)
	}
	p := filepath.Join(t.TempDir(), "index.json")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		index    []any
		flags    []string
		want     int
		contains []string
	}{
		{"all passing", []any{"OK", "OK", "1002", "OK", "OK"}, nil, 0,
			[]string{"PASS", "| 6 UTF-8 Handling | 1 | 1 |"}},
		{"NON-STRICT fails", []any{"NON-STRICT", "OK", "1002", "OK", "OK"}, nil, 1,
			[]string{"FAIL: 1 cases", "6.4.1", "NON-STRICT"}},
		{"WRONG CODE fails", []any{"OK", "WRONG CODE", "1000", "OK", "OK"}, nil, 1,
			[]string{"7.9.1", "WRONG CODE", "remoteCloseCode=1000"}},
		{"UNIMPLEMENTED fails by default", []any{"OK", "OK", "1002", "UNIMPLEMENTED", "UNIMPLEMENTED"}, nil, 1,
			[]string{"12.1.1", "UNIMPLEMENTED"}},
		{"UNIMPLEMENTED allowed loudly", []any{"OK", "OK", "1002", "UNIMPLEMENTED", "UNIMPLEMENTED"}, []string{"-allow-unimplemented", "12,13"}, 0,
			[]string{"WARNING: 1 UNIMPLEMENTED cases ALLOWED", "12.1.1", "PASS"}},
		{"allowance is per section", []any{"OK", "OK", "1002", "UNIMPLEMENTED", "UNIMPLEMENTED"}, []string{"-allow-unimplemented", "13"}, 1,
			[]string{"FAIL"}},
		{"allowance does not cover FAILED", []any{"OK", "OK", "1002", "FAILED", "OK"}, []string{"-allow-unimplemented", "12"}, 1,
			[]string{"12.1.1", "FAILED"}},
		{"unknown agent", []any{"OK", "OK", "1002", "OK", "OK"}, []string{"-agent", "nobody"}, 1,
			[]string{"no results for agent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append(append([]string{}, tc.flags...), writeIndex(t, tc.index...))
			if got := run(args, &out, &errOut); got != tc.want {
				t.Fatalf("exit %d, want %d\n%s%s", got, tc.want, out.String(), errOut.String())
			}
			for _, s := range tc.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if got := run(nil, &out, &errOut); got != 2 {
		t.Errorf("no arguments: exit %d, want 2", got)
	}
	if got := run([]string{filepath.Join(t.TempDir(), "missing.json")}, &out, &errOut); got != 2 {
		t.Errorf("missing file: exit %d, want 2", got)
	}
}

func TestCompressIDs(t *testing.T) {
	got := compressIDs([]string{"12.1.1", "12.1.2", "13.1.1"})
	if got != "12.1.* (2), 13.1.1" {
		t.Fatalf("compressIDs = %q", got)
	}
}
