package tui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

// ViewOptions shape how a view's rows are written.
type ViewOptions struct {
	// MinCount keeps, in top lists, only the values certainly counted more
	// than MinCount times in the row, count - error > MinCount ("IPs seen
	// more than 10 times"); 0 keeps all.
	MinCount uint64
	// RawCSV writes CSV cells as stored, quoted by the CSV rules, for files
	// and pipes; by default they are escaped as table cells are, for a
	// terminal. Tables, charts and JSON are always safe on a terminal.
	RawCSV bool
}

// IsTutorialView reports whether v is shown as the tutorial's table
// (BucketStart, EventType, Count, CreatedAt, UpdatedAt): the view named
// "default", whose rows are the tutorial's.
func IsTutorialView(v *view.View) bool {
	d := v.Definition()
	// A default view given other metrics, groups or windows (spk run's
	// flags) writes rows of its own shape, shown as any view's.
	return d.Name == view.DefaultName && len(d.Metrics) == 1 && d.Metrics[0] == "count" &&
		len(v.GroupBy()) == 1 && !d.Window.Sliding()
}

// ViewRowsToRows turns rows of a count view into the tutorial's rows.
func ViewRowsToRows(rows []results.ViewRow) []results.Row {
	out := make([]results.Row, len(rows))
	for i, r := range rows {
		out[i] = results.Row{BucketStart: r.BucketStart, EventType: r.Key, Count: r.Acc.Count(), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	}
	return out
}

// WriteViewRows writes a view's rows in format f: columns BucketStart, the
// view's group fields, its metrics, CreatedAt and UpdatedAt.
func WriteViewRows(w io.Writer, f Format, v *view.View, rows []results.ViewRow, opts ViewOptions) error {
	switch f {
	case FormatJSON:
		return writeViewJSON(w, v, rows, opts)
	case FormatCSV:
		return writeViewCSV(w, v, rows, opts)
	case FormatTable, "":
		_, err := io.WriteString(w, viewTableText(v, rows, opts, true))
		return err
	}
	return fmt.Errorf("output format %q is not known: use table, json or csv", f)
}

// viewColumns are the headers of a view's table; numeric reports which are
// right-aligned.
func viewColumns(v *view.View, created bool) (cols []string, numeric []bool) {
	cols = []string{view.AttrBucketStart}
	numeric = []bool{false}
	for _, p := range v.GroupBy() {
		cols = append(cols, p.String())
		numeric = append(numeric, false)
	}
	for _, m := range v.Metrics() {
		cols = append(cols, m.String())
		numeric = append(numeric, m.Kind != view.Top)
	}
	if created {
		cols = append(cols, view.AttrCreatedAt)
		numeric = append(numeric, false)
	}
	cols = append(cols, view.AttrUpdatedAt)
	return cols, append(numeric, false)
}

// viewCells are one row's cells, as viewColumns lists them; avg is rounded
// to two decimals when short is set (tables), to view.Acc.Avg's digits
// otherwise (CSV).
func viewCells(v *view.View, r results.ViewRow, opts ViewOptions, created, short bool) []string {
	cells := []string{r.BucketStart}
	cells = append(cells, r.Group...)
	for i := range v.Metrics() {
		cells = append(cells, metricText(v, r.Acc, i, opts, short))
	}
	if created {
		cells = append(cells, r.CreatedAt)
	}
	return append(cells, r.UpdatedAt)
}

// metricText is the i-th metric of a row as text: numbers in plain
// notation, a min or max that saw nothing empty, a top list as
// "value count, value count", a count that may be over by error as
// "low–count".
func metricText(v *view.View, a *view.Acc, i int, opts ViewOptions, short bool) string {
	m := v.Metrics()[i]
	switch m.Kind {
	case view.Count:
		return strconv.FormatInt(a.Count(), 10)
	case view.Sum:
		d, _ := a.Sum(i)
		return decimalText(d)
	case view.Min, view.Max:
		d, n := a.Sum(i)
		if n == 0 {
			return ""
		}
		return decimalText(d)
	case view.Avg:
		mean, ok := avgOf(a, i, short)
		if !ok {
			return ""
		}
		return meanText(mean)
	case view.Distinct:
		return strconv.FormatUint(a.Distinct(i), 10)
	case view.Top:
		var parts []string
		for _, e := range topEntries(a, i, opts) {
			parts = append(parts, e.Value+" "+topCount(e))
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// topEntries is the i-th metric's top list, most frequent first, without
// the values that may have been counted MinCount times or fewer: a
// Space-Saving count is an upper bound, count - error a lower one, and
// "seen more than N times" must hold for every value listed.
func topEntries(a *view.Acc, i int, opts ViewOptions) []view.TopEntry {
	var out []view.TopEntry
	for _, e := range a.Top(i) {
		if e.Count-e.Err > opts.MinCount {
			out = append(out, e)
		}
	}
	return out
}

// topCount is a top-list count: exact, or the range low–high it lies in
// when the summary had to guess (a value that came in after others were
// evicted).
func topCount(e view.TopEntry) string {
	if e.Err == 0 {
		return strconv.FormatUint(e.Count, 10)
	}
	return strconv.FormatUint(e.Count-e.Err, 10) + "–" + strconv.FormatUint(e.Count, 10)
}

// shortPlaces are the digits after the point of a mean in a table or chart.
const shortPlaces = 2

// avgOf is the i-th metric's mean: to two decimals when short, else to
// view.Acc.Avg's digits.
func avgOf(a *view.Acc, i int, short bool) (*view.Mean, bool) {
	if short {
		return a.AvgPlaces(i, shortPlaces)
	}
	return a.Avg(i)
}

// meanText writes a mean in plain notation: an exact one as decimalText
// writes any number, a rounded one with every digit it was rounded to,
// trailing zeros included ("3.00" for 2.999…), so that it never reads as
// exact.
func meanText(m *view.Mean) string {
	if m.Exact {
		return decimalText(&m.Decimal)
	}
	return m.Text('f')
}

// decimalText writes d in plain notation without trailing zeros.
func decimalText(d *apd.Decimal) string {
	var r apd.Decimal
	r.Reduce(d)
	if r.Exponent > 0 {
		// 1.2E+3 reduced: write every digit (as many as the number has:
		// DynamoDB's numbers reach 126 before the point).
		apd.BaseContext.WithPrecision(uint32(r.NumDigits()+int64(r.Exponent))).Quantize(&r, &r, 0)
	}
	return r.Text('f')
}

func viewTableText(v *view.View, rows []results.ViewRow, opts ViewOptions, created bool) string {
	rows = sortedViewCopy(rows)
	cols, numeric := viewColumns(v, created)
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = safeAll(viewCells(v, r, opts, created, true))
	}
	return alignedColumns(cols, cells, numeric)
}

func writeViewCSV(w io.Writer, v *view.View, rows []results.ViewRow, opts ViewOptions) error {
	cw := csv.NewWriter(w)
	cols, _ := viewColumns(v, true)
	cw.Write(cols)
	for _, r := range sortedViewCopy(rows) {
		cells := viewCells(v, r, opts, true, false)
		if !opts.RawCSV {
			cells = safeAll(cells)
		}
		cw.Write(cells)
	}
	cw.Flush()
	return cw.Error()
}

// writeViewJSON writes one indented JSON array; each row is
//
//	{"BucketStart": ..., "EventType": ..., "group": {"status": "200"},
//	 "metrics": {"count": 12, "avg:bytes": 2048.5, "top:path:10": [{"value": "/", "count": 7, "error": 0}]},
//	 "CreatedAt": ..., "UpdatedAt": ...}
//
// with group values as text, metrics keyed as the view lists them, in that
// order, numbers exact (avg to view.Acc.Avg's digits), and a min, max or
// avg that saw nothing null. As in
// WriteJSON, characters a terminal would act on are \u escapes.
func writeViewJSON(w io.Writer, v *view.View, rows []results.ViewRow, opts ViewOptions) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range sortedViewCopy(rows) {
		if i > 0 {
			b.WriteString(",")
		}
		o := &orderedJSON{}
		o.add(view.AttrBucketStart, r.BucketStart)
		o.add(view.AttrGroup, r.Key)
		g := &orderedJSON{}
		for j, p := range v.GroupBy() {
			g.add(p.String(), r.Group[j])
		}
		o.add("group", g)
		ms := &orderedJSON{}
		for j, m := range v.Metrics() {
			ms.add(m.String(), metricJSON(v, r.Acc, j, opts))
		}
		o.add("metrics", ms)
		o.add(view.AttrCreatedAt, r.CreatedAt)
		o.add(view.AttrUpdatedAt, r.UpdatedAt)
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		b.Write(raw)
	}
	b.WriteString("]")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteString("\n")
	_, err := w.Write(termsafe.JSON(out.Bytes()))
	return err
}

func metricJSON(v *view.View, a *view.Acc, i int, opts ViewOptions) any {
	switch v.Metrics()[i].Kind {
	case view.Top:
		type entry struct {
			Value string `json:"value"`
			Count uint64 `json:"count"`
			Error uint64 `json:"error"`
		}
		out := []entry{}
		for _, e := range topEntries(a, i, opts) {
			out = append(out, entry{e.Value, e.Count, e.Err})
		}
		return out
	}
	text := metricText(v, a, i, opts, false)
	if text == "" {
		return nil
	}
	return json.Number(text)
}

// orderedJSON is a JSON object that keeps its keys in the order added.
type orderedJSON struct {
	keys []string
	vals []any
}

func (o *orderedJSON) add(k string, v any) { o.keys = append(o.keys, k); o.vals = append(o.vals, v) }

func (o *orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range o.keys {
		if i > 0 {
			b.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteString(":")
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

// groupLabel is a row's group as one label: its values joined, or "all"
// for a view without group fields.
func groupLabel(r results.ViewRow) string {
	if len(r.Group) == 0 {
		return "all"
	}
	return strings.Join(r.Group, " · ")
}

// chartMetrics are the metrics a view's chart draws, as bars:
//   - grouped views: the first metric that is a number, one bar per group;
//   - views without groups and with a top list: the list, one bar per value;
//   - other views without groups (one row per window): one bar per metric,
//     min, avg and max if it has them (a size's spread), else every number
//     but count, else count.
func chartMetrics(v *view.View) []int {
	ms := v.Metrics()
	find := func(keep func(view.Metric) bool) []int {
		var out []int
		for i, m := range ms {
			if keep(m) {
				out = append(out, i)
			}
		}
		return out
	}
	if len(v.GroupBy()) == 0 {
		if top := find(func(m view.Metric) bool { return m.Kind == view.Top }); len(top) > 0 {
			return top[:1]
		}
		if spread := find(func(m view.Metric) bool { return m.Kind == view.Min || m.Kind == view.Avg || m.Kind == view.Max }); len(spread) > 0 {
			return spread
		}
		if other := find(func(m view.Metric) bool { return m.Kind != view.Count && m.Kind != view.Top }); len(other) > 0 {
			return other
		}
	}
	if num := find(func(m view.Metric) bool { return m.Kind != view.Top }); len(num) > 0 {
		return num[:1]
	}
	return find(func(m view.Metric) bool { return m.Kind == view.Top })[:1]
}

// chartBar is one bar of a view's chart.
type chartBar struct {
	bucket, head, label, text string // head: what the bucket's title says
	value                     float64
}

// viewBars are the bars of a view's chart, by bucket.
func viewBars(v *view.View, rows []results.ViewRow, opts ViewOptions) (bars []chartBar) {
	idx := chartMetrics(v)
	perMetric := len(v.GroupBy()) == 0 && v.Metrics()[idx[0]].Kind != view.Top
	var names []string
	for _, i := range idx {
		names = append(names, v.Metrics()[i].String())
	}
	countAt := -1
	for i, m := range v.Metrics() {
		if m.Kind == view.Count {
			countAt = i
		}
	}
	for _, r := range sortedViewCopy(rows) {
		head := strings.Join(names, ", ")
		switch {
		case perMetric && countAt >= 0:
			head = "count " + count(r.Acc.Count())
		case v.Metrics()[idx[0]].Kind == view.Top && opts.MinCount > 0:
			head += fmt.Sprintf(", seen more than %s times", count(opts.MinCount))
		}
		for _, i := range idx {
			m := v.Metrics()[i]
			if m.Kind == view.Top {
				for _, e := range topEntries(r.Acc, i, opts) {
					text := count(e.Count)
					if e.Err > 0 {
						text = count(e.Count-e.Err) + "–" + text
					}
					bars = append(bars, chartBar{r.BucketStart, head, e.Value, text, float64(e.Count)})
				}
				continue
			}
			text := metricText(v, r.Acc, i, opts, true)
			if text == "" {
				continue
			}
			f, _ := strconv.ParseFloat(text, 64)
			if m.Kind == view.Count || m.Kind == view.Distinct {
				n, _ := strconv.ParseInt(text, 10, 64)
				text = count(n)
			}
			label := groupLabel(r)
			if perMetric {
				label = m.String()
			}
			bars = append(bars, chartBar{r.BucketStart, head, label, text, f})
		}
	}
	return bars
}

// WriteViewChart draws, for each bucket, one bar per group of the view's
// chart metric (see chartMetric), or per value of its top list.
func WriteViewChart(w io.Writer, v *view.View, rows []results.ViewRow, opts ChartOptions, vo ViewOptions) error {
	if opts.Width <= 0 {
		opts.Width = TerminalWidth(w, 80)
	}
	return writeViewChart(w, v, rows, vo, opts.Width, newStyles(w, opts.Colors))
}

func writeViewChart(w io.Writer, v *view.View, rows []results.ViewRow, vo ViewOptions, width int, st styles) error {
	bars := viewBars(v, rows, vo)
	if len(bars) == 0 {
		_, err := io.WriteString(w, st.dim.Render("no rows yet")+"\n")
		return err
	}
	top := 0.0
	labelW, textW := 0, 0
	for i := range bars {
		bars[i].bucket, bars[i].label = safe(bars[i].bucket), safe(bars[i].label)
	}
	for _, b := range bars {
		top = math.Max(top, b.value)
		labelW = max(labelW, displayWidth(b.label))
		textW = max(textW, displayWidth(b.text))
	}
	labelW = min(labelW, max(width/3, 8))
	barW := max(width-2-labelW-2-1-textW, 1)
	var b strings.Builder
	for i, x := range bars {
		if i == 0 || x.bucket != bars[i-1].bucket {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(fit(st.bold.Render(x.bucket)+st.dim.Render("  "+x.head), width) + "\n")
		}
		ts := st.typeStyle(x.label)
		const scale = 1 << 20
		drawn := pad(ts.Render(bar(int64(x.value/top*scale), scale, barW)), barW, false)
		if top <= 0 {
			drawn = pad("", barW, false)
		}
		b.WriteString("  " + pad(ts.Render(fit(x.label, labelW)), labelW, false) + "  " + drawn + " " + pad(x.text, textW, true) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedViewCopy(rows []results.ViewRow) []results.ViewRow {
	if rows == nil {
		return nil
	}
	out := append([]results.ViewRow(nil), rows...)
	results.SortView(out)
	return out
}
