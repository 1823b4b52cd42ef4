package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

// View draws the dashboard at the current size. Blocks give way, in this
// order, when the screen is short: shards fold into one line, the blank
// lines between blocks go, the steps fold into one line, and the counts
// table shows fewer buckets.
func (m *dashboard) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	spin := m.spinFrame()
	header := m.headerLine(w)
	footer := m.footerLines(w)
	metricsL := m.metricLines(w)
	counts := m.hasCounts()
	avail := h - 1 - len(footer)

	const minCounts = 3 // title, header, one bucket
	var steps, shards []string
	gaps := true
	for level := 0; level < 4; level++ {
		steps = m.steps.lines(m.st, spin, w)
		if level >= 3 && m.steps.len() > 0 {
			steps = []string{m.steps.compact(m.st, spin, w)}
		}
		maxShards := -1
		if level >= 1 {
			maxShards = 1
		}
		shards = m.shardLines(w, maxShards)
		gaps = level < 2
		used := len(steps) + len(metricsL) + len(shards) + m.gapCount(gaps, len(steps), len(metricsL)+len(shards), counts)
		need := used
		if counts {
			need += minCounts
		}
		if need <= avail {
			break
		}
	}
	var body []string
	add := func(block []string) {
		if len(block) == 0 {
			return
		}
		if gaps && len(body) > 0 {
			body = append(body, "")
		}
		body = append(body, block...)
	}
	add(steps)
	add(append(metricsL, shards...))
	if counts {
		room := avail - len(body)
		if gaps && len(body) > 0 {
			room--
		}
		add(m.countLines(w, room))
	}
	if len(body) > avail {
		body = body[:max(avail, 0)]
	}
	lines := append([]string{header}, body...)
	lines = append(lines, footer...)
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

// gapCount is how many blank lines separate the non-empty blocks.
func (m *dashboard) gapCount(gaps bool, steps, metrics int, counts bool) int {
	if !gaps {
		return 0
	}
	n := 0
	for _, present := range []bool{steps > 0, metrics > 0, counts} {
		if present {
			n++
		}
	}
	return max(n-1, 0)
}

func (m *dashboard) spinFrame() string {
	if m.endpoint.down() {
		return "○" // stopped: nothing moves while the endpoint does not answer
	}
	if m.opts.Static {
		return m.spin.Spinner.Frames[0]
	}
	return m.spin.View()
}

// hasCounts reports whether there is anything for the counts table.
func (m *dashboard) hasCounts() bool {
	return m.fromTable || m.tableErr != nil || m.cons != nil || m.viewRead
}

// headerLine is the title, the resources and where requests go, with the
// run's state on the right. The endpoint's URL is the last thing to go on
// a narrow screen: the target's words, then the lease table's and the
// stream's names, then the title give way first.
func (m *dashboard) headerLine(w int) string {
	title := m.opts.Title
	if title == "" {
		title = "spk"
	}
	var all, few []string
	for _, n := range []string{m.opts.Stream, m.opts.App, m.opts.Table} {
		if n != "" {
			all = append(all, n)
		}
	}
	if m.opts.Table != "" {
		few = []string{m.opts.Table}
	}
	target := safe(m.opts.Target)
	short := urls(target)
	if short == "" {
		short = target
	}
	head := func(title string, names []string, target string) string {
		s := ""
		if title != "" {
			s = m.st.title.Render(safe(title))
		}
		if len(names) > 0 {
			if s != "" {
				s += "  "
			}
			s += safe(strings.Join(names, " → "))
		}
		if target != "" {
			sep := " · "
			if s == "" {
				sep = ""
			}
			s += m.st.dim.Render(sep + target)
		}
		return s
	}
	candidates := []string{
		head(title, all, target),
		head(title, all, short),
		head(title, few, short),
		head(title, nil, short),
		head("", nil, short),
	}
	for _, badge := range m.badges() {
		bw := displayWidth(badge)
		if w < bw+12 {
			continue
		}
		for _, left := range candidates {
			if displayWidth(left) <= w-bw-1 {
				return pad(left, w-bw, false) + badge
			}
		}
	}
	left := candidates[len(candidates)-1]
	if displayWidth(left) <= w {
		return left
	}
	return fitKeepingURL(left, w)
}

