package cmd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision/sdkhttp"
)

// envWorkDir is a working directory whose spk.yaml puts spk local at a
// known address.
func envWorkDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte("aws:\n  region: eu-west-1\nlocal:\n  addr: 127.0.0.1:4599\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// noAWSFiles is an environment whose shared AWS files do not exist, so the
// machine's own ~/.aws plays no part; extra adds name, value pairs.
func noAWSFiles(t *testing.T, extra ...string) map[string]string {
	dir := t.TempDir()
	env := map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials")}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

const envCaveat = "# The AWS CLI v2 before 2.13 (Debian 12 has 2.9) and v1 before 1.29 ignore AWS_ENDPOINT_URL: run spk aws ... instead, or add --endpoint-url http://127.0.0.1:4599\n"

func TestEnvPrintsEachShellsSyntax(t *testing.T) {
	const head = "# spk env: point the AWS CLI and the AWS SDKs at the embedded endpoint at http://127.0.0.1:4599, region eu-west-1\n"
	sh := head + `export AWS_ENDPOINT_URL='http://127.0.0.1:4599'
export AWS_ENDPOINT_URL_KINESIS='http://127.0.0.1:4599'
export AWS_ENDPOINT_URL_DYNAMODB='http://127.0.0.1:4599'
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS='http://127.0.0.1:4599'
export AWS_REGION='eu-west-1'
export AWS_DEFAULT_REGION='eu-west-1'
export AWS_ACCESS_KEY_ID='spk'
export AWS_SECRET_ACCESS_KEY='spk'
` + envCaveat + `# Load with: eval "$(spk env)"   Undo with: eval "$(spk env --unset)"
`
	fish := head + `set -gx AWS_ENDPOINT_URL 'http://127.0.0.1:4599'
set -gx AWS_ENDPOINT_URL_KINESIS 'http://127.0.0.1:4599'
set -gx AWS_ENDPOINT_URL_DYNAMODB 'http://127.0.0.1:4599'
set -gx AWS_ENDPOINT_URL_DYNAMODB_STREAMS 'http://127.0.0.1:4599'
set -gx AWS_REGION 'eu-west-1'
set -gx AWS_DEFAULT_REGION 'eu-west-1'
set -gx AWS_ACCESS_KEY_ID 'spk'
set -gx AWS_SECRET_ACCESS_KEY 'spk'
` + envCaveat + `# Load with: spk env --shell fish | source   Undo with: spk env --unset --shell fish | source
`
	pwsh := head + `$Env:AWS_ENDPOINT_URL = 'http://127.0.0.1:4599'
$Env:AWS_ENDPOINT_URL_KINESIS = 'http://127.0.0.1:4599'
$Env:AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:4599'
$Env:AWS_ENDPOINT_URL_DYNAMODB_STREAMS = 'http://127.0.0.1:4599'
$Env:AWS_REGION = 'eu-west-1'
$Env:AWS_DEFAULT_REGION = 'eu-west-1'
$Env:AWS_ACCESS_KEY_ID = 'spk'
$Env:AWS_SECRET_ACCESS_KEY = 'spk'
` + envCaveat + `# Load with: spk env --shell powershell | Out-String | Invoke-Expression   Undo with: spk env --unset --shell powershell | Out-String | Invoke-Expression
`
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"default without SHELL", []string{"env"}, nil, sh},
		{"sh", []string{"env", "--shell", "sh"}, []string{"SHELL", "/usr/bin/fish"}, sh},
		{"bash", []string{"env", "--shell", "bash"}, nil, sh},
		{"zsh from SHELL", []string{"env"}, []string{"SHELL", "/bin/zsh"}, sh},
		{"unknown SHELL", []string{"env"}, []string{"SHELL", "/bin/tcsh"}, sh},
		{"fish", []string{"env", "--shell", "fish"}, nil, fish},
		{"fish from SHELL", []string{"env"}, []string{"SHELL", "/usr/local/bin/fish"}, fish},
		{"powershell", []string{"env", "--shell", "powershell"}, nil, pwsh},
		{"pwsh from SHELL", []string{"env"}, []string{"SHELL", "/usr/bin/pwsh"}, pwsh},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runIn(t, envWorkDir(t), noAWSFiles(t, c.env...), c.args...)
			if r.code != 0 || r.stderr != "" || r.stdout != c.want {
				t.Fatalf("code %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, c.want)
			}
		})
	}
}

