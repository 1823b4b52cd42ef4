package cmd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spk-cli/spk/internal/iostreams"
	"github.com/spk-cli/spk/provision/local/localtest"
)

// fakeAWS is an aws on PATH that prints its arguments, the environment
// the AWS CLI reads and its standard input, says something on stderr and
// exits with $FAKE_AWS_EXIT (or is killed by $FAKE_AWS_SIGNAL).
const fakeAWS = `#!/bin/sh
for a in "$@"; do printf 'arg %s\n' "$a"; done
for v in AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY AWS_SECRET_KEY; do
  eval "set=\${$v+x} val=\${$v}"
  [ -n "$set" ] && printf 'env %s=%s\n' "$v" "$val"
done
stdin=; while IFS= read -r l || [ -n "$l" ]; do stdin="$stdin$l"; done
printf 'stdin %s\n' "$stdin"
echo "fake aws on stderr" >&2
[ -n "$FAKE_AWS_SIGNAL" ] && kill -s "$FAKE_AWS_SIGNAL" $$
exit "${FAKE_AWS_EXIT:-0}"
`

// awsEnv isolates the process environment (which spk aws hands on to the
// AWS CLI) for one test: no AWS_ or SPK_ variables, shared files that do
// not exist, PATH with only pathDirs and the system's tools, and env.
func awsEnv(t *testing.T, pathDirs []string, env ...string) {
	t.Helper()
	clearProcessEnv(t, "AWS_", "SPK_")
	dir := t.TempDir()
	for name, file := range map[string]string{"AWS_CONFIG_FILE": "config", "AWS_SHARED_CREDENTIALS_FILE": "credentials"} {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(name, path)
	}
	t.Setenv("PATH", strings.Join(pathDirs, string(os.PathListSeparator)))
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
}

