package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/spk-cli/spk/stream/metrics"
)

// Run the tests with -update to rewrite the golden files under testdata.

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func upOptions() DashboardOptions {
	return DashboardOptions{
		Title: "spk up", Stream: "my-stream", App: "StreamingCountsApp", Table: "my-table",
		Target: "the embedded endpoint at http://127.0.0.1:4566", Generator: &fakeGenerator{rate: 100}, OnQuit: func() {},
		Colors: ColorNone, Static: true,
	}
}

// feedUp sends a whole fake `spk up` to a running test program.
func feedUp(tm *teatest.TestModel) {
	for _, e := range upEvents() {
		tm.Send(e)
	}
	prod, cons := producerSnaps(), consumerSnaps()
	for i := range prod {
		tm.Send(prod[i])
		tm.Send(cons[i])
	}
	tm.Send(tableRows())
}

// finalView quits the program once every message sent was handled (they
// are handled in order) and returns its last view.
func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
}

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("view has %d lines, more than the terminal's %d", len(lines), h)
	}
	for i, l := range lines {
		if n := displayWidth(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, n, w, l)
		}
	}
}

func TestDashboardGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d := NewDashboard(upOptions())
			tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(sz.w, sz.h))
			feedUp(tm)
			view := finalView(t, tm)
			checkSize(t, view, sz.w, sz.h)
			golden.RequireEqual(t, []byte(view+"\n"))
		})
	}
}

func TestDashboardStoppingGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d := NewDashboard(upOptions())
			tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(sz.w, sz.h))
			feedUp(tm)
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
			view := finalView(t, tm)
			checkSize(t, view, sz.w, sz.h)
			golden.RequireEqual(t, []byte(view+"\n"))
		})
	}
}

func TestDashboardFinishedGolden(t *testing.T) {
	d := NewDashboard(upOptions())
	tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(80, 24))
	feedUp(tm)
	tm.Send(Summary{Notes: []string{"12,345 events sent", "12,300 counted"}})
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*dashboard)
	view := m.View()
	checkSize(t, view, 80, 24)
	golden.RequireEqual(t, []byte(view+"\n"+"--- final report ---\n"+m.finalReport()))
}

func TestDashboardFailedGolden(t *testing.T) {
	opts := upOptions()
	opts.Title = "spk up"
	d := NewDashboard(opts)
	tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(80, 24))
	for _, e := range failedEvents() {
		tm.Send(e)
	}
	tm.Send(Summary{Err: errors.New("step 4 (create table my-table): table my-table exists with hash key Id (S)")})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	checkSize(t, view, 80, 24)
	golden.RequireEqual(t, []byte(view+"\n"))
}

// TestDashboardShortScreens checks the blocks give way on small screens
// without any line running over.
func TestDashboardShortScreens(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 16}, {60, 12}, {40, 8}, {100, 20}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d := NewDashboard(upOptions())
			tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(sz.w, sz.h))
			feedUp(tm)
			view := finalView(t, tm)
			checkSize(t, view, sz.w, sz.h)
			for _, want := range []string{"spk up", "q quit"} {
				if !strings.Contains(view, want) {
					t.Errorf("view at %dx%d lacks %q:\n%s", sz.w, sz.h, want, view)
				}
			}
			if sz.h >= 16 && !strings.Contains(view, "12:54") {
				t.Errorf("view at %dx%d shows no counts for the newest minute:\n%s", sz.w, sz.h, view)
			}
		})
	}
}

func TestStepsGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := NewStepsModel(StepsOptions{Title: "spk up", Colors: ColorNone, Static: true}, nil)
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz.w, sz.h))
			for _, e := range upEvents() {
				tm.Send(e)
			}
			view := finalView(t, tm)
			checkSize(t, strings.TrimSuffix(view, "\n"), sz.w, sz.h)
			golden.RequireEqual(t, []byte(view))
		})
	}
}

func TestStepsFailedGolden(t *testing.T) {
	m := NewStepsModel(StepsOptions{Colors: ColorNone, Static: true}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	for _, e := range failedEvents() {
		tm.Send(e)
	}
	tm.Send(StepsDone(errors.New("step 4: table my-table exists with hash key Id (S)")))
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	golden.RequireEqual(t, []byte(view))
}

// TestDashboardPartsGolden draws the dashboard of the commands that run one
// side only: generate-events (a producer, no steps) and run (a consumer
// sharing four shards with another worker, counts from its own writes).
func TestDashboardPartsGolden(t *testing.T) {
	t.Run("generate-events", func(t *testing.T) {
		d := NewDashboard(DashboardOptions{Title: "spk generate-events", Stream: "my-stream",
			Generator: &fakeGenerator{rate: 100}, Colors: ColorNone, Static: true})
		tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(80, 24))
		snaps := producerSnaps()
		last := snaps[len(snaps)-1]
		last.Throttled, last.Failed, last.Failures = 17, 2, map[string]int64{"ProvisionedThroughputExceededException": 2}
		last.Paused = true
		snaps[len(snaps)-1] = last
		for _, s := range snaps {
			tm.Send(s)
		}
		view := finalView(t, tm)
		checkSize(t, view, 80, 24)
		golden.RequireEqual(t, []byte(view+"\n"))
	})
	t.Run("run", func(t *testing.T) {
		d := NewDashboard(DashboardOptions{Title: "spk run", Stream: "my-stream", App: "StreamingCountsApp", Table: "my-table",
			OnQuit: func() {}, Colors: ColorNone, Static: true})
		tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(80, 24))
		for _, s := range consumerSnaps() {
			s.Retrieval = "fanout"
			s.LeasesHeld = 2
			s.MaxMillisBehind = 12_400
			s.Shards = []metrics.ShardState{
				{ID: "shardId-000000000000", Owner: "worker-7f3a", Held: true, MillisBehind: 12_400},
				{ID: "shardId-000000000001", Owner: "worker-b912", MillisBehind: -1},
				{ID: "shardId-000000000002", Owner: "worker-7f3a", Held: true, MillisBehind: 300},
				{ID: "shardId-000000000003", MillisBehind: -1, Finished: true},
			}
			s.RecentBuckets = []metrics.BucketCount{
				{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 240, UpdatedAt: "2015-06-05T12:54:10.000Z"},
				{Start: "2015-06-05T12:54:00.000", Group: "Green", Count: 198, UpdatedAt: "2015-06-05T12:54:09.000Z"},
				{Start: "2015-06-05T12:53:00.000", Group: "Red", Count: 601, UpdatedAt: "2015-06-05T12:53:59.000Z"},
			}
			tm.Send(s)
		}
		view := finalView(t, tm)
		checkSize(t, view, 80, 24)
		golden.RequireEqual(t, []byte(view+"\n"))
	})
}
