package cmd

import (
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/spk-cli/spk/provision"
)

// TestUpDashboardEndpointKilledInAPseudoTerminal runs the real binary's
// dashboard against a separate spk local, kills the endpoint, and checks
// that the dashboard says so, that q ends spk up within a few seconds,
// and that the summary says what could not be read rather than counting
// an empty table.
func TestUpDashboardEndpointKilledInAPseudoTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	addr := closedPort(t)
	env := append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")

	endpoint := exec.Command(bin, "local", "--in-memory", "--addr", addr)
	endpoint.Env = env
	if err := endpoint.Start(); err != nil {
		t.Fatal(err)
	}
	endpointDone := make(chan struct{})
	go func() { endpoint.Wait(); close(endpointDone) }()
	defer func() { endpoint.Process.Kill(); <-endpointDone }()
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := provision.Ping(t.Context(), url); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spk local never listened at %s", addr)
		}
		time.Sleep(50 * time.Millisecond) // poll interval; the deadline bounds the wait
	}

	cmd := exec.Command(bin, "up", "--rate", "50")
	cmd.Env = env
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	screen := &screenText{}
	copied := make(chan struct{})
	go func() { io.Copy(screen, tty); close(copied) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	// At 80 columns the header still names the endpoint.
	screen.waitFor(t, 30*time.Second, regexp.QuoteMeta(url)+` +● live`, `counts per minute`, `\d\d:\d\d\s+\d+ `)
	endpoint.Process.Kill()
	<-endpointDone
	screen.waitFor(t, 30*time.Second, `● endpoint unreachable since \d\d:\d\d:\d\d`, `stale: the endpoint does not answer`)

	if _, err := tty.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	quit := time.Now()
	select {
	case exitErr = <-exited:
		t.Logf("spk up ended %v after q", time.Since(quit).Round(100*time.Millisecond))
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("spk up did not end within 15 s of q with the endpoint gone:\n%s", screen.String())
	}
	<-copied
	text := screen.String()
	if ee, ok := exitErr.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("spk up ended with %v, want exit status 1:\n%s", exitErr, text)
	}
	if !regexp.MustCompile(`spk up: \d+ events sent, \d+ counted, 0 rejected; could not read the table: endpoint unreachable\.`).MatchString(text) {
		t.Fatalf("the summary does not say the table could not be read:\n%s", text)
	}
	want := "spk: up: the endpoint at " + url + " stopped answering: the last counts may not be written"
	if !strings.Contains(text, want) {
		t.Fatalf("the error is not %q:\n%s", want, text)
	}
	for _, raw := range []string{"exceeded maximum number of attempts", "holds 0 rows", "operation error"} {
		if strings.Contains(text, raw) {
			t.Errorf("the output says %q:\n%s", raw, text)
		}
	}
}
