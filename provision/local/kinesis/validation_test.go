package kinesis_test

// Request validation as Kinesis does it: every violated member in one
// ValidationException, in Kinesis's order and words, before any stream is
// looked up; Kinesis's SerializationException texts; loose shard ids; the
// account shard limit; tag rules; SequenceNumberForOrdering; the body of
// operations without output; the x-amz-id-2 header; StreamARN.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/fxamacker/cbor/v2"

	local "github.com/spk-cli/spk/provision/local"
)

// rawCase is one hand-made request and the error Kinesis answers it with.
type rawCase struct {
	name, op, body string
	typ, msg       string // msg "" means no message at all
	skip           string // peerSkips id of a peer known to differ here
}

// wantRawError posts a JSON request and compares status 400, __type and
// the whole message.
func (tg *target) wantRawError(t *testing.T, op, body, typ, msg string) {
	t.Helper()
	resp, b := tg.rawPost(t, "Kinesis_20131202."+op, "application/x-amz-json-1.1", []byte(body))
	tg.checkErrorBody(t, resp.StatusCode, b, json.Unmarshal, typ, msg)
}

func (tg *target) checkErrorBody(t *testing.T, status int, b []byte, unmarshal func([]byte, any) error, typ, msg string) {
	t.Helper()
	if status != 400 {
		t.Fatalf("status %d, want 400 (body %q)", status, b)
	}
	var got map[string]string
	if err := unmarshal(b, &got); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	if got["__type"] != typ {
		t.Fatalf("__type %q, want %q (message %q)", got["__type"], typ, got["message"]+got["Message"])
	}
	if tg.differs(t, "messages") {
		return
	}
	if m := got["message"] + got["Message"]; m != msg {
		t.Fatalf("message\n got %q\nwant %q", m, msg)
	}
}

func (tg *target) runRawCases(t *testing.T, cases []rawCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" && tg.differs(t, c.skip) {
				return
			}
			tg.wantRawError(t, c.op, c.body, c.typ, c.msg)
		})
	}
}

const (
	namePattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
	minLen1     = "Member must have length greater than or equal to 1"
)

func violation(value, field, constraint string) string {
	if value != "null" {
		value = "'" + value + "'"
	}
	return "Value " + value + " at '" + field + "' failed to satisfy constraint: " + constraint
}

func violations(v ...string) string {
	s := "s"
	if len(v) == 1 {
		s = ""
	}
	return fmt.Sprintf("%d validation error%s detected: %s", len(v), s, strings.Join(v, "; "))
}

// TestValidationBeforeLookup: a request naming a stream that does not
// exist is still answered ValidationException when a member is invalid.
func TestValidationBeforeLookup(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "validation-before-lookup")
	missing := uniqueName("missing")
	tg.runRawCases(t, []rawCase{
		{"DescribeStream Limit 0", "DescribeStream", `{"StreamName":"` + missing + `","Limit":0}`, "ValidationException",
			violations(violation("0", "limit", "Member must have value greater than or equal to 1")), ""},
		{"ListShards MaxResults 0", "ListShards", `{"StreamName":"` + missing + `","MaxResults":0}`, "ValidationException",
			violations(violation("0", "maxResults", "Member must have value greater than or equal to 1")), ""},
		{"GetShardIterator bad type", "GetShardIterator", `{"StreamName":"` + missing + `","ShardId":"shardId-000000000000","ShardIteratorType":"OLDEST"}`, "ValidationException",
			violations(violation("OLDEST", "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")), ""},
		{"PutRecord empty partition key", "PutRecord", `{"StreamName":"` + missing + `","PartitionKey":"","Data":"eA=="}`, "ValidationException",
			violations(violation("", "partitionKey", minLen1)), ""},
		{"PutRecords no records", "PutRecords", `{"StreamName":"` + missing + `","Records":[]}`, "ValidationException",
			violations(violation("[]", "records", minLen1)), ""},
		{"MergeShards missing adjacent", "MergeShards", `{"StreamName":"` + missing + `","ShardToMerge":"shardId-000000000000"}`, "ValidationException",
			violations(violation("null", "adjacentShardToMerge", "Member must not be null")), ""},
		{"ListTagsForStream Limit 0", "ListTagsForStream", `{"StreamName":"` + missing + `","Limit":0}`, "ValidationException",
			violations(violation("0", "limit", "Member must have value greater than or equal to 1")), ""},
		{"IncreaseStreamRetentionPeriod missing hours", "IncreaseStreamRetentionPeriod", `{"StreamName":"` + missing + `"}`, "ValidationException",
			violations(violation("null", "retentionPeriodHours", "Member must not be null")), ""},
		{"valid request, missing stream", "DescribeStream", `{"StreamName":"` + missing + `","Limit":1}`, "ResourceNotFoundException",
			"Stream " + missing + " under account " + account + " not found.", ""},
	})
}

