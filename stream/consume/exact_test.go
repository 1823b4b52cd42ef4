package consume_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/childproc"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
)

// child starts the test binary as a consumer process.
func (v *env) child(worker string, untilCaughtUp bool, extraEnv ...string) *exec.Cmd {
	v.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"SPK_CONSUMER_CHILD=1",
		"SPK_CT_KINESIS="+v.e.KinesisURL, "SPK_CT_DYNAMODB="+v.e.DynamoDBURL,
		"SPK_CT_STREAM="+v.stream, "SPK_CT_TABLE="+v.table, "SPK_CT_APP="+v.app, "SPK_CT_WORKER="+worker,
		"SPK_CT_RETRIEVAL="+string(v.retrieval))
	if untilCaughtUp {
		cmd.Env = append(cmd.Env, "SPK_CT_UNTIL=1")
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stderr = testWriter{v.t}
	childproc.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		v.t.Fatal(err)
	}
	return cmd
}

// produce puts the load in chunks in the background, one chunk per tick of
// every (as fast as possible when zero).
func (v *env) produce(l endpointtest.Load, chunks int, every time.Duration) <-chan error {
	done := make(chan error, 1)
	entries := l.Entries()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		n := (len(entries) + chunks - 1) / chunks
		var tick <-chan time.Time
		if every > 0 {
			t := time.NewTicker(every)
			defer t.Stop()
			tick = t.C
		}
		for i := 0; i < len(entries); i += n {
			if tick != nil && i > 0 {
				<-tick
			}
			if err := endpointtest.Put(ctx, v.kc, v.stream, entries[i:min(i+n, len(entries))]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

// waitExact polls the aggregate table until it equals want.
func (v *env) waitExact(want endpointtest.Counts, within time.Duration) {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for {
		d := endpointtest.Diff(want, v.counts())
		if d == "" {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("aggregate table not exact after %v:\n%s", within, d)
		}
		time.Sleep(200 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
}

func TestExactAfterRepeatedKill9(t *testing.T) {
	forEachRetrievalInParallel(t, testExactAfterRepeatedKill9)
}

func testExactAfterRepeatedKill9(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 4, endpointtest.Options{})
	produced := v.produce(endpointtest.Load{Events: 40000, AggregateEvery: 5, AggregateSize: 30, MalformedRate: 0.01, Seed: 2}, 40, 250*time.Millisecond)
	rng := rand.New(rand.NewPCG(7, 7))
	const kills = 12
	for i := range kills {
		cmd := v.child("worker-killed", false)
		if i == 0 {
			// The kills must land on consumers that have counted, or they
			// test nothing: on a slow or loaded machine the first flush
			// can come later than the random moments below.
			v.waitForCounts(time.Minute)
		}
		// Let it run from 200 ms to 1.4 s: long enough to take leases, read,
		// flush and sometimes checkpoint, then kill it wherever it is.
		time.Sleep(time.Duration(200+rng.IntN(1200)) * time.Millisecond) // the random moment of the kill, not a wait for anything
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("consumer %d exited cleanly before it was killed", i)
		}
	}
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	// The killed consumers must have done real work, or the kills tested nothing.
	if before := v.counts().Total(); before == 0 {
		t.Fatal("no consumer wrote any count before being killed")
	} else {
		t.Logf("killed consumers counted %d of %d events", before, want.Total())
	}
	final := v.child("worker-killed", true)
	if err := final.Wait(); err != nil {
		t.Fatalf("final consumer: %v", err)
	}
	v.assertExact(want)
	v.assertReleased()
}

// waitForCounts polls until the aggregate table holds a count.
func (v *env) waitForCounts(within time.Duration) {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for {
		// The table may not exist yet.
		got, err := endpointtest.ScanCounts(context.Background(), v.db, v.table)
		if err == nil && got.Total() > 0 {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("no count written within %v", within)
		}
		time.Sleep(100 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
}

// assertReleased checks that a graceful stop left every lease free.
func (v *env) assertReleased() {
	v.t.Helper()
	tbl := &lease.Table{DB: v.db, Name: v.app}
	ls, err := tbl.List(context.Background())
	if err != nil {
		v.t.Fatal(err)
	}
	for _, l := range ls {
		if l.Owner != "" {
			v.t.Fatalf("lease %s still owned by %s after a graceful stop", l.Key, l.Owner)
		}
	}
}

func TestExactWithThreeWorkersOneKilledOneAdded(t *testing.T) {
	forEachRetrievalInParallel(t, testExactWithThreeWorkersOneKilledOneAdded)
}

func testExactWithThreeWorkersOneKilledOneAdded(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 6, endpointtest.Options{})
	produced := v.produce(endpointtest.Load{Events: 30000, Seed: 3}, 60, 50*time.Millisecond)
	a, b, c := v.child("worker-a", false), v.child("worker-b", false), v.child("worker-c", false)
	v.waitOwners(3)
	if err := b.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	d := v.child("worker-d", false)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	// worker-b's leases expire after the failover time and are taken over.
	v.waitExact(want, 60*time.Second)
	owners := v.waitOwners(3)
	if owners["worker-b"] != 0 {
		t.Fatalf("the killed worker still owns leases: %v", owners)
	}
	for _, p := range []*exec.Cmd{a, c, d} {
		p.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range []*exec.Cmd{a, c, d} {
		if err := p.Wait(); err != nil {
			t.Fatalf("graceful stop: %v", err)
		}
	}
	v.assertExact(want)
	v.assertReleased()
}

// waitOwners waits until n distinct live workers hold leases, and returns
// the lease count per owner.
func (v *env) waitOwners(n int) map[string]int {
	v.t.Helper()
	tbl := &lease.Table{DB: v.db, Name: v.app}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ls, err := tbl.List(context.Background())
		owners := map[string]int{}
		if err == nil {
			for _, l := range ls {
				if l.Owner != "" {
					owners[l.Owner]++
				}
			}
		}
		if len(owners) == n {
			return owners
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("lease owners %v, want %d workers", owners, n)
		}
		time.Sleep(100 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
}

func TestExactAcrossSplitAndMerge(t *testing.T) {
	forEachRetrievalInParallel(t, testExactAcrossSplitAndMerge)
}

func testExactAcrossSplitAndMerge(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 2, endpointtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := v.options()
	var logs lockedBuffer // the shard ends' log lines
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, err := consume.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.Run(ctx) }()

	load := endpointtest.Load{Events: 30000, AggregateEvery: 9, AggregateSize: 10, Seed: 4}
	entries := load.Entries()
	third := len(entries) / 3
	put := func(part []kinesisEntry) {
		if err := endpointtest.Put(ctx, v.kc, v.stream, part); err != nil {
			t.Fatal(err)
		}
	}
	put(entries[:third])
	// Split shard 0 in the middle of its hash range: shards 2 and 3.
	shards := v.listShards()
	lo, _ := new(big.Int).SetString(aws.ToString(shards[0].HashKeyRange.StartingHashKey), 10)
	hi, _ := new(big.Int).SetString(aws.ToString(shards[0].HashKeyRange.EndingHashKey), 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
	if _, err := v.kc.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(v.stream), ShardToSplit: shards[0].ShardId, NewStartingHashKey: aws.String(mid.String())}); err != nil {
		t.Fatal(err)
	}
	if err := endpointtest.WaitStream(ctx, v.kc, v.stream); err != nil {
		t.Fatal(err)
	}
	put(entries[third : 2*third])
	// Merge the upper half of shard 0 (shard 3) with shard 1: shard 4.
	if _, err := v.kc.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(v.stream), ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	if err := endpointtest.WaitStream(ctx, v.kc, v.stream); err != nil {
		t.Fatal(err)
	}
	put(entries[2*third:])
	want, _ := v.expected()
	v.waitExact(want, 90*time.Second)
	cancel()
	wg.Wait()
	v.assertExact(want)
	tbl := &lease.Table{DB: v.db, Name: v.app}
	ls, _ := tbl.List(context.Background())
	byKey := map[string]lease.Lease{}
	for _, l := range ls {
		byKey[l.Key] = l
	}
	for _, id := range []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000003"} {
		if !byKey[id].Finished() {
			t.Errorf("closed shard %s has checkpoint %q, want SHARD_END", id, byKey[id].Checkpoint)
		}
	}
	if got := byKey["shardId-000000000004"].Parents; len(got) != 2 {
		t.Errorf("merged shard's parents = %v, want two", got)
	}
	// A shard read to its end gives its lease up; that is no loss.
	if text := logs.String(); strings.Count(text, "shard finished") != 3 || strings.Contains(text, "whose lease was lost") {
		t.Errorf("the consumer's log at the shard ends:\n%s", text)
	}
}

// lockedBuffer is a bytes.Buffer that goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type kinesisEntry = ktypesPutRecordsRequestEntry

func (v *env) listShards() []ktypesShard {
	v.t.Helper()
	out, err := v.kc.ListShards(context.Background(), &kinesis.ListShardsInput{StreamName: aws.String(v.stream)})
	if err != nil {
		v.t.Fatal(err)
	}
	return out.Shards
}

func TestExactAfterReplayFromOldCheckpoint(t *testing.T) {
	forEachRetrievalInParallel(t, testExactAfterReplayFromOldCheckpoint)
}

func testExactAfterReplayFromOldCheckpoint(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 3, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 15000, AggregateEvery: 4, AggregateSize: 20, Seed: 5})
	want, _ := v.expected()
	v.runUntilCaughtUp(v.options())
	v.assertExact(want)
	// Move every checkpoint back: to TRIM_HORIZON for one shard, to the
	// middle of an aggregated record for the others.
	tbl := &lease.Table{DB: v.db, Name: v.app}
	ls, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		cp, sub := lease.TrimHorizon, int64(0)
		if i > 0 {
			cp, sub = v.aggregatedSequence(l.Key), 7
		}
		_, err := v.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName:        aws.String(v.app),
			Key:              map[string]dtypes.AttributeValue{"leaseKey": &dtypes.AttributeValueMemberS{Value: l.Key}},
			UpdateExpression: aws.String("SET checkpoint = :cp, checkpointSubSequenceNumber = :sub, leaseCounter = leaseCounter + :one"),
			ExpressionAttributeValues: map[string]dtypes.AttributeValue{
				":cp": &dtypes.AttributeValueMemberS{Value: cp}, ":sub": &dtypes.AttributeValueMemberN{Value: itoa(sub)}, ":one": &dtypes.AttributeValueMemberN{Value: "1"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := v.runUntilCaughtUp(v.options())
	v.assertExact(want)
	if snap := c.Snapshot(); snap.Conflicts == 0 || snap.RecordsIn == 0 {
		t.Fatalf("replay read %d records with %d conflicts; want a replay refused by the watermarks", snap.RecordsIn, snap.Conflicts)
	}
}

func TestExactWithEnforcedLimitsAndFaults(t *testing.T) {
	forEachRetrievalInParallel(t, testExactWithEnforcedLimitsAndFaults)
}

func testExactWithEnforcedLimitsAndFaults(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 4, endpointtest.Options{EnforceLimits: true, FaultRate: 0.05, FaultSeed: 9})
	if v.e.Kind != "spk" {
		t.Skipf("limits and fault injection need spk's endpoint for both APIs; running on %s", v.e.Kind)
	}
	produced := v.produce(endpointtest.Load{Events: 20000, AggregateEvery: 6, AggregateSize: 10, Seed: 6}, 20, 100*time.Millisecond)
	for range 3 {
		cmd := v.child("worker-faults", false)
		time.Sleep(time.Second) // let it work under faults for a while, then kill it wherever it is
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	v.runUntilCaughtUp(v.options())
	v.assertExact(want)
}

// TestSeveralWorkersUntilCaughtUpAllEnd: workers draining one stream
// together with UntilCaughtUp each stop once their own shards are at the
// tip, instead of waiting for ever to hold every shard, and together they
// count every event exactly once.
func TestSeveralWorkersUntilCaughtUpAllEnd(t *testing.T) {
	v := newEnv(t, consume.Polling, 4, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 20000, Seed: 11})
	want, _ := v.expected()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ended := make(chan error, 2)
	for _, id := range []string{"worker-a", "worker-b"} {
		o := v.options()
		o.WorkerID, o.UntilCaughtUp = id, true
		c, err := consume.New(o)
		if err != nil {
			t.Fatal(err)
		}
		go func() { ended <- c.Run(ctx) }()
	}
	for range 2 {
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the workers did not both end within two minutes")
	}
	v.assertExact(want)
}

// expiredShard is a Kinesis API in which one shard has passed the retention
// period, as AWS then shows it: ListShards no longer lists it, and
// GetShardIterator answers ResourceNotFoundException.
type expiredShard struct {
	*kinesis.Client
	gone string
}

func (k expiredShard) ListShards(ctx context.Context, in *kinesis.ListShardsInput, o ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	out, err := k.Client.ListShards(ctx, in, o...)
	if err != nil {
		return out, err
	}
	out.Shards = slices.DeleteFunc(out.Shards, func(s ktypesShard) bool { return aws.ToString(s.ShardId) == k.gone })
	return out, nil
}

func (k expiredShard) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, o ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	if aws.ToString(in.ShardId) == k.gone {
		return nil, &ktypes.ResourceNotFoundException{Message: aws.String("Shard " + k.gone + " in stream does not exist")}
	}
	return k.Client.GetShardIterator(ctx, in, o...)
}

// TestAParentPastRetentionIsFinishedSoItsChildrenAreRead: a parent shard
// whose lease was not finished when it passed the retention period (a
// consumer down for longer than that across a split) is finished as at its
// end, as the Kinesis Client Library does, instead of retried for ever
// while its children wait.
func TestAParentPastRetentionIsFinishedSoItsChildrenAreRead(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	ctx := context.Background()
	v.put(endpointtest.Load{Events: 500, Seed: 21})
	v.runUntilCaughtUp(v.options()) // shard 0's lease: checkpointed, not finished
	parent := v.listShards()[0]
	lo, _ := new(big.Int).SetString(aws.ToString(parent.HashKeyRange.StartingHashKey), 10)
	hi, _ := new(big.Int).SetString(aws.ToString(parent.HashKeyRange.EndingHashKey), 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
	if _, err := v.kc.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(v.stream), ShardToSplit: parent.ShardId, NewStartingHashKey: aws.String(mid.String())}); err != nil {
		t.Fatal(err)
	}
	if err := endpointtest.WaitStream(ctx, v.kc, v.stream); err != nil {
		t.Fatal(err)
	}
	v.put(endpointtest.Load{Events: 500, Seed: 22}) // into the children
	want, _ := v.expected()

	o := v.options()
	o.Kinesis = expiredShard{Client: v.kc, gone: aws.ToString(parent.ShardId)}
	v.runUntilCaughtUp(o)
	v.assertExact(want)
	l, ok, err := (&lease.Table{DB: v.db, Name: v.app}).Get(ctx, aws.ToString(parent.ShardId))
	if err != nil || !ok || !l.Finished() || len(l.Children) != 2 {
		t.Fatalf("the expired parent's lease: %+v %v %v, want SHARD_END with its two children", l, ok, err)
	}
}
