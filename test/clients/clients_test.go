// Package clients drives real AWS SDKs, at their default settings, against
// spk local: a user's own producer or consumer must work against it
// unchanged.
package clients_test

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	local "github.com/spk-cli/spk/provision/local"
)

// protoLog records the protocol of every request the endpoint served.
type protoLog struct {
	mu     sync.Mutex
	protos map[string]int
}

func (p *protoLog) Enabled(context.Context, slog.Level) bool { return true }
func (p *protoLog) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p *protoLog) WithGroup(string) slog.Handler            { return p }
func (p *protoLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "proto" {
			p.mu.Lock()
			p.protos[a.Value.String()]++
			p.mu.Unlock()
		}
		return true
	})
	return nil
}

// node finds node and this folder's installed packages: skipped without
// them, except under CI, which installs them (.ci/run).
func node(t *testing.T, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("node_modules", pkg, "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node and %s are needed under CI: %v (run: cd test/clients && npm ci)", pkg, err)
		}
		t.Skipf("needs node and %s (cd test/clients && npm ci): %v", pkg, err)
	}
	return bin
}

// walk runs the walk script against a fresh spk local and returns what
// the endpoint logged of each request's protocol. keys, when given, are the
// access key and secret spk local is started with and the script signs with.
func walk(t *testing.T, pkg, script string, keys ...string) map[string]int {
	t.Helper()
	bin := node(t, pkg)
	log := &protoLog{protos: map[string]int{}}
	opts := local.DefaultOptions()
	opts.Addr, opts.InMemory = "127.0.0.1:0", true
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond
	opts.Logger = slog.New(log)
	env := []string{}
	if len(keys) == 2 {
		opts.AccessKey, opts.SecretKey = keys[0], keys[1]
		env = append(env, "SPK_ACCESS_KEY="+keys[0], "SPK_SECRET_KEY="+keys[1])
	}
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, script)
	// The SDK warns on stderr that its releases from 2027 need a newer
	// Node.js; the walk's own failures are on stderr too, so keep both.
	cmd.Env = append(append(os.Environ(), "SPK_ENDPOINT="+srv.URL(), "NODE_NO_WARNINGS=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the JavaScript SDK's walk (%s) failed: %v\n%s", script, err, out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	log.mu.Lock()
	defer log.mu.Unlock()
	return maps.Clone(log.protos)
}

func TestJavaScriptSDKWalksEveryKinesisOperation(t *testing.T) {
	protos := walk(t, "@aws-sdk/client-kinesis", "kinesis-walk.mjs")
	if protos["HTTP/2.0"] == 0 || protos["HTTP/1.1"] != 0 {
		t.Fatalf("requests by protocol: %v; the SDK's Kinesis client speaks HTTP/2 only", protos)
	}
}

// TestJavaScriptSDKWalksKinesisWithKeys: with keys, spk local checks
// every signature; the Kinesis client signs over HTTP/2, where the host is
// the :authority pseudo-header, and SubscribeToShard's too.
func TestJavaScriptSDKWalksKinesisWithKeys(t *testing.T) {
	protos := walk(t, "@aws-sdk/client-kinesis", "kinesis-walk.mjs", "AKIDWALKEXAMPLE", "walk-secret/with+signs")
	if protos["HTTP/2.0"] == 0 {
		t.Fatalf("requests by protocol: %v; want HTTP/2", protos)
	}
}

// TestJavaScriptSDKWalksDynamoDBWithKeys: the DynamoDB clients' signatures
// over HTTP/1.1, checked.
func TestJavaScriptSDKWalksDynamoDBWithKeys(t *testing.T) {
	node(t, "@aws-sdk/lib-dynamodb")
	node(t, "@aws-sdk/client-dynamodb-streams")
	walk(t, "@aws-sdk/client-dynamodb", "dynamodb-walk.mjs", "AKIDWALKEXAMPLE", "walk-secret/with+signs")
}

// TestJavaScriptSDKWalksDynamoDB drives the DynamoDB, document and Streams
// clients through every DynamoDB operation spk serves (dynamodb-walk.mjs).
func TestJavaScriptSDKWalksDynamoDB(t *testing.T) {
	node(t, "@aws-sdk/lib-dynamodb")
	node(t, "@aws-sdk/client-dynamodb-streams")
	protos := walk(t, "@aws-sdk/client-dynamodb", "dynamodb-walk.mjs")
	if protos["HTTP/1.1"] == 0 {
		t.Fatalf("requests by protocol: %v; the SDK's DynamoDB clients speak HTTP/1.1", protos)
	}
}
