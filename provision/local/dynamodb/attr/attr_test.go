package attr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		name, in, want, msg string
	}{
		{"integer", "42", "42", ""},
		{"trailing zeros", "1.500", "1.5", ""},
		{"leading zeros", "007", "7", ""},
		{"negative zero", "-0", "0", ""},
		{"exponent", "1.5e3", "1500", ""},
		{"small", "1e-130", "0." + strings.Repeat("0", 129) + "1", ""},
		{"largest", "9.9999999999999999999999999999999999999e125", "99999999999999999999999999999999999999" + strings.Repeat("0", 88), ""},
		{"38 digits", "12345678901234567890123456789012345678", "12345678901234567890123456789012345678", ""},
		{"39 digits", "123456789012345678901234567890123456789", "", MsgNumberDigits},
		{"39 digits with trailing zeros is fine", "1234567890123456789012345678901234567800", "1234567890123456789012345678901234567800", ""},
		{"overflow", "1e126", "", MsgNumberOverflow},
		{"underflow", "1e-131", "", MsgNumberUnderflow},
		{"not numeric", "abc", "", MsgNumberNotNumeric},
		{"infinity", "Infinity", "", MsgNumberNotNumeric},
		{"nan", "NaN", "", MsgNumberNotNumeric},
		{"space", " 1", "", MsgNumberNotNumeric},
		{"two exponent signs", "1e+-1", "", MsgNumberNotNumeric},
		{"two exponent signs, huge", "1e+-99999999999", "", MsgNumberNotNumeric},
		{"two exponent signs, long", "1." + strings.Repeat("5", 70) + "E+-300", "", MsgNumberNotNumeric},
		{"huge negative exponent", "1e-99999999999", "", MsgNumberUnderflow},
		{"huge positive exponent", "1e+99999999999", "", MsgNumberOverflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := ParseNumber(tc.in)
			if tc.msg != "" {
				if !strings.HasPrefix(msg, tc.msg) {
					t.Fatalf("ParseNumber(%q) message %q, want %q", tc.in, msg, tc.msg)
				}
				return
			}
			if msg != "" || got != tc.want {
				t.Fatalf("ParseNumber(%q) = %q, %q; want %q", tc.in, got, msg, tc.want)
			}
		})
	}
}

func TestAddNumbers(t *testing.T) {
	if got, _ := AddNumbers("0.1", "0.2", false); got != "0.3" {
		t.Errorf("0.1+0.2 = %s", got)
	}
	if got, _ := AddNumbers("1", "3", true); got != "-2" {
		t.Errorf("1-3 = %s", got)
	}
	if _, msg := AddNumbers("99999999999999999999999999999999999999", "0.1", false); msg != MsgNumberOverflow {
		t.Errorf("39-digit sum message %q, want DynamoDB's overflow", msg)
	}
	if _, msg := AddNumbers("9e125", "9e125", false); msg != MsgNumberOverflow {
		t.Errorf("overflow message %q", msg)
	}
	// Too large and 39 digits long: the overflow is named, as DynamoDB does.
	big := "9.9999999999999999999999999999999999999E+125"
	for _, c := range []struct {
		a, b     string
		subtract bool
	}{{big, big, false}, {"-" + big, big, true}} {
		if _, msg := AddNumbers(c.a, c.b, c.subtract); msg != MsgNumberOverflow {
			t.Errorf("%s %v %s: message %q, want the overflow", c.a, c.subtract, c.b, msg)
		}
	}
}

func TestOrderedNumberEncoding(t *testing.T) {
	nums := []string{"-1e125", "-100", "-10", "-9.99", "-1.5", "-1", "-0.5", "-0.0001", "-1e-130", "0", "1e-130", "0.0001", "0.5", "1", "1.5", "9.99", "10", "100", "1e125"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		d := strings.Repeat("9", 1+r.IntN(37))
		if r.IntN(2) == 0 {
			d = "-" + d
		}
		c, msg := ParseNumber(d + "e" + string(rune('0'+r.IntN(10))))
		if msg == "" {
			nums = append(nums, c)
		}
	}
	for i := range nums {
		nums[i], _ = ParseNumber(nums[i])
	}
	byBytes := append([]string{}, nums...)
	sort.Slice(byBytes, func(i, j int) bool {
		return bytes.Compare(AppendOrdered(nil, NumValue(byBytes[i])), AppendOrdered(nil, NumValue(byBytes[j]))) < 0
	})
	byValue := append([]string{}, nums...)
	sort.SliceStable(byValue, func(i, j int) bool { return CompareNumbers(byValue[i], byValue[j]) < 0 })
	for i := range byBytes {
		if CompareNumbers(byBytes[i], byValue[i]) != 0 {
			t.Fatalf("position %d: encoding order %s, numeric order %s", i, byBytes[i], byValue[i])
		}
	}
}

