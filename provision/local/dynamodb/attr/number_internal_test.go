package attr

import (
	"strings"
	"testing"
)

// FuzzShortFormAgreesWithTheParse: reading a number once and parsing it
// short gives the answer the full parse gives, for every text.
func FuzzShortFormAgreesWithTheParse(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "5.", ".5", "1e126", "0e-131", "+12", "1.2.3", "1e", "00001000e-3", "-1E+2", "e5", ".",
		"0E20000000000000000+", "100000000000000000000000000000000000001E100000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 200 {
			return
		}
		c1, m1 := parseNumber(s, false)
		c2, m2 := parseNumber(s, true)
		if c1 != c2 || m1 != m2 {
			t.Fatalf("%q: parsed %q %q; read once first %q %q", s, c1, m1, c2, m2)
		}
	})
}

// Millions of digits are judged at once, as the full parse judges them
// (a fraction longer than the decimal library's exponent range is not a
// number to it).
func TestLongNumbersAreReadOnce(t *testing.T) {
	for s, want := range map[string]string{
		"1" + strings.Repeat("0", 10_000_000):        MsgNumberNotNumeric,
		strings.Repeat("7", 10_000_000):              MsgNumberNotNumeric,
		strings.Repeat("7", 50):                      MsgNumberDigits,
		"1" + strings.Repeat("0", 200):               MsgNumberOverflow,
		"0." + strings.Repeat("0", 10_000_000) + "1": MsgNumberNotNumeric,
		"1." + strings.Repeat("0", 10_000_000):       MsgNumberNotNumeric,
		"1" + strings.Repeat("0", 100) + "e-100":     "",
	} {
		c, msg := ParseNumber(s)
		if !strings.HasPrefix(msg, want) || (want == "" && (msg != "" || c != "1")) {
			t.Errorf("ParseNumber(%.20s…) = %.40q, %.60q; want %.60q", s, c, msg, want)
		}
	}
}
