package lease_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/stream/lease"
)

// lateTakes holds each lease take until released, then applies it even if
// its caller gave up meanwhile: a request already sent when the worker
// stops reaches the table all the same.
type lateTakes struct {
	lease.DynamoDB
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (d *lateTakes) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if in.UpdateExpression == nil || !strings.Contains(*in.UpdateExpression, "if_not_exists") { // not a take
		return d.DynamoDB.UpdateItem(ctx, in, o...)
	}
	d.once.Do(func() { close(d.started) })
	<-d.release
	out, err := d.DynamoDB.UpdateItem(context.WithoutCancel(ctx), in, o...)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, err
}

// A take in flight when the worker stops is waited for: once Run returns,
// a lease the table gives this worker is one the coordinator holds, so the
// stop can hand it back.
func TestStopWaitsForATakeInFlight(t *testing.T) {
	tbl := newTable(t, 1)
	db := &lateTakes{DynamoDB: tbl.DB, started: make(chan struct{}), release: make(chan struct{})}
	c := &lease.Coordinator{Table: &lease.Table{DB: db, Name: tbl.Name}, WorkerID: "stopping", Failover: 3 * time.Second}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-db.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the coordinator did not try to take the lease within 30s")
	}
	stop()
	close(db.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ls, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, h := range c.Held() {
		held[h.Key()] = true
	}
	for _, l := range ls {
		if l.Owner == "stopping" && !held[l.Key] {
			t.Fatalf("lease %s is owned by the stopped worker, which holds no handle for it: nobody would hand it back", l.Key)
		}
	}
	if !held["shardId-000000000000"] {
		t.Fatalf("the take that was in flight is not held after Run returned (held %v)", held)
	}
}
