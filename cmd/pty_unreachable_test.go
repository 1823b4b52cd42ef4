package cmd

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision"
)

// TestUpDashboardEndpointKilledInAPseudoTerminal runs the real binary's
// dashboard against a separate spk local, kills the endpoint, and checks
// that the dashboard says so, that q ends spk up within a few seconds,
// and that the summary says what could not be read rather than counting
// an empty table.
func TestUpDashboardEndpointKilledInAPseudoTerminal(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	addr := closedPort(t)
	env := append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")

	url := "http://" + addr
	kill := startEndpoint(t, bin, addr, env)

	cmd := exec.Command(bin, "up", "--rate", "50")
	cmd.Env = env
	run := startInPTY(t, cmd, 80, 24)
	screen := run.screen

	// At 80 columns the header still names the endpoint.
	screen.waitFor(t, 30*time.Second, regexp.QuoteMeta(url)+` +● live`, `counts per minute`, `\d\d:\d\d\s+\d+ `)
	kill()
	screen.waitFor(t, 30*time.Second, `● endpoint unreachable since \d\d:\d\d:\d\d`, `stale: the endpoint does not answer`)

	quit := time.Now()
	text, exitErr := run.quit(t, 15*time.Second)
	t.Logf("spk up ended %v after q", time.Since(quit).Round(100*time.Millisecond))
	if ee, ok := exitErr.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("spk up ended with %v, want exit status 1:\n%s", exitErr, text)
	}
	if !regexp.MustCompile(`spk up: \d+ events sent, \d+ counted, 0 rejected; could not read the table: endpoint unreachable\.`).MatchString(text) {
		t.Fatalf("the summary does not say the table could not be read:\n%s", text)
	}
	// The failure is told once: on step 7's line, wrapped under it, with
	// its hint; no spk: line says it again.
	told := regexp.MustCompile(`✗\s+7\s+count events \(spk run\)\s+failed: ` +
		spaced("the endpoint at "+url+" stopped answering: the last counts may not be written") + `\s+` +
		spaced("hint: start the endpoint again, then spk run counts what is missing from its last checkpoints"))
	if !told.MatchString(text) {
		t.Fatalf("step 7's line does not tell the failure and its hint:\n%s", text)
	}
	if strings.Contains(text, "spk: up:") {
		t.Fatalf("the failure is told again on a spk: line:\n%s", text)
	}
	for _, raw := range []string{"exceeded maximum number of attempts", "holds 0 rows", "operation error"} {
		if strings.Contains(text, raw) {
			t.Errorf("the output says %q:\n%s", raw, text)
		}
	}
}

// startEndpoint runs spk local at addr until the test ends or kill is called.
func startEndpoint(t *testing.T, bin, addr string, env []string) (kill func()) {
	t.Helper()
	endpoint := exec.Command(bin, "local", "--in-memory", "--addr", addr)
	endpoint.Env = env
	if err := endpoint.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { endpoint.Wait(); close(done) }()
	kill = func() { endpoint.Process.Kill(); <-done }
	t.Cleanup(kill)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := provision.Ping(t.Context(), "http://"+addr); err == nil {
			return kill
		}
		if time.Now().After(deadline) {
			t.Fatalf("spk local never listened at %s", addr)
		}
		time.Sleep(50 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
}

// TestRunDashboardEndpointKilledInAPseudoTerminal: spk run's dashboard
// says when the endpoint stops answering, and q then ends it within a few
// seconds rather than after the consumer's half-minute shutdown deadline.
func TestRunDashboardEndpointKilledInAPseudoTerminal(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	addr := closedPort(t)
	url := "http://" + addr
	env := append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
	kill := startEndpoint(t, bin, addr, env)
	create := exec.Command(bin, "create-stream")
	create.Env = env
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("spk create-stream: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "run")
	cmd.Env = env
	run := startInPTY(t, cmd, 80, 24)
	screen := run.screen

	screen.waitFor(t, 30*time.Second, regexp.QuoteMeta(url)+` +● live`, `leases 1/1`)
	kill()
	screen.waitFor(t, 30*time.Second, `● endpoint unreachable since \d\d:\d\d:\d\d`)
	quit := time.Now()
	text, exitErr := run.quit(t, 15*time.Second)
	t.Logf("spk run ended %v after q", time.Since(quit).Round(100*time.Millisecond))
	if ee, ok := exitErr.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("spk run ended with %v, want exit status 1:\n%s", exitErr, text)
	}
	for _, want := range []string{
		"spk: run: the endpoint stopped answering: the last counts may not be written",
		"hint: start the endpoint again, then spk run counts what is missing from its last checkpoints",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
}

// spaced matches s word by word, whatever spaces or line breaks the
// dashboard wrapped it with.
func spaced(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+`)
}
