package view

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/bucket"
)

func mustCompile(t *testing.T, def Definition) *View {
	t.Helper()
	v, err := Compile(def)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustJSON(t testing.TB, s string) JSON {
	t.Helper()
	j, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestCompileErrors(t *testing.T) {
	base := Definition{Name: "errors", Window: Window{Size: time.Minute}, Metrics: []string{"count"}}
	tests := []struct {
		name string
		edit func(*Definition)
		want string
	}{
		{"no name", func(d *Definition) { d.Name = "" }, `view "(unnamed)": give the view a name, such as name: errors`},
		{"a name no table tag may hold", func(d *Definition) { d.Name = "errors (5xx)" },
			`view "errors (5xx)": a view's name may hold only letters, digits, spaces and _ . : / = + - @, at most 256 of them: rename it, such as name: errors-5xx`},
		{"avg without field", func(d *Definition) { d.Metrics = []string{"avg"} }, `view "errors": metric "avg": name a field, as in avg:bytes`},
		{"unknown metric", func(d *Definition) { d.Metrics = []string{"median:bytes"} }, `view "errors": metric "median:bytes": unknown metric "median": use count, sum, min, max, avg, distinct or top, as in sum:bytes`},
		{"count with field", func(d *Definition) { d.Metrics = []string{"count:x"} }, `view "errors": metric "count:x": count takes no field: write count, and a where filter to count only some events`},
		{"top without k", func(d *Definition) { d.Metrics = []string{"top:path"} }, `view "errors": metric "top:path": say how many values to keep, as in top:path:10`},
		{"top k too big", func(d *Definition) { d.Metrics = []string{"top:path:1000"} }, `view "errors": metric "top:path:1000": keep from 1 to 100 values, as in top:path:10`},
		{"top no field", func(d *Definition) { d.Metrics = []string{"top"} }, `view "errors": metric "top": name a field and how many values to keep, as in top:path:10`},
		{"sum two fields", func(d *Definition) { d.Metrics = []string{"sum:a:b"} }, `view "errors": metric "sum:a:b": sum takes one field, as in sum:bytes`},
		{"bad path", func(d *Definition) { d.Metrics = []string{"sum:a..b"} }, `view "errors": metric "sum:a..b": field "a..b" has an empty name between dots: name a field, as in sum:bytes`},
		{"duplicate metric", func(d *Definition) { d.Metrics = []string{"sum:bytes", "sum:bytes"} }, `view "errors": metric "sum:bytes": another metric already writes attribute "bytes_sum": list each metric once`},
		{"reserved", func(d *Definition) { d.Metrics = []string{"max:spk_wm_x"} }, `view "errors": metric "max:spk_wm_x": its attribute "spk_wm_x_max" is one spk keeps for itself: aggregate another field`},
		{"no metrics", func(d *Definition) { d.Metrics = nil }, `view "errors": list at least one metric, such as metrics: [count]`},
		{"no size", func(d *Definition) { d.Window = Window{} }, `view "errors": window: give a size, such as size: 1m`},
		{"odd size", func(d *Definition) { d.Window = Window{Size: 7 * time.Minute} }, `view "errors": window: bucket size 7m0s divides neither an hour nor a day: use one that does, such as 1m, 5m, 15m, 1h or 6h`},
		{"slide not dividing", func(d *Definition) { d.Window = Window{Size: 5 * time.Minute, Slide: 2 * time.Minute} }, `view "errors": window: size 5m0s is not a multiple of slide 2m0s: use a slide that divides the size, such as size 5m and slide 1m`},
		{"slide longer", func(d *Definition) { d.Window = Window{Size: 5 * time.Minute, Slide: 10 * time.Minute} }, `view "errors": window: size 5m0s is not a multiple of slide 10m0s: use a slide that divides the size, such as size 5m and slide 1m`},
		{"too many windows an event", func(d *Definition) { d.Window = Window{Size: 24 * time.Hour, Slide: time.Millisecond} },
			`view "errors": window: size 24h0m0s sliding every 1ms puts each event in 86400000 rows, more than 1440: use a longer slide, such as 1m0s`},
		{"an hour by seconds", func(d *Definition) { d.Window = Window{Size: time.Hour, Slide: time.Second} },
			`view "errors": window: size 1h0m0s sliding every 1s puts each event in 3600 rows, more than 1440: use a longer slide, such as 1m0s`},
		{"bad slide", func(d *Definition) { d.Window = Window{Size: 5 * time.Minute, Slide: -time.Minute} }, `view "errors": window: slide: size -1m0s must be positive: use a duration such as 1m`},
		{"group twice", func(d *Definition) { d.GroupBy = []string{"a", "a"} }, `view "errors": group_by: field "a" is listed twice: list each field once`},
		{"group empty", func(d *Definition) { d.GroupBy = []string{""} }, `view "errors": group_by: empty field name: use a field name or a dotted path such as request.method`},
		{"where", func(d *Definition) { d.Where = "status >= " }, `view "errors": where: column 11: expected a value after ">=", such as 500, 'GET' or true, found end of filter`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.edit(&d)
			_, err := Compile(d)
			if err == nil {
				t.Fatalf("Compile succeeded, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestDefaultViewIsTheTutorials(t *testing.T) {
	v := mustCompile(t, DefaultDefinition())
	if !v.Additive() {
		t.Error("default view is not additive")
	}
	ev := mustJSON(t, `{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974"}`)
	ts, err := EventTime(ev, Path{bucket.TimestampField})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := v.Keys(ev, ts)
	if err != nil {
		t.Fatal(err)
	}
	// The same row bucket.Bucketer gives today.
	bk := &bucket.Bucketer{Size: bucket.DefaultSize, GroupBy: bucket.DefaultGroupBy}
	old, err := bk.Key([]byte(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bucket.Key{old}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if keys[0] != (bucket.Key{Start: "2015-06-05T12:54:00.000", Group: "Green"}) {
		t.Errorf("key %v", keys[0])
	}
	a := v.NewAcc()
	for range 3 {
		if err := a.Observe(ev); err != nil {
			t.Fatal(err)
		}
	}
	add := a.Additions()
	if len(add) != 1 {
		t.Fatalf("additions %v", add)
	}
	if got := attrText(add["Count"]); got != "N:3" {
		t.Errorf("Count = %s", got)
	}
	rep, err := a.Replacements()
	if err != nil || len(rep) != 0 {
		t.Errorf("replacements %v, %v", rep, err)
	}
	if AttrBucketStart != "BucketStart" || AttrGroup != "EventType" || AttrCount != "Count" {
		t.Error("attribute names differ from the tutorial's")
	}
}

func TestWindowsTumbling(t *testing.T) {
	v := mustCompile(t, Definition{Name: "t", Window: Window{Size: 5 * time.Minute, Slide: 5 * time.Minute}, Metrics: []string{"count"}})
	at := time.Date(2015, 6, 5, 12, 54, 43, 0, time.FixedZone("x", 2*3600))
	got := v.Windows(at)
	want := []time.Time{time.Date(2015, 6, 5, 10, 50, 0, 0, time.UTC)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Windows = %v, want %v", got, want)
	}
}

// TestWindowsSlidingBruteForce checks every window start against the
// definition: a start aligned to the slide with start <= t < start+size.
func TestWindowsSlidingBruteForce(t *testing.T) {
	shapes := []Window{
		{Size: 5 * time.Minute, Slide: time.Minute},
		{Size: time.Hour, Slide: 15 * time.Minute},
		{Size: 10 * time.Second, Slide: 2 * time.Second},
		{Size: 24 * time.Hour, Slide: 6 * time.Hour},
		{Size: 3 * time.Second, Slide: 500 * time.Millisecond},
		{Size: time.Minute},
	}
	base := time.Date(2015, 6, 5, 23, 58, 0, 0, time.UTC)
	for _, w := range shapes {
		v := mustCompile(t, Definition{Name: "s", Window: w, Metrics: []string{"count"}})
		slide := w.Slide
		if slide == 0 {
			slide = w.Size
		}
		for i := range 2000 {
			at := base.Add(time.Duration(i) * 37 * time.Millisecond * time.Duration(1+i%97))
			var want []time.Time
			// Every aligned start within a size before at, by brute force.
			for s := at.Add(-w.Size - slide).Truncate(slide); !s.After(at); s = s.Add(slide) {
				if !s.After(at) && at.Before(s.Add(w.Size)) {
					want = append(want, s.UTC())
				}
			}
			got := v.Windows(at)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v at %v: got %v, want %v", w, at, got, want)
			}
			if len(got) != int(w.Size/slide) {
				t.Fatalf("%+v: %d windows", w, len(got))
			}
		}
	}
}

func TestKeysSliding(t *testing.T) {
	v := mustCompile(t, Definition{Name: "s", GroupBy: []string{"type"}, Window: Window{Size: 3 * time.Minute, Slide: time.Minute}, Metrics: []string{"count"}})
	keys, err := v.Keys(Fields{"type": StringValue("Red")}, time.Date(2015, 6, 5, 12, 54, 43, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []bucket.Key{{Start: "2015-06-05T12:52:00.000", Group: "Red"}, {Start: "2015-06-05T12:53:00.000", Group: "Red"}, {Start: "2015-06-05T12:54:00.000", Group: "Red"}}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

func TestGroupKey(t *testing.T) {
	ev := mustJSON(t, `{"type":"Green","status":200,"ok":true,"pipe":"a|b\\c","n":{"m":"x"},"f":2.50,"e":"","big":1e2,"obj":{},"nul":null}`)
	tests := []struct {
		group []string
		want  string
		vals  []string
	}{
		{nil, "*", []string{}},
		{[]string{"type"}, "Green", []string{"Green"}},
		{[]string{"status"}, "200", []string{"200"}},
		{[]string{"big"}, "100", []string{"100"}},
		{[]string{"f"}, "2.5", []string{"2.5"}},
		{[]string{"ok"}, "true", []string{"true"}},
		{[]string{"pipe"}, "a|b\\c", []string{"a|b\\c"}},
		{[]string{"n.m"}, "x", []string{"x"}},
		{[]string{"type", "status"}, "Green|200", []string{"Green", "200"}},
		{[]string{"pipe", "ok"}, `a\|b\\c|true`, []string{"a|b\\c", "true"}},
		{[]string{"e", "type"}, "|Green", []string{"", "Green"}},
	}
	for _, tt := range tests {
		v := mustCompile(t, Definition{Name: "g", GroupBy: tt.group, Window: Window{Size: time.Minute}, Metrics: []string{"count"}})
		got, err := v.GroupKey(ev)
		if err != nil {
			t.Errorf("%v: %v", tt.group, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%v: key %q, want %q", tt.group, got, tt.want)
		}
		vals, err := v.Group(got)
		if err != nil || !reflect.DeepEqual(vals, tt.vals) {
			t.Errorf("%v: Group(%q) = %q, %v; want %q", tt.group, got, vals, err, tt.vals)
		}
	}
	for _, g := range [][]string{{"missing"}, {"e"}, {"obj"}, {"nul"}, {"type", "missing"}} {
		v := mustCompile(t, Definition{Name: "g", GroupBy: g, Window: Window{Size: time.Minute}, Metrics: []string{"count"}})
		_, err := v.GroupKey(ev)
		var rej *bucket.RejectError
		if !errors.As(err, &rej) || rej.Reason != bucket.MissingGroup {
			t.Errorf("%v: err %v, want a missing_group rejection", g, err)
		}
	}
	long := Fields{"a": StringValue(strings.Repeat("x", bucket.MaxGroupBytes+1))}
	v := mustCompile(t, Definition{Name: "g", GroupBy: []string{"a"}, Window: Window{Size: time.Minute}, Metrics: []string{"count"}})
	if _, err := v.GroupKey(long); err == nil {
		t.Error("oversized group key accepted")
	}
}

func TestGroupEncodingRoundTrip(t *testing.T) {
	alphabet := []string{"", "a", "|", "\\", "\\|", "||", "a|b", "\\\\", "é", "*"}
	for n := 2; n <= 3; n++ {
		var rec func(prefix []string)
		seen := map[string][]string{}
		rec = func(prefix []string) {
			if len(prefix) == n {
				key := EncodeGroup(prefix)
				got, err := DecodeGroup(key, n)
				if err != nil || !reflect.DeepEqual(got, prefix) {
					t.Fatalf("%q -> %q -> %q, %v", prefix, key, got, err)
				}
				if other, ok := seen[key]; ok {
					t.Fatalf("%q and %q both encode to %q", other, prefix, key)
				}
				seen[key] = append([]string(nil), prefix...)
				return
			}
			for _, s := range alphabet {
				rec(append(prefix, s))
			}
		}
		rec(nil)
	}
	for _, bad := range []string{`a\`, `a\b|c`, "a|b|c"} {
		if _, err := DecodeGroup(bad, 2); err == nil {
			t.Errorf("DecodeGroup(%q, 2) succeeded", bad)
		}
	}
	if _, err := DecodeGroup("x", 0); err == nil {
		t.Error("DecodeGroup(x, 0) succeeded")
	}
}

func FuzzGroupEncoding(f *testing.F) {
	f.Add("a", "b", "c")
	f.Add("|", "\\", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		in := []string{a, b, c}
		got, err := DecodeGroup(EncodeGroup(in), 3)
		if err != nil || !reflect.DeepEqual(got, in) {
			t.Fatalf("%q -> %q, %v", in, got, err)
		}
	})
}

func TestEventTime(t *testing.T) {
	p := Path{"timestamp"}
	for _, tt := range []struct {
		ev     Event
		want   time.Time
		reason bucket.Reason
	}{
		{mustJSON(t, `{"timestamp":"2015-06-05T12:54:43.5+02:00"}`), time.Date(2015, 6, 5, 10, 54, 43, 5e8, time.UTC), ""},
		{mustJSON(t, `{"timestamp":1433508883064}`), time.Date(2015, 6, 5, 12, 54, 43, 64e6, time.UTC), ""},
		{mustJSON(t, `{"timestamp":1433508883064.5}`), time.Date(2015, 6, 5, 12, 54, 43, 64500000, time.UTC), ""},
		{mustJSON(t, `{"timestamp":253402300800000}`), time.Time{}, bucket.BadTimestamp},
		{mustJSON(t, `{"timestamp":-1}`), time.Time{}, bucket.BadTimestamp},
		{mustJSON(t, `{"timestamp":true}`), time.Time{}, bucket.MissingTimestamp},
		{mustJSON(t, `{}`), time.Time{}, bucket.MissingTimestamp},
		{mustJSON(t, `{"timestamp":"yesterday"}`), time.Time{}, bucket.BadTimestamp},
		// A hair before a minute's end is in that minute: never rounded up.
		{mustJSON(t, `{"timestamp":1704067259999.9999999}`), time.Date(2024, 1, 1, 0, 0, 59, 999999999, time.UTC), ""},
		// Fractions after 2262, where nanoseconds no longer fit an int64.
		{mustJSON(t, `{"timestamp":10413792000000.5}`), time.Date(2300, 1, 1, 0, 0, 0, 5e5, time.UTC), ""},
		{mustJSON(t, `{"timestamp":253402300799999.9}`), time.Date(9999, 12, 31, 23, 59, 59, 999900000, time.UTC), ""},
	} {
		got, err := EventTime(tt.ev, p)
		var rej *bucket.RejectError
		switch {
		case tt.reason == "" && (err != nil || !got.Equal(tt.want)):
			t.Errorf("%v: %v, %v", tt.ev, got, err)
		case tt.reason != "" && (!errors.As(err, &rej) || rej.Reason != tt.reason):
			t.Errorf("%v: err %v, want %s", tt.ev, err, tt.reason)
		}
	}
}

// TestEventTimeOfChangeRecords: a DynamoDB change record's creation time is
// in milliseconds, or in microseconds when the record says so beside it (a
// Kinesis destination enabled with ApproximateCreationDateTimePrecision
// MICROSECOND).
func TestEventTimeOfChangeRecords(t *testing.T) {
	p := Path{"dynamodb", "ApproximateCreationDateTime"}
	want := time.Date(2026, 11, 27, 17, 20, 47, 846276000, time.UTC)
	for _, tt := range []struct{ record, want string }{
		{`{"dynamodb":{"ApproximateCreationDateTime":1795800047846.276}}`, ""},
		{`{"dynamodb":{"ApproximateCreationDateTime":1795800047846.276,"ApproximateCreationDateTimePrecision":"MILLISECOND"}}`, ""},
		{`{"dynamodb":{"ApproximateCreationDateTime":1795800047846276,"ApproximateCreationDateTimePrecision":"MICROSECOND"}}`, ""},
		{`{"dynamodb":{"ApproximateCreationDateTime":1795800047846276}}`, "is not milliseconds since 1970"},
		{`{"dynamodb":{"ApproximateCreationDateTime":-5,"ApproximateCreationDateTimePrecision":"MICROSECOND"}}`, "is not microseconds since 1970"},
	} {
		got, err := EventTime(mustJSON(t, tt.record), p)
		switch {
		case tt.want == "" && (err != nil || !got.Equal(want)):
			t.Errorf("%s: %v, %v; want %v", tt.record, got, err, want)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, %v; want an error saying %q", tt.record, got, err, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	j := mustJSON(t, `{"a":{"b":{"c":12345678901234567890123456789.5}},"s":"x","t":false,"l":[1]}`)
	if v, ok := j.Get(Path{"a", "b", "c"}); !ok || v.Kind() != Number || v.Text() != "12345678901234567890123456789.5" {
		t.Errorf("a.b.c = %v, %v", v, ok)
	}
	if v, ok := j.Get(Path{"t"}); !ok || v != BoolValue(false) {
		t.Errorf("t = %v", v)
	}
	for _, p := range []Path{{"l"}, {"a"}, {"a", "x"}, {"s", "x"}, {"zz"}, nil} {
		if v, ok := j.Get(p); ok {
			t.Errorf("%v = %v, want missing", p, v)
		}
	}
	for _, bad := range []string{`[1]`, `null`, `{"a":1} {}`, `{`, `"x"`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeJSON(%s) succeeded", bad)
		}
	}
}

func TestValues(t *testing.T) {
	if _, err := NumberValue("1e200"); err == nil {
		t.Error("1e200 accepted: DynamoDB cannot hold it")
	}
	if _, err := NumberValue("123456789012345678901234567890123456789"); err == nil {
		t.Error("39 digits accepted")
	}
	if _, err := NumberValue("NaN"); err == nil {
		t.Error("NaN accepted")
	}
	for in, want := range map[string]string{"200": "200", "200.0": "200", "2e2": "200", "-0": "0", "0.10": "0.1", "1E-3": "0.001"} {
		v, err := NumberValue(in)
		if err != nil || v.Canonical() != want {
			t.Errorf("%s: canonical %q, %v; want %q", in, v.Canonical(), err, want)
		}
	}
	if IntValue(-7).Text() != "-7" || StringValue("x").Kind() != String {
		t.Error("constructors")
	}
}

func TestCompileAll(t *testing.T) {
	def := func(name, table string) Definition {
		return Definition{Name: name, Table: table, Window: Window{Size: time.Minute}, Metrics: []string{"count"}}
	}
	vs, err := CompileAll([]Definition{DefaultDefinition(), def("errors", "errors-table"), def("slow", "")}, "my-table")
	if err != nil || len(vs) != 3 || vs[0].Table("my-table") != "my-table" || vs[1].Table("my-table") != "errors-table" || vs[2].Table("") != "my-table-slow" {
		t.Fatalf("%v, %v", vs, err)
	}
	// The only view writes the run's table whatever its name.
	if vs, err := CompileAll([]Definition{def("errors", "")}, "my-table"); err != nil || vs[0].Table("") != "my-table" {
		t.Fatalf("one view: %v, %v", vs, err)
	}
	for _, tt := range []struct {
		defs []Definition
		want string
	}{
		{[]Definition{def("a", ""), def("a", "t")}, `view "a": another view has this name: give each view its own`},
		{[]Definition{def("default", ""), def("b", "my-table")}, `view "b": view "default" already writes to table "my-table": give one of them its own table`},
		{[]Definition{def("a", "tt1"), def("b", "tt1")}, `view "b": view "a" already writes to table "tt1": give one of them its own table`},
		{[]Definition{def("a", ""), def("b", "my-table-a")}, `view "b": view "a" already writes to table "my-table-a": give one of them its own table`},
		{[]Definition{def("a", ""), def("b c", "")}, `view "b c": table "my-table-b c" is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' or '.'): set table: to one, or rename the view`},
		{[]Definition{def("a", ""), {Name: "b"}}, `view "b": window: give a size, such as size: 1m`},
	} {
		if _, err := CompileAll(tt.defs, "my-table"); err == nil || err.Error() != tt.want {
			t.Errorf("err %v, want %s", err, tt.want)
		}
	}
}

func TestProject(t *testing.T) {
	v := mustCompile(t, Definition{Name: "p", GroupBy: []string{"type"}, Window: Window{Size: time.Minute}, Metrics: []string{"count", "sum:r.bytes", "max:r.bytes", "distinct:ip"}})
	ev := mustJSON(t, `{"type":"x","r":{"bytes":12},"other":"y"}`)
	got := v.Project(ev)
	want := Fields{"r.bytes": IntValue(12)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Project = %v, want %v", got, want)
	}
	// A projection feeds the accumulator as the event would.
	a, b := v.NewAcc(), v.NewAcc()
	_ = a.Observe(ev)
	_ = b.Observe(got)
	if x, y := itemText(t, a), itemText(t, b); !reflect.DeepEqual(x, y) {
		t.Errorf("event %v, projection %v", x, y)
	}
	if n := len(v.Fields()); n != 2 {
		t.Errorf("Fields = %v", v.Fields())
	}
}

// TestTopValuesAreCutOnACharacter: a value longer than a top list keeps is
// cut on a character's boundary, never inside one.
func TestTopValuesAreCutOnACharacter(t *testing.T) {
	v, err := Compile(Definition{Name: "paths", Window: Window{Size: time.Minute}, Metrics: []string{"top:path:3"}})
	if err != nil {
		t.Fatal(err)
	}
	a := v.NewAcc()
	long := strings.Repeat("a", maxTopValueBytes-1) + "é/more" // é's two bytes straddle the bound
	if err := a.Observe(Fields{"path": StringValue(long)}); err != nil {
		t.Fatal(err)
	}
	top := a.Top(0)
	if len(top) != 1 || top[0].Value != strings.Repeat("a", maxTopValueBytes-1) {
		t.Fatalf("kept %+v, want the value cut before é", top)
	}
}

// TestRowsFitAnItem: three top metrics of K 100 fit DynamoDB's 400 KB item
// with the rest of the row; a fourth could not, and the view is refused
// when it is compiled, not when a busy window outgrows the item.
func TestRowsFitAnItem(t *testing.T) {
	def := Definition{Name: "big", GroupBy: []string{"type"}, Window: Window{Size: time.Minute},
		Metrics: []string{"count", "distinct:ip", "top:agent:100", "top:referer:100", "top:path:100"}}
	if _, err := Compile(def); err != nil {
		t.Fatalf("three tops of 100: %v", err)
	}
	def.Metrics = append(def.Metrics, "top:host:100")
	_, err := Compile(def)
	if err == nil || !strings.Contains(err.Error(), `view "big": its metrics could make a row of up to 523 KB, over DynamoDB's 400 KB item limit`) {
		t.Fatalf("four tops of 100: %v", err)
	}
	def.Metrics[len(def.Metrics)-2], def.Metrics[len(def.Metrics)-1] = "top:path:50", "top:host:50"
	if _, err := Compile(def); err != nil {
		t.Fatalf("two tops of 100 and two of 50: %v", err)
	}
}
