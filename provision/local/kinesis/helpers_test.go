package kinesis_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

const account = "000000000000"

// target is what a conformance case runs against: spk's endpoint started
// in-process, or a peer named by SPK_CONFORMANCE_PEER.
type target struct {
	url    string
	peer   string // "" for spk
	client *kinesis.Client
	clock  *testClock // nil for peers
}

// testClock is the in-process endpoint's clock; tests move it forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func newTarget(t *testing.T) *target {
	t.Helper()
	if url := os.Getenv("SPK_CONFORMANCE_ENDPOINT"); url != "" {
		peer := os.Getenv("SPK_CONFORMANCE_PEER")
		if peer == "" {
			peer = "unknown"
		}
		return &target{url: url, peer: peer, client: newClient(url, "AKIAFAKE", "secret")}
	}
	clock := &testClock{}
	srv := startLocal(t, func(o *local.Options) { o.Now = clock.now })
	return &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret"), clock: clock}
}

func startLocal(t *testing.T, tweak func(*local.Options)) *local.Server {
	t.Helper()
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.InMemory = true
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = 200*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start endpoint: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

func newClient(url, key, secret string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
		// A peer that never answers fails the case instead of hanging.
		HTTPClient: sdkhttp.New(&http.Client{Timeout: 30 * time.Second}),
	})
}

// skipOn skips a case on peers that are known to differ from AWS there.
func (tg *target) skipOn(t *testing.T, caseID string) {
	t.Helper()
	if reason, ok := peerSkips[tg.peer][caseID]; ok {
		t.Skipf("%s on %s: %s", caseID, tg.peer, reason)
	}
}

// differs reports whether the peer is known to differ from AWS on a part of
// a case (listed in peerSkips); the test then leaves that check out.
func (tg *target) differs(t *testing.T, id string) bool {
	t.Helper()
	if reason, ok := peerSkips[tg.peer][id]; ok {
		t.Logf("not checking %s on %s: %s", id, tg.peer, reason)
		return true
	}
	return false
}

func uniqueName(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

func (tg *target) createActive(t *testing.T, name string, shards int32) {
	t.Helper()
	ctx := context.Background()
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create stream %s: %v", name, err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
}

func (tg *target) waitStatus(t *testing.T, name string, want types.StreamStatus) {
	t.Helper()
	eventually(t, 20*time.Second, "stream "+name+" to be "+string(want), func() bool {
		out, err := tg.client.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		return err == nil && out.StreamDescriptionSummary.StreamStatus == want
	})
}

func (tg *target) shards(t *testing.T, name string) []types.Shard {
	t.Helper()
	out, err := tg.client.ListShards(context.Background(), &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		t.Fatalf("list shards: %v", err)
	}
	return out.Shards
}

func (tg *target) iterator(t *testing.T, name, shard string, typ types.ShardIteratorType, seq *string) string {
	t.Helper()
	out, err := tg.client.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{
		StreamName: &name, ShardId: &shard, ShardIteratorType: typ, StartingSequenceNumber: seq,
	})
	if err != nil {
		t.Fatalf("get shard iterator %s: %v", typ, err)
	}
	return *out.ShardIterator
}

func (tg *target) put(t *testing.T, name, pk, data string) *kinesis.PutRecordOutput {
	t.Helper()
	out, err := tg.client.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: &name, PartitionKey: &pk, Data: []byte(data)})
	if err != nil {
		t.Fatalf("put record: %v", err)
	}
	return out
}

func (tg *target) getRecords(t *testing.T, it string, limit int32) *kinesis.GetRecordsOutput {
	t.Helper()
	in := &kinesis.GetRecordsInput{ShardIterator: &it}
	if limit > 0 {
		in.Limit = &limit
	}
	out, err := tg.client.GetRecords(context.Background(), in)
	if err != nil {
		t.Fatalf("get records: %v", err)
	}
	return out
}

// wantAPIError asserts err is the AWS error typ whose message starts with
// msgPrefix (messages may drift, so a prefix is compared).
func wantAPIError(t *testing.T, err error, typ, msgPrefix string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want %s error, got %v", typ, err)
	}
	if apiErr.ErrorCode() != typ {
		t.Fatalf("want error type %s, got %s: %s", typ, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	if reason, ok := peerSkips[os.Getenv("SPK_CONFORMANCE_PEER")]["messages"]; ok {
		t.Logf("message not compared: %s", reason)
		return
	}
	if !strings.HasPrefix(apiErr.ErrorMessage(), msgPrefix) {
		t.Fatalf("want %s message starting %q, got %q", typ, msgPrefix, apiErr.ErrorMessage())
	}
}

// rawPost sends a hand-made request, signed with a syntactically valid
// (unverified) SigV4 header.
func (tg *target) rawPost(t *testing.T, target, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tg.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/"+time.Now().UTC().Format("20060102")+
		"/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, b
}

// startOnDir starts spk's endpoint durably on dir with the given create,
// delete and update delays, for tests that restart it on the same data.
func startOnDir(t *testing.T, dir string, create, del, update time.Duration) (*local.Server, *kinesis.Client) {
	t.Helper()
	opts := local.DefaultOptions()
	opts.Addr, opts.DataDir = "127.0.0.1:0", dir
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = create, del, update
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, newClient(srv.URL(), "AKIAFAKE", "secret")
}
