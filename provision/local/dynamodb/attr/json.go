package attr

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/spk-cli/spk/provision/local/jsonscan"
)

// UnmarshalJSON decodes the wire form ({"S":"x"}, {"M":{...}}, ...) with a
// small hand-written parser, and canonicalises numbers. A value DynamoDB
// would reject is kept with its message, reported by Invalid, so the
// request fails with a ValidationException rather than a
// SerializationException; malformed JSON is an error.
func (v *Value) UnmarshalJSON(data []byte) error {
	p := &jsonParser{b: data}
	val, err := p.value()
	if err != nil {
		return err
	}
	p.ws()
	if p.i != len(p.b) {
		return p.errorf("trailing data")
	}
	*v = val
	return nil
}
func hasDuplicate(s []string) bool {
	seen := make(map[string]struct{}, len(s))
	for _, x := range s {
		if _, ok := seen[x]; ok {
			return true
		}
		seen[x] = struct{}{}
	}
	return false
}

func hasDuplicateBytes(s [][]byte) bool {
	seen := make(map[string]struct{}, len(s))
	for _, x := range s {
		if _, ok := seen[string(x)]; ok {
			return true
		}
		seen[string(x)] = struct{}{}
	}
	return false
}

func javaList(s []string) string {
	b := []byte{'['}
	for i, x := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, x...)
	}
	return string(append(b, ']'))
}

// DuplicatesMessage is DynamoDB's refusal of a set of kind whose members,
// as written (binaries in base64), hold a duplicate.
func DuplicatesMessage(kind Kind, members []string) string {
	switch kind {
	case NS:
		return "Input collection contains duplicates"
	case BS:
		return "One or more parameter values were invalid: Input collection " + javaList(members) + "of type BS contains duplicates."
	}
	return "One or more parameter values were invalid: Input collection " + javaList(members) + " contains duplicates."
}

// Invalid returns DynamoDB's message when v was decoded from an invalid
// wire value, or "".
func (v Value) Invalid() string { return v.bad }

// InvalidItem returns the first invalid value's message in an item, or "".
func InvalidItem(it Item) string {
	for _, v := range it {
		if v.bad != "" {
			return v.bad
		}
	}
	return ""
}

// MarshalJSON encodes the wire form.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends the wire form of v to b.
func (v Value) AppendJSON(b []byte) []byte {
	b = append(b, `{"`...)
	b = append(b, v.Kind.String()...)
	b = append(b, `":`...)
	switch v.Kind {
	case S, N:
		b = AppendString(b, v.Str)
	case B:
		b = appendBase64(b, v.Bin)
	case BOOL:
		b = strconv.AppendBool(b, v.Bool)
	case NULL:
		b = append(b, "true"...)
	case M:
		b = AppendItemJSON(b, v.Map)
	case L:
		b = append(b, '[')
		for i, x := range v.List {
			if i > 0 {
				b = append(b, ',')
			}
			b = x.AppendJSON(b)
		}
		b = append(b, ']')
	case SS, NS:
		b = append(b, '[')
		for i, x := range v.Strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, x)
		}
		b = append(b, ']')
	case BS:
		b = append(b, '[')
		for i, x := range v.Bins {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendBase64(b, x)
		}
		b = append(b, ']')
	default:
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// AppendItemJSON appends an item (or map value) as a JSON object.
func AppendItemJSON(b []byte, it map[string]Value) []byte {
	b = append(b, '{')
	first := true
	for k, v := range it {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, k)
		b = append(b, ':')
		b = v.AppendJSON(b)
	}
	return append(b, '}')
}

// MarshalJSON encodes the item as a JSON object of wire values.
func (it Item) MarshalJSON() ([]byte, error) {
	if it == nil {
		return []byte("null"), nil
	}
	return AppendItemJSON(nil, it), nil
}

func appendBase64(b []byte, x []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, x)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. It takes bytes as well, so
// transcoding from storage needs no string copy.
func AppendString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		i += jsonscan.PlainPrefix(s[i:])
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeRune is utf8.DecodeRune for strings and bytes alike, without a copy
// of the whole input.
func decodeRune[T string | []byte](s T) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], s)
	return utf8.DecodeRune(buf[:n])
}
