package cmd

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// resourcesOn lists every stream and table on the endpoint.
func resourcesOn(t *testing.T, url string) (streams, tables []string) {
	t.Helper()
	ls, err := kinesis.NewFromConfig(endpointtest.Config(url)).ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	lt, err := dynamoClient(url).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return ls.StreamNames, lt.TableNames
}

// TestRefusedOptionsCreateNothing gives spk run and spk up options that
// cannot work, on an endpoint where the stream exists, so that only the
// checks stand between the command and its tables: each must refuse with
// one line and exit 2, and leave the endpoint as it was.
func TestRefusedOptionsCreateNothing(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL(), "XDG_STATE_HOME", t.TempDir())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	inUse := busy.Addr().String()

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"dead letter in a missing directory", []string{"run", "--until-caught-up", "--dead-letter", filepath.Join(dir, "missing", "x.jsonl")},
			"spk: run: cannot open the dead-letter file " + filepath.Join(dir, "missing", "x.jsonl") + ": no such file or directory; give --dead-letter a writable path in an existing directory"},
		{"dead letter is a directory", []string{"run", "--until-caught-up", "--dead-letter", dir},
			"spk: run: cannot open the dead-letter file " + dir + ": is a directory; give --dead-letter a writable path in an existing directory"},
		{"metrics not host:port", []string{"run", "--until-caught-up", "--metrics", "garbage"},
			`spk: run: --metrics "garbage" is not host:port (missing port in address); give an address such as 127.0.0.1:9090`},
		{"metrics port out of range", []string{"run", "--until-caught-up", "--metrics", "127.0.0.1:70000"},
			`spk: run: --metrics "127.0.0.1:70000" is not host:port (port "70000" is not a number from 0 to 65535); give an address such as 127.0.0.1:9090`},
		{"metrics port in use", []string{"run", "--until-caught-up", "--metrics", inUse},
			"spk: run: cannot listen on --metrics " + inUse + ": address already in use; stop what listens there, or choose another address with --metrics"},
		{"negative failover", []string{"run", "--until-caught-up", "--failover", "-1s"},
			"spk: run: --duration and --failover must not be negative; give a duration such as 30s, or 0 for the default"},
		{"failover too short to renew leases in", []string{"run", "--until-caught-up", "--failover", "1ms"},
			"spk: run: --failover 1ms is too short: leases are renewed every third of it, and a failed renewal retried for two thirds; give 3s or more (the default is 10s)"},
		{"timestamp with another position", []string{"run", "--until-caught-up", "--initial-position", "latest", "--timestamp", "2020-01-01T00:00:00Z"},
			"spk: run: --timestamp is where AT_TIMESTAMP starts, and --initial-position is LATEST; drop one of them, or give --initial-position AT_TIMESTAMP"},
		{"timestamp in the future", []string{"run", "--until-caught-up", "--timestamp", "2100-01-01T00:00:00Z"},
			"spk: run: --timestamp 2100-01-01T00:00:00Z is in the future: a stream is read from a time records have reached; give a past time, or --initial-position LATEST to read what comes from now on"},
		{"up with a bad address", []string{"up", "--no-tui", "--duration", "1s", "--addr", "garbage"},
			`spk: configuration: flag --addr: expected host:port such as 127.0.0.1:4566, got "garbage" (missing port in address)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, env, c.args...)
			if r.code != ExitUsage || r.stderr != c.want+"\n" {
				t.Fatalf("code %d (want 2), stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, c.want)
			}
		})
	}
	streams, tables := resourcesOn(t, srv.URL())
	if !slices.Equal(streams, []string{"my-stream"}) || len(tables) != 0 {
		t.Fatalf("refused commands created resources: streams %v, tables %v", streams, tables)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("a refused run made the dead-letter file's directory: %v", err)
	}
}

// TestRunThatCannotStartLeavesNoDeadLetterFile: the dead-letter file is
// opened first, but a run that then fails (the endpoint is down) removes
// the empty file it made, and leaves a file the user had alone.
func TestRunThatCannotStartLeavesNoDeadLetterFile(t *testing.T) {
	env := endpointEnv("http://" + refusingAddr(t))
	made := filepath.Join(t.TempDir(), "rejects.jsonl")
	r := run(t, env, "run", "--until-caught-up", "--dead-letter", made)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "spk: cannot reach the endpoint at "+env["SPK_AWS_ENDPOINT_URL"]+": connection refused\n") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Fatalf("the failed run left its dead-letter file: %v", err)
	}
	kept := filepath.Join(t.TempDir(), "old.jsonl")
	if err := os.WriteFile(kept, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r = run(t, env, "run", "--until-caught-up", "--dead-letter", kept); r.code != ExitFailure {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("the failed run removed a dead-letter file it did not make: %v", err)
	}
}

// TestRunServesMetricsOnTheAddressGiven: the listener bound before the
// tables are created is the one that serves.
func TestRunServesMetricsOnTheAddressGiven(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	addr := closedPort(t)
	r := run(t, env, "run", "--until-caught-up", "--metrics", addr, "--log-level", "info")
	if r.code != 0 || !strings.Contains(r.stderr, `msg="serving metrics" url=http://`+addr+"/metrics") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestUpRefusesADataDirectoryItCannotMake: with nothing listening, spk up
// would start the endpoint on --data-dir; one that cannot be a directory is
// refused before any step runs.
func TestUpRefusesADataDirectoryItCannotMake(t *testing.T) {
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SPK_LOCAL_ADDR": refusingAddr(t), "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--no-tui", "--duration", "1s", "--data-dir", filepath.Join(aFile, "data"))
	want := "spk: up: cannot create the data directory " + filepath.Join(aFile, "data") + ": not a directory; give --data-dir a writable directory, or use --in-memory\n"
	if r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d, stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, want)
	}
}

