package view

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/axiomhq/hyperloglog"
	"github.com/cockroachdb/apd/v3"

	"github.com/spk-cli/spk/stream/bucket"
)

// NotNumber is the rejection reason of an event whose field is aggregated as
// a number (sum, min, max, avg) but holds something else.
const NotNumber bucket.Reason = "not_number"

// HLLPrecision is the precision of distinct's HyperLogLog sketches: 2^12
// registers, 4 KiB once dense, a standard error of 1.04/sqrt(4096) ≈ 1.6%.
const HLLPrecision = 12

// maxTopValueBytes bounds a value kept in a top list, so that a summary
// fits a DynamoDB item. Longer values are cut, and count as their prefix.
const maxTopValueBytes = 256

// MetricError is an event whose field cannot feed a numeric metric.
type MetricError struct {
	View   string
	Metric Metric
	Value  Value
	Detail string
}

func (e *MetricError) Error() string {
	return fmt.Sprintf("view %q: metric %q: field %q is %s: %s", e.View, e.Metric, e.Metric.Field, e.Value.describe(), e.Detail)
}

// Reject turns the error into the consumer's rejection.
func (e *MetricError) Reject() *bucket.RejectError {
	return &bucket.RejectError{Reason: NotNumber, Detail: e.Error()}
}

// Acc accumulates a view's metrics for one row: from events (Observe), from
// other accumulators (Merge) and from the row stored in DynamoDB (DecodeItem).
// An Acc is not safe for concurrent use.
type Acc struct {
	v      *View
	count  int64
	states []state // one per metric
}

type state struct {
	n   int64       // numeric values seen (sum, min, max, avg)
	dec apd.Decimal // sum, avg's sum, min or max
	hll *hyperloglog.Sketch
	top *TopK
}

// NewAcc returns an empty accumulator for the view's metrics.
func (v *View) NewAcc() *Acc {
	a := &Acc{v: v, states: make([]state, len(v.metrics))}
	for i, m := range v.metrics {
		switch m.Kind {
		case Distinct:
			a.states[i].hll = newHLL()
		case Top:
			a.states[i].top = NewTopK(TopCapacityFactor * m.K)
		}
	}
	return a
}

func newHLL() *hyperloglog.Sketch {
	s, err := hyperloglog.NewSketch(HLLPrecision, true)
	if err != nil {
		panic(err) // the precision is a constant in range
	}
	return s
}

// Count returns how many events were observed.
func (a *Acc) Count() int64 { return a.count }

// Observe adds one event to every metric. The view's filter is not applied:
// call View.Match first. A field that is missing leaves the metrics that read
// it unchanged (as SQL aggregates skip NULL); a field aggregated as a number
// that is not one (or that no DynamoDB number can hold, alone or summed) is
// a *MetricError, and then nothing is added.
func (a *Acc) Observe(ev Event) error {
	var pending [8]apd.Decimal
	next := pending[:0]
	if len(a.v.metrics) > len(pending) {
		next = make([]apd.Decimal, 0, len(a.v.metrics))
	}
	next = next[:len(a.v.metrics)]
	// First every check, so that a refused event changes nothing.
	if err := a.prepare(ev, next); err != nil {
		return err
	}
	a.count++
	for i, m := range a.v.metrics {
		st := &a.states[i]
		switch m.Kind {
		case Count:
		case Distinct, Top:
			val, ok := ev.Get(m.Field)
			if !ok {
				continue
			}
			text := val.Canonical()
			if m.Kind == Distinct {
				st.hll.Insert([]byte(text))
				continue
			}
			if len(text) > maxTopValueBytes {
				// Cut on a character's boundary: half a character would be
				// stored as U+FFFD, and the value would grow past the bound.
				cut := maxTopValueBytes
				for cut > 0 && !utf8.RuneStart(text[cut]) {
					cut--
				}
				text = text[:cut]
			}
			st.top.Observe(text)
		default:
			if _, ok := ev.Get(m.Field); ok {
				st.dec.Set(&next[i])
				st.n++
			}
		}
	}
	return nil
}

// Check reports the *MetricError Observe would return for ev, changing
// nothing: an event that windows put in several rows is checked against
// all of them before any observes it.
func (a *Acc) Check(ev Event) error {
	var pending [8]apd.Decimal
	next := pending[:0]
	if len(a.v.metrics) > len(pending) {
		next = make([]apd.Decimal, 0, len(a.v.metrics))
	}
	return a.prepare(ev, next[:len(a.v.metrics)])
}

