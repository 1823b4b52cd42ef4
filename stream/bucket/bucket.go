// Package bucket turns an event into the aggregate row it counts towards: the
// event time truncated to a bucket size in UTC, and the value of a grouping field.
package bucket

import (
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Layout is how a bucket start is written in the aggregate table, as in the
// original tutorial: UTC, milliseconds, no zone designator.
const Layout = "2006-01-02T15:04:05.000"

// Default values of the bucketing options.
const (
	DefaultSize    = time.Minute
	DefaultGroupBy = "type"
	TimestampField = "timestamp"
	// MaxGroupBytes is the longest group value a DynamoDB range key can hold.
	MaxGroupBytes = 1024
)

// ValidateSize reports whether size can be used as a bucket size: a whole
// number of milliseconds that divides an hour or a day, so that buckets line
// up with the clock whatever the day.
func ValidateSize(size time.Duration) error {
	switch {
	case size <= 0:
		return fmt.Errorf("bucket size %v must be positive: use a duration such as 1m", size)
	case size%time.Millisecond != 0:
		return fmt.Errorf("bucket size %v is not a whole number of milliseconds: use a duration such as 1m", size)
	case time.Hour%size != 0 && (24*time.Hour)%size != 0:
		return fmt.Errorf("bucket size %v divides neither an hour nor a day: use one that does, such as 1m, 5m, 15m, 1h or 6h", size)
	}
	return nil
}

// Truncate returns the start of the bucket of size that holds t, in UTC.
// size must have passed ValidateSize.
func Truncate(t time.Time, size time.Duration) time.Time {
	// time.Truncate works from the zero time, which is midnight UTC, so any
	// size dividing a day yields buckets aligned to UTC midnight and hours.
	return t.UTC().Truncate(size)
}

// Format writes a bucket start the way the aggregate table stores it.
func Format(t time.Time) string { return t.UTC().Format(Layout) }

// The instants an event time may name, in UTC: the years 0001 to 9999, so
// that a bucket start always has four year digits and sorts as text.
var (
	MinTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// CheckRange returns a *RejectError with reason TimeOutOfRange when t is
// not between MinTime and MaxTime; what names the time in the message.
func CheckRange(t time.Time, what string) error {
	if inRange(t) {
		return nil
	}
	return &RejectError{TimeOutOfRange, fmt.Sprintf("%s is %s in UTC, outside the years 0001 to 9999", what, t.UTC().Format(time.RFC3339Nano))}
}

func inRange(t time.Time) bool { return !t.Before(MinTime) && !t.After(MaxTime) }

// ParseTime reads an ISO 8601 date-time such as 2015-06-05T12:54:43.064528:
// zero to nine fraction digits, then `Z`, `±hh:mm` (at most ±23:59) or
// nothing (meaning UTC). The time, in UTC, must fall in the years 0001 to
// 9999. Errors are a *RejectError: BadTimestamp for text that is not such
// a date-time, TimeOutOfRange for one outside those years.
func ParseTime(s string) (time.Time, error) {
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, &RejectError{BadTimestamp, err.Error()}
	}
	if !inRange(t) {
		return time.Time{}, CheckRange(t, fmt.Sprintf("timestamp %q", s))
	}
	return t, nil
}

func parseTime(s string) (time.Time, error) {
	const base = len("2006-01-02T15:04:05")
	if len(s) < base || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, fmt.Errorf("timestamp %q is not ISO 8601 (want 2006-01-02T15:04:05[.fraction][Z|±hh:mm])", s)
	}
	rest := s[base:]
	if strings.HasPrefix(rest, ".") {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n-1 > 9 {
			return time.Time{}, fmt.Errorf("timestamp %q has more than 9 fraction digits", s)
		}
		rest = rest[n:]
	}
	var layout string
	switch {
	case rest == "":
		layout = "2006-01-02T15:04:05"
	case rest == "Z" || rest == "z":
		layout = "2006-01-02T15:04:05Z07:00"
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		// time.Parse takes hours up to 24 and minutes up to 60 here; ISO
		// 8601 and RFC 3339 stop at 23:59.
		if !offsetInRange(rest) {
			return time.Time{}, fmt.Errorf("timestamp %q has zone offset %s beyond ±23:59", s, rest)
		}
		layout = "2006-01-02T15:04:05Z07:00"
	default:
		return time.Time{}, fmt.Errorf("timestamp %q has an unknown zone %q (want Z, ±hh:mm or none)", s, rest)
	}
	v := s
	if s[10] == 't' {
		v = s[:10] + "T" + s[11:]
	}
	if rest == "z" {
		v = v[:len(v)-1] + "Z"
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

// offsetInRange reports whether a ±hh:mm offset has hh 00-23 and mm 00-59;
// other text is left for time.Parse to refuse.
func offsetInRange(off string) bool {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	if !digit(off[1]) || !digit(off[2]) || !digit(off[4]) || !digit(off[5]) {
		return true
	}
	return off[1:3] <= "23" && off[4:6] <= "59"
}

// Reason says why an event could not be counted. Rejections are grouped by
// reason in metrics, logs and the dead-letter sink.
type Reason string

// The reasons an event is rejected.
const (
	NotJSON          Reason = "not_json"
	MissingTimestamp Reason = "missing_timestamp"
	BadTimestamp     Reason = "bad_timestamp"
	MissingGroup     Reason = "missing_group"
	Oversized        Reason = "oversized"
	// BadAggregate is a KPL aggregated record whose contents cannot be read.
	BadAggregate Reason = "bad_aggregate"
	// TimeOutOfRange is an event time outside the years 0001 to 9999 in
	// UTC, whose bucket start could not be written with four year digits.
	TimeOutOfRange Reason = "time_out_of_range"
)

// Reasons lists every rejection reason, for metrics that want all labels up front.
var Reasons = []Reason{NotJSON, MissingTimestamp, BadTimestamp, TimeOutOfRange, MissingGroup, Oversized, BadAggregate}

// RejectError is returned for an event that cannot be counted.
type RejectError struct {
	Reason Reason
	Detail string
}

func (e *RejectError) Error() string { return string(e.Reason) + ": " + e.Detail }

// Key identifies an aggregate row.
type Key struct {
	Start string // bucket start, formatted with Layout
	Group string // value of the grouping field
}

// Bucketer assigns events to aggregate rows.
type Bucketer struct {
	Size     time.Duration
	GroupBy  string
	MaxBytes int // events larger than this are rejected; 0 means no limit
	// Other turns a group value that is not a JSON string (the raw text of
	// a number, true or false) into the row's group; nil rejects such values.
	Other func(raw []byte) (string, bool)
}

// Key parses one JSON event and returns its row, or a *RejectError.
func (b *Bucketer) Key(data []byte) (Key, error) {
	k, _, err := b.KeyTime(data)
	return k, err
}

// KeyTime is Key that also returns the event's time, which is set when the
// event is accepted or rejected only for its group (MissingGroup).
func (b *Bucketer) KeyTime(data []byte) (Key, time.Time, error) {
	return b.KeyTimeCached(data, nil)
}

// StartCache remembers the last window start formatted, so that a reader
// formats a start once for the many events of one window. It belongs to one
// goroutine; its zero value is empty.
type StartCache struct {
	start time.Time
	text  string
}

// Format returns Format(t), from the cache when t is the last start.
func (c *StartCache) Format(t time.Time) string {
	if c == nil {
		return Format(t)
	}
	if c.text == "" || !t.Equal(c.start) {
		c.start, c.text = t, Format(t)
	}
	return c.text
}

// KeyTimeCached is KeyTime formatting window starts through cache (nil: no
// cache).
func (b *Bucketer) KeyTimeCached(data []byte, cache *StartCache) (Key, time.Time, error) {
	if b.MaxBytes > 0 && len(data) > b.MaxBytes {
		return Key{}, time.Time{}, &RejectError{Oversized, fmt.Sprintf("%d bytes, limit %d", len(data), b.MaxBytes)}
	}
	ts, group, err := scanObject(data, TimestampField, b.GroupBy)
	if err != nil {
		return Key{}, time.Time{}, &RejectError{NotJSON, err.Error()}
	}
	t, err := timestampOf(ts)
	if err != nil {
		return Key{}, time.Time{}, err // a *RejectError
	}
	gv, ok := stringValue(group.raw)
	if !ok && group.found && b.Other != nil && len(group.raw) > 0 && group.raw[0] != '"' {
		gv, ok = b.Other(group.raw)
	}
	// The time is returned with a missing group: other views may use it.
	if !group.found || !ok {
		return Key{}, t, &RejectError{MissingGroup, fieldProblem(b.GroupBy, group.found)}
	}
	if len(gv) > MaxGroupBytes {
		return Key{}, t, &RejectError{MissingGroup, fmt.Sprintf("field %q is %d bytes, limit %d", b.GroupBy, len(gv), MaxGroupBytes)}
	}
	return Key{Start: cache.Format(Truncate(t, b.Size)), Group: gv}, t, nil
}

// timestampOf reads the timestamp field: ISO 8601 text, or a number of
// milliseconds since 1970 as every view reads it.
func timestampOf(ts field) (time.Time, error) {
	if ts.found && len(ts.raw) > 0 && (ts.raw[0] == '-' || ts.raw[0] >= '0' && ts.raw[0] <= '9') {
		return EpochMillis(string(ts.raw))
	}
	tsv, ok := stringValue(ts.raw)
	if !ts.found || !ok {
		return time.Time{}, &RejectError{MissingTimestamp, fieldProblem(TimestampField, ts.found)}
	}
	return ParseTime(tsv)
}

// EpochMillis reads a number of milliseconds since 1970 (fractions allowed,
// down to the nanosecond) within the years 1970 to 9999.
func EpochMillis(text string) (time.Time, error) { return epochTime(text, 1000, "milliseconds") }

// EpochMicros reads a number of microseconds since 1970, as DynamoDB's
// Kinesis destination writes ApproximateCreationDateTime when enabled with
// ApproximateCreationDateTimePrecision MICROSECOND.
func EpochMicros(text string) (time.Time, error) { return epochTime(text, 1_000_000, "microseconds") }

// epochTime reads a non-negative number of units (perSecond of them a
// second) since 1970, up to the end of 9999. A fraction below the
// nanosecond is dropped, never rounded up: an event a hair before a window's
// end belongs to that window.
func epochTime(text string, perSecond int64, unit string) (time.Time, error) {
	bad := &RejectError{BadTimestamp, fmt.Sprintf("timestamp %.40s is not %s since 1970 between 1970 and 9999", text, unit)}
	if len(text) > 200 {
		return time.Time{}, bad
	}
	d, _, err := apd.NewFromString(text)
	if err != nil || d.Form != apd.Finite || d.Negative {
		return time.Time{}, bad
	}
	var whole, frac apd.Decimal
	if _, err := apd.BaseContext.Floor(&whole, d); err != nil {
		return time.Time{}, bad
	}
	units, err := whole.Int64()
	if err != nil || units/perSecond > maxEpochSeconds {
		return time.Time{}, bad
	}
	// The fraction of a unit, in whole nanoseconds.
	nsPerUnit := int64(time.Second) / perSecond
	if _, err := apd.BaseContext.Sub(&frac, d, &whole); err != nil {
		return time.Time{}, bad
	}
	if _, err := apd.BaseContext.Mul(&frac, &frac, apd.New(nsPerUnit, 0)); err != nil {
		return time.Time{}, bad
	}
	if _, err := apd.BaseContext.Floor(&frac, &frac); err != nil {
		return time.Time{}, bad
	}
	ns, err := frac.Int64()
	if err != nil {
		return time.Time{}, bad
	}
	return time.Unix(units/perSecond, units%perSecond*nsPerUnit+ns).UTC(), nil
}

// maxEpochSeconds is the last second of 9999 (9999-12-31T23:59:59Z).
const maxEpochSeconds = 253402300799

func fieldProblem(name string, found bool) string {
	if !found {
		return fmt.Sprintf("field %q is missing", name)
	}
	return fmt.Sprintf("field %q is not a non-empty string", name)
}
