package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
)

// StatusPrinter is the dashboard for pipes, CI and --no-tui: it takes the
// same snapshots and writes one status line per interval, as key=value text
// or as JSON lines ({"type":"status",...}, beside StepPrinter's
// {"type":"step",...}). Its methods are safe from any goroutine.
//
// The same printer, made with NewProducerPrinter or NewConsumerPrinter,
// prints spk generate-events' and spk run's own status lines: on a
// terminal one line redrawn in place, otherwise a line per interval.
type StatusPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	json  bool
	now   func() time.Time
	style lineStyle
	tty   bool // redraw one line in place
	drawn bool // a line is on the screen, to clear or end
	fresh bool // a snapshot came since the last line
	ended bool // Run has ended: snapshots arriving late print nothing

	prod *generate.Snapshot
	cons *metrics.Snapshot
	rows []results.Row
	terr error
}

// lineStyle is what a status line says, and how the last one ends.
type lineStyle int

const (
	styleStatus   lineStyle = iota // spk up: producer, consumer and table in one line; a last line at the end
	styleProducer                  // spk generate-events: GenerateLine; cleared (terminal) or nothing (pipe) at the end
	styleConsumer                  // spk run: ConsumerLive or ConsumerLine; a last line at the end
)

// NewStatusPrinter writes status lines to w, as JSON lines when asJSON.
func NewStatusPrinter(w io.Writer, asJSON bool) *StatusPrinter {
	return &StatusPrinter{w: w, json: asJSON, now: time.Now}
}

// NewProducerPrinter writes spk generate-events' status (GenerateLine)
// while the producer runs: redrawn in place on a terminal (tty) and cleared
// at the end, for the summary; otherwise one line per interval.
func NewProducerPrinter(w io.Writer, tty bool) *StatusPrinter {
	return &StatusPrinter{w: w, now: time.Now, style: styleProducer, tty: tty}
}

// NewConsumerPrinter writes spk run's status: ConsumerLive redrawn in place
// on a terminal (tty), otherwise ConsumerLine per interval; the last line,
// after Run ends, shows the snapshot given last.
func NewConsumerPrinter(w io.Writer, tty bool) *StatusPrinter {
	return &StatusPrinter{w: w, now: time.Now, style: styleConsumer, tty: tty}
}

// Producer takes a producer snapshot for the next line.
func (p *StatusPrinter) Producer(s generate.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prod, p.fresh = &s, true
	p.printOnArrival()
}

// Consumer takes a consumer snapshot for the next line.
func (p *StatusPrinter) Consumer(s metrics.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cons, p.fresh = &s, true
	p.printOnArrival()
}

// onArrival reports whether lines follow the snapshots, one each: spk run's
// and spk generate-events' lines on a pipe. A ticker of its own beside the
// snapshots' would print one snapshot twice and skip the next whenever it
// fired first.
func (p *StatusPrinter) onArrival() bool {
	return !p.tty && (p.style == styleProducer || p.style == styleConsumer)
}

func (p *StatusPrinter) printOnArrival() {
	// After Run, the caller writes its summary to the same writer: a late
	// snapshot must not write beside it.
	if p.onArrival() && !p.ended {
		p.printLocked()
	}
}

// Rows takes the aggregate table's rows for the next line.
func (p *StatusPrinter) Rows(rows []results.Row) {
	p.mu.Lock()
	p.rows, p.terr = rows, nil
	p.mu.Unlock()
}

// Table takes one read of the aggregate table (from results.Poll).
func (p *StatusPrinter) Table(r results.Result) {
	p.mu.Lock()
	if r.Err != nil {
		p.terr = r.Err
	} else {
		p.rows, p.terr = r.Rows, nil
	}
	p.mu.Unlock()
}

// Follow takes snapshots from the channels until they close or ctx ends;
// Steps is ignored (StepPrinter prints those).
func (p *StatusPrinter) Follow(ctx context.Context, f Feeds) {
	go forward(ctx, f.Producer, p.Producer)
	go forward(ctx, f.Consumer, p.Consumer)
	go forward(ctx, f.Aggregate, p.Table)
}

// Run prints a line every interval until ctx ends, then ends as its style
// says: a last line, or the redrawn line cleared.
func (p *StatusPrinter) Run(ctx context.Context, every time.Duration) {
	if p.onArrival() {
		<-ctx.Done()
		p.end()
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.end()
			return
		case <-t.C:
			p.Print()
		}
	}
}

