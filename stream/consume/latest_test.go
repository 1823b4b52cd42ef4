package consume_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
)

// A worker that starts a shard at LATEST records where it started before
// it reads: killed on an idle shard before any checkpoint, it leaves that
// position, and the worker that takes the lease over counts every event
// put since, rather than starting at the tip of its own later moment.
func TestLatestStartSurvivesAKillBeforeTheFirstCheckpoint(t *testing.T) {
	t.Parallel()
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	a := v.child("worker-a", false, "SPK_CT_INITIAL=LATEST")
	tbl := &lease.Table{DB: v.db, Name: v.app}
	deadline := time.Now().Add(30 * time.Second)
	for { // until worker-a holds the lease and has recorded its start
		l, ok, err := tbl.Get(context.Background(), "shardId-000000000000")
		if err == nil && ok && l.Owner == "worker-a" && l.Checkpoint == lease.AtTimestamp && !l.AtTimestamp.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			a.Process.Kill()
			a.Wait()
			t.Fatalf("worker-a did not record where its LATEST start is (lease %+v, %v)", l, err)
		}
		time.Sleep(50 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
	a.Process.Signal(syscall.SIGKILL)
	a.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	load := endpointtest.Load{Events: 200, Seed: 3}
	if err := endpointtest.Put(ctx, v.kc, v.stream, load.Entries()); err != nil {
		t.Fatal(err)
	}
	want, _ := v.expected()
	b := v.child("worker-b", true, "SPK_CT_INITIAL=LATEST")
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if d := endpointtest.Diff(want, v.counts()); d != "" {
		t.Fatalf("after worker-a was killed holding a LATEST lease, worker-b's counts differ from the %d events put: %s", want.Total(), d)
	}
}

// Shard ids repeat from stream to stream: a lease table that holds one
// stream's leases is refused for another, before anything is created,
// rather than read as that stream's checkpoints.
func TestALeaseTableOfAnotherStreamIsRefused(t *testing.T) {
	t.Parallel()
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 50, Seed: 5})
	v.runUntilCaughtUp(v.options())
	tbl := &lease.Table{DB: v.db, Name: v.app}
	before, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	other := v.stream + "-other"
	if err := endpointtest.CreateStream(ctx, v.kc, other, 1); err != nil {
		t.Fatal(err)
	}
	o := v.options()
	o.Stream, o.Table, o.UntilCaughtUp = other, v.table+"-other", true
	c, err := consume.New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Run(ctx)
	want := fmt.Sprintf("lease table %q holds the leases of stream %q, not %q: choose another app name (--app) for %q, or delete that lease table if %q is done with", v.app, v.stream, other, other, v.stream)
	if err == nil || err.Error() != want {
		t.Fatalf("a consumer of %s on %s's lease table answered\n%v\nwant\n%s", other, v.stream, err, want)
	}
	after, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the refused consumer changed the leases:\n%v\nbefore:\n%v", after, before)
	}
	if _, err := v.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(o.Table)}); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("the refused consumer left its aggregate table %s behind (DescribeTable: %v)", o.Table, err)
	}
}
