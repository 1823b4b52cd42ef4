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

// listCounter counts the consumer's ListShards calls.
type listCounter struct {
	*kinesis.Client
	lists atomic.Int32
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
	c, err := consume.New(consume.Options{
		Kinesis: counter, DynamoDB: db,
		Stream: "listed-once", Table: "listed-once-counts", App: "listed-once-app",
		// Long enough to take the three leases; no periodic sync comes
		// within it.
		Duration:          500 * time.Millisecond,
		ShardSyncInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := counter.lists.Load(); n != 1 {
		t.Fatalf("the consumer called ListShards %d times to start on a 3-shard stream, want 1", n)
	}
	if got := len(c.Snapshot().Shards); got != 3 {
		t.Fatalf("the consumer leased %d shards, want 3", got)
	}
}
