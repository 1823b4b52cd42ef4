// Package metrics counts what the consumer does, serves it as Prometheus
// text, and hands immutable snapshots to dashboards and printers.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spk-cli/spk/stream/sink"
)

// Metrics is safe for concurrent use. The zero value is not usable; call New.
type Metrics struct {
	Worker    string
	Retrieval string // how records are read: "polling" or "fanout"

	reg          *prometheus.Registry
	recordsIn    atomic.Uint64
	rowsFlushed  atomic.Uint64
	flushes      atomic.Uint64
	conflicts    atomic.Uint64
	leasesTaken  atomic.Uint64
	leasesLost   atomic.Uint64
	subscribed   atomic.Uint64
	late         atomic.Uint64
	misrouted    atomic.Uint64
	flushNanos   atomic.Int64
	lastFlush    atomic.Int64
	flushLatency prometheus.Histogram

	mu       sync.Mutex
	rejected map[string]uint64
	shards   map[string]*ShardState
	recent   map[recentKey]BucketCount
	rates    rateWindow
	subs     map[chan Snapshot]struct{}
}

type recentKey struct{ start, group string }

// ShardState is what a snapshot says about one shard.
type ShardState struct {
	ID           string
	Owner        string // lease owner as last seen; empty when free
	Held         bool   // held by this worker
	Finished     bool   // read to SHARD_END
	MillisBehind int64  // from the last GetRecords or subscription event of this worker; -1 when unknown
	Checkpoint   string
	// Counted is the position of the last record this worker has counted
	// (written to every view's table, or rejected); zero before any.
	Counted sink.Position
}

// BucketCount is an aggregate row as this worker last wrote it.
type BucketCount struct {
	Start, Group string
	Count        int64 // the row's total in the table after the write
	UpdatedAt    string
}

// Snapshot is an immutable view of the metrics.
type Snapshot struct {
	Time             time.Time
	Worker           string
	Retrieval        string // "polling" or "fanout"; empty when not known
	RecordsIn        uint64
	Rejected         uint64
	RejectedByReason map[string]uint64
	RowsFlushed      uint64
	Flushes          uint64
	Conflicts        uint64
	LeasesHeld       int
	LeasesTaken      uint64
	LeasesLost       uint64
	Subscriptions    uint64  // SubscribeToShard calls that succeeded (fanout)
	Late             uint64  // events refused as older than the allowed lateness (also in RejectedByReason["late"])
	Misrouted        uint64  // KPL aggregates dropped whole: a record in them belongs to another shard
	RecordsPerSec    float64 // over the last few seconds
	RowsPerSec       float64
	FlushLatencyAvg  time.Duration
	FlushLatencyLast time.Duration
	MaxMillisBehind  int64 // largest lag among the shards this worker holds
	Shards           []ShardState
	RecentBuckets    []BucketCount // most recently written first, at most 20
}

// New creates the metrics of one worker with their own Prometheus registry.
func New(worker string) *Metrics {
	m := &Metrics{
		Worker:   worker,
		reg:      prometheus.NewRegistry(),
		rejected: map[string]uint64{},
		shards:   map[string]*ShardState{},
		recent:   map[recentKey]BucketCount{},
		subs:     map[chan Snapshot]struct{}{},
	}
	counter := func(name, help string, v *atomic.Uint64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "spk", Subsystem: "consumer", Name: name, Help: help},
			func() float64 { return float64(v.Load()) }))
	}
	counter("records_in_total", "Records read from the stream (after de-aggregation).", &m.recordsIn)
	counter("rows_flushed_total", "Rows written, to every view's table.", &m.rowsFlushed)
	counter("flushes_total", "Batches flushed to the aggregate table.", &m.flushes)
	counter("conditional_conflicts_total", "Aggregate writes refused because some records were counted already.", &m.conflicts)
	counter("leases_taken_total", "Leases taken or stolen by this worker.", &m.leasesTaken)
	counter("leases_lost_total", "Leases this worker lost.", &m.leasesLost)
	counter("events_late_total", "Events older than the newest window minus the allowed lateness, not written.", &m.late)
	counter("aggregates_misrouted_total", "KPL aggregates dropped whole because a record in them hashes outside the shard they were read from (the producer sends such records again to their shards).", &m.misrouted)
	counter("subscriptions_total", "Shard subscriptions opened or renewed (enhanced fan-out).", &m.subscribed)
	m.flushLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "spk", Subsystem: "consumer", Name: "flush_seconds",
		Help: "Time to write one batch to the aggregate table.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})
	m.reg.MustRegister(m.flushLatency, collector{m})
	return m
}

