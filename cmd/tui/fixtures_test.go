package tui

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/tasks"
)

// t0 is when the fake run starts: the tutorial's own minute.
var t0 = time.Date(2015, 6, 5, 12, 52, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ev(step int, name string, state tasks.State, detail string, d time.Duration) tasks.Event {
	return tasks.Event{Step: step, Name: name, State: state, Detail: detail, At: at(d)}
}

// upEvents are the events of `spk up` part-way: steps 2-4 and 8 done,
// 6 skipped, the generator and the consumer running, show pending.
func upEvents() []tasks.Event {
	names := map[int]string{
		2: "use profile local", 3: "create stream my-stream", 4: "create table my-table",
		5: "generate events", 6: "build Spark with Kinesis support", 7: "run StreamingCountsApp",
		8: "create lease table StreamingCountsApp", 9: "show my-table",
	}
	var out []tasks.Event
	for _, s := range []int{2, 3, 4, 8, 5, 6, 7, 9} {
		out = append(out, ev(s, names[s], tasks.Pending, "", 0))
	}
	out = append(out,
		ev(2, names[2], tasks.Running, "", 0),
		ev(2, names[2], tasks.Done, "started the embedded endpoint at http://127.0.0.1:4566 (in memory)", 40*time.Millisecond),
		ev(3, names[3], tasks.Running, "", 40*time.Millisecond),
		ev(3, names[3], tasks.Running, "waiting for ACTIVE", 100*time.Millisecond),
		ev(3, names[3], tasks.Done, "created and ACTIVE", 340*time.Millisecond),
		ev(4, names[4], tasks.Running, "", 340*time.Millisecond),
		ev(4, names[4], tasks.Done, "created and ACTIVE", 650*time.Millisecond),
		ev(8, names[8], tasks.Running, "", 650*time.Millisecond),
		ev(8, names[8], tasks.Done, "already there", 700*time.Millisecond),
		ev(5, names[5], tasks.Running, "100 events/s into my-stream", 700*time.Millisecond),
		ev(6, names[6], tasks.Skipped, "not needed: spk's consumer is built in (the tutorial's build took 90 minutes)", 700*time.Millisecond),
		ev(7, names[7], tasks.Running, "reading 2 shards", 710*time.Millisecond),
	)
	return out
}

// failedEvents end with step 4 failing.
func failedEvents() []tasks.Event {
	return []tasks.Event{
		ev(3, "create stream my-stream", tasks.Pending, "", 0),
		ev(4, "create table my-table", tasks.Pending, "", 0),
		ev(6, "build Spark with Kinesis support", tasks.Pending, "", 0),
		ev(3, "create stream my-stream", tasks.Running, "", 0),
		ev(3, "create stream my-stream", tasks.Done, "already there", 20*time.Millisecond),
		ev(4, "create table my-table", tasks.Running, "", 20*time.Millisecond),
		{Step: 4, Name: "create table my-table", State: tasks.Failed, At: at(90 * time.Millisecond),
			Err: errors.New("table my-table exists with hash key Id (S): delete it or choose another name with --table")},
	}
}

// producerSnaps are a producer warming up to 100 events/s.
func producerSnaps() []generate.Snapshot {
	var out []generate.Snapshot
	rates := []float64{0, 40, 85, 99, 101, 100, 102, 97, 100, 101.3}
	var acked int64
	for i, r := range rates {
		acked += int64(r)
		out = append(out, generate.Snapshot{
			Stream: "my-stream", Template: "simple",
			Generated: acked + 12, Sent: acked + 12, Acknowledged: acked, Pending: 12, Retried: 3, Records: acked,
			Requests: int64(i * 2), ElapsedSeconds: float64(i + 1), CurrentRate: r, TargetRate: 100,
			PerShard: map[string]int64{"shardId-000000000000": acked / 2, "shardId-000000000001": acked - acked/2},
		})
	}
	last := &out[len(out)-1]
	last.Acknowledged, last.Generated, last.Sent = 12345, 12357, 12357
	return out
}

// consumerSnaps are a consumer catching up, holding both shards.
func consumerSnaps() []metrics.Snapshot {
	var out []metrics.Snapshot
	rates := []float64{0, 20, 70, 95, 99, 100, 98, 101, 99, 98.2}
	var in uint64
	for i, r := range rates {
		in += uint64(r)
		out = append(out, metrics.Snapshot{
			Time: at(time.Duration(i) * time.Second), Worker: "worker-7f3a", Retrieval: "polling",
			RecordsIn: in, Rejected: 2, RejectedByReason: map[string]uint64{"not_json": 2},
			RowsFlushed: 40, Flushes: 20, Conflicts: 1, LeasesHeld: 2, LeasesTaken: 2,
			RecordsPerSec: r, MaxMillisBehind: 120,
			Shards: []metrics.ShardState{
				{ID: "shardId-000000000000", Owner: "worker-7f3a", Held: true, MillisBehind: 120, Checkpoint: "49551350243544458458477304430170758137221526998466166786"},
				{ID: "shardId-000000000001", Owner: "worker-7f3a", Held: true, MillisBehind: 80},
			},
		})
	}
	last := &out[len(out)-1]
	last.RecordsIn = 12300
	return out
}

// tableRows are three minutes of counts, the last one still filling.
func tableRows() []results.Row {
	counts := map[string][]int64{
		"2015-06-05T12:52:00.000": {1230, 1187, 1202, 1215, 1166},
		"2015-06-05T12:53:00.000": {1198, 1240, 1181, 1209, 1172},
		"2015-06-05T12:54:00.000": {512, 498, 530, 471, 505},
	}
	var rows []results.Row
	for b, cs := range counts {
		for i, t := range []string{"Red", "Orange", "Yellow", "Green", "Blue"} {
			rows = append(rows, results.Row{BucketStart: b, EventType: t, Count: cs[i],
				CreatedAt: b[:19] + ".120Z", UpdatedAt: b[:17] + "59.870Z"})
		}
	}
	results.Sort(rows)
	return rows
}

// fakeGenerator records the controls the dashboard uses.
type fakeGenerator struct {
	mu     sync.Mutex
	rate   float64
	paused bool
	calls  []string
}

func (g *fakeGenerator) Pause() {
	g.mu.Lock()
	g.paused = true
	g.calls = append(g.calls, "pause")
	g.mu.Unlock()
}
func (g *fakeGenerator) Resume() {
	g.mu.Lock()
	g.paused = false
	g.calls = append(g.calls, "resume")
	g.mu.Unlock()
}
func (g *fakeGenerator) Rate() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rate
}
func (g *fakeGenerator) SetRate(r float64) {
	g.mu.Lock()
	g.rate = r
	g.calls = append(g.calls, fmt.Sprintf("rate %g", r))
	g.mu.Unlock()
}
func (g *fakeGenerator) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

// syncBuffer is a bytes.Buffer a program may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
