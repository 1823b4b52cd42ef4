package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/spk-cli/spk/provision/local"
)

// The tests here move an endpoint's clock over hours: shards roll over
// every four hours of wall time, iterators expire after fifteen minutes and
// records, closed shards and disabled streams after a day.

type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// clockEndpoint starts an in-memory endpoint of its own on a clock the
// test moves; tables are ACTIVE at once.
func clockEndpoint(t *testing.T, mutate ...func(*local.Options)) (*dynamodb.Client, *dynamodbstreams.Client, *testClock) {
	t.Helper()
	if peer != "" {
		t.Skip("moves spk's clock")
	}
	clk := &testClock{}
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.InMemory = true
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = -1, -1, -1
	opts.Now = clk.Now
	for _, f := range mutate {
		f(&opts)
	}
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return clientFor(srv.URL()), streamsClientFor(srv.URL()), clk
}

func TestStreamShardRollover(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	name, arn := streamTable(t, c, types.StreamViewTypeNewImage)
	put(t, c, name, item{"pk": s("a"), "sk": s("1")})
	clk.Advance(4*time.Hour + time.Minute)
	put(t, c, name, item{"pk": s("a"), "sk": s("2")})

	shards := shardsOf(t, sc, arn)
	if len(shards) != 2 {
		t.Fatalf("%d shards after four hours, want 2: %+v", len(shards), shards)
	}
	parent, child := shards[0], shards[1]
	if parent.SequenceNumberRange.EndingSequenceNumber == nil || child.SequenceNumberRange.EndingSequenceNumber != nil ||
		child.ParentShardId == nil || *child.ParentShardId != *parent.ShardId ||
		*child.SequenceNumberRange.StartingSequenceNumber <= *parent.SequenceNumberRange.EndingSequenceNumber {
		t.Fatalf("parent %+v, child %+v", parent, child)
	}
	out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator(t, sc, arn, *parent.ShardId, stypes.ShardIteratorTypeTrimHorizon, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || strOf(t, dynItem(out.Records[0].Dynamodb.Keys)["sk"]) != "1" || out.NextShardIterator != nil {
		t.Fatalf("closed parent shard read: %d records, next iterator %v", len(out.Records), out.NextShardIterator)
	}
	recs := readShard(t, sc, iterator(t, sc, arn, *child.ShardId, stypes.ShardIteratorTypeTrimHorizon, nil), 0)
	if len(recs) != 1 || strOf(t, dynItem(recs[0].Dynamodb.Keys)["sk"]) != "2" {
		t.Fatalf("child shard records %+v", recs)
	}

	// A consumer at a closed shard's end asks for its children only, as
	// the DynamoDB Streams Kinesis Adapter does: the open child has none.
	childrenOf := func(id string) []string {
		t.Helper()
		out, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn),
			ShardFilter: &stypes.ShardFilter{Type: stypes.ShardFilterTypeChildShards, ShardId: aws.String(id)}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sh := range out.StreamDescription.Shards {
			ids = append(ids, *sh.ShardId)
		}
		return ids
	}
	if got := childrenOf(*parent.ShardId); len(got) != 1 || got[0] != *child.ShardId {
		t.Fatalf("children of the closed shard: %v, want [%s]", got, *child.ShardId)
	}
	if got := childrenOf(*child.ShardId); len(got) != 0 {
		t.Fatalf("children of the open shard: %v, want none", got)
	}
}

// readClosedShard follows a closed shard as the KCL does, until its
// iterator ends, and returns its records' sort keys; twenty pages without
// an end fail the test.
func readClosedShard(t *testing.T, sc *dynamodbstreams.Client, iter *string) []string {
	t.Helper()
	var sks []string
	for range 20 {
		out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Records {
			sks = append(sks, strOf(t, dynItem(r.Dynamodb.Keys)["sk"]))
		}
		if out.NextShardIterator == nil {
			return sks
		}
		iter = out.NextShardIterator
	}
	t.Fatalf("a closed shard never ended (records so far %v)", sks)
	return nil
}