// fakeAWSDir holds the fake aws.
func fakeAWSDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runAWSCmd runs spk in-process over the real environment with stdin.
func runAWSCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &Factory{IO: ios, LookupEnv: os.LookupEnv, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
	code := Execute(context.Background(), f, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func fakeOutput(args []string, env []string, stdin string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString("arg " + a + "\n")
	}
	for _, e := range env {
		b.WriteString("env " + e + "\n")
	}
	b.WriteString("stdin " + stdin + "\n")
	return b.String()
}

func TestAWSRunsTheCLIAgainstTheEndpoint(t *testing.T) {
	bin := fakeAWSDir(t)
	dummy := []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=spk", "AWS_SECRET_ACCESS_KEY=spk"}
	cases := []struct {
		name     string
		env      []string
		args     []string
		wantArgs []string
		wantEnv  []string
	}{
		{"embedded endpoint and dummy keys", []string{"SPK_LOCAL_ADDR", "127.0.0.1:4599"},
			[]string{"aws", "kinesis", "list-streams"},
			[]string{"--endpoint-url", "http://127.0.0.1:4599", "kinesis", "list-streams"}, dummy},
		{"configured endpoint, after global options", []string{"AWS_ENDPOINT_URL", "http://127.0.0.1:4600"},
			[]string{"aws", "--output", "json", "--query", "TableNames", "dynamodb", "list-tables"},
			[]string{"--endpoint-url", "http://127.0.0.1:4600", "--output", "json", "--query", "TableNames", "dynamodb", "list-tables"}, dummy},
		{"an endpoint of the command's own", nil,
			[]string{"aws", "kinesis", "list-streams", "--endpoint-url=http://127.0.0.1:4700"},
			[]string{"kinesis", "list-streams", "--endpoint-url=http://127.0.0.1:4700"}, dummy},
		{"Kinesis's endpoint for kinesis", []string{"SPK_AWS_KINESIS_ENDPOINT_URL", "http://127.0.0.1:4601", "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4602"},
			[]string{"aws", "kinesis", "list-streams"},
			[]string{"--endpoint-url", "http://127.0.0.1:4601", "kinesis", "list-streams"}, dummy},
		{"DynamoDB's endpoint for dynamodbstreams", []string{"SPK_AWS_KINESIS_ENDPOINT_URL", "http://127.0.0.1:4601", "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4602"},
			[]string{"aws", "dynamodbstreams", "list-streams"},
			[]string{"--endpoint-url", "http://127.0.0.1:4602", "dynamodbstreams", "list-streams"}, dummy},
		{"no command, no endpoint", nil, []string{"aws", "--version"}, []string{"--version"}, dummy},
		{"the region of a flag, for both", []string{"SPK_LOCAL_ADDR", "127.0.0.1:4599"},
			[]string{"aws", "kinesis", "list-streams", "--region", "ap-south-1"},
			[]string{"--endpoint-url", "http://127.0.0.1:4599", "kinesis", "list-streams", "--region", "ap-south-1"},
			[]string{"AWS_REGION=ap-south-1", "AWS_DEFAULT_REGION=ap-south-1", "AWS_ACCESS_KEY_ID=spk", "AWS_SECRET_ACCESS_KEY=spk"}},
		{"spk's own flags before the service are spk's", []string{"SPK_LOCAL_ADDR", "127.0.0.1:4599"},
			[]string{"--app", "OtherApp", "aws", "--log-level=debug", "--no-tui", "kinesis", "list-streams", "--stream", "s"},
			[]string{"--endpoint-url", "http://127.0.0.1:4599", "kinesis", "list-streams", "--stream", "s"}, dummy},
		{"the environment's keys, under their canonical names", []string{"AWS_ACCESS_KEY", "AKIAALIASKEY000001", "AWS_SECRET_KEY", testSecret, "AWS_DEFAULT_PROFILE", "missing", "AWS_ENDPOINT_URL", "http://127.0.0.1:4599"},
			[]string{"aws", "kinesis", "list-streams"},
			[]string{"--endpoint-url", "http://127.0.0.1:4599", "kinesis", "list-streams"},
			[]string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=AKIAALIASKEY000001", "AWS_SECRET_ACCESS_KEY=" + testSecret, "AWS_SESSION_TOKEN=stale"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			awsEnv(t, []string{bin}, append([]string{"SPK_AWS_REGION", "eu-west-1", "AWS_SESSION_TOKEN", "stale"}, c.env...)...)
			r := runAWSCmd(t, "piped input", c.args...)
			want := fakeOutput(c.wantArgs, c.wantEnv, "piped input")
			if r.code != 0 || r.stdout != want || r.stderr != "fake aws on stderr\n" {
				t.Fatalf("code %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
			}
		})
	}
}

// TestAWSWithAProfileGoesToAWS: a profile without an endpoint is real AWS:
// no --endpoint-url, the profile and its region, no dummy keys.
func TestAWSWithAProfileGoesToAWS(t *testing.T) {
	bin := fakeAWSDir(t)
	for _, args := range [][]string{
		{"aws", "--profile", "prod", "kinesis", "list-streams"},
		{"--profile", "prod", "aws", "kinesis", "list-streams"},
		{"aws", "kinesis", "list-streams", "--profile=prod"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			awsEnv(t, []string{bin})
			conf, creds := os.Getenv("AWS_CONFIG_FILE"), os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
			if err := os.WriteFile(conf, []byte("[profile prod]\nregion = ap-south-1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(creds, []byte("[prod]\naws_access_key_id = AKIAPRODPROFILE0001\naws_secret_access_key = prod-secret-1a2b3c\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := runAWSCmd(t, "", args...)
			want := fakeOutput(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "aws" }),
				[]string{"AWS_REGION=ap-south-1", "AWS_DEFAULT_REGION=ap-south-1", "AWS_PROFILE=prod"}, "")
			if r.code != 0 || r.stdout != want {
				t.Fatalf("code %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
			}
		})
	}
}

func TestAWSPassesTheExitStatusBack(t *testing.T) {
	bin := fakeAWSDir(t)
	for _, c := range []struct {
		env  []string
		want int
	}{
		{[]string{"FAKE_AWS_EXIT", "254"}, 254},
		{[]string{"FAKE_AWS_EXIT", "2"}, 2},
		{[]string{"FAKE_AWS_SIGNAL", "TERM"}, 128 + 15},
	} {
		t.Run(strings.Join(c.env, "="), func(t *testing.T) {
			awsEnv(t, []string{bin}, c.env...)
			r := runAWSCmd(t, "", "aws", "kinesis", "describe-stream", "--stream-name", "nope")
			// Only the AWS CLI speaks: spk adds no line of its own.
			if r.code != c.want || r.stderr != "fake aws on stderr\n" {
				t.Fatalf("code %d (want %d) stderr %q", r.code, c.want, r.stderr)
			}
		})
	}
}

func TestAWSRefusals(t *testing.T) {
	bin := fakeAWSDir(t)
	cases := []struct {
		name string
		path []string
		args []string
		code int
		want string
	}{
		{"no AWS CLI", []string{t.TempDir()}, []string{"aws", "kinesis", "list-streams"}, ExitCommandNotFound,
			"spk: aws: the AWS CLI (aws) is not on PATH\nhint: " + awsInstallHint + "\n"},
		{"no command", []string{bin}, []string{"aws"}, ExitUsage,
			"spk: aws: give the AWS CLI command to run\nhint: for example: spk aws kinesis list-streams\n"},
		{"only spk's flags", []string{bin}, []string{"aws", "--no-tui"}, ExitUsage,
			"spk: aws: give the AWS CLI command to run\nhint: for example: spk aws kinesis list-streams\n"},
		{"spk flag without its value", []string{bin}, []string{"aws", "--app"}, ExitUsage,
			"spk: aws: flag needs an argument: --app\nhint: run 'spk aws --help' for usage\n"},
		{"bad configuration", []string{bin}, []string{"aws", "--region", "nowhere", "kinesis", "list-streams"}, ExitUsage,
			"spk: configuration: flag --region: expected an AWS region such as us-east-1, got \"nowhere\"\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			awsEnv(t, c.path)
			r := runAWSCmd(t, "", c.args...)
			if r.code != c.code || r.stdout != "" || r.stderr != c.want {
				t.Fatalf("code %d (want %d) stdout %q stderr:\n%s\nwant:\n%s", r.code, c.code, r.stdout, r.stderr, c.want)
			}
		})
	}
}

