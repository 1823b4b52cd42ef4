package localtest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spk-cli/spk/provision/local"
)

// TestRunAWSCLIMatchesAProcessOfItsOwn: a command run in the shared runner
// prints and exits exactly as the same command in a process of its own, for
// a success against an endpoint, a CLI error, a refused argument and a
// failing command; and a command's environment does not leak into the next.
func TestRunAWSCLIMatchesAProcessOfItsOwn(t *testing.T) {
	bin := AWSCLI(t)
	if cliPython(bin) == "" {
		t.Skipf("%s is not the Python CLI: each command runs as a process of its own already", bin)
	}
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.InMemory = true
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	home := t.TempDir()
	config := filepath.Join(home, "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = eu-west-1\nnote = grüße\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"), "AWS_PAGER=",
		"AWS_ACCESS_KEY_ID=AKIAFAKE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_MAX_ATTEMPTS=1"}
	asText := append(env[:len(env):len(env)], "AWS_DEFAULT_OUTPUT=text")
	cases := []struct {
		name string
		env  []string
		args []string
		code int
	}{
		{"a call", env, []string{"--endpoint-url", srv.URL(), "--output", "json", "kinesis", "list-streams"}, 0},
		{"the output format from the environment", asText, []string{"--endpoint-url", srv.URL(), "kinesis", "list-streams"}, 0},
		{"the default format, not the command before's", env, []string{"--endpoint-url", srv.URL(), "kinesis", "list-streams"}, 0},
		{"the region from the file", env, []string{"configure", "get", "region"}, 0},
		{"a value that is not ASCII", env, []string{"configure", "get", "note"}, 0},
		{"an argument that is not ASCII", env, []string{"configure", "get", "grüße"}, 1},
		{"an error answer", env, []string{"--endpoint-url", srv.URL(), "kinesis", "describe-stream", "--stream-name", "missing"}, 254},
		{"an unknown command", env, []string{"kinesis", "no-such-command"}, 252},
		{"a missing value", env, []string{"configure", "get", "no_such_key"}, 1},
	}
	for _, c := range cases {
		stdout, stderr, err := RunAWSCLI(bin, c.env, c.args)
		code := 0
		var exit *CLIExitError
		if errors.As(err, &exit) {
			code = exit.Code
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cmd := exec.Command(bin, c.args...)
		cmd.Env = c.env
		var wantOut, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
		wantCode := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatal(err)
			}
			wantCode = ee.ExitCode()
		}
		if code != wantCode || code != c.code {
			t.Errorf("%s: exit status %d in the runner, %d in a process; want %d", c.name, code, wantCode, c.code)
		}
		if string(stdout) != wantOut.String() {
			t.Errorf("%s: stdout in the runner %q, in a process %q", c.name, stdout, wantOut.String())
		}
		// Request IDs differ from call to call; the rest must not.
		if scrub(string(stderr)) != scrub(wantErr.String()) {
			t.Errorf("%s: stderr in the runner %q, in a process %q", c.name, stderr, wantErr.String())
		}
	}
}

// scrub blanks what differs between two runs of one command.
func scrub(s string) string {
	if i := strings.Index(s, "RequestId"); i >= 0 {
		return s[:i]
	}
	return s
}
