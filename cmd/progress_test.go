package cmd

import (
	"regexp"
	"strings"
	"testing"
)

// TestPlainProgressLines: without a terminal, spk generate-events prints a
// status line per interval and then its summary, and spk run its first
// line, a status line and a last one with the final counts; each from the
// one status printer in cmd/tui.
func TestPlainProgressLines(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "generate-events", "--count", "600", "--rate", "1000", "--status-interval", "50ms")
	if r.code != 0 {
		t.Fatalf("generate-events: code %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	status := regexp.MustCompile(`^my-stream: \d+ events/s, \d+ acknowledged`)
	if len(lines) < 3 || !status.MatchString(lines[0]) || strings.Contains(r.stderr, "\r") {
		t.Fatalf("want status lines then the summary, got %q", r.stderr)
	}
	if !strings.HasPrefix(lines[len(lines)-2], "Sent 600 events to my-stream in ") || lines[len(lines)-1] != "  per shard: shardId-000000000000=600" {
		t.Fatalf("want the summary last, got %q", r.stderr)
	}

	r = run(t, env, "run", "--until-caught-up")
	if r.code != 0 {
		t.Fatalf("run: code %d\n%s", r.code, r.stderr)
	}
	lines = strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ records=600 rate=\d+/s rejected=0 rows=\d+ flushes=\d+ flush_avg=[\d.]+m?s conflicts=0 leases=\d lag_ms=\d+$`)
	if !strings.HasPrefix(lines[0], "spk run: worker ") || !last.MatchString(lines[len(lines)-1]) {
		t.Fatalf("want the first line, then a last status line with every record, got %q", r.stderr)
	}
}

// TestRunUntilCaughtUpSaysWhetherItWas: --until-caught-up says in its
// result whether every shard was at its tip; --duration ending the run
// first is an error a script sees (exit 1), with what was read counted.
func TestRunUntilCaughtUpSaysWhetherItWas(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, env, "generate-events", "--count", "300"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// Caught up is seen at the earliest 100 ms after the first read.
	r := run(t, env, "run", "--until-caught-up", "--duration", "50ms", "-o", "json")
	want := "spk: run: --duration 50ms ended the run before it saw every shard at its tip; what was read is counted and checkpointed\n" +
		"hint: run spk run --until-caught-up again (with a longer --duration, or none) to count the rest\n"
	if r.code != ExitFailure || !strings.HasSuffix(r.stderr, want) || !strings.Contains(r.stdout, `"caught_up": false`) {
		t.Fatalf("code %d, want %d\nstdout %s\nstderr %s", r.code, ExitFailure, r.stdout, r.stderr)
	}
	r = run(t, env, "run", "--until-caught-up", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"caught_up": true`) {
		t.Fatalf("code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "show", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"Count"`) {
		t.Fatalf("show: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "run", "--duration", "50ms", "-o", "json")
	if r.code != 0 || strings.Contains(r.stdout, "caught_up") {
		t.Fatalf("without --until-caught-up: code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}
