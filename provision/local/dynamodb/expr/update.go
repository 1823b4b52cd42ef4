package expr

import (
	"bytes"
	"slices"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// Messages of updates that are valid expressions but cannot be applied to
// the item at hand.
const (
	MsgMissingAttribute = "The provided expression refers to an attribute that does not exist in the item"
	MsgIncorrectType    = "An operand in the update expression has an incorrect data type"
	MsgInvalidPath      = "The document path provided in the update expression is invalid for update"
)

// Apply returns the item that results from applying u to it (nil when the
// item does not exist). it is not modified. The error is an *Error whose
// message is DynamoDB's ValidationException text.
func (u *Update) Apply(it attr.Item) (attr.Item, error) { return u.apply(it, true) }

// ApplyToNew is Apply to the item made of a missing item's key: paths
// REMOVE or DELETE names through parents it lacks are no error there.
func (u *Update) ApplyToNew(key attr.Item) (attr.Item, error) { return u.apply(key, false) }

// OnlyRemoves reports whether the update has actions and all of them take
// away (REMOVE, DELETE): on a missing item it writes nothing.
func (u *Update) OnlyRemoves() bool {
	return len(u.Set) == 0 && len(u.Add) == 0 && len(u.Replace) == 0 && len(u.Remove)+len(u.Delete) > 0
}

// apply is Apply; stored says it is the stored item, whose paths REMOVE
// and DELETE must reach through existing parents of the right kind.
func (u *Update) apply(it attr.Item, stored bool) (attr.Item, error) {
	orig := it
	out := it.Clone()
	if out == nil {
		out = attr.Item{}
	}
	// SET values are computed from the item as it was before the update.
	values := make([]attr.Value, len(u.Set))
	for i, s := range u.Set {
		v, err := s.Value.compute(orig)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	// Elements set past a list's end are appended in index order, not in
	// the order written, as the developer guide says: every index names an
	// element of the list as it was.
	order := make([]int, len(u.Set))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return comparePaths(u.Set[i].Path, u.Set[j].Path, false) })
	for _, i := range order {
		if err := setPath(out, u.Set[i].Path, values[i]); err != nil {
			return nil, err
		}
	}
	for k, v := range u.Replace {
		out[k] = v
	}
	// Remove list elements from the highest index down so that earlier
	// removals do not shift later ones.
	removes := slices.Clone(u.Remove)
	slices.SortStableFunc(removes, func(a, b Path) int { return comparePaths(a, b, true) })
	for _, p := range removes {
		if err := removePath(out, p, stored); err != nil {
			return nil, err
		}
	}
	for _, a := range u.Add {
		cur, ok := Resolve(out, a.Path)
		var next attr.Value
		switch {
		case !ok:
			next = a.Value
		case cur.Kind == attr.N && a.Value.Kind == attr.N:
			sum, msg := attr.AddNumbers(cur.Str, a.Value.Str, false)
			if msg != "" {
				return nil, &Error{Msg: msg}
			}
			next = attr.NumValue(sum)
		case cur.Kind == a.Value.Kind && (cur.Kind == attr.SS || cur.Kind == attr.NS || cur.Kind == attr.BS):
			next = union(cur, a.Value)
		case cur.Kind == attr.L && a.Value.Kind == attr.L: // legacy AttributeUpdates ADD appends
			next = attr.Value{Kind: attr.L, List: append(slices.Clone(cur.List), a.Value.List...)}
		default:
			return nil, &Error{Msg: MsgIncorrectType}
		}
		if k := a.Value.Kind; k != attr.N && k != attr.SS && k != attr.NS && k != attr.BS && k != attr.L {
			return nil, &Error{Msg: MsgIncorrectType}
		}
		if err := setPath(out, a.Path, next); err != nil {
			return nil, err
		}
	}
	for _, d := range u.Delete {
		cur, ok := Resolve(out, d.Path)
		if !ok {
			if stored && !parentHolds(out, d.Path) {
				return nil, &Error{Msg: MsgInvalidPath}
			}
			continue
		}
		if cur.Kind != d.Value.Kind || (cur.Kind != attr.SS && cur.Kind != attr.NS && cur.Kind != attr.BS) {
			return nil, &Error{Msg: MsgIncorrectType}
		}
		next, empty := difference(cur, d.Value)
		if empty {
			if err := removePath(out, d.Path, stored); err != nil {
				return nil, err
			}
		} else if err := setPath(out, d.Path, next); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// comparePaths orders paths element by element: names by their bytes,
// indexes ascending (descending with indexDown), a name before an index, a
// path before the longer paths it leads to. It is a total order, so every
// two paths into one list are ordered by their indexes there, whatever
// other paths lie between them.
func comparePaths(a, b Path, indexDown bool) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		switch {
		case x.IsIndex != y.IsIndex:
			if y.IsIndex {
				return -1
			}
			return 1
		case x.IsIndex && x.Index != y.Index:
			if (x.Index < y.Index) != indexDown {
				return -1
			}
			return 1
		case !x.IsIndex && x.Name != y.Name:
			return strings.Compare(x.Name, y.Name)
		}
	}
	return len(a) - len(b)
}

