package kinesis

import (
	"math"
	"strings"
	"testing"
)

// An AFTER_SEQUENCE_NUMBER iterator after the largest counter a sequence
// number can hold is refused, not wrapped around to the shard's start.
func TestAfterTheLargestSequenceNumberIsRefused(t *testing.T) {
	s := newTestService(t, nil)
	var put struct{ SequenceNumber string }
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("x")+`"}`, &put)
	seq, ok := parseSeq(put.SequenceNumber)
	if !ok {
		t.Fatalf("parse %s", put.SequenceNumber)
	}
	last := formatSeq(seq.streamCreatedMs, seq.shard, math.MaxUint64)
	rec := s.call("GetShardIterator", `{"StreamName":"events","ShardId":"shardId-000000000000","ShardIteratorType":"AFTER_SEQUENCE_NUMBER","StartingSequenceNumber":"`+last+`"}`)
	want := "StartingSequenceNumber " + last + " used in GetShardIterator on shard shardId-000000000000 in stream events under account 000000000000 is invalid."
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("AFTER_SEQUENCE_NUMBER %s: %d %s, want InvalidArgumentException %q", last, rec.Code, rec.Body, want)
	}
}
