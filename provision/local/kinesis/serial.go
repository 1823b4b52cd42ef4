package kinesis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// Kinesis answers a body it cannot read with a SerializationException whose
// message is the Java (Coral) deserialiser's: a malformed body gets no
// message at all, a value of the wrong JSON type one of the texts below.
// encoding/json's errors say neither, so when decoding fails the body is
// walked again against the shape of the input struct to find the first
// offending value and word it as Kinesis does. This runs only on the error
// path; well-formed requests pay nothing for it.

// serialError is a decoding failure worded as Kinesis words it ("" when
// Kinesis sends no message).
type serialError struct{ msg string }

func (e *serialError) Error() string { return e.msg }

var errMalformed = &serialError{}

// shapeKind is the Kinesis (Smithy) type of an input member, derived from
// the Go type of the field that holds it.
type shapeKind int

const (
	kindString shapeKind = iota
	kindInteger
	kindBoolean
	kindBlob
	kindTimestamp
	kindList
	kindMap
	kindStructure
)

var (
	bytesType = reflect.TypeOf([]byte(nil))
	timeType  = reflect.TypeOf(epochTime{})
)

func kindOf(t reflect.Type) shapeKind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == bytesType:
		return kindBlob
	case t == timeType:
		return kindTimestamp
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return kindInteger
	case reflect.Bool:
		return kindBoolean
	case reflect.Slice:
		return kindList
	case reflect.Map:
		return kindMap
	case reflect.Struct:
		return kindStructure
	}
	return kindString
}

// jsonKind is what a request carried where a member was expected.
type jsonKind string

const (
	gotBool   jsonKind = "bool"
	gotNumber jsonKind = "number"
	gotString jsonKind = "string"
	gotObject jsonKind = "object"
	gotArray  jsonKind = "array"
)

// mismatch words a value of kind got in place of a member of kind want as
// Kinesis does, or returns "" when Kinesis accepts it. str is the string
// value, for the messages that quote it.
func mismatch(want shapeKind, got jsonKind, str string) string {
	const (
		number = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
		boolea = "class java.lang.Boolean can not be converted to "
		object = "Start of structure or map found where not expected."
		list   = "Start of list found where not expected"
	)
	containers := func() string {
		switch got {
		case gotObject:
			return object
		case gotArray:
			return list
		}
		return ""
	}
	switch want {
	case kindString:
		switch got {
		case gotBool:
			return boolea + "an String"
		case gotNumber:
			return number + "an String"
		}
		return containers()
	case kindInteger:
		switch got {
		case gotBool:
			return boolea + "an Integer"
		case gotString:
			return "class java.lang.String can not be converted to an Integer"
		}
		return containers()
	case kindBoolean:
		switch got {
		case gotNumber:
			return number + "an Boolean"
		case gotString:
			return "'" + strings.ToUpper(str) + "' can not be converted to an Boolean"
		}
		return containers()
	case kindBlob:
		switch got {
		case gotBool:
			return boolea + "a Blob"
		case gotNumber:
			return number + "a Blob"
		case gotString:
			return blobError(str)
		}
		return containers()
	case kindTimestamp:
		switch got {
		case gotBool:
			return boolea + "milliseconds since epoch"
		case gotString:
			return "class java.lang.String can not be converted to milliseconds since epoch"
		}
		return containers()
	case kindList:
		switch got {
		case gotObject:
			return object
		case gotArray:
			return ""
		}
		return "Expected list or null"
	case kindMap:
		switch got {
		case gotArray:
			return list
		case gotObject:
			return ""
		}
		return "Expected map or null"
	case kindStructure:
		switch got {
		case gotArray:
			return list
		case gotObject:
			return ""
		}
		return "Expected null"
	}
	return ""
}

