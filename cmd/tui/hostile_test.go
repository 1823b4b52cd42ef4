package tui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

// hostileType clears the screen, turns the text red and retitles the
// window when printed raw.
const hostileType = "\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007"

// hostileShown is hostileType as the views print it.
const hostileShown = `\x1b[2J\x1b[31mEVIL\x1b]0;pwned\a`

// hostileTypes are event types a terminal would act on: the one above, a
// bidi override that shows "Green" as "Gr" + "neer" reversed, an 8-bit CSI
// and invalid UTF-8.
var hostileTypes = []string{hostileType, "Gr\u202eneer", "C1\u009b2J", "bad\xff"}

// hostileRows are the fixture's newest minute plus one row per hostile type.
func hostileRows() []results.Row {
	var rows []results.Row
	for _, r := range tableRows() {
		if r.BucketStart == "2015-06-05T12:54:00.000" {
			rows = append(rows, r)
		}
	}
	for i, typ := range hostileTypes {
		rows = append(rows, results.Row{BucketStart: "2015-06-05T12:54:00.000", EventType: typ, Count: int64(100 * (i + 1)),
			CreatedAt: "2015-06-05T12:54:00.120Z", UpdatedAt: "2015-06-05T12:54:59.870Z"})
	}
	return rows
}

// sgr is a colour or style sequence, the only control sequence the views
// write themselves.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// requireTerminalSafe fails unless out, without the views' own colours,
// holds nothing a terminal acts on but line breaks: no ESC, BEL, C1 or
// format character, no invalid UTF-8.
func requireTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(sgr.ReplaceAllString(out, ""), "\n") {
		if !termsafe.Safe(line) {
			t.Fatalf("line %d reaches the terminal unescaped: %q", i+1, line)
		}
	}
	if strings.ContainsAny(out, "\a\u009b\u202e") || strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b]") {
		t.Fatalf("a control sequence of the data reached the output: %q", out)
	}
}

func TestShowHostileGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table", func(b *bytes.Buffer) error { return WriteRows(b, FormatTable, hostileRows()) }},
		{"chart", func(b *bytes.Buffer) error {
			return WriteChart(b, hostileRows(), ChartOptions{Width: 80, Colors: ColorNone})
		}},
		{"csv", func(b *bytes.Buffer) error { return WriteRows(b, FormatCSV, hostileRows()) }},
		{"json", func(b *bytes.Buffer) error { return WriteRows(b, FormatJSON, hostileRows()) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			requireTerminalSafe(t, b.String())
			want := hostileShown
			if tt.name == "json" {
				want = `\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007`
			}
			if !strings.Contains(b.String(), want) {
				t.Errorf("the hostile type is not shown as %s:\n%s", want, b.String())
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

// TestShowHostileAligned: columns are as wide as the escaped text, so the
// counts still end under the header's Count.
func TestShowHostileAligned(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, hostileRows()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	end := displayWidth(lines[0][:strings.Index(lines[0], "Count")+len("Count")])
	for _, l := range lines[1:] {
		cells := strings.Fields(l)
		count := cells[2]
		at := strings.Index(l, "  "+count+"  ") + 2 + len(count)
		if got := displayWidth(l[:at]); got != end {
			t.Errorf("count %s ends at cell %d, Count at %d:\n%s", count, got, end, b.String())
		}
	}
}

func TestShowHostileColours(t *testing.T) {
	var b bytes.Buffer
	if err := WriteChart(&b, hostileRows(), ChartOptions{Width: 80, Colors: ColorANSI}); err != nil {
		t.Fatal(err)
	}
	if !sgr.MatchString(b.String()) {
		t.Fatal("the ANSI chart has no colours: the test tests nothing")
	}
	requireTerminalSafe(t, b.String())
}

// TestShowHostileExact: JSON and raw CSV (for files and pipes) keep the
// values exactly as stored.
func TestShowHostileExact(t *testing.T) {
	want := hostileRows()
	results.Sort(want)
	var j bytes.Buffer
	if err := WriteJSON(&j, want); err != nil {
		t.Fatal(err)
	}
	var got []results.Row
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	// encoding/json reads invalid UTF-8 as U+FFFD, as DynamoDB would store it.
	for i := range want {
		want[i].EventType = strings.ToValidUTF8(want[i].EventType, "\ufffd")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json round trip:\n got %+v\nwant %+v", got, want)
	}

	var c bytes.Buffer
	if err := WriteCSV(&c, hostileRows(), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), hostileType) {
		t.Fatalf("raw CSV does not hold the type as stored:\n%q", c.String())
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, r := range recs[1:] {
		types[r[1]] = true
	}
	for _, typ := range hostileTypes {
		if !types[typ] {
			t.Errorf("raw CSV lost type %q: %v", typ, types)
		}
	}
}

// hostileView is a view whose group values and top list hold hostile text.
func hostileView(t *testing.T) (*view.View, []results.ViewRow) {
	t.Helper()
	v, err := view.Compile(view.Definition{Name: "hostile", GroupBy: []string{"type"}, Window: view.Window{Size: time.Minute},
		Metrics: []string{"count", "top:path:3"}})
	if err != nil {
		t.Fatal(err)
	}
	var rows []results.ViewRow
	for i, typ := range append([]string{"Green"}, hostileTypes[:3]...) {
		acc := v.NewAcc()
		for n := range i + 2 {
			path := "/ok"
			if n%2 == 1 {
				path = "/\u202eevil\x1b[5m"
			}
			if err := acc.Observe(view.Fields{"type": view.StringValue(typ), "path": view.StringValue(path)}); err != nil {
				t.Fatal(err)
			}
		}
		key, err := v.GroupKey(view.Fields{"type": view.StringValue(typ)})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, results.ViewRow{BucketStart: "2015-06-05T12:54:00.000", Key: key, Group: []string{typ}, Acc: acc,
			CreatedAt: "2015-06-05T12:54:00.120Z", UpdatedAt: "2015-06-05T12:54:59.870Z"})
	}
	return v, rows
}

func TestViewShowHostileGolden(t *testing.T) {
	v, rows := hostileView(t)
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatTable, v, rows, ViewOptions{}) }},
		{"chart", func(b *bytes.Buffer) error {
			return WriteViewChart(b, v, rows, ChartOptions{Width: 80, Colors: ColorNone}, ViewOptions{})
		}},
		{"csv", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatCSV, v, rows, ViewOptions{}) }},
		{"json", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatJSON, v, rows, ViewOptions{}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			requireTerminalSafe(t, b.String())
			// The chart cuts long labels: the start is enough.
			if shown := hostileShown[:20]; tt.name != "json" && !strings.Contains(b.String(), shown) {
				t.Errorf("the hostile group is not shown as %s…:\n%s", shown, b.String())
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
	t.Run("raw csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteViewRows(&b, FormatCSV, v, rows, ViewOptions{RawCSV: true}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), hostileType) || !strings.Contains(b.String(), "/\u202eevil\x1b[5m") {
			t.Fatalf("raw CSV does not hold the values as stored:\n%q", b.String())
		}
	})
	t.Run("json decodes to the values", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteViewRows(&b, FormatJSON, v, rows, ViewOptions{}); err != nil {
			t.Fatal(err)
		}
		var got []struct {
			Group   map[string]string `json:"group"`
			Metrics struct {
				Top []struct{ Value string } `json:"top:path:3"`
			} `json:"metrics"`
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range got {
			seen[r.Group["type"]] = true
			for _, e := range r.Metrics.Top {
				seen[e.Value] = true
			}
		}
		for _, s := range []string{hostileType, "Gr\u202eneer", "C1\u009b2J", "/\u202eevil\x1b[5m"} {
			if !seen[s] {
				t.Errorf("JSON lost %q: %v", s, seen)
			}
		}
	})
}

