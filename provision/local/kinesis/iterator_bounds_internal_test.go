package kinesis

import (
	"math"
	"strings"
	"testing"
	"time"
)

// An AFTER_SEQUENCE_NUMBER iterator after the largest counter a sequence
// number can hold is refused, as AWS refuses one at the shard's largest
// sequence number, not wrapped around to the shard's start.
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
	want := "Invalid SequenceNumber for ShardIteratorType AFTER_SEQUENCE_NUMBER, SequenceNumber has reached max possible value for the shard."
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("AFTER_SEQUENCE_NUMBER %s: %d %s, want InvalidArgumentException %q", last, rec.Code, rec.Body, want)
	}
}

// Raising the retention period does not make records that had expired
// readable again, though the trimmer had not deleted them yet.
func TestRaisingRetentionKeepsExpiredRecordsExpired(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("expired")+`"}`, nil)
	clock.advance(23 * time.Hour)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("kept")+`"}`, nil)
	clock.advance(2 * time.Hour) // the first is 25 h old, not yet trimmed
	s.mustCall(t, "IncreaseStreamRetentionPeriod", `{"StreamName":"events","RetentionPeriodHours":48}`, nil)
	var out recordsOut
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, &out)
	var got []string
	for _, r := range out.Records {
		got = append(got, string(r.Data))
	}
	if strings.Join(got, ",") != "kept" {
		t.Fatalf("after raising the retention TRIM_HORIZON reads %v, want only kept", got)
	}
	clock.advance(23 * time.Hour) // kept is 25 h old: within the new period, past the old
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, &out)
	if len(out.Records) != 1 || string(out.Records[0].Data) != "kept" {
		t.Fatalf("25 h after it was put, within the new 48 h, kept is not read: %d records", len(out.Records))
	}
}

// A stream deleted and created again under its name within the same
// millisecond is a new stream: the old one's iterators do not read it.
func TestAStreamRecreatedInTheSameMillisecondIsANewStream(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)} // never moves
	s := newTestService(t, clock.now)
	s.mustCall(t, "CreateStream", `{"StreamName":"again","ShardCount":1}`, nil)
	var it struct{ ShardIterator string }
	s.mustCall(t, "GetShardIterator", `{"StreamName":"again","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`, &it)
	s.mustCall(t, "DeleteStream", `{"StreamName":"again"}`, nil)
	s.mustCall(t, "CreateStream", `{"StreamName":"again","ShardCount":1}`, nil)
	s.mustCall(t, "PutRecord", `{"StreamName":"again","PartitionKey":"p","Data":"`+b64("new")+`"}`, nil)
	rec := s.call("GetRecords", `{"ShardIterator":"`+it.ShardIterator+`"}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "ResourceNotFoundException") {
		t.Fatalf("the deleted stream's iterator on the new stream: %d %s, want ResourceNotFoundException", rec.Code, rec.Body)
	}
}
