package cmd

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spk-cli/spk/internal/iostreams"
	"github.com/spk-cli/spk/provision/local/localtest"
)

const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// awsFiles points the shared AWS files into a temporary directory.
func awsFiles(t *testing.T) (env map[string]string, creds, conf string) {
	dir := filepath.Join(t.TempDir(), "aws")
	creds, conf = filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
	return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": conf}, creds, conf
}

// runWithInput runs spk with stdin content and a chosen TTY state.
func runWithInput(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetTTY(tty, tty, tty)
	f := &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
	code := Execute(context.Background(), f, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestCreateProfileNonTTY(t *testing.T) {
	env, creds, conf := awsFiles(t)
	r := runWithInput(t, env, testSecret+"\n", false, "create-profile", "my-profile", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin", "--region", "eu-west-1", "--output", "json")
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, testSecret) {
		t.Fatal("the secret was printed")
	}
	got, _ := os.ReadFile(creds)
	if string(got) != "[my-profile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+testSecret+"\n" {
		t.Fatalf("credentials: %q", got)
	}
	got, _ = os.ReadFile(conf)
	if string(got) != "[profile my-profile]\nregion = eu-west-1\noutput = json\n" {
		t.Fatalf("config: %q", got)
	}
	for _, p := range []string{creds, conf} {
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v", p, st.Mode().Perm())
		}
	}
	// Again: refused, files untouched, secret never read or shown.
	before, _ := os.ReadFile(creds)
	r = runWithInput(t, env, "other-secret\n", false, "create-profile", "my-profile", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `spk: create-profile: profile "my-profile" already exists`) || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("second write: code %d\n%s", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(creds); string(after) != string(before) {
		t.Fatal("a refused create-profile changed the credentials file")
	}
}

// A secret piped on two lines would leave a line in the credentials file
// that breaks every profile's parsing: it is refused, and nothing is written.
func TestCreateProfileRefusesASecretOnTwoLines(t *testing.T) {
	env, creds, conf := awsFiles(t)
	r := runWithInput(t, env, "AKIAIOSFODNN7EXAMPLE\n"+testSecret+"\n", false, "create-profile", "two", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin")
	want := "spk: create-profile: the secret access key holds a space, a line break or a control character: give it on one line, as IAM shows it\n"
	if r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d, stderr %q; want %d, %q", r.code, r.stderr, ExitUsage, want)
	}
	for _, p := range []string{creds, conf} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s was written: %v", p, err)
		}
	}
}

func TestCreateProfileFromEnvironmentAndMissingSecret(t *testing.T) {
	env, creds, _ := awsFiles(t)
	env["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
	r := runWithInput(t, env, "", false, "create-profile", "ci")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "spk: create-profile: no secret access key given and no terminal to ask on") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Fatal("a failed create-profile created the credentials file")
	}
	env["AWS_SECRET_ACCESS_KEY"] = testSecret
	if r = runWithInput(t, env, "", false, "create-profile", "ci"); r.code != 0 || strings.Contains(r.stderr, testSecret) {
		t.Fatalf("from env: code %d\n%s", r.code, r.stderr)
	}
}

func TestCreateProfileTTYPrompts(t *testing.T) {
	env, creds, conf := awsFiles(t)
	r := runWithInput(t, env, "AKIAIOSFODNN7EXAMPLE\n"+testSecret+"\n\ntable\n", true, "create-profile", "my-profile")
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	for _, prompt := range []string{"AWS Access Key ID [None]: ", "AWS Secret Access Key [None]: ", "Default region name [us-east-1]: ", "Default output format [None]: "} {
		if !strings.Contains(r.stderr, prompt) {
			t.Errorf("no prompt %q in:\n%s", prompt, r.stderr)
		}
	}
	if strings.Contains(r.stderr+r.stdout, testSecret) {
		t.Fatal("the secret was echoed")
	}
	got, _ := os.ReadFile(creds)
	if !strings.Contains(string(got), "aws_secret_access_key = "+testSecret) {
		t.Fatalf("credentials: %q", got)
	}
	got, _ = os.ReadFile(conf)
	if string(got) != "[profile my-profile]\nregion = us-east-1\noutput = table\n" {
		t.Fatalf("config: %q", got)
	}
}

