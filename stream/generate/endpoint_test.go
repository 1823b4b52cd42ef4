package generate

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// endpoint is a Kinesis endpoint on loopback for one test.
type endpoint struct {
	url  string
	kind string // "local", "kinesalite" or "external"
}

// startEndpoint starts spk's embedded endpoint in-process on a free
// loopback port. SPK_TEST_KINESIS=kinesalite uses kinesalite from test/peers
// instead, and SPK_TEST_KINESIS_ENDPOINT an endpoint already running.
func startEndpoint(t *testing.T) endpoint {
	return startEndpointWith(t, local.Options{})
}

// startEndpointWith starts the embedded endpoint with extra options
// (EnforceLimits, FaultRate, FaultSeed).
func startEndpointWith(t *testing.T, extra local.Options) endpoint {
	t.Helper()
	if u := os.Getenv("SPK_TEST_KINESIS_ENDPOINT"); u != "" {
		return endpoint{url: u, kind: "external"}
	}
	if os.Getenv("SPK_TEST_KINESIS") == "kinesalite" {
		if extra.EnforceLimits || extra.FaultRate > 0 {
			t.Skip("kinesalite has no enforced limits or fault injection")
		}
		return startKinesalite(t)
	}
	opts := extra
	opts.Addr, opts.InMemory = "127.0.0.1:0", true
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = -1, -1, -1
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start the embedded endpoint: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shut the endpoint down: %v", err)
		}
	})
	return endpoint{url: srv.URL(), kind: "local"}
}

func startKinesalite(t *testing.T) endpoint {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(file), "..", "..", "test", "peers", "node_modules", "kinesalite")
	if _, err := os.Stat(filepath.Join(pkg, "index.js")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kinesalite not installed (%v): run `cd test/peers && npm install`", err)
		}
		t.Skipf("kinesalite not installed: run `cd test/peers && npm install`")
	}
	port := freePort(t)
	// The kinesalite command listens on every interface; bind loopback only.
	script := fmt.Sprintf(`require(%q)({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100}).listen(%d, "127.0.0.1")`,
		filepath.Join(pkg, "index.js"), port)
	cmd := exec.Command("node", "-e", script)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kinesalite: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kinesalite did not listen on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a port with a deadline
	}
	return endpoint{url: "http://" + addr, kind: "kinesalite"}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// client builds a Kinesis client for the endpoint with the SDK's standard
// retryer, optionally over a wrapping transport.
func (e endpoint) client(rt http.RoundTripper) *kinesis.Client {
	httpClient := &http.Client{Transport: rt}
	if rt == nil {
		httpClient.Transport = http.DefaultTransport
	}
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		// The standard retryer, with short waits so fault tests stay quick.
		Retryer:    retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond }),
		HTTPClient: sdkhttp.New(httpClient),
	})
}

// createStream creates a stream and waits until it is ACTIVE.
func createStream(t *testing.T, c *kinesis.Client, name string, shards int32) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for stream: %v", err)
	}
}

// storedRecord is a record read back from a shard.
type storedRecord struct {
	shard        string
	partitionKey string
	data         []byte
	hashStart    *big.Int
	hashEnd      *big.Int
}

// drainStream reads every record of every shard from TRIM_HORIZON to the
// latest, stopping at the first empty read once caught up.
func drainStream(t *testing.T, c *kinesis.Client, name string) []storedRecord {
	t.Helper()
	ctx := context.Background()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("list shards: %v", err)
	}
	var out []storedRecord
	for _, sh := range shards.Shards {
		start, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
		end, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(name), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("get shard iterator: %v", err)
		}
		iter := it.ShardIterator
		for iter != nil {
			// With the shard's read limit enforced, a read right after a
			// large one is throttled for seconds, as on AWS: wait it out.
			var res *kinesis.GetRecordsOutput
			deadline := time.Now().Add(30 * time.Second)
			for {
				res, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
				var throttled *types.ProvisionedThroughputExceededException
				if !errors.As(err, &throttled) || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond) // backoff, as a consumer's
			}
			if err != nil {
				t.Fatalf("get records: %v", err)
			}
			for _, r := range res.Records {
				out = append(out, storedRecord{shard: aws.ToString(sh.ShardId), partitionKey: aws.ToString(r.PartitionKey),
					data: r.Data, hashStart: start, hashEnd: end})
			}
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].shard < out[j].shard })
	return out
}
