package attr

import (
	"strconv"
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
func ParseNumber(s string) (string, string) { return parseNumber(s, len(s) > shortNumber) }

// parseNumber is ParseNumber, reading the number once first when shorten.
func parseNumber(s string, shorten bool) (string, string) {
	t := s
	if t == "" || !isPlainNumeric(t) {
		return "", MsgNumberNotNumeric + ": " + s
	}
	if shorten {
		// A big-number parse is quadratic in the digits: a long number is
		// first read once, and judged or rewritten short.
		short, msg, ok := shortForm(t)
		if msg != "" {
			return "", msg
		}
		if ok {
			t = short
		}
	}
	var d apd.Decimal
	if _, _, err := d.SetString(t); err != nil || d.Form != apd.Finite {
		if msg := hugeExponent(t); msg != "" {
			return "", msg
		}
		return "", MsgNumberNotNumeric + ": " + s
	}
	return canonical(&d)
}

// hugeExponent names the overflow or underflow of a well-formed number
// whose exponent is past what a decimal can hold (1e99999999999): DynamoDB
// reads such a number and finds it out of range, by the exponent's sign.
func hugeExponent(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return ""
	}
	var m apd.Decimal
	if _, _, err := m.SetString(s[:i]); err != nil || m.Form != apd.Finite {
		return ""
	}
	// One sign at most: 1e+-1 is not a number.
	digits, neg := s[i+1:], false
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits, neg = digits[1:], digits[0] == '-'
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return ""
	}
	if neg {
		return MsgNumberUnderflow
	}
	return MsgNumberOverflow
}

// shortNumber is the length past which ParseNumber reads a number once
// before parsing it.
const shortNumber = 64

// apdExponentLimit is apd's bound on an exponent and on a number's
// adjusted exponent (apd.MaxExponent): past it, its parse fails.
const apdExponentLimit = apd.MaxExponent

// shortForm reads a number in one pass, as apd reads it, and returns the
// same value written short (at most 38 digits and an exponent), or the
// answer ParseNumber gives without parsing digits: DynamoDB's message for
// more than 38 significant digits, or the refusal of a number apd cannot
// hold (then done, with canon and msg). ok is false for text apd would not
// read as a number, left to the parse to refuse.
func shortForm(s string) (short, msg string, ok bool) {
	mantissa, expText, hasExp := s, "", false
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa, expText, hasExp = s[:i], s[i+1:], true
	}
	sign := ""
	m := mantissa
	if m != "" && (m[0] == '-' || m[0] == '+') {
		if m[0] == '-' {
			sign = "-"
		}
		m = m[1:]
	}
	whole, frac, hasDot := m, "", false
	if i := strings.IndexByte(m, '.'); i >= 0 {
		whole, frac, hasDot = m[:i], m[i+1:], true
	}
	if whole+frac == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return "", "", false
	}
	// apd's parse: the written exponent as an int32, each exponent and the
	// adjusted one within its limit; past them, hugeExponent's answer.
	fits := func(total, digits int64) bool {
		adj := total + digits - 1
		return adj >= -apdExponentLimit && adj <= apdExponentLimit
	}
	digits := strings.TrimLeft(whole+frac, "0")
	nd := int64(max(len(digits), 1))
	fracExp := int64(0)
	if hasDot {
		fracExp = -int64(len(frac))
	}
	mantissaOK := fracExp >= -apdExponentLimit && fits(fracExp, nd)
	written := int64(0)
	if hasExp {
		e, err := strconv.ParseInt(expText, 10, 32)
		if err != nil {
			return "", "", false // the parse refuses it (or hugeExponent names it)
		}
		written = e
	}
	total := fracExp + written
	if written > apdExponentLimit || written < -apdExponentLimit || !mantissaOK || !fits(total, nd) {
		if !hasExp || !mantissaOK {
			return "", MsgNumberNotNumeric + ": " + s, false
		}
		if strings.HasPrefix(expText, "-") {
			return "", MsgNumberUnderflow, false
		}
		return "", MsgNumberOverflow, false
	}
	if digits == "" { // a zero keeps its exponent
		return sign + "0e" + strconv.FormatInt(total, 10), "", true
	}
	trimmed := strings.TrimRight(digits, "0")
	if len(trimmed) > maxDigits {
		return "", MsgNumberDigits, false
	}
	return sign + trimmed + "e" + strconv.FormatInt(total+int64(len(digits)-len(trimmed)), 10), "", true
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
		// A zero's written exponent is held to the same range (0e126 is
		// an overflow, as DynamoDB answers).
		switch {
		case int64(d.Exponent) > maxExponent:
			return "", MsgNumberOverflow
		case int64(d.Exponent) < minExponent:
			return "", MsgNumberUnderflow
		}
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
	// So is one only too long (1e50 + 1): DynamoDB words any inexact
	// arithmetic result as an overflow, where a number written with more
	// than 38 digits is refused for its digits.
	s, msg := canonical(&r)
	if msg == MsgNumberDigits {
		msg = MsgNumberOverflow
	}
	return s, msg
}

// numberSize is the storage size DynamoDB counts for a number: one byte
// for each base-100 digit, the digits aligned on the decimal point (1.5 is
// 01.50, two bytes), from the first one not zero to the last, plus one,
// plus one when negative. It reads the canonical text directly (this runs
// for every item read).
func numberSize[T string | []byte](s T) int {
	neg := len(s) > 0 && s[0] == '-'
	dot := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	// A digit's place is its power of ten; its base-100 digit is place>>1,
	// which floors for the fraction's negative places too.
	high, low, found := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '1' || c > '9' {
			continue
		}
		place := dot - 1 - i
		if i > dot {
			place = dot - i
		}
		if !found {
			high, found = place, true
		}
		low = place
	}
	if !found {
		return 1
	}
	pairs := (high >> 1) - (low >> 1) + 1
	size := 1 + pairs
	if neg {
		size++
	}
	return size
}