// compute evaluates a SET operand against the item.
func (o *Operand) compute(it attr.Item) (attr.Value, error) {
	switch o.Kind {
	case OpValue:
		return o.Value, nil
	case OpPath:
		v, ok := Resolve(it, o.Path)
		if !ok {
			return v, &Error{Msg: MsgMissingAttribute}
		}
		return v, nil
	case OpIfNotExists:
		if v, ok := Resolve(it, o.Args[0].Path); ok {
			return v, nil
		}
		return o.Args[1].compute(it)
	case OpListAppend:
		a, b, err := o.computeArgs(it, attr.L)
		if err != nil {
			return attr.Value{}, err
		}
		l := make([]attr.Value, 0, len(a.List)+len(b.List))
		return attr.Value{Kind: attr.L, List: append(append(l, a.List...), b.List...)}, nil
	case OpPlus, OpMinus:
		a, b, err := o.computeArgs(it, attr.N)
		if err != nil {
			return attr.Value{}, err
		}
		r, msg := attr.AddNumbers(a.Str, b.Str, o.Kind == OpMinus)
		if msg != "" {
			return attr.Value{}, &Error{Msg: msg}
		}
		return attr.NumValue(r), nil
	}
	return attr.Value{}, &Error{Msg: MsgIncorrectType}
}

// computeArgs evaluates a two-operand function's operands, which must both
// be of kind.
func (o *Operand) computeArgs(it attr.Item, kind attr.Kind) (a, b attr.Value, err error) {
	if a, err = o.Args[0].compute(it); err != nil {
		return a, b, err
	}
	if b, err = o.Args[1].compute(it); err != nil {
		return a, b, err
	}
	if a.Kind != kind || b.Kind != kind {
		return a, b, &Error{Msg: MsgIncorrectType}
	}
	return a, b, nil
}

// setPath writes v at p, whose parent must exist; an index past the end of
// a list appends.
func setPath(it attr.Item, p Path, v attr.Value) error {
	if len(p) == 1 {
		it[p[0].Name] = v
		return nil
	}
	top, ok := it[p[0].Name]
	if !ok {
		return &Error{Msg: MsgInvalidPath}
	}
	nv, err := setIn(top.Clone(), p[1:], v)
	if err != nil {
		return err
	}
	it[p[0].Name] = nv
	return nil
}

func setIn(cur attr.Value, rest Path, v attr.Value) (attr.Value, error) {
	e := rest[0]
	last := len(rest) == 1
	switch {
	case e.IsIndex && cur.Kind == attr.L:
		if last {
			if e.Index >= len(cur.List) {
				cur.List = append(cur.List, v)
			} else {
				cur.List[e.Index] = v
			}
			return cur, nil
		}
		if e.Index >= len(cur.List) {
			return cur, &Error{Msg: MsgInvalidPath}
		}
		nv, err := setIn(cur.List[e.Index], rest[1:], v)
		cur.List[e.Index] = nv
		return cur, err
	case !e.IsIndex && cur.Kind == attr.M:
		if last {
			cur.Map[e.Name] = v
			return cur, nil
		}
		child, ok := cur.Map[e.Name]
		if !ok {
			return cur, &Error{Msg: MsgInvalidPath}
		}
		nv, err := setIn(child, rest[1:], v)
		cur.Map[e.Name] = nv
		return cur, err
	}
	return cur, &Error{Msg: MsgInvalidPath}
}

