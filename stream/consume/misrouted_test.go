package consume_test

import (
	"context"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/kpl"
)

// TestMisroutedAggregateIsDroppedWhole: a KPL producer with a stale shard
// map puts an aggregate whose records partly hash into another shard, then
// puts every record of it again to its own shard. The consumer drops the
// whole aggregate, as the KCL does, so each event counts once; counting the
// aggregate's records that do hash into its shard would count them twice.
func TestMisroutedAggregateIsDroppedWhole(t *testing.T) {
	forEachRetrieval(t, testMisroutedAggregateIsDroppedWhole)
}

func testMisroutedAggregateIsDroppedWhole(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 2, endpointtest.Options{})
	shards := v.listShards()
	lo1, _ := new(big.Int).SetString(aws.ToString(shards[1].HashKeyRange.StartingHashKey), 10)

	entries := endpointtest.Load{Events: 10, Seed: 7}.Entries()
	records := make([]kpl.Record, len(entries))
	inShard0 := 0
	for i, e := range entries {
		records[i] = kpl.Record{PartitionKey: aws.ToString(e.PartitionKey), Data: e.Data}
		if k, _ := kpl.HashKey(records[i].PartitionKey, ""); k.Cmp(lo1) < 0 {
			inShard0++
		}
	}
	if inShard0 == 0 || inShard0 == len(records) {
		t.Fatalf("the load's %d records hash %d into the first shard; the test needs some in each", len(records), inShard0)
	}
	aggs, err := kpl.Aggregate(records, 0)
	if err != nil || len(aggs) != 1 {
		t.Fatalf("aggregate: %d, %v", len(aggs), err)
	}
	// The aggregate goes to the second shard whatever its records' keys.
	if _, err := v.kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(v.stream),
		PartitionKey: aws.String(aggs[0].PartitionKey), ExplicitHashKey: aws.String(lo1.String()), Data: aggs[0].Data}); err != nil {
		t.Fatal(err)
	}
	v.put(endpointtest.Load{Events: 10, Seed: 7}) // sent again, each to its shard

	want, _ := v.expected()
	if want.Total() != int64(len(records)) {
		t.Fatalf("the reference drain counts %d events, want the %d put", want.Total(), len(records))
	}
	c := v.runUntilCaughtUp(v.options())
	v.assertExact(want)
	if s := c.Snapshot(); s.Misrouted != 1 || s.RecordsIn != uint64(len(records)) {
		t.Fatalf("misrouted aggregates %d, records in %d; want 1 and %d", s.Misrouted, s.RecordsIn, len(records))
	}
}

// misroutedAggregate puts, to the second shard, an aggregate of the load's
// records (some of which hash into the first shard), then every record
// again to its own shard, as a KPL producer with a stale shard map does;
// it returns the records.
func (v *env) misroutedAggregate(load endpointtest.Load, edit func(i int, r *kpl.Record)) []kpl.Record {
	v.t.Helper()
	lo1, _ := new(big.Int).SetString(aws.ToString(v.listShards()[1].HashKeyRange.StartingHashKey), 10)
	entries := load.Entries()
	records := make([]kpl.Record, len(entries))
	for i, e := range entries {
		records[i] = kpl.Record{PartitionKey: aws.ToString(e.PartitionKey), Data: e.Data}
		if edit != nil {
			edit(i, &records[i])
		}
	}
	aggs, err := kpl.Aggregate(records, 0)
	if err != nil || len(aggs) != 1 {
		v.t.Fatalf("aggregate: %d, %v", len(aggs), err)
	}
	if _, err := v.kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(v.stream),
		PartitionKey: aws.String(aggs[0].PartitionKey), ExplicitHashKey: aws.String(lo1.String()), Data: aggs[0].Data}); err != nil {
		v.t.Fatal(err)
	}
	v.put(load)
	return records
}

