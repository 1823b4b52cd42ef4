// Package tasks holds the tutorial's steps as idempotent tasks and the
// runner that sequences them. The runner emits progress events; the
// dashboard or the plain printer consumes them, and tasks know neither.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// State is where a task is in its life.
type State string

// The states a task goes through.
const (
	Pending State = "pending"
	Running State = "running"
	Done    State = "done"
	Skipped State = "skipped"
	Failed  State = "failed"
)

// Event is one change in a task's state, or a progress line while it runs.
type Event struct {
	Step   int       `json:"step"`
	Name   string    `json:"name"`
	State  State     `json:"state"`
	Detail string    `json:"detail,omitempty"`
	Err    error     `json:"-"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at"`
}

// Task is one tutorial step. Run must be idempotent: running it again after
// success, or after a failure half-way, converges on the same result.
type Task struct {
	Step int    // the tutorial's step number
	Name string // what it does, for people
	// Run does the work; progress reports what it is waiting for. It returns
	// a short note on what it found or did.
	Run func(ctx context.Context, progress func(string)) (note string, err error)
	// SkipReason, when set, marks a step spk does not need, with why.
	SkipReason string
	// Detail is what the step's Running event says when it starts: what a
	// long-running step does while it runs.
	Detail string
}

// Runner runs tasks in order and reports every state change.
type Runner struct {
	// OnEvent receives every event, in order, from the goroutine calling Run.
	OnEvent func(Event)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (r Runner) emit(t Task, s State, detail string, err error) {
	if r.OnEvent == nil {
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	e := Event{Step: t.Step, Name: t.Name, State: s, Detail: detail, Err: err, At: now()}
	if err != nil {
		e.Error = err.Error()
	}
	r.OnEvent(e)
}

// Announce emits every task as pending, in order: the steps a view lists
// before any runs. Run and RunParallel announce their own tasks; a caller
// that runs one list in parts announces it whole first, then runs each part
// with RunAnnounced or RunParallelAnnounced, so every step is numbered and
// listed once.
func (r Runner) Announce(tasks []Task) {
	for _, t := range tasks {
		r.emit(t, Pending, "", nil)
	}
}

// Run announces every task as pending, then runs them in order and stops at
// the first failure, which it returns wrapped with the step.
func (r Runner) Run(ctx context.Context, tasks []Task) error {
	r.Announce(tasks)
	return r.RunAnnounced(ctx, tasks)
}

// RunAnnounced is Run for tasks already announced.
func (r Runner) RunAnnounced(ctx context.Context, tasks []Task) error {
	for _, t := range tasks {
		if t.SkipReason != "" {
			r.emit(t, Skipped, t.SkipReason, nil)
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r.emit(t, Running, t.Detail, nil)
		note, err := t.Run(ctx, func(msg string) { r.emit(t, Running, msg, nil) })
		if err != nil {
			r.emit(t, Failed, "", err)
			return &StepError{Step: t.Step, Name: t.Name, Err: err}
		}
		r.emit(t, Done, note, nil)
	}
	return nil
}

// RunParallel announces every task as pending, then runs them all at once
// (tasks with nothing in common, such as creating a stream and tables) and
// waits for every one. Each task is marked running, in order, before any
// starts; later events are delivered one at a time, but from the tasks'
// goroutines. It returns the failure of the lowest step, wrapped with the
// step; the other tasks run to their end.
func (r Runner) RunParallel(ctx context.Context, tasks []Task) error {
	r.Announce(tasks)
	return r.RunParallelAnnounced(ctx, tasks)
}

// RunParallelAnnounced is RunParallel for tasks already announced.
func (r Runner) RunParallelAnnounced(ctx context.Context, tasks []Task) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var mu sync.Mutex
	locked := r
	locked.OnEvent = func(e Event) {
		if r.OnEvent == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		r.OnEvent(e)
	}
	for _, t := range tasks {
		if t.SkipReason != "" {
			locked.emit(t, Skipped, t.SkipReason, nil)
		} else {
			locked.emit(t, Running, t.Detail, nil)
		}
	}
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, t := range tasks {
		if t.SkipReason != "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			note, err := t.Run(ctx, func(msg string) { locked.emit(t, Running, msg, nil) })
			if err != nil {
				locked.emit(t, Failed, "", err)
				errs[i] = &StepError{Step: t.Step, Name: t.Name, Err: err}
				return
			}
			locked.emit(t, Done, note, nil)
		}()
	}
	wg.Wait()
	var first error
	firstStep := 0
	for i, err := range errs {
		if err != nil && (first == nil || tasks[i].Step < firstStep) {
			first, firstStep = err, tasks[i].Step
		}
	}
	return first
}

// StepError is a task's failure.
type StepError struct {
	Step int
	Name string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %d (%s): %v", e.Step, e.Name, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// IsStepError reports whether err came from a task.
func IsStepError(err error) bool {
	var se *StepError
	return errors.As(err, &se)
}
