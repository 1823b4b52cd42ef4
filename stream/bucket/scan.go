package bucket

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
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
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return f1, f2, errNotObject
	}
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return f1, f2, nil
	}
	for {
		kEnd := endOfString(data, i)
		key := data[i:kEnd]
		i = skipSpace(data, kEnd)
		i = skipSpace(data, i+1) // ':'
		vEnd := endOfValue(data, i)
		val := data[i:vEnd]
		if matches(key, k1) {
			f1 = field{true, val}
		}
		if matches(key, k2) {
			f2 = field{true, val}
		}
		i = skipSpace(data, vEnd)
		if data[i] == '}' {
			return f1, f2, nil
		}
		i = skipSpace(data, i+1) // ','
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfString returns the index after the string starting at b[i] == '"'.
func endOfString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// endOfValue returns the index after the value starting at b[i].
func endOfValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = endOfString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ { // number, true, false, null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return len(b)
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
