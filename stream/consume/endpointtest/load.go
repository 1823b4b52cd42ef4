package endpointtest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/uuid"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/kpl"
)

// Types are the tutorial's event types.
var Types = []string{"Red", "Orange", "Yellow", "Green", "Blue"}

// CreateStream creates a stream and waits until it is active.
func CreateStream(ctx context.Context, kc *kinesis.Client, name string, shards int32) error {
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	return WaitStream(ctx, kc, name)
}

// WaitStream polls until the stream is ACTIVE.
func WaitStream(ctx context.Context, kc *kinesis.Client, name string) error {
	for {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for stream %s: %w (last error %v)", name, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Event is a tutorial event.
func Event(ts time.Time, typ string) []byte {
	return []byte(`{"timestamp": "` + ts.UTC().Format("2006-01-02T15:04:05.000000") + `", "type": "` + typ + `", "id": "` + uuid.NewString() + `"}`)
}

// Load describes generated records.
type Load struct {
	Events         int     // events to put
	MalformedRate  float64 // fraction of events replaced by a malformed record
	AggregateEvery int     // every Nth PutRecords entry is a KPL aggregate of AggregateSize events; 0 for none
	AggregateSize  int
	Start          time.Time     // first event time; events spread over Spread
	Spread         time.Duration // time covered by the events' timestamps
	Seed           uint64
}

// Malformed lists the kinds of bad records a load mixes in.
var Malformed = [][]byte{
	[]byte(`not json at all`),
	[]byte(`{"type":"Red"}`),
	[]byte(`{"timestamp":"05/06/2015 12:54","type":"Red"}`),
	[]byte(`{"timestamp":"2015-06-05T12:54:43"}`),
}

// Entries builds the PutRecords entries of a load.
func (l Load) Entries() []types.PutRecordsRequestEntry {
	rng := rand.New(rand.NewPCG(l.Seed, l.Seed^0x5eed))
	if l.Start.IsZero() {
		l.Start = time.Date(2015, 6, 5, 12, 54, 0, 0, time.UTC)
	}
	if l.Spread == 0 {
		l.Spread = 5 * time.Minute
	}
	event := func(i int) []byte {
		if l.MalformedRate > 0 && rng.Float64() < l.MalformedRate {
			return Malformed[rng.IntN(len(Malformed))]
		}
		ts := l.Start.Add(time.Duration(int64(i) * int64(l.Spread) / int64(max(l.Events, 1))))
		return Event(ts, Types[rng.IntN(len(Types))])
	}
	var out []types.PutRecordsRequestEntry
	for i := 0; i < l.Events; {
		pk := strconv.FormatUint(rng.Uint64(), 36)
		if l.AggregateEvery > 0 && len(out)%l.AggregateEvery == l.AggregateEvery-1 {
			var recs []kpl.Record
			for j := 0; j < l.AggregateSize && i < l.Events; j++ {
				recs = append(recs, kpl.Record{PartitionKey: pk, Data: event(i)})
				i++
			}
			aggs, err := kpl.Aggregate(recs, 0)
			if err != nil {
				panic(err)
			}
			for _, a := range aggs {
				out = append(out, types.PutRecordsRequestEntry{PartitionKey: aws.String(pk), Data: a.Data})
			}
			continue
		}
		out = append(out, types.PutRecordsRequestEntry{PartitionKey: aws.String(pk), Data: event(i)})
		i++
	}
	return out
}

// Put sends entries in PutRecords batches of up to 500, retrying failed
// entries until every one is acknowledged.
func Put(ctx context.Context, kc *kinesis.Client, stream string, entries []types.PutRecordsRequestEntry) error {
	for len(entries) > 0 {
		n := min(500, len(entries))
		batch := entries[:n]
		for len(batch) > 0 {
			out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: batch})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				time.Sleep(50 * time.Millisecond) // backoff before retrying the whole batch
				continue
			}
			var retry []types.PutRecordsRequestEntry
			for i, r := range out.Records {
				if r.ErrorCode != nil {
					retry = append(retry, batch[i])
				}
			}
			batch = retry
			if len(retry) > 0 {
				time.Sleep(20 * time.Millisecond) // backoff before retrying throttled entries
			}
		}
		entries = entries[n:]
	}
	return nil
}

// Counts are aggregate rows and their counts.
type Counts map[bucket.Key]int64

// Total is the sum of the counts.
func (c Counts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// Diff describes how got differs from want, or is empty.
func Diff(want, got Counts) string {
	var keys []bucket.Key
	seen := map[bucket.Key]bool{}
	for k := range want {
		keys, seen[k] = append(keys, k), true
	}
	for k := range got {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Start+keys[i].Group < keys[j].Start+keys[j].Group })
	var s string
	for _, k := range keys {
		if want[k] != got[k] {
			s += fmt.Sprintf("  %s %s: want %d, got %d\n", k.Start, k.Group, want[k], got[k])
		}
	}
	if s != "" {
		s = fmt.Sprintf("total want %d got %d\n", want.Total(), got.Total()) + s
	}
	return s
}

// Drain reads every record of every shard, as an independent reference:
// de-aggregating, dropping sub-records outside their shard's hash range and
// bucketing as the consumer should. It returns the expected counts and the
// number of records that must be rejected.
func Drain(ctx context.Context, kc *kinesis.Client, stream string, b *bucket.Bucketer) (Counts, int, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		out, err := kc.ListShards(ctx, in)
		if err != nil {
			return nil, 0, err
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	counts, rejected := Counts{}, 0
	for _, s := range shards {
		lo, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: s.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, 0, err
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				var throttled *types.ProvisionedThroughputExceededException
				if errors.As(err, &throttled) {
					time.Sleep(200 * time.Millisecond) // the per-shard read limit
					continue
				}
				return nil, 0, err
			}
			for _, r := range out.Records {
				subs, agg, err := kpl.Deaggregate(r.Data)
				if err != nil {
					rejected++
					continue
				}
				if agg && !allInRange(subs, lo, hi) {
					continue // the KCL drops the whole aggregate
				}
				for _, sub := range subs {
					key, err := b.Key(sub.Data)
					if err != nil {
						rejected++
						continue
					}
					counts[key]++
				}
			}
			if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 && s.SequenceNumberRange.EndingSequenceNumber == nil {
				break // open shard read to its tip
			}
			iter = out.NextShardIterator
		}
	}
	return counts, rejected, nil
}

// allInRange reports whether every record of an aggregate hashes into
// [lo, hi]; an explicit hash key outside the hash key space hashes into
// no shard.
func allInRange(subs []kpl.Record, lo, hi *big.Int) bool {
	for _, sub := range subs {
		k, err := kpl.HashKey(sub.PartitionKey, sub.ExplicitHashKey)
		if err != nil || k.Cmp(lo) < 0 || k.Cmp(hi) > 0 {
			return false
		}
	}
	return true
}

// ScanCounts reads the aggregate table.
func ScanCounts(ctx context.Context, db *dynamodb.Client, table string) (Counts, error) {
	counts := Counts{}
	var start map[string]dtypes.AttributeValue
	for {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), ExclusiveStartKey: start})
		if err != nil {
			return nil, err
		}
		for _, item := range out.Items {
			k := bucket.Key{Start: item["BucketStart"].(*dtypes.AttributeValueMemberS).Value, Group: item["EventType"].(*dtypes.AttributeValueMemberS).Value}
			n, _ := strconv.ParseInt(item["Count"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
			counts[k] = n
		}
		if len(out.LastEvaluatedKey) == 0 {
			return counts, nil
		}
		start = out.LastEvaluatedKey
	}
}
