package metrics

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Printer writes snapshots to W: on a terminal one compact line redrawn in
// place, otherwise one summary line per interval.
type Printer struct {
	W        io.Writer
	TTY      bool
	Interval time.Duration // default 1s on a TTY, 10s otherwise
}

// Run prints snapshots from source until ctx ends, then prints a final line.
func (p *Printer) Run(ctx context.Context, source func() Snapshot) {
	iv := p.Interval
	if iv <= 0 {
		iv = 10 * time.Second
		if p.TTY {
			iv = time.Second
		}
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.Print(source())
			if p.TTY {
				fmt.Fprintln(p.W)
			}
			return
		case <-t.C:
			p.Print(source())
		}
	}
}

// Print writes one snapshot.
func (p *Printer) Print(s Snapshot) {
	if p.TTY {
		fmt.Fprintf(p.W, "\r\x1b[K%s", Live(s))
		return
	}
	fmt.Fprintln(p.W, Summary(s))
}

// Summary is the one-line form for logs and pipes.
func Summary(s Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s records=%d rate=%.0f/s rejected=%d", s.Time.UTC().Format("2006-01-02T15:04:05Z"), s.RecordsIn, s.RecordsPerSec, s.Rejected)
	if len(s.RejectedByReason) > 0 {
		reasons := make([]string, 0, len(s.RejectedByReason))
		for r, n := range s.RejectedByReason {
			reasons = append(reasons, fmt.Sprintf("%s:%d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, "(%s)", strings.Join(reasons, ","))
	}
	fmt.Fprintf(&b, " rows=%d flushes=%d flush_avg=%s conflicts=%d leases=%d lag_ms=%d",
		s.RowsFlushed, s.Flushes, s.FlushLatencyAvg.Round(time.Millisecond), s.Conflicts, s.LeasesHeld, max(s.MaxMillisBehind, 0))
	return b.String()
}

// Live is the compact form for a terminal status line.
func Live(s Snapshot) string {
	return fmt.Sprintf("%d rec (%.0f/s) · %d rej · %d rows · flush %s · %d leases · lag %dms",
		s.RecordsIn, s.RecordsPerSec, s.Rejected, s.RowsFlushed, s.FlushLatencyLast.Round(time.Millisecond), s.LeasesHeld, max(s.MaxMillisBehind, 0))
}