// TestValidationAllMembers: one ValidationException names every violated
// member, in the order Kinesis reports them.
func TestValidationAllMembers(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "validation-all-members")
	long := strings.Repeat("a", 129)
	tg.runRawCases(t, []rawCase{
		{"CreateStream", "CreateStream", `{"StreamName":"a b","ShardCount":0}`, "ValidationException", violations(
			violation("0", "shardCount", "Member must have value greater than or equal to 1"),
			violation("a b", "streamName", namePattern)), ""},
		{"empty stream name fails pattern and length", "DescribeStreamSummary", `{"StreamName":""}`, "ValidationException", violations(
			violation("", "streamName", namePattern),
			violation("", "streamName", minLen1)), ""},
		{"long stream name", "DeleteStream", `{"StreamName":"` + long + `"}`, "ValidationException", violations(
			violation(long, "streamName", "Member must have length less than or equal to 128")), ""},
		{"PutRecord", "PutRecord", `{"StreamName":"a b","PartitionKey":"","ExplicitHashKey":"1x","Data":"eA==","SequenceNumberForOrdering":"x"}`, "ValidationException", violations(
			violation("x", "sequenceNumberForOrdering", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"),
			violation("", "partitionKey", minLen1),
			violation("1x", "explicitHashKey", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"),
			violation("a b", "streamName", namePattern)), ""},
		{"leading zero", "PutRecord", `{"StreamName":"s","PartitionKey":"p","ExplicitHashKey":"01","Data":"eA=="}`, "ValidationException", violations(
			violation("01", "explicitHashKey", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})")), "validation-decimal-anchor"},
		{"PutRecord missing members", "PutRecord", `{"StreamName":"s"}`, "ValidationException", violations(
			violation("null", "partitionKey", "Member must not be null"),
			violation("null", "data", "Member must not be null")), ""},
		{"PutRecords missing partition key", "PutRecords", `{"StreamName":"s","Records":[{"Data":"eA=="},{"PartitionKey":"","Data":"eA=="}]}`, "ValidationException", violations(
			violation("null", "records.1.member.partitionKey", "Member must not be null"),
			violation("", "records.2.member.partitionKey", minLen1)), ""},
		{"PutRecords entries", "PutRecords", `{"StreamName":"s","Records":[{"PartitionKey":"p","Data":"eA=="},{"PartitionKey":"","ExplicitHashKey":"x","Data":"eA=="}]}`, "ValidationException", violations(
			violation("", "records.2.member.partitionKey", minLen1),
			violation("x", "records.2.member.explicitHashKey", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})")), ""},
		{"DescribeStream", "DescribeStream", `{"StreamName":"a b","Limit":10001,"ExclusiveStartShardId":"a b"}`, "ValidationException", violations(
			violation("10001", "limit", "Member must have value less than or equal to 10000"),
			violation("a b", "exclusiveStartShardId", namePattern),
			violation("a b", "streamName", namePattern)), ""},
		{"GetShardIterator", "GetShardIterator", `{"StreamName":"a b","ShardId":"","ShardIteratorType":"NOPE","StartingSequenceNumber":"x"}`, "ValidationException", violations(
			violation("", "shardId", namePattern),
			violation("", "shardId", minLen1),
			violation("NOPE", "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"),
			violation("x", "startingSequenceNumber", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"),
			violation("a b", "streamName", namePattern)), ""},
		{"GetShardIterator nulls", "GetShardIterator", `{"StreamName":"s"}`, "ValidationException", violations(
			violation("null", "shardId", "Member must not be null"),
			violation("null", "shardIteratorType", "Member must not be null")), ""},
		{"GetRecords", "GetRecords", `{"Limit":0}`, "ValidationException", violations(
			violation("0", "limit", "Member must have value greater than or equal to 1"),
			violation("null", "shardIterator", "Member must not be null")), ""},
		{"SplitShard", "SplitShard", `{"StreamName":"a b","ShardToSplit":"a b","NewStartingHashKey":"x"}`, "ValidationException", violations(
			violation("x", "newStartingHashKey", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"),
			violation("a b", "streamName", namePattern),
			violation("a b", "shardToSplit", namePattern)), ""},
		{"MergeShards", "MergeShards", `{"StreamName":"a b","ShardToMerge":"a b","AdjacentShardToMerge":"c d"}`, "ValidationException", violations(
			violation("a b", "shardToMerge", namePattern),
			violation("c d", "adjacentShardToMerge", namePattern),
			violation("a b", "streamName", namePattern)), ""},
		{"ListShards", "ListShards", `{"StreamName":"a b","MaxResults":0,"ExclusiveStartShardId":"a b"}`, "ValidationException", violations(
			violation("a b", "exclusiveStartShardId", namePattern),
			violation("0", "maxResults", "Member must have value greater than or equal to 1"),
			violation("a b", "streamName", namePattern)), ""},
		{"ListStreams", "ListStreams", `{"Limit":0,"ExclusiveStartStreamName":"a b"}`, "ValidationException", violations(
			violation("0", "limit", "Member must have value greater than or equal to 1"),
			violation("a b", "exclusiveStartStreamName", namePattern)), ""},
	})
}

// TestValidationSerialization: bodies Kinesis cannot read.
func TestValidationSerialization(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "validation-serialization")
	const (
		number = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
		object = "Start of structure or map found where not expected."
		list   = "Start of list found where not expected"
	)
	se := "SerializationException"
	tg.runRawCases(t, []rawCase{
		{"malformed", "ListStreams", `{nope`, se, "", ""},
		{"empty body", "ListStreams", ``, se, "", ""},
		{"number for a string", "DescribeStream", `{"StreamName":1}`, se, number + "an String", ""},
		{"bool for a string", "DescribeStream", `{"StreamName":true}`, se, "class java.lang.Boolean can not be converted to an String", ""},
		{"object for a string", "DescribeStream", `{"StreamName":{}}`, se, object, ""},
		{"list for a string", "DescribeStream", `{"StreamName":[]}`, se, list, ""},
		{"string for an integer", "ListStreams", `{"Limit":"ten"}`, se, "class java.lang.String can not be converted to an Integer", ""},
		{"bool for an integer", "ListStreams", `{"Limit":false}`, se, "class java.lang.Boolean can not be converted to an Integer", ""},
		{"string for a map", "AddTagsToStream", `{"StreamName":"s","Tags":"x"}`, se, "Expected map or null", ""},
		{"list for a map", "AddTagsToStream", `{"StreamName":"s","Tags":[]}`, se, list, ""},
		{"number in a map", "AddTagsToStream", `{"StreamName":"s","Tags":{"a":1}}`, se, number + "an String", ""},
		{"string for a list", "PutRecords", `{"StreamName":"s","Records":"x"}`, se, "Expected list or null", ""},
		{"object for a list", "PutRecords", `{"StreamName":"s","Records":{}}`, se, object, ""},
		{"string for a structure", "PutRecords", `{"StreamName":"s","Records":["x"]}`, se, "Expected null", ""},
		{"number in a structure", "PutRecords", `{"StreamName":"s","Records":[{"PartitionKey":2,"Data":"eA=="}]}`, se, number + "an String", ""},
		{"blob length", "PutRecord", `{"StreamName":"s","PartitionKey":"p","Data":"abc"}`, se,
			"'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3", "validation-serialization-blob"},
		{"blob character", "PutRecord", `{"StreamName":"s","PartitionKey":"p","Data":"ab!="}`, se,
			"'ab!=' can not be converted to a Blob: Invalid Base64 character: '!'", "validation-serialization-blob"},
		{"number for a blob", "PutRecord", `{"StreamName":"s","PartitionKey":"p","Data":12}`, se, number + "a Blob", ""},
		{"string for a timestamp", "ListShards", `{"StreamName":"s","StreamCreationTimestamp":"yesterday"}`, se,
			"class java.lang.String can not be converted to milliseconds since epoch", ""},
		{"first offending member in document order", "CreateStream", `{"ShardCount":"x","StreamName":1}`, se,
			"class java.lang.String can not be converted to an Integer", ""},
	})
	t.Run("Message key", func(t *testing.T) {
		if tg.differs(t, "validation-serialization-key") {
			return
		}
		_, body := tg.rawPost(t, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", []byte(`{"Limit":"ten"}`))
		if !strings.Contains(string(body), `"Message":`) {
			t.Fatalf("SerializationException body %s: want the message under \"Message\"", body)
		}
	})
	t.Run("fractional integer is truncated", func(t *testing.T) {
		if tg.differs(t, "validation-serialization-truncate") {
			return
		}
		resp, body := tg.rawPost(t, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", []byte(`{"Limit":1.9}`))
		if resp.StatusCode != 200 {
			t.Fatalf("Limit 1.9: status %d %s, want 200", resp.StatusCode, body)
		}
	})
	t.Run("an exponent past any number", func(t *testing.T) {
		if tg.differs(t, "validation-serialization-truncate") {
			return
		}
		// Capped as any large Integer is, not a server error.
		resp, body := tg.rawPost(t, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", []byte(`{"Limit":1e999999999}`))
		if resp.StatusCode != 400 || !strings.Contains(string(body), "Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000") {
			t.Fatalf("Limit 1e999999999: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("CBOR", func(t *testing.T) {
		if tg.differs(t, "validation-serialization-cbor") {
			return
		}
		b, _ := cbor.Marshal(map[string]any{"StreamName": 1})
		resp, body := tg.rawPost(t, "Kinesis_20131202.DescribeStream", "application/x-amz-cbor-1.1", b)
		tg.checkErrorBody(t, resp.StatusCode, body, cbor.Unmarshal, se, number+"an String")
	})
}

// TestValidationLooseShardIDs: "1", "anything-1" and "shardId-1" name
// shardId-000000000001, and messages name the canonical id.
func TestValidationLooseShardIDs(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "loose-shard-ids")
	name := uniqueName("events")
	tg.createActive(t, name, 2)
	ctx := context.Background()
	put, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), ExplicitHashKey: aws.String("340282366920938463463374607431768211455"), Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1", "anything-1", "shardId-1", "shardId-000000000001", "00001"} {
		t.Run(id, func(t *testing.T) {
			it := tg.iterator(t, name, id, types.ShardIteratorTypeTrimHorizon, nil)
			out := tg.getRecords(t, it, 0)
			if len(out.Records) != 1 || *out.Records[0].SequenceNumber != *put.SequenceNumber {
				t.Fatalf("shard %q: %d records, want the one put to shardId-000000000001", id, len(out.Records))
			}
		})
	}
	t.Run("missing shard named canonically", func(t *testing.T) {
		_, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("x-7"), ShardIteratorType: types.ShardIteratorTypeLatest})
		wantAPIError(t, err, "ResourceNotFoundException", "Shard shardId-000000000007 in stream "+name+" under account "+account+" does not exist")
	})
	t.Run("not a shard id", func(t *testing.T) {
		_, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("abc"), ShardIteratorType: types.ShardIteratorTypeLatest})
		wantAPIError(t, err, "ResourceNotFoundException", "Could not find shard abc in stream "+name+" under account "+account+".")
	})
	t.Run("ListShards ExclusiveStartShardId", func(t *testing.T) {
		if tg.differs(t, "loose-shard-ids-list") {
			return
		}
		out, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, ExclusiveStartShardId: aws.String("0")})
		if err != nil {
			t.Fatal(err)
		}
		if got := shardIDs(out.Shards); got != "[shardId-000000000001]" {
			t.Fatalf("shards after \"0\": %s", got)
		}
	})
	t.Run("SplitShard", func(t *testing.T) {
		_, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shard-9"), NewStartingHashKey: aws.String("12345")})
		wantAPIError(t, err, "ResourceNotFoundException", "Could not find shard shardId-000000000009 in stream "+name+" under account "+account+".")
		if _, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String("12345")}); err != nil {
			t.Fatal(err)
		}
		tg.waitStatus(t, name, types.StreamStatusActive)
		for _, sh := range tg.shards(t, name) {
			if *sh.ShardId == "shardId-000000000000" && sh.SequenceNumberRange.EndingSequenceNumber == nil {
				t.Fatal("shard \"0\" was not split")
			}
		}
	})
	t.Run("MergeShards", func(t *testing.T) {
		// shardId-000000000003, the upper child of the split, borders shardId-000000000001.
		if _, err := tg.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &name, ShardToMerge: aws.String("3"), AdjacentShardToMerge: aws.String("anything-1")}); err != nil {
			t.Fatal(err)
		}
		tg.waitStatus(t, name, types.StreamStatusActive)
		_, err := tg.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &name, ShardToMerge: aws.String("2"), AdjacentShardToMerge: aws.String("shardId-9")})
		wantAPIError(t, err, "ResourceNotFoundException", "Could not find shard shardId-000000000009 in stream "+name+" under account "+account+".")
	})
	t.Run("ListShards ShardFilter", func(t *testing.T) {
		if tg.differs(t, "K20-filter") || tg.differs(t, "loose-shard-ids-list") {
			return
		}
		out, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shard-3")}})
		if err != nil {
			t.Fatal(err)
		}
		if got := shardIDs(out.Shards); got != "[shardId-000000000004]" {
			t.Fatalf("shards after \"shard-3\": %s", got)
		}
	})
}

