package consume

import "bytes"

// jsonReader reads the JSON of one page of records (a GetRecords answer or a
// SubscribeToShardEvent). Any token it does not expect makes it fail, and
// the page is then decoded by the SDK.
type jsonReader struct {
	b   []byte
	i   int
	bad bool
}

func (j *jsonReader) ws() {
	for j.i < len(j.b) {
		switch j.b[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0.
func (j *jsonReader) peek() byte {
	j.ws()
	if j.i >= len(j.b) {
		return 0
	}
	return j.b[j.i]
}

func (j *jsonReader) expect(c byte) {
	if j.peek() != c {
		j.bad = true
		return
	}
	j.i++
}

// str reads a string without escapes; the bytes are the input's.
func (j *jsonReader) str() []byte {
	if j.peek() != '"' {
		j.bad = true
		return nil
	}
	j.i++
	start := j.i
	for j.i < len(j.b) {
		c := j.b[j.i]
		if c == '"' {
			s := j.b[start:j.i]
			j.i++
			return s
		}
		if c == '\\' || c < 0x20 {
			j.bad = true
			return nil
		}
		j.i++
	}
	j.bad = true
	return nil
}

// null reads a null if there is one.
func (j *jsonReader) null() bool {
	if j.peek() == 'n' && bytes.HasPrefix(j.b[j.i:], []byte("null")) {
		j.i += 4
		return true
	}
	return false
}

func (j *jsonReader) number() []byte {
	j.ws()
	start := j.i
	for j.i < len(j.b) {
		c := j.b[j.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			j.i++
			continue
		}
		break
	}
	if j.i == start {
		j.bad = true
	}
	return j.b[start:j.i]
}

// object calls member for each member of an object; member reads the value.
func (j *jsonReader) object(member func(name []byte)) {
	j.expect('{')
	if j.peek() == '}' {
		j.i++
		return
	}
	for !j.bad {
		name := j.str()
		j.expect(':')
		if j.bad {
			return
		}
		member(name)
		switch j.peek() {
		case ',':
			j.i++
		case '}':
			j.i++
			return
		default:
			j.bad = true
		}
	}
}
