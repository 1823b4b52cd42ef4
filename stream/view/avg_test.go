package view

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/cockroachdb/apd/v3"
)

// meanString is a mean as the tests compare it: its plain text, with "~"
// before it when it was rounded.
func meanString(m *Mean, ok bool) string {
	if !ok {
		return "none"
	}
	if m.Exact {
		return m.Text('f')
	}
	return "~" + m.Text('f')
}

func TestAvgPrecision(t *testing.T) {
	nines := strings.Repeat("9", 38)
	threes := func(n int) string { return strings.Repeat("3", n) }
	zeros := func(n int) string { return strings.Repeat("0", n) }
	for _, c := range []struct {
		name         string
		values       []string
		avg, avgTwo  string // Avg, AvgPlaces(2)
		refusedAfter string // a value Observe must refuse after the others
	}{
		{"one value of 38 digits", []string{nines}, nines, nines + ".00", ""},
		{"38 digits and 1", []string{"12345678901234567890123456789012345678", "1"},
			"6172839450617283945061728394506172839.5", "6172839450617283945061728394506172839.50", ""},
		{"a third", []string{"0", "0", "1"}, "~0." + threes(40), "~0.33", ""},
		{"minus a third", []string{"0", "0", "-1"}, "~-0." + threes(40), "~-0.33", ""},
		// A sum past 38 digits before the point: every digit of the mean
		// before the point is kept, none rounded into zeros.
		{"1E+125 in three", []string{"1E+125", "0", "0"}, "~" + threes(125) + ".333", "~" + threes(125) + ".33", ""},
		{"1E+125 alone", []string{"1E+125"}, "1" + zeros(125), "1" + zeros(125) + ".00", "1"},
		{"1E-130 and 3E-130", []string{"1E-130", "3E-130"}, "0." + zeros(129) + "2", "~0.00", ""},
		{"1E-130 in three", []string{"1E-130", "0", "0"}, "~0." + zeros(130) + threes(40), "~0.00", ""},
		{"a half, rounded up", []string{"1", "1.25"}, "1.125", "~1.13", ""},
		{"minus a half, rounded away from zero", []string{"-1", "-1.25"}, "-1.125", "~-1.13", ""},
		{"just under a half", []string{"0.0049"}, "0.0049", "~0.00", ""},
		{"just under a half, past the first digit", []string{"1.00499999"}, "1.00499999", "~1.00", ""},
		// 2.999 to two decimals is 3.00, rounded: never a bare 3.
		{"rounded up to a whole number", []string{"3", "3", "2.997"}, "2.999", "~3.00", ""},
		// 1000000000000000000000000000000000000.4545…: Avg's 40 digits
		// end .455; rounding those again would give .46.
		{"rounded once", []string{"11" + zeros(36), "5", "0", "0", "0", "0", "0", "0", "0", "0", "0"},
			"~1" + zeros(36) + ".455", "~1" + zeros(36) + ".45", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := metricsView(t, "avg:n").NewAcc()
			for _, v := range c.values {
				observe(t, a, `{"n":`+v+`}`)
			}
			if c.refusedAfter != "" {
				var me *MetricError
				if err := a.Observe(mustJSON(t, `{"n":`+c.refusedAfter+`}`)); !errors.As(err, &me) {
					t.Fatalf("%s after %v: %v, want it refused (a sum DynamoDB cannot store)", c.refusedAfter, c.values, err)
				}
			}
			if got := meanString(a.Avg(0)); got != c.avg {
				t.Errorf("Avg %s\nwant %s", got, c.avg)
			}
			if got := meanString(a.AvgPlaces(0, 2)); got != c.avgTwo {
				t.Errorf("AvgPlaces %s\nwant %s", got, c.avgTwo)
			}
		})
	}
}

