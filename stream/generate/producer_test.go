package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/peertest"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/kpl"
)

var streamSeq atomic.Int64

func newStreamName(t *testing.T) string {
	return fmt.Sprintf("gen-%d-%d", time.Now().UnixNano()%1e6, streamSeq.Add(1))
}

// eventIDs reads the "id" of every event in the stream, de-aggregating KPL
// records and checking every user record lies in its shard's hash range.
func eventIDs(t *testing.T, recs []storedRecord) []string {
	t.Helper()
	var ids []string
	for _, r := range recs {
		users, aggregated, err := kpl.Deaggregate(r.data)
		if err != nil {
			t.Fatalf("de-aggregate record on %s: %v", r.shard, err)
		}
		for _, u := range users {
			pk := u.PartitionKey
			if !aggregated {
				pk = r.partitionKey
			}
			hk, _ := kpl.HashKey(pk, u.ExplicitHashKey)
			if hk.Cmp(r.hashStart) < 0 || hk.Cmp(r.hashEnd) > 0 {
				t.Errorf("user record with key %s lies outside shard %s", pk, r.shard)
			}
			var e struct{ ID string }
			if err := json.Unmarshal(u.Data, &e); err != nil || e.ID == "" {
				t.Fatalf("record without an id: %q", u.Data)
			}
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// checkExactlyOnce compares the ids read back with the ids acknowledged.
func checkExactlyOnce(t *testing.T, stored []string, acked map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range stored {
		seen[id]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s stored %d times", id, n)
		}
		if !acked[id] {
			t.Errorf("event %s stored but never acknowledged", id)
		}
	}
	for id := range acked {
		if seen[id] == 0 {
			t.Errorf("event %s acknowledged but not in the stream", id)
		}
	}
}

// ackedIDs collects the ids echoed as acknowledged.
func ackedIDs(t *testing.T, echo string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(echo, "\n"), "\n") {
		if line == "" {
			continue
		}
		ev, ok := strings.CutPrefix(line, "Event sent to Kinesis: ")
		if !ok {
			t.Fatalf("unexpected output line %q", line)
		}
		var e struct{ ID string }
		if err := json.Unmarshal([]byte(ev), &e); err != nil {
			t.Fatalf("echoed event %q: %v", ev, err)
		}
		if ids[e.ID] {
			t.Errorf("event %s echoed twice", e.ID)
		}
		ids[e.ID] = true
	}
	return ids
}

func TestEveryEventAcknowledgedOnce(t *testing.T) {
	t.Parallel() // counts, not timing: each case has its own stream
	ep := startEndpoint(t)
	c := ep.client(nil)
	tests := []struct {
		name   string
		shards int32
		opts   Options
	}{
		{name: "defaults one shard", shards: 1, opts: Options{Count: 1500}},
		{name: "small batches three shards", shards: 3, opts: Options{Count: 1200, Batch: 7, Concurrency: 3}},
		{name: "PutRecord one by one", shards: 2, opts: Options{Count: 150, Batch: 1, Concurrency: 2}},
		{name: "weblog fixed key", shards: 2, opts: Options{Count: 500, Template: "weblog", PartitionKey: "fixed:k"}},
		{name: "aggregated four shards", shards: 4, opts: Options{Count: 5000, Aggregate: true, AggregateMaxSize: 8192}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stream := newStreamName(t)
			createStream(t, c, stream, tc.shards)
			var out bytes.Buffer
			o := tc.opts
			o.StreamName, o.Print = stream, true
			sum, err := Run(context.Background(), c, o, &out)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if sum.Generated != o.Count || sum.Acknowledged != o.Count || sum.Sent != o.Count || sum.Failed != 0 || sum.Pending != 0 {
				t.Errorf("summary %+v, want %d generated, sent and acknowledged", sum, o.Count)
			}
			acked := ackedIDs(t, out.String())
			if int64(len(acked)) != o.Count {
				t.Errorf("%d events echoed, want %d", len(acked), o.Count)
			}
			recs := drainStream(t, c, stream)
			checkExactlyOnce(t, eventIDs(t, recs), acked)

			var total int64
			for _, n := range sum.PerShard {
				total += n
			}
			if total != o.Count {
				t.Errorf("per-shard counts %v sum to %d, want %d", sum.PerShard, total, o.Count)
			}
			if o.Aggregate {
				if sum.Records >= sum.Acknowledged/10 || int64(len(recs)) != sum.Records {
					t.Errorf("%d Kinesis records (%d stored) for %d events: not aggregated", sum.Records, len(recs), sum.Acknowledged)
				}
				if len(sum.PerShard) != int(tc.shards) {
					t.Errorf("aggregated records reached %d shards of %d", len(sum.PerShard), tc.shards)
				}
			}
		})
	}
}

