// Package view is spk's aggregation model: what `spk run` computes from one
// read of the stream. A view is a filter, a grouping, a window and a list of
// metrics; several views share the stream, each writing its own rows.
//
//	def := view.Definition{
//		Name:    "errors",
//		Where:   "status >= 500",
//		GroupBy: []string{"path"},
//		Window:  view.Window{Size: 5 * time.Minute, Slide: time.Minute},
//		Metrics: []string{"count", "sum:bytes", "max:bytes", "distinct:ip", "top:agent:10"},
//	}
//	v, err := view.Compile(def) // one-line errors naming the view and the fix
//
// The tutorial's aggregate is DefaultDefinition (count of type per minute):
// its rows are exactly today's, keyed BucketStart/EventType with a Count.
//
// # Reading events
//
// An Event gives typed values (string, exact decimal number, boolean) by
// Path. JSON decodes a record with numbers kept as text; Fields holds a flat
// event such as an accesslog.Entry's. EventTime finds the event's time.
//
// # Where the integration goes
//
// The consumer, per record and per view:
//
//	pk := view.NewPicker(view.Paths(views, view.TimePaths(timePath)...)) // once per run
//	ev, err := pk.Pick(data)                 // once per record, shared by views
//	t, err := view.EventTime(ev, timePath)
//	if !v.Match(ev) { continue }
//	keys, err := v.Keys(ev, t)               // one bucket.Key per window
//	vals = v.ProjectValues(vals, ev)         // the values the metrics read
//
// stream/consume does this, and sink.ViewBatch keeps the rows.
//
// Errors are *bucket.RejectError (missing_group, missing_timestamp,
// bad_timestamp) or, from Acc.Observe, *MetricError, whose Reject gives the
// reason not_number; the consumer can observe a projection into a scratch
// Acc to find those before it keeps the record. Whether an event refused by
// one view still counts in the others is the consumer's policy.
//
// The sink keeps, per row, the projections in shard order, so it can build
// the Acc (NewAcc, Observe) of the whole batch or of the suffix above a
// watermark. It writes under its watermark protocol (see stream/sink):
//
//   - View.Additive (count, sum, avg only, as the default view): ADD every
//     attribute of the batch's Acc.Additions in the conditional UpdateItem
//     the sink issues today; no read on the happy path.
//   - Otherwise read-modify-write: read the row (consistent read), keep the
//     records above its watermark for this shard, DecodeItem the row and
//     Merge the new records' Acc into it; then one UpdateItem that SETs the
//     merged Acc's Replacements, ADDs the new records' Additions (not the
//     merged ones, which hold the row's old totals), SETs the watermark and
//     AttrVersion + 1, on condition that AttrVersion is the one read
//     (attribute_not_exists when there was none). A conditional failure
//     returns the row (ALL_OLD): start again from it.
//
// CompileAll checks the views of a run together (names, one view per
// table). Fields, Group and the Acc accessors (Count, Sum, Avg, Distinct,
// Top) serve readers such as `spk show`.
//
// docs/views.md explains the metrics, their error bounds, the group-key
// encoding and why this write is exactly-once.
package view
