package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
)

func newTestStatus(asJSON bool) (*StatusPrinter, *bytes.Buffer) {
	var b bytes.Buffer
	p := NewStatusPrinter(&b, asJSON)
	p.now = func() time.Time { return readAt }
	return p, &b
}

func TestStatusGolden(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		name := "text"
		if asJSON {
			name = "json"
		}
		t.Run(name, func(t *testing.T) {
			p, out := newTestStatus(asJSON)
			p.Print() // nothing known yet: nothing printed
			p.Producer(producerSnaps()[9])
			p.Print()
			p.Consumer(consumerSnaps()[9])
			p.Table(results.Result{Rows: tableRows()})
			p.Print()
			p.Table(results.Result{Err: errors.New("read aggregate table my-table: connection refused")})
			paused := producerSnaps()[9]
			paused.Paused = true
			p.Producer(paused)
			p.Print()
			p.Finish(Summary{Notes: []string{"12,345 events sent", "12,300 counted"}})
			p.Finish(Summary{Err: errors.New("step 7 (run): lease table gone")})
			golden.RequireEqual(t, out.Bytes())
		})
	}
}

func TestStatusJSONLinesParse(t *testing.T) {
	p, out := newTestStatus(true)
	p.Producer(producerSnaps()[9])
	p.Consumer(consumerSnaps()[9])
	p.Rows(tableRows())
	p.Print()
	p.Finish(Summary{})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out)
	}
	var status struct {
		Type     string             `json:"type"`
		Producer *generate.Snapshot `json:"producer"`
		Consumer struct {
			RecordsIn uint64 `json:"records_in"`
			Shards    []struct {
				ID    string `json:"id"`
				Owner string `json:"owner"`
			} `json:"shards"`
		} `json:"consumer"`
		Latest struct {
			BucketStart string `json:"bucket_start"`
			Total       int64  `json:"total"`
		} `json:"latest_bucket"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &status); err != nil {
		t.Fatalf("status line is not JSON: %v", err)
	}
	if status.Type != "status" || status.Producer.Acknowledged != 12345 || status.Consumer.RecordsIn != 12300 ||
		len(status.Consumer.Shards) != 2 || status.Consumer.Shards[0].Owner != "worker-7f3a" ||
		status.Latest.BucketStart != "2015-06-05T12:54:00.000" || status.Latest.Total != 2516 {
		t.Errorf("status line = %+v", status)
	}
	var summary struct {
		Type string `json:"type"`
		OK   bool   `json:"ok"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &summary); err != nil || summary.Type != "summary" || !summary.OK {
		t.Errorf("summary line %s: %+v, %v", lines[1], summary, err)
	}
}

func TestStatusRunAndFollow(t *testing.T) {
	var out syncBuffer
	p := NewStatusPrinter(&out, false)
	ctx, cancel := context.WithCancel(context.Background())
	prod := make(chan generate.Snapshot)
	cons := make(chan metrics.Snapshot)
	p.Follow(ctx, Feeds{Producer: prod, Consumer: cons})
	prod <- producerSnaps()[9]
	cons <- consumerSnaps()[9]
	done := make(chan struct{})
	go func() { p.Run(ctx, time.Millisecond); close(done) }()
	waitFor(t, "two status lines", func() bool { return strings.Count(out.String(), "\n") >= 2 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	last := strings.Split(strings.TrimSpace(out.String()), "\n")
	if l := last[len(last)-1]; !strings.Contains(l, "acked=12345") || !strings.Contains(l, "records=12300") {
		t.Errorf("last line = %q", l)
	}
}
