package view

import (
	"encoding/json"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// TestPickAsDecodeJSON: a Picker reads every picked path as DecodeJSON does.
func TestPickAsDecodeJSON(t *testing.T) {
	paths := []Path{{"a"}, {"b", "c"}, {"b"}, {"s"}, {"n"}, {"t"}, {"x", "y", "z"}, {"u"}, {"dup"}, {"e"}, {"arr"}}
	docs := []string{
		`{"a":"x","b":{"c":12.50,"d":[1,{"c":2}]},"s":"h\u00e9\"llo","n":null,"t":true,"u":"café","dup":1,"dup":"two","e":-2E-3,"arr":[1]}`,
		` { "x" : { "y" : { "z" : false } } , "a" : { "nested" : 1 } } `,
		`{"b":"flat","x":{"y":3}}`,
		`{}`,
		`{"\u0061":"escaped key","b":{"c":{"deep":1}}}`,
		"{\"s\":\"bad \xff utf8\"}",
		// A repeated key's last value wins whole: nothing under the first stays.
		`{"b":{"c":1},"b":{"d":2}}`,
		`{"b":{"c":1},"b":7}`,
		`{"x":{"y":{"z":true}},"x":{"y":5},"x":{"q":{}}}`,
		`{"b":{"c":1,"c":{"e":1}}}`,
	}
	pk := NewPicker(paths)
	for _, doc := range docs {
		want, err := DecodeJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		got, err := pk.Pick([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		for _, p := range paths {
			w, wok := want.Get(p)
			g, gok := got.Get(p)
			if w != g || wok != gok {
				t.Errorf("%s: %s = %v %v, want %v %v", doc, p, g, gok, w, wok)
			}
		}
		if _, ok := got.Get(Path{"other"}); ok {
			t.Errorf("%s: a path not picked is found", doc)
		}
	}
	for _, bad := range []string{`[1,2]`, `"s"`, `{"a":`, `nope`, `{"a":1}{}`} {
		_, werr := DecodeJSON([]byte(bad))
		_, gerr := pk.Pick([]byte(bad))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: Pick error %v, DecodeJSON error %v", bad, gerr, werr)
		}
	}
}

func FuzzPick(f *testing.F) {
	f.Add(`{"a":"x","b":{"c":1},"t":true}`)
	f.Add(`{"b":{"c":{"c":[1,"}"]}},"a":null}`)
	f.Add(`{"b":{"c":1},"b":{}}`)
	paths := []Path{{"a"}, {"b", "c"}, {"b"}, {"t"}}
	pk := NewPicker(paths)
	f.Fuzz(func(t *testing.T, doc string) {
		want, werr := DecodeJSON([]byte(doc))
		got, gerr := pk.Pick([]byte(doc))
		// Pick is stricter than DecodeJSON with text after the object
		// ("{}}"), which json.Decoder.More lets through.
		if gerr == nil && werr != nil || gerr != nil && werr == nil && json.Valid([]byte(doc)) {
			t.Fatalf("%q: Pick error %v, DecodeJSON error %v", doc, gerr, werr)
		}
		if werr != nil || gerr != nil {
			return
		}
		for _, p := range paths {
			w, wok := want.Get(p)
			g, gok := got.Get(p)
			if w != g || wok != gok {
				t.Fatalf("%q: %s = %v %v, want %v %v", doc, p, g, gok, w, wok)
			}
		}
	})
}

func TestPaths(t *testing.T) {
	v := mustCompile(t, Definition{Name: "p", Where: "status >= 500 or not (m.x = 'a')", GroupBy: []string{"path", "status"}, Window: Window{Size: 60e9}, Metrics: []string{"count", "sum:bytes", "max:bytes", "top:ip:3"}})
	var got []string
	for _, p := range Paths([]*View{v}, Path{"timestamp"}) {
		got = append(got, p.String())
	}
	want := "[timestamp status m.x path bytes ip]"
	if s := "[" + join(got) + "]"; s != want {
		t.Errorf("Paths = %s, want %s", s, want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestSmallNumbers: the quick reading of plain decimals agrees with apd's.
func TestSmallNumbers(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "-12.50", "0.001", "123456789012345678", "1234567890123456789", "1.", ".5", "1e3", "-", "12a", "00012.3400", "-0.0"} {
		d := new(apd.Decimal)
		d.Set(apd.New(-99, 3)) // reused: nothing of it may remain
		ok := parseSmallNumber(s, d)
		want, _, err := apd.NewFromString(s)
		switch {
		case ok && (err != nil || d.Cmp(want) != 0 || d.Exponent != want.Exponent):
			t.Errorf("%q: quick %v, apd %v %v", s, d, want, err)
		case !ok && s != "1234567890123456789" && s != "1." && s != ".5" && s != "1e3" && s != "-" && s != "12a":
			t.Errorf("%q: not read quickly", s)
		}
	}
}

// TestStorableQuick: the quick check of small coefficients agrees with the
// reduced one.
func TestStorableQuick(t *testing.T) {
	slow := func(d *apd.Decimal) bool {
		var r apd.Decimal
		r.Reduce(d)
		if r.IsZero() {
			return true
		}
		adj := int64(r.Exponent) + r.NumDigits() - 1
		return r.NumDigits() <= maxDigits && adj >= minExponent && adj <= maxExponent
	}
	for _, c := range []int64{0, 1, -1, 10, 1000, 123456789, -99999, 1 << 62, -(1 << 62)} {
		for _, e := range []int32{-200, -150, -131, -130, -129, -100, -20, 0, 20, 100, 120, 125, 126, 130, 200} {
			d := apd.New(c, e)
			if got := storable(d) == nil; got != slow(d) {
				t.Errorf("%s: storable %v, reduced check %v", d, got, slow(d))
			}
		}
	}
}
