package cmd

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/internal/iostreams"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// lockedBuffer lets a test read what a running command writes; said, when
// not nil, is closed at the first write.
type lockedBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	said chan struct{}
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.said != nil && l.b.Len() == 0 && len(p) > 0 {
		close(l.said)
	}
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestLocalCommandServesUntilInterrupted runs `spk local` as the command a
// user types: it prints where it listens and how to use it, serves the AWS
// APIs, and stops cleanly (exit 0) when interrupted.
func TestLocalCommandServesUntilInterrupted(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	for _, c := range []struct {
		name, banner, never string
		args                []string
	}{
		{"durable", " (data in " + dataDir + ")", "", []string{"--data-dir", dataDir}},
		// In memory nothing is kept: no line names a data directory.
		{"in memory", " (in memory: nothing is kept)", "data_dir", []string{"--in-memory"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := closedPort(t)
			ios, _, _, _ := iostreams.Test()
			stderr := &lockedBuffer{}
			ios.ErrOut = stderr
			f := &Factory{IO: ios, LookupEnv: func(string) (string, bool) { return "", false }, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
			ctx, interrupt := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() { done <- Execute(ctx, f, append([]string{"local", "--addr", addr}, c.args...)) }()

			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(stderr.String(), "Press Ctrl-C to stop.") {
				if time.Now().After(deadline) {
					t.Fatalf("no banner:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond) // poll interval; the deadline bounds the wait
			}
			banner := stderr.String()
			for _, want := range []string{"Kinesis and DynamoDB endpoint at http://" + addr + c.banner, "export AWS_ENDPOINT_URL=http://" + addr, "aws kinesis list-streams"} {
				if !strings.Contains(banner, want) {
					t.Errorf("banner lacks %q:\n%s", want, banner)
				}
			}
			if c.never != "" && strings.Contains(banner, c.never) {
				t.Errorf("banner says %q:\n%s", c.never, banner)
			}
			k := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("spk", "spk", ""), HTTPClient: sdkhttp.New(nil)})
			if _, err := k.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
				t.Fatalf("the endpoint does not answer: %v", err)
			}
			interrupt()
			select {
			case code := <-done:
				if code != 0 || !strings.Contains(stderr.String(), "spk local: stopped") {
					t.Fatalf("exit %d after interrupt:\n%s", code, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("spk local did not stop after the interrupt")
			}
		})
	}
}

func TestLocalCommandRefusals(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	inUse := busy.Addr().String()
	unmade := filepath.Join(t.TempDir(), "never-made")
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // the whole of stderr
	}{
		{"non-loopback without keys", []string{"local", "--addr", "0.0.0.0:0", "--in-memory"}, nil,
			"spk: local: --addr 0.0.0.0:0 is not loopback: anyone on the network could use the endpoint; bind 127.0.0.1, or set --access-key and --secret-key so every request's signature is verified\n"},
		{"only an access key", []string{"local", "--addr", "127.0.0.1:0", "--in-memory", "--access-key", "AKIAFAKE"}, nil,
			"spk: local: only one of the access key and the secret key is set\nhint: set both --access-key and --secret-key (or SPK_LOCAL_SECRET_KEY), or neither\n"},
		{"fault rate above 1", []string{"local", "--fault-rate", "2"}, nil,
			"spk: local: --fault-rate 2 is outside 0..1\nhint: give a fraction such as 0.01\n"},
		{"fault rate NaN", []string{"local", "--fault-rate", "NaN"}, nil,
			"spk: local: --fault-rate NaN is outside 0..1\nhint: give a fraction such as 0.01\n"},
		{"a negative create delay", []string{"local", "--create-delay", "-5s"}, nil,
			"spk: local: --create-delay -5s is negative\nhint: give 0 for none, or a duration such as 500ms\n"},
		{"shard limit 0", []string{"local", "--shard-limit", "0"}, nil,
			"spk: local: --shard-limit 0 is not positive\nhint: give a positive number of shards, e.g. --shard-limit 500\n"},
		{"address without a port", []string{"local", "--addr", "garbage", "--data-dir", unmade}, nil,
			`spk: configuration: flag --addr: expected host:port such as 127.0.0.1:4566, got "garbage" (missing port in address)` + "\n"},
		{"address from the environment", []string{"local", "--in-memory"}, map[string]string{"SPK_LOCAL_ADDR": "127.0.0.1:http"},
			`spk: configuration: environment variable SPK_LOCAL_ADDR: key "local.addr": expected host:port such as 127.0.0.1:4566, got "127.0.0.1:http" (port "http" is not a number from 0 to 65535)` + "\n"},
		{"address in use", []string{"local", "--addr", inUse, "--in-memory"}, nil,
			"spk: local: cannot listen on --addr " + inUse + ": address already in use; stop what listens there, or choose another address with --addr\n"},
		{"address not this machine's", []string{"local", "--addr", "192.0.2.1:4566", "--in-memory", "--access-key", "k", "--secret-key", "s"}, nil,
			"spk: local: cannot listen on --addr 192.0.2.1:4566: cannot assign requested address; it is not an address of this machine: use 127.0.0.1 or one of its own, with --addr\n"},
		{"data directory is a file", []string{"local", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(aFile, "data")}, nil,
			"spk: local: cannot create the data directory " + filepath.Join(aFile, "data") + ": not a directory; give --data-dir a writable directory, or use --in-memory\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.env, c.args...)
			if r.code != ExitUsage || r.stderr != c.want {
				t.Fatalf("code %d (want 2), stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, c.want)
			}
		})
	}
	// The address is refused before the data directory is made.
	if _, err := os.Stat(unmade); !os.IsNotExist(err) {
		t.Fatalf("a refused spk local made its data directory: %v", err)
	}
}

// TestLocalOnABusyPortLeavesNoDataDirectory: spk local refused for its
// address creates nothing: no store, and not the data directory it was
// given when that did not exist.
func TestLocalOnABusyPortLeavesNoDataDirectory(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	parent := t.TempDir()
	dir := filepath.Join(parent, "new", "data")
	r := run(t, nil, "local", "--addr", busy.Addr().String(), "--data-dir", dir)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "address already in use") {
		t.Fatalf("code %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(parent, "new")); !os.IsNotExist(err) {
		t.Fatalf("the refused start left %s behind: %v", filepath.Join(parent, "new"), err)
	}
}

// TestFailedStartLeavesAnotherEndpointsDataDirectory: two spk local
// starting at once on a new directory race to make it. The one that loses
// the store's lock undoes only what is its own: a directory another
// process made, or one another endpoint now holds, stays with its data.
func TestFailedStartLeavesAnotherEndpointsDataDirectory(t *testing.T) {
	parent := t.TempDir()

	// This start made the directory, then another endpoint took it.
	dir := filepath.Join(parent, "made-here", "data")
	undo, err := makeDataDir("local", dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := startDurableLocal(t, dir)
	if r := run(t, endpointEnv(srv.URL()), "create-stream", "kept"); r.code != 0 {
		t.Fatalf("create-stream: code %d\n%s", r.code, r.stderr)
	}
	undo()
	if _, err := os.Stat(filepath.Join(dir, "spk-local.db")); err != nil {
		t.Fatalf("the other endpoint's store was removed: %v", err)
	}
	if st := statusOf(t, endpointEnv(srv.URL(), "SPK_STREAM_NAME", "kept")); !st.Stream.Exists {
		t.Fatalf("the other endpoint lost its stream: %+v", st)
	}

	// Another process made the directory first: nothing here is ours.
	other := filepath.Join(parent, "made-elsewhere")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	undo, err = makeDataDir("local", other)
	if err != nil {
		t.Fatal(err)
	}
	undo()
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a directory this start did not make was removed: %v", err)
	}

	// Made here and left empty by the failed start: removed, parents too.
	mine := filepath.Join(parent, "mine", "data")
	undo, err = makeDataDir("local", mine)
	if err != nil {
		t.Fatal(err)
	}
	undo()
	if _, err := os.Stat(filepath.Join(parent, "mine")); !os.IsNotExist(err) {
		t.Fatalf("the failed start left %s behind: %v", filepath.Join(parent, "mine"), err)
	}
}
