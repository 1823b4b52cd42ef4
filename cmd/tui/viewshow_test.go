package tui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

func TestViewShowGolden(t *testing.T) {
	views := weblogViews(t)
	lines := weblogLines()
	for _, v := range views {
		rows := viewRows(t, v, lines)
		for _, tt := range []struct {
			name  string
			write func(*bytes.Buffer) error
		}{
			{"table", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatTable, v, rows, ViewOptions{}) }},
			{"json", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatJSON, v, rows, ViewOptions{}) }},
			{"csv", func(b *bytes.Buffer) error { return WriteViewRows(b, FormatCSV, v, rows, ViewOptions{}) }},
			{"chart", func(b *bytes.Buffer) error {
				return WriteViewChart(b, v, rows, ChartOptions{Width: 80, Colors: ColorNone}, ViewOptions{})
			}},
			{"min_count_table", func(b *bytes.Buffer) error {
				return WriteViewRows(b, FormatTable, v, rows, ViewOptions{MinCount: 5})
			}},
		} {
			t.Run(v.Name()+"/"+tt.name, func(t *testing.T) {
				var b bytes.Buffer
				if err := tt.write(&b); err != nil {
					t.Fatal(err)
				}
				golden.RequireEqual(t, b.Bytes())
			})
		}
	}
	t.Run("empty", func(t *testing.T) {
		var b bytes.Buffer
		for _, f := range []Format{FormatTable, FormatJSON, FormatCSV} {
			if err := WriteViewRows(&b, f, views[1], nil, ViewOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteViewChart(&b, views[1], nil, ChartOptions{Width: 80, Colors: ColorNone}, ViewOptions{}); err != nil {
			t.Fatal(err)
		}
		golden.RequireEqual(t, b.Bytes())
	})
}

// TestViewShowRecount checks the JSON and CSV outputs against counts made
// from the log lines by hand, not through the view.
func TestViewShowRecount(t *testing.T) {
	lines := weblogLines()
	type key struct{ minute, status string }
	want := map[key]int{}
	hits := map[string]map[string]int{} // minute -> ip -> hits
	for _, l := range lines {
		f := strings.Fields(l)
		minute := "2015-06-05T12:" + f[3][16:18] + ":00.000"
		want[key{minute, f[8]}]++
		if hits[minute] == nil {
			hits[minute] = map[string]int{}
		}
		hits[minute][f[0]]++
	}
	views := weblogViews(t)
	var j bytes.Buffer
	if err := WriteViewRows(&j, FormatJSON, views[0], viewRows(t, views[0], lines), ViewOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		BucketStart string
		Group       map[string]string
		Metrics     map[string]json.Number
	}
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatalf("json output does not parse: %v\n%s", err, j.String())
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for _, r := range got {
		if n := want[key{r.BucketStart, r.Group["status"]}]; r.Metrics["count"].String() != itoa(n) {
			t.Errorf("%s status %s: count %s, want %d", r.BucketStart, r.Group["status"], r.Metrics["count"], n)
		}
	}

	// IPs seen more than 3 times a minute, from the CSV of weblog-ips.
	var c bytes.Buffer
	ips := views[3]
	if err := WriteViewRows(&c, FormatCSV, ips, viewRows(t, ips, lines), ViewOptions{MinCount: 3}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "BucketStart,count,distinct:ip,top:ip:10,CreatedAt,UpdatedAt" {
		t.Fatalf("header %v", recs[0])
	}
	for _, r := range recs[1:] {
		var wantTop []string
		for ip, n := range hits[r[0]] {
			if n > 3 {
				wantTop = append(wantTop, ip+" "+itoa(n))
			}
		}
		gotTop := strings.Split(r[3], ", ")
		if !sameSet(gotTop, wantTop) {
			t.Errorf("%s: IPs seen more than 3 times %q, want %q", r[0], gotTop, wantTop)
		}
		if r[2] != itoa(len(hits[r[0]])) {
			t.Errorf("%s: distinct %s, want %d (exact at this size)", r[0], r[2], len(hits[r[0]]))
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestWatchViewGolden(t *testing.T) {
	views := weblogViews(t)
	lines := weblogLines()
	for _, v := range []*view.View{views[1], views[3]} {
		rows := viewRows(t, v, lines)
		for _, chart := range []bool{false, true} {
			kind := "table"
			if chart {
				kind = "chart"
			}
			t.Run(fmt.Sprintf("%s/%s", v.Name(), kind), func(t *testing.T) {
				m := NewWatchModel(context.Background(), WatchOptions{
					View: v, FetchView: func(context.Context) ([]results.ViewRow, error) { return rows, nil },
					ViewOptions: ViewOptions{MinCount: 3},
					Every:       time.Hour, Chart: chart, Title: v.Name() + " · " + v.Table("my-table"),
					Colors: ColorNone, Now: func() time.Time { return readAt },
				})
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 24))
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "2 rows") },
					teatest.WithDuration(10*time.Second))
				out := finalView(t, tm)
				checkSize(t, out, 100, 24)
				golden.RequireEqual(t, []byte(out+"\n"))
			})
		}
	}
}

