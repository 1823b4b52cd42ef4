package consume_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestMain doubles as a consumer process: the kill tests re-execute the test
// binary with SPK_CONSUMER_CHILD=1 so a consumer can be killed with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("SPK_CONSUMER_CHILD") == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	e := endpointtest.Endpoints{KinesisURL: os.Getenv("SPK_CT_KINESIS"), DynamoDBURL: os.Getenv("SPK_CT_DYNAMODB")}
	kc, db := e.Clients()
	opts := childOptions(kc, db)
	opts.Stream, opts.Table, opts.App, opts.WorkerID = os.Getenv("SPK_CT_STREAM"), os.Getenv("SPK_CT_TABLE"), os.Getenv("SPK_CT_APP"), os.Getenv("SPK_CT_WORKER")
	opts.UntilCaughtUp = os.Getenv("SPK_CT_UNTIL") == "1"
	if p := os.Getenv("SPK_CT_INITIAL"); p != "" {
		opts.InitialPosition = consume.Position(p)
	}
	opts.Retrieval = consume.Retrieval(os.Getenv("SPK_CT_RETRIEVAL"))
	opts.Views = childViews(opts.Table)
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := consume.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childOptions are the settings shared by in-process and child consumers:
// short intervals so tests exercise checkpoints and lease changes often.
func childOptions(kc *kinesis.Client, db *dynamodb.Client) consume.Options {
	return consume.Options{
		Kinesis: kc, DynamoDB: db,
		FlushInterval:      300 * time.Millisecond,
		CheckpointInterval: 500 * time.Millisecond,
		Failover:           3 * time.Second,
		ShardSyncInterval:  time.Second,
	}
}

type env struct {
	t         *testing.T
	e         endpointtest.Endpoints
	kc        *kinesis.Client
	db        *dynamodb.Client
	stream    string
	table     string
	app       string
	retrieval consume.Retrieval
}

// retrievals are the ways a consumer reads shards; the exactness tests run
// once with each.
var retrievals = []consume.Retrieval{consume.Polling, consume.FanOut}

// fanOutTestLifetime is how long a subscription lasts in the tests.
const fanOutTestLifetime = 2 * time.Second

// forEachRetrieval runs test as one subtest per retrieval.
func forEachRetrieval(t *testing.T, test func(t *testing.T, r consume.Retrieval)) {
	for _, r := range retrievals {
		t.Run(string(r), func(t *testing.T) { test(t, r) })
	}
}

// forEachRetrievalInParallel is forEachRetrieval for a test that mostly
// waits (kill -9 rounds, lease expiry, resharding, retries under faults):
// the test and its subtests run alongside the other such tests, up to go
// test's -parallel at once. Each has its own endpoint, stream and tables.
// Tests that assert a metric exactly under fan-out re-delivery or a
// graceful hand-back of every lease stay serial: those held under a
// machine loaded by six tests at once did not.
func forEachRetrievalInParallel(t *testing.T, test func(t *testing.T, r consume.Retrieval)) {
	t.Parallel()
	for _, r := range retrievals {
		t.Run(string(r), func(t *testing.T) { t.Parallel(); test(t, r) })
	}
}

// newEnv starts the endpoints and creates a stream of that many shards;
// consumers of the env read it with the retrieval r.
func newEnv(t *testing.T, r consume.Retrieval, shards int32, opts endpointtest.Options) *env {
	t.Helper()
	if r == consume.FanOut && opts.SubscriptionLifetime == 0 {
		// Subscriptions end every few seconds instead of every five
		// minutes, so each test renews them many times, often within the
		// five seconds in which a renewal is refused.
		opts.SubscriptionLifetime = fanOutTestLifetime
	}
	e := endpointtest.Start(t, opts)
	if r == consume.FanOut && strings.Contains(e.Kind, "kinesalite") {
		t.Skipf("kinesalite does not serve enhanced fan-out (endpoints: %s)", e.Kind)
	}
	kc, db := e.Clients()
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	v := &env{t: t, e: e, kc: kc, db: db, stream: name, table: name + "-counts", app: name + "-app", retrieval: r}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := endpointtest.CreateStream(ctx, kc, v.stream, shards); err != nil {
		t.Fatal(err)
	}
	t.Logf("endpoints: %s", e.Kind)
	return v
}

