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
//	ev, err := view.DecodeJSON(data)            // once per record, shared by views
//	t, err := view.EventTime(ev, view.Path{"timestamp"})
//	if !v.Match(ev) { continue }
//	keys, err := v.Keys(ev, t)                  // one bucket.Key per window
//	for _, k := range keys { batch[k].Observe(ev) } // an *Acc per row (v.NewAcc)
//
// Errors are *bucket.RejectError (missing_group, missing_timestamp,
// bad_timestamp) or *MetricError, whose Reject gives the reason not_number;
// an event refused by one view can still count in the others, or the
// consumer may refuse it for all: that policy belongs to the consumer.
//
// The sink, per row, keeps its watermark protocol (see stream/sink) and
// writes the Acc:
//
//   - View.Additive (count, sum, avg only, as the default view): ADD every
//     attribute of Acc.Additions in the conditional UpdateItem the sink
//     issues today; no read on the happy path.
//   - Otherwise read-modify-write: read the row (consistent), DecodeItem it,
//     Merge the batch's Acc into it, and write Acc.Replacements with SET and
//     Acc.Additions with ADD in one UpdateItem conditional on the shard's
//     watermark (below the batch's first position, as today) and on the
//     row version AttrVersion being the one read (attribute_not_exists when
//     the row had none), incrementing AttrVersion. On a conditional failure
//     read again and retry with only the records above the watermark.
//
// docs/views.md explains the metrics, their error bounds, the group-key
// encoding and why this write is exactly-once.
package view
