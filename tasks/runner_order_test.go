package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder keeps every event as "step name state detail-or-error".
type recorder struct{ lines []string }

func (r *recorder) on(e Event) {
	s := fmt.Sprintf("%d %s %s", e.Step, e.Name, e.State)
	switch {
	case e.Err != nil:
		s += ": " + e.Error
	case e.Detail != "":
		s += ": " + e.Detail
	}
	r.lines = append(r.lines, s)
}

func (r *recorder) String() string { return strings.Join(r.lines, "\n") }

func note(n string) func(context.Context, func(string)) (string, error) {
	return func(context.Context, func(string)) (string, error) { return n, nil }
}

// TestRunInOrder: every task is announced, then each runs in turn with its
// start detail, its progress and its note; a skipped task says why.
func TestRunInOrder(t *testing.T) {
	var r recorder
	var ran []string
	err := Runner{OnEvent: r.on}.Run(context.Background(), []Task{
		{Step: 2, Name: "a", Detail: "starting", Run: func(_ context.Context, progress func(string)) (string, error) {
			ran = append(ran, "a")
			progress("half-way")
			return "done a", nil
		}},
		{Step: 6, Name: "s", SkipReason: "not needed"},
		{Step: 3, Name: "b", Run: func(context.Context, func(string)) (string, error) { ran = append(ran, "b"); return "", nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `2 a pending
6 s pending
3 b pending
2 a running: starting
2 a running: half-way
2 a done: done a
6 s skipped: not needed
3 b running
3 b done`
	if r.String() != want || strings.Join(ran, ",") != "a,b" {
		t.Fatalf("events:\n%s\nwant:\n%s\nran %v", r.String(), want, ran)
	}
}

// TestRunStopsAtTheFirstFailure: the failed task's error is its event's and,
// wrapped with its step, Run's; the tasks after it never run.
func TestRunStopsAtTheFirstFailure(t *testing.T) {
	var r recorder
	ranAfter := false
	err := Runner{OnEvent: r.on}.Run(context.Background(), []Task{
		{Step: 3, Name: "create stream", Run: note("ready")},
		{Step: 4, Name: "create table", Run: func(context.Context, func(string)) (string, error) { return "", errors.New("table refused") }},
		{Step: 8, Name: "create lease table", Run: func(context.Context, func(string)) (string, error) { ranAfter = true; return "", nil }},
	})
	var se *StepError
	if !errors.As(err, &se) || se.Step != 4 || err.Error() != "step 4 (create table): table refused" || !IsStepError(err) {
		t.Fatalf("got %v", err)
	}
	if ranAfter {
		t.Fatal("a task after the failure ran")
	}
	want := `3 create stream pending
4 create table pending
8 create lease table pending
3 create stream running
3 create stream done: ready
4 create table running
4 create table failed: table refused`
	if r.String() != want {
		t.Fatalf("events:\n%s\nwant:\n%s", r.String(), want)
	}
}

// TestRunStopsWhenCancelled: a task that ends ctx is the last to run; Run
// returns ctx's error, not a step's, and the rest stay pending.
func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var r recorder
	err := Runner{OnEvent: r.on}.Run(ctx, []Task{
		{Step: 3, Name: "a", Run: func(context.Context, func(string)) (string, error) { cancel(); return "cancelled", nil }},
		{Step: 4, Name: "b", Run: note("never")},
	})
	if !errors.Is(err, context.Canceled) || IsStepError(err) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if strings.Contains(r.String(), "4 b running") {
		t.Fatalf("b ran after the cancellation:\n%s", r.String())
	}
}

// TestRunParallelCancelled: a task that waits on ctx fails with ctx's
// error when it ends, wrapped with its step; ended before, nothing runs.
func TestRunParallelCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() { <-started; cancel() }()
	var r recorder
	err := Runner{OnEvent: r.on}.RunParallel(ctx, []Task{
		{Step: 3, Name: "waits", Run: func(ctx context.Context, _ func(string)) (string, error) {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		}},
	})
	if !errors.Is(err, context.Canceled) || err.Error() != "step 3 (waits): context canceled" {
		t.Fatalf("got %v", err)
	}
	if !strings.HasSuffix(r.String(), "3 waits failed: context canceled") {
		t.Fatalf("events:\n%s", r.String())
	}

	r = recorder{}
	err = Runner{OnEvent: r.on}.RunParallel(ctx, []Task{{Step: 3, Name: "late", Run: note("never")}})
	if !errors.Is(err, context.Canceled) || r.String() != "3 late pending" {
		t.Fatalf("got %v, events:\n%s", err, r.String())
	}
}

// TestAnnounceOnceRunInParts: a list announced whole, then run in parts
// (as spk up does), lists every step once and in its order, and the
// parallel part's steps are marked running in order before any finishes.
func TestAnnounceOnceRunInParts(t *testing.T) {
	var r recorder
	list := []Task{
		{Step: 2, Name: "endpoint", Run: note("up")},
		{Step: 3, Name: "stream", Run: note("ready")},
		{Step: 6, Name: "spark", SkipReason: "not needed"},
		{Step: 7, Name: "count", Detail: "reading", Run: note("counted")},
	}
	run := Runner{OnEvent: r.on}
	run.Announce(list)
	if err := run.RunAnnounced(context.Background(), list[:1]); err != nil {
		t.Fatal(err)
	}
	if err := run.RunParallelAnnounced(context.Background(), list[1:]); err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, l := range r.lines {
		if strings.HasSuffix(l, " pending") {
			pending++
		}
	}
	head := strings.Join(r.lines[:9], "\n")
	want := `2 endpoint pending
3 stream pending
6 spark pending
7 count pending
2 endpoint running
2 endpoint done: up
3 stream running
6 spark skipped: not needed
7 count running: reading`
	if pending != 4 || head != want || len(r.lines) != 11 {
		t.Fatalf("events:\n%s\nwant first:\n%s", r.String(), want)
	}
}