func (v *env) options() consume.Options {
	o := childOptions(v.kc, v.db)
	o.Stream, o.Table, o.App, o.Retrieval = v.stream, v.table, v.app, v.retrieval
	o.Logger = slog.New(slog.NewTextHandler(testWriter{v.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return o
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (v *env) put(l endpointtest.Load) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := endpointtest.Put(ctx, v.kc, v.stream, l.Entries()); err != nil {
		v.t.Fatal(err)
	}
}

var tutorialBucketer = &bucket.Bucketer{Size: time.Minute, GroupBy: "type", MaxBytes: consume.DefaultMaxEventBytes}

// expected drains the stream independently of the consumer.
func (v *env) expected() (endpointtest.Counts, int) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	want, rejected, err := endpointtest.Drain(ctx, v.kc, v.stream, tutorialBucketer)
	if err != nil {
		v.t.Fatal(err)
	}
	return want, rejected
}

func (v *env) counts() endpointtest.Counts {
	v.t.Helper()
	got, err := endpointtest.ScanCounts(context.Background(), v.db, v.table)
	if err != nil {
		v.t.Fatal(err)
	}
	return got
}

// runUntilCaughtUp runs an in-process consumer to the tip of every shard.
func (v *env) runUntilCaughtUp(o consume.Options) *consume.Consumer {
	v.t.Helper()
	o.UntilCaughtUp = true
	c, err := consume.New(o)
	if err != nil {
		v.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		v.t.Fatal(err)
	}
	if ctx.Err() != nil {
		v.t.Fatalf("consumer did not catch up in time: %+v", c.Snapshot())
	}
	return c
}

func (v *env) assertExact(want endpointtest.Counts) {
	v.t.Helper()
	if want.Total() == 0 {
		v.t.Fatal("the reference drain found no events")
	}
	if d := endpointtest.Diff(want, v.counts()); d != "" {
		v.t.Fatalf("aggregate table differs from the drained stream:\n%s", d)
	}
}

func TestExactNormalRunWithMalformedRecords(t *testing.T) {
	forEachRetrieval(t, testExactNormalRunWithMalformedRecords)
}

func testExactNormalRunWithMalformedRecords(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 4, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 20000, MalformedRate: 0.01, AggregateEvery: 7, AggregateSize: 25, Seed: 1})
	want, wantRejected := v.expected()
	if wantRejected == 0 {
		t.Fatal("the load has no malformed records")
	}
	var dead bytes.Buffer
	o := v.options()
	o.DeadLetter = &dead
	c := v.runUntilCaughtUp(o)
	v.assertExact(want)
	snap := c.Snapshot()
	if snap.Rejected != uint64(wantRejected) {
		t.Fatalf("rejected %d records (%v), want %d", snap.Rejected, snap.RejectedByReason, wantRejected)
	}
	if snap.RecordsIn != uint64(want.Total())+uint64(wantRejected) {
		t.Fatalf("records in = %d, want %d", snap.RecordsIn, want.Total()+int64(wantRejected))
	}
	lines := 0
	sc := bufio.NewScanner(&dead)
	for sc.Scan() {
		var e consume.DeadLetterEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("dead-letter line %q: %v", sc.Text(), err)
		}
		if e.Shard == "" || e.Sequence == "" || e.Reason == "" || e.Data == "" {
			t.Fatalf("incomplete dead-letter entry %+v", e)
		}
		lines++
	}
	if lines != wantRejected {
		t.Fatalf("dead letter has %d lines, want %d", lines, wantRejected)
	}
}