// prepare checks ev against every metric and puts in next the numeric
// metrics' values after it.
func (a *Acc) prepare(ev Event, next []apd.Decimal) error {
	var (
		lastField Path // metrics often share a field (sum, min, max, avg of bytes): parse it once
		lastVal   Value
		lastOK    bool
		lastDec   *apd.Decimal
		lastErr   error
		small     apd.Decimal // lastDec, when small
	)
	for i, m := range a.v.metrics {
		if m.Kind == Count || m.Kind == Distinct || m.Kind == Top {
			continue
		}
		if lastField == nil || !samePath(lastField, m.Field) {
			lastField = m.Field
			lastVal, lastOK = ev.Get(m.Field)
			if lastOK {
				lastDec, lastErr = lastVal.decimalInto(&small)
			}
		}
		val, ok := lastVal, lastOK
		if !ok {
			continue
		}
		d, err := lastDec, lastErr
		if err != nil {
			detail := "aggregate only numbers, or filter such events out with where"
			if val.kind == Number {
				detail = err.Error()
			}
			return &MetricError{View: a.v.def.Name, Metric: m, Value: val, Detail: detail}
		}
		st := &a.states[i]
		switch {
		case m.Kind == Sum || m.Kind == Avg:
			if _, err := apd.BaseContext.Add(&next[i], &st.dec, d); err != nil {
				return &MetricError{View: a.v.def.Name, Metric: m, Value: val, Detail: err.Error()}
			}
			if err := storable(&next[i]); err != nil {
				return &MetricError{View: a.v.def.Name, Metric: m, Value: val, Detail: "the sum " + err.Error()}
			}
		case st.n == 0, m.Kind == Min && d.Cmp(&st.dec) < 0, m.Kind == Max && d.Cmp(&st.dec) > 0:
			next[i].Set(d)
		default:
			next[i].Set(&st.dec)
		}
	}
	return nil
}

// Merge adds o's events to a. Both must belong to the same view. Merging is
// commutative and associative; min and max are also idempotent.
func (a *Acc) Merge(o *Acc) error {
	if a.v != o.v && !sameMetrics(a.v, o.v) {
		return fmt.Errorf("view %q: cannot merge rows of view %q", a.v.def.Name, o.v.def.Name)
	}
	next := make([]apd.Decimal, len(a.states))
	for i, m := range a.v.metrics {
		st, ot := &a.states[i], &o.states[i]
		switch {
		case (m.Kind == Sum || m.Kind == Avg) && ot.n > 0:
			if _, err := apd.BaseContext.Add(&next[i], &st.dec, &ot.dec); err != nil {
				return fmt.Errorf("view %q: metric %q: %v", a.v.def.Name, m, err)
			}
			if err := storable(&next[i]); err != nil {
				return fmt.Errorf("view %q: metric %q: the sum %v", a.v.def.Name, m, err)
			}
		case (m.Kind == Min || m.Kind == Max) && ot.n > 0:
			c := ot.dec.Cmp(&st.dec)
			if st.n == 0 || m.Kind == Min && c < 0 || m.Kind == Max && c > 0 {
				next[i].Set(&ot.dec)
			} else {
				next[i].Set(&st.dec)
			}
		}
	}
	for i, m := range a.v.metrics {
		st, ot := &a.states[i], &o.states[i]
		switch m.Kind {
		case Distinct:
			if err := st.hll.Merge(ot.hll); err != nil {
				return fmt.Errorf("view %q: metric %q: %v", a.v.def.Name, m, err)
			}
		case Top:
			if err := st.top.Merge(ot.top); err != nil {
				return fmt.Errorf("view %q: metric %q: %v", a.v.def.Name, m, err)
			}
		case Sum, Avg, Min, Max:
			if ot.n > 0 {
				st.dec.Set(&next[i])
				st.n += ot.n
			}
		}
	}
	a.count += o.count
	return nil
}

func sameMetrics(a, b *View) bool {
	if len(a.metrics) != len(b.metrics) {
		return false
	}
	for i := range a.metrics {
		if a.metrics[i].String() != b.metrics[i].String() {
			return false
		}
	}
	return true
}

// Sum returns the exact sum (sum, avg) of the i-th metric, or its min or max,
// and how many values it saw.
func (a *Acc) Sum(i int) (*apd.Decimal, int64) {
	var d apd.Decimal
	d.Set(&a.states[i].dec)
	return &d, a.states[i].n
}

// Distinct returns the estimated number of distinct values of the i-th
// metric, which must be a distinct metric.
func (a *Acc) Distinct(i int) uint64 { return a.states[i].hll.Estimate() }

// Top returns the top list of the i-th metric, which must be a top metric.
func (a *Acc) Top(i int) []TopEntry { return a.states[i].top.Top(a.v.metrics[i].K) }