// Registry is the Prometheus registry holding these metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// RecordsIn counts records read.
func (m *Metrics) RecordsIn(n int) { m.recordsIn.Add(uint64(n)) }

// Rejected counts a record that could not be counted.
func (m *Metrics) Rejected(reason string) {
	m.mu.Lock()
	m.rejected[reason]++
	m.mu.Unlock()
}

// Misrouted counts a KPL aggregate dropped because a record in it belongs
// to another shard's hash range.
func (m *Metrics) Misrouted() { m.misrouted.Add(1) }

// Late counts an event refused as later than the allowed lateness; it is
// rejected too, with the reason late.
func (m *Metrics) Late() { m.late.Add(1) }

// Flushed records one batch written in d: written is the rows it wrote to
// every table, rows those of the view the dashboard shows.
func (m *Metrics) Flushed(d time.Duration, conflicts, written int, rows []BucketCount) {
	m.flushes.Add(1)
	m.rowsFlushed.Add(uint64(written))
	m.conflicts.Add(uint64(conflicts))
	m.flushNanos.Add(int64(d))
	m.lastFlush.Store(int64(d))
	m.flushLatency.Observe(d.Seconds())
	m.Written(rows)
}

// Written records rows a flush wrote even though it then failed (its
// lease was lost, or it stopped): they are in the table, and a later
// flush that finds them applied does not report them again.
func (m *Metrics) Written(rows []BucketCount) {
	if len(rows) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rows {
		// Shards write a row each on its own and report in any order; a
		// row's count only grows, so the larger count is the later write.
		k := recentKey{r.Start, r.Group}
		if old, ok := m.recent[k]; !ok || r.Count >= old.Count {
			m.recent[k] = r
		}
	}
	if len(m.recent) > 200 {
		for _, r := range oldest(m.recent, len(m.recent)-100) {
			delete(m.recent, recentKey{r.Start, r.Group})
		}
	}
}

func oldest(rows map[recentKey]BucketCount, n int) []BucketCount {
	all := make([]BucketCount, 0, len(rows))
	for _, r := range rows {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].UpdatedAt < all[j].UpdatedAt })
	return all[:n]
}

// LeaseTaken and LeaseLost count lease changes.
func (m *Metrics) LeaseTaken() { m.leasesTaken.Add(1) }

// LeaseLost counts a lease this worker lost.
func (m *Metrics) LeaseLost() { m.leasesLost.Add(1) }

// Subscribed counts a shard subscription opened or renewed.
func (m *Metrics) Subscribed() { m.subscribed.Add(1) }

// Shard updates what is known of a shard.
func (m *Metrics) Shard(id string, f func(*ShardState)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.shards[id]
	if s == nil {
		s = &ShardState{ID: id, MillisBehind: -1}
		m.shards[id] = s
	}
	f(s)
}

