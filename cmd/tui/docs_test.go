package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docsPage is the page whose text captures are the golden files.
var docsPage = filepath.Join("..", "..", "docs", "dashboard.md")

// captureRe finds a capture: a marker naming a golden file, then a fenced
// text block.
var captureRe = regexp.MustCompile("(?s)<!-- capture: ([^ ]+) -->\n```text\n(.*?)```")

func TestMain(m *testing.M) {
	code := m.Run()
	// With -update, the golden files were just rewritten: the page follows.
	if f := flag.Lookup("update"); code == 0 && f != nil && f.Value.String() == "true" {
		if err := updateDocs(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func goldenText(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\n") + "\n", nil
}

func updateDocs() error {
	page, err := os.ReadFile(docsPage)
	if err != nil {
		return err
	}
	var failed error
	out := captureRe.ReplaceAllStringFunc(string(page), func(block string) string {
		name := captureRe.FindStringSubmatch(block)[1]
		text, err := goldenText(name)
		if err != nil {
			failed = err
			return block
		}
		return "<!-- capture: " + name + " -->\n```text\n" + text + "```"
	})
	if failed != nil {
		return failed
	}
	return os.WriteFile(docsPage, []byte(out), 0o644)
}

func TestDocsCaptures(t *testing.T) {
	page, err := os.ReadFile(docsPage)
	if err != nil {
		t.Fatal(err)
	}
	found := captureRe.FindAllStringSubmatch(string(page), -1)
	if len(found) < 4 {
		t.Fatalf("%s has %d captures, want at least 4", docsPage, len(found))
	}
	for _, c := range found {
		want, err := goldenText(c[1])
		if err != nil {
			t.Errorf("capture %s: %v", c[1], err)
			continue
		}
		if c[2] != want {
			t.Errorf("capture %s in %s differs from its golden file; run go test ./cmd/tui -update", c[1], docsPage)
		}
	}
}
