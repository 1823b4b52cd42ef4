package view

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/bucket"
)

func metricsView(t testing.TB, metrics ...string) *View {
	t.Helper()
	v, err := Compile(Definition{Name: "m", Window: Window{Size: time.Minute}, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func observe(t testing.TB, a *Acc, events ...string) {
	t.Helper()
	for _, e := range events {
		if err := a.Observe(mustJSON(t, e)); err != nil {
			t.Fatal(err)
		}
	}
}

func itemText(t testing.TB, a *Acc) map[string]string {
	t.Helper()
	item, err := a.Item()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range item {
		out[k] = attrText(v)
	}
	return out
}

func TestMetricAttributes(t *testing.T) {
	tests := map[string][]string{
		"count":           {"Count"},
		"sum:bytes":       {"bytes_sum"},
		"min:bytes":       {"bytes_min"},
		"max:bytes":       {"bytes_max"},
		"avg:bytes":       {"bytes_avg_sum", "bytes_avg_count"},
		"distinct:ip":     {"ip_distinct", "ip_distinct_estimate"},
		"top:path:10":     {"path_top", "path_top_list"},
		"sum:req.bytes":   {"req.bytes_sum"},
		"TOP:a:1":         {"a_top", "a_top_list"},
		" distinct:user ": {"user_distinct", "user_distinct_estimate"},
		// Spaces around a part are not part of it (" bytes" named no field).
		"sum: bytes":   {"bytes_sum"},
		"top : a : 5 ": {"a_top", "a_top_list"},
	}
	for text, want := range tests {
		m, err := ParseMetric(text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if got := m.Attributes(); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: attributes %v, want %v", text, got, want)
		}
		again, err := ParseMetric(m.String())
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Errorf("%q: String %q does not read back: %v", text, m.String(), err)
		}
		additive := m.Kind == Count || m.Kind == Sum || m.Kind == Avg
		if m.Additive() != additive {
			t.Errorf("%q: Additive = %v", text, m.Additive())
		}
	}
}

func TestAccNumbers(t *testing.T) {
	v := metricsView(t, "count", "sum:n", "min:n", "max:n", "avg:n")
	if v.Additive() {
		t.Error("min and max are not additive")
	}
	a := v.NewAcc()
	observe(t, a, `{"n":0.1}`, `{"n":0.2}`, `{"x":1}`, `{"n":-3.50}`, `{"n":12345678901234567890.1}`)
	want := map[string]string{
		"Count":       "N:5",
		"n_sum":       "N:12345678901234567886.9", // exact: 0.1+0.2-3.5 with no float rounding
		"n_min":       "N:-3.5",
		"n_max":       "N:12345678901234567890.1",
		"n_avg_sum":   "N:12345678901234567886.9",
		"n_avg_count": "N:4", // the event without n is not averaged
	}
	if got := itemText(t, a); !reflect.DeepEqual(got, want) {
		t.Errorf("item\n got %v\nwant %v", got, want)
	}
	add := a.Additions()
	if len(add) != 4 || add["n_min"] != nil {
		t.Errorf("additions %v", add)
	}
	rep, _ := a.Replacements()
	if len(rep) != 2 || attrText(rep["n_min"]) != "N:-3.5" {
		t.Errorf("replacements %v", rep)
	}
	// An empty accumulator leaves min and max out rather than inventing them.
	if got := itemText(t, v.NewAcc()); !reflect.DeepEqual(got, map[string]string{"Count": "N:0", "n_sum": "N:0", "n_avg_sum": "N:0", "n_avg_count": "N:0"}) {
		t.Errorf("empty item %v", got)
	}
}

func TestAccRejectsNonNumbers(t *testing.T) {
	v := metricsView(t, "count", "sum:n", "max:m", "distinct:n")
	a := v.NewAcc()
	observe(t, a, `{"n":1,"m":5}`)
	before := itemText(t, a)
	for _, e := range []string{`{"n":2,"m":"x"}`, `{"n":"2","m":1}`, `{"n":true}`, `{"n":1e100}`} {
		err := a.Observe(mustJSON(t, e))
		var me *MetricError
		if !errors.As(err, &me) {
			t.Fatalf("%s: err %v, want a *MetricError", e, err)
		}
		if r := me.Reject(); r.Reason != NotNumber {
			t.Errorf("reason %s", r.Reason)
		}
		if got := itemText(t, a); !reflect.DeepEqual(got, before) {
			t.Errorf("%s: a refused event changed the row: %v", e, got)
		}
	}
	err := a.Observe(mustJSON(t, `{"n":2,"m":"x"}`))
	if want := `view "m": metric "max:m": field "m" is string "x": aggregate only numbers, or filter such events out with where`; err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	// A sum that DynamoDB could not hold is refused, and the sum kept.
	big := metricsView(t, "sum:n")
	b := big.NewAcc()
	observe(t, b, `{"n":1e30}`)
	if err := b.Observe(mustJSON(t, `{"n":0.0000000001}`)); err == nil {
		t.Error("a sum of more than 38 digits was accepted")
	}
	if got := itemText(t, b)["n_sum"]; got != "N:1000000000000000000000000000000" {
		t.Errorf("sum %s", got)
	}
	var rej *bucket.RejectError = (&MetricError{}).Reject()
	if rej.Reason != "not_number" {
		t.Error(rej)
	}
}

// TestAccMerge checks that splitting a stream into parts, accumulating each
// and merging in any order gives the row of the whole stream.
func TestAccMerge(t *testing.T) {
	v := metricsView(t, "count", "sum:n", "min:n", "max:n", "avg:n", "distinct:u", "top:p:3")
	rng := rand.New(rand.NewPCG(1, 2))
	var events []string
	for i := range 3000 {
		events = append(events, fmt.Sprintf(`{"n":%d.%02d,"u":"user%d","p":"/p%d"}`, rng.IntN(2000)-1000, rng.IntN(100), rng.IntN(500), zipf(rng, 50)))
		if i%10 == 0 {
			events = append(events, `{"u":"nobody"}`)
		}
	}
	whole := v.NewAcc()
	observe(t, whole, events...)
	parts := []*Acc{v.NewAcc(), v.NewAcc(), v.NewAcc()}
	for i, e := range events {
		observe(t, parts[i*7%3], e)
	}
	merged := v.NewAcc()
	for _, i := range []int{2, 0, 1} {
		if err := merged.Merge(parts[i]); err != nil {
			t.Fatal(err)
		}
	}
	w, m := itemText(t, whole), itemText(t, merged)
	for _, attr := range []string{"Count", "n_sum", "n_min", "n_max", "n_avg_sum", "n_avg_count", "u_distinct_estimate"} {
		if w[attr] != m[attr] {
			t.Errorf("%s: whole %s, merged %s", attr, w[attr], m[attr])
		}
	}
	// The top list of merged summaries may differ in counts, not in its values.
	wt, mt := whole.Top(6), merged.Top(6)
	for i := range wt {
		if wt[i].Value != mt[i].Value {
			t.Errorf("top %d: whole %v, merged %v", i, wt, mt)
		}
	}
	// min and max are idempotent: merging a row into itself changes neither.
	again := v.NewAcc()
	_ = again.Merge(merged)
	_ = again.Merge(merged)
	if a, b := itemText(t, again), itemText(t, merged); a["n_min"] != b["n_min"] || a["n_max"] != b["n_max"] || a["u_distinct_estimate"] != b["u_distinct_estimate"] {
		t.Errorf("merging a row twice changed min, max or distinct")
	}
	other := metricsView(t, "count")
	if err := merged.Merge(other.NewAcc()); err == nil {
		t.Error("merged rows of different views")
	}
}

// TestItemRoundTrip writes a row as DynamoDB would hold it and reads it back.
func TestItemRoundTrip(t *testing.T) {
	v := metricsView(t, "count", "sum:n", "min:n", "max:n", "avg:n", "distinct:u", "top:p:2")
	a := v.NewAcc()
	observe(t, a, `{"n":1.5,"u":"a","p":"/x"}`, `{"n":-2,"u":"b","p":"/x"}`, `{"n":7,"u":"a","p":"/y"}`, `{"u":"c","p":"/z"}`)
	item, err := a.Item()
	if err != nil {
		t.Fatal(err)
	}
	item["BucketStart"] = &types.AttributeValueMemberS{Value: "2015-06-05T12:54:00.000"}
	item["spk_wm_shardId-000000000000"] = &types.AttributeValueMemberS{Value: "1"}
	got := itemText(t, a)
	want := map[string]string{
		"Count": "N:4", "n_sum": "N:6.5", "n_min": "N:-2", "n_max": "N:7", "n_avg_sum": "N:6.5", "n_avg_count": "N:3",
		"u_distinct": got["u_distinct"], "u_distinct_estimate": "N:3", "p_top": got["p_top"],
		"p_top_list": "L:[M:{value:S:/x count:N:2 error:N:0} M:{value:S:/y count:N:1 error:N:0}]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("item\n got %v\nwant %v", got, want)
	}
	back, err := v.DecodeItem(item)
	if err != nil {
		t.Fatal(err)
	}
	if again := itemText(t, back); !reflect.DeepEqual(again, got) {
		t.Errorf("read back\n got %v\nwant %v", again, got)
	}
	// The read row merges with new events as if it had never left memory.
	observe(t, back, `{"n":100,"u":"d","p":"/y"}`)
	observe(t, a, `{"n":100,"u":"d","p":"/y"}`)
	if x, y := itemText(t, back), itemText(t, a); !reflect.DeepEqual(x, y) {
		t.Errorf("after one more event\n read %v\n kept %v", x, y)
	}
	if empty, err := v.DecodeItem(map[string]types.AttributeValue{}); err != nil || empty.Count() != 0 {
		t.Errorf("empty row: %v", err)
	}
	for attr, bad := range map[string]types.AttributeValue{
		"Count":       &types.AttributeValueMemberS{Value: "3"},
		"n_sum":       &types.AttributeValueMemberN{Value: "x"},
		"n_avg_count": &types.AttributeValueMemberN{Value: "1.5"},
		"u_distinct":  &types.AttributeValueMemberB{Value: []byte{1, 2, 3}},
		"p_top":       &types.AttributeValueMemberS{Value: "x"},
	} {
		broken := map[string]types.AttributeValue{attr: bad}
		if _, err := v.DecodeItem(broken); err == nil {
			t.Errorf("%s = %v read without error", attr, attrText(bad))
		}
	}
	wrongK := metricsView(t, "top:p:3")
	if _, err := wrongK.DecodeItem(item); err == nil {
		t.Error("a top:p:2 summary was read as top:p:3")
	}
}

// TestDistinctErrorBound counts known cardinalities. The sketch's standard
// error is 1.04/sqrt(2^12) ≈ 1.6%; the test allows three standard errors.
func TestDistinctErrorBound(t *testing.T) {
	v := metricsView(t, "distinct:u")
	const sigma = 1.04 / 64
	worst := 0.0
	for _, n := range []int{1, 10, 100, 1000, 5000, 20000, 100000, 300000} {
		a := v.NewAcc()
		for i := range n {
			ev := Fields{"u": StringValue(fmt.Sprintf("user-%d-%d", n, i))}
			if err := a.Observe(ev); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 { // duplicates do not count
				_ = a.Observe(ev)
			}
		}
		est := float64(a.Distinct(0))
		rel := math.Abs(est-float64(n)) / float64(n)
		worst = max(worst, rel)
		if rel > 3*sigma {
			t.Errorf("%d distinct values estimated as %v: error %.2f%%, bound %.2f%%", n, est, 100*rel, 300*sigma)
		}
	}
	t.Logf("worst relative error %.3f%%", 100*worst)
	// Numbers are distinct by value, not by spelling.
	a := v.NewAcc()
	for _, s := range []string{"200", "200.0", "2e2"} {
		n, _ := NumberValue(s)
		_ = a.Observe(Fields{"u": n})
	}
	if a.Distinct(0) != 1 {
		t.Errorf("200, 200.0 and 2e2 counted as %d values", a.Distinct(0))
	}
}

// zipf draws a rank in [0, n) with probability proportional to 1/(rank+1).
func zipf(rng *rand.Rand, n int) int {
	z := rand.NewZipf(rng, 1.1, 1, uint64(n-1))
	return int(z.Uint64())
}

// TestTopSkewed feeds Zipf-distributed values to four summaries, merges
// them, and checks the reported top K against exact counts: every count
// within the documented bound, every value more frequent than N/capacity
// kept, and on clearly skewed data exactly the true top K in order.
func TestTopSkewed(t *testing.T) {
	for _, tc := range []struct {
		k, distinct, n int
		s              float64
		exactOrder     bool
	}{
		{10, 10000, 200000, 1.2, true},
		{5, 1000, 50000, 1.5, true},
		{3, 100000, 100000, 2, true},
		{20, 5000, 100000, 1.1, false}, // ranks 14 and 15 differ by a few events
	} {
		rng := rand.New(rand.NewPCG(uint64(tc.k), 7))
		z := rand.NewZipf(rng, tc.s, 1, uint64(tc.distinct-1))
		v := metricsView(t, fmt.Sprintf("top:path:%d", tc.k))
		parts := []*Acc{v.NewAcc(), v.NewAcc(), v.NewAcc(), v.NewAcc()}
		exact := map[string]uint64{}
		for i := range tc.n {
			p := fmt.Sprintf("/page/%d", z.Uint64())
			exact[p]++
			_ = parts[i%4].Observe(Fields{"path": StringValue(p)})
		}
		for _, a := range parts[1:] {
			if err := parts[0].Merge(a); err != nil {
				t.Fatal(err)
			}
		}
		var truth []string
		for p := range exact {
			truth = append(truth, p)
		}
		slices.SortFunc(truth, func(a, b string) int { return cmp.Or(cmp.Compare(exact[b], exact[a]), cmp.Compare(a, b)) })
		summary := parts[0].states[0].top
		capacity := uint64(TopCapacityFactor * tc.k)
		bound := uint64(tc.n) / capacity
		all := summary.Top(int(capacity))
		kept := map[string]bool{}
		for _, e := range all {
			kept[e.Value] = true
			f := exact[e.Value]
			if e.Count < f || e.Count-e.Err > f || e.Err > bound {
				t.Errorf("k=%d: %s count %d err %d, true %d, bound %d", tc.k, e.Value, e.Count, e.Err, f, bound)
			}
		}
		for _, p := range truth {
			if exact[p] > bound && !kept[p] {
				t.Errorf("k=%d: %s occurs %d times, more than N/capacity = %d, and was dropped", tc.k, p, exact[p], bound)
			}
		}
		top := parts[0].Top(0)
		if len(top) != tc.k {
			t.Fatalf("k=%d: %d values", tc.k, len(top))
		}
		for i, e := range top {
			if exact[e.Value]+2*bound < exact[truth[i]] {
				t.Errorf("k=%d: top[%d] = %s (%d times), the true %s occurs %d times", tc.k, i, e.Value, exact[e.Value], truth[i], exact[truth[i]])
			}
			if tc.exactOrder && e.Value != truth[i] {
				t.Errorf("k=%d: top[%d] = %s, want %s", tc.k, i, e.Value, truth[i])
			}
		}
	}
}

func TestTopKSummary(t *testing.T) {
	s := NewTopK(3)
	for _, v := range []string{"a", "b", "a", "c", "d", "a", "d"} {
		s.Observe(v)
	}
	// d replaced the smallest of b and c (c, the greater on ties) with count 1+1.
	want := []TopEntry{{"a", 3, 0}, {"d", 3, 1}, {"b", 1, 0}}
	if got := s.Top(5); !reflect.DeepEqual(got, want) {
		t.Errorf("Top = %v, want %v", got, want)
	}
	if s.N() != 7 {
		t.Errorf("N = %d", s.N())
	}
	b, _ := s.MarshalBinary()
	var back TopK
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Top(5), want) || back.N() != 7 || back.Capacity() != 3 {
		t.Errorf("read back %v", back.Top(5))
	}
	b2, _ := back.MarshalBinary()
	if string(b2) != string(b) {
		t.Error("marshalling is not deterministic")
	}
	for i := range len(b) {
		var x TopK
		if x.UnmarshalBinary(b[:i]) == nil {
			t.Errorf("truncated summary of %d bytes read", i)
		}
	}
	if err := s.Merge(NewTopK(4)); err == nil {
		t.Error("merged summaries of different capacities")
	}
}

func FuzzTopKUnmarshal(f *testing.F) {
	s := NewTopK(4)
	for _, v := range []string{"a", "b", "a", "c", "d", "e"} {
		s.Observe(v)
	}
	b, _ := s.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var x TopK
		if x.UnmarshalBinary(b) != nil {
			return
		}
		x.Observe("z")
		y := NewTopK(x.Capacity())
		y.Observe("q")
		if err := y.Merge(&x); err != nil {
			t.Fatal(err)
		}
		if _, err := y.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeItem(f *testing.F) {
	v := metricsView(f, "count", "distinct:u", "top:p:2", "min:n")
	a := v.NewAcc()
	observe(f, a, `{"u":"a","p":"x","n":1}`)
	item, _ := a.Item()
	f.Add(item["u_distinct"].(*types.AttributeValueMemberB).Value, item["p_top"].(*types.AttributeValueMemberB).Value, "1")
	f.Fuzz(func(t *testing.T, hll, top []byte, n string) {
		acc, err := v.DecodeItem(map[string]types.AttributeValue{
			"u_distinct": &types.AttributeValueMemberB{Value: hll},
			"p_top":      &types.AttributeValueMemberB{Value: top},
			"n_min":      &types.AttributeValueMemberN{Value: n},
		})
		if err != nil {
			return
		}
		_ = acc.Observe(Fields{"u": StringValue("b"), "p": StringValue("y"), "n": IntValue(3)})
		_, _ = acc.Item()
	})
}

func TestAvg(t *testing.T) {
	v := metricsView(t, "avg:n")
	a := v.NewAcc()
	if _, ok := a.Avg(0); ok {
		t.Error("average of nothing")
	}
	observe(t, a, `{"n":1}`, `{"n":2}`, `{"n":2}`)
	if got, _ := a.Avg(0); got.String() != "1.666666666666666666666666666666666666667" {
		t.Errorf("avg %s", got)
	}
	observe(t, a, `{"n":3}`)
	if got, _ := a.Avg(0); got.String() != "2" {
		t.Errorf("avg %s", got)
	}
}
