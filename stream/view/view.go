package view

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spk-cli/spk/internal/awsname"
	"github.com/spk-cli/spk/stream/bucket"
)

// Definition is a view as written under views: in spk.yaml.
type Definition struct {
	// Name identifies the view in messages, metrics and `spk show`.
	Name string `yaml:"name" mapstructure:"name"`
	// Table is the DynamoDB table the view's rows go to; empty means the
	// run's aggregate table.
	Table string `yaml:"table,omitempty" mapstructure:"table"`
	// Where keeps only the events that match; empty keeps all. See ParseWhere.
	Where string `yaml:"where,omitempty" mapstructure:"where"`
	// GroupBy lists the dotted paths whose values make a row's group.
	GroupBy []string `yaml:"group_by,omitempty" mapstructure:"group_by"`
	Window  Window   `yaml:"window" mapstructure:"window"`
	// Metrics lists what each row holds, such as count, sum:bytes or top:path:10.
	Metrics []string `yaml:"metrics" mapstructure:"metrics"`
}

// Window is the time span of a row. With Slide zero or equal to Size the
// windows tumble: each event falls in exactly one. Otherwise they slide as in
// Spark's reduceByKeyAndWindow: a window of length Size starts every Slide,
// and an event counts in each of the Size/Slide windows that cover it.
type Window struct {
	Size  time.Duration `yaml:"size" mapstructure:"size"`
	Slide time.Duration `yaml:"slide,omitempty" mapstructure:"slide"`
}

// Sliding reports whether windows overlap.
func (w Window) Sliding() bool { return w.Slide != 0 && w.Slide != w.Size }

// DefaultDefinition is the tutorial's aggregate: events counted per minute
// per value of their type field.
func DefaultDefinition() Definition {
	return Definition{
		Name:    DefaultName,
		GroupBy: []string{bucket.DefaultGroupBy},
		Window:  Window{Size: bucket.DefaultSize},
		Metrics: []string{"count"},
	}
}

// View is a compiled Definition, ready to sort events into rows. A View is
// immutable and safe for concurrent use.
type View struct {
	def     Definition
	filter  *Filter
	groupBy []Path
	size    time.Duration
	slide   time.Duration
	metrics []Metric
	attrs   map[string]bool
	fields  []Path // what the metrics read, each once
}

// Compile checks a definition and prepares it. Every error is one line that
// names the view, the problem and how to fix it.
func Compile(def Definition) (*View, error) {
	name := def.Name
	fail := func(format string, args ...any) error {
		return fmt.Errorf("view %q: %s", name, fmt.Sprintf(format, args...))
	}
	if name == "" {
		name = "(unnamed)"
		return nil, fail("give the view a name, such as name: errors")
	}
	if !tagValue(name) {
		// The name is the spk-view tag of the view's own table, and
		// DynamoDB refuses other characters in a tag value.
		return nil, fail("a view's name may hold only letters, digits, spaces and _ . : / = + - @, at most 256 of them: rename it, such as name: errors-5xx")
	}
	v := &View{def: def, attrs: map[string]bool{}}
	f, err := ParseWhere(def.Where)
	if err != nil {
		return nil, fail("%v", err)
	}
	v.filter = f
	seen := map[string]bool{}
	for _, g := range def.GroupBy {
		p, err := ParsePath(g)
		if err != nil {
			return nil, fail("group_by: %v: use a field name or a dotted path such as request.method", err)
		}
		if seen[p.String()] {
			return nil, fail("group_by: field %q is listed twice: list each field once", g)
		}
		seen[p.String()] = true
		v.groupBy = append(v.groupBy, p)
	}
	w := def.Window
	if w.Size == 0 {
		return nil, fail("window: give a size, such as size: 1m")
	}
	if err := bucket.ValidateSize(w.Size); err != nil {
		return nil, fail("window: %v", err)
	}
	v.size, v.slide = w.Size, w.Size
	if w.Sliding() {
		if err := bucket.ValidateSize(w.Slide); err != nil {
			return nil, fail("window: slide: %v", strings.TrimPrefix(err.Error(), "bucket "))
		}
		if w.Slide > w.Size || w.Size%w.Slide != 0 {
			return nil, fail("window: size %v is not a multiple of slide %v: use a slide that divides the size, such as size 5m and slide 1m", w.Size, w.Slide)
		}
		if n := w.Size / w.Slide; n > MaxWindowsPerEvent {
			return nil, fail("window: size %v sliding every %v puts each event in %d rows, more than %d: use a longer slide, such as %v", w.Size, w.Slide, n, MaxWindowsPerEvent, minSlide(w.Size))
		}
		v.slide = w.Slide
	}
	if len(def.Metrics) == 0 {
		return nil, fail("list at least one metric, such as metrics: [count]")
	}
	for _, text := range def.Metrics {
		m, err := ParseMetric(text)
		if err != nil {
			return nil, fail("%v", err)
		}
		for _, a := range m.Attributes() {
			if v.attrs[a] {
				return nil, fail("metric %q: another metric already writes attribute %q: list each metric once", text, a)
			}
			if reserved(a) {
				return nil, fail("metric %q: its attribute %q is one spk keeps for itself: aggregate another field", text, a)
			}
			v.attrs[a] = true
		}
		v.metrics = append(v.metrics, m)
		if m.Field != nil && !slices.ContainsFunc(v.fields, func(p Path) bool { return p.String() == m.Field.String() }) {
			v.fields = append(v.fields, m.Field)
		}
	}
	// A row that outgrows DynamoDB's item limit stops the run for good, and
	// only once a window has seen enough long distinct values: refused now.
	worst := 0
	for _, m := range v.metrics {
		worst += m.worstBytes()
	}
	if worst > rowBudget {
		return nil, fail("its metrics could make a row of up to %d KB, over DynamoDB's 400 KB item limit: use fewer top metrics, or smaller K (top:FIELD:K) in them", (worst+1023)/1024)
	}
	return v, nil
}

