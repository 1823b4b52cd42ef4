package cmd

import (
	"os"
	"strings"
	"testing"
)

// TestBadFlagValues: a value a flag cannot take is one line that names the
// value, the flag and what it should be, and exits 2.
func TestBadFlagValues(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"generate-events", "--rate", "abc"}, `invalid value "abc" for --rate: not a number`},
		{[]string{"show", "--limit", "x"}, `invalid value "x" for --limit: not a whole number`},
		{[]string{"show", "--min-count", "-1"}, `invalid value "-1" for --min-count: not a whole number of 0 or more`},
		{[]string{"run", "--duration", "soon"}, `invalid value "soon" for --duration: not a duration such as 500ms, 30s, 5m or 1h30m`},
		{[]string{"create-stream", "--on-demand=maybe"}, `invalid value "maybe" for --on-demand: not true or false`},
		{[]string{"run", "--initial-position", "OLDEST"}, `invalid value "OLDEST" for --initial-position: expected TRIM_HORIZON, LATEST or AT_TIMESTAMP`},
		{[]string{"status", "--log-level", "loud"}, `invalid value "loud" for --log-level: expected debug, info, warn or error`},
		{[]string{"teardown", "-o", "yaml"}, `invalid value "yaml" for --output: expected text or json`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, nil, c.args...)
			want := "spk: " + c.want + "\nhint: run 'spk " + c.args[0] + " --help' for usage\n"
			if r.code != ExitUsage || r.stderr != want || r.stdout != "" {
				t.Fatalf("code %d\nstderr %q\nwant   %q", r.code, r.stderr, want)
			}
		})
	}
}

// TestEnumValuesAnyCase: enum values are taken in any letter case and
// reach the configuration in their one spelling.
func TestEnumValuesAnyCase(t *testing.T) {
	r := run(t, nil, "config", "show", "-o", "JSON", "--log-level", "Debug")
	if r.code != 0 || !strings.Contains(r.stdout, `"log_level": {`) || !strings.Contains(r.stdout, `"value": "debug"`) {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "version", "--output", " Json "); r.code != 0 || !strings.HasPrefix(r.stdout, "{") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestCreateProfileOutputAlias: --default-output sets the AWS CLI's format;
// the old --output still does, with a deprecation note.
func TestCreateProfileOutputAlias(t *testing.T) {
	for _, c := range []struct {
		flag, note string
	}{
		{"--default-output", ""},
		{"--output", "spk: note: create-profile --output is deprecated: use --default-output for the profile's AWS CLI output format\n"},
	} {
		env, _, conf := awsFiles(t)
		r := runWithInput(t, env, testSecret+"\n", false, "create-profile", "p", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin", c.flag, "TEXT")
		got, err := os.ReadFile(conf)
		if r.code != 0 || err != nil || string(got) != "[profile p]\nregion = us-east-1\noutput = text\n" {
			t.Fatalf("%s: code %d, %q %v\n%s", c.flag, r.code, got, err, r.stderr)
		}
		if !strings.HasPrefix(r.stderr, c.note+"Wrote profile p") {
			t.Fatalf("%s: stderr %q", c.flag, r.stderr)
		}
	}
	r := run(t, nil, "create-profile", "--help")
	if strings.Contains(r.stdout, " --output string") || !strings.Contains(r.stdout, "--default-output") {
		t.Fatalf("help still offers --output:\n%s", r.stdout)
	}
}
