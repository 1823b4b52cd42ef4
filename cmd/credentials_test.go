package cmd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local"
)

const (
	localKeyID  = "AKIDLOCALKEY1234"
	localSecret = "local-secret-9f8e7d"
)

// startKeyedLocal starts spk local with its own keys: every request's
// signature is verified, as with spk local --access-key.
func startKeyedLocal(t *testing.T) *local.Server {
	t.Helper()
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true,
		CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1, AccessKey: localKeyID, SecretKey: localSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestEndpointTakesTheEnvironmentsKeys: with an endpoint and no profile,
// spk signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when they are
// set, and otherwise with dummy keys, which a keyed endpoint refuses;
// doctor then says the credentials are wrong, not that a permission is
// missing.
func TestEndpointTakesTheEnvironmentsKeys(t *testing.T) {
	srv := startKeyedLocal(t)

	// No keys anywhere: dummy ones, refused, with a hint about credentials.
	env := endpointEnv(srv.URL())
	r := run(t, env, "create-stream")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "UnrecognizedClientException: The security token included in the request is invalid.") ||
		!strings.Contains(r.stderr, "hint: "+credentialsHint) {
		t.Fatalf("dummy keys: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "doctor")
	if r.code != ExitFailure || !hasRow(r.stdout, "ok", "credentials", "dummy keys: none in the environment or the default profile") ||
		!hasRow(r.stdout, "FAIL", "kinesis access", "UnrecognizedClientException") ||
		!strings.Contains(r.stdout, "fix: the endpoint refused these credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") ||
		strings.Contains(r.stdout, "grant ") {
		t.Fatalf("doctor with dummy keys: code %d\n%s", r.code, r.stdout)
	}

	// A wrong secret: the signature does not match.
	env = endpointEnv(srv.URL(), "AWS_ACCESS_KEY_ID", localKeyID, "AWS_SECRET_ACCESS_KEY", "not-the-secret")
	r = run(t, env, "doctor")
	if r.code != ExitFailure || !hasRow(r.stdout, "FAIL", "dynamodb access", "InvalidSignatureException") || strings.Contains(r.stdout, "grant ") {
		t.Fatalf("doctor with a wrong secret: code %d\n%s", r.code, r.stdout)
	}

	// teardown with the wrong secret: every resource's failure is told in
	// a few words in its row, not only the first, and the error after the
	// table is one line naming them, with the credentials' hint.
	r = run(t, env, "teardown", "--yes")
	if r.code != ExitFailure || strings.Count(r.stdout, "InvalidSignatureException") < 2 || strings.Contains(r.stdout+r.stderr, "operation error") || strings.Contains(r.stdout+r.stderr, "RequestID") ||
		!strings.Contains(r.stderr, "spk: teardown: 3 resources not deleted: ") || !strings.Contains(r.stderr, "hint: the credentials were refused or missing") {
		t.Fatalf("teardown with a wrong secret: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// The right keys in the environment: every verb works.
	env = endpointEnv(srv.URL(), "AWS_ACCESS_KEY_ID", localKeyID, "AWS_SECRET_ACCESS_KEY", localSecret)
	for _, args := range [][]string{{"create-stream"}, {"create-table"}, {"generate-events", "--count", "50"}, {"run", "--until-caught-up"}, {"show"}, {"teardown", "--yes"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("spk %v with the environment's keys: code %d\n%s", args, r.code, r.stderr)
		}
	}
	r = run(t, env, "doctor")
	if r.code != 0 || !hasRow(r.stdout, "ok", "credentials", "access key ****1234 from the environment (AWS_ACCESS_KEY_ID)") || strings.Contains(r.stdout+r.stderr, localSecret) {
		t.Fatalf("doctor with the environment's keys: code %d\n%s", r.code, r.stdout)
	}
}

// TestEndpointTakesTheDefaultProfilesKeys: without keys in the
// environment, the shared credentials file's default profile is used; a
// default profile that would need the network (SSO) is passed over.
func TestEndpointTakesTheDefaultProfilesKeys(t *testing.T) {
	srv := startKeyedLocal(t)
	env, creds, conf := awsFiles(t)
	env["SPK_AWS_ENDPOINT_URL"] = srv.URL()
	if err := os.MkdirAll(filepath.Dir(creds), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = "+localKeyID+"\naws_secret_access_key = "+localSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "create-table"); r.code != 0 {
		t.Fatalf("create-table with the default profile's keys: code %d\n%s", r.code, r.stderr)
	}
	r := run(t, env, "doctor")
	if r.code != 0 || !hasRow(r.stdout, "ok", "credentials", "access key ****1234 from the default profile of "+creds) {
		t.Fatalf("doctor: code %d\n%s", r.code, r.stdout)
	}

	// An SSO default profile: never contacted, dummy keys instead.
	if err := os.WriteFile(creds, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("[default]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "doctor")
	if r.code != ExitFailure || !hasRow(r.stdout, "ok", "credentials", "dummy keys") || !hasRow(r.stdout, "FAIL", "kinesis access", "UnrecognizedClientException") {
		t.Fatalf("doctor with an SSO default profile: code %d\n%s", r.code, r.stdout)
	}
}

// TestEndpointKeysFromTheProcessEnvironment runs the real binary with the
// keys in its environment, as a user who exported them would.
func TestEndpointKeysFromTheProcessEnvironment(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := startKeyedLocal(t)
	bin := buildSpk(t)
	home := t.TempDir()
	spk := func(keys bool, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SPK_AWS_ENDPOINT_URL=" + srv.URL(), "AWS_EC2_METADATA_DISABLED=true"}
		if keys {
			cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+localKeyID, "AWS_SECRET_ACCESS_KEY="+localSecret)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := spk(false, "create-stream"); err == nil || !strings.Contains(out, "UnrecognizedClientException") {
		t.Fatalf("without keys: %v\n%s", err, out)
	}
	if out, err := spk(true, "create-stream"); err != nil || !strings.Contains(out, "created and ACTIVE") {
		t.Fatalf("with the keys exported: %v\n%s", err, out)
	}
}
