package consume_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestFanOutRenewsSubscriptions runs a fan-out consumer while events arrive
// for several subscription lifetimes (one second here, five minutes on AWS):
// every shard's subscription is renewed again and again, often refused for a
// while first (Kinesis refuses a renewal within five seconds of the last
// one), and the counts stay exact, so no renewal skipped or repeated a record.
// The stream consumer outlives the run and the next run uses it.
func TestFanOutRenewsSubscriptions(t *testing.T) {
	v := newEnv(t, consume.FanOut, 2, endpointtest.Options{SubscriptionLifetime: time.Second})
	c, err := consume.New(v.options())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	// 8 s of events, a chunk every 200 ms.
	produced := v.produce(endpointtest.Load{Events: 8000, AggregateEvery: 5, AggregateSize: 10, Seed: 11}, 40, 200*time.Millisecond)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	v.waitExact(want, 60*time.Second)
	cancel()
	wg.Wait()
	v.assertExact(want)
	v.assertReleased()
	assertPagesBack(t, c)

	snap := c.Snapshot()
	if snap.Retrieval != "fanout" {
		t.Fatalf("snapshot retrieval %q, want fanout", snap.Retrieval)
	}
	// Two shards over at least 8 s of one-second subscriptions, each renewal
	// at most ~5 s apart: at least two subscriptions each.
	if snap.Subscriptions < 4 {
		t.Fatalf("%d subscriptions over 2 shards and 8 s of 1 s subscriptions; want renewals", snap.Subscriptions)
	}
	for _, s := range snap.Shards {
		if s.MillisBehind < 0 {
			t.Fatalf("shard %s has no MillisBehindLatest from its events", s.ID)
		}
	}

	// The consumer stays registered, and a second run (another worker)
	// reuses it: no second consumer, nothing counted twice.
	consumers := v.streamConsumers()
	if len(consumers) != 1 || aws.ToString(consumers[0].ConsumerName) != v.app || consumers[0].ConsumerStatus != ktypes.ConsumerStatusActive {
		t.Fatalf("stream consumers after a stop: %+v; want %s, ACTIVE", consumers, v.app)
	}
	o := v.options()
	o.WorkerID = "second-run"
	v.runUntilCaughtUp(o)
	v.assertExact(want)
	if again := v.streamConsumers(); len(again) != 1 || aws.ToString(again[0].ConsumerARN) != aws.ToString(consumers[0].ConsumerARN) {
		t.Fatalf("stream consumers after a second run: %+v; want the first one reused", again)
	}
}

// TestFanOutRenewsBeforeKinesisEndsSubscriptions: with subscriptions that
// the endpoint would keep for 5 minutes, the consumer replaces each one
// after it has read it for a while (here 5.5 s, past Kinesis's 5 seconds
// between subscriptions), the new one taking over from the old; counts stay
// exact.
func TestFanOutRenewsBeforeKinesisEndsSubscriptions(t *testing.T) {
	v := newEnv(t, consume.FanOut, 2, endpointtest.Options{})
	c, err := consume.New(v.options())
	if err != nil {
		t.Fatal(err)
	}
	consume.SetRenewAfter(c, 5500*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	// 8 s of events, a chunk every 200 ms.
	produced := v.produce(endpointtest.Load{Events: 4000, Seed: 12}, 40, 200*time.Millisecond)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	v.waitExact(want, 60*time.Second)
	cancel()
	wg.Wait()
	v.assertExact(want)
	if n := c.Snapshot().Subscriptions; n < 4 {
		t.Fatalf("%d subscriptions over 2 shards and 8 s with renewal after 5.5 s; want each shard's renewed", n)
	}
}

// streamConsumers lists the stream's registered consumers.
func (v *env) streamConsumers() []ktypes.Consumer {
	v.t.Helper()
	ctx := context.Background()
	sum, err := v.kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(v.stream)})
	if err != nil {
		v.t.Fatal(err)
	}
	out, err := v.kc.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: sum.StreamDescriptionSummary.StreamARN})
	if err != nil {
		v.t.Fatal(err)
	}
	return out.Consumers
}
