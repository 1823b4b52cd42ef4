// Package attr is DynamoDB's data model: attribute values of every type,
// their JSON wire form, exact decimal numbers, ordering, equality and the
// item size DynamoDB charges and limits.
package attr

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
)

// Kind is the type of an attribute value, named as on the wire.
type Kind uint8

// The attribute value types.
const (
	Invalid Kind = iota
	S
	N
	B
	BOOL
	NULL
	M
	L
	SS
	NS
	BS
)

var kindNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// KindFromName returns the Kind for a wire name ("S", "NS", ...).
func KindFromName(name string) (Kind, bool) {
	for i, n := range kindNames {
		if i > 0 && n == name {
			return Kind(i), true
		}
	}
	return Invalid, false
}

// Value is one attribute value. Numbers keep their canonical decimal text in
// Str (N) or Strs (NS); strings likewise.
type Value struct {
	Kind Kind
	Str  string           // S, N
	Bin  []byte           // B
	Bool bool             // BOOL
	Map  map[string]Value // M
	List []Value          // L
	Strs []string         // SS, NS
	Bins [][]byte         // BS

	bad string // set when decoded from an invalid wire value
}

// Item is a DynamoDB item: attribute names to values.
type Item map[string]Value

// Str returns an S value.
func StrValue(s string) Value { return Value{Kind: S, Str: s} }

// NumValue returns an N value from canonical decimal text.
func NumValue(s string) Value { return Value{Kind: N, Str: s} }

// Equal reports whether two values are the same type and value; sets are
// compared without regard to order and numbers numerically.
func Equal(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case S:
		return a.Str == b.Str
	case N:
		return CompareNumbers(a.Str, b.Str) == 0
	case B:
		return bytes.Equal(a.Bin, b.Bin)
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case SS:
		if len(a.Strs) != len(b.Strs) {
			return false
		}
		for _, s := range a.Strs {
			if !slices.Contains(b.Strs, s) {
				return false
			}
		}
		return true
	case NS:
		if len(a.Strs) != len(b.Strs) {
			return false
		}
		for _, s := range a.Strs {
			if !containsNumber(b.Strs, s) {
				return false
			}
		}
		return true
	case BS:
		if len(a.Bins) != len(b.Bins) {
			return false
		}
		for _, x := range a.Bins {
			if !containsBytes(b.Bins, x) {
				return false
			}
		}
		return true
	}
	return false
}

func containsNumber(set []string, n string) bool {
	for _, s := range set {
		if CompareNumbers(s, n) == 0 {
			return true
		}
	}
	return false
}

func containsBytes(set [][]byte, b []byte) bool {
	for _, s := range set {
		if bytes.Equal(s, b) {
			return true
		}
	}
	return false
}

// Compare orders two scalar values of the same kind (S by UTF-8 bytes, N
// numerically, B by bytes). ok is false when they cannot be ordered.
func Compare(a, b Value) (c int, ok bool) {
	if a.Kind != b.Kind {
		return 0, false
	}
	switch a.Kind {
	case S:
		return strings.Compare(a.Str, b.Str), true
	case N:
		return CompareNumbers(a.Str, b.Str), true
	case B:
		return bytes.Compare(a.Bin, b.Bin), true
	}
	return 0, false
}

// Clone returns a deep copy of v.
func (v Value) Clone() Value {
	switch v.Kind {
	case M:
		m := make(map[string]Value, len(v.Map))
		for k, x := range v.Map {
			m[k] = x.Clone()
		}
		v.Map = m
	case L:
		l := make([]Value, len(v.List))
		for i, x := range v.List {
			l[i] = x.Clone()
		}
		v.List = l
	case SS, NS:
		v.Strs = slices.Clone(v.Strs)
	case BS:
		v.Bins = slices.Clone(v.Bins)
	}
	return v
}

// Clone returns a deep copy of the item.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.Clone()
	}
	return c
}

// String renders v the way DynamoDB's messages show values, e.g. {S:abc}.
func (v Value) String() string {
	var sb strings.Builder
	sb.WriteString("{")
	sb.WriteString(v.Kind.String())
	sb.WriteString(":")
	switch v.Kind {
	case S, N:
		sb.WriteString(v.Str)
	case B:
		sb.WriteString(base64.StdEncoding.EncodeToString(v.Bin))
	case BOOL:
		if v.Bool {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case NULL:
		sb.WriteString("true")
	default:
		sb.Write(v.AppendJSON(nil))
	}
	sb.WriteString("}")
	return sb.String()
}

// MaxNesting is the deepest DynamoDB stores a document value: 31 maps or
// lists inside one another, the attribute's own value counted.
const MaxNesting = 31

// Nesting is how many maps or lists are nested in v along its deepest path,
// v itself counted: 0 for a scalar or set, 1 for a map of scalars. It stops
// counting past MaxNesting+1.
func (v Value) Nesting() int { return v.nesting(MaxNesting + 1) }

func (v Value) nesting(limit int) int {
	if v.Kind != M && v.Kind != L || limit == 0 {
		return 0
	}
	deepest := 0
	for _, c := range v.Map {
		deepest = max(deepest, c.nesting(limit-1))
	}
	for _, c := range v.List {
		deepest = max(deepest, c.nesting(limit-1))
	}
	return 1 + deepest
}

// TooDeep reports whether a value of it is nested beyond MaxNesting.
func TooDeep(it Item) bool {
	for _, v := range it {
		if v.Nesting() > MaxNesting {
			return true
		}
	}
	return false
}

// EqualItems reports whether two items hold the same attributes with Equal
// values.
func EqualItems(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !Equal(av, bv) {
			return false
		}
	}
	return true
}
