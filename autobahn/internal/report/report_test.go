package report

import (
	"slices"
	"strings"
	"testing"
)

func TestCompareIDs(t *testing.T) {
	ids := []string{"10.1.1", "9.7.1", "1.1.10", "1.1.2", "6.4.1", "2.10", "2.9", "12.1.18", "12.1.2"}
	slices.SortFunc(ids, CompareIDs)
	want := []string{"1.1.2", "1.1.10", "2.9", "2.10", "6.4.1", "9.7.1", "10.1.1", "12.1.2", "12.1.18"}
	if !slices.Equal(ids, want) {
		t.Fatalf("sorted = %v, want %v", ids, want)
	}
}

func TestCountAndMarkdown(t *testing.T) {
	code := 1002
	m := map[string]Entry{
		"1.1.1": {Behavior: "OK", BehaviorClose: "OK"},
		"3.1":   {Behavior: "OK", BehaviorClose: "WRONG CODE", RemoteCloseCode: &code},
		"6.4.1": {Behavior: "NON-STRICT", BehaviorClose: "OK"},
		"7.1.6": {Behavior: "INFORMATIONAL", BehaviorClose: "INFORMATIONAL"},
	}
	c := Count(m)
	if !slices.Equal(c.Sections, []string{"1", "3", "6", "7"}) {
		t.Fatalf("sections = %v", c.Sections)
	}
	if c.By["3"]["close not OK"] != 1 || c.By["6"]["NON-STRICT"] != 1 || c.By["7"]["INFORMATIONAL"] != 1 {
		t.Fatalf("counts = %v", c.By)
	}
	md := Markdown("T", Index{"a": m}, func(agent, id string) string { return "why " + id })
	for _, s := range []string{"# T", "## Agent `a`", "| 3.1 | OK | WRONG CODE | 1002 | why 3.1 |", "| 6.4.1 | NON-STRICT | OK | none | why 6.4.1 |", "2 cases not OK"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if (Entry{Behavior: "OK", BehaviorClose: "UNCLEAN"}).Passes() {
		t.Error("UNCLEAN passes")
	}
}