// blobError checks a base64 blob the way Kinesis's deserialiser does.
func blobError(s string) string {
	prefix := "'" + s + "' can not be converted to a Blob: "
	if len(s)%4 != 0 {
		return prefix + fmt.Sprintf("Base64 encoded length is expected a multiple of 4 bytes but found: %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		valid := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/'
		if c == '=' && (i+1 == len(s) || s[i+1] == '=') {
			valid = true
		}
		if !valid {
			return prefix + "Invalid Base64 character: '" + string(c) + "'"
		}
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil {
		// Kinesis's own spelling.
		return prefix + "Invalid last non-pad Base64 character dectected"
	}
	return ""
}

// fieldTypes maps the JSON names of a struct's fields (embedded structs
// included) to their types.
func fieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range fieldTypes(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if name != "-" && f.IsExported() {
			out[name] = f.Type
		}
	}
	return out
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// --- JSON --------------------------------------------------------------

// decodeJSONBody decodes a JSON 1.1 body into v, answering errors as Kinesis.
func decodeJSONBody(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errMalformed
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return errMalformed
	}
	t := reflect.TypeOf(v).Elem()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if msg := walkJSON(dec, t); msg != "" {
		return &serialError{msg}
	}
	// Every value has an acceptable type: what encoding/json refused is a
	// number Kinesis takes anyway (1.5 or 1e10 for an Integer), which it
	// truncates and caps at Integer's maximum.
	var generic any
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&generic) != nil {
		return errMalformed
	}
	fixed, _ := json.Marshal(truncateNumbers(generic, t))
	if json.Unmarshal(fixed, v) != nil {
		return errMalformed
	}
	return nil
}

// walkJSON reads one value for a member of type t, in document order (as
// Kinesis's streaming reader does), and returns the first mismatch.
func walkJSON(dec *json.Decoder, t reflect.Type) string {
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	t = elem(t)
	want := kindOf(t)
	var got jsonKind
	str := ""
	switch x := tok.(type) {
	case nil:
		return ""
	case bool:
		got = gotBool
	case json.Number:
		got = gotNumber
	case string:
		got, str = gotString, x
	case json.Delim:
		got = gotArray
		if x == '{' {
			got = gotObject
		}
	}
	if msg := mismatch(want, got, str); msg != "" {
		return msg
	}
	switch {
	case got == gotArray:
		for dec.More() {
			if msg := walkJSON(dec, t.Elem()); msg != "" {
				return msg
			}
		}
		dec.Token()
	case got == gotObject:
		var fields map[string]reflect.Type
		if want == kindStructure {
			fields = fieldTypes(t)
		}
		for dec.More() {
			key, _ := dec.Token()
			ft := t
			if want == kindMap {
				ft = t.Elem()
			} else if ft = fields[fmt.Sprint(key)]; ft == nil {
				skipJSON(dec)
				continue
			}
			if msg := walkJSON(dec, ft); msg != "" {
				return msg
			}
		}
		dec.Token()
	}
	return ""
}

// skipJSON reads past one value of a member spk does not know.
func skipJSON(dec *json.Decoder) {
	var raw json.RawMessage
	dec.Decode(&raw) // the body is valid JSON: json.Unmarshal checked it
}

// truncateNumbers rewrites numbers destined for Integer members as Kinesis
// reads them: the integer part, at most 2147483647.
func truncateNumbers(v any, t reflect.Type) any {
	t = elem(t)
	switch x := v.(type) {
	case json.Number:
		if kindOf(t) != kindInteger {
			return x
		}
		n, ok := kinesisInteger(string(x))
		if !ok {
			return x
		}
		return json.Number(strconv.FormatInt(n, 10))
	case []any:
		if t.Kind() == reflect.Slice {
			for i := range x {
				x[i] = truncateNumbers(x[i], t.Elem())
			}
		}
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for k := range x {
				x[k] = truncateNumbers(x[k], t.Elem())
			}
		case reflect.Struct:
			fields := fieldTypes(t)
			for k := range x {
				if ft := fields[k]; ft != nil {
					x[k] = truncateNumbers(x[k], ft)
				}
			}
		}
	}
	return v
}