// badges are the run's state, the wordiest first.
func (m *dashboard) badges() []string {
	switch {
	case m.state == stateFinished && m.aborted:
		return []string{m.st.warn.Render("■ aborted")}
	case m.state == stateFinished && m.summary != nil && m.summary.Err != nil:
		return []string{m.st.bad.Render("✗ failed")}
	case m.state == stateFinished:
		return []string{m.st.ok.Render("✓ done")}
	case m.endpoint.down():
		since := clock(m.endpoint.since)
		return []string{
			m.st.bad.Render("● endpoint unreachable since " + since),
			m.st.bad.Render("● unreachable since " + since),
			m.st.bad.Render("● unreachable"),
		}
	case m.state == stateStopping:
		return []string{m.st.warn.Render(m.spinFrame() + " stopping…")}
	case m.paused:
		return []string{m.st.warn.Render("‖ paused")}
	}
	return []string{m.st.ok.Render("● live")}
}

// metricLines are the producer, the consumer and their problems.
func (m *dashboard) metricLines(w int) []string {
	var out []string
	sw := min(max(w/8, 6), 24)
	sep := m.st.dim.Render(" · ")
	if p := m.prod; p != nil {
		target := "unlimited"
		if p.TargetRate > 0 {
			target = rate(p.TargetRate)
		}
		parts := []string{"target " + target, "acked " + count(p.Acknowledged), "pending " + count(p.Pending)}
		switch {
		case p.Done:
			parts = append(parts, m.st.ok.Render("finished"))
		case p.Paused:
			parts = append(parts, m.st.warn.Render("paused"))
		}
		out = append(out, m.st.header.Render("producer")+" "+pad(rate(p.CurrentRate), 8, true)+" "+
			m.st.ok.Render(sparkline(m.prodRates, sw))+"  "+strings.Join(parts, sep))
	}
	if c := m.cons; c != nil {
		lagText := "—"
		ls := m.st.plain
		if c.LeasesHeld > 0 {
			lagText = lag(c.MaxMillisBehind)
			switch {
			case c.MaxMillisBehind >= 60_000:
				ls = m.st.bad
			case c.MaxMillisBehind >= 10_000:
				ls = m.st.warn
			}
		}
		parts := []string{"records " + count(c.RecordsIn), "rows " + count(c.RowsFlushed),
			"lag " + ls.Render(lagText), fmt.Sprintf("leases %d/%d", c.LeasesHeld, len(c.Shards))}
		head := m.st.header.Render("consumer") + " " + pad(rate(c.RecordsPerSec), 8, true) + " " +
			m.st.running.Render(sparkline(m.consRates, sw)) + "  "
		if c.Retrieval != "" {
			// How the shards are read, first so it stays in view; on a
			// narrow screen the rows written make room for it.
			withRetrieval := append([]string{m.st.dim.Render(c.Retrieval)}, parts...)
			if ansi.StringWidth(head+strings.Join(withRetrieval, sep)) > w {
				withRetrieval = append(withRetrieval[:2:2], parts[2:]...)
			}
			parts = withRetrieval
		}
		out = append(out, head+strings.Join(parts, sep))
	}
	if m.prod != nil || m.cons != nil || m.endpoint.down() {
		out = append(out, m.st.header.Render("problems")+" "+m.problems())
	}
	return out
}

// problems lists what went wrong: none of it is silent.
func (m *dashboard) problems() string {
	var parts []string
	if m.endpoint.down() {
		parts = append(parts, m.st.bad.Render("endpoint unreachable since "+clock(m.endpoint.since)))
	}
	// Rejected and failed always show, to say that nothing was lost; the
	// others only when they happened.
	num := func(label string, n int64, bad bool, reasons map[string]int64) {
		if n == 0 && label != "rejected" && label != "failed" {
			return
		}
		s := fmt.Sprintf("%s %s", label, count(n))
		if len(reasons) > 0 {
			keys := make([]string, 0, len(reasons))
			for r := range reasons {
				keys = append(keys, r)
			}
			sort.Strings(keys)
			var rs []string
			for _, r := range keys {
				rs = append(rs, fmt.Sprintf("%s %s", safe(r), count(reasons[r])))
			}
			s += " (" + strings.Join(rs, ", ") + ")"
		}
		switch {
		case n == 0:
			s = m.st.dim.Render(s)
		case bad:
			s = m.st.bad.Render(s)
		default:
			s = m.st.warn.Render(s)
		}
		parts = append(parts, s)
	}
	if c := m.cons; c != nil {
		reasons := map[string]int64{}
		for r, n := range c.RejectedByReason {
			reasons[r] = int64(n)
		}
		num("rejected", int64(c.Rejected), false, reasons)
	}
	if p := m.prod; p != nil {
		num("retried", p.Retried, false, nil)
		num("request retries", p.SDKRetries, false, nil)
		num("throttled", p.Throttled, false, nil)
		num("failed", p.Failed, true, p.Failures)
	}
	if c := m.cons; c != nil {
		num("conflicts", int64(c.Conflicts), false, nil)
		if c.LeasesLost > 0 {
			num("leases lost", int64(c.LeasesLost), false, nil)
		}
	}
	return strings.Join(parts, m.st.dim.Render(" · "))
}

