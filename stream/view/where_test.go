package view

import (
	"errors"
	"strings"
	"testing"
)

func TestWhere(t *testing.T) {
	ev := mustJSON(t, `{"status":503,"bytes":"12","method":"GET","path":"/a/b","ok":false,"r":{"ms":0.250},"big":123456789012345678901234567890,"q":"it's","huge":1e400,"neghuge":-1E+400,"tiny":1e-200,"long":1234567890123456789012345678901234567890123456789}`)
	tests := []struct {
		where string
		want  bool
	}{
		{"", true},
		{"status = 503", true},
		{"status == 503", true},
		{"status = 503.0", true},
		{"status = 5.03e2", true},
		{"status != 503", false},
		{"status >= 500", true},
		{"status > 503", false},
		{"status < 504", true},
		{"status <= 502", false},
		{"r.ms = 0.25", true},
		{"r.ms < 0.2500000000000000000001", true},
		{"big > 123456789012345678901234567889", true},
		{"big = 123456789012345678901234567890.0", true},
		// An event's number past what DynamoDB stores still compares by
		// its value: a filter stores nothing.
		{"huge > 1e125", true},
		{"huge != 1", true},
		{"huge <= 1e125", false},
		{"neghuge < -1e125", true},
		{"tiny > 0", true},
		{"tiny = 0", false},
		{"tiny < 1e-129", true},
		{"long > 1.234567890123456789012345678901234567e48", true},
		{"long < 1.234567890123456789012345678901234568e48", true},
		{"long != 1.234567890123456789012345678901234567e48", true},
		{"method = 'GET'", true},
		{`method = "GET"`, true},
		{"method < 'POST'", true},
		{"path >= '/a'", true},
		{`q = 'it\'s'`, true},
		{`q = "it's"`, true},
		{"ok = false", true},
		{"ok != true", true},
		{"OK = false", false}, // field names are case-sensitive
		// a missing field or a type mismatch is false, whatever the operator
		{"missing = 1", false},
		{"missing != 1", false},
		{"not missing = 1", true},
		{"bytes = 12", false},
		{"bytes != 12", false},
		{"bytes = '12'", true},
		{"status = '503'", false},
		{"ok = 'false'", false},
		{"r = 1", false},
		// logic
		{"status >= 500 and method = 'GET'", true},
		{"status >= 500 AND method = 'POST'", false},
		{"status < 500 or method = 'GET'", true},
		{"status < 500 or method = 'POST' and ok = false", false},
		{"(status < 500 or method = 'GET') and ok = false", true},
		{"status < 500 or method = 'GET' and ok = true", false},
		{"not status < 500", true},
		{"not not status < 500", false},
		{"not (status < 500 or ok = true)", true},
		{"((status = 503))", true},
	}
	for _, tt := range tests {
		f, err := ParseWhere(tt.where)
		if err != nil {
			t.Errorf("%q: %v", tt.where, err)
			continue
		}
		if got := f.Match(ev); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.where, got, tt.want)
		}
		if f.String() != tt.where {
			t.Errorf("String() = %q", f.String())
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(ev) {
		t.Error("nil filter rejects")
	}
}

func TestWhereErrors(t *testing.T) {
	tests := []struct {
		where string
		want  string
	}{
		{"status >=", `where: column 10: expected a value after ">=", such as 500, 'GET' or true, found end of filter`},
		{"status", `where: column 7: expected an operator (= != < <= > >=) after "status", found end of filter`},
		{"status 500", `where: column 8: expected an operator (= != < <= > >=) after "status", found "500"`},
		{"method = GET", `where: column 10: expected a value after "=", found "GET": quote strings, as in method = 'GET'`},
		{"500 = status", `where: column 1: expected a field name, found "500": put the field on the left, as in status >= 500`},
		{"status = 'x", `where: column 10: string starting here has no closing '`},
		{"(status = 1", `where: column 12: expected ) to close the ( at column 1, found end of filter`},
		{"status = 1)", `where: column 11: unexpected ")": join comparisons with and/or`},
		{"status = 1 status = 2", `where: column 12: unexpected "status": join comparisons with and/or`},
		{"status = 1 and", `where: column 15: expected a comparison such as status >= 500, found the end of the filter`},
		{"ok < true", `where: column 4: booleans compare only with = and !=, not <`},
		{"a ! b", `where: column 3: "!" alone is not an operator: use != or not`},
		{"a = 1 # x", `where: column 7: unexpected character '#'`},
		{"a = 12abc", `where: column 5: "12abc" is not a number`},
		{"a = 1e999", `where: column 5: number 1e999: is outside DynamoDB's range of 1e-130 to 1e126`},
		{"a..b = 1", `where: column 1: field "a..b" has an empty name between dots`},
		{"and = 1", `where: column 1: expected a field name, found "and"`},
		{"a = ", `where: column 5: expected a value after "=", such as 500, 'GET' or true, found end of filter`},
		{"a = (", `where: column 5: expected a value after "=", such as 500, 'GET' or true, found "("`},
		{strings.Repeat("(", 101) + "a = 1" + strings.Repeat(")", 101), `where: column 101: parentheses nested deeper than 100: write the filter with fewer`},
		// An unknown escape was dropped without a word ('C:\temp' matched C:temp).
		// Columns count characters, not bytes: "é" and "日" are one each.
		{"ville = 'Orléans' 日", `where: column 19: unexpected "日": join comparisons with and/or`},
		{"(città = 1", `where: column 11: expected ) to close the ( at column 1, found end of filter`},
		{"città = 1 (", `where: column 11: unexpected "(": join comparisons with and/or`},
		{`path = 'C:\temp'`, `where: column 11: \t is not an escape: write \\ for a backslash (\' and \" are the others)`},
	}
	for _, tt := range tests {
		_, err := ParseWhere(tt.where)
		var we *WhereError
		if !errors.As(err, &we) {
			t.Errorf("%q: err %v, want a *WhereError", tt.where, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.where, err, tt.want)
		}
	}
}

func FuzzWhere(f *testing.F) {
	for _, s := range []string{"status >= 500 and not (method = 'GET' or p = \"x\")", "a = 1e5", "(((", "a = 'x\\", "not not a != true"} {
		f.Add(s)
	}
	ev := Fields{"a": IntValue(1), "status": IntValue(500), "method": StringValue("GET")}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseWhere(s)
		if err != nil {
			var we *WhereError
			if !errors.As(err, &we) || we.Pos < 0 || we.Pos > len(s) {
				t.Fatalf("%q: bad error %v", s, err)
			}
			return
		}
		flt.Match(ev)
	})
}

// TestWhereNestingBound: a hundred nested parentheses are fine; the bound
// is past them.
func TestWhereNestingBound(t *testing.T) {
	if _, err := ParseWhere(strings.Repeat("(", 100) + "a = 1" + strings.Repeat(")", 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseWhere(strings.Repeat("(a = 1) and ", 500) + "(b = 2)"); err != nil {
		t.Fatalf("many parentheses side by side: %v", err)
	}
	// A long run of nots is read in a loop: ten million ran out of stack.
	w, err := ParseWhere(strings.Repeat("not ", 1_000_001) + "a = 1")
	if err != nil {
		t.Fatal(err)
	}
	ev := mustJSON(t, `{"a":1}`)
	if w.Match(ev) {
		t.Fatal("an odd run of nots did not negate")
	}
}
