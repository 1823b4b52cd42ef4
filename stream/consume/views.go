package consume

import (
	"fmt"
	"strings"
	"time"

	"github.com/spk-cli/spk/stream/accesslog"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

// Format is how records are read into events.
type Format string

// Formats.
const (
	// JSON records are JSON objects, as the tutorial's generator writes.
	JSON Format = "json"
	// AccessLog records are Common or Combined Log Format lines, read by
	// stream/accesslog; the event time is the line's own.
	AccessLog Format = "accesslog"
)

// Rejection reasons of the consumer, besides bucket's and view's.
const (
	// NotAccessLog is a record that is not an access-log line, with Format AccessLog.
	NotAccessLog bucket.Reason = "not_access_log"
	// Late is an event older than the newest window its shard reader has
	// seen minus AllowedLateness: it is not written into a closed window.
	Late bucket.Reason = "late"
)

// fastView is the tutorial's shape of view (count per tumbling window of one
// top-level field, JSON, the timestamp field) computed the way spk always
// has: a scan for two keys instead of a full decode, and the sink's count
// write. It keeps the default view's throughput what it was.
type fastView struct {
	v        *view.View
	bucketer *bucket.Bucketer
	table    *sink.Table
	report   bool // its rows feed the dashboard's recent buckets
}

// genericView is any other view: the record is decoded once and offered to
// each of them.
type genericView struct {
	v      *view.View
	table  *sink.Table
	step   time.Duration // newest-window granularity for lateness
	report bool
}

// fastEligible reports whether v can take the fast path.
func fastEligible(v *view.View, o Options) bool {
	d := v.Definition()
	g := v.GroupBy()
	return o.Format == JSON && o.TimeField == bucket.TimestampField && d.Where == "" &&
		len(d.Metrics) == 1 && d.Metrics[0] == "count" && len(g) == 1 && len(g[0]) == 1 && !d.Window.Sliding()
}

// otherGroup turns a JSON number or boolean into a group value as views do
// (the canonical text), so the fast path groups exactly as the generic one.
func otherGroup(raw []byte) (string, bool) {
	switch s := string(raw); s {
	case "true", "false":
		return s, true
	default:
		if len(s) == 0 || s[0] != '-' && (s[0] < '0' || s[0] > '9') {
			return "", false // null, an object or an array
		}
		return view.CanonicalNumber(s), true
	}
}

// setupViews splits the views between the fast path and the generic one.
func (c *Consumer) setupViews() {
	var reported bool
	for _, v := range c.opts.Views {
		table := &sink.Table{DB: c.opts.DynamoDB, Name: v.Table(c.opts.Table), App: c.opts.App, Stream: c.opts.Stream}
		if table.Name != c.opts.Table {
			table.View = v.Name()
		}
		// The dashboard follows the run's table, when a counting view writes it.
		report := !reported && table.Name == c.opts.Table && hasCount(v)
		reported = reported || report
		if c.fast == nil && fastEligible(v, c.opts) {
			c.fast = &fastView{v: v, table: table, report: report, bucketer: &bucket.Bucketer{
				Size: v.Definition().Window.Size, GroupBy: v.GroupBy()[0][0], MaxBytes: c.opts.MaxEventBytes, Other: otherGroup,
			}}
			continue
		}
		step := v.Definition().Window.Size
		if v.Definition().Window.Sliding() {
			step = v.Definition().Window.Slide
		}
		c.generic = append(c.generic, &genericView{v: v, table: table, step: step, report: report})
	}
	var views []*view.View
	for _, g := range c.generic {
		views = append(views, g.v)
	}
	c.picker = view.NewPicker(view.Paths(views, view.TimePaths(c.timePath)...))
	// With the tutorial's view the time is usually known from its scan:
	// the fields are then picked without it.
	c.pickerNoTime = view.NewPicker(view.Paths(views))
}

func hasCount(v *view.View) bool {
	for _, m := range v.Metrics() {
		if m.Kind == view.Count {
			return true
		}
	}
	return false
}

// tables lists the tables the views write, each once, in view order.
func (c *Consumer) tables() []*sink.Table {
	var out []*sink.Table
	if c.fast != nil {
		out = append(out, c.fast.table)
	}
	for _, g := range c.generic {
		out = append(out, g.table)
	}
	return out
}

// recordLevel reports whether a rejection is about the record rather than
// one view's use of it: every view refuses such a record alike.
func recordLevel(r bucket.Reason) bool {
	switch r {
	case bucket.NotJSON, bucket.Oversized, bucket.MissingTimestamp, bucket.BadTimestamp, bucket.TimeOutOfRange, bucket.BadAggregate, NotAccessLog:
		return true
	}
	return false
}

// decode reads a record into an event and its time for the generic views.
func (c *Consumer) decode(data []byte, valid bool, known time.Time, buf *view.Picked) (view.Event, time.Time, *bucket.RejectError) {
	if c.opts.MaxEventBytes > 0 && len(data) > c.opts.MaxEventBytes {
		return nil, time.Time{}, &bucket.RejectError{Reason: bucket.Oversized, Detail: fmt.Sprintf("%d bytes, limit %d", len(data), c.opts.MaxEventBytes)}
	}
	var ev view.Event
	if c.opts.Format == AccessLog {
		e, err := accesslog.Parse(strings.TrimRight(string(data), "\r\n"))
		if err != nil {
			return nil, time.Time{}, &bucket.RejectError{Reason: NotAccessLog, Detail: err.Error()}
		}
		ev = e
	} else {
		var err error
		switch {
		case valid && !known.IsZero():
			// The event is the reused buf itself: no copy into an interface.
			*buf, err = c.pickerNoTime.PickValid(data, buf)
			ev = buf
		case valid:
			*buf, err = c.picker.PickValid(data, buf)
			ev = buf
		default:
			var j view.Picked
			j, err = c.picker.Pick(data)
			ev = j
		}
		if err != nil {
			return nil, time.Time{}, &bucket.RejectError{Reason: bucket.NotJSON, Detail: err.Error()}
		}
	}
	if !known.IsZero() {
		// The tutorial's view read the same field (fast views need the
		// timestamp field) from the same record.
		return ev, known, nil
	}
	t, err := view.EventTime(ev, c.timePath)
	if err != nil {
		rej, _ := err.(*bucket.RejectError)
		if rej == nil {
			rej = &bucket.RejectError{Reason: bucket.BadTimestamp, Detail: err.Error()}
		}
		return nil, time.Time{}, rej
	}
	return ev, t, nil
}

// late tells whether an event at t, in windows of step, is older than the
// newest window seen minus the allowed lateness, and moves newest on. An
// event whose time is later than its arrival (arrival; zero when unknown)
// plus the allowed lateness is counted but does not move newest: one clock
// far ahead must not make every later event late.
func (c *Consumer) late(newest *time.Time, t time.Time, step time.Duration, arrival time.Time) bool {
	if c.opts.AllowedLateness <= 0 {
		return false
	}
	w := bucket.Truncate(t, step)
	if !arrival.IsZero() && t.After(arrival.Add(c.opts.AllowedLateness)) {
		return false
	}
	if w.After(*newest) {
		*newest = w
		return false
	}
	return t.Before(newest.Add(-c.opts.AllowedLateness))
}

// viewName is the view named in a rejection: none when the run has one
// view, so the dead letter reads as it always has.
func (c *Consumer) viewName(v *view.View) string {
	if len(c.opts.Views) <= 1 {
		return ""
	}
	return v.Name()
}