// Sequence numbers are shared by every stream of the endpoint, so a closed
// shard's ending number may lie past its last record, or it may have none:
// it still ends once its records are read.
func TestClosedStreamShardsEndWhenTheirRecordsAreRead(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	a, arnA := streamTable(t, c, types.StreamViewTypeNewImage)
	b, arnB := streamTable(t, c, types.StreamViewTypeNewImage)
	empty, arnEmpty := streamTable(t, c, types.StreamViewTypeNewImage)
	put(t, c, a, item{"pk": s("a"), "sk": s("1")})
	put(t, c, b, item{"pk": s("b"), "sk": s("1")}) // a number past a's last record
	clk.Advance(4*time.Hour + time.Minute)
	put(t, c, a, item{"pk": s("a"), "sk": s("2")})     // a's first shard closes
	put(t, c, empty, item{"pk": s("e"), "sk": s("1")}) // empty's first shard closed with nothing in it
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(b),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		what, arn string
		want      string
	}{
		{"a closed shard whose end is another stream's number", arnA, "[1]"},
		{"a shard closed empty", arnEmpty, "[]"},
		{"the shard of a disabled stream", arnB, "[1]"},
	} {
		first := *shardsOf(t, sc, tc.arn)[0].ShardId
		if got := fmt.Sprint(readClosedShard(t, sc, iterator(t, sc, tc.arn, first, stypes.ShardIteratorTypeTrimHorizon, nil))); got != tc.want {
			t.Errorf("%s: records %s, want %s", tc.what, got, tc.want)
		}
	}
}

// DescribeStream pages on after the shard a page ended with, even when
// that shard expired between the two calls.
func TestDescribeStreamPagesPastAnExpiredShard(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	name, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	put(t, c, name, item{"pk": s("a"), "sk": s("1")})
	clk.Advance(4*time.Hour + time.Minute)
	put(t, c, name, item{"pk": s("a"), "sk": s("2")}) // the first shard closes
	page, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	first := page.StreamDescription.LastEvaluatedShardId
	if first == nil || len(page.StreamDescription.Shards) != 1 || *page.StreamDescription.Shards[0].ShardId != *first {
		t.Fatalf("first page %+v", page.StreamDescription)
	}
	clk.Advance(24*time.Hour + time.Minute) // the first shard expires
	next, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: first})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.StreamDescription.Shards) == 0 || *next.StreamDescription.Shards[0].ShardId <= *first {
		t.Fatalf("the page after expired shard %s: %+v", *first, next.StreamDescription.Shards)
	}
}

func TestStreamIteratorExpiry(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	_, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	iter := iterator(t, sc, arn, *shardsOf(t, sc, arn)[0].ShardId, stypes.ShardIteratorTypeTrimHorizon, nil)
	clk.Advance(14 * time.Minute)
	if _, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter}); err != nil {
		t.Fatalf("a 14-minute-old iterator: %v", err)
	}
	clk.Advance(2 * time.Minute)
	_, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
	var exp *stypes.ExpiredIteratorException
	if !errors.As(err, &exp) || !strings.HasPrefix(exp.ErrorMessage(), "Iterator expired. The iterator was created at time ") ||
		!strings.HasSuffix(exp.ErrorMessage(), " which is further in the future than the tolerated delay of 900000 milliseconds.") {
		t.Fatalf("a 16-minute-old iterator: %v", err)
	}
}

