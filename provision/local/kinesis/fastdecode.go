package kinesis

import (
	"encoding/base64"
	"unicode/utf8"

	"github.com/spk-cli/spk/provision/local/jsonscan"
)

// decodePutRecordsFast parses the usual shape of a PutRecords body without
// reflection and with one allocation for all the data. It reports false for
// anything else (escapes, nulls, other types or field names, bad base64),
// and the caller then decodes with encoding/json, which also gives the
// right error. A differential fuzz test holds the two to the same result.
func decodePutRecordsFast(b []byte, in *putRecordsInput) bool {
	d := fastDecoder{b: b}
	if !d.consume('{') {
		return false
	}
	var records []rawEntry
	dataLen := 0
	first := true
	for {
		if d.consume('}') {
			break
		}
		if !first && !d.consume(',') {
			return false
		}
		first = false
		key, ok := d.str()
		if !ok || !d.consume(':') {
			return false
		}
		switch string(key) {
		case "StreamName", "StreamARN":
			v, ok := d.str()
			if !ok {
				return false
			}
			s := string(v)
			if key[6] == 'N' {
				in.StreamName = &s
			} else {
				in.StreamARN = &s
			}
		case "Records":
			if records, dataLen, ok = d.records(); !ok {
				return false
			}
		default:
			return false
		}
	}
	d.ws()
	if d.p != len(d.b) {
		return false
	}
	if records == nil {
		return true
	}
	arena := make([]byte, dataLen)
	in.Records = make([]putEntry, len(records))
	for i, r := range records {
		n, err := base64.StdEncoding.Decode(arena, r.data)
		if err != nil {
			return false
		}
		e := &in.Records[i]
		e.Data, arena = arena[:n:n], arena[n:]
		e.PartitionKey = string(r.pk)
		if r.ehk != nil {
			s := string(r.ehk)
			e.ExplicitHashKey = &s
		}
	}
	return true
}

type rawEntry struct {
	pk, ehk, data []byte
	hasPK         bool
}

type fastDecoder struct {
	b []byte
	p int
}

func (d *fastDecoder) ws() {
	for d.p < len(d.b) {
		switch d.b[d.p] {
		case ' ', '\t', '\n', '\r':
			d.p++
		default:
			return
		}
	}
}

func (d *fastDecoder) consume(c byte) bool {
	d.ws()
	if d.p < len(d.b) && d.b[d.p] == c {
		d.p++
		return true
	}
	return false
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (d *fastDecoder) str() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start := d.p
	ascii := true
	for d.p < len(d.b) {
		d.p += jsonscan.PlainPrefix(d.b[d.p:])
		if d.p == len(d.b) {
			break
		}
		c := d.b[d.p]
		switch {
		case c == '"':
			s := d.b[start:d.p]
			d.p++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		d.p++
	}
	return nil, false
}

func (d *fastDecoder) records() ([]rawEntry, int, bool) {
	if !d.consume('[') {
		return nil, 0, false
	}
	out := make([]rawEntry, 0, 500)
	dataLen := 0
	if d.consume(']') {
		return out, 0, true
	}
	for {
		var r rawEntry
		if !d.consume('{') {
			return nil, 0, false
		}
		first := true
		hasData := false
		for {
			if d.consume('}') {
				break
			}
			if !first && !d.consume(',') {
				return nil, 0, false
			}
			first = false
			key, ok := d.str()
			if !ok || !d.consume(':') {
				return nil, 0, false
			}
			v, ok := d.str()
			if !ok {
				return nil, 0, false
			}
			switch string(key) {
			case "PartitionKey":
				r.pk, r.hasPK = v, true
			case "ExplicitHashKey":
				r.ehk = v
			case "Data":
				r.data, hasData = v, true
			default:
				return nil, 0, false
			}
		}
		if !hasData || !r.hasPK {
			return nil, 0, false // Data or PartitionKey null or missing: let encoding/json decide
		}
		dataLen += base64.StdEncoding.DecodedLen(len(r.data))
		out = append(out, r)
		if d.consume(']') {
			return out, dataLen, true
		}
		if !d.consume(',') {
			return nil, 0, false
		}
	}
}
