package metrics

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServePrometheusText scrapes /metrics as Prometheus would and finds
// every family spk run documents, with the values just recorded.
func TestServePrometheusText(t *testing.T) {
	m := New("worker-1")
	m.RecordsIn(42)
	m.Rejected("not_json")
	m.Rejected("not_json")
	m.Flushed(3*time.Millisecond, 1, 1, []BucketCount{{Start: "2015-06-05T12:54:00.000", Group: "Green"}})
	m.LeaseTaken()
	m.Shard("shardId-000000000000", func(s *ShardState) { s.Held, s.MillisBehind = true, 1500 })

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
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"spk_consumer_records_in_total 42",
		`spk_consumer_records_rejected_total{reason="not_json"} 2`,
		"spk_consumer_rows_flushed_total 1",
		"spk_consumer_conditional_conflicts_total 1",
		"spk_consumer_leases_taken_total 1",
		"spk_consumer_leases_held 1",
		`spk_consumer_millis_behind_latest{shard="shardId-000000000000"} 1500`,
		"spk_consumer_flush_seconds_count 1",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestServeRefusesABusyAddress(t *testing.T) {
	m := New("worker-1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := m.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New("worker-2").Serve(ctx, addr)
	if err == nil || !strings.Contains(err.Error(), "metrics: listen on "+addr) || !strings.Contains(err.Error(), "choose a free address with --metrics") {
		t.Fatalf("err = %v", err)
	}
}
