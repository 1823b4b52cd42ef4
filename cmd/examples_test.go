package cmd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/internal/iostreams"
)

// exampleLine is one command line of a command's Example field.
type exampleLine struct {
	command string   // the command's path, e.g. "spk create-stream"
	text    string   // the line as shown
	env     []string // NAME=value assignments before spk
	args    []string // after "spk"
	marker  string   // the trailing comment, e.g. "runs until Ctrl-C"
}

// Markers an example may carry. "runs until Ctrl-C" lines run until an
// interrupt, which the test sends; the others cannot run here and are
// skipped, and few may be.
const (
	markUntilInterrupt = "runs until Ctrl-C"
	markTerminal       = "needs a terminal"
	markAWS            = "needs an AWS account"
)

// parseExamples reads every command line of c's Example field.
func parseExamples(t *testing.T, c *cobra.Command) []exampleLine {
	t.Helper()
	var out []exampleLine
	for _, raw := range strings.Split(c.Example, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(raw, "  ") {
			t.Errorf("%s: example line %q is not indented by two spaces", c.CommandPath(), raw)
		}
		ex := exampleLine{command: c.CommandPath(), text: line}
		if i := strings.Index(line, " # "); i >= 0 {
			ex.marker = strings.TrimSpace(line[i+3:])
			line = strings.TrimSpace(line[:i])
			if !slices.Contains([]string{markUntilInterrupt, markTerminal, markAWS}, ex.marker) {
				t.Errorf("%s: example %q: unknown marker %q", c.CommandPath(), ex.text, ex.marker)
			}
		}
		if strings.ContainsAny(line, `"'$|;&<`+"`") {
			t.Errorf("%s: example %q needs a shell's quoting or pipes; keep examples to plain words", c.CommandPath(), ex.text)
			continue
		}
		words := strings.Fields(line)
		for len(words) > 0 && strings.Contains(words[0], "=") {
			ex.env = append(ex.env, words[0])
			words = words[1:]
		}
		if len(words) == 0 || words[0] != "spk" {
			t.Errorf("%s: example %q does not run spk", c.CommandPath(), ex.text)
			continue
		}
		words = words[1:]
		// "> FILE" redirects stdout, which the test reads instead.
		if i := slices.Index(words, ">"); i >= 0 {
			words = words[:i]
		}
		ex.args = words
		out = append(out, ex)
	}
	return out
}

// allCommands lists c and every command under it, depth first.
func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}

// exampleOrder is the order the verbs' examples run in, so each finds what
// the ones before made (the stream, events, the weblog views, the table:
// spk run makes its tables itself, and spk up --teardown deletes them,
// while spk up --example makes only the views' tables); teardown comes
// last. Verbs not listed run after these.
var exampleOrder = []string{
	"spk version", "spk config", "spk config init", "spk config show", "spk create-profile",
	"spk create-stream", "spk describe-stream", "spk generate-events",
	"spk run", "spk up", "spk create-table", "spk show", "spk status", "spk doctor", "spk completion", "spk local", "spk teardown",
}

// TestExamples runs every command line of every verb's Examples against a
// real spk local, as a user would paste them.
func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every example against spk local")
	}
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	home := t.TempDir()
	hocon, err := os.ReadFile("../config/testdata/config.hocon.sample")
	if err != nil {
		t.Fatal(err)
	}
	// spk local's default data directory is looked up in the process's own
	// environment.
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))

	root := NewRootCmd(&Factory{IO: func() *iostreams.IOStreams { ios, _, _, _ := iostreams.Test(); return ios }()})
	byPath := map[string][]exampleLine{}
	var paths []string
	skipped := 0
	for _, c := range allCommands(root) {
		path := c.CommandPath()
		if c == root || c.Name() == "help" || (c.Parent() != nil && c.Parent().Name() == "completion") {
			continue
		}
		lines := parseExamples(t, c)
		if len(lines) == 0 {
			t.Errorf("%s has no examples: give it an Example", path)
			continue
		}
		byPath[path] = lines
		paths = append(paths, path)
		for _, l := range lines {
			if l.marker == markTerminal || l.marker == markAWS {
				skipped++
			}
		}
	}
	if skipped > 4 {
		t.Errorf("%d examples cannot run in a test; keep those few", skipped)
	}
	slices.SortStableFunc(paths, func(a, b string) int {
		ia, ib := slices.Index(exampleOrder, a), slices.Index(exampleOrder, b)
		if ia < 0 {
			ia = len(exampleOrder)
		}
		if ib < 0 {
			ib = len(exampleOrder)
		}
		return ia - ib
	})

	for _, path := range paths {
		// Each verb in a working directory of its own, holding the tutorial's file.
		work := t.TempDir()
		if err := os.WriteFile(filepath.Join(work, "config.hocon.sample"), hocon, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(work)
		for _, ex := range byPath[path] {
			if ex.marker == markTerminal || ex.marker == markAWS {
				t.Logf("not run (%s): %s", ex.marker, ex.text)
				continue
			}
			env := map[string]string{
				"SPK_AWS_ENDPOINT_URL":        srv.URL(),
				"SPK_LOCAL_ADDR":              addr, // the test's endpoint is the embedded one
				"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "aws", "credentials"),
				"AWS_CONFIG_FILE":             filepath.Join(home, "aws", "config"),
				"XDG_STATE_HOME":              filepath.Join(home, "state"),
				"HOME":                        home,
			}
			if path == "spk local" {
				// A second endpoint, on a port of its own.
				env["SPK_LOCAL_ADDR"] = "127.0.0.1:0"
				delete(env, "SPK_AWS_ENDPOINT_URL")
			}
			for _, kv := range ex.env {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			ios, _, out, errOut := iostreams.Test()
			if ex.marker == markUntilInterrupt {
				// Ctrl-C once the verb has said it is running (its first
				// line), or after three seconds for one that says nothing
				// until it stops (generate-events prints its summary then):
				// either way it must stop cleanly and exit 0.
				o, e := &lockedBuffer{said: make(chan struct{})}, &lockedBuffer{said: make(chan struct{})}
				ios.Out, ios.ErrOut = o, e
				out, errOut = &o.b, &e.b // read once the verb has returned
				ctx, cancel = context.WithCancel(ctx)
				go func() {
					select {
					case <-o.said:
					case <-e.said:
					case <-time.After(3 * time.Second):
					}
					cancel()
				}()
			}
			f := &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: work, UserConfigDir: t.TempDir()}
			start := time.Now()
			code := Execute(ctx, f, ex.args)
			cancel()
			if code != ExitOK {
				t.Errorf("example of %s failed: %s\nexit %d after %s\nstdout:\n%s\nstderr:\n%s", path, ex.text, code, time.Since(start).Round(time.Millisecond), out, errOut)
			}
		}
	}
}
