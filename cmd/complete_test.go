package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// completions runs cobra's hidden __complete command as a shell does on
// Tab and returns the candidates and the directive line.
func completions(t *testing.T, env map[string]string, args ...string) (cands []string, directive string) {
	t.Helper()
	r := run(t, env, append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: code %d\n%s", args, r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t") // a description may follow a tab
		cands = append(cands, name)
	}
	return cands, lines[len(lines)-1]
}

func TestCompleteFlagValues(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"show", "--output", ""}, "table json csv"},
		{[]string{"status", "-o", ""}, "table json"},
		{[]string{"create-stream", "--output", ""}, "text json"},
		{[]string{"teardown", "-o", ""}, "text json"},
		{[]string{"run", "--output", ""}, "text json"},
		{[]string{"run", "--initial-position", ""}, "TRIM_HORIZON LATEST AT_TIMESTAMP"},
		// Values are taken in any case; shells match case-sensitively.
		{[]string{"run", "--initial-position", "l"}, "latest"},
		{[]string{"run", "--initial-position", "At"}, "At_TIMESTAMP"},
		{[]string{"run", "--retrieval", "F"}, "FANOUT"},
		{[]string{"run", "--retrieval", ""}, "polling fanout"},
		{[]string{"up", "--retrieval", ""}, "polling fanout"},
		{[]string{"run", "--format", ""}, "json accesslog"},
		{[]string{"up", "--example", ""}, "weblog"},
		{[]string{"generate-events", "--template", ""}, "accesslog simple weblog"},
		{[]string{"create-profile", "p", "--default-output", ""}, "json text table yaml yaml-stream"},
		{[]string{"version", "--log-level", ""}, "debug info warn error"},
		{[]string{"env", "--shell", ""}, "sh bash zsh fish powershell"},
		{[]string{"show", "--view", ""}, "default weblog-status weblog-bytes weblog-paths weblog-ips"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			got, _ := completions(t, nil, c.args...)
			if strings.Join(got, " ") != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestCompleteProfiles offers the profiles of both shared files, as the
// AWS CLI names them, and nothing else of them.
func TestCompleteProfiles(t *testing.T) {
	env, creds, conf := awsFiles(t)
	if err := os.MkdirAll(filepath.Dir(creds), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"), 0o600)
	os.WriteFile(conf, []byte("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[sso-session corp]\nsso_region = us-east-1\n[services local]\n"), 0o600)
	got, dir := completions(t, env, "status", "--profile", "")
	if strings.Join(got, " ") != "ci default dev" || dir != ":4" {
		t.Fatalf("got %q %s", got, dir)
	}
}

// TestCompleteNamesFromEndpoint asks the endpoint for stream and table
// names; an endpoint that is down gives none, quickly, and prints nothing.
func TestCompleteNamesFromEndpoint(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"create-stream", "clicks"}, {"create-stream"}, {"create-table", "counts"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"show", "--table", ""}, "counts"},
		{[]string{"status", "--stream", ""}, "clicks my-stream"},
		{[]string{"describe-stream", ""}, "clicks my-stream"},
		{[]string{"generate-events", "cl"}, "clicks my-stream"}, // the shell filters by prefix
		{[]string{"describe-stream", "clicks", ""}, ""},
	} {
		got, _ := completions(t, env, c.args...)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v: got %q, want %q", c.args, got, c.want)
		}
	}

	down := endpointEnv("http://" + refusingAddr(t))
	start := time.Now()
	r := run(t, down, "__complete", "show", "--table", "")
	if r.code != 0 || r.stdout != ":4\n" || strings.Contains(r.stderr, "spk:") {
		t.Fatalf("endpoint down: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("completion with the endpoint down took %s", took)
	}
}
