package sink_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

// sumMetrics are the additive and the merged forms of a view summing v.
var sumMetrics = map[string][]string{"additive": {"count", "sum:v"}, "merged": {"count", "sum:v", "max:v"}}

// sumView is a table and a one-minute view of metrics writing it, and a
// time inside one of its windows.
func sumView(t *testing.T, metrics []string) (*sink.Table, *dynamodb.Client, *view.View, time.Time) {
	t.Helper()
	tbl, db := newTable(t)
	v, err := view.Compile(view.Definition{Name: "v", Table: tbl.Name, Window: view.Window{Size: time.Minute}, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, "2015-06-05T12:00:10Z")
	return tbl, db, v, at
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

// TestSumPastWhatTheRowHolds: a record whose value would carry a row's
// stored sum past what a DynamoDB number holds (39 significant digits, here)
// is left out of every metric of the view and reported, and the records
// around it are written, for an additive view (DynamoDB refuses its ADD) and
// for a merged one alike. It stopped the run for good, replay after replay.
func TestSumPastWhatTheRowHolds(t *testing.T) {
	if strings.Contains(endpoint.Kind, "dynalite") {
		t.Skip("dynalite's ADD keeps a sum past 38 digits, which DynamoDB refuses")
	}
	for name, metrics := range sumMetrics {
		t.Run(name, func(t *testing.T) {
			tbl, db, v, at := sumView(t, metrics)
			first, add := viewBatch(t, v)
			for i, rec := range []string{`{"v":12345678901234567890123456789012345670}`, `{"v":8}`} {
				if err := add(i, []byte(rec), at); err != nil {
					t.Fatal(err)
				}
			}
			if res, err := tbl.ApplyView(context.Background(), first); err != nil || len(res.Refused) != 0 {
				t.Fatalf("first batch: %+v, %v", res, err)
			}
			// Each fits the batch alone; with the stored 38 digits, 0.5 does not.
			second, add := viewBatch(t, v)
			for i, rec := range []string{`{"v":2}`, `{"v":0.5}`, `{"v":3}`} {
				if err := add(2+i, []byte(rec), at); err != nil {
					t.Fatal(err)
				}
			}
			res, err := tbl.ApplyView(context.Background(), second)
			if err != nil {
				t.Fatalf("second batch: %v", err)
			}
			if len(res.Refused) != 1 || res.Refused[0].Position != pos(3) || !strings.Contains(res.Refused[0].Detail, "with the stored metrics of row 2015-06-05T12:00:00.000/*") {
				t.Fatalf("refused %+v, want the record at %v", res.Refused, pos(3))
			}
			// The refused record counts in no metric: ...678 + 2 + 3.
			wantOnlyRow(t, db, tbl.Name, "4", "12345678901234567890123456789012345683")
			// Applied again (a replay), nothing changes and nothing is refused anew.
			if res, err := tbl.ApplyView(context.Background(), second); err != nil || len(res.Refused) != 0 {
				t.Fatalf("replay: %+v, %v", res, err)
			}
		})
	}
}

// TestReplayWhosePartialSumOverflows: a batch replayed over a row that
// holds its first records (a restart after kill -9) adds only the records
// after the row's watermark; their sum alone can need more digits than a
// DynamoDB number holds where the batch's running sum did not (-0.1, then
// 1E+37 and 0.1). They are added one by one to the stored row instead, and
// all fit: the run used to stop there, replay after replay.
func TestReplayWhosePartialSumOverflows(t *testing.T) {
	for name, metrics := range sumMetrics {
		t.Run(name, func(t *testing.T) {
			tbl, db, v, at := sumView(t, metrics)
			recs := []string{`{"v":-0.1}`, `{"v":1e37}`, `{"v":0.1}`}
			first, add := viewBatch(t, v)
			if err := add(0, []byte(recs[0]), at); err != nil {
				t.Fatal(err)
			}
			if res, err := tbl.ApplyView(context.Background(), first); err != nil || len(res.Refused) != 0 {
				t.Fatalf("first batch: %+v, %v", res, err)
			}
			replay, add := viewBatch(t, v)
			for i, rec := range recs {
				if err := add(i, []byte(rec), at); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			res, err := tbl.ApplyView(context.Background(), replay)
			if err != nil || len(res.Refused) != 0 {
				t.Fatalf("the replayed batch: %+v, %v", res, err)
			}
			// The first record was in the row; the other two went in a write
			// each, their sum being past what a number holds.
			if len(res.Rows) != 1 || res.Rows[0].Added != 2 || res.Rows[0].Total != 3 || res.Skipped != 1 {
				t.Fatalf("the replayed batch: %+v, want one row, 2 records added to 3, 1 skipped", res)
			}
			wantOnlyRow(t, db, tbl.Name, "3", "10000000000000000000000000000000000000")
		})
	}
}

// wantOnlyRow checks that the table holds one row, of Count count and
// v_sum sum.
func wantOnlyRow(t *testing.T, db *dynamodb.Client, table, count, sum string) {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("scan: %v, %v", out, err)
	}
	row := out.Items[0]
	if c := row["Count"].(*types.AttributeValueMemberN).Value; c != count {
		t.Errorf("Count %s, want %s", c, count)
	}
	if s := row["v_sum"].(*types.AttributeValueMemberN).Value; s != sum {
		t.Errorf("v_sum %s, want %s", s, sum)
	}
}