// TestValidationShardLimit: the account's open shards are limited (AWS's
// quota for the region by default, Options.ShardLimit otherwise).
func TestValidationShardLimit(t *testing.T) {
	tg := newTarget(t)
	if tg.peer != "" {
		t.Skip("the peers run with a raised shard limit so that other cases can create streams freely")
	}
	limitMsg := func(current, limit, more int) string {
		return fmt.Sprintf("This request would exceed the shard limit for the account %s in us-east-1. Current shard count for the account: %d. Limit: %d. "+
			"Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page "+
			"(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.", account, current, limit, more)
	}
	ctx := context.Background()
	t.Run("default 20000 in us-east-1", func(t *testing.T) {
		_, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("huge"), ShardCount: aws.Int32(100000)})
		wantAPIError(t, err, "LimitExceededException", limitMsg(0, 20000, 100000))
	})
	t.Run("default 1000 in other regions", func(t *testing.T) {
		srv := startLocal(t, func(o *local.Options) { o.Region = "eu-central-1" })
		c := newClient(srv.URL(), "AKIAFAKE", "secret")
		_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(1001)})
		wantAPIError(t, err, "LimitExceededException", strings.Replace(limitMsg(0, 1000, 1001), "us-east-1", "eu-central-1", 1))
	})
	srv := startLocal(t, func(o *local.Options) { o.ShardLimit, o.CreateDelay, o.UpdateDelay = 5, -1, -1 })
	tgl := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
	tgl.createActive(t, "a", 2)
	tgl.createActive(t, "b", 2)
	_, err := tgl.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("c"), ShardCount: aws.Int32(2)})
	wantAPIError(t, err, "LimitExceededException", limitMsg(4, 5, 2))
	_, err = tgl.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("a"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	wantAPIError(t, err, "LimitExceededException", limitMsg(4, 5, 2))
	if _, err := tgl.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("a"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String("12345")}); err != nil {
		t.Fatalf("split to the limit: %v", err)
	}
	tgl.waitStatus(t, "a", types.StreamStatusActive)
	_, err = tgl.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("b"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String("12345")})
	wantAPIError(t, err, "LimitExceededException", limitMsg(5, 5, 1))
}