// TestLocalProfileWorksForSpkAndTheAWSCLI writes a --local profile, then uses
// it from spk (the SDK reads endpoint_url) and from the AWS CLI.
func TestLocalProfileWorksForSpkAndTheAWSCLI(t *testing.T) {
	srv := startLocal(t)
	env, _, conf := awsFiles(t)
	env["SPK_AWS_ENDPOINT_URL"] = srv.URL()
	if r := runWithInput(t, env, "", false, "create-profile", "local", "--local"); r.code != 0 {
		t.Fatalf("create-profile --local: code %d\n%s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(conf)
	if !strings.Contains(string(got), "endpoint_url = "+srv.URL()) {
		t.Fatalf("config: %q", got)
	}
	// spk through the profile alone.
	profEnv := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": env["AWS_SHARED_CREDENTIALS_FILE"], "AWS_CONFIG_FILE": conf, "AWS_PROFILE": "local"}
	if r := run(t, profEnv, "create-stream", "via-profile"); r.code != 0 {
		t.Fatalf("spk via the local profile: code %d\n%s", r.code, r.stderr)
	}
	// config show says where the commands just went, not "AWS".
	r := run(t, profEnv, "config", "show")
	if r.code != 0 || !strings.Contains(r.stdout, "Target: endpoint "+srv.URL()+" (profile local's endpoint_url)") ||
		!regexp.MustCompile(`aws\.endpoint_url +`+regexp.QuoteMeta(srv.URL())+` +profile local's endpoint_url`).MatchString(r.stdout) {
		t.Fatalf("config show with the local profile: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Told to ignore configured endpoints, the SDK goes to AWS: so does
	// what config show says.
	ignoring := maps.Clone(profEnv)
	ignoring["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if r := run(t, ignoring, "config", "show"); r.code != 0 || !strings.Contains(r.stdout, "Target: AWS (profile local") {
		t.Fatalf("config show ignoring configured endpoints: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	aws := localtest.AWSCLI(t)
	if aws == "" {
		return
	}
	cmd := exec.Command(aws, "--profile", "local", "--endpoint-url", srv.URL(), "kinesis", "list-streams")
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+env["AWS_SHARED_CREDENTIALS_FILE"], "AWS_CONFIG_FILE="+conf, "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "via-profile") {
		t.Fatalf("aws kinesis list-streams with the profile: %v\n%s", err, out)
	}
	cmd = exec.Command(aws, "configure", "get", "endpoint_url", "--profile", "local")
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+env["AWS_SHARED_CREDENTIALS_FILE"], "AWS_CONFIG_FILE="+conf)
	if out, err = cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != srv.URL() {
		t.Fatalf("aws configure get endpoint_url: %v %q", err, out)
	}
}

// TestCreateProfileTightensAReadableCredentialsFile: appending a secret to
// a credentials file others can read narrows it to 0600 and says so in one
// line; a symlinked file stays a link. The secret is never shown.
func TestCreateProfileTightensAReadableCredentialsFile(t *testing.T) {
	env, creds, _ := awsFiles(t)
	dir := filepath.Dir(creds)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(target, []byte("[old]\naws_access_key_id = AKIAOLDOLDOLDOLD0000\naws_secret_access_key = old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, creds); err != nil {
		t.Fatal(err)
	}
	r := runWithInput(t, env, testSecret+"\n", false, "create-profile", "new", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin")
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if first, _, _ := strings.Cut(r.stderr, "\n"); first != "spk: tightened "+tildePath(target)+" from 0644 to 0600: it holds secrets" {
		t.Fatalf("first line %q\n%s", first, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, testSecret) {
		t.Fatal("the secret was printed")
	}
	if link, err := os.Readlink(creds); err != nil || link != target {
		t.Fatalf("the symlink was replaced: %q, %v", link, err)
	}
	st, _ := os.Stat(target)
	got, _ := os.ReadFile(target)
	if st.Mode().Perm() != 0o600 || !strings.Contains(string(got), "[new]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+testSecret+"\n") {
		t.Fatalf("target mode %v:\n%s", st.Mode().Perm(), got)
	}
	// Now private: a second profile says nothing about permissions.
	r = runWithInput(t, env, testSecret+"\n", false, "create-profile", "other", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin")
	if r.code != 0 || strings.Contains(r.stderr, "tightened") {
		t.Fatalf("second profile: code %d\n%s", r.code, r.stderr)
	}
}

// TestCreateProfileRefusesBeforeAskingForTheSecret: settings that cannot
// be written, and files that cannot be read, are refused (exit 2) before
// the secret is read, and nothing is written.
func TestCreateProfileRefusesBeforeAskingForTheSecret(t *testing.T) {
	env, creds, conf := awsFiles(t)
	r := runWithInput(t, env, "AKIAIOSFODNN7EXAMPLE\n"+testSecret+"\n", true, "create-profile", "p", "--default-output", "xml")
	if r.code != ExitUsage || r.stderr != `spk: invalid value "xml" for --default-output: expected json, text, table, yaml or yaml-stream`+"\nhint: run 'spk create-profile --help' for usage\n" {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Fatal("a refused create-profile wrote the credentials file")
	}
	if err := os.MkdirAll(creds, 0o700); err != nil { // a directory where the file should be
		t.Fatal(err)
	}
	r = runWithInput(t, env, testSecret+"\n", false, "create-profile", "p", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin")
	want := "spk: create-profile: cannot read " + creds + ": is a directory; fix its permissions, or name other files with AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE\n"
	if r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d\n%s\nwant\n%s", r.code, r.stderr, want)
	}
	if _, err := os.Stat(conf); !os.IsNotExist(err) {
		t.Fatal("a refused create-profile wrote the config file")
	}
}

// TestCredentialProcessExitIsNotSpks: a profile's credential_process
// helper that fails makes spk fail (exit 1) with its error, not exit with
// the helper's status (2 is spk's usage error; 130 would read as Ctrl-C).
func TestCredentialProcessExitIsNotSpks(t *testing.T) {
	env, _, conf := awsFiles(t)
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	srv := startLocal(t)
	for _, code := range []int{2, 130} {
		body := fmt.Sprintf("[profile helper%d]\nregion = us-east-1\ncredential_process = sh -c 'exit %d'\n", code, code)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, env, "create-stream", "--profile", fmt.Sprintf("helper%d", code), "--endpoint-url", srv.URL())
		if r.code != ExitFailure || !strings.Contains(r.stderr, "credential") || strings.Contains(r.stderr, "interrupted") {
			t.Errorf("a helper exiting %d: spk exit %d\n%s", code, r.code, r.stderr)
		}
	}
}

// TestConfigShowTellsTheProfilesRegion: the region config show reports for
// a profile is the one the commands use: the profile's, unless spk's own
// configuration sets one.
func TestConfigShowTellsTheProfilesRegion(t *testing.T) {
	env, _, conf := awsFiles(t)
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("[profile work]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "config", "show", "--profile", "work")
	if r.code != 0 || !strings.Contains(r.stdout, "Target: AWS (profile work, region eu-west-1)") ||
		!regexp.MustCompile(`aws\.region +eu-west-1 +profile work's region`).MatchString(r.stdout) {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "config", "show", "--profile", "work", "--region", "ap-south-1")
	if r.code != 0 || !strings.Contains(r.stdout, "Target: AWS (profile work, region ap-south-1)") {
		t.Fatalf("with --region: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestMissingProfileIsAUsageError: a profile named that the shared files
// do not hold is the user's to fix: exit 2, and the hint names the files
// spk read, wherever AWS_CONFIG_FILE puts them.
func TestMissingProfileIsAUsageError(t *testing.T) {
	env, creds, conf := awsFiles(t)
	r := run(t, env, "status", "--profile", "nope")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "spk: load AWS configuration") ||
		!strings.Contains(r.stderr, `hint: check that profile "nope" exists in `+conf+" or "+creds) {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}