// shardLines show each shard and who holds its lease; at most max lines
// (negative: all), folding the rest into a last line.
func (m *dashboard) shardLines(w, maxLines int) []string {
	c := m.cons
	if c == nil || len(c.Shards) == 0 {
		return nil
	}
	label := m.st.header.Render("shards") + "   "
	indent := strings.Repeat(" ", 9)
	if maxLines == 1 && len(c.Shards) > 1 {
		others := 0
		for _, s := range c.Shards {
			if !s.Held && s.Owner != "" {
				others++
			}
		}
		line := fmt.Sprintf("%d shards · %d held here · %d by other workers · %d free", len(c.Shards), c.LeasesHeld, others, len(c.Shards)-c.LeasesHeld-others)
		return []string{label + line}
	}
	idW, ownerW := 0, 4
	for _, s := range c.Shards {
		idW = max(idW, displayWidth(safe(s.ID)))
		ownerW = max(ownerW, displayWidth(safe(s.Owner)))
	}
	ownerW = min(ownerW, max(w-9-idW-2-12, 8))
	shards := c.Shards
	more := 0
	if maxLines > 0 && len(shards) > maxLines {
		more = len(shards) - (maxLines - 1)
		shards = shards[:maxLines-1]
	}
	var out []string
	for i, s := range shards {
		owner := m.st.dim.Render(pad("free", ownerW, false))
		if s.Owner != "" {
			st := m.st.plain
			if s.Held {
				st = m.st.ok
			}
			owner = st.Render(pad(fit(safe(s.Owner), ownerW), ownerW, false))
		}
		lagText := "—"
		if s.Held {
			lagText = lag(s.MillisBehind)
		}
		line := pad(safe(s.ID), idW, false) + "  " + owner + "  lag " + lagText
		if s.Finished {
			line += m.st.dim.Render(" · ended")
		}
		prefix := indent
		if i == 0 {
			prefix = label
		}
		out = append(out, prefix+line)
	}
	if more > 0 {
		out = append(out, indent+m.st.dim.Render(fmt.Sprintf("… %d more shards", more)))
	}
	return out
}

// grid is the counts table: buckets (newest first) by event types.
type grid struct {
	buckets []string
	types   []string
	cells   map[[2]string]int64
	totals  map[string]int64
	top     int64
}

func newGrid(rows []results.Row, maxBuckets int) grid {
	g := grid{cells: map[[2]string]int64{}, totals: map[string]int64{}}
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.BucketStart] {
			seen[r.BucketStart] = true
			g.buckets = append(g.buckets, r.BucketStart)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(g.buckets)))
	if maxBuckets >= 0 && len(g.buckets) > maxBuckets {
		g.buckets = g.buckets[:maxBuckets]
	}
	keep := map[string]bool{}
	for _, b := range g.buckets {
		keep[b] = true
	}
	types := map[string]bool{}
	for _, r := range rows {
		if !keep[r.BucketStart] {
			continue
		}
		types[r.EventType] = true
		g.cells[[2]string{r.BucketStart, r.EventType}] += r.Count
		g.totals[r.BucketStart] += r.Count
	}
	for _, c := range g.cells {
		g.top = max(g.top, c)
	}
	for t := range types {
		g.types = append(g.types, t)
	}
	sort.Strings(g.types)
	return g
}

// countRows are the rows the counts table shows: the table's, or until it
// was read, the consumer's own latest writes.
func (m *dashboard) countRows() []results.Row {
	if m.fromTable {
		return m.rows
	}
	if m.cons == nil {
		return nil
	}
	rows := make([]results.Row, 0, len(m.cons.RecentBuckets))
	for _, b := range m.cons.RecentBuckets {
		rows = append(rows, results.Row{BucketStart: b.Start, EventType: b.Group, Count: b.Count, UpdatedAt: b.UpdatedAt})
	}
	return rows
}