// TestABadLocalAddressStopsEveryVerb: local.addr is every verb's default
// endpoint (http:// and the address), so an address that is not host:port
// is a configuration error of every verb, named where it was set, and not
// only of spk local: nothing is contacted, created or made.
func TestABadLocalAddressStopsEveryVerb(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "never-made")
	fromEnv := `spk: configuration: environment variable SPK_LOCAL_ADDR: key "local.addr": expected host:port such as 127.0.0.1:4566, got "127.0.0.1" (missing port in address)`
	badPort := `spk: configuration: environment variable SPK_LOCAL_ADDR: key "local.addr": expected host:port such as 127.0.0.1:4566, got "127.0.0.1:99999" (port "99999" is not a number from 0 to 65535)`
	for _, c := range []struct {
		addr string
		args []string
		want string
	}{
		{"127.0.0.1", []string{"create-stream"}, fromEnv},
		{"127.0.0.1", []string{"create-table"}, fromEnv},
		{"127.0.0.1", []string{"doctor"}, fromEnv},
		{"127.0.0.1", []string{"env"}, fromEnv},
		{"127.0.0.1", []string{"teardown", "--yes"}, fromEnv},
		{"127.0.0.1", []string{"run", "--until-caught-up"}, fromEnv},
		{"127.0.0.1:99999", []string{"status"}, badPort},
		{"127.0.0.1:99999", []string{"show"}, badPort},
		{"127.0.0.1:99999", []string{"local", "--data-dir", dataDir}, badPort},
		{"127.0.0.1:99999", []string{"up", "--no-tui", "--data-dir", dataDir}, badPort},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, map[string]string{"SPK_LOCAL_ADDR": c.addr, "XDG_STATE_HOME": t.TempDir()}, c.args...)
			if r.code != ExitUsage || r.stderr != c.want+"\n" || r.stdout != "" {
				t.Fatalf("code %d (want 2), stdout %q, stderr:\n%s\nwant exactly:\n%s", r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
	// The file and the flag are named as such.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte("local:\n  addr: localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, dir, nil, "status")
	if want := `spk: configuration: ` + filepath.Join(dir, "spk.yaml") + `, line 2: key "local.addr": expected host:port such as 127.0.0.1:4566, got "localhost" (missing port in address)` + "\n"; r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d, stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, want)
	}
	r = run(t, nil, "local", "--addr", "garbage", "--data-dir", dataDir)
	if want := `spk: configuration: flag --addr: expected host:port such as 127.0.0.1:4566, got "garbage" (missing port in address)` + "\n"; r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d, stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, want)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Fatalf("a refused command made the data directory: %v", err)
	}
}
