package bucket

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/spk-cli/spk/internal/jsonscan"
)

// field is what the scanner found for one wanted key.
type field struct {
	found bool
	raw   []byte // the value's JSON text
}

var errNotObject = errors.New("not a JSON object")

// scanObject reads the top level of a JSON object and returns the raw values
// of two keys (the last occurrence wins, as with encoding/json). It avoids
// decoding the whole event into a map, which dominates the consumer's CPU.
func scanObject(data []byte, k1, k2 string) (f1, f2 field, err error) {
	if !json.Valid(data) {
		// Let encoding/json word the error.
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return f1, f2, err
		}
		return f1, f2, errNotObject
	}
	// From here on data is valid JSON, so the scan can be simple.
	i := jsonscan.SkipSpace(data, 0)
	if data[i] != '{' {
		return f1, f2, errNotObject
	}
	i = jsonscan.SkipSpace(data, i+1)
	if data[i] == '}' {
		return f1, f2, nil
	}
	for {
		kEnd := jsonscan.EndOfString(data, i)
		key := data[i:kEnd]
		i = jsonscan.SkipSpace(data, kEnd)
		i = jsonscan.SkipSpace(data, i+1) // ':'
		vEnd := jsonscan.EndOfValue(data, i)
		val := data[i:vEnd]
		if matches(key, k1) {
			f1 = field{true, val}
		}
		if matches(key, k2) {
			f2 = field{true, val}
		}
		i = jsonscan.SkipSpace(data, vEnd)
		if data[i] == '}' {
			return f1, f2, nil
		}
		i = jsonscan.SkipSpace(data, i+1) // ','
	}
}

// matches reports whether the quoted JSON key equals name.
func matches(quoted []byte, name string) bool {
	inner := quoted[1 : len(quoted)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			return json.Unmarshal(quoted, &s) == nil && s == name
		}
	}
	return string(inner) == name
}

// stringValue decodes a raw value that must be a non-empty JSON string.
func stringValue(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf {
			// Escapes and non-ASCII text go through encoding/json, which
			// also turns invalid UTF-8 into U+FFFD as DynamoDB needs.
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", false
			}
			return s, s != ""
		}
	}
	return string(inner), len(inner) > 0
}
