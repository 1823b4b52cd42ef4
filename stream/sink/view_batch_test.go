package sink_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

// TestSlidingEventRefusedByOneWindowIsInNone: an event of two sliding
// windows whose sum one of the rows could not hold is refused, and counted
// in neither window (it used to stay in the window checked first).
func TestSlidingEventRefusedByOneWindowIsInNone(t *testing.T) {
	tbl, db := newTable(t)
	v, err := view.Compile(view.Definition{Name: "v", Table: tbl.Name, Window: view.Window{Size: 2 * time.Minute, Slide: time.Minute}, Metrics: []string{"count", "sum:v"}})
	if err != nil {
		t.Fatal(err)
	}
	b, add := viewBatch(t, v)
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	if err := add(0, []byte(`{"v":9e125}`), at("2015-06-05T12:01:10Z")); err != nil {
		t.Fatal(err)
	}
	// Its windows start at 11:59 (empty) and 12:00 (which holds 9e125).
	var me *view.MetricError
	if err := add(1, []byte(`{"v":5e125}`), at("2015-06-05T12:00:30Z")); !errors.As(err, &me) {
		t.Fatalf("the second event: %v, want a *view.MetricError for the sum", err)
	}
	if _, err := tbl.ApplyView(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := map[bucket.Key]string{
		{Start: "2015-06-05T12:00:00.000", Group: "*"}: "1",
		{Start: "2015-06-05T12:01:00.000", Group: "*"}: "1",
	}
	if got := rows(t, db, tbl.Name); !equal(got, want) {
		t.Fatalf("rows = %v, want %v: the refused event is in no window", got, want)
	}
}

// viewBatch is an empty batch of v, and how to add a JSON record at a time
// to it as a reader adds it (picked, keyed, added at position i).
func viewBatch(t *testing.T, v *view.View) (*sink.ViewBatch, func(i int, rec []byte, at time.Time) error) {
	b := sink.NewViewBatch("shardId-000000000001", v)
	picker := view.NewPicker(view.Paths([]*view.View{v}))
	var picked view.Picked
	var cache view.KeyCache
	return b, func(i int, rec []byte, at time.Time) error {
		t.Helper()
		var err error
		if picked, err = picker.PickValid(rec, &picked); err != nil {
			t.Fatal(err)
		}
		keys, err := v.KeysCached(nil, &picked, at, &cache)
		if err != nil {
			t.Fatal(err)
		}
		return b.Add(keys, pos(i), &picked)
	}
}