// TestTopListBounds: a summary that had to evict shows bounded counts as
// low–high, and --min-count keeps only values certainly above it, checked
// against the true counts.
func TestTopListBounds(t *testing.T) {
	v, err := view.Compile(view.Definition{Name: "ips", Window: view.Window{Size: time.Minute}, Metrics: []string{"top:ip:3"}})
	if err != nil {
		t.Fatal(err)
	}
	a := v.NewAcc()
	truth := map[string]uint64{}
	observe := func(ip string) {
		truth[ip]++
		if err := a.Observe(view.Fields{"ip": view.StringValue(ip)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		observe("hot")
		if i%2 == 0 {
			observe("warm")
		}
		observe(fmt.Sprintf("once-%d", i)) // churns the 12-value summary
	}
	all := topEntries(a, 0, ViewOptions{})
	text := metricText(v, a, 0, ViewOptions{}, true)
	bounded := false
	for _, e := range all {
		if e.Count < truth[e.Value] || e.Count-e.Err > truth[e.Value] {
			t.Errorf("%s: %d–%d does not hold its true count %d", e.Value, e.Count-e.Err, e.Count, truth[e.Value])
		}
		if e.Err > 0 {
			bounded = true
			if !strings.Contains(text, fmt.Sprintf("%s %d–%d", e.Value, e.Count-e.Err, e.Count)) {
				t.Errorf("text %q does not show %s as a range", text, e.Value)
			}
		}
	}
	if !bounded {
		t.Fatalf("no bounded count in %+v: the test does not churn the summary", all)
	}
	const n = 50
	for _, e := range topEntries(a, 0, ViewOptions{MinCount: n}) {
		if truth[e.Value] <= n {
			t.Errorf("%s seen %d times is listed as seen more than %d", e.Value, truth[e.Value], n)
		}
	}
	if got := metricText(v, a, 0, ViewOptions{MinCount: n}, true); !strings.HasPrefix(got, "hot ") {
		t.Errorf("more than %d: %q, want hot first", n, got)
	}
}

// TestLargeMeansAreShownInFull: a mean is shown to two decimals (trailing
// zeros dropped when they are the mean's, kept when it was rounded)
// however many digits it has before them (a fixed precision showed NaN
// from 1e38).
func TestLargeMeansAreShownInFull(t *testing.T) {
	v, err := view.Compile(view.Definition{Name: "big", Window: view.Window{Size: time.Minute}, Metrics: []string{"avg:x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		values []string
		want   string
	}{
		{[]string{"1e40", "3e40"}, "2" + strings.Repeat("0", 40)},
		{[]string{"12.345", "12.345"}, "12.35"},
		{[]string{"0.001"}, "0.00"},
		{[]string{"-9.99e125"}, "-999" + strings.Repeat("0", 123)},
	} {
		a := v.NewAcc()
		for _, s := range c.values {
			n, err := view.NumberValue(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Observe(view.Fields{"x": n}); err != nil {
				t.Fatal(err)
			}
		}
		if got := metricText(v, a, 0, ViewOptions{}, true); got != c.want {
			t.Errorf("mean of %v shown as %q, want %q", c.values, got, c.want)
		}
	}
	// So is a sum of DynamoDB's largest numbers.
	sv, err := view.Compile(view.Definition{Name: "sum", Window: view.Window{Size: time.Minute}, Metrics: []string{"sum:x"}})
	if err != nil {
		t.Fatal(err)
	}
	a := sv.NewAcc()
	n, _ := view.NumberValue("9.99e125")
	if err := a.Observe(view.Fields{"x": n}); err != nil {
		t.Fatal(err)
	}
	if got, want := metricText(sv, a, 0, ViewOptions{}, true), "999"+strings.Repeat("0", 123); got != want {
		t.Errorf("sum shown as %q, want %q", got, want)
	}
}

// TestMeanText: a mean keeps every digit before the point in the table, CSV
// and JSON alike: a single value is itself, 38 digits and all; rounding
// shows only after the point, a table's two decimals kept when they were
// rounded, CSV's and JSON's 40 digits or more (docs/views.md).
func TestMeanText(t *testing.T) {
	v, err := view.Compile(view.Definition{Name: "n", Window: view.Window{Size: time.Minute}, Metrics: []string{"avg:n"}})
	if err != nil {
		t.Fatal(err)
	}
	nines, threes, zeros := strings.Repeat("9", 38), strings.Repeat("3", 40), strings.Repeat("0", 129)
	for _, c := range []struct {
		values      []string
		table, full string
	}{
		{[]string{nines}, nines, nines},
		{[]string{"12345678901234567890123456789012345678", "1"}, "6172839450617283945061728394506172839.5", "6172839450617283945061728394506172839.5"},
		{[]string{"0", "0", "1"}, "0.33", "0." + threes},
		{[]string{"1e125", "0", "0"}, strings.Repeat("3", 125) + ".33", strings.Repeat("3", 125) + ".333"},
		{[]string{"1e-130", "3e-130"}, "0.00", "0." + zeros + "2"},
		{[]string{"3", "3", "2.997"}, "3.00", "2.999"},
	} {
		a := v.NewAcc()
		for _, s := range c.values {
			n, err := view.NumberValue(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Observe(view.Fields{"n": n}); err != nil {
				t.Fatal(err)
			}
		}
		rows := []results.ViewRow{{BucketStart: "2015-06-05T10:00:00.000", Acc: a}}
		var tb, cb, jb bytes.Buffer
		for _, w := range []struct {
			b *bytes.Buffer
			f Format
		}{{&tb, FormatTable}, {&cb, FormatCSV}, {&jb, FormatJSON}} {
			if err := WriteViewRows(w.b, w.f, v, rows, ViewOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Fields(strings.Split(tb.String(), "\n")[1])[1]; got != c.table {
			t.Errorf("mean of %v in a table: %s\nwant %s", c.values, got, c.table)
		}
		cells, err := csv.NewReader(&cb).ReadAll()
		if err != nil || cells[1][1] != c.full {
			t.Errorf("mean of %v in CSV: %v %v\nwant %s", c.values, cells, err, c.full)
		}
		var js []struct{ Metrics map[string]json.Number }
		dec := json.NewDecoder(&jb)
		dec.UseNumber()
		if err := dec.Decode(&js); err != nil || js[0].Metrics["avg:n"].String() != c.full {
			t.Errorf("mean of %v in JSON: %v %v\nwant %s", c.values, js, err, c.full)
		}
	}
}