// bucketLabels shortens bucket starts to the time of day when they share a
// date, which is then returned on its own.
func bucketLabels(buckets []string) (labels []string, date string, minutes bool) {
	minutes = true
	times := make([]time.Time, len(buckets))
	for i, b := range buckets {
		t, err := time.Parse(bucket.Layout, b)
		if err != nil {
			return buckets, "", false
		}
		times[i] = t
		if t.Second() != 0 || t.Nanosecond() != 0 {
			minutes = false
		}
		if i == 0 {
			date = t.Format("2006-01-02")
		} else if t.Format("2006-01-02") != date {
			return buckets, "", minutes
		}
	}
	layout := "15:04"
	if !minutes {
		layout = "15:04:05.000"
	}
	for _, t := range times {
		labels = append(labels, t.Format(layout))
	}
	return labels, date, minutes
}

// countLines draw the counts table, or the view chosen, in at most n lines.
func (m *dashboard) countLines(w, n int) []string {
	if n < 2 {
		return nil
	}
	if len(m.opts.Views) > 0 {
		if v := m.opts.Views[m.panel]; !IsTutorialView(v) {
			return m.viewLines(w, n, v)
		}
	}
	var errLine []string
	if m.tableErr != nil && n >= 3 {
		// On its own line: it is what the user has to act on.
		errLine = []string{m.readError(m.tableErr)}
		n--
	}
	maxBuckets := n - 2
	if m.opts.Buckets > 0 {
		maxBuckets = min(maxBuckets, m.opts.Buckets)
	}
	g := newGrid(m.countRows(), maxBuckets)
	labels, date, minutes := bucketLabels(g.buckets)

	what := "counts per minute"
	if !minutes {
		what = "counts per bucket"
	}
	title := m.st.header.Render(what)
	var notes []string
	if date != "" {
		notes = append(notes, date+" UTC")
	}
	if m.fromTable && m.opts.Table != "" {
		notes = append(notes, m.opts.Table)
	}
	if !m.fromTable && len(g.buckets) > 0 {
		notes = append(notes, "this worker's latest writes")
	}
	return m.gridLines(w, n, g, labels, title, notes, errLine)
}

// readError is the line over a table that could not be read. When nothing
// answers, the rows below are the last ones read, and it says so.
func (m *dashboard) readError(err error) string {
	if endpointDown(err) && m.endpoint.down() {
		stale := "stale: the endpoint does not answer"
		if !m.endpoint.lastGood.IsZero() {
			stale += "; last read at " + clock(m.endpoint.lastGood)
		}
		return m.st.bad.Render(stale)
	}
	return m.st.warn.Render("table read failed: " + safe(oneLine(errtext.Concise(err))))
}

// gridLines draw a grid of counts under its title and notes: buckets by
// groups.
func (m *dashboard) gridLines(w, n int, g grid, labels []string, title string, notes []string, errLine []string) []string {
	withNotes := func(notes []string) string {
		if len(notes) == 0 {
			return title
		}
		return title + m.st.dim.Render(" · "+strings.Join(notes, " · "))
	}
	if len(g.buckets) == 0 || n < 3 {
		title := withNotes(notes)
		return append(append([]string{title}, errLine...), m.st.dim.Render("no counts yet"))
	}

	// Bucket starts that are not times are shown as they are, escaped.
	labels = safeAll(labels)
	labelW := len("bucket")
	for _, l := range labels {
		labelW = max(labelW, displayWidth(l))
	}
	countW, totalW := 1, len("total")
	for _, c := range g.cells {
		countW = max(countW, len(count(c)))
	}
	for _, t := range g.totals {
		totalW = max(totalW, len(count(t)))
	}
	// Each type's column holds its count and a bar. Where the bars do not
	// fit, counts alone under their names come before hiding a type: a
	// rare type (a 503 among the status codes) is often the one to see.
	nameW := 0
	for _, t := range g.types {
		nameW = max(nameW, displayWidth(safe(t)))
	}
	bareW := max(countW, min(nameW, 12))
	ncol := len(g.types)
	barW := 0
	for {
		avail := (w-labelW-2-totalW)/ncol - 2
		barW = avail - countW - 1
		if barW >= 3 || ncol == 1 {
			break
		}
		if avail >= bareW {
			barW = 0
			break
		}
		ncol--
	}
	barW = min(max(barW, 0), 30)
	colW := countW + 1 + barW
	if barW == 0 {
		colW = bareW
	}
	if hidden := len(g.types) - ncol; hidden > 0 {
		// First, where a narrow screen does not cut it.
		notes = append([]string{fmt.Sprintf("%d more types not shown", hidden)}, notes...)
	}
	title = withNotes(notes)
	types := g.types[:ncol]

	head := pad("bucket", labelW, false)
	for _, t := range types {
		head += "  " + m.st.typeStyle(t).Render(pad(fit(safe(t), colW), colW, false))
	}
	head += "  " + pad("total", totalW, true)
	out := append(append([]string{title}, errLine...), m.st.header.Render(head))
	for i, b := range g.buckets {
		line := pad(labels[i], labelW, false)
		for _, t := range types {
			c, ok := g.cells[[2]string{b, t}]
			numW := countW
			if barW == 0 {
				numW = colW
			}
			cell := pad(count(c), numW, true)
			if !ok {
				cell = m.st.dim.Render(pad("·", numW, true))
			}
			if barW > 0 {
				cell += " " + pad(m.st.typeStyle(t).Render(bar(c, g.top, barW)), barW, false)
			}
			line += "  " + cell
		}
		line += "  " + m.st.bold.Render(pad(count(g.totals[b]), totalW, true))
		out = append(out, line)
	}
	return out
}

