package websocket

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// layerRule is the import policy of one group of files (DESIGN.md, "Layers and who may
// import what").
type layerRule struct {
	files   func(name string) bool
	what    string   // the files it covers, for messages
	only    []string // if not nil, the only imports allowed
	forbids []string // imports refused
}

var layerRules = []layerRule{
	{
		files: func(n string) bool { return strings.HasPrefix(n, "mask") },
		what:  "mask*.go (the masker)",
		only:  []string{"encoding/binary", "math/bits", "crypto/rand", "sync", "unsafe", "golang.org/x/sys/cpu"},
	},
	{
		files:   func(n string) bool { return n == "frame.go" },
		what:    "frame.go (the frame codec)",
		only:    []string{"encoding/binary", "errors", "io", "bufio"},
		forbids: []string{"net", "net/http", "context", "sync"},
	},
	{
		files:   func(n string) bool { return n == "handshake.go" },
		what:    "handshake.go (pure handshake functions, no I/O)",
		forbids: []string{"net", "context"},
	},
	{
		files:   func(n string) bool { return n == "conn.go" || n == "write.go" || n == "close.go" },
		what:    "conn.go, write.go and close.go (the record layer)",
		forbids: []string{"net/http"},
	},
	{
		files: func(n string) bool { return n == "deflate.go" },
		what:  "deflate.go (permessage-deflate negotiation, pure functions)",
		only:  []string{"errors", "fmt", "strconv", "strings"},
	},
	{
		files:   func(n string) bool { return n == "compress.go" },
		what:    "compress.go (the permessage-deflate data path)",
		only:    []string{"errors", "io", "sync", "github.com/hayate-ws/websocket/internal/deflate"},
		forbids: []string{"net/http", "net", "context"},
	},
}

// layerModuleDeps are the modules besides the standard library that non-test code may use.
var layerModuleDeps = []string{
	"github.com/hayate-ws/websocket/",
	"golang.org/x/net/",
	"golang.org/x/sys/",
}

// isStdlib reports whether path is a standard library import path.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestLayering(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checked++
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			pos := fset.Position(spec.Pos())
			if !isStdlib(path) && !slices.ContainsFunc(layerModuleDeps, func(p string) bool { return strings.HasPrefix(path, p) }) {
				t.Errorf("%s: imports %q: the module may depend on the standard library and golang.org/x/net (x/sys/cpu for the masker) only", pos, path)
			}
			if path == "math/rand" || path == "math/rand/v2" {
				t.Errorf("%s: imports %q: mask keys and challenge keys must come from crypto/rand", pos, path)
			}
			for _, rule := range layerRules {
				if !rule.files(name) {
					continue
				}
				switch {
				case slices.Contains(rule.forbids, path):
					t.Errorf("%s: imports %q, which %s must not use", pos, path, rule.what)
				case rule.only != nil && !slices.Contains(rule.only, path):
					t.Errorf("%s: imports %q, but %s may import only %s", pos, path, rule.what, strings.Join(rule.only, ", "))
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package files found")
	}
}

func TestLayeringRulesSelf(t *testing.T) {
	// The rules must cover the files DESIGN.md names; a rename would silently escape them.
	for _, name := range []string{"frame.go", "handshake.go", "conn.go", "close.go", "mask.go", "mask_amd64.go", "mask_generic.go"} {
		if !slices.ContainsFunc(layerRules, func(r layerRule) bool { return r.files(name) }) {
			t.Errorf("no layering rule covers %s", name)
		}
	}
	for _, name := range []string{"frame.go", "handshake.go", "conn.go", "close.go"} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("%s: %v (DESIGN.md's layering names it)", name, err)
		}
	}
}
