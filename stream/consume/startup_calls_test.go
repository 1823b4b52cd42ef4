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
