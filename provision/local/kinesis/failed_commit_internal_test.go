package kinesis

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

var errDiskFull = errors.New("no space left on device")

// newSlowService runs the service over an in-memory store with one ACTIVE
// two-shard stream named "events"; updates and deletions take an hour, so
// a test ends them itself with finishTransition.
func newSlowService(t *testing.T) (*Service, *store.DB) {
	t.Helper()
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: time.Now,
		Log: slog.New(slog.DiscardHandler), UpdateDelay: time.Hour, DeleteDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); db.Close() })
	s.mustCall(t, "CreateStream", `{"StreamName":"events","ShardCount":2}`, nil)
	return s, db
}

func (s *Service) summary(t *testing.T, name string) (status string, open int) {
	t.Helper()
	var out struct {
		StreamDescriptionSummary struct {
			StreamStatus   string
			OpenShardCount int
		}
	}
	s.mustCall(t, "DescribeStreamSummary", `{"StreamName":"`+name+`"}`, &out)
	return out.StreamDescriptionSummary.StreamStatus, out.StreamDescriptionSummary.OpenShardCount
}

func wantInternalFailure(t *testing.T, s *Service, op, body string) {
	t.Helper()
	rec := s.call(op, body)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "InternalFailure") {
		t.Fatalf("%s with a failing commit: %d %s, want 500 InternalFailure", op, rec.Code, rec.Body)
	}
}

// A SplitShard whose commit fails leaves the stream ACTIVE, as stored,
// rather than UPDATING in memory with nothing to end it.
func TestAReshardThatFailsToCommitLeavesTheStreamAsItWas(t *testing.T) {
	s, db := newSlowService(t)
	done := db.FailNextCommit(errDiskFull)
	wantInternalFailure(t, s, "SplitShard", `{"StreamName":"events","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"}`)
	<-done
	if status, open := s.summary(t, "events"); status != "ACTIVE" || open != 2 {
		t.Fatalf("after the failed split the stream is %s with %d open shards, want ACTIVE with 2", status, open)
	}
	s.mustCall(t, "SplitShard", `{"StreamName":"events","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"}`, nil)
	if status, _ := s.summary(t, "events"); status != "UPDATING" {
		t.Fatalf("the split tried again left the stream %s, want UPDATING", status)
	}
}

// When the end of a split fails to commit, the stream stays as stored
// (UPDATING, its old shards) and the end is tried again; once it commits,
// every new shard takes records and the closed parent is read to its end,
// even though a put that failed to commit took a counter on it.
func TestASplitWhoseEndFailsToCommitIsTriedAgain(t *testing.T) {
	s, db := newSlowService(t)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("kept")+`"}`, nil)
	done := db.FailNextCommit(errDiskFull)
	wantInternalFailure(t, s, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("lost")+`"}`)
	<-done
	s.mustCall(t, "SplitShard", `{"StreamName":"events","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"}`, nil)

	st := s.lookup("events")
	done = db.FailNextCommit(errDiskFull)
	s.finishTransition(st)
	<-done
	if status, open := s.summary(t, "events"); status != "UPDATING" || open != 2 {
		t.Fatalf("after the failed end of the split the stream is %s with %d open shards, want UPDATING with 2", status, open)
	}
	waitFor(t, "the split to end on its second try", func() bool {
		status, open := s.summary(t, "events")
		return status == "ACTIVE" && open == 3
	})

	var shards struct {
		Shards []struct {
			ShardId             string
			HashKeyRange        struct{ StartingHashKey string }
			SequenceNumberRange struct{ EndingSequenceNumber *string }
		}
	}
	s.mustCall(t, "ListShards", `{"StreamName":"events"}`, &shards)
	for _, sh := range shards.Shards {
		if sh.SequenceNumberRange.EndingSequenceNumber != nil {
			continue
		}
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"`+sh.HashKeyRange.StartingHashKey+`","Data":"`+b64("new")+`"}`, nil)
	}

	it := s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")
	var got []string
	for range 5 {
		var out recordsOut
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+it+`"}`, &out)
		for _, r := range out.Records {
			got = append(got, string(r.Data))
		}
		if out.NextShardIterator == nil {
			if fmt.Sprint(got) != "[kept]" {
				t.Fatalf("the closed parent held %v, want [kept]", got)
			}
			return
		}
		it = *out.NextShardIterator
	}
	t.Fatalf("five GetRecords did not reach the end of the closed parent (records %v)", got)
}