func (m *dashboard) footerLines(w int) []string {
	var left string
	switch {
	case m.state == stateFinished && m.summary != nil:
		left = m.summaryLine()
	case m.state == stateStopping && m.endpoint.down():
		left = m.st.warn.Render("stopping… the endpoint does not answer; ctrl+c again quits at once")
	case m.state == stateStopping:
		left = m.st.warn.Render("stopping… flushing counts and releasing leases; ctrl+c again quits at once")
	case m.note != "":
		left = m.st.note.Render(m.note)
	}
	if m.showHelp {
		m.help.Width = w
		full := strings.Split(m.help.View(m.keys), "\n")
		if left != "" {
			full = append(full, left)
		}
		return full
	}
	if m.state != stateRunning {
		return []string{left}
	}
	m.help.Width = max(w-displayWidth(left)-2, 0)
	keys := m.help.ShortHelpView(m.keys.ShortHelp())
	if left == "" {
		return []string{keys}
	}
	if displayWidth(left)+2+displayWidth(keys) > w {
		return []string{left}
	}
	return []string{pad(left, w-displayWidth(keys), false) + keys}
}

func (m *dashboard) summaryLine() string {
	s := m.summary
	var parts []string
	if s.Err != nil {
		parts = append(parts, m.st.bad.Render("✗ "+safe(oneLine(errtext.Concise(s.Err)))))
	} else {
		parts = append(parts, m.st.ok.Render("✓ done"))
	}
	parts = append(parts, safeAll(s.Notes)...)
	return strings.Join(parts, m.st.dim.Render(" · "))
}