func TestJSONRoundTripAndCodec(t *testing.T) {
	in := `{"s":{"S":"h\u00e9\"llo\n"},"n":{"N":"1.50"},"b":{"B":"AAEC"},"t":{"BOOL":true},"z":{"NULL":true},` +
		`"m":{"M":{"x":{"L":[{"N":"1"},{"SS":["a","b"]}]}}},"ns":{"NS":["1","2"]},"bs":{"BS":["AQ==","Ag=="]}}`
	var it Item
	if err := json.Unmarshal([]byte(in), &it); err != nil {
		t.Fatal(err)
	}
	if msg := InvalidItem(it); msg != "" {
		t.Fatal(msg)
	}
	if it["n"].Str != "1.5" {
		t.Errorf("number not canonical: %q", it["n"].Str)
	}
	out, _ := json.Marshal(it)
	var back Item
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decode %s: %v", out, err)
	}
	dec, err := DecodeItem(AppendItem(nil, it))
	if err != nil {
		t.Fatal(err)
	}
	for k := range it {
		if !Equal(it[k], back[k]) || !Equal(it[k], dec[k]) {
			t.Errorf("%s: json %v codec %v original %v", k, back[k], dec[k], it[k])
		}
	}
}

func TestInvalidValues(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", `{}`, "Supplied AttributeValue is empty"},
		{"two types", `{"S":"a","N":"1"}`, "Supplied AttributeValue has more than one datatypes set"},
		{"null false", `{"NULL":false}`, "Null attribute value types must have the value of true"},
		{"empty SS", `{"SS":[]}`, "An string set  may not be empty"},
		{"empty NS", `{"NS":[]}`, "An number set  may not be empty"},
		{"empty BS", `{"BS":[]}`, "Binary sets should not be empty"},
		{"null in SS", `{"SS":["a",null]}`, "One or more parameter values were invalid: An string set may not have a null string as a member"},
		{"null in NS", `{"NS":[null,"1"]}`, "One or more parameter values were invalid: An number set may not have a null number as a member"},
		{"null in BS", `{"BS":["QQ==",null]}`, "One or more parameter values were invalid: A binary set may not have a null binary as a member"},
		{"null in a nested SS", `{"M":{"k":{"SS":[null]}}}`, "An string set may not have a null string as a member"},
		{"duplicate SS", `{"SS":["a","a"]}`, "Input collection [a, a] contains duplicates."},
		{"duplicate NS", `{"NS":["1","1.0"]}`, "Input collection contains duplicates"},
		// Two spellings of one binary value: the lenient base64 reading
		// takes trailing bits and line breaks that name no other bytes.
		{"duplicate BS by trailing bits", `{"BS":["YQ==","YR=="]}`, "Input collection [YQ==, YR==]of type BS contains duplicates."},
		{"duplicate BS by a line break", `{"BS":["YQ==","YQ=\n="]}`, "of type BS contains duplicates."},
		{"bad number in list", `{"L":[{"N":"x"}]}`, MsgNumberNotNumeric},
		{"empty number", `{"N":""}`, MsgNumberNotNumeric},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v Value
			if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(v.Invalid(), tc.want) {
				t.Errorf("got %q, want %q", v.Invalid(), tc.want)
			}
		})
	}
}

func TestItemSize(t *testing.T) {
	it := Item{"pk": StrValue("abc"), "n": NumValue("12345"), "m": {Kind: M, Map: map[string]Value{"a": {Kind: BOOL}}}}
	// pk: 2+3; n: 1 + 1+ceil(5/2)=4; m: 1 + 3 + (1+1+1)
	if got := it.Size(); got != 5+5+7 {
		t.Errorf("size %d", got)
	}
}

// TestNumberSize: a number's size, as DynamoDB sized items of these numbers
// (public captures: the item one byte over 400 KB is refused).
func TestNumberSize(t *testing.T) {
	for n, want := range map[string]int{
		"1.5": 3, "1.2": 3, "1.200": 3, "1.234": 4, "3.14159": 5, "100.5": 4,
		"0": 1, "1": 2, "12": 2, "123": 3, "100": 2, "10000": 2, "0.1": 2, "0.01": 2, "0.001": 2,
		"-1": 3, "-1.5": 4, "1e125": 2, "12345678901234567890123456789012345678": 20,
	} {
		canon, msg := ParseNumber(n)
		if msg != "" {
			t.Fatalf("%s: %s", n, msg)
		}
		if got := NumValue(canon).Size(); got != want {
			t.Errorf("size of %s = %d, want %d", n, got, want)
		}
	}
}