func (p *StatusPrinter) end() {
	if p.style != styleProducer {
		p.Print()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	if p.tty && p.drawn {
		if p.style == styleProducer {
			fmt.Fprint(p.w, "\r\x1b[K") // the summary takes the line
		} else {
			fmt.Fprintln(p.w) // the last counts stay on the screen
		}
		p.drawn = false
	}
}

// Print writes one status line now, if there is anything to say (where
// lines follow the snapshots, only a snapshot not printed yet).
func (p *StatusPrinter) Print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onArrival() && !p.fresh {
		return
	}
	p.printLocked()
}

func (p *StatusPrinter) printLocked() {
	p.fresh = false
	line, ok := p.line()
	if !ok {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K"+line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// line is the status line to print now, by style; false when there is
// nothing to say.
func (p *StatusPrinter) line() (string, bool) {
	switch p.style {
	case styleProducer:
		if p.prod == nil || p.prod.Done {
			return "", false // the summary says how it ended
		}
		return GenerateLine(*p.prod), true
	case styleConsumer:
		if p.cons == nil {
			return "", false
		}
		if p.tty {
			return ConsumerLive(*p.cons), true
		}
		return ConsumerLine(*p.cons), true
	}
	if p.prod == nil && p.cons == nil && p.rows == nil && p.terr == nil {
		return "", false
	}
	if p.json {
		b, _ := json.Marshal(p.statusJSON())
		return string(termsafe.JSON(b)), true
	}
	return p.statusText(), true
}

// Finish writes the summary line.
func (p *StatusPrinter) Finish(s Summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		out := struct {
			Type  string   `json:"type"`
			Time  string   `json:"time"`
			OK    bool     `json:"ok"`
			Error string   `json:"error,omitempty"`
			Notes []string `json:"notes,omitempty"`
		}{Type: "summary", Time: p.stamp(), OK: s.Err == nil, Notes: s.Notes}
		if s.Err != nil {
			out.Error = s.Err.Error()
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(p.w, string(termsafe.JSON(b)))
		return
	}
	line := p.stamp() + " | done"
	if s.Err != nil {
		// What failed is spk's last line, with its hint: told once.
		line = p.stamp() + " | failed"
	}
	if len(s.Notes) > 0 {
		line += " | " + safe(strings.Join(s.Notes, "; "))
	}
	fmt.Fprintln(p.w, line)
}

func (p *StatusPrinter) stamp() string { return p.now().UTC().Format("2006-01-02T15:04:05Z") }

func (p *StatusPrinter) statusText() string {
	parts := []string{p.stamp()}
	if s := p.prod; s != nil {
		state := producerState(s)
		parts = append(parts, fmt.Sprintf("producer %s rate=%.1f/s target=%s acked=%d pending=%d retried=%d throttled=%d failed=%d",
			state, s.CurrentRate, targetText(s.TargetRate), s.Acknowledged, s.Pending, s.Retried, s.Throttled, s.Failed))
	}
	if s := p.cons; s != nil {
		lagMS := "unknown"
		if s.LeasesHeld > 0 && s.MaxMillisBehind >= 0 {
			lagMS = fmt.Sprint(s.MaxMillisBehind)
		}
		retrieval := ""
		if s.Retrieval != "" {
			retrieval = " retrieval=" + s.Retrieval
		}
		parts = append(parts, fmt.Sprintf("consumer%s rate=%.1f/s records=%d rows=%d rejected=%d%s conflicts=%d leases=%d/%d lag_ms=%s",
			retrieval, s.RecordsPerSec, s.RecordsIn, s.RowsFlushed, s.Rejected, reasons(s.RejectedByReason), s.Conflicts, s.LeasesHeld, len(s.Shards), lagMS))
	}
	if b, ok := latestBucket(p.rows); ok {
		parts = append(parts, fmt.Sprintf("latest bucket=%s total=%d types=%d", safe(b.start), b.total, b.types))
	}
	if p.terr != nil {
		parts = append(parts, fmt.Sprintf("table error=%q", oneLine(errtext.Concise(p.terr))))
	}
	return strings.Join(parts, " | ")
}

func targetText(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%.0f/s", r)
}

func reasons(by map[string]uint64) string {
	if len(by) == 0 {
		return ""
	}
	keys := make([]string, 0, len(by))
	for r := range by {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("(")
	for i, r := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%s:%d", r, by[r])
	}
	b.WriteString(")")
	return b.String()
}

type bucketTotal struct {
	start        string
	total, types int64
}

// latestBucket sums the newest bucket of rows.
func latestBucket(rows []results.Row) (bucketTotal, bool) {
	var b bucketTotal
	for _, r := range rows {
		switch {
		case r.BucketStart > b.start:
			b = bucketTotal{start: r.BucketStart, total: r.Count, types: 1}
		case r.BucketStart == b.start:
			b.total += r.Count
			b.types++
		}
	}
	return b, b.start != ""
}

// The JSON shapes of a status line. The producer's snapshot has its own
// JSON form; the consumer's is spelled out here.
type statusLine struct {
	Type     string        `json:"type"`
	Time     string        `json:"time"`
	Producer *producerJSON `json:"producer,omitempty"`
	Consumer *consumerJSON `json:"consumer,omitempty"`
	Latest   *bucketJSON   `json:"latest_bucket,omitempty"`
	TableErr string        `json:"table_error,omitempty"`
}

type producerJSON struct {
	Stream       string           `json:"stream"`
	State        string           `json:"state"`
	Rate         float64          `json:"rate"`
	TargetRate   float64          `json:"target_rate"`
	Generated    int64            `json:"generated"`
	Acknowledged int64            `json:"acknowledged"`
	Pending      int64            `json:"pending"`
	Retried      int64            `json:"retried"`
	SDKRetries   int64            `json:"request_retries"`
	Throttled    int64            `json:"throttled"`
	Failed       int64            `json:"failed"`
	Failures     map[string]int64 `json:"failures,omitempty"`
	PerShard     map[string]int64 `json:"per_shard,omitempty"`
}

type consumerJSON struct {
	Worker           string            `json:"worker"`
	Retrieval        string            `json:"retrieval,omitempty"`
	RecordsIn        uint64            `json:"records_in"`
	RecordsPerSec    float64           `json:"records_per_second"`
	Rejected         uint64            `json:"rejected"`
	RejectedByReason map[string]uint64 `json:"rejected_by_reason,omitempty"`
	RowsFlushed      uint64            `json:"rows_flushed"`
	Flushes          uint64            `json:"flushes"`
	Conflicts        uint64            `json:"conflicts"`
	LeasesHeld       int               `json:"leases_held"`
	MaxMillisBehind  int64             `json:"max_millis_behind"`
	Shards           []shardJSON       `json:"shards"`
}

type shardJSON struct {
	ID           string `json:"id"`
	Owner        string `json:"owner,omitempty"`
	Held         bool   `json:"held"`
	Finished     bool   `json:"finished,omitempty"`
	MillisBehind int64  `json:"millis_behind"`
}

type bucketJSON struct {
	BucketStart string `json:"bucket_start"`
	Total       int64  `json:"total"`
	Types       int64  `json:"types"`
}

func (p *StatusPrinter) statusJSON() statusLine {
	out := statusLine{Type: "status", Time: p.stamp()}
	if s := p.prod; s != nil {
		state := producerState(s)
		out.Producer = &producerJSON{
			Stream: s.Stream, State: state, Rate: s.CurrentRate, TargetRate: s.TargetRate,
			Generated: s.Generated, Acknowledged: s.Acknowledged, Pending: s.Pending, Retried: s.Retried, SDKRetries: s.SDKRetries,
			Throttled: s.Throttled, Failed: s.Failed, Failures: s.Failures, PerShard: s.PerShard,
		}
	}
	if s := p.cons; s != nil {
		c := &consumerJSON{
			Worker: s.Worker, Retrieval: s.Retrieval, RecordsIn: s.RecordsIn, RecordsPerSec: s.RecordsPerSec, Rejected: s.Rejected,
			RowsFlushed: s.RowsFlushed, Flushes: s.Flushes, Conflicts: s.Conflicts,
			LeasesHeld: s.LeasesHeld, MaxMillisBehind: s.MaxMillisBehind, Shards: []shardJSON{},
		}
		if len(s.RejectedByReason) > 0 {
			c.RejectedByReason = s.RejectedByReason
		}
		for _, sh := range s.Shards {
			c.Shards = append(c.Shards, shardJSON{ID: sh.ID, Owner: sh.Owner, Held: sh.Held, Finished: sh.Finished, MillisBehind: sh.MillisBehind})
		}
		out.Consumer = c
	}
	if b, ok := latestBucket(p.rows); ok {
		out.Latest = &bucketJSON{BucketStart: b.start, Total: b.total, Types: b.types}
	}
	if p.terr != nil {
		out.TableErr = p.terr.Error()
	}
	return out
}

func producerState(s *generate.Snapshot) string {
	switch {
	case s.Done:
		return "finished"
	case s.Paused:
		return "paused"
	}
	return "running"
}
