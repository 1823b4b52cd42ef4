package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/spk-cli/spk/stream/results"
)

// manyRows are minutes enough buckets of the five types that the table
// is taller than any test screen.
func manyRows(minutes int) []results.Row {
	var rows []results.Row
	for i := range minutes {
		b := t0.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000")
		for j, typ := range []string{"Blue", "Green", "Orange", "Red", "Yellow"} {
			rows = append(rows, results.Row{BucketStart: b, EventType: typ, Count: int64(100 + i*5 + j),
				CreatedAt: "2015-06-05T12:52:01.000Z", UpdatedAt: "2015-06-05T12:59:59.000Z"})
		}
	}
	return rows
}

// scrollModel is a watch of rows on an 80×24 screen, read once.
func scrollModel(t *testing.T, rows []results.Row, chart bool) *watchModel {
	t.Helper()
	m := newWatchModel(context.Background(), WatchOptions{Fetch: func(context.Context) ([]results.Row, error) { return rows, nil },
		Every: time.Hour, Chart: chart, Title: "my-table", Colors: ColorNone, Now: func() time.Time { return readAt }}, newStyles(nil, ColorNone))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(m.fetch())
	return m
}

func scrollKey(k string) tea.KeyMsg {
	switch k {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// TestWatchScrolls: a table taller than the screen starts at its newest
// rows and moves with the arrows, j and k, the page keys, home and end,
// the column names staying in view and the footer saying where it is.
func TestWatchScrolls(t *testing.T) {
	m := scrollModel(t, manyRows(30), false) // 150 rows; 24 - title - header - footer = 21 in view
	for _, c := range []struct {
		keys  []string
		where string
		first string // the first row in view
	}{
		{nil, "rows 130–150 of 150", "2015-06-05T13:17:00.000  Yellow"},
		{[]string{"up"}, "rows 129–149 of 150", "2015-06-05T13:17:00.000  Red"},
		{[]string{"k", "k"}, "rows 127–147 of 150", "2015-06-05T13:17:00.000  Green"},
		{[]string{"j"}, "rows 128–148 of 150", "2015-06-05T13:17:00.000  Orange"},
		{[]string{"pgup"}, "rows 107–127 of 150", "2015-06-05T13:13:00.000  Green"},
		{[]string{"home"}, "rows 1–21 of 150", "2015-06-05T12:52:00.000  Blue"},
		{[]string{"up"}, "rows 1–21 of 150", "2015-06-05T12:52:00.000  Blue"},
		{[]string{"pgdown"}, "rows 22–42 of 150", "2015-06-05T12:56:00.000  Green"},
		{[]string{"down"}, "rows 23–43 of 150", "2015-06-05T12:56:00.000  Orange"},
		{[]string{"end"}, "rows 130–150 of 150", "2015-06-05T13:17:00.000  Yellow"},
		{[]string{"down"}, "rows 130–150 of 150", "2015-06-05T13:17:00.000  Yellow"},
		{[]string{"g"}, "rows 1–21 of 150", "2015-06-05T12:52:00.000  Blue"},
		{[]string{"G"}, "rows 130–150 of 150", "2015-06-05T13:17:00.000  Yellow"},
	} {
		for _, k := range c.keys {
			m.Update(scrollKey(k))
		}
		v := m.View()
		lines := strings.Split(v, "\n")
		checkSize(t, v, 80, 24)
		if len(lines) != 24 {
			t.Fatalf("after %v the view has %d lines, want 24:\n%s", c.keys, len(lines), v)
		}
		if !strings.HasPrefix(lines[1], "BucketStart") {
			t.Errorf("after %v the column names are not pinned under the title:\n%s", c.keys, v)
		}
		if !strings.HasPrefix(lines[2], c.first) {
			t.Errorf("after %v the first row is %q, want %q", c.keys, lines[2], c.first)
		}
		if footer := lines[len(lines)-1]; !strings.HasSuffix(footer, c.where) || !strings.Contains(footer, "↑↓ pgup pgdn home end scroll") {
			t.Errorf("after %v the footer is %q, want it to end with %q", c.keys, footer, c.where)
		}
	}
}

// TestWatchScrollKeepsPlace: a refresh keeps the rows in view where the
// user scrolled to, and follows the newest rows when at the end.
func TestWatchScrollKeepsPlace(t *testing.T) {
	rows := manyRows(30)
	m := scrollModel(t, rows, false)
	m.Update(scrollKey("home"))
	m.Update(fetchedMsg{rows: manyRows(31), at: readAt})
	if v := m.View(); !strings.HasSuffix(v, "rows 1–21 of 155") {
		t.Fatalf("a refresh moved the rows scrolled to:\n%s", v)
	}
	m.Update(scrollKey("end"))
	m.Update(fetchedMsg{rows: manyRows(32), at: readAt})
	if v := m.View(); !strings.HasSuffix(v, "rows 140–160 of 160") {
		t.Fatalf("a refresh at the end did not follow the newest rows:\n%s", v)
	}
}

// TestWatchFitsWithoutScrolling: rows that fit show no scroll hint.
func TestWatchFitsWithoutScrolling(t *testing.T) {
	m := scrollModel(t, manyRows(2), false)
	if v := m.View(); strings.Contains(v, "scroll") || strings.Contains(v, "of 10") {
		t.Fatalf("a table that fits offers scrolling:\n%s", v)
	}
}

// TestWatchScrollGolden: the table and the chart scrolled to the top.
func TestWatchScrollGolden(t *testing.T) {
	for _, chart := range []bool{false, true} {
		t.Run(fmt.Sprintf("chart=%v", chart), func(t *testing.T) {
			m := scrollModel(t, manyRows(30), chart)
			m.Update(scrollKey("home"))
			v := m.View()
			checkSize(t, v, 80, 24)
			golden.RequireEqual(t, []byte(v+"\n"))
		})
	}
}