// finalReport is what stays on the screen after the alternate screen is
// gone: the steps, the last figures and the summary.
func (m *dashboard) finalReport() string {
	w := max(m.width, 40)
	var lines []string
	// A failure is told once: on its step's line, with the hint, or when
	// no step failed, on a line of its own. Quit while the endpoint was
	// down, the caller tells it (Run returns ErrUnreachable).
	hint := ""
	if s := m.summary; s != nil && s.Err != nil {
		hint = s.Hint
	}
	stepFailed := m.steps.failed()
	if !stepFailed {
		hint = ""
	}
	lines = append(lines, m.steps.reportLines(m.st, w, hint)...)
	lines = append(lines, m.metricLines(w)...)
	if s := m.summary; s != nil {
		if s.Err != nil && !stepFailed && !m.gaveUp {
			lines = append(lines, m.st.bad.Render("✗ "+safe(oneLine(errtext.Concise(s.Err)))))
			if s.Hint != "" {
				lines = append(lines, "hint: "+safe(oneLine(s.Hint)))
			}
		}
		lines = append(lines, safeAll(s.Notes)...)
	}
	if m.aborted {
		lines = append(lines, m.st.warn.Render("quit before the work finished"))
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// viewLines draw a view's newest rows in at most n lines: a grid of counts
// when the view counts groups and nothing else (as the tutorial's), else
// one line per row with a column per group field and metric.
func (m *dashboard) viewLines(w, n int, v *view.View) []string {
	rows := sortedViewCopy(m.viewRows[v.Name()])
	vo := m.opts.ViewOptions[v.Name()]
	var errLine []string
	if err := m.viewErr[v.Name()]; err != nil && n >= 3 {
		errLine = []string{m.readError(err)}
		n--
	}
	maxBuckets := n - 2
	if m.opts.Buckets > 0 {
		maxBuckets = min(maxBuckets, m.opts.Buckets)
	}
	// The newest buckets, newest first.
	var buckets []string
	for i := len(rows) - 1; i >= 0; i-- {
		if len(buckets) == 0 || buckets[len(buckets)-1] != rows[i].BucketStart {
			buckets = append(buckets, rows[i].BucketStart)
		}
	}
	if len(buckets) > maxBuckets {
		buckets = buckets[:max(maxBuckets, 0)]
	}
	labels, date, minutes := bucketLabels(buckets)
	notes := []string{fmt.Sprintf("view %d/%d", m.panel+1, len(m.opts.Views))}
	if minutes && len(buckets) > 0 {
		notes = append(notes, "per minute")
	}
	if vo.MinCount > 0 {
		notes = append(notes, fmt.Sprintf("seen > %s times", count(vo.MinCount)))
	}
	if date != "" {
		notes = append(notes, date+" UTC")
	}
	if t := m.opts.ViewTables[v.Name()]; t != "" {
		notes = append(notes, t)
	}

	ms := v.Metrics()
	if len(ms) == 1 && ms[0].Kind == view.Count && len(v.GroupBy()) > 0 {
		g := newGrid(ViewRowsToRows(relabel(rows)), len(buckets))
		labels, _, _ := bucketLabels(g.buckets)
		return m.gridLines(w, n, g, labels, m.st.header.Render(v.Name()), notes, errLine)
	}
	title := m.st.header.Render(v.Name()) + m.st.dim.Render(" · "+strings.Join(notes, " · "))
	if len(buckets) == 0 || n < 3 {
		return append(append([]string{title}, errLine...), m.st.dim.Render("no rows yet"))
	}
	label := map[string]string{}
	for i, b := range buckets {
		label[b] = safe(labels[i])
	}
	cols := []string{"bucket"}
	numeric := []bool{false}
	for _, p := range v.GroupBy() {
		cols = append(cols, p.String())
		numeric = append(numeric, false)
	}
	for _, mt := range ms {
		cols = append(cols, mt.String())
		numeric = append(numeric, mt.Kind != view.Top)
	}
	var cells [][]string
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		l, ok := label[r.BucketStart]
		if !ok {
			continue
		}
		cs := append([]string{l}, safeAll(r.Group)...)
		for j := range ms {
			cs = append(cs, safe(metricText(v, r.Acc, j, vo, true)))
		}
		cells = append(cells, cs)
	}
	if len(cells) > n-2 {
		cells = cells[:n-2]
	}
	width := make([]int, len(cols))
	for j, c := range cols {
		width[j] = displayWidth(c)
	}
	for _, cs := range cells {
		for j, c := range cs {
			if ms := j - 1 - len(v.GroupBy()); ms < 0 || v.Metrics()[ms].Kind != view.Top {
				width[j] = max(width[j], displayWidth(c))
			}
		}
	}
	line := func(cs []string, st func(int, string) string) string {
		var b strings.Builder
		for j, c := range cs {
			if j > 0 {
				b.WriteString("  ")
			}
			if numeric[j] {
				c = pad(c, width[j], true)
			} else if j < len(cs)-1 {
				c = pad(c, width[j], false)
			}
			b.WriteString(st(j, c))
		}
		return b.String()
	}
	out := append(append([]string{title}, errLine...), m.st.header.Render(line(cols, func(_ int, c string) string { return c })))
	for _, cs := range cells {
		out = append(out, line(cs, func(j int, c string) string {
			if j == 0 {
				return c
			}
			if j <= len(v.GroupBy()) {
				return m.st.typeStyle(strings.TrimSpace(c)).Render(c)
			}
			return c
		}))
	}
	return out
}

// relabel gives rows of a multi-field group a readable EventType for the grid.
func relabel(rows []results.ViewRow) []results.ViewRow {
	out := make([]results.ViewRow, len(rows))
	for i, r := range rows {
		r.Key = groupLabel(r)
		out[i] = r
	}
	return out
}
