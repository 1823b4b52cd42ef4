package tasks

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRunParallelRunsTasksAtOnce runs two tasks that each wait for the
// other to start: run in turn they could never finish.
func TestRunParallelRunsTasksAtOnce(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	meet := func(mine, theirs chan struct{}) func(context.Context, func(string)) (string, error) {
		return func(ctx context.Context, _ func(string)) (string, error) {
			close(mine)
			select {
			case <-theirs:
				return "met", nil
			case <-time.After(30 * time.Second):
				return "", errors.New("the other task never started")
			}
		}
	}
	// The recorder is not safe for concurrent use: the race detector
	// catches events delivered at once.
	var events []Event
	r := Runner{OnEvent: func(e Event) { events = append(events, e) }}
	err := r.RunParallel(context.Background(), []Task{
		{Step: 3, Name: "a", Run: meet(a, b)},
		{Step: 4, Name: "b", Run: meet(b, a)},
		{Step: 6, Name: "skipped", SkipReason: "not needed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string][]State{}
	for _, e := range events {
		states[e.Name] = append(states[e.Name], e.State)
	}
	for _, name := range []string{"a", "b"} {
		if got := states[name]; len(got) != 3 || got[0] != Pending || got[1] != Running || got[2] != Done {
			t.Errorf("%s went through %v", name, got)
		}
	}
	if got := states["skipped"]; len(got) != 2 || got[1] != Skipped {
		t.Errorf("skipped went through %v", got)
	}
	// Every task is announced before any runs.
	for i, e := range events[:3] {
		if e.State != Pending {
			t.Fatalf("event %d is %s before every task was announced", i, e.State)
		}
	}
}

// TestRunParallelReturnsTheLowestStepsFailure lets every task run to its
// end and returns the failure of the lowest step.
func TestRunParallelReturnsTheLowestStepsFailure(t *testing.T) {
	ran := make(chan string, 3)
	fail := func(name string, err error) func(context.Context, func(string)) (string, error) {
		return func(context.Context, func(string)) (string, error) {
			ran <- name
			return "", err
		}
	}
	err := Runner{}.RunParallel(context.Background(), []Task{
		{Step: 4, Name: "create table", Run: fail("table", errors.New("table refused"))},
		{Step: 3, Name: "create stream", Run: fail("stream", errors.New("stream refused"))},
		{Step: 8, Name: "create lease table", Run: fail("lease", nil)},
	})
	var se *StepError
	if !errors.As(err, &se) || se.Step != 3 || err.Error() != "step 3 (create stream): stream refused" {
		t.Fatalf("got %v", err)
	}
	if len(ran) != 3 {
		t.Fatalf("%d of 3 tasks ran", len(ran))
	}
}
