package attr

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// DynamoDB numbers: up to 38 significant digits, magnitudes from 1E-130 to
// 9.9999999999999999999999999999999999999E+125.
const (
	maxDigits   = 38
	maxExponent = 125  // largest adjusted exponent
	minExponent = -130 // smallest adjusted exponent
)

// Messages DynamoDB gives for numbers it cannot store.
const (
	MsgNumberNotNumeric = "The parameter cannot be converted to a numeric value"
	MsgNumberOverflow   = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	MsgNumberUnderflow  = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	MsgNumberDigits     = "Attempting to store more than 38 significant digits in a Number"
)

// arith has room for any sum of two storable numbers; results are checked
// against DynamoDB's limits afterwards.
var arith = apd.Context{Precision: 300, MaxExponent: 1000, MinExponent: -1000, Traps: apd.DefaultTraps}

// ParseNumber validates s as a DynamoDB number and returns its canonical
// text (no exponent, no trailing zeros), or a DynamoDB message.
func ParseNumber(s string) (string, string) {
	t := s
	if t == "" || !isPlainNumeric(t) {
		return "", MsgNumberNotNumeric + ": " + s
	}
	var d apd.Decimal
	if _, _, err := d.SetString(t); err != nil || d.Form != apd.Finite {
		return "", MsgNumberNotNumeric + ": " + s
	}
	return canonical(&d)
}

func isPlainNumeric(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789.eE+-", c) {
			return false
		}
	}
	return true
}

// canonical checks d against DynamoDB's limits and formats it.
func canonical(d *apd.Decimal) (string, string) {
	if d.IsZero() {
		return "0", ""
	}
	var r apd.Decimal
	r.Reduce(d)
	digits := r.NumDigits()
	if digits > maxDigits {
		return "", MsgNumberDigits
	}
	adjusted := int64(r.Exponent) + digits - 1
	if adjusted > maxExponent {
		return "", MsgNumberOverflow
	}
	if adjusted < minExponent {
		return "", MsgNumberUnderflow
	}
	return r.Text('f'), ""
}

func decimal(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return apd.New(0, 0)
	}
	return d
}

// CompareNumbers compares two canonical numbers numerically.
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	return decimal(a).Cmp(decimal(b))
}

// AddNumbers returns a+b (or a-b when subtract) as canonical text, or a
// DynamoDB message when the result cannot be stored.
func AddNumbers(a, b string, subtract bool) (string, string) {
	var r apd.Decimal
	var err error
	if subtract {
		_, err = arith.Sub(&r, decimal(a), decimal(b))
	} else {
		_, err = arith.Add(&r, decimal(a), decimal(b))
	}
	if err != nil {
		return "", MsgNumberOverflow
	}
	// A result both too large and too long is an overflow: DynamoDB
	// checks an arithmetic result's magnitude before its digits.
	if !r.IsZero() {
		var red apd.Decimal
		red.Reduce(&r)
		if int64(red.Exponent)+red.NumDigits()-1 > maxExponent {
			return "", MsgNumberOverflow
		}
	}
	return canonical(&r)
}

// numberSize is the storage size DynamoDB counts for a number: about one
// byte per two significant digits, plus one, plus one when negative. It
// reads the canonical text directly (this runs for every item read).
func numberSize[T string | []byte](s T) int {
	neg := len(s) > 0 && s[0] == '-'
	first, last := -1, -1
	digits := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '1' && c <= '9' {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 1
	}
	for i := first; i <= last; i++ {
		if s[i] != '.' {
			digits++
		}
	}
	size := 1 + (digits+1)/2
	if neg {
		size++
	}
	return size
}
