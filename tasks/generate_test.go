package tasks

import (
	"context"
	"errors"
	"testing"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/generate"
)

// TestGenerateStepSendsAndSays: step 5 sends what it was asked, says so in
// its note and hands over the producer's summary.
func TestGenerateStepSendsAndSays(t *testing.T) {
	k, _ := endpoint(t)
	if _, err := provision.CreateStream(context.Background(), k, provision.StreamSpec{Name: "events", Shards: 1}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := generate.New(k, generate.Options{StreamName: "events", Count: 25, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var r recorder
	var sum generate.Summary
	if err := (Runner{OnEvent: r.on}).Run(context.Background(), []Task{Generate(p, "events", &sum)}); err != nil {
		t.Fatal(err)
	}
	if sum.Acknowledged != 25 {
		t.Fatalf("summary says %d acknowledged, want 25", sum.Acknowledged)
	}
	want := "5 generate events into events pending\n5 generate events into events running\n5 generate events into events done: 25 events acknowledged"
	if got := r.String(); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
}

// TestGenerateStepMissingStreamFails: a missing stream fails step 5 with
// the producer's own error, and the summary says nothing was sent.
func TestGenerateStepMissingStreamFails(t *testing.T) {
	k, _ := endpoint(t)
	p, err := generate.New(k, generate.Options{StreamName: "nowhere", Count: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sum generate.Summary
	err = Runner{}.Run(context.Background(), []Task{Generate(p, "nowhere", &sum)})
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepGenerate {
		t.Fatalf("got %v, want step 5's failure", err)
	}
	if sum.Acknowledged != 0 {
		t.Fatalf("summary says %d acknowledged", sum.Acknowledged)
	}
}