func TestRetriesUnderFaultsLoseNothing(t *testing.T) {
	t.Parallel() // counts, not timing: each case has its own stream
	ep := startEndpoint(t)
	tests := []struct {
		name string
		opts Options
	}{
		{name: "batches", opts: Options{Count: 3000, Batch: 100}},
		{name: "aggregated", opts: Options{Count: 3000, Aggregate: true, AggregateMaxSize: 4096}},
		{name: "PutRecord", opts: Options{Count: 200, Batch: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			faults := newFaultTransport(0.2, 0.25, 1)
			c := ep.client(faults)
			stream := newStreamName(t)
			createStream(t, ep.client(nil), stream, 2)
			o := tc.opts
			o.StreamName, o.Print = stream, true
			o.RetryBaseDelay, o.RetryMaxDelay = time.Millisecond, 20*time.Millisecond
			// Throttling at random, whatever the rate, would read as ever
			// less capacity; the adaptive limit is tested under real limits.
			o.NoAdapt = true
			var out bytes.Buffer
			sum, err := Run(context.Background(), c, o, &out)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if faults.failedRequests.Load() == 0 || (o.Batch != 1 && faults.failedEntries.Load() == 0) {
				t.Fatalf("no faults injected (%d requests, %d entries)", faults.failedRequests.Load(), faults.failedEntries.Load())
			}
			// Whole-request faults may all be absorbed by the SDK's retryer;
			// rejected entries are the producer's to retry.
			if sum.Acknowledged != o.Count || sum.Failed != 0 || (faults.failedEntries.Load() > 0 && sum.Retried == 0) {
				t.Errorf("summary %+v: want all %d acknowledged after retries", sum, o.Count)
			}
			checkExactlyOnce(t, eventIDs(t, drainStream(t, ep.client(nil), stream)), ackedIDs(t, out.String()))
		})
	}
}

func TestCancelReportsExactlyWhatWasAcknowledged(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 2)
	var out bytes.Buffer
	p, err := New(c, Options{StreamName: stream, Rate: 2000, Batch: 50})
	if err != nil {
		t.Fatal(err)
	}
	p.EchoTo(&out)
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := p.Run(ctx)
		done <- result{s, err}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for p.Snapshot().Acknowledged < 300 {
		if time.Now().After(deadline) {
			t.Fatal("nothing acknowledged in 20s")
		}
		time.Sleep(10 * time.Millisecond) // polling a counter with a deadline
	}
	cancel()
	res := <-done
	if res.err != nil {
		t.Fatalf("a cancelled run that drained cleanly returned %v", res.err)
	}
	sum := res.sum
	if !sum.Done || sum.Generated != sum.Acknowledged || sum.Failed != 0 || sum.Pending != 0 {
		t.Errorf("summary %+v: want everything generated acknowledged after the drain", sum)
	}
	acked := ackedIDs(t, out.String())
	if int64(len(acked)) != sum.Acknowledged {
		t.Errorf("%d echoed, summary says %d acknowledged", len(acked), sum.Acknowledged)
	}
	checkExactlyOnce(t, eventIDs(t, drainStream(t, c, stream)), acked)
}

