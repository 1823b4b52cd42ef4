package consume

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/sink"
)

// fakeSub is a subscription whose events the test sends.
type fakeSub struct {
	ch     chan types.SubscribeToShardEventStream
	err    error
	ctx    context.Context
	mu     sync.Mutex
	closed bool
}

func (s *fakeSub) Events() <-chan types.SubscribeToShardEventStream { return s.ch }
func (s *fakeSub) Err() error                                       { return s.err }
func (s *fakeSub) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// script answers SubscribeToShard calls in order: an error, or a
// subscription that delivers events then ends with err.
type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	calls []types.StartingPosition
	subs  []*fakeSub
}

type step struct {
	err    error // the call fails
	events []types.SubscribeToShardEvent
	end    error // the stream's error after its events; nil for the end of its 5 minutes
	hold   bool  // keep the stream open after the events
}

func (s *script) subscribe(ctx context.Context, in *kinesis.SubscribeToShardInput) (subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, *in.StartingPosition)
	if len(s.steps) == 0 {
		s.t.Errorf("unexpected SubscribeToShard from %v", *in.StartingPosition)
		return nil, errors.New("no more steps")
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if st.err != nil {
		return nil, st.err
	}
	sub := &fakeSub{ch: make(chan types.SubscribeToShardEventStream, len(st.events)), err: st.end, ctx: ctx}
	for _, e := range st.events {
		sub.ch <- &types.SubscribeToShardEventStreamMemberSubscribeToShardEvent{Value: e}
	}
	if !st.hold {
		close(sub.ch)
	}
	s.subs = append(s.subs, sub)
	return sub, nil
}

func event(cont string, behind int64, seqs ...string) types.SubscribeToShardEvent {
	e := types.SubscribeToShardEvent{MillisBehindLatest: aws.Int64(behind)}
	if cont != "" {
		e.ContinuationSequenceNumber = aws.String(cont)
	}
	for _, q := range seqs {
		e.Records = append(e.Records, types.Record{SequenceNumber: aws.String(q), Data: []byte(`{}`)})
	}
	return e
}

func testFanout(t *testing.T, sc *script, first start) *fanout {
	t.Helper()
	c, err := New(Options{Kinesis: &kinesis.Client{}, DynamoDB: &dynamodb.Client{}, Stream: "s", Table: "t", Retrieval: FanOut})
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe, c.consumerARN = sc.subscribe, "arn:consumer"
	r := &reader{c: c, shard: "shardId-000000000000", batch: sink.NewBatch("shardId-000000000000")}
	return newFanout(r, first)
}

// TestFanOutSourceRenewsAfterTheLastEvent follows one shard through subscriptions
// that end after their time, are refused while the last is in use, fail
// mid-stream, and finally reach the shard's end: each new subscription
// starts right after the last event counted, so no record is skipped or
// delivered twice.
func TestFanOutSourceRenewsAfterTheLastEvent(t *testing.T) {
	inUse := &types.ResourceInUseException{Message: aws.String("another subscription is active")}
	sc := &script{t: t, steps: []step{
		{events: []types.SubscribeToShardEvent{event("11", 500, "10", "11"), event("12", 0, "12")}}, // then its time is up
		{err: inUse}, // renewed too soon
		{events: []types.SubscribeToShardEvent{event("12", 0)}, end: errors.New("connection reset by peer")}, // an empty event, then a failure
		{events: []types.SubscribeToShardEvent{{Records: []types.Record{{SequenceNumber: aws.String("13"), Data: []byte(`{}`)}}, ChildShards: []types.ChildShard{{ShardId: aws.String("shardId-000000000001")}}, MillisBehindLatest: aws.Int64(0)}}},
	}}
	f := testFanout(t, sc, start{typ: types.ShardIteratorTypeAtSequenceNumber, seq: "9"})
	defer f.close()
	var seen []string
	add := func(r *types.Record) { seen = append(seen, aws.ToString(r.SequenceNumber)) }
	ctx := context.Background()
	var pages []page
	for {
		p, err := f.next(ctx, add)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		if p.end {
			break
		}
	}
	if got := len(pages); got != 4 {
		t.Fatalf("%d pages, want 4: %+v", got, pages)
	}
	// At the tip: an event with nothing behind, with records (it brought
	// the last ones) or without.
	if pages[0].tip || !pages[1].tip || !pages[2].tip || pages[0].behind != 500 {
		t.Fatalf("pages %+v: want behind 500, then at the tip", pages)
	}
	if want := []string{"10", "11", "12", "13"}; !slices.Equal(seen, want) {
		t.Fatalf("records %v, want %v", seen, want)
	}
	want := []types.StartingPosition{
		{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String("9")},
		{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("12")},
		{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("12")},
		{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("12")},
	}
	if len(sc.calls) != len(want) {
		t.Fatalf("%d subscriptions, want %d: %v", len(sc.calls), len(want), positions(sc.calls))
	}
	for i := range want {
		if sc.calls[i].Type != want[i].Type || aws.ToString(sc.calls[i].SequenceNumber) != aws.ToString(want[i].SequenceNumber) {
			t.Fatalf("subscription %d from %v, want %v", i, positions(sc.calls), positions(want))
		}
	}
	for i, s := range sc.subs[:len(sc.subs)-1] {
		if !s.closed || s.ctx.Err() == nil {
			t.Fatalf("subscription %d was not closed and cancelled before the next", i)
		}
	}
}

