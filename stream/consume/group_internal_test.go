package consume

import (
	"testing"

	"github.com/spk-cli/spk/stream/view"
)

// TestFastPathGroupsAsViewsDo: a group value that is not a string is the
// same text on the fast path as in a view, numbers past DynamoDB's range
// included (both spellings of 1e400 are one group), where the fast path
// refused those and views grouped each spelling apart.
func TestFastPathGroupsAsViewsDo(t *testing.T) {
	for _, raw := range []string{"200", "2e2", "200.0", "-0", "1e400", "1E400", "1e-131", "1.0E-131", "true", "false"} {
		ev, err := view.DecodeJSON([]byte(`{"g":` + raw + `}`))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := ev.Get(view.Path{"g"})
		fast, ok := otherGroup([]byte(raw))
		if !ok || fast != v.Canonical() {
			t.Errorf("%s: fast path %q (%v), views %q", raw, fast, ok, v.Canonical())
		}
	}
	for _, pair := range [][2]string{{"1e400", "1E400"}, {"1e-131", "1.0E-131"}, {"200", "2e2"}} {
		a, _ := otherGroup([]byte(pair[0]))
		b, _ := otherGroup([]byte(pair[1]))
		if a != b {
			t.Errorf("%s and %s are groups %q and %q, want one", pair[0], pair[1], a, b)
		}
	}
	if got, _ := otherGroup([]byte("1e400")); got != "1E+400" {
		t.Errorf("1e400 groups as %q, want 1E+400", got)
	}
	for _, raw := range []string{"null", "{}", "[1]"} {
		if g, ok := otherGroup([]byte(raw)); ok {
			t.Errorf("%s groups as %q; want no group", raw, g)
		}
	}
}