// Additions returns the additive metrics' attributes of a as numbers to ADD
// to a row: Count, F_sum, F_avg_sum and F_avg_count. A view whose metrics are
// all additive (View.Additive) needs nothing else.
func (a *Acc) Additions() map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for i, m := range a.v.metrics {
		st := &a.states[i]
		names := m.Attributes()
		switch m.Kind {
		case Count:
			out[names[0]] = num(strconv.FormatInt(a.count, 10))
		case Sum:
			out[names[0]] = num(canonicalNumber(&st.dec))
		case Avg:
			out[names[0]] = num(canonicalNumber(&st.dec))
			out[names[1]] = num(strconv.FormatInt(st.n, 10))
		}
	}
	return out
}

// Replacements returns the other metrics' attributes, to SET on a row once
// a holds the row's stored state merged with the new events: F_min, F_max
// (numbers), F_distinct (the sketch, binary) with F_distinct_estimate
// (a number), F_top (the summary, binary) with F_top_list (a list of maps
// {value: S, count: N, error: N}, most frequent first). A min or max that
// saw no value is left out.
func (a *Acc) Replacements() (map[string]types.AttributeValue, error) {
	out := map[string]types.AttributeValue{}
	for i, m := range a.v.metrics {
		st := &a.states[i]
		names := m.Attributes()
		switch m.Kind {
		case Min, Max:
			if st.n > 0 {
				out[names[0]] = num(canonicalNumber(&st.dec))
			}
		case Distinct:
			b, err := st.hll.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("view %q: metric %q: %v", a.v.def.Name, m, err)
			}
			out[names[0]] = &types.AttributeValueMemberB{Value: b}
			out[names[1]] = num(strconv.FormatUint(st.hll.Estimate(), 10))
		case Top:
			b, _ := st.top.MarshalBinary()
			out[names[0]] = &types.AttributeValueMemberB{Value: b}
			list := []types.AttributeValue{}
			for _, e := range st.top.Top(m.K) {
				list = append(list, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"value": &types.AttributeValueMemberS{Value: e.Value},
					"count": num(strconv.FormatUint(e.Count, 10)),
					"error": num(strconv.FormatUint(e.Err, 10)),
				}})
			}
			out[names[1]] = &types.AttributeValueMemberL{Value: list}
		}
	}
	return out, nil
}

// Item returns every metric attribute of a: Additions and Replacements.
func (a *Acc) Item() (map[string]types.AttributeValue, error) {
	out, err := a.Replacements()
	if err != nil {
		return nil, err
	}
	for k, v := range a.Additions() {
		out[k] = v
	}
	return out, nil
}

func num(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

// DecodeItem reads a row's metric attributes, as Item writes them, into a new
// accumulator. Missing attributes are empty metrics; other attributes (keys,
// timestamps, watermarks) are ignored.
func (v *View) DecodeItem(item map[string]types.AttributeValue) (*Acc, error) {
	a := v.NewAcc()
	fail := func(attr string, format string, args ...any) (*Acc, error) {
		return nil, fmt.Errorf("view %q: attribute %s: %s", v.def.Name, attr, fmt.Sprintf(format, args...))
	}
	readNum := func(attr string) (*apd.Decimal, bool, error) {
		av, ok := item[attr]
		if !ok {
			return nil, false, nil
		}
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			return nil, false, fmt.Errorf("view %q: attribute %s: want a number (N), found %T", v.def.Name, attr, av)
		}
		d, _, err := apd.NewFromString(n.Value)
		if err != nil || d.Form != apd.Finite {
			return nil, false, fmt.Errorf("view %q: attribute %s: %q is not a number", v.def.Name, attr, n.Value)
		}
		return d, true, nil
	}
	readInt := func(attr string) (int64, error) {
		d, ok, err := readNum(attr)
		if !ok || err != nil {
			return 0, err
		}
		n, err := d.Int64()
		if err != nil || n < 0 {
			return 0, fmt.Errorf("view %q: attribute %s: %s is not a count", v.def.Name, attr, d)
		}
		return n, nil
	}
	readBytes := func(attr string) ([]byte, bool, error) {
		av, ok := item[attr]
		if !ok {
			return nil, false, nil
		}
		b, ok := av.(*types.AttributeValueMemberB)
		if !ok {
			return nil, false, fmt.Errorf("view %q: attribute %s: want binary (B), found %T", v.def.Name, attr, av)
		}
		return b.Value, true, nil
	}
	var err error
	if v.attrs[AttrCount] {
		if a.count, err = readInt(AttrCount); err != nil {
			return nil, err
		}
	}
	for i, m := range v.metrics {
		st := &a.states[i]
		names := m.Attributes()
		switch m.Kind {
		case Sum, Min, Max, Avg:
			d, ok, err := readNum(names[0])
			if err != nil {
				return nil, err
			}
			if ok {
				st.dec.Set(d)
				st.n = 1 // a stored sum, min or max stands for at least one value
			}
			if m.Kind == Avg {
				if st.n, err = readInt(names[1]); err != nil {
					return nil, err
				}
			}
		case Distinct:
			b, ok, err := readBytes(names[0])
			if err != nil {
				return nil, err
			}
			if ok {
				if err := st.hll.UnmarshalBinary(b); err != nil {
					return fail(names[0], "%v", err)
				}
			}
		case Top:
			b, ok, err := readBytes(names[0])
			if err != nil {
				return nil, err
			}
			if ok {
				if err := st.top.UnmarshalBinary(b); err != nil {
					return fail(names[0], "%v", err)
				}
				if st.top.Capacity() != TopCapacityFactor*m.K {
					return fail(names[0], "the summary keeps %d values, the metric %d: a view's K cannot change over a table's rows", st.top.Capacity(), TopCapacityFactor*m.K)
				}
			}
		}
	}
	return a, nil
}