// rowBudget is what a view's metrics may take of a row: DynamoDB's 400 KB
// item, less room for the key, the times and the per-shard watermarks.
const rowBudget = 400<<10 - 4<<10

// worstBytes is the most a metric's attributes can take in a row: a top
// summary keeps 4K values of at most 256 bytes and lists K of them, a
// distinct sketch is 4 KB, the others a number each.
func (m Metric) worstBytes() int {
	switch m.Kind {
	case Top:
		return TopCapacityFactor*m.K*(maxTopValueBytes+4) + m.K*(maxTopValueBytes+30)
	case Distinct:
		return 4200
	}
	return 64
}

// reserved reports whether a metric attribute would clash with the row's key,
// timestamps or spk's bookkeeping (watermarks, the row version).
func reserved(attr string) bool {
	switch attr {
	case AttrBucketStart, AttrGroup, AttrCreatedAt, AttrUpdatedAt:
		return true
	}
	return strings.HasPrefix(attr, "spk_")
}

// Attribute names of a view's rows that are not metrics. They are the
// tutorial's, so the default view's table is the tutorial's table.
const (
	AttrBucketStart = "BucketStart" // hash key: the window start, bucket.Layout
	AttrGroup       = "EventType"   // range key: the encoded group key
	AttrCreatedAt   = "CreatedAt"
	AttrUpdatedAt   = "UpdatedAt"
	// AttrVersion is the row version the read-modify-write path conditions
	// on; see the package documentation.
	AttrVersion = "spk_ver"
)

// Definition returns what the view was compiled from.
func (v *View) Definition() Definition { return v.def }

// Name returns the view's name.
func (v *View) Name() string { return v.def.Name }

// Filter returns the view's filter.
func (v *View) Filter() *Filter { return v.filter }

// GroupBy returns the paths of the group fields.
func (v *View) GroupBy() []Path { return v.groupBy }

// Metrics returns the view's metrics, in the order they were defined.
func (v *View) Metrics() []Metric { return v.metrics }

// Additive reports whether every metric of the view can be written with
// DynamoDB's ADD, so rows need no read before the write (the default view is).
func (v *View) Additive() bool {
	for _, m := range v.metrics {
		if !m.Additive() {
			return false
		}
	}
	return true
}

// Match reports whether ev passes the view's filter.
func (v *View) Match(ev Event) bool { return v.filter.Match(ev) }

// Windows returns the starts of the windows that hold an event at t, oldest
// first, in UTC: one for tumbling windows, Size/Slide for sliding ones. The
// window starting at s holds [s, s+Size). Starts are aligned as
// bucket.Truncate aligns them. t must be within bucket.MinTime and
// bucket.MaxTime (as EventTime ensures); sliding windows that would start
// before bucket.MinTime are left out, so every start is in range.
func (v *View) Windows(t time.Time) []time.Time {
	last, n, first := v.windows(t)
	out := make([]time.Time, 0, n-first)
	for i := first; i < n; i++ {
		out = append(out, last.Add(-time.Duration(n-1-i)*v.slide))
	}
	return out
}

// windows says which windows hold an event at t: the i-th of n, for i from
// first, starts at last - (n-1-i)*slide. Those before first would start
// before bucket.MinTime.
func (v *View) windows(t time.Time) (last time.Time, n, first int) {
	last = bucket.Truncate(t, v.slide)
	n = int(v.size / v.slide)
	// Truncate counts from bucket.MinTime, so last is at or after it; Sub
	// saturates, so a time far from year 1 needs nothing left out.
	if back := last.Sub(bucket.MinTime); back < time.Duration(n-1)*v.slide {
		first = n - 1 - int(back/v.slide)
	}
	return last, n, first
}

// Keys returns the rows an event at time t goes to: one per window, all with
// the event's group key. It returns a *bucket.RejectError with reason
// bucket.MissingGroup when a group field is missing or too long.
// Keys does not apply the filter: call Match first.
func (v *View) Keys(ev Event, t time.Time) ([]bucket.Key, error) {
	g, err := v.GroupKey(ev)
	if err != nil {
		return nil, err
	}
	ws := v.Windows(t)
	keys := make([]bucket.Key, len(ws))
	for i, w := range ws {
		keys[i] = bucket.Key{Start: bucket.Format(w), Group: g}
	}
	return keys, nil
}

