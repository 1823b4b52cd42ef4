package consume_test

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/kpl"
)

type (
	ktypesPutRecordsRequestEntry = ktypes.PutRecordsRequestEntry
	ktypesShard                  = ktypes.Shard
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// aggregatedSequence returns the sequence number of an aggregated record in
// the middle of a shard.
func (v *env) aggregatedSequence(shard string) string {
	v.t.Helper()
	ctx := context.Background()
	it, err := v.kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(v.stream), ShardId: aws.String(shard), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		v.t.Fatal(err)
	}
	out, err := v.kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		v.t.Fatal(err)
	}
	var aggs []string
	for _, r := range out.Records {
		if kpl.IsAggregated(r.Data) {
			aggs = append(aggs, aws.ToString(r.SequenceNumber))
		}
	}
	if len(aggs) == 0 {
		v.t.Fatalf("no aggregated record in %s", shard)
	}
	return aggs[len(aggs)/2]
}