// removePath deletes the value at p if it exists. A missing last element
// is no error; with strict, a missing parent, or one that is not the map
// or list p steps into, is, as DynamoDB refuses it for a stored item.
func removePath(it attr.Item, p Path, strict bool) error {
	if len(p) == 1 {
		delete(it, p[0].Name)
		return nil
	}
	top, ok := it[p[0].Name]
	if !ok {
		if strict {
			return &Error{Msg: MsgInvalidPath}
		}
		return nil
	}
	v, err := removeIn(top.Clone(), p[1:], strict)
	it[p[0].Name] = v
	return err
}

func removeIn(cur attr.Value, rest Path, strict bool) (attr.Value, error) {
	e := rest[0]
	invalid := func() (attr.Value, error) {
		if strict {
			return cur, &Error{Msg: MsgInvalidPath}
		}
		return cur, nil
	}
	switch {
	case e.IsIndex && cur.Kind == attr.L:
		if e.Index >= len(cur.List) {
			if len(rest) == 1 {
				return cur, nil // a missing element: nothing to remove
			}
			return invalid()
		}
		if len(rest) == 1 {
			cur.List = slices.Delete(cur.List, e.Index, e.Index+1)
			return cur, nil
		}
		v, err := removeIn(cur.List[e.Index], rest[1:], strict)
		cur.List[e.Index] = v
		return cur, err
	case !e.IsIndex && cur.Kind == attr.M:
		child, ok := cur.Map[e.Name]
		if !ok {
			if len(rest) == 1 {
				return cur, nil
			}
			return invalid()
		}
		if len(rest) == 1 {
			delete(cur.Map, e.Name)
			return cur, nil
		}
		v, err := removeIn(child, rest[1:], strict)
		cur.Map[e.Name] = v
		return cur, err
	}
	return invalid()
}

// parentHolds reports whether p's parent exists in it and is the map or
// list p's last element steps into.
func parentHolds(it attr.Item, p Path) bool {
	if len(p) == 1 {
		return true
	}
	parent, ok := Resolve(it, p[:len(p)-1])
	if !ok {
		return false
	}
	if p[len(p)-1].IsIndex {
		return parent.Kind == attr.L
	}
	return parent.Kind == attr.M
}

func union(a, b attr.Value) attr.Value {
	out := a.Clone()
	switch a.Kind {
	case attr.SS:
		for _, s := range b.Strs {
			if !slices.Contains(out.Strs, s) {
				out.Strs = append(out.Strs, s)
			}
		}
	case attr.NS:
		for _, s := range b.Strs {
			if !slices.ContainsFunc(out.Strs, func(x string) bool { return attr.CompareNumbers(x, s) == 0 }) {
				out.Strs = append(out.Strs, s)
			}
		}
	case attr.BS:
		for _, x := range b.Bins {
			if !slices.ContainsFunc(out.Bins, func(y []byte) bool { return bytes.Equal(x, y) }) {
				out.Bins = append(out.Bins, x)
			}
		}
	}
	return out
}

func difference(a, b attr.Value) (attr.Value, bool) {
	out := attr.Value{Kind: a.Kind}
	switch a.Kind {
	case attr.SS:
		for _, s := range a.Strs {
			if !slices.Contains(b.Strs, s) {
				out.Strs = append(out.Strs, s)
			}
		}
		return out, len(out.Strs) == 0
	case attr.NS:
		for _, s := range a.Strs {
			if !slices.ContainsFunc(b.Strs, func(x string) bool { return attr.CompareNumbers(x, s) == 0 }) {
				out.Strs = append(out.Strs, s)
			}
		}
		return out, len(out.Strs) == 0
	default:
		for _, x := range a.Bins {
			if !slices.ContainsFunc(b.Bins, func(y []byte) bool { return bytes.Equal(x, y) }) {
				out.Bins = append(out.Bins, x)
			}
		}
		return out, len(out.Bins) == 0
	}
}