// KeyCache remembers the last window starts formatted for a view, so that
// KeysCached formats a start once for the many events of one window. It
// belongs to one goroutine.
type KeyCache struct {
	start time.Time
	text  string
}

func (c *KeyCache) format(t time.Time) string {
	if c == nil {
		return bucket.Format(t)
	}
	if !t.Equal(c.start) || c.text == "" {
		c.start, c.text = t, bucket.Format(t)
	}
	return c.text
}

// KeysCached is Keys that appends to dst and formats window starts through
// cache (one per view and goroutine).
func (v *View) KeysCached(dst []bucket.Key, ev Event, t time.Time, cache *KeyCache) ([]bucket.Key, error) {
	g, err := v.GroupKey(ev)
	if err != nil {
		return dst, err
	}
	last, n, first := v.windows(t)
	for i := first; i < n; i++ {
		dst = append(dst, bucket.Key{Start: cache.format(last.Add(-time.Duration(n-1-i) * v.slide)), Group: g})
	}
	return dst, nil
}

// CompileAll compiles the views of one run. Names must differ, and so must
// tables: rows of two views in one table would share keys. A view without a
// Table writes to defaultTable, the run's aggregate table, when it is named
// default or is the only view; any other view without a Table writes to
// "<defaultTable>-<name>". The compiled views report their resolved table
// through Table and Definition.
func CompileAll(defs []Definition, defaultTable string) ([]*View, error) {
	views := make([]*View, 0, len(defs))
	names := map[string]bool{}
	tables := map[string]string{}
	for _, d := range defs {
		v, err := Compile(d)
		if err != nil {
			return nil, err
		}
		if names[d.Name] {
			return nil, fmt.Errorf("view %q: another view has this name: give each view its own", d.Name)
		}
		names[d.Name] = true
		t := d.Table
		if t == "" {
			t = defaultTable
			if len(defs) > 1 && d.Name != DefaultName {
				t = defaultTable + "-" + d.Name
			}
		}
		if !awsname.Table(t) {
			return nil, fmt.Errorf("view %q: table %q is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' or '.'): set table: to one, or rename the view", d.Name, t)
		}
		v.def.Table = t
		if other, ok := tables[t]; ok {
			return nil, fmt.Errorf("view %q: view %q already writes to table %q: give one of them its own table", d.Name, other, t)
		}
		tables[t] = d.Name
		views = append(views, v)
	}
	return views, nil
}

// DefaultName is the name of the tutorial's view, which writes to the run's
// aggregate table.
const DefaultName = "default"

// Table returns the table the view writes to: its own, or defaultTable.
// After CompileAll every view has its own.
func (v *View) Table(defaultTable string) string {
	if v.def.Table != "" {
		return v.def.Table
	}
	return defaultTable
}

// Fields returns the paths the view's metrics read, each once.
func (v *View) Fields() []Path { return v.fields }

// Project copies the fields the view's metrics read out of ev. A sink keeps
// the projections of a batch's events per row, in shard order, so that it
// can rebuild the row's Acc from any suffix of the batch when a watermark
// says part of it was already applied.
func (v *View) Project(ev Event) Fields {
	f := make(Fields, len(v.metrics))
	for _, p := range v.fields {
		if val, ok := ev.Get(p); ok {
			f[p.String()] = val
		}
	}
	return f
}

// MaxWindowsPerEvent bounds a sliding window's rows per event (size/slide):
// a day sliding every minute. Each is a row written for every event, and
// a day sliding every millisecond ran spk run out of memory on its first
// event.
const MaxWindowsPerEvent = 1440

// minSlide is the shortest slide that divides size within the bound, for a
// refusal's hint.
func minSlide(size time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour} {
		if size%s == 0 && size/s <= MaxWindowsPerEvent {
			return s
		}
	}
	return size
}

// Shape names what decides a row's key: the window's size and slide, and
// the group fields (by a digest, which fits a table tag whatever the
// fields' names hold). Rows of two shapes in one table would be mixed up,
// and the view's table carries the shape of the view that wrote it. A
// changed where or metric list keeps the shape: its rows stay well formed.
func (v *View) Shape() string {
	w := v.def.Window
	slide := w.Slide
	if slide == 0 {
		slide = w.Size
	}
	h := sha256.New()
	for _, g := range v.def.GroupBy {
		h.Write([]byte(g))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("size=%s slide=%s group_by=%x", w.Size, slide, h.Sum(nil)[:6])
}

// tagValue reports whether s may be a DynamoDB tag's value: letters,
// digits, spaces and _ . : / = + - @, at most 256 characters.
func tagValue(s string) bool {
	if utf8.RuneCountInString(s) > 256 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Zs, r) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return true
}