// When the end of a deletion fails to commit, the stream is still there
// (DELETING), so its name cannot be taken; once the deletion is through,
// a new stream of that name starts empty.
func TestADeletionWhoseEndFailsToCommitKeepsTheName(t *testing.T) {
	s, db := newSlowService(t)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("old")+`"}`, nil)
	s.mustCall(t, "DeleteStream", `{"StreamName":"events"}`, nil)
	st := s.lookup("events")
	done := db.FailNextCommit(errDiskFull)
	s.finishTransition(st)
	<-done
	if status, _ := s.summary(t, "events"); status != "DELETING" {
		t.Fatalf("after the failed end of the deletion the stream is %s, want DELETING", status)
	}
	rec := s.call("CreateStream", `{"StreamName":"events","ShardCount":1}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "ResourceInUseException") {
		t.Fatalf("CreateStream of a stream still being deleted: %d %s, want ResourceInUseException", rec.Code, rec.Body)
	}
	waitFor(t, "the deletion to end on its second try", func() bool {
		return s.call("DescribeStreamSummary", `{"StreamName":"events"}`).Code == 400
	})
	s.mustCall(t, "CreateStream", `{"StreamName":"events","ShardCount":1}`, nil)
	var out recordsOut
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, &out)
	if len(out.Records) != 0 {
		t.Fatalf("the new stream shows %d records of the deleted one", len(out.Records))
	}
}

func (s *Service) consumerStatus(t *testing.T, name string) string {
	t.Helper()
	rec := s.call("DescribeStreamConsumer", `{"StreamARN":"`+eventsARN+`","ConsumerName":"`+name+`"}`)
	if rec.Code == 400 && strings.Contains(rec.Body.String(), "ResourceNotFoundException") {
		return "none"
	}
	var out struct {
		ConsumerDescription struct{ ConsumerStatus string }
	}
	if rec.Code != 200 {
		t.Fatalf("DescribeStreamConsumer: %d %s", rec.Code, rec.Body)
	}
	decodeJSON(t, rec.Body.Bytes(), &out)
	return out.ConsumerDescription.ConsumerStatus
}

// A consumer whose registration fails to commit does not exist, so
// registering it again works; one whose deregistration (or its end) fails
// to commit keeps its stored status, and the end is tried again.
func TestConsumerChangesThatFailToCommitLeaveItAsStored(t *testing.T) {
	s, db := newSlowService(t)
	register := `{"StreamARN":"` + eventsARN + `","ConsumerName":"reader"}`
	done := db.FailNextCommit(errDiskFull)
	wantInternalFailure(t, s, "RegisterStreamConsumer", register)
	<-done
	if got := s.consumerStatus(t, "reader"); got != "none" {
		t.Fatalf("after the failed registration the consumer is %s, want none", got)
	}
	s.mustCall(t, "RegisterStreamConsumer", register, nil)
	if got := s.consumerStatus(t, "reader"); got != "ACTIVE" {
		t.Fatalf("registered again, the consumer is %s, want ACTIVE", got)
	}

	done = db.FailNextCommit(errDiskFull)
	wantInternalFailure(t, s, "DeregisterStreamConsumer", register)
	<-done
	if got := s.consumerStatus(t, "reader"); got != "ACTIVE" {
		t.Fatalf("after the failed deregistration the consumer is %s, want ACTIVE", got)
	}
	s.mustCall(t, "DeregisterStreamConsumer", register, nil)
	s.cmu.Lock()
	c := s.consumers[consumerKey("events", "reader")]
	s.cmu.Unlock()
	done = db.FailNextCommit(errDiskFull)
	s.finishConsumerTransition(c)
	<-done
	if got := s.consumerStatus(t, "reader"); got != "DELETING" {
		t.Fatalf("after the failed end of the deregistration the consumer is %s, want DELETING", got)
	}
	waitFor(t, "the deregistration to end on its second try", func() bool { return s.consumerStatus(t, "reader") == "none" })
}
