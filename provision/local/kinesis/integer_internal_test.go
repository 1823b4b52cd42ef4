package kinesis

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

// referenceInteger is kinesisInteger by big-number arithmetic, for inputs
// small enough to parse that way.
func referenceInteger(s string) (int64, bool) {
	f, ok := new(big.Float).SetPrec(4096).SetString(s)
	if !ok {
		return 0, false
	}
	n, _ := f.Int(nil)
	if f.Sign() < 0 && !f.IsInt() {
		n.Sub(n, big.NewInt(1))
	}
	if n.Cmp(big.NewInt(math.MaxInt32)) > 0 {
		return math.MaxInt32, true
	}
	if !n.IsInt64() {
		return math.MinInt64, true
	}
	return n.Int64(), true
}

func TestKinesisIntegerMatchesBigArithmetic(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "-1", "0.5", "-0.5", "1.5", "-1.5", "2147483647", "2147483648", "-2147483649",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"1e3", "1E+3", "-1e-3", "12.5e1", "-12.5e1", "-12.51e1", "0.0001e4", "-0.0001e3", "1.5e400", "-1.5e400",
		"0e999", "-0.000e5", "100e-2", "-100e-2", "-101e-2", "00012", "3.000", "-3.000", "1e18", "-1e18", "1e19", "-1e19",
	} {
		got, ok := kinesisInteger(s)
		want, wok := referenceInteger(s)
		if ok != wok || got != want {
			t.Errorf("kinesisInteger(%s) = %d, %v; want %d, %v", s, got, ok, want, wok)
		}
	}
}

func FuzzKinesisInteger(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "1e30", "-9223372036854775809", "12.5e-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 60 || strings.ContainsAny(s, "_xXpPiInN") {
			return // big.Float reads forms JSON has not; and keeps the reference fast
		}
		got, ok := kinesisInteger(s)
		want, wok := referenceInteger(s)
		if ok && (!wok || got != want) {
			t.Fatalf("kinesisInteger(%q) = %d; the reference says %d, %v", s, got, want, wok)
		}
	})
}

// Millions of digits, and exponents big.Float cannot hold, are read at once.
func TestKinesisIntegerOfHugeNumbers(t *testing.T) {
	for s, want := range map[string]int64{
		"1" + strings.Repeat("0", 10_000_000):         math.MaxInt32,
		"-1" + strings.Repeat("0", 10_000_000):        math.MinInt64,
		"0." + strings.Repeat("0", 10_000_000) + "1":  0,
		"-0." + strings.Repeat("0", 10_000_000) + "1": -1,
		"1e999999999": math.MaxInt32, "-1e999999999": math.MinInt64, "1e-999999999": 0,
	} {
		if got, ok := kinesisInteger(s); !ok || got != want {
			t.Errorf("kinesisInteger(%.20s…) = %d, %v; want %d", s, got, ok, want)
		}
	}
}