func TestEnvUnset(t *testing.T) {
	const names = "AWS_ENDPOINT_URL AWS_ENDPOINT_URL_KINESIS AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_DYNAMODB_STREAMS AWS_REGION AWS_DEFAULT_REGION"
	const head = "# spk env --unset: remove the variables spk env sets\n"
	var pwsh strings.Builder
	pwsh.WriteString(head)
	for _, n := range strings.Fields(names) {
		pwsh.WriteString("Remove-Item Env:" + n + " -ErrorAction SilentlyContinue\n")
	}
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"sh", []string{"env", "--unset"}, nil, head + "unset " + names + "\n"},
		{"sh with the dummy keys exported", []string{"env", "--unset"}, []string{"AWS_ACCESS_KEY_ID", "spk", "AWS_SECRET_ACCESS_KEY", "spk"},
			head + "unset " + names + "\nunset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY\n"},
		{"sh with real keys exported", []string{"env", "--unset"}, []string{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", testSecret},
			head + "unset " + names + "\n# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are kept: they are not spk's dummy keys\n"},
		{"fish", []string{"env", "--unset", "--shell", "fish"}, []string{"AWS_ACCESS_KEY_ID", "spk", "AWS_SECRET_ACCESS_KEY", "spk"},
			head + "set -e " + names + "\nset -e AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY\n"},
		{"powershell", []string{"env", "--unset"}, []string{"SHELL", "/usr/bin/pwsh"}, pwsh.String()},
		// Undoing needs no valid configuration.
		{"broken configuration", []string{"env", "--unset"}, []string{"SPK_AWS_REGION", "nowhere"}, head + "unset " + names + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runIn(t, envWorkDir(t), noAWSFiles(t, c.env...), c.args...)
			if r.code != 0 || r.stderr != "" || r.stdout != c.want {
				t.Fatalf("code %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, c.want)
			}
		})
	}
}

