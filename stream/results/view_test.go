package results

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/view"
)

// errorsView groups by two fields (one a number) and holds every metric.
func errorsView(t *testing.T) *view.View {
	t.Helper()
	v, err := view.Compile(view.Definition{Name: "errors", Table: "errors", GroupBy: []string{"path", "status"},
		Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "sum:bytes", "min:bytes", "max:bytes", "avg:bytes", "distinct:ip", "top:ip:3"}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type hit struct {
	minute   int
	path, ip string
	status   int
	bytes    int64
	hasBytes bool
}

// hits are requests in three minutes, with a path holding the group
// separator and a request without a size.
func hits() []hit {
	var out []hit
	paths := []string{"/a", "/b|c", "/a"}
	for i := range 60 {
		out = append(out, hit{minute: 54 + i%3, path: paths[i%len(paths)], ip: fmt.Sprintf("10.0.0.%d", i%7),
			status: []int{200, 500}[i%2], bytes: int64(100 + i*37), hasBytes: i%11 != 0})
	}
	return out
}

// writeRows aggregates hits into v's rows and writes them as the sink does,
// with watermarks and a row version the reader must skip.
func writeRows(t *testing.T, put func(map[string]types.AttributeValue), v *view.View, hs []hit) {
	t.Helper()
	accs := map[[2]string]*view.Acc{}
	for _, h := range hs {
		ev := view.Fields{"path": view.StringValue(h.path), "status": view.IntValue(int64(h.status)), "ip": view.StringValue(h.ip)}
		if h.hasBytes {
			ev["bytes"] = view.IntValue(h.bytes)
		}
		keys, err := v.Keys(ev, time.Date(2015, 6, 5, 12, h.minute, 30, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		id := [2]string{keys[0].Start, keys[0].Group}
		if accs[id] == nil {
			accs[id] = v.NewAcc()
		}
		if err := accs[id].Observe(ev); err != nil {
			t.Fatal(err)
		}
	}
	for id, a := range accs {
		item, err := a.Item()
		if err != nil {
			t.Fatal(err)
		}
		item[AttrBucketStart], item[AttrEventType] = s(id[0]), s(id[1])
		item[AttrCreatedAt], item[AttrUpdatedAt] = s("2015-06-05T12:54:43.100Z"), s("2015-06-05T12:56:59.870Z")
		item["spk_wm_shardId-000000000000"] = s("49551350243544458458477304430170758137221526998466166786")
		item[view.AttrVersion] = n("4")
		put(item)
	}
}

func TestReadView(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "errors")
	v := errorsView(t)
	hs := hits()
	writeRows(t, func(item map[string]types.AttributeValue) { putItem(t, db, "errors", item) }, v, hs)

	rows, err := ReadView(context.Background(), db, v, Query{Table: "errors", Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	// The independent recount, by bucket, path and status.
	type rec struct {
		n, sum, lo, hi, nb int64
		ips                map[string]int
	}
	want := map[string]*rec{}
	for _, h := range hs {
		k := fmt.Sprintf("2015-06-05T12:%02d:00.000/%s/%d", h.minute, h.path, h.status)
		r := want[k]
		if r == nil {
			r = &rec{lo: 1 << 62, ips: map[string]int{}}
			want[k] = r
		}
		r.n++
		r.ips[h.ip]++
		if h.hasBytes {
			r.sum += h.bytes
			r.nb++
			r.lo, r.hi = min(r.lo, h.bytes), max(r.hi, h.bytes)
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	if !sort.SliceIsSorted(rows, func(i, j int) bool {
		return rows[i].BucketStart < rows[j].BucketStart || rows[i].BucketStart == rows[j].BucketStart && rows[i].Key < rows[j].Key
	}) {
		t.Error("rows are not sorted by bucket, then group key")
	}
	for _, r := range rows {
		k := r.BucketStart + "/" + strings.Join(r.Group, "/")
		w := want[k]
		if w == nil {
			t.Fatalf("unexpected row %s (key %q)", k, r.Key)
		}
		a := r.Acc
		sum, _ := a.Sum(1)
		lo, _ := a.Sum(2)
		hi, _ := a.Sum(3)
		avg, _ := a.Avg(4)
		wantAvg := float64(w.sum) / float64(w.nb)
		gotAvg, _ := avg.Float64()
		if a.Count() != w.n || sum.String() != fmt.Sprint(w.sum) || lo.String() != fmt.Sprint(w.lo) || hi.String() != fmt.Sprint(w.hi) ||
			gotAvg < wantAvg-1e-9 || gotAvg > wantAvg+1e-9 || a.Distinct(5) != uint64(len(w.ips)) {
			t.Errorf("%s: count %d sum %s min %s max %s avg %s distinct %d; want %+v", k, a.Count(), sum, lo, hi, avg, a.Distinct(5), *w)
		}
		for _, e := range a.Top(6) {
			if e.Err != 0 || int(e.Count) != w.ips[e.Value] {
				t.Errorf("%s: top %+v, want count %d", k, e, w.ips[e.Value])
			}
		}
		if r.CreatedAt == "" || r.UpdatedAt == "" {
			t.Errorf("%s: timestamps not read: %+v", k, r)
		}
	}

	// Filters: since, a group key, the newest bucket, a limit.
	since := time.Date(2015, 6, 5, 12, 55, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		q    Query
		keep func(ViewRow) bool
	}{
		{"since", Query{Since: since}, func(r ViewRow) bool { return r.BucketStart >= "2015-06-05T12:55" }},
		{"group key", Query{Types: []string{`/b\|c|500`}}, func(r ViewRow) bool { return r.Group[0] == "/b|c" && r.Group[1] == "500" }},
		{"newest bucket", Query{Buckets: 1}, func(r ViewRow) bool { return r.BucketStart == "2015-06-05T12:56:00.000" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.Table = "errors"
			got, err := ReadView(context.Background(), db, v, q)
			if err != nil {
				t.Fatal(err)
			}
			var wantKeys, gotKeys []string
			for _, r := range rows {
				if c.keep(r) {
					wantKeys = append(wantKeys, r.BucketStart+r.Key)
				}
			}
			for _, r := range got {
				gotKeys = append(gotKeys, r.BucketStart+r.Key)
			}
			if len(wantKeys) == 0 || strings.Join(gotKeys, ",") != strings.Join(wantKeys, ",") {
				t.Errorf("got %v, want %v", gotKeys, wantKeys)
			}
		})
	}
}

func TestReadViewErrors(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "errors")
	v := errorsView(t)
	// A row of another view: one group value where errors has two.
	putItem(t, db, "errors", map[string]types.AttributeValue{AttrBucketStart: s("2015-06-05T12:54:00.000"), AttrEventType: s("Red"), AttrCount: n("3")})
	for _, c := range []struct {
		name string
		q    Query
		want string
	}{
		{"no table", Query{}, "read view errors: no table name given: set the view's table or pass the table's name"},
		{"missing table", Query{Table: "nope"}, "read view errors from table nope: operation error DynamoDB: Scan"},
		{"row of another view", Query{Table: "errors"}, `read view errors from table errors: row 2015-06-05T12:54:00.000/Red: group key "Red" has 1 values, want 2: is this table written by another view?`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := ReadView(context.Background(), db, v, c.q)
			if err == nil || rows != nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("ReadView = %v, %v; want %q", rows, err, c.want)
			}
		})
	}
}

func TestPollViews(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "errors")
	v := errorsView(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := PollViews(ctx, db, []ViewQuery{{View: v, Query: Query{Table: "errors"}}, {View: v, Query: Query{Table: "missing"}}}, 10*time.Millisecond)
	first := <-ch
	if len(first.Views) != 2 || first.Views[0].Err != nil || len(first.Views[0].Rows) != 0 || first.Views[1].Err == nil || first.At.IsZero() {
		t.Fatalf("first round = %+v", first)
	}
	writeRows(t, func(item map[string]types.AttributeValue) { putItem(t, db, "errors", item) }, v, hits()[:1])
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-ch:
			if len(r.Views[0].Rows) == 1 && r.Views[0].Rows[0].Acc.Count() == 1 {
				cancel()
				for range ch {
				}
				return
			}
		case <-deadline:
			t.Fatal("no round saw the new row within 10s")
		}
	}
}
