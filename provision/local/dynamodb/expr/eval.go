package expr

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// Resolve returns the value at path p in the item.
func Resolve(it attr.Item, p Path) (attr.Value, bool) {
	if len(p) == 0 || p[0].IsIndex {
		return attr.Value{}, false
	}
	v, ok := it[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		switch {
		case e.IsIndex && v.Kind == attr.L:
			if e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
		case !e.IsIndex && v.Kind == attr.M:
			x, ok := v.Map[e.Name]
			if !ok {
				return attr.Value{}, false
			}
			v = x
		default:
			return attr.Value{}, false
		}
	}
	return v, true
}

// value evaluates an operand of a condition.
func (o *Operand) value(it attr.Item) (attr.Value, bool) {
	switch o.Kind {
	case OpPath:
		return Resolve(it, o.Path)
	case OpValue:
		return o.Value, o.Value.Kind != attr.Invalid
	case OpSize:
		v, ok := o.Args[0].value(it)
		if !ok {
			return v, false
		}
		n := 0
		switch v.Kind {
		case attr.S:
			// In UTF-16 code units, as DynamoDB counts (a character
			// outside the BMP is two).
			n = utf16Len(v.Str)
		case attr.B:
			n = len(v.Bin)
		case attr.SS, attr.NS:
			n = len(v.Strs)
		case attr.BS:
			n = len(v.Bins)
		case attr.L:
			n = len(v.List)
		case attr.M:
			n = len(v.Map)
		default:
			return attr.Value{}, false
		}
		return attr.NumValue(strconv.Itoa(n)), true
	}
	return attr.Value{}, false
}

// Eval reports whether the item (nil when it does not exist) satisfies c.
// A comparison with a missing attribute is false, except <> which is true.
func (c *Cond) Eval(it attr.Item) bool {
	switch c.Kind {
	case CondTrue:
		return true
	case CondAnd:
		return c.Sub[0].Eval(it) && c.Sub[1].Eval(it)
	case CondOr:
		return c.Sub[0].Eval(it) || c.Sub[1].Eval(it)
	case CondNot:
		return !c.Sub[0].Eval(it)
	case CondCompare:
		a, aok := c.Operands[0].value(it)
		b, bok := c.Operands[1].value(it)
		if !aok || !bok {
			return c.Op == "<>"
		}
		switch c.Op {
		case "=":
			return attr.Equal(a, b)
		case "<>":
			return !attr.Equal(a, b)
		}
		cmp, ok := attr.Compare(a, b)
		if !ok {
			return false
		}
		switch c.Op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		case ">=":
			return cmp >= 0
		}
	case CondBetween:
		x, ok := c.Operands[0].value(it)
		lo, lok := c.Operands[1].value(it)
		hi, hok := c.Operands[2].value(it)
		if !ok || !lok || !hok {
			return false
		}
		c1, ok1 := attr.Compare(x, lo)
		c2, ok2 := attr.Compare(x, hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	case CondIn:
		x, ok := c.Operands[0].value(it)
		if !ok {
			return false
		}
		for _, o := range c.Operands[1:] {
			if v, ok := o.value(it); ok && attr.Equal(x, v) {
				return true
			}
		}
		return false
	case CondFunc:
		return c.evalFunc(it)
	}
	return false
}

func (c *Cond) evalFunc(it attr.Item) bool {
	switch c.Op {
	case "attribute_exists":
		_, ok := c.Operands[0].value(it)
		return ok
	case "attribute_not_exists":
		_, ok := c.Operands[0].value(it)
		return !ok
	case "attribute_type":
		v, ok := c.Operands[0].value(it)
		t, tok := c.Operands[1].value(it)
		return ok && tok && t.Kind == attr.S && v.Kind.String() == t.Str
	case "begins_with":
		v, ok := c.Operands[0].value(it)
		p, pok := c.Operands[1].value(it)
		if !ok || !pok || v.Kind != p.Kind {
			return false
		}
		switch v.Kind {
		case attr.S:
			return strings.HasPrefix(v.Str, p.Str)
		case attr.B:
			return bytes.HasPrefix(v.Bin, p.Bin)
		}
		return false
	case "contains":
		v, ok := c.Operands[0].value(it)
		x, xok := c.Operands[1].value(it)
		if !ok || !xok {
			return false
		}
		return contains(v, x)
	}
	return false
}