func TestCancelWithUnreachableEndpointReportsFailures(t *testing.T) {
	// An endpoint that is gone: every request fails at the transport, which
	// the producer keeps retrying until the drain timeout after cancellation.
	ep := endpoint{url: fmt.Sprintf("http://127.0.0.1:%d", freePort(t))}
	c := ep.client(nil)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := New(c, Options{StreamName: "gone", Count: 100, DrainTimeout: 300 * time.Millisecond,
		RetryBaseDelay: time.Millisecond, RetryMaxDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var sum Summary
	go func() {
		var err error
		sum, err = p.Run(ctx)
		done <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for p.Snapshot().Retried == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no retries in 20s")
		}
		time.Sleep(5 * time.Millisecond) // polling a counter with a deadline
	}
	cancel()
	err = <-done
	var na *NotAcknowledgedError
	if !errors.As(err, &na) {
		t.Fatalf("error %v, want *NotAcknowledgedError", err)
	}
	if sum.Acknowledged != 0 || sum.Failed != sum.Generated || sum.Generated == 0 || sum.Failures["cancelled before acknowledgement"] != sum.Generated {
		t.Errorf("summary %+v: want every generated event failed as cancelled", sum)
	}
	want := fmt.Sprintf("%d of %d events were not acknowledged by Kinesis (%d cancelled before acknowledgement)", sum.Generated, sum.Generated, sum.Generated)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}

// TestUnreachableEndpointEndsTheRun: an endpoint gone for StallTimeout with
// nothing acknowledged ends the run by itself, with every event reported
// not acknowledged and the reason, where it retried for ever.
func TestUnreachableEndpointEndsTheRun(t *testing.T) {
	ep := endpoint{url: fmt.Sprintf("http://127.0.0.1:%d", freePort(t))}
	p, err := New(ep.client(nil), Options{StreamName: "gone", Count: 50, StallTimeout: 300 * time.Millisecond,
		RetryBaseDelay: time.Millisecond, RetryMaxDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := p.Run(ctx)
	if ctx.Err() != nil {
		t.Fatal("the run did not end by itself")
	}
	if err == nil || !strings.HasPrefix(err.Error(), `write to stream "gone": requests have failed for over 300ms with nothing answered: `) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want one saying the requests have failed for the stall timeout, and why", err)
	}
	if sum.Acknowledged != 0 || sum.Generated != 50 || sum.Failed != 50 {
		t.Errorf("summary %+v: want all 50 generated and failed", sum)
	}
}

// TestAnEndpointThatDoesNotAnswerEndsTheRun: requests to an endpoint that
// takes connections and never answers are cut at the stall timeout, where
// each took the SDK's three attempts of a minute.
func TestAnEndpointThatDoesNotAnswerEndsTheRun(t *testing.T) {
	ep := endpoint{url: peertest.Silent(t)}
	p, err := New(ep.client(nil), Options{StreamName: "silent", Count: 5, StallTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := p.Run(ctx)
	if ctx.Err() != nil || err == nil || !strings.Contains(err.Error(), "requests have failed for over 500ms with nothing answered") {
		t.Fatalf("run: %v (ctx %v)", err, ctx.Err())
	}
	if sum.Failed != 5 {
		t.Errorf("summary %+v: want the 5 events failed", sum)
	}
}

// TestOneStuckRequestIsRetriedNotAStall: a request that never gets an
// answer while other requests are answered is cut at the stall timeout and
// sent again; it is not the end of the run.
func TestOneStuckRequestIsRetriedNotAStall(t *testing.T) {
	ep := startEndpoint(t)
	target, err := url.Parse(ep.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var puts atomic.Int32
	held := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutRecords") && puts.Add(1) == 3 {
			select { // this one is never answered
			case <-r.Context().Done():
			case <-held:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer func() { close(held); front.Close() }()
	c := endpoint{url: front.URL}.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	p, err := New(c, Options{StreamName: stream, Count: 400, Rate: 200, Batch: 10, Concurrency: 4, StallTimeout: 500 * time.Millisecond, Linger: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := p.Run(context.Background())
	if err != nil || sum.Acknowledged != 400 {
		t.Fatalf("summary %+v: %v; want all 400 acknowledged, the stuck request sent again", sum, err)
	}
	if puts.Load() < 3 {
		t.Fatal("no request was held: the test shows nothing")
	}
}

// TestShortFailuresAfterAQuietSpellAreRetried: time with nothing to send
// does not count as failing: at one event a second, a request that fails
// (the SDK's attempts all drew a fault) a second after the last answer,
// past the 600 ms stall window, is retried, not the end of the run. (The
// window leaves room for a request's retries on a loaded machine under
// -race; at 200 ms and four events a second it did not always.)
func TestShortFailuresAfterAQuietSpellAreRetried(t *testing.T) {
	ep := startEndpointWith(t, local.Options{FaultRate: 0.6, FaultSeed: 7})
	c := ep.client(nil)
	stream := newStreamName(t)
	for attempt := 0; ; attempt++ { // the faults hit CreateStream too
		_, err := c.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(1)})
		var inUse *types.ResourceInUseException
		if err == nil || errors.As(err, &inUse) { // made by an attempt whose answer was a fault
			break
		}
		if attempt == 20 {
			t.Fatal(err)
		}
	}
	p, err := New(c, Options{StreamName: stream, Count: 6, Rate: 1, StallTimeout: 600 * time.Millisecond,
		RetryBaseDelay: time.Millisecond, RetryMaxDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := p.Run(context.Background())
	if err != nil || sum.Acknowledged != 6 {
		t.Fatalf("summary %+v: %v; want all 6 acknowledged", sum, err)
	}
	if sum.Retried == 0 {
		t.Fatal("no request was retried: the faults did not reach the producer, and the test shows nothing")
	}
}

func TestMissingStream(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			var out bytes.Buffer
			sum, err := Run(context.Background(), c, Options{StreamName: "no-such-stream", Count: 50, Aggregate: aggregate},
				&out)
			if err == nil {
				t.Fatal("no error for a missing stream")
			}
			want := `stream "no-such-stream" not found: create it with ` + "`spk create-stream`" + `, or check the stream name and the endpoint or profile`
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				t.Errorf("error does not wrap ResourceNotFoundException: %v", err)
			}
			if sum.Acknowledged != 0 || sum.Failed != sum.Generated || sum.Pending != 0 {
				t.Errorf("summary %+v: every generated event must be counted failed", sum)
			}
		})
	}
}

// TestStreamNotActiveIsSaidSo: Kinesis refuses writes to a stream still
// CREATING as to a missing one; the error says which it is, where it told
// the user to create a stream that exists.
func TestStreamNotActiveIsSaidSo(t *testing.T) {
	if os.Getenv("SPK_TEST_KINESIS") != "" || os.Getenv("SPK_TEST_KINESIS_ENDPOINT") != "" {
		t.Skip("needs the embedded endpoint's create delay")
	}
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := endpoint{url: srv.URL(), kind: "local"}.client(nil)
	if _, err := c.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: aws.String("young"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), c, Options{StreamName: "young", Count: 5}, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), `stream "young" is CREATING, not ACTIVE, and takes no records: wait until it is ACTIVE (spk create-stream waits for it)`) {
		t.Fatalf("error %v, want one saying the stream is CREATING", err)
	}
	if sum.Acknowledged != 0 || sum.Failed != sum.Generated {
		t.Errorf("summary %+v: every generated event counted failed", sum)
	}
}

// TestSummaryJSON: the summary's JSON form (spk generate-events -o json)
// counts the malformed and late events and names the stream.
func TestSummaryJSON(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	sum, err := Run(context.Background(), c, Options{StreamName: stream, Count: 40, Bad: 0.5, Late: 0.5, Seed: 3}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]float64{"generated": 40, "acknowledged": 40, "sent": 40, "failed": 0} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	if got["bad"].(float64) == 0 || got["late"].(float64) == 0 || got["stream"] != stream {
		t.Errorf("summary %v: want bad and late counted and the stream named", got)
	}
}

// TestDurationIsWallTimeAtALowRate: at a rate whose next event falls after
// --duration, the run still lasts the duration (it ended at the last event).
func TestDurationIsWallTimeAtALowRate(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	start := time.Now()
	sum, err := Run(context.Background(), c, Options{StreamName: stream, Rate: 0.5, Duration: 1500 * time.Millisecond}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 1500*time.Millisecond || sum.Generated != 1 || sum.Acknowledged != 1 {
		t.Fatalf("took %v with %d generated and %d acknowledged; want at least 1.5s and the one event due", took, sum.Generated, sum.Acknowledged)
	}
}

func TestPauseResumeAndRate(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	p, err := New(c, Options{StreamName: stream, Count: 200, Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	p.Pause()
	done := make(chan error, 1)
	go func() {
		_, err := p.Run(context.Background())
		done <- err
	}()
	snaps := p.Subscribe(context.Background(), 20*time.Millisecond)
	first := <-snaps
	if !first.Paused || first.Generated != 0 || first.TargetRate != 50 {
		t.Errorf("first snapshot %+v: want paused at rate 50, nothing generated", first)
	}
	p.SetRate(0) // unlimited: the remaining events go at once
	p.Resume()
	var last Snapshot
	for s := range snaps {
		last = s
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !last.Done || last.Paused || last.Acknowledged != 200 || last.TargetRate != 0 {
		t.Errorf("last snapshot %+v: want done, 200 acknowledged, unlimited", last)
	}
}

// fakeKinesis answers PutRecords from a script, for paths a real endpoint
// cannot be made to take.
type fakeKinesis struct {
	KinesisAPI
	code  string
	calls atomic.Int64
}

func (f *fakeKinesis) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.calls.Add(1)
	out := &kinesis.PutRecordsOutput{FailedRecordCount: aws.Int32(int32(len(in.Records)))}
	for range in.Records {
		out.Records = append(out.Records, types.PutRecordsResultEntry{ErrorCode: aws.String(f.code), ErrorMessage: aws.String("key is disabled")})
	}
	return out, nil
}

func TestPermanentEntryErrorIsReported(t *testing.T) {
	f := &fakeKinesis{code: "KMSDisabledException"}
	sum, err := Run(context.Background(), f, Options{StreamName: "s", Count: 5, RetryBaseDelay: time.Millisecond, RetryMaxDelay: time.Millisecond},
		io.Discard)
	var na *NotAcknowledgedError
	if !errors.As(err, &na) {
		t.Fatalf("error %v, want *NotAcknowledgedError", err)
	}
	reason := "rejected 10 times: KMSDisabledException: key is disabled"
	if sum.Failed != 5 || sum.Acknowledged != 0 || sum.Failures[reason] != 5 {
		t.Errorf("summary %+v: want 5 failed for %q", sum, reason)
	}
	if f.calls.Load() < maxEntryErrors {
		t.Errorf("%d calls, want at least %d attempts", f.calls.Load(), maxEntryErrors)
	}
}

func TestNewRejectsOptionsAsUsageErrors(t *testing.T) {
	for _, o := range []Options{{}, {StreamName: "s", Template: "nosuch"}, {StreamName: "s", Types: "=1"}} {
		_, err := New(&fakeKinesis{}, o)
		var oe *OptionsError
		if !errors.As(err, &oe) {
			t.Errorf("options %+v: error %v, want *OptionsError", o, err)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no stream", opts: Options{}, wantErr: "no stream given: name the Kinesis stream to write to (create one with `spk create-stream`)"},
		{name: "batch too big", opts: Options{StreamName: "s", Batch: 501}, wantErr: "invalid --batch 501: PutRecords takes 1 to 500 records"},
		{name: "negative rate", opts: Options{StreamName: "s", Rate: -1}, wantErr: "invalid --rate -1"},
		{name: "NaN rate", opts: Options{StreamName: "s", Rate: math.NaN()}, wantErr: "invalid --rate NaN"},
		{name: "infinite rate", opts: Options{StreamName: "s", Rate: math.Inf(1)}, wantErr: "invalid --rate +Inf"},
		{name: "NaN late", opts: Options{StreamName: "s", Late: math.NaN()}, wantErr: "invalid --late NaN"},
		{name: "NaN bad", opts: Options{StreamName: "s", Bad: math.NaN()}, wantErr: "invalid --bad NaN"},
		{name: "bad output", opts: Options{StreamName: "s", Output: "yaml"}, wantErr: `invalid --output "yaml": use text or json`},
		{name: "aggregate size", opts: Options{StreamName: "s", AggregateMaxSize: 2 << 20}, wantErr: "invalid --aggregate-max-size 2097152"},
		{name: "late-by", opts: Options{StreamName: "s", LateBy: time.Second}, wantErr: "invalid --late-by 1s"},
		{name: "unknown template", opts: Options{StreamName: "s", Template: "nosuch"}, wantErr: `unknown event template "nosuch"`},
		{name: "ok", opts: Options{StreamName: "s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want prefix %q", err, tc.wantErr)
			}
		})
	}
}

func TestEndpointLimitsAndFaultsLoseNothing(t *testing.T) {
	t.Parallel() // each case waits on limits or retries, with an endpoint of its own
	tests := []struct {
		name          string
		endpoint      local.Options
		shards        int32
		opts          Options
		wantThrottled bool
		absorbed      bool // the SDK's retries are all throttles, each counted
	}{
		// 4 KiB events meet the shard's 1 MiB/s before its 1000 records/s:
		// throttled whenever the generator makes more than about 330
		// events a second, which it does however loaded the machine is
		// (small events needed more than 1000 a second, which a busy
		// machine under the race detector did not always make).
		{name: "enforced limits one shard", endpoint: local.Options{EnforceLimits: true}, shards: 1,
			opts: Options{Count: 800, Template: "big"}, wantThrottled: true},
		// One record a request: the SDK's retryer absorbs the throttles,
		// which are counted all the same. 256 KiB events: the shard's
		// 1 MiB of burst admits three of the first sixteen sent at once,
		// however slowly the machine makes them (16 KiB ones at 64 a
		// second needed a pace a loaded machine under the race detector
		// did not always keep).
		{name: "enforced limits one record a request", endpoint: local.Options{EnforceLimits: true}, shards: 1,
			opts: Options{Count: 12, Template: "big256", Batch: 1, Concurrency: 16}, wantThrottled: true, absorbed: true},
		{name: "enforced limits aggregated", endpoint: local.Options{EnforceLimits: true}, shards: 1,
			opts: Options{Count: 20000, Aggregate: true}},
		{name: "injected faults", endpoint: local.Options{FaultRate: 0.2, FaultSeed: 7}, shards: 2,
			opts: Options{Count: 3000, Batch: 200}},
		{name: "injected faults aggregated", endpoint: local.Options{FaultRate: 0.2, FaultSeed: 8}, shards: 2,
			opts: Options{Count: 5000, Aggregate: true, AggregateMaxSize: 4096}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ep := startEndpointWith(t, tc.endpoint)
			c := ep.client(nil)
			stream := newStreamName(t)
			createStream(t, c, stream, tc.shards)
			o := tc.opts
			o.StreamName, o.Print = stream, true
			if pad := map[string]int{"big": 4096, "big256": 256 << 10}[o.Template]; pad > 0 {
				o.Template = filepath.Join(t.TempDir(), "big.tmpl")
				text := `{"timestamp": "{{timestamp}}", "type": "{{type "Red" "Blue"}}", "id": "{{id}}", "pad": "` + strings.Repeat("x", pad) + `"}`
				if err := os.WriteFile(o.Template, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			sum, err := Run(context.Background(), c, o, &out)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if sum.Acknowledged != o.Count || sum.Failed != 0 {
				t.Errorf("summary %+v: want all %d acknowledged", sum, o.Count)
			}
			if tc.wantThrottled && sum.Throttled == 0 {
				t.Errorf("no throttling seen above the shard limit: %+v", sum)
			}
			if tc.absorbed && (sum.SDKRetries == 0 || sum.Throttled < sum.SDKRetries) {
				t.Errorf("%d throttled for %d SDK retries, want each retry counted as a throttle: %+v", sum.Throttled, sum.SDKRetries, sum)
			}
			if tc.endpoint.FaultRate > 0 && sum.Retried == 0 {
				t.Errorf("no retries under injected faults: %+v", sum)
			}
			checkExactlyOnce(t, eventIDs(t, drainStream(t, c, stream)), ackedIDs(t, out.String()))
		})
	}
}

func TestOversizeRecordIsReportedNotSent(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	tmpl := filepath.Join(t.TempDir(), "huge.tmpl")
	// The second event is 1 MiB of digits: with its key, over the record limit.
	text := `{{if eq (seq) 1}}{{printf "%01048576d" 0}}{{else}}{"timestamp": "{{timestamp}}", "type": "{{type "A"}}", "id": "{{id}}"}{{end}}`
	if err := os.WriteFile(tmpl, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), c, Options{StreamName: stream, Template: tmpl, Count: 3},
		io.Discard)
	var na *NotAcknowledgedError
	if !errors.As(err, &na) {
		t.Fatalf("error %v, want *NotAcknowledgedError", err)
	}
	reason := "record of 1048612 bytes exceeds the 1 MiB Kinesis limit"
	if sum.Acknowledged != 2 || sum.Failed != 1 || sum.Failures[reason] != 1 {
		t.Errorf("summary %+v: want 2 acknowledged and 1 failed for %q", sum, reason)
	}
	if n := len(drainStream(t, c, stream)); n != 2 {
		t.Errorf("%d records in the stream, want 2", n)
	}
}

func TestAggregatedRecordsSurviveResharding(t *testing.T) {
	ep := startEndpoint(t)
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	var out bytes.Buffer
	p, err := New(c, Options{StreamName: stream, Count: 8000, Rate: 4000, Aggregate: true, AggregateMaxSize: 4096, Linger: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p.EchoTo(&out)
	done := make(chan error, 1)
	var sum Summary
	go func() {
		var err error
		sum, err = p.Run(context.Background())
		done <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for p.Snapshot().Acknowledged < 1000 {
		if time.Now().After(deadline) {
			t.Fatal("nothing acknowledged in 20s")
		}
		time.Sleep(5 * time.Millisecond) // polling a counter with a deadline
	}
	// Split the only shard in the middle of the run: aggregated records
	// built for the parent are then written to a child.
	mid := new(big.Int).Lsh(big.NewInt(1), 127)
	if _, err := c.SplitShard(context.Background(), &kinesis.SplitShardInput{StreamName: aws.String(stream),
		ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(mid.String())}); err != nil {
		t.Fatalf("split shard: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sum.Acknowledged != 8000 || len(sum.PerShard) < 2 {
		t.Errorf("summary %+v: want 8000 acknowledged, on the children too", sum)
	}
	// eventIDs fails for any user record outside its shard's hash range,
	// which a consumer would drop.
	checkExactlyOnce(t, eventIDs(t, drainStream(t, c, stream)), ackedIDs(t, out.String()))
}

// TestDurationEndsSoonAfterOnAThrottlingStream: what is generated but not
// yet acknowledged is held to about a second of what the stream takes, so a
// Duration run on a stream that throttles ends soon after Duration, with
// every event it generated acknowledged. (The buffers alone hold 450 of
// these 16 KiB events, 7 s of the shard's 1 MiB/s.)
func TestDurationEndsSoonAfterOnAThrottlingStream(t *testing.T) {
	ep := startEndpointWith(t, local.Options{EnforceLimits: true})
	c := ep.client(nil)
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	tmpl := filepath.Join(t.TempDir(), "big.tmpl")
	text := `{"timestamp": "{{timestamp}}", "id": "{{id}}", "pad": "` + strings.Repeat("x", 16384) + `"}`
	if err := os.WriteFile(tmpl, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	const d, margin = 3 * time.Second, 3 * time.Second
	var out bytes.Buffer
	start := time.Now()
	sum, err := Run(context.Background(), c, Options{StreamName: stream, Template: tmpl, Batch: 50, Duration: d, Print: true}, &out)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if took > d+margin {
		t.Errorf("a %v run took %v, want at most %v", d, took, d+margin)
	}
	if sum.Throttled == 0 {
		t.Errorf("no throttling seen above the shard limit: %+v", sum)
	}
	if sum.Generated == 0 || sum.Acknowledged != sum.Generated || sum.Failed != 0 {
		t.Errorf("summary %+v: want every generated event acknowledged", sum)
	}
	stored := eventIDs(t, drainStream(t, c, stream))
	if int64(len(stored)) != sum.Acknowledged {
		t.Errorf("%d events in the stream, %d acknowledged", len(stored), sum.Acknowledged)
	}
	checkExactlyOnce(t, stored, ackedIDs(t, out.String()))
	t.Logf("%v run took %v: %d events acknowledged", d, took, sum.Acknowledged)
}
