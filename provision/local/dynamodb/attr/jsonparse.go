package attr

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser reads attribute values from JSON without reflection: request
// decoding is the hottest path of a write.
type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("attribute value JSON at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// SerializationError is DynamoDB's refusal of a value whose JSON type is not
// the one the request's shape has there, in the service's words: the
// commonest is a number written as a JSON number, `{"N": 5}`, which AWS
// answers "NUMBER_VALUE cannot be converted to String".
type SerializationError struct{ Msg string }

func (e *SerializationError) Error() string { return e.Msg }

// notAString refuses, as DynamoDB does, a next value that is a JSON number,
// boolean, object or array where a string (binary: a base64 string) must
// be; anything else is left to the string's own reading.
func (p *jsonParser) notAString(binary bool) error {
	p.ws()
	if p.i >= len(p.b) {
		return nil
	}
	var msg string
	switch c := p.b[p.i]; {
	case c == '{':
		msg = "Start of structure or map found where not expected"
	case c == '[' && binary:
		msg = "Unrecognized collection type class java.nio.ByteBuffer"
	case c == '[':
		msg = "Unrecognized collection type class java.lang.String"
	case c == 't' || c == 'f' || c == '-' || c >= '0' && c <= '9':
		word := p.b[p.i:]
		n := 0
		for n < len(word) && (word[n] >= '0' && word[n] <= '9' || word[n] >= 'a' && word[n] <= 'z' || strings.IndexByte("+-.E", word[n]) >= 0) {
			n++
		}
		word = word[:n]
		switch {
		case string(word) == "true" || string(word) == "false" || c == '-' || c <= '9':
			if binary {
				msg = "only base-64-encoded strings are convertible to bytes"
			} else if string(word) == "true" {
				msg = "TRUE_VALUE cannot be converted to String"
			} else if string(word) == "false" {
				msg = "FALSE_VALUE cannot be converted to String"
			} else if strings.ContainsAny(string(word), ".eE") {
				msg = "DECIMAL_VALUE cannot be converted to String"
			} else {
				msg = "NUMBER_VALUE cannot be converted to String"
			}
		}
	}
	if msg == "" {
		return nil
	}
	return &SerializationError{Msg: msg}
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) expect(c byte) error {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != c {
		return p.errorf("expected %q", c)
	}
	p.i++
	return nil
}

// peekIs reports whether the next non-space byte is c, consuming it if so.
func (p *jsonParser) peekIs(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonParser) literal(word string) bool {
	p.ws()
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) str() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			raw := p.b[start:p.i]
			p.i++
			if !utf8.Valid(raw) {
				// As encoding/json reads it, and as the answers write it:
				// stored raw, the item could not be found again by the
				// text a client reads back.
				return validUTF8(raw), nil
			}
			return string(raw), nil
		}
		if c == '\\' {
			return p.escaped(start)
		}
		if c < 0x20 {
			return "", p.errorf("control character in string")
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}

// validUTF8 is b with each byte that is not part of valid UTF-8 replaced
// by U+FFFD, one for one, as encoding/json reads it.
func validUTF8(b []byte) string {
	var out strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out.WriteRune(utf8.RuneError)
		} else {
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.String()
}

// escaped decodes the rest of a string that contains escapes.
func (p *jsonParser) escaped(start int) (string, error) {
	out := append([]byte{}, p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out) {
				return validUTF8(out), nil
			}
			return string(out), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			break
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair only if the next escape completes it; otherwise the
				// lone half is U+FFFD and the next escape is read on its own,
				// as encoding/json reads it.
				pair := utf8.RuneError
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if r2, ok := p.hex4(); ok {
						pair = utf16.DecodeRune(r, r2)
					}
					if pair == utf8.RuneError {
						p.i = save
					}
				}
				r = pair
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", p.errorf("bad escape")
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *jsonParser) boolean() (val, isNull bool, err error) {
	switch {
	case p.literal("true"):
		return true, false, nil
	case p.literal("false"):
		return false, false, nil
	case p.literal("null"):
		return false, true, nil
	}
	return false, false, p.errorf("expected a boolean")
}

// strList reads an array of strings (nil for JSON null). A null member is
// left out and reported: a set may not hold one, which DynamoDB answers as
// an invalid value, not as a malformed request.
func (p *jsonParser) strList(binary bool) (list []string, hasNull bool, err error) {
	if p.literal("null") {
		return nil, false, nil
	}
	if err := p.expect('['); err != nil {
		return nil, false, err
	}
	list = []string{}
	if p.peekIs(']') {
		return list, false, nil
	}
	for {
		if p.literal("null") {
			hasNull = true
		} else if err := p.notAString(binary); err != nil {
			return nil, false, err
		} else {
			s, err := p.str()
			if err != nil {
				return nil, false, err
			}
			list = append(list, s)
		}
		if p.peekIs(']') {
			return list, hasNull, nil
		}
		if err := p.expect(','); err != nil {
			return nil, false, err
		}
	}
}

