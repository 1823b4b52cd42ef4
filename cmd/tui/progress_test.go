package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
)

func consumerSnap() metrics.Snapshot {
	return metrics.Snapshot{
		Time: time.Date(2015, 6, 5, 12, 54, 43, 0, time.UTC), RecordsIn: 120, Rejected: 3,
		RejectedByReason: map[string]uint64{"not_json": 2, "bad_timestamp": 1},
		RowsFlushed:      2, Flushes: 2, FlushLatencyAvg: 20 * time.Millisecond, FlushLatencyLast: 10 * time.Millisecond,
		Conflicts: 2, LeasesHeld: 1, MaxMillisBehind: 1500,
	}
}

// TestConsumerPrinter: spk run's status is one line per interval on a pipe
// and one line redrawn in place on a terminal; when the run ends, the last
// line shows the snapshot given last, and a terminal's line is ended.
func TestConsumerPrinter(t *testing.T) {
	plain := "2015-06-05T12:54:43Z records=120 rate=0/s rejected=3(bad_timestamp:1,not_json:2) rows=2 flushes=2 flush_avg=20ms conflicts=2 leases=1 lag_ms=1500\n"
	live := "\r\x1b[K120 rec (0/s) · 3 rej · 2 rows · flush 10ms · 1 leases · lag 1500ms"
	for _, c := range []struct {
		name       string
		tty        bool
		line, last string
	}{
		{"pipe", false, plain, plain + strings.Replace(plain, "records=120", "records=121", 1)},
		{"terminal", true, live, live + strings.Replace(live, "120 rec", "121 rec", 1) + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewConsumerPrinter(&b, c.tty)
			p.Print() // nothing yet
			if b.Len() != 0 {
				t.Fatalf("printed %q before any snapshot", b.String())
			}
			p.Consumer(consumerSnap())
			p.Print()
			if b.String() != c.line {
				t.Fatalf("printed %q\nwant    %q", b.String(), c.line)
			}
			final := consumerSnap()
			final.RecordsIn++
			p.Consumer(final)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			p.Run(ctx, time.Hour)
			if b.String() != c.last {
				t.Fatalf("ended with %q\nwant       %q", b.String(), c.last)
			}
		})
	}
}

// TestStatusLinesFollowTheSnapshots: on a pipe, spk run's and spk
// generate-events' lines come one per snapshot, however the printing and the
// snapshots interleave: never one snapshot twice, never one skipped.
func TestStatusLinesFollowTheSnapshots(t *testing.T) {
	var b bytes.Buffer
	p := NewConsumerPrinter(&b, false)
	first, second := consumerSnap(), consumerSnap()
	second.RecordsIn = 200
	p.Consumer(first)
	p.Print() // a tick just after the snapshot
	p.Print() // and another before the next one
	p.Consumer(second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Run(ctx, time.Hour)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "records=120 ") || !strings.Contains(lines[1], "records=200 ") {
		t.Fatalf("lines %q; want one for each snapshot", lines)
	}
	var g bytes.Buffer
	pp := NewProducerPrinter(&g, false)
	pp.Producer(generate.Snapshot{Stream: "clicks", Acknowledged: 10})
	pp.Print()
	pp.Producer(generate.Snapshot{Stream: "clicks", Acknowledged: 20})
	if got := strings.Count(g.String(), "\n"); got != 2 || !strings.Contains(g.String(), "20 acknowledged") {
		t.Fatalf("producer lines %q; want one for each snapshot", g.String())
	}
	// Once Run has ended the caller writes its summary: a snapshot
	// arriving late writes nothing beside it.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	pp.Run(ctx, time.Hour)
	before := g.String()
	pp.Producer(generate.Snapshot{Stream: "clicks", Acknowledged: 30})
	if g.String() != before {
		t.Fatalf("a snapshot after Run wrote %q", strings.TrimPrefix(g.String(), before))
	}
}

// TestProducerPrinter: spk generate-events' status says nothing once the
// producer is done (the summary does), and on a terminal the redrawn line
// is cleared at the end so the summary takes its place.
func TestProducerPrinter(t *testing.T) {
	running := generate.Snapshot{Stream: "clicks", CurrentRate: 99.6, Acknowledged: 500, Pending: 20, Throttled: 3, TargetRate: 100}
	line := "clicks: 100 events/s, 500 acknowledged, 20 in flight, 3 throttled (target 100/s)"
	done := running
	done.Done = true
	for _, c := range []struct {
		name string
		tty  bool
		want string
	}{
		{"pipe", false, line + "\n"},
		{"terminal", true, "\r\x1b[K" + line + "\r\x1b[K"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewProducerPrinter(&b, c.tty)
			p.Producer(running)
			p.Print()
			p.Producer(done)
			p.Print()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			p.Run(ctx, time.Hour)
			if b.String() != c.want {
				t.Fatalf("printed %q\nwant    %q", b.String(), c.want)
			}
		})
	}
}

// TestTargetRatesBelowOne: a target rate below one event a second is
// shown as it is, not as 0/s.
func TestTargetRatesBelowOne(t *testing.T) {
	for rate, want := range map[float64]string{0.1: "(target 0.1/s)", 0.25: "(target 0.25/s)", 2.5: "(target 2.5/s)", 100: "(target 100/s)", 1234.6: "(target 1235/s)",
		0.004: "(target 0.004/s)", 0.015: "(target 0.015/s)", 1.0 / 3: "(target 0.333/s)"} {
		if got := GenerateLine(generate.Snapshot{Stream: "s", TargetRate: rate}); !strings.HasSuffix(got, want) {
			t.Errorf("rate %v: %q, want it to end %q", rate, got, want)
		}
	}
}

// TestGenerateSummaryEscapes: a failure's reason comes from the service
// and is escaped before it reaches a terminal.
func TestGenerateSummaryEscapes(t *testing.T) {
	s := generate.Summary{Stream: "clicks", Generated: 3, Acknowledged: 2, Failed: 1, Records: 2, Elapsed: time.Second,
		PerShard: map[string]int64{"shardId-000000000000": 2}, Failures: map[string]int64{"KMSDisabledException: \x1b[31mred": 1}}
	got := GenerateSummary(s)
	want := "Sent 3 events to clicks in 1s: 2 acknowledged, 1 failed, 0 retried, 0 throttled; 0 events/s\n" +
		"  per shard: shardId-000000000000=2\n" +
		"  failed: 1 KMSDisabledException: \\x1b[31mred"
	if got != want {
		t.Fatalf("summary %q\nwant    %q", got, want)
	}
}
