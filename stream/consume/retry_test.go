package consume_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
)

// eventually runs a test's own read until it gets past the endpoint's
// injected faults.
func eventually(t *testing.T, what string, f func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := retry.Do(ctx, retry.Running, nil, what, f); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestStartsUnderFaultsAllSucceedAndCountsStayExact(t *testing.T) {
	forEachRetrievalInParallel(t, testStartsUnderFaults)
}

// testStartsUnderFaults starts consumers one after the other against an
// endpoint that fails 30% of requests, with clients whose SDK retries are
// the defaults spk's own have (3 attempts, the retry quota): every start
// must succeed and read to the tip, and the counts stay exact although each
// start, under a new app name, reads the whole stream again. The SDK's waits
// between attempts are scaled down: the same attempts and quota, less idle.
func testStartsUnderFaults(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 3, endpointtest.Options{FaultRate: 0.3, FaultSeed: 17})
	if v.e.Kind != "spk" {
		t.Skipf("fault injection needs spk's endpoint for both APIs; running on %s", v.e.Kind)
	}
	v.kc, v.db = v.e.QuickSetUpClients() // the test's own puts, drain and scans
	v.put(endpointtest.Load{Events: 3000, AggregateEvery: 5, AggregateSize: 10, Seed: 8})
	var want endpointtest.Counts
	eventually(t, "drain the stream", func(ctx context.Context) error {
		var err error
		want, _, err = endpointtest.Drain(ctx, v.kc, v.stream, tutorialBucketer)
		return err
	})
	kc, db := v.e.QuickBackoffClients()
	const starts = 3
	for i := range starts {
		o := v.options()
		o.Kinesis, o.DynamoDB = kc, db
		o.App = fmt.Sprintf("%s-%d", v.app, i) // a new lease table each time: created under faults
		o.UntilCaughtUp = true
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		err := consume.Run(ctx, o)
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			t.Fatalf("start %d of %d under faults: %v", i+1, starts, err)
		}
		if timedOut {
			t.Fatalf("start %d of %d did not catch up in time", i+1, starts)
		}
		var got endpointtest.Counts
		eventually(t, "scan the counts", func(ctx context.Context) error {
			var err error
			got, err = endpointtest.ScanCounts(ctx, v.db, v.table)
			return err
		})
		if d := endpointtest.Diff(want, got); d != "" {
			t.Fatalf("after start %d the aggregate table differs from the stream:\n%s", i+1, d)
		}
	}
}

// runFor runs a consumer until it returns or the deadline passes, and
// fails the test in that case.
func runFor(t *testing.T, o consume.Options, within time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := consume.Run(ctx, o)
	if ctx.Err() != nil {
		t.Fatalf("Run did not end within %v (err %v)", within, err)
	}
	return err
}

func tableExists(t *testing.T, db *dynamodb.Client, name string) bool {
	t.Helper()
	_, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *dtypes.ResourceNotFoundException
	if err != nil && !errors.As(err, &nf) {
		t.Fatal(err)
	}
	return err == nil
}

func TestMissingStreamEndsAtOnceAndCreatesNothing(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	o := v.options()
	o.Stream = v.stream + "-missing"
	err := runFor(t, o, 30*time.Second)
	want := `list shards of stream "` + o.Stream + `": the stream does not exist; create it first (spk create-stream)`
	if err == nil || err.Error() != want {
		t.Fatalf("Run = %v\nwant %s", err, want)
	}
	if tableExists(t, v.db, o.App) || tableExists(t, v.db, o.Table) {
		t.Fatal("a table was created for a stream that does not exist")
	}
}

func TestAggregateTableWithOtherKeysEndsAtOnceAndCreatesNothing(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	_, err := v.db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(v.table),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = runFor(t, v.options(), 30*time.Second)
	want := `create aggregate table "` + v.table + `": table "` + v.table + `" exists with another key schema: hash key is id (S), spk needs BucketStart (S); range key is missing, spk needs EventType (S)`
	if err == nil || err.Error() != want {
		t.Fatalf("Run = %v\nwant %s", err, want)
	}
	if tableExists(t, v.db, v.app) {
		t.Fatal("the lease table was created although the aggregate table cannot be used")
	}
}