// TestNumberRange: exponents past what a decimal holds, and a zero's
// exponent, are out of range in DynamoDB's words.
func TestNumberRange(t *testing.T) {
	for n, want := range map[string]string{
		"1e99999999999": MsgNumberOverflow, "-1e99999999999": MsgNumberOverflow, "1e2147483648": MsgNumberOverflow,
		"1e2147483647": MsgNumberOverflow, "1e-99999999999": MsgNumberUnderflow, "1e-2147483648": MsgNumberUnderflow,
		"0e126": MsgNumberOverflow, "0e-131": MsgNumberUnderflow,
		"1e": MsgNumberNotNumeric + ": 1e", "e5": MsgNumberNotNumeric + ": e5", "1x": MsgNumberNotNumeric + ": 1x",
	} {
		if _, msg := ParseNumber(n); msg != want {
			t.Errorf("%s: %q, want %q", n, msg, want)
		}
	}
	for _, n := range []string{"0e125", "0e-130", "0.000"} {
		if got, msg := ParseNumber(n); msg != "" || got != "0" {
			t.Errorf("%s: %q %q, want 0", n, got, msg)
		}
	}
}

func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`{"S":"a"}`, `{"N":"1e5"}`, `{"M":{"a":{"L":[{"NULL":true}]}}}`, `{"NS":["1","-0.5"]}`, `{"B":"AA=="}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Value
		if json.Unmarshal(b, &v) != nil || v.Invalid() != "" {
			return
		}
		it := Item{"x": v}
		dec, err := DecodeItem(AppendItem(nil, it))
		if err != nil || !Equal(dec["x"], v) {
			t.Fatalf("codec round trip of %s: %v %v", b, dec, err)
		}
		_ = v.AppendJSON(nil)
		_ = it.Size()
		DecodeItem(b)
	})
}

func TestAppendStoredJSON(t *testing.T) {
	in := `{"s":{"S":"x\"y"},"n":{"N":"-12.5"},"b":{"B":"AAEC"},"t":{"BOOL":false},"z":{"NULL":true},` +
		`"m":{"M":{"x":{"L":[{"N":"1"},{"SS":["a","b"]},{"BS":["AQ=="]},{"NS":["3"]}]}}}}`
	var it Item
	if err := json.Unmarshal([]byte(in), &it); err != nil {
		t.Fatal(err)
	}
	out, size, err := AppendStoredJSON(nil, AppendItem(nil, it))
	if err != nil {
		t.Fatal(err)
	}
	if size != it.Size() {
		t.Errorf("size %d, want %d", size, it.Size())
	}
	var back Item
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	for k := range it {
		if !Equal(it[k], back[k]) {
			t.Errorf("%s: %v, want %v", k, back[k], it[k])
		}
	}
}

// appendStringCases are strings AppendString must escape as encoding/json
// does; the long ones put each kind of byte in the middle of a word.
var appendStringCases = []string{
	"", "plain", `quote " and backslash \`, "tab\tnewline\ncr\r", "\x00\x01\x1f\x7f",
	"héllo wörld ✓ 𝄞", "bad \xff utf-8 \xe2\x82", "</script>&",
	"a long plain run of words, then a quote \" and more plain words after it",
	"a long plain run of words, then a backslash \\ and a control \x01 byte",
	"a long plain run of words, then non-ASCII é and an invalid \xc3( pair",
}

