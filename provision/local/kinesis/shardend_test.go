package kinesis_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestClosedShardEndsAtTheShardsLargestSequenceNumber: a closed shard's
// EndingSequenceNumber is, as on AWS, the largest the shard could have had,
// which no record reaches: a reader that waits for a record to equal it
// waits for ever on AWS, and now here too. AFTER it is refused in AWS's
// words; AT it reads the shard's end: no records, no next iterator, the
// children.
func TestClosedShardEndsAtTheShardsLargestSequenceNumber(t *testing.T) {
	tg := newTarget(t)
	if tg.peer != "" {
		t.Skip("the peers end a closed shard at a record's sequence number (kinesis-local) or answer other words")
	}
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	last := tg.put(t, name, "p", "last")
	if _, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter)}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	end := tg.shards(t, name)[0].SequenceNumberRange.EndingSequenceNumber
	if end == nil || seqInt(t, *end).Cmp(seqInt(t, *last.SequenceNumber)) <= 0 {
		t.Fatalf("EndingSequenceNumber %v, want one above the last record's %s", end, *last.SequenceNumber)
	}
	if want := new(big.Int).SetUint64(1<<63 - 1); new(big.Int).Mod(seqInt(t, *end), new(big.Int).Exp(big.NewInt(10), big.NewInt(34), nil)).Cmp(want) != 0 {
		t.Fatalf("EndingSequenceNumber %s does not end in the shard's largest counter", *end)
	}
	_, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: end})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid SequenceNumber for ShardIteratorType AFTER_SEQUENCE_NUMBER, SequenceNumber has reached max possible value for the shard.")
	it, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: end})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 0 || out.NextShardIterator != nil || len(out.ChildShards) != 2 {
		t.Fatalf("at the end: %d records, next %v, %d children; want none, none, 2", len(out.Records), out.NextShardIterator, len(out.ChildShards))
	}
}