// --- CBOR --------------------------------------------------------------

// decodeCBORBody decodes a CBOR 1.1 body into v; a value of the wrong type is
// answered with the same texts as in JSON.
func decodeCBORBody(body []byte, v any) error {
	if len(body) == 0 {
		return errMalformed
	}
	err := cbor.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var generic any
	if cbor.Unmarshal(body, &generic) != nil {
		return errMalformed
	}
	if _, ok := generic.(map[any]any); !ok {
		return errMalformed
	}
	if msg := walkCBOR(generic, reflect.TypeOf(v).Elem()); msg != "" {
		return &serialError{msg}
	}
	return errMalformed
}

func walkCBOR(v any, t reflect.Type) string {
	t = elem(t)
	want := kindOf(t)
	var got jsonKind
	str := ""
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		got = gotBool
	case uint64, int64, float64, float32, big.Int, cbor.Tag:
		got = gotNumber
	case string:
		got, str = gotString, x
	case []byte:
		if want == kindBlob {
			return ""
		}
		got, str = gotString, base64.StdEncoding.EncodeToString(x)
	case []any:
		got = gotArray
	case map[any]any:
		got = gotObject
	}
	if want == kindTimestamp && got == gotNumber {
		return ""
	}
	if msg := mismatch(want, got, str); msg != "" {
		return msg
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if msg := walkCBOR(e, t.Elem()); msg != "" {
				return msg
			}
		}
	case map[any]any:
		fields := map[string]reflect.Type{}
		if want == kindStructure {
			fields = fieldTypes(t)
		}
		for k, e := range x {
			ft := t
			if want == kindMap {
				ft = t.Elem()
			} else if ft = fields[fmt.Sprint(k)]; ft == nil {
				continue
			}
			if msg := walkCBOR(e, ft); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// kinesisInteger reads a JSON number as Kinesis reads an Integer member:
// its floor, at most 2147483647, and math.MinInt64 for a number below
// that. It reads the text once: a big-number parse is quadratic in the
// digits, and a request of millions of them held a core for minutes.
func kinesisInteger(s string) (int64, bool) {
	digitsFrom := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		neg, i = true, i+1
	}
	end := digitsFrom(i)
	whole := s[i:end]
	i = end
	frac := ""
	if i < len(s) && s[i] == '.' {
		end = digitsFrom(i + 1)
		frac, i = s[i+1:end], end
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg, i = s[i] == '-', i+1
		}
		end = digitsFrom(i)
		if end == i {
			return 0, false
		}
		for _, c := range s[i:end] {
			if exp < 1e9 { // far past any int64 either way
				exp = exp*10 + int(c-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
		i = end
	}
	if i != len(s) || whole == "" {
		return 0, false
	}
	// The value is 0.<digits> × 10^point, leading zeros dropped.
	digits := strings.TrimLeft(whole+frac, "0")
	point := len(whole) + exp - (len(whole) + len(frac) - len(digits))
	switch {
	case digits == "":
		return 0, true
	case point > 19:
		if neg {
			return math.MinInt64, true
		}
		return math.MaxInt32, true
	case point <= 0: // 0 < |value| < 1
		if neg {
			return -1, true
		}
		return 0, true
	}
	var u uint64
	for k := range point {
		d := uint64(0)
		if k < len(digits) {
			d = uint64(digits[k] - '0')
		}
		if u > (math.MaxInt64-d)/10 {
			if neg {
				return math.MinInt64, true
			}
			return math.MaxInt32, true
		}
		u = u*10 + d
	}
	n := int64(u)
	if neg {
		n = -n
		if point < len(digits) && strings.Trim(digits[point:], "0") != "" {
			n-- // floor, not truncation towards zero
		}
	}
	return min(n, math.MaxInt32), true
}
