package dynamodb

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
)

// This file turns PartiQL expressions, with their ? parameters bound, into
// the expr package's conditions, operands and updates, so PartiQL
// statements are evaluated by the same code as the expression parameters
// of GetItem, Query, Scan and UpdateItem.

// binder holds a statement's parameter values.
type binder struct{ params []attr.Value }

// value evaluates a constant expression: a literal, a parameter, or a map,
// list or set built of them.
func (b *binder) value(e partiql.Expr) (attr.Value, error) {
	switch x := e.(type) {
	case *partiql.Literal:
		return x.Value, nil
	case *partiql.Param:
		return b.params[x.Index], nil
	case *partiql.Map:
		m := make(map[string]attr.Value, len(x.Keys))
		for i, k := range x.Keys {
			if _, dup := m[k]; dup {
				return attr.Value{}, validation("Duplicate keys in tuple. Key: " + k + " under " + "item")
			}
			v, err := b.value(x.Vals[i])
			if err != nil {
				return v, err
			}
			m[k] = v
		}
		return attr.Value{Kind: attr.M, Map: m}, nil
	case *partiql.List:
		l := make([]attr.Value, len(x.Elems))
		for i, el := range x.Elems {
			v, err := b.value(el)
			if err != nil {
				return v, err
			}
			l[i] = v
		}
		return attr.Value{Kind: attr.L, List: l}, nil
	case *partiql.Bag:
		return b.bag(x)
	}
	return attr.Value{}, validation("Unsupported token in expression: " + describeExpr(e))
}

