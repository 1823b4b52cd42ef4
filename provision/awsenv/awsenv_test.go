package awsenv

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
)

// planFor resolves a plan as spk's verbs do, from env alone, with shared
// files that do not exist.
func planFor(t *testing.T, env map[string]string) Plan {
	t.Helper()
	dir := t.TempDir()
	full := map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials")}
	for k, v := range env {
		full[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := full[k]; return v, ok }
	l, err := config.Load(config.Options{LookupEnv: lookup, WorkDir: dir, UserConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := provision.NewClients(context.Background(), l, lookup)
	if err != nil {
		t.Fatal(err)
	}
	p, err := For(context.Background(), l, c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDummyKeysAreProvisions: the keys spk env prints as dummy are the
// ones spk signs with when it has no others.
func TestDummyKeysAreProvisions(t *testing.T) {
	p := planFor(t, nil)
	if !p.Dummy() || p.keys != (Keys{DummyAccessKeyID, DummySecretAccessKey, ""}) {
		t.Fatalf("dummy %v keys %+v", p.Dummy(), p.keys)
	}
	// The same pair exported by an earlier spk env is still the dummy pair.
	if p := planFor(t, map[string]string{"AWS_ACCESS_KEY_ID": "spk", "AWS_SECRET_ACCESS_KEY": "spk"}); p.Credentials != provision.CredsFromEnvironment || !p.Dummy() {
		t.Fatalf("exported dummy pair: %s %v", p.Credentials, p.Dummy())
	}
	if p := planFor(t, map[string]string{"AWS_ACCESS_KEY_ID": "AKIAREALKEY0000001", "AWS_SECRET_ACCESS_KEY": "real"}); p.Dummy() {
		t.Fatal("real keys taken for dummy ones")
	}
}

func TestVarsAndEndpoints(t *testing.T) {
	p := planFor(t, map[string]string{"SPK_AWS_KINESIS_ENDPOINT_URL": "http://127.0.0.1:1", "SPK_AWS_ENDPOINT_URL": "http://127.0.0.1:3", "SPK_AWS_REGION": "eu-north-1"})
	want := []Var{{EndpointURL, "http://127.0.0.1:3"}, {EndpointURLKinesis, "http://127.0.0.1:1"}, {EndpointURLDynamoDB, "http://127.0.0.1:3"},
		{EndpointURLDynamoDBStreams, "http://127.0.0.1:3"}, {Region, "eu-north-1"}, {DefaultRegion, "eu-north-1"},
		{AccessKeyID, DummyAccessKeyID}, {SecretAccessKey, DummySecretAccessKey}}
	if got := p.Vars(); !slices.Equal(got, want) {
		t.Fatalf("vars\n got %v\nwant %v", got, want)
	}
	for service, want := range map[string]string{"kinesis": "http://127.0.0.1:1", "dynamodb": "http://127.0.0.1:3", "dynamodbstreams": "http://127.0.0.1:3", "s3": "http://127.0.0.1:3"} {
		if got := p.EndpointFor(service); got != want {
			t.Errorf("EndpointFor(%s) = %q, want %q", service, got, want)
		}
	}
}

func TestChildEnv(t *testing.T) {
	base := []string{"HOME=/home/u", "AWS_REGION=us-west-2", "AWS_PROFILE=gone", "AWS_DEFAULT_PROFILE=gone", "AWS_ACCESS_KEY_ID=half", "AWS_SESSION_TOKEN=old", "AWS_CA_BUNDLE=/ca.pem"}
	got := planFor(t, map[string]string{"SPK_AWS_REGION": "eu-north-1"}).ChildEnv(base)
	want := []string{"HOME=/home/u", "AWS_CA_BUNDLE=/ca.pem", "AWS_REGION=eu-north-1", "AWS_DEFAULT_REGION=eu-north-1", "AWS_ACCESS_KEY_ID=spk", "AWS_SECRET_ACCESS_KEY=spk"}
	if !slices.Equal(got, want) {
		t.Fatalf("child env\n got %v\nwant %v", got, want)
	}
}

// TestChildEnvKeepsAProfileBesideKeys: spk signs with the environment's
// keys beside AWS_PROFILE, as the CLI does; the CLI it runs gets both, so
// it signs with the same keys and reads the profile's other settings.
func TestChildEnvKeepsAProfileBesideKeys(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(conf, []byte("[profile work]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := planFor(t, map[string]string{"AWS_CONFIG_FILE": conf, "AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"})
	got := p.ChildEnv([]string{"HOME=/home/u", "AWS_PROFILE=work", "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret"})
	want := []string{"HOME=/home/u", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "AWS_PROFILE=work", "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret"}
	if !slices.Equal(got, want) {
		t.Fatalf("child env\n got %v\nwant %v", got, want)
	}
}

// TestChildEnvDropsKeysWhenSpkSignsWithItsProfile: a profile spk itself was
// given (SPK_AWS_PROFILE, --profile, the configuration file) outranks keys
// in the environment; the CLI spk aws runs must not sign with those keys.
func TestChildEnvDropsKeysWhenSpkSignsWithItsProfile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(conf, []byte("[profile work]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := planFor(t, map[string]string{"AWS_CONFIG_FILE": conf, "SPK_AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"})
	got := p.ChildEnv([]string{"HOME=/home/u", "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret", "AWS_SESSION_TOKEN=t"})
	want := []string{"HOME=/home/u", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "AWS_PROFILE=work"}
	if !slices.Equal(got, want) {
		t.Fatalf("child env\n got %v\nwant %v", got, want)
	}
}
