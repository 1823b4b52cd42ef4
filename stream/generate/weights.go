package generate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Weighted is a list of values with relative weights, e.g. parsed from
// "Red=5,Green=1". A value without a weight has weight 1.
type Weighted struct {
	Values  []string
	weights []float64
	total   float64
}

// ParseWeights parses a comma-separated list of NAME or NAME=WEIGHT, as taken
// by --types. Weights are non-negative numbers; at least one must be positive.
func ParseWeights(s string) (Weighted, error) {
	if strings.TrimSpace(s) == "" {
		return Weighted{}, fmt.Errorf("invalid types %q: empty list: give names like Red,Green or weights like Red=5,Green=1", s)
	}
	return newWeighted(strings.Split(s, ","), true)
}

// newWeighted builds a Weighted from items "value" or "value=weight". When
// strict is false (template arguments), an item whose text after the last "="
// is not a number is taken whole as a value, so values may contain "=".
func newWeighted(items []string, strict bool) (Weighted, error) {
	var w Weighted
	for _, item := range items {
		value, weight := item, 1.0
		if strict {
			value = strings.TrimSpace(item)
		}
		if i := strings.LastIndexByte(value, '='); i >= 0 {
			f, err := strconv.ParseFloat(strings.TrimSpace(value[i+1:]), 64)
			switch {
			case err == nil && f >= 0 && !math.IsInf(f, 1):
				value, weight = strings.TrimSpace(value[:i]), f
			case strict:
				return Weighted{}, fmt.Errorf("invalid weight in %q: use NAME=WEIGHT with a non-negative number, e.g. Red=5", item)
			}
		}
		if value == "" && strict {
			return Weighted{}, fmt.Errorf("invalid item %q: empty name: use NAME or NAME=WEIGHT, e.g. Red=5", item)
		}
		w.Values = append(w.Values, value)
		w.weights = append(w.weights, weight)
		w.total += weight
	}
	if len(w.Values) == 0 {
		return Weighted{}, fmt.Errorf("no values to choose from: give at least one")
	}
	if w.total <= 0 {
		return Weighted{}, fmt.Errorf("all weights are zero in %q: give at least one a positive weight", strings.Join(items, ","))
	}
	if math.IsInf(w.total, 1) {
		// Every draw would land on the last value.
		return Weighted{}, fmt.Errorf("the weights in %q add up beyond the largest number: give smaller ones; only their ratios count", strings.Join(items, ","))
	}
	return w, nil
}

// Pick draws one value according to the weights.
func (w Weighted) Pick(rng *rand.Rand) string {
	x := rng.Float64() * w.total
	for i, wt := range w.weights {
		if x < wt {
			return w.Values[i]
		}
		x -= wt
	}
	// Rounding left x at the very top: the last value with a weight.
	for i := len(w.weights) - 1; i >= 0; i-- {
		if w.weights[i] > 0 {
			return w.Values[i]
		}
	}
	return w.Values[len(w.Values)-1]
}

// String renders the list as ParseWeights reads it.
func (w Weighted) String() string {
	parts := make([]string, len(w.Values))
	for i, v := range w.Values {
		parts[i] = v + "=" + strconv.FormatFloat(w.weights[i], 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}