// TestAWSHelpIsSpks: --help right after aws is spk's help, which says how
// to reach the AWS CLI's own.
func TestAWSHelpIsSpks(t *testing.T) {
	awsEnv(t, []string{fakeAWSDir(t)})
	for _, args := range [][]string{{"aws", "--help"}, {"aws", "-h"}, {"help", "aws"}} {
		r := runAWSCmd(t, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Run the AWS CLI (aws on PATH) against what spk targets") || !strings.Contains(r.stdout, "spk aws kinesis help") || strings.Contains(r.stdout, "arg ") {
			t.Fatalf("%v: code %d stdout:\n%s", args, r.code, r.stdout)
		}
	}
}

// TestAWSWithTheRealCLI runs each installed AWS CLI (the v2 that CI
// installs, and a v1 if there is one) through spk aws against spk local.
func TestAWSWithTheRealCLI(t *testing.T) {
	clis := map[string]string{"v2": localtest.AWSCLI(t)}
	if path, err := exec.LookPath("aws"); err == nil {
		if out, err := exec.Command(path, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(out), "aws-cli/1") {
			clis["v1"] = path
		}
	}
	srv := startLocal(t)
	for version, path := range clis {
		t.Run(version, func(t *testing.T) {
			awsEnv(t, []string{filepath.Dir(path), "/usr/bin", "/bin"}, "SPK_AWS_ENDPOINT_URL", srv.URL(), "AWS_PAGER", "")
			stream := "spk-aws-" + version
			if r := runAWSCmd(t, "", "aws", "kinesis", "create-stream", "--stream-name", stream, "--shard-count", "1"); r.code != 0 {
				t.Fatalf("create-stream: code %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			r := runAWSCmd(t, "", "aws", "kinesis", "list-streams", "--output", "text", "--query", "StreamNames")
			if r.code != 0 || !strings.Contains(r.stdout, stream) {
				t.Fatalf("list-streams: code %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			r = runAWSCmd(t, "", "aws", "kinesis", "describe-stream", "--stream-name", "nope")
			if r.code != 254 && r.code != 255 || !strings.Contains(r.stderr, "ResourceNotFoundException") || strings.Contains(r.stderr, "spk:") {
				t.Fatalf("a failing command: code %d\n%s", r.code, r.stderr)
			}
		})
	}
}
