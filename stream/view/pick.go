package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/spk-cli/spk/internal/jsonscan"
)

// Picker reads from JSON records only the fields a set of views use (their
// filters, groups and metrics, and the event time), without building a map
// of the whole object: the consumer's cost per record is then about one
// pass over its bytes, as for the tutorial's view.
type Picker struct {
	root  *pickNode
	paths []Path
}

type pickNode struct {
	children map[string]*pickNode
	leaf     int   // index of the path ending here, or -1
	below    []int // the leaves under this node's children, cleared when its key repeats
}

// NewPicker prepares to pick the given paths.
func NewPicker(paths []Path) *Picker {
	p := &Picker{root: &pickNode{leaf: -1}}
	for _, path := range paths {
		n := p.root
		for _, name := range path {
			if n.children == nil {
				n.children = map[string]*pickNode{}
			}
			c := n.children[name]
			if c == nil {
				c = &pickNode{leaf: -1}
				n.children[name] = c
			}
			n = c
		}
		if n.leaf < 0 {
			n.leaf = len(p.paths)
			p.paths = append(p.paths, path)
			for a, i := p.root, 0; i < len(path)-1; i++ {
				a = a.children[path[i]]
				a.below = append(a.below, n.leaf)
			}
		}
	}
	return p
}

// Paths returns every path a set of views reads: filter fields, group
// fields and metric fields, each once, plus extra (such as the time field).
func Paths(views []*View, extra ...Path) []Path {
	var out []Path
	seen := map[string]bool{}
	add := func(p Path) {
		if !seen[p.String()] {
			seen[p.String()] = true
			out = append(out, p)
		}
	}
	for _, p := range extra {
		add(p)
	}
	for _, v := range views {
		v.filter.paths(add)
		for _, p := range v.groupBy {
			add(p)
		}
		for _, p := range v.fields {
			add(p)
		}
	}
	return out
}

// Picked is a JSON record reduced to the fields its Picker picks.
type Picked struct {
	p    *Picker
	vals []Value
}

var errNotObject = errors.New("not a JSON object")

// Pick reads one JSON object. It fails as DecodeJSON fails: on invalid JSON
// or a value that is not an object. Of keys repeated in an object the last
// wins, as encoding/json decides.
func (p *Picker) Pick(data []byte) (Picked, error) {
	if !json.Valid(data) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return Picked{}, err
		}
		return Picked{}, errNotObject
	}
	return p.PickValid(data, nil)
}

// PickValid is Pick for data already known to be valid JSON (another scan
// of the record checked it), which saves checking it again. When into is
// not nil its values are reused: the previous Picked from it is overwritten.
func (p *Picker) PickValid(data []byte, into *Picked) (Picked, error) {
	i := jsonscan.SkipSpace(data, 0)
	if data[i] != '{' {
		return Picked{}, errNotObject
	}
	var ev Picked
	if into != nil && into.p == p {
		ev = *into
		clear(ev.vals)
	} else {
		ev = Picked{p: p, vals: make([]Value, len(p.paths))}
		if into != nil {
			*into = ev
		}
	}
	ev.object(data, i, p.root)
	return ev, nil
}

// object scans the valid object starting at data[i] == '{' and returns the
// index after it.
func (e *Picked) object(data []byte, i int, n *pickNode) int {
	i = jsonscan.SkipSpace(data, i+1)
	if data[i] == '}' {
		return i + 1
	}
	for {
		kEnd := jsonscan.EndOfString(data, i)
		key := data[i:kEnd]
		i = jsonscan.SkipSpace(data, kEnd)
		i = jsonscan.SkipSpace(data, i+1) // ':'
		var c *pickNode
		if n != nil && n.children != nil {
			if inner := key[1 : len(key)-1]; bytes.IndexByte(inner, '\\') < 0 {
				c = n.children[string(inner)] // no copy for a map lookup
			} else {
				c = n.children[keyText(key)]
			}
		}
		if c != nil {
			// A repeated key's last value wins whole, as encoding/json
			// decides: nothing picked under an earlier one survives.
			for _, leaf := range c.below {
				e.vals[leaf] = Value{}
			}
		}
		var vEnd int
		switch {
		case c != nil && data[i] == '{':
			vEnd = e.object(data, i, c)
			if c.leaf >= 0 {
				e.vals[c.leaf] = Value{} // an object is no value
			}
		default:
			vEnd = jsonscan.EndOfValue(data, i)
			if c != nil && c.leaf >= 0 {
				e.vals[c.leaf] = scalar(data[i:vEnd])
			}
		}
		i = jsonscan.SkipSpace(data, vEnd)
		if data[i] == '}' {
			return i + 1
		}
		i = jsonscan.SkipSpace(data, i+1) // ','
	}
}

// keyText decodes a quoted key with escapes.
func keyText(quoted []byte) string {
	var s string
	json.Unmarshal(quoted, &s)
	return s
}

// scalar reads a valid JSON value: strings, numbers and booleans are
// values; null, objects and arrays are missing.
func scalar(raw []byte) Value {
	switch raw[0] {
	case '"':
		inner := raw[1 : len(raw)-1]
		for _, c := range inner {
			if c == '\\' || c >= utf8.RuneSelf {
				// Escapes and non-ASCII text go through encoding/json, which
				// turns invalid UTF-8 into U+FFFD as DecodeJSON does.
				var s string
				json.Unmarshal(raw, &s)
				return StringValue(s)
			}
		}
		return StringValue(string(inner))
	case 't':
		return BoolValue(true)
	case 'f':
		return BoolValue(false)
	case 'n', '[', '{':
		return Value{}
	}
	return Value{Number, string(raw)}
}

// Get returns a picked field; paths the Picker was not given are missing.
func (e Picked) Get(path Path) (Value, bool) {
	n := e.p.root
	for _, name := range path {
		if n.children == nil {
			return Value{}, false
		}
		if n = n.children[name]; n == nil {
			return Value{}, false
		}
	}
	if n.leaf < 0 {
		return Value{}, false
	}
	v := e.vals[n.leaf]
	return v, v.kind != 0
}

// Projection is what a view's metrics read of one event, compact: the
// values of View.Fields in order. A sink keeps one per record and row so it
// can rebuild a row's Acc from any record on.
type Projection struct {
	v    *View
	vals []Value
}

// ProjectValues appends to dst the values of v.Fields() in ev (a zero Value
// for a missing one) and returns the extended slice: a batch can keep every
// record's projection in one growing slice.
func (v *View) ProjectValues(dst []Value, ev Event) []Value {
	for _, p := range v.fields {
		val, _ := ev.Get(p)
		dst = append(dst, val)
	}
	return dst
}

// Projection wraps values from ProjectValues as an event for Acc.Observe.
func (v *View) Projection(vals []Value) Projection { return Projection{v: v, vals: vals} }

// Get returns the value of one of the view's fields.
func (p Projection) Get(path Path) (Value, bool) {
	for i, f := range p.v.fields {
		if samePath(f, path) {
			v := p.vals[i]
			return v, v.kind != 0
		}
	}
	return Value{}, false
}

func samePath(a, b Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