func TestStreamDeletedWhileRunningEndsWithMessage(t *testing.T) {
	v := newEnv(t, consume.Polling, 2, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 500, Seed: 9})
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		done <- consume.Run(ctx, v.options())
	}()
	v.waitOwners(1)
	if _, err := v.kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(v.stream)}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		want := `read stream "` + v.stream + `": the stream was deleted while spk run was reading it; its checkpoints in lease table "` + v.app + `" are of no use to a new one: delete that table (aws dynamodb delete-table --table-name ` + v.app + `) or choose another app name (--app), create the stream again (spk create-stream) and restart spk run`
		if err == nil || err.Error() != want {
			t.Fatalf("Run = %v\nwant %s", err, want)
		}
	case <-time.After(time.Minute):
		t.Fatal("the consumer went on for a minute after its stream was deleted")
	}
	// What was read before is counted, and the leases were handed back.
	tbl := &lease.Table{DB: v.db, Name: v.app}
	ls, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Owner != "" {
			t.Fatalf("lease %s still owned by %s after the consumer ended", l.Key, l.Owner)
		}
	}

	// Created again under its name, the stream is not taken for the old
	// one: its shard ids are the same, but the old leases' checkpoints
	// (SHARD_END, sequence numbers) would skip or refuse its shards.
	if v.e.Kind != "spk" {
		return // kinesalite's creation times are whole seconds: the two streams' may be equal
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := kinesis.NewStreamNotExistsWaiter(v.kc).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(v.stream)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := v.kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(v.stream), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if err := kinesis.NewStreamExistsWaiter(v.kc).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(v.stream)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	err = consume.Run(ctx, v.options())
	want := `lease table "` + v.app + `" holds the leases of an earlier stream named "` + v.stream + `"`
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "delete the lease table (aws dynamodb delete-table --table-name "+v.app+") or choose another app name (--app)") {
		t.Fatalf("Run on the stream created again = %v\nwant %s…", err, want)
	}
	after, err := tbl.List(ctx)
	if err != nil || fmt.Sprint(after) != fmt.Sprint(ls) {
		t.Fatalf("the refused run changed the leases: %v %v, were %v", after, err, ls)
	}
}

func TestCancelEndsStartUpPromptlyWhileEveryRequestFails(t *testing.T) {
	if os.Getenv("SPK_CONSUMER_PEERS") == "1" {
		t.Skip("fault injection needs spk's endpoint")
	}
	// Every request fails, so Start (which probes the endpoint) is not used.
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, FaultRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	kc, db := endpointtest.Endpoints{KinesisURL: srv.URL(), DynamoDBURL: srv.URL()}.DefaultClients()
	o := childOptions(kc, db)
	o.Stream, o.Table = "s", "t"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consume.Run(ctx, o) }()
	time.Sleep(300 * time.Millisecond) // let it be in its retries; the moment does not matter
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run = nil after a cancel during start-up; want the error it stopped on")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// TestLatestRowsUnderFaults: the latest rows a consumer reports (the
// dashboard's table) hold each row's count as the table does, with half of
// the requests failing. A flush attempt that fails on one row has written
// others, which the next attempt leaves out: they are reported from the
// attempt that wrote them.
func TestLatestRowsUnderFaults(t *testing.T) {
	t.Parallel()
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{FaultRate: 0.5, FaultSeed: 23})
	if v.e.Kind != "spk" {
		t.Skipf("fault injection needs spk's endpoint for both APIs; running on %s", v.e.Kind)
	}
	v.kc, v.db = v.e.QuickSetUpClients()
	// Four minutes of the tutorial's five types: 20 rows, all of them among
	// the 20 latest the snapshot keeps.
	v.put(endpointtest.Load{Events: 2500, Spread: 4 * time.Minute, Seed: 5})
	o := v.options()
	o.Kinesis, o.DynamoDB = v.e.QuickBackoffClients()
	// One flush, at the end: with 20 rows written at half the requests
	// failing (three attempts each), some row fails nearly always.
	o.FlushInterval = time.Hour
	c := v.runUntilCaughtUp(o)
	var table endpointtest.Counts
	eventually(t, "scan the counts", func(ctx context.Context) error {
		var err error
		table, err = endpointtest.ScanCounts(ctx, v.db, v.table)
		return err
	})
	reported := map[bucket.Key]int64{}
	for _, r := range c.Snapshot().RecentBuckets {
		reported[bucket.Key{Start: r.Start, Group: r.Group}] = r.Count
	}
	if len(table) != 20 || len(reported) != len(table) {
		t.Fatalf("the table has %d rows and the latest rows %d; want 20 of each", len(table), len(reported))
	}
	for k, n := range table {
		if reported[k] != n {
			t.Errorf("row %s %s: the table counts %d, the latest rows say %d", k.Start, k.Group, n, reported[k])
		}
	}
}

// TestLeaseTableDeletedWhileRunningEndsWithMessage: the run ends with the
// line that says what happened and how to go on, and says nothing of
// leases that "will expire": there is no table left for them to expire in.
func TestLeaseTableDeletedWhileRunningEndsWithMessage(t *testing.T) {
	v := newEnv(t, consume.Polling, 2, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 200, Seed: 11})
	var logs lockedBuffer
	o := v.options()
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	done := v.runThenDeleteLeaseTable(context.Background(), o)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "the lease table does not exist any more (deleted while spk run was using it); restart spk run, which creates it again") || !consume.LostWork(err) {
			t.Fatalf("Run = %v, want the lease table's line, told however the run stops", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the consumer went on for a minute after its lease table was deleted")
	}
	if s := logs.String(); strings.Contains(s, "expire") || strings.Contains(s, "will retry") {
		t.Fatalf("the stop promised retries, or leases that would expire, in a table that is gone:\n%s", s)
	}
}