// TestAnAggregateOfAHashKeyOutsideTheSpaceIsDroppedWhole: an explicit hash
// key that is no number in 0..2^128-1 (a hand-rolled producer's) hashes
// into no shard; such an aggregate was counted whole, where the KCL drops
// it as an aggregate of records of another shard.
func TestAnAggregateOfAHashKeyOutsideTheSpaceIsDroppedWhole(t *testing.T) {
	for _, key := range []string{"340282366920938463463374607431768211456", "-1", "x"} {
		t.Run(key, func(t *testing.T) {
			v := newEnv(t, consume.Polling, 2, endpointtest.Options{})
			load := endpointtest.Load{Events: 4, Seed: 8}
			// Every other record is routed into the shard the aggregate
			// goes to.
			inShard1 := v.listShards()[1].HashKeyRange.StartingHashKey
			records := v.misroutedAggregate(load, func(i int, r *kpl.Record) {
				r.ExplicitHashKey = aws.ToString(inShard1)
				if i == 1 {
					r.ExplicitHashKey = key
				}
			})
			want, _ := v.expected()
			c := v.runUntilCaughtUp(v.options())
			v.assertExact(want)
			if s := c.Snapshot(); s.Misrouted != 1 || s.RecordsIn != uint64(len(records)) {
				t.Fatalf("misrouted aggregates %d, records in %d; want 1 and %d", s.Misrouted, s.RecordsIn, len(records))
			}
		})
	}
}

// firstListingHides is a Kinesis API whose first ListShards leaves one
// shard out, as a worker's last listing does before a reshard it has not
// seen: another worker made the new shard's lease, and this one took it.
type firstListingHides struct {
	*kinesis.Client
	hidden string
	listed atomic.Bool
}

func (k *firstListingHides) ListShards(ctx context.Context, in *kinesis.ListShardsInput, o ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	out, err := k.Client.ListShards(ctx, in, o...)
	if err == nil && !k.listed.Swap(true) {
		out.Shards = slices.DeleteFunc(out.Shards, func(s ktypesShard) bool { return aws.ToString(s.ShardId) == k.hidden })
	}
	return out, err
}

// TestAShardTakenBeforeItIsListedChecksItsAggregates: a worker that took
// the lease of a shard it had not listed yet (a child whose lease another
// worker made after a reshard) read it with no hash key range, and counted
// a misrouted KPL aggregate whose records the producer then sent again:
// twice. The shards are listed before such a shard is read.
func TestAShardTakenBeforeItIsListedChecksItsAggregates(t *testing.T) {
	v := newEnv(t, consume.Polling, 2, endpointtest.Options{})
	v.runUntilCaughtUp(v.options()) // both shards' leases, made and handed back
	records := v.misroutedAggregate(endpointtest.Load{Events: 10, Seed: 7}, nil)
	want, _ := v.expected()
	o := v.options()
	o.Kinesis = &firstListingHides{Client: v.kc, hidden: aws.ToString(v.listShards()[1].ShardId)}
	c := v.runUntilCaughtUp(o)
	v.assertExact(want)
	if s := c.Snapshot(); s.Misrouted != 1 || s.RecordsIn != uint64(len(records)) {
		t.Fatalf("misrouted aggregates %d, records in %d; want 1 and %d", s.Misrouted, s.RecordsIn, len(records))
	}
}

// TestCorruptAggregateIsSaidSo: a record that starts with the KPL magic but
// whose digest does not match is read as one plain record (and rejected, not
// being JSON), with a warning that names it a corrupted aggregate.
func TestCorruptAggregateIsSaidSo(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	aggs, err := kpl.Aggregate([]kpl.Record{{PartitionKey: "a", Data: []byte(`{}`)}, {PartitionKey: "b", Data: []byte(`{}`)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := aggs[0].Data
	data[len(data)-1] ^= 0xff // the digest no longer matches
	if _, err := v.kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(v.stream), PartitionKey: aws.String("a"), Data: data}); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	o := v.options()
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c := v.runUntilCaughtUp(o)
	if s := c.Snapshot(); s.RecordsIn != 1 || s.Rejected != 1 {
		t.Fatalf("records in %d, rejected %d; want 1 and 1", s.RecordsIn, s.Rejected)
	}
	if !strings.Contains(logs.String(), "starts as a KPL aggregate but its MD5 digest does not match") {
		t.Fatalf("no warning about the corrupted aggregate in:\n%s", logs.String())
	}
}
