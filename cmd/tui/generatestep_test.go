package tui

import (
	"regexp"
	"testing"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/tasks"
)

// TestGenerateStepFollowsTheGenerator: step 5's line says the rate the
// generator runs at after + and -, and that it is paused, not the rate it
// started with.
func TestGenerateStepFollowsTheGenerator(t *testing.T) {
	g := &fakeGenerator{rate: 10}
	opts := upOptions()
	opts.Generator = g
	m := newTestDashboard(opts)
	m.Update(tasks.Event{Step: tasks.StepGenerate, Name: "generate events", State: tasks.Running, Detail: "10 events/s", At: t0})
	m.Update(generate.Snapshot{TargetRate: 10, CurrentRate: 10})
	step := func() string {
		t.Helper()
		line := regexp.MustCompile(`(?m)^. +5  generate events +(.*?) *$`).FindStringSubmatch(m.View())
		if line == nil {
			t.Fatalf("no step 5 on the screen:\n%s", m.View())
		}
		return line[1]
	}
	press := func(k string) {
		_, cmd := m.Update(keyMsg(k))
		for _, msg := range run(t, cmd) {
			m.Update(msg)
		}
	}
	for _, c := range []struct{ keys, want string }{
		{"", "10 events/s"},
		{"+", "20 events/s"},
		{"+", "50 events/s"},
		{"-", "20 events/s"},
		{"p", "paused · resumes at 20 events/s"},
		{"p", "20 events/s"},
	} {
		for _, k := range c.keys {
			press(string(k))
		}
		if got := step(); got != c.want {
			t.Fatalf("after %q step 5 says %q, want %q", c.keys, got, c.want)
		}
	}
	// A snapshot says what the generator does, whoever changed it.
	m.Update(generate.Snapshot{TargetRate: 0, Paused: true})
	if got := step(); got != "paused · resumes with no rate limit" {
		t.Fatalf("after a snapshot step 5 says %q", got)
	}
}
