package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/spk-cli/spk/stream/bucket"
)

// Kind is the type of a field's value.
type Kind uint8

// The kinds of value an event field can hold. JSON null, objects and arrays
// are none of them: to a view such a field is missing.
const (
	String Kind = iota + 1
	Number
	Bool
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	}
	return "nothing"
}

// Value is one field of an event. A number keeps its decimal text as it was
// written, so it is compared and summed exactly, never through float64.
type Value struct {
	kind Kind
	text string // the string, the number's decimal text, or "true"/"false"
}

// StringValue returns a string value.
func StringValue(s string) Value { return Value{String, s} }

// BoolValue returns a boolean value.
func BoolValue(b bool) Value {
	if b {
		return Value{Bool, "true"}
	}
	return Value{Bool, "false"}
}

// IntValue returns a number value holding n.
func IntValue(n int64) Value { return Value{Number, fmt.Sprint(n)} }

// NumberValue returns a number value from its decimal text (JSON number
// syntax, or anything apd reads that is finite).
func NumberValue(text string) (Value, error) {
	if _, err := parseNumber(text); err != nil {
		return Value{}, err
	}
	return Value{Number, text}, nil
}

// Kind returns the value's kind; the zero Value has none.
func (v Value) Kind() Kind { return v.kind }

// Text returns the value as text: the string itself, the number's decimal
// text as written, or true/false.
func (v Value) Text() string { return v.text }

// Decimal returns a number value as an exact decimal.
func (v Value) Decimal() (*apd.Decimal, error) {
	if v.kind != Number {
		return nil, fmt.Errorf("%s is not a number", v.describe())
	}
	return parseNumber(v.text)
}

// Canonical returns the text that identifies the value in a group key or a
// top list: numbers that are equal have the same canonical text (200, 200.0
// and 2e2 are all "200"); strings and booleans are their text.
func (v Value) Canonical() string {
	if v.kind != Number {
		return v.text
	}
	d, err := parseNumber(v.text)
	if err != nil {
		return outOfRangeCanonical(v.text)
	}
	return canonicalNumber(d)
}

// outOfRangeCanonical is the canonical text of a JSON number no DynamoDB
// number can hold (1e400): in scientific notation, trailing zeros dropped
// (1e400 and 1E400 are both "1E+400"), for it cannot be written out in
// full. A number too long to read stays as written.
func outOfRangeCanonical(text string) string {
	if len(text) > 200 {
		return text
	}
	d, _, err := apd.NewFromString(text)
	if err != nil || d.Form != apd.Finite {
		return text
	}
	var r apd.Decimal
	r.Reduce(d)
	return r.Text('E')
}

// CanonicalNumber is the canonical text of a JSON number as a group value
// (Value.Canonical), for readers that group without decoding an event.
func CanonicalNumber(text string) string { return Value{Number, text}.Canonical() }

func (v Value) String() string { return v.describe() }

// describe writes the value for an error message.
func (v Value) describe() string {
	switch v.kind {
	case String:
		return fmt.Sprintf("string %q", v.text)
	case Number:
		return "number " + v.text
	case Bool:
		return "boolean " + v.text
	}
	return "nothing"
}

// Limits of the numbers a view accepts, which are DynamoDB's: up to 38
// significant digits, magnitudes between 1e-130 and 1e126. Checking them on
// the way in keeps sums bounded and lets every result be stored.
const (
	maxDigits   = 38
	minExponent = -130
	maxExponent = 125
)

func parseNumber(text string) (*apd.Decimal, error) {
	var small apd.Decimal
	if parseSmallNumber(text, &small) {
		return &small, nil
	}
	if len(text) > 200 {
		return nil, fmt.Errorf("number %.20s… is too long", text)
	}
	d, _, err := apd.NewFromString(text)
	if err != nil || d.Form != apd.Finite {
		return nil, fmt.Errorf("%q is not a number", text)
	}
	if err := storable(d); err != nil {
		return nil, fmt.Errorf("number %s: %v", text, err)
	}
	return d, nil
}

// parseComparable reads an event's number for a where comparison: exactly,
// as parseNumber does, but also past what DynamoDB can store, since a filter
// stores nothing (1e400 > 10 holds). Texts too long to be a number a writer
// meant are not read.
func parseComparable(text string) (*apd.Decimal, bool) {
	var small apd.Decimal
	if parseSmallNumber(text, &small) {
		return &small, true
	}
	if len(text) > maxComparableText {
		return nil, false
	}
	d, _, err := apd.NewFromString(text)
	return d, err == nil && d.Form == apd.Finite
}

// maxComparableText bounds the text parseComparable reads, and so the work
// one comparison can cost.
const maxComparableText = 1000

// parseSmallNumber reads the common case quickly: an optional minus sign,
// at most 18 digits and an optional fraction, no exponent. Such a number is
// always storable (18 digits, magnitude under 1e18, at least 1e-18).
func parseSmallNumber(text string, d *apd.Decimal) bool {
	i, neg := 0, false
	if i < len(text) && text[i] == '-' {
		neg, i = true, 1
	}
	var coeff int64
	digits, frac, dot := 0, 0, false
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			coeff = coeff*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	if digits == 0 || digits > 18 || dot && frac == 0 {
		return false
	}
	if neg {
		coeff = -coeff
	}
	d.SetFinite(coeff, int32(-frac))
	return true
}

// decimalInto is Decimal reading the common small numbers into d without
// allocating; it returns d or another decimal holding the value.
func (v Value) decimalInto(d *apd.Decimal) (*apd.Decimal, error) {
	if v.kind == Number && parseSmallNumber(v.text, d) {
		return d, nil
	}
	return v.Decimal()
}

