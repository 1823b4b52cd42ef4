package jsonscan

import "testing"

func TestEndOfValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // the value EndOfValue finds at the start of in
	}{
		{`"a\"b" ,`, `"a\"b"`},
		{`{"k":[1,{"x":"}"}]},1`, `{"k":[1,{"x":"}"}]}`},
		{`[1, [2, 3]] `, `[1, [2, 3]]`},
		{`-12.5e3,`, `-12.5e3`},
		{`true}`, `true`},
		{`null`, `null`},
	} {
		if got := c.in[:EndOfValue([]byte(c.in), 0)]; got != c.want {
			t.Errorf("EndOfValue(%q) ends at %q, want %q", c.in, got, c.want)
		}
	}
	if got := SkipSpace([]byte(" \t\r\n x"), 0); got != 5 {
		t.Errorf("SkipSpace = %d, want 5", got)
	}
}
