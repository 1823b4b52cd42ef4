package tui

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
)

// The line formats of the status printers: what spk generate-events and
// spk run print on their own, beside spk up's status line (statusText).

// GenerateLine is spk generate-events' one-line live status.
func GenerateLine(s generate.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %.0f events/s, %d acknowledged", safe(s.Stream), s.CurrentRate, s.Acknowledged)
	if s.Pending > 0 {
		fmt.Fprintf(&b, ", %d in flight", s.Pending)
	}
	if s.Retried > 0 {
		fmt.Fprintf(&b, ", %d retried", s.Retried)
	}
	if s.Throttled > 0 {
		fmt.Fprintf(&b, ", %d throttled", s.Throttled)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d FAILED", s.Failed)
	}
	if s.TargetRate > 0 {
		fmt.Fprintf(&b, " (target %s/s)", targetRate(s.TargetRate))
	}
	if s.Paused {
		b.WriteString(" [paused]")
	}
	return b.String()
}

// GenerateSummary is spk generate-events' final summary in text.
func GenerateSummary(s generate.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Sent %d events to %s in %s: %d acknowledged, %d failed, %d retried, %d throttled; %.0f events/s",
		s.Generated, safe(s.Stream), s.Elapsed.Round(time.Millisecond), s.Acknowledged, s.Failed+s.Pending, s.Retried, s.Throttled, s.EventsPerSecond)
	if s.Records != s.Acknowledged {
		fmt.Fprintf(&b, " in %d Kinesis records", s.Records)
	}
	if s.Bad > 0 || s.Late > 0 {
		fmt.Fprintf(&b, " (%d malformed, %d late on purpose)", s.Bad, s.Late)
	}
	if len(s.PerShard) > 0 {
		b.WriteString("\n  per shard:")
		for _, id := range slices.Sorted(maps.Keys(s.PerShard)) {
			fmt.Fprintf(&b, " %s=%d", safe(id), s.PerShard[id])
		}
	}
	for _, r := range slices.Sorted(maps.Keys(s.Failures)) {
		fmt.Fprintf(&b, "\n  failed: %d %s", s.Failures[r], safe(r))
	}
	return b.String()
}

// ConsumerLine is spk run's one-line status for logs and pipes.
func ConsumerLine(s metrics.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s records=%d rate=%.0f/s rejected=%d", s.Time.UTC().Format("2006-01-02T15:04:05Z"), s.RecordsIn, s.RecordsPerSec, s.Rejected)
	if len(s.RejectedByReason) > 0 {
		reasons := make([]string, 0, len(s.RejectedByReason))
		for r, n := range s.RejectedByReason {
			reasons = append(reasons, fmt.Sprintf("%s:%d", safe(r), n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, "(%s)", strings.Join(reasons, ","))
	}
	fmt.Fprintf(&b, " rows=%d flushes=%d flush_avg=%s conflicts=%d leases=%d lag_ms=%d",
		s.RowsFlushed, s.Flushes, s.FlushLatencyAvg.Round(time.Millisecond), s.Conflicts, s.LeasesHeld, max(s.MaxMillisBehind, 0))
	return b.String()
}

// ConsumerLive is spk run's compact status line on a terminal.
func ConsumerLive(s metrics.Snapshot) string {
	return fmt.Sprintf("%d rec (%.0f/s) · %d rej · %d rows · flush %s · %d leases · lag %dms",
		s.RecordsIn, s.RecordsPerSec, s.Rejected, s.RowsFlushed, s.FlushLatencyLast.Round(time.Millisecond), s.LeasesHeld, max(s.MaxMillisBehind, 0))
}

// targetRate writes a rate of events a second: whole from 10, three
// significant digits below (0.1/s and 0.004/s are not "0/s").
func targetRate(r float64) string {
	if r >= 10 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}
