package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/hayate-ws/websocket/autobahn/internal/report"
)

func TestCatalogueShape(t *testing.T) {
	all := catalogue()
	if len(all) != 517 {
		t.Errorf("catalogue has %d cases, the suite has 517", len(all))
	}
	perSection := map[string]int{}
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Errorf("duplicate case id %s", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && report.CompareIDs(all[i-1].ID, c.ID) >= 0 {
			t.Errorf("case %s sorts after %s", all[i-1].ID, c.ID)
		}
		if c.Desc == "" || c.Expectation == "" || c.Play == nil {
			t.Errorf("case %s lacks a description, an expectation or a play function", c.ID)
		}
		if !c.Custom && !c.Informational && len(c.Expect) == 0 {
			t.Errorf("case %s has no expected outcome", c.ID)
		}
		if len(c.Close.codes) == 0 {
			t.Errorf("case %s has no expected close code", c.ID)
		}
		perSection[report.Section(c.ID)]++
	}
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1, "12": 90, "13": 126}
	for s, n := range want {
		if perSection[s] != n {
			t.Errorf("section %s has %d cases, want %d", s, perSection[s], n)
		}
	}
	for _, id := range []string{"1.1.8", "2.11", "5.20", "6.4.4", "6.22.34", "6.23.7", "7.7.13", "7.9.9", "7.13.2", "9.8.6", "10.1.1", "12.5.18", "13.7.18"} {
		if !seen[id] {
			t.Errorf("case %s is missing", id)
		}
	}
}

func TestSelectCases(t *testing.T) {
	all := catalogue()
	for _, tc := range []struct {
		include, exclude string
		want             int
	}{
		{"*", "", 517},
		{"*", "12.*,13.*", 301},
		{"6.4.*", "", 4},
		{"1.1.1,2.5", "", 2},
		{"9.*", "9.1.6,9.2.6", 52},
		{"7.9.*", "*", 0},
	} {
		got, err := selectCases(all, splitPatterns(tc.include), splitPatterns(tc.exclude))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("cases %q exclude %q: %d cases, want %d", tc.include, tc.exclude, len(got), tc.want)
		}
	}
	if _, err := selectCases(all, []string{"["}, nil); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

// TestUTF8Catalogue pins the validity of the sequences against known
// results of the suite: which sub-cases expect an echo and which a 1007.
func TestUTF8Catalogue(t *testing.T) {
	byID := map[string]Case{}
	for _, c := range catalogue() {
		byID[c.ID] = c
	}
	echo := func(id string) bool { return byID[id].Close.byMe }
	for _, id := range []string{"6.5.1", "6.5.5", "6.6.2", "6.6.5", "6.6.11", "6.7.1", "6.7.4", "6.9.4", "6.11.1", "6.11.4", "6.22.1", "6.22.34", "6.23.7"} {
		if !echo(id) {
			t.Errorf("case %s should expect an echo (valid UTF-8)", id)
		}
	}
	for _, id := range []string{"6.3.1", "6.6.1", "6.6.3", "6.6.4", "6.6.10", "6.8.1", "6.10.3", "6.11.5", "6.12.8", "6.13.5", "6.14.10", "6.15.1", "6.16.3", "6.17.5", "6.18.5", "6.19.5", "6.20.7", "6.21.8"} {
		c := byID[id]
		if c.Close.byMe || c.Close.codes[0] != 1007 || !c.Close.wrongEndpointFatal {
			t.Errorf("case %s should expect failure with 1007, got %+v", id, c.Close)
		}
	}
	groups := utf8Groups()
	if n := len(groups[7].seqs[7]); n != 63 {
		t.Errorf("6.12.8 has %d continuation bytes, want 63 (0x80..0xbe)", n)
	}
	if got := groups[17].seqs[33]; got != "\U0010ffff" {
		t.Errorf("6.22.34 = %x, want U+10FFFF", got)
	}
}

func TestCorporaShape(t *testing.T) {
	for i, c := range corpora {
		d := c.data()
		var want int
		if _, err := fmt.Sscanf(c.title[bytes.LastIndexByte([]byte(c.title), ',')+2:], "%d bytes", &want); err != nil {
			t.Fatalf("title %q: %v", c.title, err)
		}
		if len(d) != want {
			t.Errorf("corpus 12.%d is %d bytes, want %d", i+1, len(d), want)
		}
		if c.op == opText && !utf8.Valid(d) {
			t.Errorf("text corpus 12.%d is not valid UTF-8", i+1)
		}
		if c.op == opText {
			for _, size := range []int{16, 64, 1000, 131072} {
				for n := range 50 {
					if p := slicePayload(d, n, size, true); len(p) != size || !utf8.Valid(p) {
						t.Fatalf("corpus 12.%d message %d of %d: len %d, valid %v", i+1, n, size, len(p), utf8.Valid(p))
					}
				}
			}
		}
	}
	if !slices.Equal(genBitmap()[:2], []byte("BM")) {
		t.Error("bitmap corpus lacks the BMP signature")
	}
}