// skip passes over any JSON value (for fields an attribute value does not
// have).
func (p *jsonParser) skip() error {
	p.ws()
	if p.i >= len(p.b) {
		return p.errorf("unexpected end")
	}
	switch p.b[p.i] {
	case '"':
		_, err := p.str()
		return err
	case '{', '[':
		open, close := p.b[p.i], byte('}')
		if open == '[' {
			close = ']'
		}
		p.i++
		if p.peekIs(close) {
			return nil
		}
		for {
			if open == '{' {
				if _, err := p.str(); err != nil {
					return err
				}
				if err := p.expect(':'); err != nil {
					return err
				}
			}
			if err := p.skip(); err != nil {
				return err
			}
			if p.peekIs(close) {
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
		}
	}
	start := p.i
	for p.i < len(p.b) && (p.b[p.i] == '-' || p.b[p.i] == '+' || p.b[p.i] == '.' || p.b[p.i] >= '0' && p.b[p.i] <= '9' || p.b[p.i] >= 'a' && p.b[p.i] <= 'z' || p.b[p.i] == 'E') {
		p.i++
	}
	if start == p.i {
		return p.errorf("unexpected character")
	}
	return nil
}

// value reads one attribute value object.
func (p *jsonParser) value() (Value, error) {
	var v Value
	if err := p.expect('{'); err != nil {
		return v, err
	}
	n := 0
	bad := ""
	setBad := func(m string) {
		if bad == "" {
			bad = m
		}
	}
	if !p.peekIs('}') {
		for {
			key, err := p.str()
			if err != nil {
				return v, err
			}
			if err := p.expect(':'); err != nil {
				return v, err
			}
			if p.literal("null") {
				// A null member is an absent member.
			} else if err := p.member(&v, key, &n, setBad); err != nil {
				return v, err
			}
			if p.peekIs('}') {
				break
			}
			if err := p.expect(','); err != nil {
				return v, err
			}
		}
	}
	switch {
	case n == 0:
		bad = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	case n > 1 && bad == "":
		bad = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	}
	v.bad = bad
	return v, nil
}

func (p *jsonParser) member(v *Value, key string, n *int, setBad func(string)) error {
	switch key {
	case "S":
		if err := p.notAString(false); err != nil {
			return err
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		*n++
		v.Kind, v.Str = S, s
	case "N":
		if err := p.notAString(false); err != nil {
			return err
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		*n++
		v.Kind = N
		if s == "" {
			setBad(MsgNumberNotNumeric)
		} else if c, msg := ParseNumber(s); msg != "" {
			setBad(msg)
		} else {
			v.Str = c
		}
	case "B":
		if err := p.notAString(true); err != nil {
			return err
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return p.errorf("invalid base64")
		}
		*n++
		v.Kind, v.Bin = B, b
	case "BOOL", "NULL":
		b, isNull, err := p.boolean()
		if err != nil || isNull {
			return err
		}
		*n++
		if key == "BOOL" {
			v.Kind, v.Bool = BOOL, b
		} else {
			v.Kind = NULL
			if !b {
				setBad("One or more parameter values were invalid: Null attribute value types must have the value of true")
			}
		}
	case "M":
		if err := p.expect('{'); err != nil {
			return err
		}
		*n++
		v.Kind, v.Map = M, map[string]Value{}
		if p.peekIs('}') {
			return nil
		}
		for {
			k, err := p.str()
			if err != nil {
				return err
			}
			if err := p.expect(':'); err != nil {
				return err
			}
			x, err := p.value()
			if err != nil {
				return err
			}
			if x.bad != "" {
				setBad(x.bad)
			}
			v.Map[k] = x
			if p.peekIs('}') {
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
		}
	case "L":
		if err := p.expect('['); err != nil {
			return err
		}
		*n++
		v.Kind, v.List = L, []Value{}
		if p.peekIs(']') {
			return nil
		}
		for {
			x, err := p.value()
			if err != nil {
				return err
			}
			if x.bad != "" {
				setBad(x.bad)
			}
			v.List = append(v.List, x)
			if p.peekIs(']') {
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
		}
	case "SS":
		list, hasNull, err := p.strList(false)
		if err != nil || list == nil {
			return err
		}
		*n++
		v.Kind, v.Strs = SS, list
		if hasNull {
			setBad("One or more parameter values were invalid: An string set may not have a null string as a member")
		} else if len(list) == 0 {
			setBad("One or more parameter values were invalid: An string set  may not be empty")
		} else if hasDuplicate(list) {
			setBad(DuplicatesMessage(SS, list))
		}
	case "NS":
		list, hasNull, err := p.strList(false)
		if err != nil || list == nil {
			return err
		}
		*n++
		v.Kind = NS
		if hasNull {
			// spk's words, after the string set's.
			setBad("One or more parameter values were invalid: An number set may not have a null number as a member")
		}
		if len(list) == 0 {
			setBad("One or more parameter values were invalid: An number set  may not be empty")
		}
		v.Strs = make([]string, len(list))
		ok := true
		for i, s := range list {
			c, msg := ParseNumber(s)
			if s == "" {
				msg = MsgNumberNotNumeric
			}
			if msg != "" {
				setBad(msg)
				ok = false
			}
			v.Strs[i] = c
		}
		if ok && hasDuplicate(v.Strs) {
			setBad(DuplicatesMessage(NS, list))
		}
	case "BS":
		list, hasNull, err := p.strList(true)
		if err != nil || list == nil {
			return err
		}
		*n++
		v.Kind = BS
		if hasNull {
			// spk's words, after the string set's.
			setBad("One or more parameter values were invalid: A binary set may not have a null binary as a member")
		}
		if len(list) == 0 {
			setBad("One or more parameter values were invalid: Binary sets should not be empty")
		}
		v.Bins = make([][]byte, len(list))
		for i, s := range list {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return p.errorf("invalid base64")
			}
			v.Bins[i] = b
		}
		// Compared as bytes: base64 has other spellings of one value
		// (trailing bits, line breaks) that the decoding takes.
		if hasDuplicateBytes(v.Bins) {
			setBad(DuplicatesMessage(BS, list))
		}
	default:
		return p.skip()
	}
	return nil
}