// hostileConsumer is a consumer snapshot whose shards, owners and recent
// buckets come from a hostile lease table and stream.
func hostileConsumer() metrics.Snapshot {
	s := consumerSnaps()[9]
	s.Shards = []metrics.ShardState{
		{ID: "shardId-000000000000", Owner: "worker-\x1b]0;owned\a", Held: true, MillisBehind: 120},
		{ID: "shardId-\u202e1000", Owner: "other\u009b31m", MillisBehind: -1},
	}
	s.RejectedByReason = map[string]uint64{"not_json": 2, "time_out_of_range": 1}
	return s
}

// TestDashboardHostileGolden is the dashboard of spk up reading a table and
// a lease table that hold hostile text, and an endpoint whose errors do.
func TestDashboardHostileGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d := NewDashboard(upOptions())
			tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(sz.w, sz.h))
			for _, e := range upEvents() {
				tm.Send(e)
			}
			tm.Send(ev(9, "show my-table", tasks.Running, "reading \x1b[8mhidden", time.Second))
			for _, p := range producerSnaps() {
				tm.Send(p)
			}
			tm.Send(hostileConsumer())
			tm.Send(results.Result{Rows: hostileRows()})
			tm.Send(results.Result{Err: errors.New("Scan: \x1b[2Jendpoint says\u202e no")})
			out := finalView(t, tm)
			checkSize(t, out, sz.w, sz.h)
			requireTerminalSafe(t, out)
			for _, want := range []string{`\x1b[2J`, `worker-\x1b]0;owned\a`, `Scan: \x1b[2Jendpoint says\u202e no`} {
				if sz.w >= 120 && !strings.Contains(out, want) {
					t.Errorf("the dashboard does not show %s:\n%s", want, out)
				}
			}
			golden.RequireEqual(t, []byte(out+"\n"))
		})
	}
}

