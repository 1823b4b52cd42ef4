package generate

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spk-cli/spk/stream/sink"
)

// Snapshot is the producer's counters at one moment. Views (the live status
// line, the dashboard) read snapshots; the producer knows nothing of them.
// Counts are events unless said otherwise.
type Snapshot struct {
	Stream   string `json:"stream"`
	Template string `json:"template"`

	Generated    int64 `json:"generated"`    // rendered from the template
	Sent         int64 `json:"sent"`         // included in at least one request
	Acknowledged int64 `json:"acknowledged"` // acknowledged by Kinesis
	Failed       int64 `json:"failed"`       // given up on: never acknowledged
	Pending      int64 `json:"pending"`      // generated, not yet acknowledged or failed
	Retried      int64 `json:"retried"`      // re-sends after a rejection or a request error
	Throttled    int64 `json:"throttled"`    // Kinesis records rejected with ProvisionedThroughputExceeded
	Records      int64 `json:"records"`      // Kinesis records acknowledged (fewer than events when aggregated)
	Requests     int64 `json:"requests"`     // PutRecords/PutRecord calls
	SDKRetries   int64 `json:"sdk_retries"`  // attempts the SDK's retryer repeated within successful calls
	Bad          int64 `json:"bad"`          // malformed on purpose (--bad)
	Late         int64 `json:"late"`         // timestamps moved into the past (--late)

	Elapsed         time.Duration `json:"-"`
	ElapsedSeconds  float64       `json:"elapsed_seconds"`
	EventsPerSecond float64       `json:"events_per_second"` // acknowledged, average over the run
	CurrentRate     float64       `json:"current_rate"`      // acknowledged per second, last second or so
	TargetRate      float64       `json:"target_rate"`       // --rate now (0: unlimited)
	SendLimit       float64       `json:"send_limit"`        // adaptive limit on records/s (or KiB/s aggregated); 0: none

	Paused   bool             `json:"paused"`
	Done     bool             `json:"done"`
	PerShard map[string]int64 `json:"per_shard"` // acknowledged events by shard id
	// LastAcked is, by shard id, the position of the last event Kinesis
	// acknowledged: a consumer that has counted up to it has read all of
	// this run's events there, whatever the stream held before.
	LastAcked map[string]sink.Position `json:"-"`
	Failures  map[string]int64         `json:"failures,omitempty"` // failed events by reason
}

// Summary is the final snapshot of a run.
type Summary = Snapshot

// stats are the live counters behind snapshots.
type stats struct {
	generated, sent, acked, failed, retried, throttled atomic.Int64
	records, requests, sdkRetries, bad, late           atomic.Int64

	mu        sync.Mutex
	perShard  map[string]int64
	lastAcked map[string]sink.Position
	failures  map[string]int64
	// rate window: acknowledged counts sampled every rateTick
	samples []rateSample
}

type rateSample struct {
	at    time.Time
	acked int64
}

func newStats() *stats {
	return &stats{perShard: map[string]int64{}, lastAcked: map[string]sink.Position{}, failures: map[string]int64{}}
}

// ackShard counts a record of events acknowledged with sequence number seq;
// a KPL aggregate's last event is its sub-record events-1.
func (s *stats) ackShard(shard, seq string, events int) {
	at := sink.Position{Seq: seq, Sub: int64(events - 1)}
	s.mu.Lock()
	s.perShard[shard] += int64(events)
	if at.Compare(s.lastAcked[shard]) > 0 {
		s.lastAcked[shard] = at
	}
	s.mu.Unlock()
}

func (s *stats) fail(reason string, events int) {
	s.failed.Add(int64(events))
	s.mu.Lock()
	s.failures[reason] += int64(events)
	s.mu.Unlock()
}

// sample records the acknowledged count for the current-rate estimate.
func (s *stats) sample(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, rateSample{at: now, acked: s.acked.Load()})
	// Keep about two seconds of history.
	for len(s.samples) > 2 && now.Sub(s.samples[1].at) >= 2*time.Second {
		s.samples = s.samples[1:]
	}
}

func (s *stats) currentRate() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) < 2 {
		return 0
	}
	first, last := s.samples[0], s.samples[len(s.samples)-1]
	d := last.at.Sub(first.at).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(last.acked-first.acked) / d
}

func (s *stats) fill(snap *Snapshot) {
	snap.Generated = s.generated.Load()
	snap.Sent = s.sent.Load()
	snap.Acknowledged = s.acked.Load()
	snap.Failed = s.failed.Load()
	snap.Pending = snap.Generated - snap.Acknowledged - snap.Failed
	snap.Retried = s.retried.Load()
	snap.Throttled = s.throttled.Load()
	snap.Records = s.records.Load()
	snap.Requests = s.requests.Load()
	snap.SDKRetries = s.sdkRetries.Load()
	snap.Bad = s.bad.Load()
	snap.Late = s.late.Load()
	snap.CurrentRate = s.currentRate()
	s.mu.Lock()
	snap.PerShard = maps.Clone(s.perShard)
	snap.LastAcked = maps.Clone(s.lastAcked)
	if len(s.failures) > 0 {
		snap.Failures = maps.Clone(s.failures)
	}
	s.mu.Unlock()
}

// Snapshot returns the producer's counters now. It is safe to call from any
// goroutine, before, during and after Run.
func (p *Producer) Snapshot() Snapshot {
	snap := Snapshot{Stream: p.opts.streamLabel(), Template: p.opts.Template}
	p.stats.fill(&snap)
	p.mu.Lock()
	start, end, done := p.started, p.ended, p.done
	snap.Paused = p.paused
	adapt := p.adapt
	p.mu.Unlock()
	if !start.IsZero() {
		if end.IsZero() {
			end = time.Now()
		}
		snap.Elapsed = end.Sub(start)
		snap.ElapsedSeconds = snap.Elapsed.Seconds()
		if snap.ElapsedSeconds > 0 {
			snap.EventsPerSecond = float64(snap.Acknowledged) / snap.ElapsedSeconds
		}
	}
	snap.Done = done
	snap.TargetRate = p.Rate()
	if adapt != nil {
		snap.SendLimit = adapt.limit()
	}
	return snap
}

// Subscribe sends a snapshot every interval until ctx ends or the run is
// done (the last one sent has Done set). A slow reader misses snapshots
// rather than slowing the producer.
func (p *Producer) Subscribe(ctx context.Context, every time.Duration) <-chan Snapshot {
	ch := make(chan Snapshot, 1)
	go func() {
		defer close(ch)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			var last bool
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-p.doneCh:
				last = true
			}
			snap := p.Snapshot()
			if last {
				snap.Done = true
				select {
				case <-ch: // make room: the final snapshot must arrive
				default:
				}
				ch <- snap
				return
			}
			select {
			case ch <- snap:
			default:
			}
		}
	}()
	return ch
}