// TestFanOutSourceStopsAtOnce checks that ending the reader's context (a lost
// lease, or a stop) cancels the open subscription.
func TestFanOutSourceStopsAtOnce(t *testing.T) {
	sc := &script{t: t, steps: []step{{events: []types.SubscribeToShardEvent{event("1", 0, "1")}, hold: true}}}
	f := testFanout(t, sc, start{typ: types.ShardIteratorTypeTrimHorizon})
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := f.next(ctx, func(*types.Record) {}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.next(ctx, func(*types.Record) {})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("next after cancel = %v, want context.Canceled", err)
	}
	sub := sc.subs[0]
	if !sub.closed || sub.ctx.Err() == nil {
		t.Fatal("the subscription stayed open after its reader stopped")
	}
	if got := sc.calls[0].Type; got != types.ShardIteratorTypeTrimHorizon {
		t.Fatalf("a new lease subscribed from %s, want TRIM_HORIZON", got)
	}
}

func positions(ps []types.StartingPosition) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Type)+" "+aws.ToString(p.SequenceNumber))
	}
	return out
}

// TestFanOutSourceRenewsBeforeTheEnd: a subscription read for renewAfter is
// closed after the event in hand and replaced by one that starts after
// that event, while the old one is still open, so records keep flowing
// without waiting for Kinesis to end it.
func TestFanOutSourceRenewsBeforeTheEnd(t *testing.T) {
	sc := &script{t: t, steps: []step{
		{events: []types.SubscribeToShardEvent{event("11", 900, "10", "11"), event("99", 0, "99")}, hold: true},
		{events: []types.SubscribeToShardEvent{event("12", 0, "12")}, hold: true},
	}}
	f := testFanout(t, sc, start{typ: types.ShardIteratorTypeTrimHorizon})
	defer f.close()
	var seen []string
	add := func(r *types.Record) { seen = append(seen, aws.ToString(r.SequenceNumber)) }
	f.r.c.renewAfter = 0 // the first subscription is due for renewal after its first event
	if _, err := f.next(context.Background(), add); err != nil {
		t.Fatal(err)
	}
	f.r.c.renewAfter = time.Hour // the second is not
	if _, err := f.next(context.Background(), add); err != nil {
		t.Fatal(err)
	}
	if want := []string{"10", "11", "12"}; !slices.Equal(seen, want) {
		t.Fatalf("records %v, want %v (the renewed subscription's unread event is not counted)", seen, want)
	}
	want := []types.StartingPosition{
		{Type: types.ShardIteratorTypeTrimHorizon},
		{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("11")},
	}
	if len(sc.calls) != len(want) {
		t.Fatalf("%d subscriptions, want %d: %+v", len(sc.calls), len(want), sc.calls)
	}
	for i := range want {
		if sc.calls[i].Type != want[i].Type || aws.ToString(sc.calls[i].SequenceNumber) != aws.ToString(want[i].SequenceNumber) {
			t.Fatalf("subscription %d from %s %s, want %s %s", i+1, sc.calls[i].Type, aws.ToString(sc.calls[i].SequenceNumber), want[i].Type, aws.ToString(want[i].SequenceNumber))
		}
	}
	if !sc.subs[0].closed || sc.subs[1].closed {
		t.Fatalf("closed: first %v, second %v; want the first closed by the renewal and the second open", sc.subs[0].closed, sc.subs[1].closed)
	}
}