// storable reports whether DynamoDB can hold d exactly.
func storable(d *apd.Decimal) error {
	if d.Form == apd.Finite && d.Coeff.IsUint64() {
		// The common case, without reducing: a coefficient of at most 20
		// digits, and reducing (dropping trailing zeros) changes neither
		// whether it is zero nor the adjusted exponent.
		c := d.Coeff.Uint64()
		if c == 0 {
			return nil
		}
		digits := int64(1)
		for ; c >= 10; c /= 10 {
			digits++
		}
		if adj := int64(d.Exponent) + digits - 1; adj >= minExponent && adj <= maxExponent {
			return nil
		}
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.IsZero() {
		return nil
	}
	if r.NumDigits() > maxDigits {
		return fmt.Errorf("has more than %d significant digits, more than DynamoDB stores", maxDigits)
	}
	if adj := int64(r.Exponent) + r.NumDigits() - 1; adj < minExponent || adj > maxExponent {
		return fmt.Errorf("is outside DynamoDB's range of 1e-130 to 1e126")
	}
	return nil
}

// canonicalNumber writes d without trailing zeros, in plain notation, as
// DynamoDB writes numbers back.
func canonicalNumber(d *apd.Decimal) string {
	var r apd.Decimal
	r.Reduce(d)
	if r.IsZero() {
		return "0"
	}
	return r.Text('f')
}

// Event is what a view reads from one event: fields by path.
type Event interface {
	// Get returns the value at path, and false if it is missing or is
	// not a string, number or boolean.
	Get(p Path) (Value, bool)
}

// JSON is an event decoded from a JSON object.
type JSON map[string]any

// DecodeJSON decodes one JSON object, keeping numbers as their text.
func DecodeJSON(data []byte) (JSON, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return JSON(m), nil
}

// Get walks nested objects along p.
func (j JSON) Get(p Path) (Value, bool) {
	if len(p) == 0 {
		return Value{}, false
	}
	var cur any = map[string]any(j)
	for _, name := range p {
		m, ok := cur.(map[string]any)
		if !ok {
			return Value{}, false
		}
		if cur, ok = m[name]; !ok {
			return Value{}, false
		}
	}
	switch x := cur.(type) {
	case string:
		return StringValue(x), true
	case json.Number:
		return Value{Number, string(x)}, true
	case float64: // maps built without UseNumber
		return Value{Number, fmt.Sprint(x)}, true
	case bool:
		return BoolValue(x), true
	}
	return Value{}, false
}

// Fields is a flat event: typed values by name, such as a parsed access-log
// line. A path is looked up by its dotted text.
type Fields map[string]Value

// Get returns the field named by p's dotted text.
func (f Fields) Get(p Path) (Value, bool) {
	v, ok := f[p.String()]
	return v, ok && v.kind != 0
}

// Path names a field, one name per level of nesting.
type Path []string

// ParsePath reads a dotted path such as request.status.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, fmt.Errorf("empty field name")
	}
	p := strings.Split(s, ".")
	for _, name := range p {
		if name == "" {
			return nil, fmt.Errorf("field %q has an empty name between dots", s)
		}
	}
	return p, nil
}

func (p Path) String() string { return strings.Join(p, ".") }

// Timed is an event that knows its own time, such as a parsed access-log line.
type Timed interface {
	Time() time.Time
}

// EventTime returns the time of ev: its own if it is Timed, otherwise the
// field at p: a string read by bucket.ParseTime (ISO 8601; no zone means
// UTC) or a number of milliseconds since the Unix epoch, as DynamoDB's
// change records carry in dynamodb.ApproximateCreationDateTime (or of
// microseconds, when the record says so beside it). A missing or
// unreadable time is a *bucket.RejectError, and so is one outside the years
// 0001 to 9999 (bucket.TimeOutOfRange).
func EventTime(ev Event, p Path) (time.Time, error) {
	if t, ok := ev.(Timed); ok {
		if err := bucket.CheckRange(t.Time(), "the event time"); err != nil {
			return time.Time{}, err
		}
		return t.Time().UTC(), nil
	}
	v, ok := ev.Get(p)
	if !ok || (v.kind != String && v.kind != Number) {
		return time.Time{}, &bucket.RejectError{Reason: bucket.MissingTimestamp, Detail: fmt.Sprintf("field %q is missing or not a string or a number", p)}
	}
	if v.kind == Number {
		if inMicroseconds(ev, p) {
			return bucket.EpochMicros(v.text)
		}
		return bucket.EpochMillis(v.text)
	}
	return bucket.ParseTime(v.text) // its errors are *bucket.RejectError
}

// The field DynamoDB's change records carry their time in, and the one
// beside it saying the time is in microseconds (a Kinesis destination
// enabled with ApproximateCreationDateTimePrecision MICROSECOND) instead of
// milliseconds.
const (
	creationTime          = "ApproximateCreationDateTime"
	creationTimePrecision = "ApproximateCreationDateTimePrecision"
)

// TimePaths are the fields EventTime reads for a time at p: p, and for a
// DynamoDB change record's creation time the precision beside it. A picker
// that picks only what views read must pick these too.
func TimePaths(p Path) []Path {
	if len(p) == 0 || p[len(p)-1] != creationTime {
		return []Path{p}
	}
	beside := make(Path, len(p))
	copy(beside, p)
	beside[len(p)-1] = creationTimePrecision
	return []Path{p, beside}
}

// inMicroseconds reports whether the time at p is a DynamoDB change
// record's creation time that its record gives in microseconds.
func inMicroseconds(ev Event, p Path) bool {
	if len(p) == 0 || p[len(p)-1] != creationTime {
		return false
	}
	beside := make(Path, len(p))
	copy(beside, p)
	beside[len(p)-1] = creationTimePrecision
	v, ok := ev.Get(beside)
	return ok && v.kind == String && v.text == "MICROSECOND"
}