// bag builds a string, number or binary set; DynamoDB has no other sets.
// A member given twice is refused as in an item's set.
func (b *binder) bag(x *partiql.Bag) (attr.Value, error) {
	var out attr.Value
	var written []string // the members as an item's set would list them
	dup := false
	for i, el := range x.Elems {
		v, err := b.value(el)
		if err != nil {
			return v, err
		}
		kind := map[attr.Kind]attr.Kind{attr.S: attr.SS, attr.N: attr.NS, attr.B: attr.BS}[v.Kind]
		if kind == attr.Invalid || i > 0 && kind != out.Kind {
			return attr.Value{}, validation("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
		}
		out.Kind = kind
		switch v.Kind {
		case attr.B:
			dup = dup || containsBin(out.Bins, v.Bin)
			out.Bins = append(out.Bins, v.Bin)
			written = append(written, base64.StdEncoding.EncodeToString(v.Bin))
		default:
			dup = dup || containsEqual(out, v)
			out.Strs = append(out.Strs, v.Str)
			written = append(written, v.Str)
		}
	}
	if dup {
		return attr.Value{}, validation(attr.DuplicatesMessage(out.Kind, written))
	}
	return out, nil
}

func containsBin(set [][]byte, b []byte) bool {
	for _, x := range set {
		if string(x) == string(b) {
			return true
		}
	}
	return false
}

func containsEqual(set attr.Value, v attr.Value) bool {
	for _, s := range set.Strs {
		if set.Kind == attr.NS && attr.CompareNumbers(s, v.Str) == 0 || set.Kind == attr.SS && s == v.Str {
			return true
		}
	}
	return false
}

// valueOperand makes a constant an operand; anything else is refused.
func (b *binder) valueOperand(e partiql.Expr) (*expr.Operand, error) {
	if !isValue(e) {
		return nil, validation("Unsupported token in expression: " + describeExpr(e))
	}
	v, err := b.value(e)
	if err != nil {
		return nil, err
	}
	return &expr.Operand{Kind: expr.OpValue, Value: v}, nil
}

// isValue reports whether e is a constant.
func isValue(e partiql.Expr) bool {
	switch e.(type) {
	case *partiql.Literal, *partiql.Param, *partiql.Map, *partiql.List, *partiql.Bag:
		return true
	}
	return false
}

// describeExpr names an expression's kind for messages.
func describeExpr(e partiql.Expr) string {
	switch x := e.(type) {
	case *partiql.Path:
		return x.Path.String()
	case *partiql.Binary:
		return x.Op
	case *partiql.Call:
		return x.Name
	case *partiql.Between:
		return "BETWEEN"
	case *partiql.In:
		return "IN"
	case *partiql.Not:
		return "NOT"
	case *partiql.Is:
		return "IS"
	}
	return "value"
}

// cond translates a WHERE clause (or part of one) into a condition.
func (b *binder) cond(e partiql.Expr) (*expr.Cond, error) {
	switch x := e.(type) {
	case *partiql.Binary:
		switch x.Op {
		case "AND", "OR":
			l, err := b.cond(x.L)
			if err != nil {
				return nil, err
			}
			r, err := b.cond(x.R)
			if err != nil {
				return nil, err
			}
			kind := expr.CondAnd
			if x.Op == "OR" {
				kind = expr.CondOr
			}
			return &expr.Cond{Kind: kind, Sub: []*expr.Cond{l, r}}, nil
		case "=", "<>", "<", "<=", ">", ">=":
			ops, err := b.operands(x.L, x.R)
			if err != nil {
				return nil, err
			}
			if x.Op != "=" && x.Op != "<>" {
				if err := orderable(x.Op, ops); err != nil {
					return nil, err
				}
			}
			return &expr.Cond{Kind: expr.CondCompare, Op: x.Op, Operands: ops}, nil
		}
		return nil, validation("Unsupported operator in Condition Expression. Operator: " + x.Op)
	case *partiql.Not:
		c, err := b.cond(x.X)
		if err != nil {
			return nil, err
		}
		return &expr.Cond{Kind: expr.CondNot, Sub: []*expr.Cond{c}}, nil
	case *partiql.Between:
		ops, err := b.operands(x.X, x.Lo, x.Hi)
		if err != nil {
			return nil, err
		}
		if err := orderable("BETWEEN", ops); err != nil {
			return nil, err
		}
		return &expr.Cond{Kind: expr.CondBetween, Operands: ops}, nil
	case *partiql.In:
		if _, ok := x.X.(*partiql.Path); !ok {
			return nil, validation("IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member")
		}
		ops, err := b.operands(append([]partiql.Expr{x.X}, x.List...)...)
		if err != nil {
			return nil, err
		}
		return &expr.Cond{Kind: expr.CondIn, Operands: ops}, nil
	case *partiql.Is:
		p, ok := x.X.(*partiql.Path)
		if !ok {
			return nil, validation("The left hand side argument to IS must be a Variable Reference, Literal, or Path")
		}
		path := &expr.Operand{Kind: expr.OpPath, Path: p.Path}
		var c *expr.Cond
		if x.Type == "MISSING" {
			c = &expr.Cond{Kind: expr.CondFunc, Op: "attribute_not_exists", Operands: []*expr.Operand{path}}
		} else {
			typ := attr.StrValue(isTypeNames[x.Type])
			c = &expr.Cond{Kind: expr.CondFunc, Op: "attribute_type", Operands: []*expr.Operand{path, {Kind: expr.OpValue, Value: typ}}}
		}
		if x.Not {
			c = &expr.Cond{Kind: expr.CondNot, Sub: []*expr.Cond{c}}
		}
		return c, nil
	case *partiql.Call:
		return b.function(x)
	}
	return nil, validation("WHERE clause must contain an expression that resolves to a boolean")
}

// isTypeNames are the attribute types of the IS operator's type names.
var isTypeNames = map[string]string{"NULL": "NULL", "BOOLEAN": "BOOL", "BLOB": "B", "STRING": "S",
	"NUMERIC": "N", "STRUCT": "M", "TUPLE": "M", "LIST": "L"}

// conditionFunctions are the functions a WHERE clause may call, with their
// number of arguments.
var conditionFunctions = map[string]int{
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

// orderable refuses an ordering comparison with a value of a type that has
// no order (BOOL, NULL, a set, a list or a map), literal or parameter, in
// DynamoDB's words; a path of such a type only makes it false.
func orderable(op string, ops []*expr.Operand) error {
	for _, o := range ops {
		if o.Kind != expr.OpValue {
			continue
		}
		switch o.Value.Kind {
		case attr.S, attr.N, attr.B:
		default:
			return validation("Incorrect operand type for operator or function; operator or function: " + op + ", operand type: " + o.Value.Kind.String())
		}
	}
	return nil
}

func (b *binder) function(c *partiql.Call) (*expr.Cond, error) {
	n, ok := conditionFunctions[c.Name]
	if !ok {
		if c.Name == "size" || c.Name == "list_append" || c.Name == "set_add" || c.Name == "set_delete" {
			return nil, validation("WHERE clause must contain an expression that resolves to a boolean")
		}
		return nil, validation("Unrecognized function: " + c.Name)
	}
	if len(c.Args) != n {
		return nil, validation("Incorrect number of operands for operator or function; operator or function: " + c.Name + ", number of operands: " + strconv.Itoa(len(c.Args)))
	}
	if _, ok := c.Args[0].(*partiql.Path); !ok && n == 1 {
		return nil, validation("Operator or function requires a document path; operator or function: " + c.Name)
	}
	ops, err := b.operands(c.Args...)
	if err != nil {
		return nil, err
	}
	return &expr.Cond{Kind: expr.CondFunc, Op: c.Name, Operands: ops}, nil
}

func (b *binder) operands(es ...partiql.Expr) ([]*expr.Operand, error) {
	out := make([]*expr.Operand, len(es))
	for i, e := range es {
		o, err := b.operand(e)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

// operand translates a value in a condition: a path, a constant or size().
func (b *binder) operand(e partiql.Expr) (*expr.Operand, error) {
	switch x := e.(type) {
	case *partiql.Path:
		return &expr.Operand{Kind: expr.OpPath, Path: x.Path}, nil
	case *partiql.Call:
		if x.Name != "size" {
			if _, ok := conditionFunctions[x.Name]; ok {
				return nil, validation("Unsupported token in expression: " + x.Name)
			}
			return nil, validation("Unrecognized function: " + x.Name)
		}
		if len(x.Args) != 1 {
			return nil, validation("Incorrect number of operands for operator or function; operator or function: size, number of operands: " + strconv.Itoa(len(x.Args)))
		}
		p, ok := x.Args[0].(*partiql.Path)
		if !ok {
			return nil, validation("Incorrect operand type for operator or function; operator or function: size, operand type: " + describeExpr(x.Args[0]))
		}
		return &expr.Operand{Kind: expr.OpSize, Args: []*expr.Operand{{Kind: expr.OpPath, Path: p.Path}}}, nil
	case *partiql.Binary:
		return nil, validation("Unsupported operator in Condition Expression. Operator: " + x.Op)
	}
	return b.valueOperand(e)
}

// conjuncts splits a WHERE clause at its top-level ANDs.
func conjuncts(e partiql.Expr) []partiql.Expr {
	if x, ok := e.(*partiql.Binary); ok && x.Op == "AND" {
		return append(conjuncts(x.L), conjuncts(x.R)...)
	}
	return []partiql.Expr{e}
}

// keyEquality returns the attribute and value of a top-level name = value
// conjunct, in either order.
func keyEquality(e partiql.Expr) (string, partiql.Expr, bool) {
	x, ok := e.(*partiql.Binary)
	if !ok || x.Op != "=" {
		return "", nil, false
	}
	l, r := x.L, x.R
	if _, ok := r.(*partiql.Path); ok {
		l, r = r, l
	}
	p, ok := l.(*partiql.Path)
	if !ok || len(p.Path) != 1 || !isValue(r) {
		return "", nil, false
	}
	return p.Path[0].Name, r, true
}

// keyParts is what a WHERE clause says of one item's key.
type keyParts struct {
	key      attr.Item      // the first value each key attribute is given
	rest     []partiql.Expr // the other conjuncts, conflicting equalities included
	conflict string         // a key attribute given two different values
}

// splitKey finds the equalities on the given key attributes among a WHERE
// clause's top-level conjuncts. An equality repeating a key's value is
// dropped; one giving it another value is a conflict, and stays among the
// other conjuncts (EXISTS reads it as a condition). With inAsKey, as for
// reads, a one-value IN is an equality too.
func (b *binder) splitKey(where partiql.Expr, inAsKey bool, keys ...keyDef) (*keyParts, error) {
	kp := &keyParts{key: attr.Item{}}
	if where == nil {
		return kp, nil
	}
	for _, c := range conjuncts(where) {
		name, ve, ok := keyEquality(c)
		if in, isIn := c.(*partiql.In); !ok && inAsKey && isIn && len(in.List) == 1 && isValue(in.List[0]) {
			if p, isPath := in.X.(*partiql.Path); isPath && len(p.Path) == 1 {
				name, ve, ok = p.Path[0].Name, in.List[0], true
			}
		}
		isKey := false
		for _, k := range keys {
			isKey = isKey || ok && k.Name != "" && k.Name == name
		}
		if !isKey {
			kp.rest = append(kp.rest, c)
			continue
		}
		v, err := b.value(ve)
		if err != nil {
			return nil, err
		}
		if prev, dup := kp.key[name]; dup {
			if !bytes.Equal(attr.AppendOrdered(nil, prev), attr.AppendOrdered(nil, v)) || prev.Kind != v.Kind {
				kp.rest = append(kp.rest, c)
				if kp.conflict == "" {
					kp.conflict = name
				}
			}
			continue
		}
		kp.key[name] = v
	}
	return kp, nil
}

// andAll joins conditions with AND; nil when there are none.
func (b *binder) andAll(es []partiql.Expr) (*expr.Cond, error) {
	var out *expr.Cond
	for _, e := range es {
		c, err := b.cond(e)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = c
		} else {
			out = &expr.Cond{Kind: expr.CondAnd, Sub: []*expr.Cond{out, c}}
		}
	}
	return out, nil
}

// update translates an UPDATE's SET and REMOVE clauses.
func (b *binder) update(st *partiql.Update, keys ...keyDef) (*expr.Update, error) {
	u := &expr.Update{}
	for _, s := range st.Sets {
		if err := checkNotKey(s.Path, keys); err != nil {
			return nil, err
		}
		if c, ok := s.Value.(*partiql.Call); ok && (c.Name == "set_add" || c.Name == "set_delete") {
			pv, err := b.setOperation(s.Path, c)
			if err != nil {
				return nil, err
			}
			if c.Name == "set_add" {
				u.Add = append(u.Add, pv)
			} else {
				u.Delete = append(u.Delete, pv)
			}
			continue
		}
		o, err := b.setOperand(s.Value)
		if err != nil {
			return nil, err
		}
		u.Set = append(u.Set, expr.SetAction{Path: s.Path, Value: o})
	}
	for _, p := range st.Removes {
		if err := checkNotKey(p, keys); err != nil {
			return nil, err
		}
		u.Remove = append(u.Remove, p)
	}
	// UpdateItem's rule and words: one path set twice, or set and removed,
	// is refused, not the last one winning.
	if err := expr.CheckUpdatePaths(u); err != nil {
		return nil, validation("Invalid UpdateExpression: " + err.Error())
	}
	return u, nil
}

func checkNotKey(p expr.Path, keys []keyDef) error {
	for _, k := range keys {
		if k.Name != "" && p[0].Name == k.Name {
			return validation("One or more parameter values were invalid: Cannot update attribute " + k.Name + ". This attribute is part of the key")
		}
	}
	return nil
}

// setOperation is SET a = set_add(a, <<...>>) or set_delete.
func (b *binder) setOperation(target expr.Path, c *partiql.Call) (expr.PathValue, error) {
	op := strings.ToUpper(strings.TrimPrefix(c.Name, "set_"))
	if len(c.Args) != 2 {
		return expr.PathValue{}, validation("SET_" + op + " must have exactly two arguments")
	}
	if p, ok := c.Args[0].(*partiql.Path); !ok || !p.Path.Equal(target) {
		return expr.PathValue{}, validation("The first argument to SET_" + op + " must equal the assignment value")
	}
	if !isValue(c.Args[1]) {
		return expr.PathValue{}, validation("The second argument to SET_" + op + " must be a value with type SET")
	}
	v, err := b.value(c.Args[1])
	if err != nil {
		return expr.PathValue{}, err
	}
	if v.Kind != attr.SS && v.Kind != attr.NS && v.Kind != attr.BS {
		return expr.PathValue{}, validation("The second argument to SET_" + op + " must be a value with type SET")
	}
	return expr.PathValue{Path: target, Value: v}, nil
}

// setOperand translates the value of a SET assignment.
func (b *binder) setOperand(e partiql.Expr) (*expr.Operand, error) {
	switch x := e.(type) {
	case *partiql.Path:
		return &expr.Operand{Kind: expr.OpPath, Path: x.Path}, nil
	case *partiql.Binary:
		kind := map[string]expr.OperandKind{"+": expr.OpPlus, "-": expr.OpMinus}[x.Op]
		if x.Op != "+" && x.Op != "-" {
			return nil, validation("Unsupported operator in Update Expression. Operator: " + x.Op)
		}
		l, err := b.setOperand(x.L)
		if err != nil {
			return nil, err
		}
		r, err := b.setOperand(x.R)
		if err != nil {
			return nil, err
		}
		return &expr.Operand{Kind: kind, Args: []*expr.Operand{l, r}}, nil
	case *partiql.Call:
		switch x.Name {
		case "list_append":
			if len(x.Args) != 2 {
				return nil, validation("Incorrect number of operands for operator or function; operator or function: list_append, number of operands: " + strconv.Itoa(len(x.Args)))
			}
			l, err := b.setOperand(x.Args[0])
			if err != nil {
				return nil, err
			}
			r, err := b.setOperand(x.Args[1])
			if err != nil {
				return nil, err
			}
			return &expr.Operand{Kind: expr.OpListAppend, Args: []*expr.Operand{l, r}}, nil
		case "if_not_exists":
			if len(x.Args) != 2 {
				return nil, validation("Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: " + strconv.Itoa(len(x.Args)))
			}
			p, ok := x.Args[0].(*partiql.Path)
			if !ok {
				return nil, validation("Incorrect operand type for operator or function; operator or function: if_not_exists, operand type: " + describeExpr(x.Args[0]))
			}
			r, err := b.setOperand(x.Args[1])
			if err != nil {
				return nil, err
			}
			return &expr.Operand{Kind: expr.OpIfNotExists, Args: []*expr.Operand{{Kind: expr.OpPath, Path: p.Path}, r}}, nil
		}
		return nil, validation("Unrecognized function: " + x.Name)
	}
	return b.valueOperand(e)
}