// TestLeaseTableDeletedThenStoppedBeforeAScanSaysSo: a run stopped soon
// after its lease table was deleted, before any scan of it, ends with the
// line that says the table is gone (its checkpoints since are lost), not
// in silence.
func TestLeaseTableDeletedThenStoppedBeforeAScanSaysSo(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 100, Seed: 12})
	o := v.options()
	o.Failover = time.Minute // the next scan is half a minute away
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := v.runThenDeleteLeaseTable(ctx, o)
	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), `in lease table "`+v.app+`": the lease table does not exist any more`) || !consume.LostWork(err) {
			t.Fatalf("Run = %v, want the lease table's line", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the consumer did not stop")
	}
}

// TestTimedOutSaysWhatEndedTheRun: Duration's end is told apart from a
// stop the caller asked for (Ctrl-C, q in a dashboard), which spk run
// --until-caught-up must not report as the time limit's.
func TestTimedOutSaysWhatEndedTheRun(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	o := v.options()
	o.Duration = 200 * time.Millisecond
	c, err := consume.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil || !c.TimedOut() {
		t.Fatalf("Run = %v, TimedOut %v after its Duration", err, c.TimedOut())
	}
	o.Duration = time.Minute
	if c, err = consume.New(o); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	v.waitOwners(1)
	cancel()
	if err := <-done; err != nil || c.TimedOut() {
		t.Fatalf("Run = %v, TimedOut %v after a stop asked for", err, c.TimedOut())
	}
}

// TestLeasesOfAnEarlierSpkGetTheirStreamAndTable: leases made before spk
// recorded a lease's stream, its creation time and the app's table are
// given them by the first run that passes the start-up checks, so the next
// run with another --table is refused as it is for leases made since.
func TestLeasesOfAnEarlierSpkGetTheirStreamAndTable(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 50, Seed: 13})
	ctx := context.Background()
	tbl := &lease.Table{DB: v.db, Name: v.app}
	if _, err := ddbtable.Ensure(ctx, v.db, []ddbtable.Spec{tbl.Spec()}, ddbtable.Options{}); err != nil {
		t.Fatal(err)
	}
	// As an spk from before those attributes made it.
	if _, err := tbl.Create(ctx, lease.Lease{Key: "shardId-000000000000", Checkpoint: lease.TrimHorizon}); err != nil {
		t.Fatal(err)
	}
	v.runUntilCaughtUp(v.options())
	ls, err := tbl.List(ctx)
	if err != nil || len(ls) != 1 {
		t.Fatalf("leases %+v, %v", ls, err)
	}
	if l := ls[0]; l.Stream != v.stream || l.Table != v.table || l.StreamCreated.IsZero() {
		t.Fatalf("the earlier spk's lease was not given its stream and table: %+v", l)
	}
	o := v.options()
	o.Table = v.table + "-other"
	err = runFor(t, o, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), `counts stream "`+v.stream+`" into table "`+v.table+`", not "`+o.Table+`"`) {
		t.Fatalf("Run with another table = %v", err)
	}
}

// TestLeaseTableDeletedFoundByTheShardSyncIsLostWork: the shard sync,
// which lists the leases, may meet a deleted lease table before any scan
// or checkpoint does; it is lost work, told the same way.
func TestLeaseTableDeletedFoundByTheShardSyncIsLostWork(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	o := v.options()
	o.Failover = time.Minute                     // the next scan is half a minute away
	o.ShardSyncInterval = 100 * time.Millisecond // the sync comes first
	done := v.runThenDeleteLeaseTable(context.Background(), o)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), `list leases in "`+v.app+`": the lease table does not exist any more`) || !consume.LostWork(err) {
			t.Fatalf("Run = %v, want the shard sync's lease table line, as lost work", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the consumer went on for a minute after its lease table was deleted")
	}
}

// runThenDeleteLeaseTable runs a consumer with o (for at most two minutes
// within ctx), deletes its lease table once it holds a lease, and returns
// where Run's error comes.
func (v *env) runThenDeleteLeaseTable(ctx context.Context, o consume.Options) <-chan error {
	v.t.Helper()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		done <- consume.Run(ctx, o)
	}()
	v.waitOwners(1)
	if _, err := v.db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(v.app)}); err != nil {
		v.t.Fatal(err)
	}
	return done
}