// TestEnvNeverPrintsRealKeys: keys from the environment or a profile stay
// where they are; spk env says where spk takes them from instead.
func TestEnvNeverPrintsRealKeys(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIADEFAULTKEY00001\naws_secret_access_key = default-secret-3c2b1a\n[local]\naws_access_key_id = AKIALOCALPROFILE001\naws_secret_access_key = profile-secret-6f5e4d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files := []string{"AWS_CONFIG_FILE", filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE", creds}
	cases := []struct {
		name   string
		env    []string
		args   []string
		note   string
		secret string
	}{
		{"environment", []string{"AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT0001", "AWS_SECRET_ACCESS_KEY", testSecret}, nil,
			"# Keys: spk signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment, which the AWS CLI and the SDKs read too; not printed\n", testSecret},
		{"default profile", nil, nil,
			"# Keys: spk signs with the default profile's keys in " + creds + ", which the AWS CLI and the SDKs read too; not printed\n", "default-secret-3c2b1a"},
		{"profile with an endpoint", nil, []string{"--profile", "local", "--endpoint-url", "http://127.0.0.1:4599"},
			"# Keys: spk signs with profile local: use aws --profile local (AWS_PROFILE=local gives way to keys in the environment); not printed\n", "profile-secret-6f5e4d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := noAWSFiles(t, append(files, c.env...)...)
			r := runIn(t, envWorkDir(t), env, append([]string{"env"}, c.args...)...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("code %d stderr %q", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, c.secret) || strings.Contains(r.stdout, "AWS_ACCESS_KEY_ID=") || strings.Contains(r.stdout, "AWS_SECRET_ACCESS_KEY=") {
				t.Fatalf("keys printed:\n%s", r.stdout)
			}
			if !strings.Contains(r.stdout, "\nexport AWS_DEFAULT_REGION='eu-west-1'\n"+c.note+envCaveat) {
				t.Fatalf("no note %q after the region:\n%s", c.note, r.stdout)
			}
		})
	}
}

// TestEnvForAWSPrintsNothingToEval: with a profile and no endpoint, spk
// targets AWS and there is nothing to point anywhere.
func TestEnvForAWSPrintsNothingToEval(t *testing.T) {
	dir := t.TempDir()
	conf, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(conf, []byte("[profile prod]\nregion = ap-south-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[prod]\naws_access_key_id = AKIAPRODPROFILE0001\naws_secret_access_key = prod-secret-1a2b3c\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, map[string]string{"AWS_CONFIG_FILE": conf, "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_PROFILE": "prod"}, "env")
	want := "# spk env: spk targets AWS (profile prod, region ap-south-1): there is nothing to set; the AWS CLI and the SDKs reach AWS with the profile (aws --profile prod, or AWS_PROFILE=prod)\n" +
		`# Undo an earlier spk env with: eval "$(spk env --unset)"` + "\n"
	if r.code != 0 || r.stderr != "" || r.stdout != want {
		t.Fatalf("code %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}
}

func TestEnvRefusesAnUnknownShell(t *testing.T) {
	r := run(t, nil, "env", "--shell", "tcsh")
	if r.code != ExitUsage || r.stdout != "" || r.stderr != "spk: env: unknown shell \"tcsh\"\nhint: use --shell sh, bash, zsh, fish or powershell\n" {
		t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestEnvSeparateEndpoints: per-service endpoints get their own variables,
// and the general one is the configured endpoint URL.
func TestEnvSeparateEndpoints(t *testing.T) {
	env := noAWSFiles(t, "AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4601", "SPK_AWS_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:4602")
	r := runIn(t, envWorkDir(t), env, "env")
	want := "# spk env: point the AWS CLI and the AWS SDKs at Kinesis at http://127.0.0.1:4601, DynamoDB at http://127.0.0.1:4602, region eu-west-1\n" +
		"export AWS_ENDPOINT_URL='http://127.0.0.1:4599'\n" +
		"export AWS_ENDPOINT_URL_KINESIS='http://127.0.0.1:4601'\n" +
		"export AWS_ENDPOINT_URL_DYNAMODB='http://127.0.0.1:4602'\n" +
		"export AWS_ENDPOINT_URL_DYNAMODB_STREAMS='http://127.0.0.1:4602'\n"
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("code %d stderr %q stdout:\n%s\nwant first:\n%s", r.code, r.stderr, r.stdout, want)
	}
}

// TestEnvEvaluatedBySh runs the real binary under sh and bash, as
// eval "$(spk env)" does, and checks what the shell ends up with; then an
// AWS SDK given exactly that environment, and no endpoint of its own,
// reaches spk local. --unset removes it all again.
func TestEnvEvaluatedBySh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := startLocal(t)
	bin := buildSpk(t)
	dir := t.TempDir()
	for _, shell := range []string{"sh", "bash"} {
		path, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("no %s: %v", shell, err)
			continue
		}
		t.Run(shell, func(t *testing.T) {
			script := `eval "$("$SPK" env)" || exit 1; env; echo ---; eval "$("$SPK" env --unset)" || exit 1; env`
			cmd := exec.Command(path, "-c", script)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SPK=" + bin, "SPK_AWS_ENDPOINT_URL=" + srv.URL(),
				"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"), "AWS_REGION=ca-central-1"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() != 0 {
				t.Fatalf("%s: %v\n%s%s", shell, err, out, stderr.String())
			}
			loaded, unset, _ := strings.Cut(string(out), "---\n")
			got := envMap(loaded)
			for _, want := range [][2]string{{"AWS_ENDPOINT_URL", srv.URL()}, {"AWS_ENDPOINT_URL_KINESIS", srv.URL()}, {"AWS_ENDPOINT_URL_DYNAMODB", srv.URL()},
				{"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", srv.URL()}, {"AWS_REGION", "ca-central-1"}, {"AWS_DEFAULT_REGION", "ca-central-1"},
				{"AWS_ACCESS_KEY_ID", "spk"}, {"AWS_SECRET_ACCESS_KEY", "spk"}} {
				if got[want[0]] != want[1] {
					t.Errorf("after eval %s=%q, want %q", want[0], got[want[0]], want[1])
				}
			}
			after := envMap(unset)
			for _, name := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
				if v, ok := after[name]; ok {
					t.Errorf("after --unset %s=%q is still set", name, v)
				}
			}
			if after["SPK_AWS_ENDPOINT_URL"] != srv.URL() {
				t.Errorf("--unset removed more than spk env set: %v", after)
			}
			if shell == "sh" {
				sdkReachesLocal(t, got)
			}
		})
	}
}

// sdkReachesLocal loads the AWS SDK's default configuration from env alone
// and calls Kinesis and DynamoDB through it.
func sdkReachesLocal(t *testing.T, env map[string]string) {
	t.Helper()
	clearProcessEnv(t, "AWS_")
	for k := range env {
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, env[k])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithHTTPClient(sdkhttp.New(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ca-central-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != env["AWS_ENDPOINT_URL"] {
		t.Fatalf("SDK configuration: region %q endpoint %v", cfg.Region, cfg.BaseEndpoint)
	}
	if _, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("Kinesis through the exported environment: %v", err)
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("DynamoDB through the exported environment: %v", err)
	}
}

// envMap reads `env` output.
func envMap(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// clearProcessEnv unsets the process's variables with these prefixes for
// the test; t.Setenv puts them back after it.
func clearProcessEnv(t *testing.T, prefixes ...string) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
		}
	}
}