// TestAvgAgainstFractions checks Avg and AvgPlaces against exact fractions
// over sums across DynamoDB's range and counts of every size: a rounded
// mean keeps every digit before the point and is never a whole number, and
// both are rounded once, half away from zero.
func TestAvgAgainstFractions(t *testing.T) {
	v := metricsView(t, "avg:n")
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 6000 {
		sum, n := randomSum(rnd), randomCount(rnd)
		if i%3 == 0 {
			sum, n = nearTie(rnd)
		}
		a, err := v.DecodeItem(map[string]types.AttributeValue{
			"n_avg_sum":   &types.AttributeValueMemberN{Value: sum.String()},
			"n_avg_count": &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)},
		})
		if err != nil {
			t.Fatal(err)
		}
		exact := new(big.Rat).Quo(ratOf(sum), new(big.Rat).SetInt64(n))
		m, _ := a.Avg(0)
		got := ratOf(&m.Decimal)
		if m.Exact != (got.Cmp(exact) == 0) {
			t.Fatalf("%s / %d: Avg %s, exact %v; the mean is %s", sum, n, m.Text('f'), m.Exact, exact.FloatString(50))
		}
		if !m.Exact {
			if got.IsInt() || truncRat(got).Cmp(truncRat(exact)) != 0 {
				t.Fatalf("%s / %d: Avg %s rounds into the digits before the point of %s", sum, n, m.Text('f'), exact.FloatString(50))
			}
			if d := m.NumDigits(); d != int64(avgPrecision(sum)) {
				t.Fatalf("%s / %d: Avg %s has %d digits, want %d", sum, n, m.Text('f'), d, avgPrecision(sum))
			}
		}
		two, _ := a.AvgPlaces(0, 2)
		want := roundHalfUp(exact, 2)
		if ratOf(&two.Decimal).Cmp(want) != 0 || two.Exponent != -2 || two.Exact != (want.Cmp(exact) == 0) {
			t.Fatalf("%s / %d: AvgPlaces %s (exact %v), want %s; the mean is %s", sum, n, two.Text('f'), two.Exact, want.FloatString(2), exact.FloatString(50))
		}
	}
}

// randomSum is a number DynamoDB stores: up to 38 digits, with its most
// significant digit from 1E-130 to 1E+125.
func randomSum(rnd *rand.Rand) *apd.Decimal {
	digits := 1 + rnd.IntN(38)
	var b strings.Builder
	b.WriteByte(byte('1' + rnd.IntN(9)))
	for range digits - 1 {
		b.WriteByte(byte('0' + rnd.IntN(10)))
	}
	coeff, _ := new(big.Int).SetString(b.String(), 10)
	var adj int
	switch rnd.IntN(3) {
	case 0:
		adj = -130 + rnd.IntN(256)
	case 1:
		adj = rnd.IntN(40) - 2 // the common case: a few digits either side of the point
	default:
		adj = rnd.IntN(6) - 5 // about a table's two decimals
	}
	d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(coeff), int32(adj-digits+1))
	d.Negative = rnd.IntN(4) == 0
	return d
}

// nearTie is a sum and count whose mean is at, or a hair either side of, a
// half of a table's last decimal (x.xx5), where rounding goes wrong first.
func nearTie(rnd *rand.Rand) (*apd.Decimal, int64) {
	n := 1 + rnd.Int64N(1000)
	var sum apd.Decimal
	tie := apd.New(rnd.Int64N(1e9)*10+5, -3)
	apd.BaseContext.Mul(&sum, tie, apd.New(n, 0))
	hair := apd.New(rnd.Int64N(3)-1, -int32(15+rnd.IntN(10)))
	apd.BaseContext.Add(&sum, &sum, hair)
	if rnd.IntN(2) == 0 {
		sum.Neg(&sum)
	}
	return &sum, n
}

// randomCount is a count of 1 to 19 digits, often a small one.
func randomCount(rnd *rand.Rand) int64 {
	if rnd.IntN(2) == 0 {
		return 1 + rnd.Int64N(1000)
	}
	n := 1 + rnd.Int64N(9)
	for range rnd.IntN(18) {
		n = n*10 + rnd.Int64N(10)
	}
	return n
}

func ratOf(d *apd.Decimal) *big.Rat {
	r, ok := new(big.Rat).SetString(d.Text('f'))
	if !ok {
		panic(d.String())
	}
	return r
}

// truncRat is r without its fraction, toward zero.
func truncRat(r *big.Rat) *big.Int {
	return new(big.Int).Quo(r.Num(), r.Denom())
}

// roundHalfUp is r rounded to places decimals, halves away from zero.
func roundHalfUp(r *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	q, rem := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(x.Num().Sign())))
	}
	return new(big.Rat).SetFrac(q, scale)
}