func contains(v, x attr.Value) bool {
	switch v.Kind {
	case attr.S:
		return x.Kind == attr.S && strings.Contains(v.Str, x.Str)
	case attr.B:
		return x.Kind == attr.B && bytes.Contains(v.Bin, x.Bin)
	case attr.SS:
		return x.Kind == attr.S && slices.Contains(v.Strs, x.Str)
	case attr.NS:
		if x.Kind != attr.N {
			return false
		}
		for _, s := range v.Strs {
			if attr.CompareNumbers(s, x.Str) == 0 {
				return true
			}
		}
	case attr.BS:
		if x.Kind != attr.B {
			return false
		}
		for _, b := range v.Bins {
			if bytes.Equal(b, x.Bin) {
				return true
			}
		}
	case attr.L:
		for _, e := range v.List {
			if attr.Equal(e, x) {
				return true
			}
		}
	}
	return false
}

// Project returns a new item holding only the given paths of it. Elements
// projected from a list keep the list's order, whatever the order of the
// paths, and paths into one element are gathered in one element.
func Project(it attr.Item, paths []Path) attr.Item {
	out := attr.Item{}
	nested := map[string]*projNode{}
	for _, p := range paths {
		v, ok := Resolve(it, p)
		if !ok {
			continue
		}
		if len(p) == 1 {
			out[p[0].Name] = v
			delete(nested, p[0].Name)
			continue
		}
		if _, whole := out[p[0].Name]; whole {
			continue
		}
		n := nested[p[0].Name]
		if n == nil {
			n = &projNode{}
			nested[p[0].Name] = n
		}
		n.add(p[1:], v)
	}
	for name, n := range nested {
		out[name] = n.build(it[name])
	}
	return out
}

// projNode is the part of one value that a projection keeps: all of it, or
// some of its map fields or list elements (by index in the source list).
type projNode struct {
	whole  bool
	val    attr.Value
	fields map[string]*projNode
	elems  map[int]*projNode
}

func (n *projNode) add(rest Path, v attr.Value) {
	if n.whole {
		return
	}
	if len(rest) == 0 {
		*n = projNode{whole: true, val: v}
		return
	}
	e := rest[0]
	var child *projNode
	if e.IsIndex {
		if n.elems == nil {
			n.elems = map[int]*projNode{}
		}
		if child = n.elems[e.Index]; child == nil {
			child = &projNode{}
			n.elems[e.Index] = child
		}
	} else {
		if n.fields == nil {
			n.fields = map[string]*projNode{}
		}
		if child = n.fields[e.Name]; child == nil {
			child = &projNode{}
			n.fields[e.Name] = child
		}
	}
	child.add(rest[1:], v)
}

// build returns the kept part of src.
func (n *projNode) build(src attr.Value) attr.Value {
	if n.whole {
		return n.val
	}
	if src.Kind == attr.L {
		idx := make([]int, 0, len(n.elems))
		for i := range n.elems {
			idx = append(idx, i)
		}
		slices.Sort(idx)
		out := attr.Value{Kind: attr.L, List: make([]attr.Value, 0, len(idx))}
		for _, i := range idx {
			out.List = append(out.List, n.elems[i].build(src.List[i]))
		}
		return out
	}
	out := attr.Value{Kind: attr.M, Map: make(map[string]attr.Value, len(n.fields))}
	for name, c := range n.fields {
		out.Map[name] = c.build(src.Map[name])
	}
	return out
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
