package consume_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// listCounter counts the consumer's ListShards calls, and notes how many
// came before its first GetShardIterator.
type listCounter struct {
	*kinesis.Client
	lists       atomic.Int32
	beforeReads atomic.Int32 // -1 until the first GetShardIterator
}

func (c *listCounter) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, o ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	c.beforeReads.CompareAndSwap(-1, c.lists.Load())
	return c.Client.GetShardIterator(ctx, in, o...)
}

func (c *listCounter) ListShards(ctx context.Context, in *kinesis.ListShardsInput, o ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	c.lists.Add(1)
	return c.Client.ListShards(ctx, in, o...)
}

// Start-up lists the shards once: the listing that checks the stream
// before any table is created also makes the first leases.
func TestStartUpListsShardsOnce(t *testing.T) {
	e := endpointtest.Start(t, endpointtest.Options{})
	kc, db := e.Clients()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := endpointtest.CreateStream(ctx, kc, "listed-once", 3); err != nil {
		t.Fatal(err)
	}
	counter := &listCounter{Client: kc}
	counter.beforeReads.Store(-1)
	c, err := consume.New(consume.Options{
		Kinesis: counter, DynamoDB: db,
		Stream: "listed-once", Table: "listed-once-counts", App: "listed-once-app",
		// Caught up means all three shards were leased and read to their
		// ends; no periodic sync comes within the run.
		UntilCaughtUp:     true,
		ShardSyncInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := counter.beforeReads.Load(); n != 1 {
		t.Fatalf("the consumer called ListShards %d times before its first read of a 3-shard stream, want 1", n)
	}
	if got := len(c.Snapshot().Shards); got != 3 {
		t.Fatalf("the consumer leased %d shards, want 3", got)
	}
}

// lateLister holds every ListShards after the first until its context
// ends, then until the test lets it go (or a bound passes), and notes
// whether one returned after Run had.
type lateLister struct {
	*kinesis.Client
	calls       atomic.Int32
	release     chan struct{}
	runReturned atomic.Bool
	late        atomic.Bool
	returned    chan struct{} // one for each held call that returned
}

func (l *lateLister) ListShards(ctx context.Context, in *kinesis.ListShardsInput, o ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	if l.calls.Add(1) == 1 {
		return l.Client.ListShards(ctx, in, o...)
	}
	<-ctx.Done()
	select {
	case <-l.release:
	case <-time.After(3 * time.Second): // Run is waiting for this call: end it
	}
	if l.runReturned.Load() {
		l.late.Store(true)
	}
	l.returned <- struct{}{}
	return nil, ctx.Err()
}

// Run returns only after its shard sync has: nothing lists shards,
// creates leases or logs after Run returned.
func TestRunWaitsForItsShardSync(t *testing.T) {
	t.Parallel() // it waits out the lister's bound
	e := endpointtest.Start(t, endpointtest.Options{})
	kc, db := e.Clients()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := endpointtest.CreateStream(ctx, kc, "synced", 1); err != nil {
		t.Fatal(err)
	}
	lister := &lateLister{Client: kc, release: make(chan struct{}), returned: make(chan struct{}, 16)}
	c, err := consume.New(consume.Options{
		Kinesis: lister, DynamoDB: db,
		Stream: "synced", Table: "synced-counts", App: "synced-app",
		ShardSyncInterval: 10 * time.Millisecond,
		Duration:          time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	lister.runReturned.Store(true)
	close(lister.release)
	if lister.calls.Load() < 2 {
		t.Fatal("no periodic shard sync ran; the test tested nothing")
	}
	<-lister.returned // the held call, now returned
	if lister.late.Load() {
		t.Fatal("a shard sync's ListShards returned after Run had")
	}
}