func TestStreamRetention(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	name, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	put(t, c, name, item{"pk": s("old"), "sk": s("1")})
	shard := *shardsOf(t, sc, arn)[0].ShardId
	first := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeTrimHorizon, nil), 0)
	if len(first) != 1 {
		t.Fatalf("%d records", len(first))
	}
	clk.Advance(24*time.Hour - time.Minute)
	iter := iterator(t, sc, arn, shard, stypes.ShardIteratorTypeTrimHorizon, nil)
	clk.Advance(2 * time.Minute)
	const trimmedMsg = "The data you are trying to access has been trimmed"
	var tr *stypes.TrimmedDataAccessException
	if _, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter}); !errors.As(err, &tr) || tr.ErrorMessage() != trimmedMsg {
		t.Fatalf("reading a trimmed position: %v", err)
	}
	_, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard),
		ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: first[0].Dynamodb.SequenceNumber})
	if !errors.As(err, &tr) {
		t.Fatalf("an iterator at a trimmed sequence number: %v", err)
	}
	if recs := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeTrimHorizon, nil), 0); len(recs) != 0 {
		t.Fatalf("TRIM_HORIZON after retention read %d records", len(recs))
	}

	// A disabled stream stays readable for a day, then is gone.
	put(t, c, name, item{"pk": s("new"), "sk": s("1")})
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(23 * time.Hour)
	if recs := readStream(t, sc, arn); len(recs) != 1 || strOf(t, dynItem(recs[0].Dynamodb.Keys)["pk"]) != "new" {
		t.Fatalf("disabled stream after 23 hours: %+v", recs)
	}
	clk.Advance(2 * time.Hour)
	list, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)})
	if err != nil || len(list.Streams) != 0 {
		t.Fatalf("ListStreams a day after disabling: %+v %v", list, err)
	}
	var rnf *stypes.ResourceNotFoundException
	if _, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}); !errors.As(err, &rnf) {
		t.Fatalf("DescribeStream a day after disabling: %v", err)
	}
}

func TestStreamTTLRecord(t *testing.T) {
	c, sc, clk := clockEndpoint(t)
	name, arn := streamTable(t, c, types.StreamViewTypeOldImage)
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}); err != nil {
		t.Fatal(err)
	}
	key := item{"pk": s("t"), "sk": s("1")}
	put(t, c, name, item{"pk": s("t"), "sk": s("1"), "exp": n(strconv.FormatInt(clk.Now().Add(time.Minute).Unix(), 10))})
	clk.Advance(2 * time.Minute)
	deadline := time.Now().Add(15 * time.Second)
	for get(t, c, name, key) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the expired item was not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	recs := readStream(t, sc, arn)
	if len(recs) != 2 || recs[0].UserIdentity != nil || recs[1].EventName != stypes.OperationTypeRemove {
		t.Fatalf("records %+v", recs)
	}
	id := recs[1].UserIdentity
	if id == nil || *id.PrincipalId != "dynamodb.amazonaws.com" || *id.Type != "Service" || recs[1].Dynamodb.OldImage == nil {
		t.Fatalf("TTL removal record: identity %+v, old image %v", id, recs[1].Dynamodb.OldImage)
	}
}

func TestStreamStatusTransitions(t *testing.T) {
	// Tables are ACTIVE at once but UpdateTable's change lasts an hour of
	// the test's clock, so the stream's transitions can be watched.
	c, sc, clk := clockEndpoint(t, func(o *local.Options) { o.UpdateDelay = time.Hour })
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *up.TableDescription.LatestStreamArn
	if got := streamStatus(t, sc, arn); got != stypes.StreamStatusEnabling {
		t.Fatalf("a stream just enabled is %s, want ENABLING", got)
	}
	clk.Advance(time.Hour)
	if got := streamStatus(t, sc, arn); got != stypes.StreamStatusEnabled {
		t.Fatalf("an hour later the stream is %s, want ENABLED", got)
	}
}

func TestStreamDisablingStatus(t *testing.T) {
	c, sc, clk := clockEndpoint(t, func(o *local.Options) { o.DeleteDelay = time.Hour })
	name, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	if got := streamStatus(t, sc, arn); got != stypes.StreamStatusEnabled {
		t.Fatalf("stream %s, want ENABLED", got)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if got := streamStatus(t, sc, arn); got != stypes.StreamStatusDisabling {
		t.Fatalf("the stream of a table being deleted is %s, want DISABLING", got)
	}
	clk.Advance(time.Hour)
	if got := streamStatus(t, sc, arn); got != stypes.StreamStatusDisabled {
		t.Fatalf("an hour later the stream is %s, want DISABLED", got)
	}
}
