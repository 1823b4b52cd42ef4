package metrics

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func filled() *Metrics {
	m := New("worker-1")
	m.RecordsIn(120)
	m.Rejected("not_json")
	m.Rejected("not_json")
	m.Rejected("bad_timestamp")
	m.Flushed(30*time.Millisecond, 2, 2, []BucketCount{
		{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 40, UpdatedAt: "2015-06-05T12:54:43.100Z"},
		{Start: "2015-06-05T12:54:00.000", Group: "Blue", Count: 77, UpdatedAt: "2015-06-05T12:54:43.200Z"},
	})
	m.Flushed(10*time.Millisecond, 0, 0, nil)
	m.LeaseTaken()
	m.LeaseTaken()
	m.LeaseLost()
	m.Shard("shardId-000000000000", func(s *ShardState) { s.Held, s.Owner, s.MillisBehind = true, "worker-1", 1500 })
	m.Shard("shardId-000000000001", func(s *ShardState) { s.Owner = "worker-2" })
	return m
}

func TestSnapshot(t *testing.T) {
	s := filled().Snapshot()
	if s.RecordsIn != 120 || s.Rejected != 3 || s.RejectedByReason["not_json"] != 2 || s.RowsFlushed != 2 || s.Flushes != 2 || s.Conflicts != 2 {
		t.Fatalf("counters wrong: %+v", s)
	}
	if s.LeasesHeld != 1 || s.LeasesTaken != 2 || s.LeasesLost != 1 || s.MaxMillisBehind != 1500 {
		t.Fatalf("lease figures wrong: %+v", s)
	}
	if s.FlushLatencyAvg != 20*time.Millisecond || s.FlushLatencyLast != 10*time.Millisecond {
		t.Fatalf("flush latency avg %v last %v", s.FlushLatencyAvg, s.FlushLatencyLast)
	}
	if len(s.Shards) != 2 || s.Shards[1].Owner != "worker-2" || s.Shards[1].MillisBehind != -1 {
		t.Fatalf("shards = %+v", s.Shards)
	}
	if len(s.RecentBuckets) != 2 || s.RecentBuckets[0].Group != "Blue" || s.RecentBuckets[0].Count != 77 {
		t.Fatalf("recent buckets = %+v, want Blue (latest) first", s.RecentBuckets)
	}
	// A snapshot is a copy: later changes do not show through.
	s.RejectedByReason["not_json"] = 99
	if filled().Snapshot().RejectedByReason["not_json"] != 2 {
		t.Fatal("snapshot shares its map")
	}
}

func TestPrometheusText(t *testing.T) {
	m := filled()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := m.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"spk_consumer_records_in_total 120",
		`spk_consumer_records_rejected_total{reason="not_json"} 2`,
		"spk_consumer_rows_flushed_total 2",
		"spk_consumer_conditional_conflicts_total 2",
		`spk_consumer_millis_behind_latest{shard="shardId-000000000000"} 1500`,
		"spk_consumer_leases_held 1",
		"spk_consumer_leases_taken_total 2",
		"spk_consumer_leases_lost_total 1",
		"spk_consumer_flush_seconds_count 2",
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics text lacks %q", want)
		}
	}
}

func TestServeRefusesBusyAddress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := New("a").Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New("b").Serve(ctx, addr)
	if err == nil || !strings.Contains(err.Error(), "choose a free address") {
		t.Fatalf("second Serve on %s: %v", addr, err)
	}
}

func TestSubscribe(t *testing.T) {
	m := filled()
	ctx, cancel := context.WithCancel(context.Background())
	ch := m.Subscribe(ctx, 10*time.Millisecond)
	s, ok := <-ch
	if !ok || s.RecordsIn != 120 {
		t.Fatalf("first snapshot %+v, %v", s, ok)
	}
	cancel()
	for range ch {
	}
}

// TestRecentBucketsKeepTheLargerCount: two shards write the same row and
// may report in either order; the row's count only grows, so the latest
// rows show the larger one.
func TestRecentBucketsKeepTheLargerCount(t *testing.T) {
	m := New("w")
	m.Flushed(time.Millisecond, 0, 1, []BucketCount{{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 195, UpdatedAt: "2015-06-05T12:54:01.000Z"}})
	m.Flushed(time.Millisecond, 0, 1, []BucketCount{{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 100, UpdatedAt: "2015-06-05T12:54:01.000Z"}})
	s := m.Snapshot()
	if len(s.RecentBuckets) != 1 || s.RecentBuckets[0].Count != 195 {
		t.Fatalf("recent buckets %+v, want the row at 195", s.RecentBuckets)
	}
	m.Flushed(time.Millisecond, 0, 1, []BucketCount{{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 210, UpdatedAt: "2015-06-05T12:54:02.000Z"}})
	if s := m.Snapshot(); s.RecentBuckets[0].Count != 210 {
		t.Fatalf("recent buckets %+v, want the row at 210", s.RecentBuckets)
	}
}

// Rows a failed flush wrote are in the table: they join the latest rows,
// and no flush is counted.
func TestWrittenRowsOfAFailedFlush(t *testing.T) {
	m := New("w")
	m.Written([]BucketCount{{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 7, UpdatedAt: "2015-06-05T12:54:01.000Z"}})
	s := m.Snapshot()
	if len(s.RecentBuckets) != 1 || s.RecentBuckets[0].Count != 7 {
		t.Fatalf("recent buckets %+v, want the row at 7", s.RecentBuckets)
	}
	if s.Flushes != 0 || s.RowsFlushed != 0 {
		t.Fatalf("%d flushes of %d rows counted, want none", s.Flushes, s.RowsFlushed)
	}
}
