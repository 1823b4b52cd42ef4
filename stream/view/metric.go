package view

import (
	"fmt"
	"strconv"
	"strings"
)

// MetricKind is what a metric computes.
type MetricKind uint8

// The metrics a view can hold.
const (
	Count    MetricKind = iota + 1 // events in the row
	Sum                            // exact sum of a numeric field
	Min                            // smallest value of a numeric field
	Max                            // largest value of a numeric field
	Avg                            // mean of a numeric field, kept as sum and count
	Distinct                       // approximate number of distinct values (HyperLogLog)
	Top                            // approximate K most frequent values (Space-Saving)
)

var kindNames = map[MetricKind]string{Count: "count", Sum: "sum", Min: "min", Max: "max", Avg: "avg", Distinct: "distinct", Top: "top"}

func (k MetricKind) String() string { return kindNames[k] }

// MaxTopK is the largest K of a top metric: the summary keeps 4K values and
// must fit a DynamoDB item (400 KB) with the rest of the row.
const MaxTopK = 100

// TopCapacityFactor is how many values a top:field:K summary keeps per value
// it reports.
const TopCapacityFactor = 4

// Metric is one aggregate of a view, parsed from text such as sum:bytes.
type Metric struct {
	Kind  MetricKind
	Field Path // nil for count
	K     int  // for top: how many values to report
}

// ParseMetric reads count, sum:F, min:F, max:F, avg:F, distinct:F or
// top:F:K, where F is a dotted field path and K a number from 1 to MaxTopK.
func ParseMetric(text string) (Metric, error) {
	fail := func(format string, args ...any) (Metric, error) {
		return Metric{}, fmt.Errorf("metric %q: %s", text, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(strings.TrimSpace(text), ":")
	for i := range parts {
		// "sum: bytes" means the field bytes, as " bytes" would name no
		// field an event has: spaces around a part are not part of it.
		parts[i] = strings.TrimSpace(parts[i])
	}
	name := strings.ToLower(parts[0])
	var kind MetricKind
	for k, n := range kindNames {
		if n == name {
			kind = k
		}
	}
	switch {
	case kind == 0:
		return fail("unknown metric %q: use count, sum, min, max, avg, distinct or top, as in sum:bytes", parts[0])
	case kind == Count:
		if len(parts) > 1 {
			return fail("count takes no field: write count, and a where filter to count only some events")
		}
		return Metric{Kind: Count}, nil
	case len(parts) == 1 || parts[1] == "":
		if kind == Top {
			return fail("name a field and how many values to keep, as in top:path:10")
		}
		return fail("name a field, as in %s:bytes", name)
	}
	field, err := ParsePath(parts[1])
	if err != nil {
		return fail("%v: name a field, as in %s:bytes", err, name)
	}
	m := Metric{Kind: kind, Field: field}
	if kind != Top {
		if len(parts) > 2 {
			return fail("%s takes one field, as in %s:bytes", name, name)
		}
		return m, nil
	}
	if len(parts) != 3 {
		return fail("say how many values to keep, as in top:%s:10", parts[1])
	}
	k, err := strconv.Atoi(parts[2])
	if err != nil || k < 1 || k > MaxTopK {
		return fail("keep from 1 to %d values, as in top:%s:10", MaxTopK, parts[1])
	}
	m.K = k
	return m, nil
}

// String writes the metric as ParseMetric reads it.
func (m Metric) String() string {
	switch m.Kind {
	case Count:
		return "count"
	case Top:
		return fmt.Sprintf("top:%s:%d", m.Field, m.K)
	}
	return m.Kind.String() + ":" + m.Field.String()
}

// Additive reports whether the metric's attributes can be written with
// DynamoDB's ADD: count, sum and avg (a sum and a count). The others (min,
// max, distinct, top) are merged with the row's stored value and written
// back; see the package documentation.
func (m Metric) Additive() bool { return m.Kind == Count || m.Kind == Sum || m.Kind == Avg }

// Attributes returns the DynamoDB attribute names the metric writes.
func (m Metric) Attributes() []string {
	f := m.Field.String()
	switch m.Kind {
	case Count:
		return []string{AttrCount}
	case Sum:
		return []string{f + "_sum"}
	case Min:
		return []string{f + "_min"}
	case Max:
		return []string{f + "_max"}
	case Avg:
		return []string{f + "_avg_sum", f + "_avg_count"}
	case Distinct:
		return []string{f + "_distinct", f + "_distinct_estimate"}
	case Top:
		return []string{f + "_top", f + "_top_list"}
	}
	return nil
}

// AttrCount holds the count metric, as the tutorial's Count.
const AttrCount = "Count"
