package bucket

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// reference decodes the way a plain encoding/json map would.
func reference(data []byte, k1, k2 string) (f1, f2 field, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return f1, f2, false
	}
	if v, found := m[k1]; found {
		f1 = field{true, v}
	}
	if v, found := m[k2]; found {
		f2 = field{true, v}
	}
	return f1, f2, true
}

func sameValue(a, b field) bool {
	if a.found != b.found {
		return false
	}
	if !a.found {
		return true
	}
	sa, oka := stringValue(a.raw)
	sb, okb := stringValue(b.raw)
	return oka == okb && sa == sb
}

func checkScan(t *testing.T, data []byte) {
	t.Helper()
	g1, g2, err := scanObject(data, "timestamp", "type")
	w1, w2, ok := reference(data, "timestamp", "type")
	if (err == nil) != ok {
		t.Fatalf("%q: scan error %v, reference ok %v", data, err, ok)
	}
	if ok && (!sameValue(g1, w1) || !sameValue(g2, w2)) {
		t.Fatalf("%q: scan %q %q, reference %q %q", data, g1.raw, g2.raw, w1.raw, w2.raw)
	}
}

func TestScanMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "x"}`,
		`{}`, ` { } `, `[]`, `null`, `"s"`, `12`, `{"type":}`, `{"type":"a"`, `{"type":"a"}x`,
		`{"type":"a","type":"b"}`,
		`{"ty\u0070e":"escaped key"}`,
		`{"type":"esc\"aped \\ value\u00e9"}`,
		`{"nested":{"type":"inner"},"type":"outer"}`,
		`{"arr":[{"type":"x"},"]}"],"type":"after array"}`,
		`{"type":123,"timestamp":null}`,
		`{"type":true,"timestamp":false}`,
		`{"type":"","timestamp":""}`,
		"{\"type\"\n:\t\"ws\"\r}",
		`{"Type":"case differs"}`,
		`{"type":"\ud800"}`,
		"{\"type\":\"bad utf8 \xff\"}",
	}
	for _, c := range cases {
		checkScan(t, []byte(c))
	}
	// Random mutations of a tutorial event.
	base := []byte(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "nested": {"a": [1, "b\"c", {"type": "no"}]}, "id": "4ec8"}`)
	alphabet := []byte(`{}[]",:\ 0123abtype` + "\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		d := append([]byte(nil), base...)
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(d))
			switch rng.IntN(3) {
			case 0:
				d[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				d = append(d[:i], d[i+1:]...)
			default:
				d = append(d[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, d[i:]...)...)
			}
		}
		checkScan(t, d)
	}
}
