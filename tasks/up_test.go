package tasks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/sink"
)

// TestUpRunsEveryStepOnce: spk up's steps are announced once each, in the
// tutorial's order, by the one Runner; each ends once; the live steps
// start together (7, 5, then 9); and what was sent is what was counted.
func TestUpRunsEveryStepOnce(t *testing.T) {
	k, db, url := endpointAt(t)
	var events []Event
	up := newTestUp(t, k, db, url, "UpTestApp", 1, func(e Event) { events = append(events, e) })
	sum, err := up.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var pending, ends, running []string
	for _, e := range events {
		key := fmt.Sprint(e.Step)
		switch e.State {
		case Pending:
			pending = append(pending, key)
		case Running:
			if e.Step == StepGenerate || e.Step == StepRun || e.Step == StepShow {
				running = append(running, key)
			}
		default:
			ends = append(ends, key+" "+string(e.State))
		}
	}
	if got := strings.Join(pending, ","); got != "2,3,4,5,6,7,8,9" {
		t.Errorf("announced %s, want each step once in order", got)
	}
	if got := strings.Join(running, ","); got != "7,5,9" {
		t.Errorf("the live steps started as %s, want 7,5,9", got)
	}
	done := map[string]int{}
	for _, e := range ends {
		done[e]++
	}
	for _, want := range []string{"2 done", "3 done", "4 done", "5 done", "6 skipped", "7 done", "8 done", "9 done"} {
		if done[want] != 1 {
			t.Errorf("%q ended %d times; ends: %v", want, done[want], ends)
		}
	}
	if len(ends) != 8 {
		t.Errorf("%d ends, want 8: %v", len(ends), ends)
	}
	if sum.Sent == 0 || sum.Counted != sum.Sent || sum.Total != sum.Sent || !sum.CaughtUp {
		t.Errorf("summary %+v: want sent = counted = table total", sum)
	}
}

// TestUpCountsItsOwnLastRecordsBehindABacklog: with records an earlier run
// left unread, the consumer's total passes the number sent long before this
// run's last records are read; caught up must still mean every one of them
// is in the table.
func TestUpCountsItsOwnLastRecordsBehindABacklog(t *testing.T) {
	k, db, url := endpointAt(t)
	const backlog = 20000
	streamWith(t, k, "my-stream", backlog)
	up := newTestUp(t, k, db, url, "UpBacklogApp", 2, nil)
	sum, err := up.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent == 0 || !sum.CaughtUp || sum.Total != backlog+sum.Sent {
		t.Fatalf("sent %d, caught up %v, table total %d: want the backlog's %d and every event sent", sum.Sent, sum.CaughtUp, sum.Total, backlog)
	}
}

// newTestUp is spk up on the endpoint at url: my-stream (made with shards
// when missing) into my-table for app, at 200 events/s for a second.
func newTestUp(t *testing.T, k *kinesis.Client, db *dynamodb.Client, url, app string, shards int32, onEvent func(Event)) *Up {
	t.Helper()
	clients := &provision.Clients{Target: provision.Target{Region: "us-east-1", KinesisEndpoint: url, DynamoDBEndpoint: url}, Kinesis: k, DynamoDB: db}
	up, err := NewUp(UpOptions{
		Clients:  clients,
		Stream:   provision.StreamSpec{Name: "my-stream", Shards: shards, App: app},
		Table:    sink.TableSpec("my-table", app, "", nil),
		App:      app,
		Generate: generate.Options{Rate: 200},
		Duration: time.Second,
		OnEvent:  onEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	return up
}