// TestDashboardHostileView: a view's group values and top lists are shown
// escaped in its panel.
func TestDashboardHostileView(t *testing.T) {
	v, rows := hostileView(t)
	opts := upOptions()
	opts.Views = []*view.View{v}
	d := NewDashboard(opts)
	m := d.Model()
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 120, Height: 40}, results.ViewsResult{Views: []results.ViewResult{{View: v.Name(), Rows: rows}}}} {
		m, _ = m.Update(msg)
	}
	out := m.View()
	requireTerminalSafe(t, out)
	for _, want := range []string{hostileShown, `/\u202eevil\x1b[5m`, `Gr\u202eneer`} {
		if !strings.Contains(out, want) {
			t.Errorf("the view panel does not show %s:\n%s", want, out)
		}
	}
	d2 := NewDashboard(upOptions())
	m2 := d2.Model()
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 30}, hostileConsumer(), Summary{Err: errors.New("failed \x1b[2J\a"), Notes: []string{"note \u202e"}}} {
		m2, _ = m2.Update(msg)
	}
	requireTerminalSafe(t, m2.View())
	requireTerminalSafe(t, d2.model.finalReport())
}

func TestWatchHostile(t *testing.T) {
	for _, chart := range []bool{false, true} {
		table := &fakeTable{results: []fetchResult{{rows: hostileRows()}}}
		m := NewWatchModel(context.Background(), WatchOptions{
			Fetch: table.fetch, Every: time.Hour, Chart: chart, Title: "my-table\x1b]0;x\a",
			Colors: ColorANSI, Now: func() time.Time { return readAt },
		})
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "9 rows") },
			teatest.WithDuration(10*time.Second))
		out := finalView(t, tm)
		requireTerminalSafe(t, out)
		if !strings.Contains(out, hostileShown) {
			t.Errorf("chart %v: the hostile type is not shown as %s:\n%s", chart, hostileShown, out)
		}
	}
	// A failed read's message comes from the endpoint.
	table := &fakeTable{results: []fetchResult{{err: errors.New("Scan: \x1b[2J\a")}}}
	m := NewWatchModel(context.Background(), WatchOptions{Fetch: table.fetch, Every: time.Hour, Colors: ColorNone, Now: func() time.Time { return readAt }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "Scan:") },
		teatest.WithDuration(10*time.Second))
	out := finalView(t, tm)
	requireTerminalSafe(t, out)
	if !strings.Contains(out, `Scan: \x1b[2J\a`) {
		t.Errorf("the error is not shown escaped:\n%s", out)
	}
}

// TestPrintersHostile: the plain printers of --no-tui and pipes escape too,
// and their JSON lines stay JSON.
func TestPrintersHostile(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		var b bytes.Buffer
		p := NewStepPrinter(&b, false, asJSON)
		p.OnEvent(ev(5, "generate events", tasks.Running, "into \x1b[2J\u202e", 0))
		p.OnEvent(tasks.Event{Step: 5, Name: "generate events", State: tasks.Failed, Err: errors.New("endpoint: \x1b]0;x\a")})
		s := NewStatusPrinter(&b, asJSON)
		s.now = func() time.Time { return readAt }
		s.Producer(generate.Snapshot{Stream: "my-stream", Failures: map[string]int64{"Code\x1b[2J": 1}})
		s.Consumer(hostileConsumer())
		s.Rows([]results.Row{{BucketStart: "\x1b[2J9999", EventType: hostileType, Count: 1}})
		s.Print()
		s.Finish(Summary{Err: errors.New("failed \x1b[2J"), Notes: []string{"note \u202e"}})
		requireTerminalSafe(t, b.String())
		if asJSON {
			for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
				if !json.Valid([]byte(l)) {
					t.Errorf("not a JSON line: %s", l)
				}
			}
			continue
		}
		for _, want := range []string{`into \x1b[2J\u202e`, `endpoint: \x1b]0;x\a`, `latest bucket=\x1b[2J9999`, `| failed | note \u202e`} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("plain output lacks %s:\n%s", want, b.String())
			}
		}
	}
}

// TestStepsHostile: the steps view of the short verbs escapes details and
// errors.
func TestStepsHostile(t *testing.T) {
	m := NewStepsModel(StepsOptions{Title: "spk \x1b[2J", Colors: ColorNone, Static: true}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	tm.Send(ev(3, "create stream \u202emaerts", tasks.Running, "waiting \x1b[5m", 0))
	tm.Send(tasks.Event{Step: 4, Name: "create table", State: tasks.Failed, Err: errors.New("table \x1b]0;x\a exists")})
	tm.Send(StepsDone(errors.New("endpoint \x1b[2J")))
	out := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	requireTerminalSafe(t, out)
	for _, want := range []string{`spk \x1b[2J`, `create stream \u202emaerts`, `table \x1b]0;x\a exists`, `endpoint \x1b[2J`} {
		if !strings.Contains(out, want) {
			t.Errorf("the steps view lacks %s:\n%s", want, out)
		}
	}
}
