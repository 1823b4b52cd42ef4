package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/results"
)

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]`)

// screenText is what a terminal's output says, without control sequences.
type screenText struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screenText) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screenText) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansiRE.ReplaceAllString(s.buf.String(), "")
}

// waitFor polls the screen until every pattern matched, or fails.
func (s *screenText) waitFor(t *testing.T, within time.Duration, patterns ...string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		text := s.String()
		missing := ""
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(text) {
				missing = p
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			tail := text
			if len(tail) > 4000 {
				tail = tail[len(tail)-4000:]
			}
			t.Fatalf("the screen never showed %q within %v; it ends with:\n%s", missing, within, tail)
		}
		time.Sleep(100 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
}

// TestUpDashboardInAPseudoTerminal runs the real binary's dashboard, waits
// for the steps and counts, quits with q, and checks the summary and the
// table: every event sent was counted exactly once.
func TestUpDashboardInAPseudoTerminal(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	addr, dataDir := closedPort(t), t.TempDir()
	cmd := exec.Command(bin, "up", "--duration", "15s", "--rate", "50", "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
	run := startInPTY(t, cmd, 120, 40)
	screen := run.screen

	screen.waitFor(t, 20*time.Second,
		`✓\s+2\s+endpoint and credentials`, `✓\s+3\s+create stream my-stream`, `✓\s+4\s+create table my-table`,
		`–\s+6\s+build Spark`, `✓\s+8\s+create lease table StreamingCountsApp`,
		`counts per minute`, `\d\d:\d\d\s+\d+ `)
	if text, err := run.quit(t, 30*time.Second); err != nil {
		t.Fatalf("spk up exited with %v:\n%s", err, text)
	}
	m := regexp.MustCompile(`spk up: (\d+) events sent, (\d+) counted, 0 rejected; the table holds \d+ rows? in \d+ buckets? \(total count (\d+)\)`).FindStringSubmatch(screen.String())
	if m == nil {
		t.Fatalf("no summary after q:\n%s", screen.String())
	}
	sent, _ := strconv.ParseInt(m[1], 10, 64)
	if sent == 0 || m[1] != m[2] || m[1] != m[3] {
		t.Fatalf("sent %s, counted %s, table total %s: want all equal and non-zero", m[1], m[2], m[3])
	}
	// Read the table from the data spk up left behind.
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rows, err := results.Read(context.Background(), dynamoClient(srv.URL()), results.Query{Table: "my-table", Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range rows {
		total += r.Count
	}
	if total != sent {
		t.Fatalf("the table counts %d events after restart, spk up sent %d", total, sent)
	}
	if !strings.Contains(screen.String(), "spk show") {
		t.Fatal("the summary does not say how to look further")
	}
}

// ptyRun is a command running on a pseudo terminal, with what its screen
// says read as it goes.
type ptyRun struct {
	cmd    *exec.Cmd
	tty    *os.File
	screen *screenText
	copied chan struct{}
	exited chan error
}

// startInPTY starts cmd on a cols×rows pseudo terminal. The test's cleanup
// kills it (if it still runs) and closes the terminal.
func startInPTY(t *testing.T, cmd *exec.Cmd, cols, rows uint16) *ptyRun {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{cmd: cmd, tty: tty, screen: &screenText{}, copied: make(chan struct{}), exited: make(chan error, 1)}
	go func() { io.Copy(r.screen, tty); close(r.copied) }()
	go func() { r.exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); tty.Close() })
	return r
}

// press types keys on the terminal.
func (r *ptyRun) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := r.tty.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}

// succeeds waits for the command to end, within the given time, and
// fails the test unless it ended well; it returns all its screen said.
func (r *ptyRun) succeeds(t *testing.T, within time.Duration) string {
	t.Helper()
	select {
	case err := <-r.exited:
		<-r.copied
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(r.cmd.Args[:2], " "), err, r.screen.String())
		}
	case <-time.After(within):
		t.Fatalf("%s did not end within %v:\n%s", strings.Join(r.cmd.Args[:2], " "), within, r.screen.String())
	}
	return r.screen.String()
}

// quit presses q and returns how the command ended and all its screen said;
// the test fails if it has not ended within the given time.
func (r *ptyRun) quit(t *testing.T, within time.Duration) (string, error) {
	t.Helper()
	r.press(t, "q")
	select {
	case err := <-r.exited:
		<-r.copied
		return r.screen.String(), err
	case <-time.After(within):
		r.cmd.Process.Kill()
		t.Fatalf("%s did not end within %v of q:\n%s", strings.Join(r.cmd.Args[:2], " "), within, r.screen.String())
		return "", nil
	}
}

// TestCreateProfileHidesTheSecretOnATerminal answers create-profile's
// prompts on a pseudo terminal: the secret typed after the key id is not
// echoed, and it is written to the credentials file.
func TestCreateProfileHidesTheSecretOnATerminal(t *testing.T) {
	t.Parallel() // waits on a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const secret = "SecretThatMustNotEcho"
	dir := t.TempDir()
	creds := dir + "/credentials"
	cmd := exec.Command(buildSpk(t), "create-profile", "tty1")
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_CONFIG_FILE="+dir+"/config", "TERM=dumb", "NO_COLOR=1")
	run := startInPTY(t, cmd, 100, 30)
	run.screen.waitFor(t, 10*time.Second, `AWS Access Key ID \[None\]: $`)
	run.press(t, "AKIAIOSFODNN7EXAMPLE\r")
	run.screen.waitFor(t, 10*time.Second, `AWS Secret Access Key \[None\]: $`)
	run.press(t, secret+"\r")
	run.screen.waitFor(t, 10*time.Second, `Default region name \[[^]]*\]: $`)
	run.press(t, "\r")
	run.screen.waitFor(t, 10*time.Second, `Default output format \[[^]]*\]: $`)
	run.press(t, "\r")
	run.succeeds(t, 20*time.Second)
	if strings.Contains(run.screen.String(), secret) {
		t.Fatalf("the terminal showed the secret:\n%s", run.screen.String())
	}
	b, err := os.ReadFile(creds)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "aws_secret_access_key = "+secret) {
		t.Fatalf("the credentials file does not hold the secret typed:\n%s", b)
	}
}

// TestCreateProfileTakesCtrlC: Ctrl-C at any of create-profile's questions
// ends spk at once, as an interruption, with nothing written; at the
// secret's, the terminal echoes again afterwards. The prompts waited for
// Enter, and the secret's left echo off when a second Ctrl-C ended spk.
func TestCreateProfileTakesCtrlC(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	for _, c := range []struct {
		name   string
		answer []string // answers to the questions before the one Ctrl-C is pressed at
		at     string
	}{
		{"at the access key id", nil, `AWS Access Key ID \[None\]: $`},
		{"at the secret", []string{"AKIAIOSFODNN7EXAMPLE"}, `AWS Secret Access Key \[None\]: $`},
		{"at the output format", []string{"AKIAIOSFODNN7EXAMPLE", "secret", "eu-west-1"}, `Default output format \[[^]]*\]: $`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cmd := exec.Command(bin, "create-profile", "tty1")
			cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+dir+"/credentials", "AWS_CONFIG_FILE="+dir+"/config", "TERM=dumb", "NO_COLOR=1")
			run := startInPTY(t, cmd, 100, 30)
			questions := []string{`AWS Access Key ID \[None\]: $`, `AWS Secret Access Key \[None\]: $`, `Default region name \[[^]]*\]: $`}
			for i, a := range c.answer {
				run.screen.waitFor(t, 10*time.Second, questions[i])
				run.press(t, a+"\r")
			}
			run.screen.waitFor(t, 10*time.Second, c.at)
			run.press(t, "\x03")
			run.wantInterrupted(t, "spk create-profile")
			if on, known := ttyEchoes(t, run.tty); known && !on {
				t.Error("spk left the terminal with echo off")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("an interrupted create-profile wrote %v", entries)
			}
		})
	}
}

// TestGenerateDashboardReportIsOneNoteALine: generate-events' dashboard
// closes with its summary a line at a time, not with an escaped "\n".
func TestGenerateDashboardReportIsOneNoteALine(t *testing.T) {
	t.Parallel() // waits on a process, not the CPU
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	cmd := exec.Command(buildSpk(t), "generate-events", "--count", "50")
	cmd.Env = append(os.Environ(), "SPK_AWS_ENDPOINT_URL="+srv.URL(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y",
		"XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1")
	run2 := startInPTY(t, cmd, 120, 40)
	text := run2.succeeds(t, 60*time.Second)
	if strings.Contains(text, `\n`) || !regexp.MustCompile(`(?m)^\s*per shard: shardId-000000000000=50`).MatchString(text) {
		t.Fatalf("the closing report does not give per shard a line of its own:\n%s", text)
	}
}

// TestUpSecondCtrlCIsAnInterruption: with the endpoint gone, a first
// Ctrl-C's stop cannot finish; a second one cuts the work short, which is
// an interruption: exit 130 and "spk: interrupted", told once.
func TestUpSecondCtrlCIsAnInterruption(t *testing.T) {
	t.Parallel() // waits on a process, not the CPU
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, srv, env := ptyBinaryAndEndpoint(t)
	cmd := exec.Command(bin, "up", "--rate", "50", "--endpoint-url", srv.URL())
	cmd.Env = env
	run := startInPTY(t, cmd, 120, 40)
	run.screen.waitFor(t, 20*time.Second, `counts per minute`, `\d\d:\d\d\s+\d+ `)
	srv.Close()
	run.press(t, "\x03")
	run.screen.waitFor(t, 20*time.Second, `stopping`)
	run.press(t, "\x03")
	select {
	case err := <-run.exited:
		<-run.copied
		var exit *exec.ExitError
		text := run.screen.String()
		if !errors.As(err, &exit) || exit.ExitCode() != 130 || strings.Count(text, "spk: interrupted") != 1 || strings.Contains(text, "spk: quit before") || strings.Contains(text, "spk: stopped before") {
			t.Fatalf("exit %v:\n%s", err, text)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("spk up did not end within 30s of the second Ctrl-C:\n%s", run.screen.String())
	}
}

// TestTeardownPromptTakesCtrlC: Ctrl-C at teardown's [y/N] question ends
// spk at once, as an interruption, with nothing deleted; it waited for
// Enter.
func TestTeardownPromptTakesCtrlC(t *testing.T) {
	t.Parallel() // waits on a process, not the CPU
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, srv, env := ptyBinaryAndEndpoint(t)
	create := exec.Command(bin, "create-stream", "--endpoint-url", srv.URL())
	create.Env = env
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("create-stream: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "teardown", "--endpoint-url", srv.URL())
	cmd.Env = env
	run := startInPTY(t, cmd, 120, 40)
	run.screen.waitFor(t, 20*time.Second, `Delete these resources\? \[y/N\] $`)
	run.press(t, "\x03")
	select {
	case err := <-run.exited:
		<-run.copied
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(run.screen.String(), "spk: interrupted") {
			t.Fatalf("exit %v:\n%s", err, run.screen.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("spk teardown did not end within 10s of Ctrl-C at its question:\n%s", run.screen.String())
	}
	status := exec.Command(bin, "status", "--endpoint-url", srv.URL(), "-o", "json")
	status.Env = env
	out, _ := status.Output()
	var st struct {
		Stream struct{ Exists bool } `json:"stream"`
	}
	if err := json.Unmarshal(out, &st); err != nil || !st.Stream.Exists {
		t.Fatalf("the stream is gone after an interrupted question (%v):\n%s", err, out)
	}
}

// TestUpAWSQuestionTakesCtrlC: Ctrl-C at spk up's question before it
// creates billed resources on AWS ends spk at once, as an interruption; it
// waited for Enter.
func TestUpAWSQuestionTakesCtrlC(t *testing.T) {
	t.Parallel() // waits on a process, not the CPU
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	creds := "[some-account]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + testSecret + "\n"
	if err := os.WriteFile(dir+"/credentials", []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildSpk(t), "up", "--profile", "some-account")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+dir+"/credentials", "AWS_CONFIG_FILE="+dir+"/config", "XDG_STATE_HOME="+dir,
		"TERM=xterm-256color", "NO_COLOR=1", "AWS_ENDPOINT_URL=", "SPK_AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
	run := startInPTY(t, cmd, 120, 40)
	run.screen.waitFor(t, 10*time.Second, `Create them\? \[y/N\] $`)
	run.press(t, "\x03")
	run.wantInterrupted(t, "spk up")
}

// wantInterrupted waits for the run to end after Ctrl-C: exit 130 and
// "spk: interrupted" on a line of its own, within 10 s.
func (run *ptyRun) wantInterrupted(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-run.exited:
		<-run.copied
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 || !regexp.MustCompile(`(?m)^spk: interrupted\r?$`).MatchString(run.screen.String()) {
			t.Fatalf("%s: exit %v, want 130 and spk: interrupted on a line of its own:\n%s", what, err, run.screen.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not end within 10s of Ctrl-C:\n%s", what, run.screen.String())
	}
}

// ptyBinaryAndEndpoint builds spk and starts an endpoint for a test that
// runs it on a terminal, with the environment to run it in.
func ptyBinaryAndEndpoint(t *testing.T) (string, *local.Server, []string) {
	t.Helper()
	bin := buildSpk(t)
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return bin, srv, append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
}

// TestRunDashboardShowsViews: spk run's dashboard shows spk.yaml's views,
// a panel each with its table, as spk up's does; it showed the tutorial's
// counts alone, from a table the views do not write.
func TestRunDashboardShowsViews(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	run := viewsInPTY(t, 300, "run")
	run.screen.waitFor(t, 30*time.Second, `red · view 1/2 .*red-counts`)
	run.press(t, "v")
	run.screen.waitFor(t, 30*time.Second, `everything · view 2/2 .*all-counts`, `id_distinct|distinct`)
	if strings.Contains(run.screen.String(), "my-table") {
		t.Error("the dashboard names the aggregate table, which the views do not write")
	}
	if text, err := run.quit(t, 30*time.Second); err != nil {
		t.Fatalf("spk run exited with %v:\n%s", err, text)
	}
}

// TestUpDashboardShowsSpkYAMLViews: spk up's dashboard shows spk.yaml's
// views a panel each, as it shows an example's; it drew the tutorial's
// counts alone, from a table the views do not write.
func TestUpDashboardShowsSpkYAMLViews(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	run := viewsInPTY(t, 10, "up", "--rate", "50")
	run.screen.waitFor(t, 30*time.Second, `red · view 1/2 .*red-counts`, `counting into red-counts, all-counts`, `✓\s+8\s+create lease table`)
	if text, err := run.quit(t, 30*time.Second); err != nil {
		t.Fatalf("spk up exited with %v:\n%s", err, text)
	}
}

// viewsInPTY runs the binary's spk with args on a pseudo terminal, in the
// directory of ownTablesViews (n events, views of their own tables), against
// its endpoint.
func viewsInPTY(t *testing.T, n int, args ...string) *ptyRun {
	t.Helper()
	bin := buildSpk(t)
	srv, _, dir := ownTablesViews(t, n)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SPK_AWS_ENDPOINT_URL="+srv.URL(), "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
	return startInPTY(t, cmd, 140, 40)
}
