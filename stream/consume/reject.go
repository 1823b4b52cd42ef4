package consume

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/sink"
)

// DeadLetterEntry is one line of the dead-letter sink.
type DeadLetterEntry struct {
	Shard       string `json:"shard"`
	Sequence    string `json:"sequence"`
	SubSequence int64  `json:"subSequence,omitempty"`
	// View names the view that refused the record, when the run has
	// several and the others may have used it; empty when no view could.
	View   string `json:"view,omitempty"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
	Data   string `json:"data"` // base64 of the record's bytes
}

type deadLetter struct {
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
}

func (d *deadLetter) write(e DeadLetterEntry) error {
	if d == nil {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err = d.w.Write(append(line, '\n'))
	return err
}

func (d *deadLetter) Close() error {
	if d == nil || d.closer == nil {
		return nil
	}
	return d.closer.Close()
}

// rejectLog counts rejected records, logs the first of each kind and then at
// most one per kind every 30 seconds, and writes each to the dead letter.
type rejectLog struct {
	log     *slog.Logger
	metrics *metrics.Metrics
	dead    *deadLetter

	mu     sync.Mutex
	every  map[bucket.Reason]*rate.Sometimes
	counts map[bucket.Reason]int64
}

func newRejectLog(log *slog.Logger, m *metrics.Metrics, dead *deadLetter) *rejectLog {
	return &rejectLog{log: log, metrics: m, dead: dead, every: map[bucket.Reason]*rate.Sometimes{}, counts: map[bucket.Reason]int64{}}
}

// late rejects an event older than its view's lateness allows.
func (r *rejectLog) late(shard string, p sink.Position, view string, t time.Time, data []byte) {
	r.metrics.Late()
	r.reject(shard, p, view, Late, fmt.Sprintf("event time %s is older than the newest window minus the allowed lateness", t.Format(time.RFC3339Nano)), data)
}

func (r *rejectLog) reject(shard string, p sink.Position, view string, reason bucket.Reason, detail string, data []byte) {
	seq, sub := p.Seq, p.Sub
	r.metrics.Rejected(string(reason))
	r.mu.Lock()
	r.counts[reason]++
	n := r.counts[reason]
	s := r.every[reason]
	if s == nil {
		s = &rate.Sometimes{First: 1, Interval: 30 * time.Second}
		r.every[reason] = s
	}
	r.mu.Unlock()
	s.Do(func() {
		r.log.Warn("record rejected", "reason", string(reason), "shard", shard, "sequence", seq, "subSequence", sub, "view", view, "detail", detail, "rejected_so_far", n)
	})
	if err := r.dead.write(DeadLetterEntry{Shard: shard, Sequence: seq, SubSequence: sub, View: view, Reason: string(reason), Error: detail, Data: base64.StdEncoding.EncodeToString(data)}); err != nil {
		r.log.Error("dead-letter write failed", "err", err)
	}
}