// Mean is an avg metric's mean, rounded, and whether the rounding lost
// nothing: a mean such as 1/3 has no exact decimal.
type Mean struct {
	apd.Decimal
	Exact bool
}

// AvgDigits is the fewest significant digits Avg gives a mean.
const AvgDigits = 40

// Avg returns the mean of the i-th metric, which must be an avg metric,
// rounded (halves away from zero) to AvgDigits significant digits, or to
// two more than the sum has before the point when that is more (a sum
// reaches 1E+125); false when it saw no value. At that precision rounding
// only ever changes digits after the point, and never makes a whole number
// of a mean that is not one (see avgPrecision).
func (a *Acc) Avg(i int) (*Mean, bool) {
	st := &a.states[i]
	if st.n == 0 {
		return nil, false
	}
	m := &Mean{}
	ctx := apd.BaseContext.WithPrecision(avgPrecision(&st.dec))
	cond, err := ctx.Quo(&m.Decimal, &st.dec, apd.New(st.n, 0))
	if err != nil {
		return nil, false
	}
	m.Exact = !cond.Inexact()
	if m.Exact {
		m.Reduce(&m.Decimal)
	}
	return m, true
}

// avgPrecision is the precision of a mean of sum. A sum of B digits before
// the point over a count of k digits has a mean of at most B-k+1 digits
// before the point, so B+2 significant digits leave k+1 or more after it,
// and rounding there moves the mean by less than 1/count: too little to
// change a digit before the point, or to make a whole number of a mean that
// is not one (it lies at least 1/count from one). A sum with d digits after
// the point brings that distance down to 10^-d/count, which needs B+d+1
// digits; but its B+d significant digits are at most 38, so the 40 do.
func avgPrecision(sum *apd.Decimal) uint32 {
	before := sum.NumDigits() + int64(sum.Exponent)
	return uint32(max(AvgDigits, before+2))
}

// AvgPlaces returns the mean of the i-th metric, which must be an avg
// metric, rounded to places digits after the point, halves away from zero,
// from the exact sum and count: rounding Avg's digits again could round
// twice (a mean of 10^36 + 5/11 is …000.455 to 40 digits, which would make
// .46, not .45). False when it saw no value.
func (a *Acc) AvgPlaces(i int, places int32) (*Mean, bool) {
	st := &a.states[i]
	if st.n == 0 {
		return nil, false
	}
	// The mean × 10^places is num / den, in whole numbers: sum × 10^places
	// is its coefficient × 10^exp.
	num := new(apd.BigInt).Set(&st.dec.Coeff)
	den := apd.NewBigInt(st.n)
	if exp := int64(st.dec.Exponent) + int64(places); exp >= 0 {
		num.Mul(num, pow10(exp))
	} else {
		den.Mul(den, pow10(-exp))
	}
	m := &Mean{}
	var rem apd.BigInt
	m.Coeff.QuoRem(num, den, &rem)
	m.Exact = rem.Sign() == 0
	if rem.Lsh(&rem, 1).Cmp(den) >= 0 {
		m.Coeff.Add(&m.Coeff, apd.NewBigInt(1))
	}
	m.Exponent = -places
	m.Negative = st.dec.Negative // -0.00 for a small negative mean
	return m, true
}

func pow10(n int64) *apd.BigInt {
	return new(apd.BigInt).Exp(apd.NewBigInt(10), apd.NewBigInt(n), nil)
}
