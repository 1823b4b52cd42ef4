package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/spk-cli/spk/stream/results"
)

// fakeTable answers fetches from a list of results, repeating the last.
type fakeTable struct {
	mu      sync.Mutex
	results []fetchResult
	calls   atomic.Int32
}

type fetchResult struct {
	rows []results.Row
	err  error
}

func (f *fakeTable) fetch(ctx context.Context) ([]results.Row, error) {
	n := int(f.calls.Add(1)) - 1
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.results[min(n, len(f.results)-1)]
	return r.rows, r.err
}

var readAt = time.Date(2015, 6, 5, 12, 54, 59, 0, time.UTC)

func TestWatchGolden(t *testing.T) {
	for _, chart := range []bool{false, true} {
		for _, sz := range sizes {
			kind := "table"
			if chart {
				kind = "chart"
			}
			t.Run(fmt.Sprintf("%s/%dx%d", kind, sz.w, sz.h), func(t *testing.T) {
				table := &fakeTable{results: []fetchResult{{rows: shuffled()}}}
				m := NewWatchModel(context.Background(), WatchOptions{
					Fetch: table.fetch, Every: time.Hour, Chart: chart, Title: "my-table",
					Colors: ColorNone, Now: func() time.Time { return readAt },
				})
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz.w, sz.h))
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "15 rows") },
					teatest.WithDuration(10*time.Second))
				view := finalView(t, tm)
				checkSize(t, view, sz.w, sz.h)
				golden.RequireEqual(t, []byte(view+"\n"))
			})
		}
	}
}

func TestWatchRefreshes(t *testing.T) {
	rows := tableRows()
	table := &fakeTable{results: []fetchResult{
		{rows: rows[:5]},
		{err: errors.New("read aggregate table my-table: connection refused")},
		{rows: rows},
	}}
	m := newWatchModel(context.Background(), WatchOptions{Fetch: table.fetch, Every: time.Millisecond, Colors: ColorNone}, newStyles(nil, ColorNone))
	step := func(cmd tea.Cmd) tea.Cmd {
		t.Helper()
		msgs := run(t, cmd)
		if len(msgs) != 1 {
			t.Fatalf("command gave %d messages, want 1", len(msgs))
		}
		_, next := m.Update(msgs[0])
		return next
	}
	tick := step(m.Init()) // first fetch
	if len(m.rows) != 5 || m.err != nil {
		t.Fatalf("after the first fetch: %d rows, error %v", len(m.rows), m.err)
	}
	tick = step(step(tick)) // tick, then the failed fetch
	if len(m.rows) != 5 || m.err == nil {
		t.Fatalf("a failed fetch should keep the rows and show the error: %d rows, error %v", len(m.rows), m.err)
	}
	if v := m.View(); !strings.Contains(v, "✗ read aggregate table my-table: connection refused") || !strings.Contains(v, "Blue") {
		t.Errorf("view after a failed fetch:\n%s", v)
	}
	step(step(tick))
	if len(m.rows) != len(rows) || m.err != nil {
		t.Fatalf("after recovery: %d rows, error %v", len(m.rows), m.err)
	}
	if table.calls.Load() != 3 {
		t.Errorf("fetched %d times, want 3", table.calls.Load())
	}
}

func TestWatchKeys(t *testing.T) {
	m := newWatchModel(context.Background(), WatchOptions{Fetch: (&fakeTable{results: []fetchResult{{}}}).fetch}, newStyles(nil, ColorNone))
	m.Update(keyMsg("c"))
	if !m.chart {
		t.Error("c did not switch to the chart")
	}
	m.Update(keyMsg("c"))
	if m.chart {
		t.Error("c did not switch back to the table")
	}
	for _, k := range []tea.KeyMsg{keyMsg("q"), keyMsg("ctrl+c"), {Type: tea.KeyEsc}} {
		_, cmd := m.Update(k)
		if !isQuit(run(t, cmd)) {
			t.Errorf("%v did not quit", k)
		}
	}
}

func TestWatchKeepsHeaderAndNewestRows(t *testing.T) {
	m := newWatchModel(context.Background(), WatchOptions{Fetch: (&fakeTable{results: []fetchResult{{}}}).fetch}, newStyles(nil, ColorNone))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 8})
	m.Update(fetchedMsg{rows: tableRows(), at: readAt})
	v := m.View()
	checkSize(t, v, 100, 8)
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[1], "BucketStart") || !strings.Contains(lines[len(lines)-2], "2015-06-05T12:54:00.000  Yellow") {
		t.Errorf("a short screen should keep the header and the newest rows:\n%s", v)
	}
}

func TestRunWatch(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	table := &fakeTable{results: []fetchResult{{rows: tableRows()}}}
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- RunWatch(context.Background(), inR, out, WatchOptions{Fetch: table.fetch, Every: 5 * time.Millisecond, Colors: ColorNone})
	}()
	waitFor(t, "three refreshes", func() bool { return table.calls.Load() >= 3 })
	waitFor(t, "the rows on screen", func() bool { return strings.Contains(out.String(), "Yellow") })
	inW.Write([]byte("q"))
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("RunWatch = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunWatch did not return after q")
	}
}
