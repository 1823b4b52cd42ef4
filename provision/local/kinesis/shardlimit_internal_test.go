package kinesis

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// TestShardLimitCountsPendingReshards: a split or a scaling waiting in
// UPDATING counts the shards it will add against the account's limit, so
// neither another reshard nor a new stream takes the account past it.
func TestShardLimitCountsPendingReshards(t *testing.T) {
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: time.Now,
		Log: slog.New(slog.DiscardHandler), UpdateDelay: time.Hour, ShardLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); db.Close() })
	s.mustCall(t, "CreateStream", `{"StreamName":"a","ShardCount":5}`, nil)
	s.mustCall(t, "CreateStream", `{"StreamName":"b","ShardCount":4}`, nil)
	s.mustCall(t, "SplitShard", `{"StreamName":"a","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"}`, nil)
	refused := func(op, body string, more int) {
		t.Helper()
		rec := s.call(op, body)
		want := fmt.Sprintf("Current shard count for the account: 10. Limit: 10. Number of additional shards that would have resulted from this request: %d.", more)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "LimitExceededException") || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%s with a split pending: %d %s, want LimitExceededException saying %q", op, rec.Code, rec.Body, want)
		}
	}
	refused("SplitShard", `{"StreamName":"b","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"}`, 1)
	refused("CreateStream", `{"StreamName":"c","ShardCount":1}`, 1)
	refused("UpdateShardCount", `{"StreamName":"b","TargetShardCount":5,"ScalingType":"UNIFORM_SCALING"}`, 1)
	if status, open := s.summary(t, "b"); status != "ACTIVE" || open != 4 {
		t.Fatalf("b is %s with %d open shards after the refusals, want ACTIVE with 4", status, open)
	}

}