// Snapshot returns the current state.
func (m *Metrics) Snapshot() Snapshot {
	now := time.Now()
	s := Snapshot{
		Time:             now,
		Worker:           m.Worker,
		Retrieval:        m.Retrieval,
		Subscriptions:    m.subscribed.Load(),
		Late:             m.late.Load(),
		Misrouted:        m.misrouted.Load(),
		RecordsIn:        m.recordsIn.Load(),
		RowsFlushed:      m.rowsFlushed.Load(),
		Flushes:          m.flushes.Load(),
		Conflicts:        m.conflicts.Load(),
		LeasesTaken:      m.leasesTaken.Load(),
		LeasesLost:       m.leasesLost.Load(),
		FlushLatencyLast: time.Duration(m.lastFlush.Load()),
		RejectedByReason: map[string]uint64{},
	}
	if s.Flushes > 0 {
		s.FlushLatencyAvg = time.Duration(m.flushNanos.Load() / int64(s.Flushes))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for r, n := range m.rejected {
		s.RejectedByReason[r] = n
		s.Rejected += n
	}
	for _, sh := range m.shards {
		s.Shards = append(s.Shards, *sh)
		if sh.Held {
			s.LeasesHeld++
			s.MaxMillisBehind = max(s.MaxMillisBehind, sh.MillisBehind)
		}
	}
	sort.Slice(s.Shards, func(i, j int) bool { return s.Shards[i].ID < s.Shards[j].ID })
	for _, r := range m.recent {
		s.RecentBuckets = append(s.RecentBuckets, r)
	}
	sort.Slice(s.RecentBuckets, func(i, j int) bool {
		a, b := s.RecentBuckets[i], s.RecentBuckets[j]
		if a.UpdatedAt != b.UpdatedAt {
			return a.UpdatedAt > b.UpdatedAt
		}
		if a.Start != b.Start {
			return a.Start > b.Start
		}
		return a.Group < b.Group
	})
	if len(s.RecentBuckets) > 20 {
		s.RecentBuckets = s.RecentBuckets[:20]
	}
	s.RecordsPerSec, s.RowsPerSec = m.rates.rate(now, s.RecordsIn, s.RowsFlushed)
	return s
}

// rateWindow keeps a few samples to turn counters into rates.
type rateWindow struct {
	samples []sample
}

type sample struct {
	at            time.Time
	records, rows uint64
}

const rateSpan = 5 * time.Second

func (w *rateWindow) rate(now time.Time, records, rows uint64) (float64, float64) {
	if n := len(w.samples); n == 0 || now.Sub(w.samples[n-1].at) >= 250*time.Millisecond {
		w.samples = append(w.samples, sample{now, records, rows})
	}
	for len(w.samples) > 2 && now.Sub(w.samples[1].at) >= rateSpan {
		w.samples = w.samples[1:]
	}
	first := w.samples[0]
	dt := now.Sub(first.at).Seconds()
	if dt < 0.2 {
		return 0, 0
	}
	return float64(records-first.records) / dt, float64(rows-first.rows) / dt
}

// Subscribe returns a channel receiving a snapshot every interval until ctx
// ends. A slow reader misses snapshots rather than slowing the consumer.
func (m *Metrics) Subscribe(ctx context.Context, interval time.Duration) <-chan Snapshot {
	ch := make(chan Snapshot, 1)
	go func() {
		defer close(ch)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case ch <- m.Snapshot():
				default:
				}
			}
		}
	}()
	return ch
}

// collector exports the per-shard and per-reason values.
type collector struct{ m *Metrics }

var (
	descBehind   = prometheus.NewDesc("spk_consumer_millis_behind_latest", "MillisBehindLatest of the last GetRecords per shard held.", []string{"shard"}, nil)
	descRejected = prometheus.NewDesc("spk_consumer_records_rejected_total", "Records that could not be counted, by reason.", []string{"reason"}, nil)
	descHeld     = prometheus.NewDesc("spk_consumer_leases_held", "Leases this worker holds.", nil, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBehind
	ch <- descRejected
	ch <- descHeld
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	held := 0
	for _, s := range c.m.shards {
		if s.Held {
			held++
			if s.MillisBehind >= 0 {
				ch <- prometheus.MustNewConstMetric(descBehind, prometheus.GaugeValue, float64(s.MillisBehind), s.ID)
			}
		}
	}
	for r, n := range c.m.rejected {
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(n), r)
	}
	ch <- prometheus.MustNewConstMetric(descHeld, prometheus.GaugeValue, float64(held))
}

// Serve exposes the metrics as Prometheus text on addr (path /metrics) until
// ctx ends. It returns once listening, with the address actually bound.
func (m *Metrics) Serve(ctx context.Context, addr string) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", errors.New("metrics: listen on " + addr + ": " + err.Error() + "; choose a free address with --metrics")
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}