func TestAppendStringEscapesAsJSONDoes(t *testing.T) {
	for _, in := range appendStringCases {
		checkAppendString(t, in)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, in := range appendStringCases {
		f.Add(in)
	}
	f.Fuzz(checkAppendString)
}

func checkAppendString(t *testing.T, in string) {
	got := string(AppendString(nil, in))
	if !json.Valid([]byte(got)) {
		t.Fatalf("AppendString(%q) = %s, not valid JSON", in, got)
	}
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
	// encoding/json, like AWS, replaces each invalid byte.
	ref, _ := json.Marshal(in)
	var want string
	json.Unmarshal(ref, &want)
	if back != want {
		t.Fatalf("AppendString(%q) decodes to %q, want %q", in, back, want)
	}
	if fromBytes := string(AppendString(nil, []byte(in))); fromBytes != got {
		t.Fatalf("AppendString of bytes %q = %s, of the string %s", in, fromBytes, got)
	}
}

func TestNesting(t *testing.T) {
	wrap := func(v Value, n int, list bool) Value {
		for i := 0; i < n; i++ {
			if list {
				v = Value{Kind: L, List: []Value{v}}
			} else {
				v = Value{Kind: M, Map: map[string]Value{"a": v}}
			}
		}
		return v
	}
	s := Value{Kind: S, Str: "x"}
	for _, tc := range []struct {
		v    Value
		want int
	}{
		{s, 0},
		{Value{Kind: SS, Strs: []string{"a"}}, 0},
		{Value{Kind: M, Map: map[string]Value{}}, 1},
		{wrap(s, 1, false), 1},
		{wrap(wrap(s, 3, true), 2, false), 5},
		{wrap(s, MaxNesting, false), MaxNesting},
		{wrap(s, 1000, true), MaxNesting + 1},
	} {
		if got := tc.v.Nesting(); got != tc.want {
			t.Errorf("Nesting() = %d, want %d", got, tc.want)
		}
	}
	if TooDeep(Item{"a": wrap(s, MaxNesting, false)}) || !TooDeep(Item{"a": s, "b": wrap(s, MaxNesting+1, true)}) {
		t.Error("TooDeep")
	}
}

// StoredSize agrees with Size, for the whole item and for a projection.
func TestStoredSize(t *testing.T) {
	it := Item{
		"id":   StrValue("e1"),
		"n":    NumValue("12.5"),
		"m":    {Kind: M, Map: map[string]Value{"a": {Kind: L, List: []Value{StrValue("x"), {Kind: BOOL, Bool: true}}}}},
		"tags": {Kind: SS, Strs: []string{"a", "bc"}},
		"b":    {Kind: B, Bin: []byte{0, 1, 2}},
		"ns":   {Kind: NS, Strs: []string{"1", "-0.0025"}},
		"bs":   {Kind: BS, Bins: [][]byte{{1}, {2, 3}}},
		"null": {Kind: NULL},
	}
	stored := AppendItem(nil, it)
	for _, keep := range [][]string{nil, {"id"}, {"id", "m", "missing"}, {}} {
		want := 0
		for k, v := range it {
			if keep == nil || slices.Contains(keep, k) {
				want += len(k) + v.Size()
			}
		}
		if got, err := StoredSize(stored, keep); err != nil || got != want {
			t.Errorf("StoredSize(%v) = %d, %v; want %d", keep, got, err, want)
		}
	}
	if _, err := StoredSize(stored[:len(stored)-2], nil); err == nil {
		t.Error("a truncated item was sized without an error")
	}
}

// FuzzInvalidUTF8ReadsAsEncodingJSON: a string holding bytes that are not
// UTF-8 is read as encoding/json reads it (each such byte U+FFFD), so an
// item's key reads back as the text a client then sends.
func FuzzInvalidUTF8ReadsAsEncodingJSON(f *testing.F) {
	for _, s := range []string{"a\xff\xfeb", "\xe2\x82", "ok", "\xed\xa0\x80", `a\"\xff`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		body := []byte(`{"k":{"S":"` + strings.NewReplacer(`"`, ``, `\`, ``).Replace(s) + `"}}`)
		var want map[string]map[string]string
		if json.Unmarshal(body, &want) != nil {
			return
		}
		var got Item
		if json.Unmarshal(body, &got) != nil {
			return // refused for another reason (a control character)
		}
		if got["k"].Str != want["k"]["S"] {
			t.Fatalf("%q read as %q, encoding/json reads %q", s, got["k"].Str, want["k"]["S"])
		}
	})
}

// FuzzEscapesReadAsEncodingJSON: \u escapes, paired surrogates or not, read
// as encoding/json reads them: a lone half is U+FFFD and what follows it is
// kept.
func FuzzEscapesReadAsEncodingJSON(f *testing.F) {
	f.Add(uint16(0xd800), uint16(0x00e9), "x")
	f.Add(uint16(0xdc00), uint16(0xd83d), "\\ude00")
	f.Add(uint16(0xd83d), uint16(0xde00), "")
	f.Add(uint16(0xd800), uint16(0xd800), "\\udc00")
	f.Fuzz(func(t *testing.T, a, b uint16, rest string) {
		body := []byte(fmt.Sprintf(`{"k":{"S":"\u%04x\u%04x%s"}}`, a, b, rest))
		var want map[string]map[string]string
		if json.Unmarshal(body, &want) != nil {
			return
		}
		var got Item
		if json.Unmarshal(body, &got) != nil {
			return
		}
		if got["k"].Str != want["k"]["S"] {
			t.Fatalf("%s read as %q, encoding/json reads %q", body, got["k"].Str, want["k"]["S"])
		}
	})
}
