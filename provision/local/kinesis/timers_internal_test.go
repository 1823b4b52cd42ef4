package kinesis

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// TestTimersLeaveNothingBehind: a delayed state change (CREATING, DELETING,
// a reshard, a consumer's registration) leaves no goroutine once it has
// run, so a long-lived endpoint that creates and deletes streams does not
// grow; and Close still waits for, or cancels, the pending ones.
func TestTimersLeaveNothingBehind(t *testing.T) {
	s := newTestService(t, nil)
	before := runtime.NumGoroutine()
	var ran sync.WaitGroup
	for range 200 {
		ran.Add(1)
		s.after(time.Millisecond, ran.Done)
	}
	ran.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+5 { // timer callbacks finishing their return
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after 200 delayed changes ran, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	// Pending changes are dropped by Close, which returns.
	called := make(chan struct{}, 1)
	s.after(time.Hour, func() { called <- struct{}{} })
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a change pending")
	}
	select {
	case <-called:
		t.Fatal("a change pending at Close ran")
	default:
	}
}

// TestEndedSubscriptionsAreForgotten: the subscriptions remembered for the
// 5-second resubscribe rule are forgotten once that rule no longer needs
// them, and with their consumer, so register, subscribe and deregister
// cycles do not grow the endpoint for ever.
func TestEndedSubscriptionsAreForgotten(t *testing.T) {
	s, srv, arn := efoService(t)
	openSubscription(t, context.Background(), srv.URL, contentJSON, []byte(`{"ConsumerARN":"`+arn+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}}`))
	remembered := func() int {
		s.subs.mu.Lock()
		defer s.subs.mu.Unlock()
		return len(s.subs.latest)
	}
	if n := remembered(); n != 1 {
		t.Fatalf("%d subscriptions remembered while one streams", n)
	}
	s.mustCall(t, "DeregisterStreamConsumer", `{"ConsumerARN":"`+arn+`"}`, nil)
	waitFor(t, "the deregistered consumer's subscription to be forgotten", func() bool { return remembered() == 0 })

	// An ended subscription is kept through the resubscribe window only.
	recent := &subscription{key: subKey{"recent", 0}, startedMs: s.nowMs(), ended: make(chan struct{})}
	old := &subscription{key: subKey{"old", 0}, startedMs: s.nowMs() - resubscribeWindow.Milliseconds(), ended: make(chan struct{})}
	s.subs.mu.Lock()
	s.subs.latest[recent.key], s.subs.latest[old.key] = recent, old
	s.subs.mu.Unlock()
	s.forget(recent)
	s.forget(old)
	s.subs.mu.Lock()
	_, keptRecent := s.subs.latest[recent.key]
	_, keptOld := s.subs.latest[old.key]
	s.subs.mu.Unlock()
	if !keptRecent || keptOld {
		t.Fatalf("kept the recent one: %v, the old one: %v; want only the recent one", keptRecent, keptOld)
	}
}

// TestPutsRaceNoRestoredStream: puts read their stream's name without its
// lock while a failed commit puts the stream's settings back under it;
// under -race this test fails if the name is read from what is restored.
func TestPutsRaceNoRestoredStream(t *testing.T) {
	s, db := newSlowService(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.call("PutRecord", `{"StreamName":"events","PartitionKey":"p","Data":"`+b64("x")+`"}`)
		}
	}()
	// Two failing updates at once: each one's error path reads the name
	// while the other's restore rewrites the settings.
	var updates sync.WaitGroup
	for range 2 {
		updates.Add(1)
		go func() {
			defer updates.Done()
			for range 150 {
				done := db.FailNextCommit(errDiskFull)
				s.call("AddTagsToStream", `{"StreamName":"events","Tags":{"k":"v"}}`)
				select {
				case <-done:
				default:
				}
			}
		}()
	}
	updates.Wait()
	close(stop)
	wg.Wait()
}

// TestDeletedChannelsLeaveNoRecord: a deleted channel's record goes once
// its deletion finishes; kept, every DescribeStreamSummary and DeleteStream
// read every channel ever made (6 ms each after a thousand).
func TestDeletedChannelsLeaveNoRecord(t *testing.T) {
	s := newTestService(t, nil)
	records := func() int {
		n := 0
		s.env.DB.View(func(tx *store.Tx) error {
			return tx.Bucket(bucketChannels).ForEach(func(_, _ []byte) error { n++; return nil })
		})
		return n
	}
	s.mustCall(t, "CreateStream", `{"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`, nil)
	waitFor(t, "the stream to be ACTIVE", func() bool {
		return strings.Contains(s.call("DescribeStreamSummary", `{"StreamName":"od"}`).Body.String(), `"StreamStatus":"ACTIVE"`)
	})
	create := `{"ChannelName":"ch","ServiceExecutionRoleARN":"arn:aws:iam::000000000000:role/deliver",` +
		`"StreamConfigurationList":[{"StreamARN":"` + s.streamARN("od") + `","RecordConfiguration":{"RecordFormatType":"JSON"}}],` +
		`"S3DestinationConfiguration":{"StorageConfiguration":{"BucketARN":"arn:aws:s3:::bucket","ExpectedBucketOwner":"000000000000","CompressionType":"GZIP"},"DataFreshnessInSeconds":300}}`
	s.mustCall(t, "CreateChannel", create, nil)
	if n := records(); n != 1 {
		t.Fatalf("%d channel records after a create", n)
	}
	s.mustCall(t, "DeleteChannel", `{"ChannelARN":"`+s.channelARN("ch")+`"}`, nil)
	waitFor(t, "the deleted channel's record to go", func() bool { return records() == 0 })
}

// TestDeletedStreamsLeaveNoWaiters: a subscription's wait for the next put
// to its shard is forgotten with the stream, not kept for ever.
func TestDeletedStreamsLeaveNoWaiters(t *testing.T) {
	s := newTestService(t, nil)
	s.subs.signal("events", 0)
	s.subs.signal("events", 1)
	s.subs.signal("other", 0)
	s.subs.dropStream("events")
	s.subs.mu.Lock()
	left := len(s.subs.waiters)
	s.subs.mu.Unlock()
	if left != 1 {
		t.Fatalf("%d waiters left, want other's only", left)
	}
	// And through a deletion.
	s.subs.signal("events", 0)
	s.mustCall(t, "DeleteStream", `{"StreamName":"events"}`, nil)
	waitFor(t, "the deleted stream's waiter to go", func() bool {
		s.subs.mu.Lock()
		defer s.subs.mu.Unlock()
		return len(s.subs.waiters) == 1
	})
}