// TestValidationTags: tag counts, lengths and alphabet.
func TestValidationTags(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "validation-tags")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	tags := func(n int, prefix string) string {
		var kv []string
		for i := 0; i < n; i++ {
			kv = append(kv, fmt.Sprintf(`"%s%03d":"v"`, prefix, i))
		}
		return "{" + strings.Join(kv, ",") + "}"
	}
	rendered := func(n int, prefix string) string {
		var kv []string
		for i := 0; i < n; i++ {
			kv = append(kv, fmt.Sprintf("%s%03d=v", prefix, i))
		}
		return "{" + strings.Join(kv, ", ") + "}"
	}
	long := strings.Repeat("k", 129)
	tg.runRawCases(t, []rawCase{
		{"201 tags in one call", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":` + tags(201, "k") + `}`, "ValidationException",
			violations(violation(rendered(201, "k"), "tags", "Member must have length less than or equal to 200")), "validation-tags-per-call"},
		{"no tags", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{}}`, "ValidationException",
			violations(violation("{}", "tags", minLen1)), ""},
		{"long key", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{"` + long + `":"v"}}`, "ValidationException",
			violations(violation("{"+long+"=v}", "tags", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")), ""},
		{"long value", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{"k":"` + strings.Repeat("v", 257) + `"}}`, "ValidationException",
			violations(violation("{k="+strings.Repeat("v", 257)+"}", "tags", "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]")), ""},
		{"control character", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{"k":"a\tb"}}`, "InvalidArgumentException",
			"Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.", "validation-tags-control"},
		{"reserved prefix", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{"aws:owner":"me"}}`, "InvalidArgumentException",
			"Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.", ""},
		{"percent", "AddTagsToStream", `{"StreamName":"` + name + `","Tags":{"k":"50%"}}`, "InvalidArgumentException",
			"Failed to add tags to stream " + name + " under account " + account + " because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.", ""},
		{"RemoveTagsFromStream no keys", "RemoveTagsFromStream", `{"StreamName":"` + name + `","TagKeys":[]}`, "ValidationException",
			violations(violation("[]", "tagKeys", minLen1)), ""},
	})
	t.Run("50 per stream", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			tg.wantOK(t, "AddTagsToStream", `{"StreamName":"`+name+`","Tags":`+tags(10, fmt.Sprintf("t%d-", i))+`}`)
		}
		if !tg.differs(t, "validation-tags-per-call") {
			// Fifty in one call to a new stream are fine; one more is the
			// stream's limit, not the call's.
			fifty := uniqueName("tags50")
			tg.createActive(t, fifty, 1)
			tg.wantOK(t, "AddTagsToStream", `{"StreamName":"`+fifty+`","Tags":`+tags(50, "f")+`}`)
		}
		if tg.differs(t, "validation-tags-stream-limit") {
			return
		}
		tg.wantRawError(t, "AddTagsToStream", `{"StreamName":"`+name+`","Tags":{"one-more":"v"}}`, "InvalidArgumentException",
			"Failed to add tags to stream "+name+" under account "+account+" because a given stream cannot have more than 50 tags associated with it.")
	})
	t.Run("CreateStream tags", func(t *testing.T) {
		if tg.differs(t, "validation-tags-create") {
			return
		}
		// The API model bounds CreateStream's Tags at 200, as every
		// call's; past 50 is the stream's own limit, and no stream is made.
		tg.wantRawError(t, "CreateStream", `{"StreamName":"x","ShardCount":1,"Tags":`+tags(201, "k")+`}`, "ValidationException",
			violations(violation(rendered(201, "k"), "tags", "Member must have length less than or equal to 200")))
		many := uniqueName("tags51")
		tg.wantRawError(t, "CreateStream", `{"StreamName":"`+many+`","ShardCount":1,"Tags":`+tags(51, "k")+`}`, "InvalidArgumentException",
			"Failed to create stream "+many+" under account "+account+" because a given stream cannot have more than 50 tags associated with it.")
		tg.wantRawError(t, "DescribeStreamSummary", `{"StreamName":"`+many+`"}`, "ResourceNotFoundException",
			"Stream "+many+" under account "+account+" not found.")
	})
	t.Run("TagResource tags", func(t *testing.T) {
		tg.skipOn(t, "resource-tags")
		fifty := uniqueName("rtags50")
		tg.createActive(t, fifty, 1)
		arn := tg.arn(fifty)
		tg.wantRawError(t, "TagResource", `{"ResourceARN":"`+arn+`","Tags":`+tags(201, "k")+`}`, "ValidationException",
			violations(violation(rendered(201, "k"), "tags", "Member must have length less than or equal to 200")))
		tg.wantRawError(t, "TagResource", `{"ResourceARN":"`+arn+`","Tags":`+tags(51, "k")+`}`, "InvalidArgumentException",
			"Failed to add tags to resource "+arn+" under account "+account+" because a given resource cannot have more than 50 tags associated with it.")
		tg.wantOK(t, "TagResource", `{"ResourceARN":"`+arn+`","Tags":`+tags(50, "k")+`}`)
	})
	t.Run("RegisterStreamConsumer tags", func(t *testing.T) {
		tg.skipOn(t, "efo")
		arn := tg.arn(name)
		tg.wantRawError(t, "RegisterStreamConsumer", `{"StreamARN":"`+arn+`","ConsumerName":"c","Tags":{}}`, "ValidationException",
			violations(violation("{}", "tags", minLen1)))
		tg.wantRawError(t, "RegisterStreamConsumer", `{"StreamARN":"`+arn+`","ConsumerName":"c","Tags":`+tags(51, "k")+`}`, "InvalidArgumentException",
			"Failed to register consumer c under account "+account+" because a given consumer cannot have more than 50 tags associated with it.")
		if got := string(tg.wantOK(t, "ListStreamConsumers", `{"StreamARN":"`+arn+`"}`)); got != `{"Consumers":[]}` {
			t.Errorf("a refused consumer was registered: %s", got)
		}
	})
}

// wantOK posts a JSON request that must succeed.
func (tg *target) wantOK(t *testing.T, op, body string) []byte {
	t.Helper()
	resp, b := tg.rawPost(t, "Kinesis_20131202."+op, "application/x-amz-json-1.1", []byte(body))
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d %s", op, resp.StatusCode, b)
	}
	return b
}

// TestValidationSequenceNumberForOrdering: the pattern, and numbers that
// cannot be sequence numbers of the stream.
func TestValidationSequenceNumberForOrdering(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "sequence-number-for-ordering")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	first := tg.put(t, name, "p", "1")
	if _, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("2"), SequenceNumberForOrdering: first.SequenceNumber}); err != nil {
		t.Fatalf("ordering after a sequence number of the stream: %v", err)
	}
	if _, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("3"), SequenceNumberForOrdering: aws.String("0")}); err != nil {
		t.Fatalf("ordering after 0: %v", err)
	}
	huge := strings.Repeat("9", 129)
	tg.runRawCases(t, []rawCase{
		{"pattern", "PutRecord", `{"StreamName":"` + name + `","PartitionKey":"p","Data":"eA==","SequenceNumberForOrdering":"7x"}`, "ValidationException",
			violations(violation("7x", "sequenceNumberForOrdering", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")), ""},
		{"leading zero", "PutRecord", `{"StreamName":"` + name + `","PartitionKey":"p","Data":"eA==","SequenceNumberForOrdering":"007"}`, "ValidationException",
			violations(violation("007", "sequenceNumberForOrdering", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")), "validation-decimal-anchor"},
		{"impossible", "PutRecord", `{"StreamName":"` + name + `","PartitionKey":"p","Data":"eA==","SequenceNumberForOrdering":"` + huge + `"}`, "InvalidArgumentException",
			"ExclusiveMinimumSequenceNumber " + huge + " used in PutRecord on stream " + name + " under account " + account + " is invalid.", ""},
	})
}

// TestValidationNoOutputBody: operations without output answer 200 with an
// empty JSON 1.1 body.
func TestValidationNoOutputBody(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "no-output-body")
	name := uniqueName("events")
	for _, c := range []struct{ op, body string }{
		{"CreateStream", `{"StreamName":"` + name + `","ShardCount":1}`},
	} {
		resp, b := tg.rawPost(t, "Kinesis_20131202."+c.op, "application/x-amz-json-1.1", []byte(c.body))
		if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Fatalf("%s: status %d, content type %q, body %q; want 200, application/x-amz-json-1.1, empty", c.op, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	tg.waitStatus(t, name, types.StreamStatusActive)
	resp, b := tg.rawPost(t, "Kinesis_20131202.AddTagsToStream", "application/x-amz-json-1.1", []byte(`{"StreamName":"`+name+`","Tags":{"a":"b"}}`))
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("AddTagsToStream: status %d body %q, want 200 and empty", resp.StatusCode, b)
	}
}

// TestValidationAmzID2: every Kinesis response, errors included, carries an
// x-amz-id-2 header (random base64, as AWS sends).
func TestValidationAmzID2(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "amz-id-2")
	for _, body := range []string{`{}`, `{"Limit":0}`} {
		resp, _ := tg.rawPost(t, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", []byte(body))
		id := resp.Header.Get("x-amz-id-2")
		if b, err := base64.StdEncoding.DecodeString(id); err != nil || len(b) < 16 {
			t.Fatalf("x-amz-id-2 %q is not a random base64 string", id)
		}
	}
}

// TestValidationStreamARN: StreamARN instead of, or with, StreamName.
func TestValidationStreamARN(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "arn")
	tg.skipOn(t, "validation-stream-arn")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	arn := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	tg.wantOK(t, "DescribeStreamSummary", `{"StreamName":"`+name+`","StreamARN":"`+arn+`"}`)
	tg.runRawCases(t, []rawCase{
		{"neither", "DescribeStreamSummary", `{}`, "ValidationException", "Either StreamName or StreamARN must be provided.", ""},
		{"neither, with another violation", "DescribeStream", `{"Limit":0}`, "ValidationException",
			violations(violation("0", "limit", "Member must have value greater than or equal to 1")), ""},
		{"bad ARN", "DescribeStreamSummary", `{"StreamARN":"stream/x"}`, "ValidationException",
			violations(violation("stream/x", "streamARN", "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")), ""},
		{"ARN of another account", "DescribeStreamSummary", `{"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/` + name + `"}`, "ResourceNotFoundException",
			"Stream " + name + " under account 123456789012 not found.", "arn-other-account"},
		{"ARN of another account, a consumer call", "ListStreamConsumers", `{"StreamARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/` + name + `"}`, "ResourceNotFoundException",
			"Stream " + name + " under account 123456789012 not found.", "arn-other-account"},
		{"both, naming different streams", "DescribeStreamSummary", `{"StreamName":"other","StreamARN":"` + arn + `"}`, "InvalidArgumentException",
			"StreamARN " + arn + " and StreamName other do not name the same stream.", "arn-mismatch"},
	})
}
