package kinesis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
)

// TestDescribeStreamAnswersAtMost100Shards: a Limit over 100 still answers
// at most 100 shards, with HasMoreShards, as Kinesis does; a program that
// never pages then misses shards against spk as it would against AWS.
func TestDescribeStreamAnswersAtMost100Shards(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "describe-limit-cap")
	name := uniqueName("wide")
	tg.createActive(t, name, 101)
	out, err := tg.client.DescribeStream(context.Background(), &kinesis.DescribeStreamInput{StreamName: &name, Limit: aws.Int32(5000)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.StreamDescription.Shards); n != 100 || !aws.ToBool(out.StreamDescription.HasMoreShards) {
		t.Fatalf("Limit 5000 answered %d shards, HasMoreShards %v; want 100 and true", n, aws.ToBool(out.StreamDescription.HasMoreShards))
	}
}

// TestListShardsNextTokenRules: a ListShards NextToken names the stream and
// where the next page starts, so ExclusiveStartShardId and
// StreamCreationTimestamp are refused beside it; it expires after 300
// seconds; and a StreamCreationTimestamp of another stream of that name is
// not this stream.
func TestListShardsNextTokenRules(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "list-shards-token")
	ctx := context.Background()
	name := uniqueName("paged")
	tg.createActive(t, name, 3)
	first, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %+v %v", first, err)
	}
	refused := func(what string, in *kinesis.ListShardsInput, code, msg string) {
		t.Helper()
		_, err := tg.client.ListShards(ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
			t.Errorf("%s: %v, want %s %q", what, err, code, msg)
		}
	}
	refused("a start shard beside the token", &kinesis.ListShardsInput{NextToken: first.NextToken, ExclusiveStartShardId: aws.String("shardId-000000000001")},
		"InvalidArgumentException", "NextToken and ExclusiveStartShardId cannot be provided together.")
	refused("a creation time beside the token", &kinesis.ListShardsInput{NextToken: first.NextToken, StreamCreationTimestamp: aws.Time(time.Now())},
		"InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
	refused("another stream's creation time", &kinesis.ListShardsInput{StreamName: &name, StreamCreationTimestamp: aws.Time(time.Unix(86400, 0))},
		"ResourceNotFoundException", "Stream "+name+" under account 000000000000 not found.")
	next, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{NextToken: first.NextToken, MaxResults: aws.Int32(1)})
	if err != nil || len(next.Shards) != 1 || aws.ToString(next.Shards[0].ShardId) != "shardId-000000000001" {
		t.Fatalf("second page: %+v %v", next, err)
	}
	if tg.clock == nil {
		return // a peer's clock cannot be moved
	}
	tg.clock.advance(301 * time.Second)
	defer tg.clock.advance(-301 * time.Second)
	refused("a token 301 seconds old", &kinesis.ListShardsInput{NextToken: next.NextToken},
		"ExpiredNextTokenException", "The NextToken has expired: tokens are valid for 300 seconds.")
}
