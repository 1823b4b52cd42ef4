package dynamodb

import (
	"bytes"
	"fmt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// rangeCond is a sort key condition, compared on order-preserving encodings.
type rangeCond struct {
	op   string // EQ LT LE GT GE BETWEEN BEGINS_WITH
	vals [][]byte
}

func (rc *rangeCond) match(enc []byte) bool {
	if rc == nil {
		return true
	}
	c := bytes.Compare(enc, rc.vals[0])
	switch rc.op {
	case "EQ":
		return c == 0
	case "LT":
		return c < 0
	case "LE":
		return c <= 0
	case "GT":
		return c > 0
	case "GE":
		return c >= 0
	case "BETWEEN":
		return c >= 0 && bytes.Compare(enc, rc.vals[1]) <= 0
	case "BEGINS_WITH":
		return bytes.HasPrefix(enc, rc.vals[0])
	}
	return false
}

// lower is the smallest encoding that can match, for seeking.
func (rc *rangeCond) lower() []byte {
	if rc == nil {
		return nil
	}
	switch rc.op {
	case "EQ", "GT", "GE", "BETWEEN", "BEGINS_WITH":
		return rc.vals[0]
	}
	return nil
}

// beyond reports whether enc is past every match in ascending order.
func (rc *rangeCond) beyond(enc []byte) bool {
	if rc == nil {
		return false
	}
	switch rc.op {
	case "EQ", "LT", "LE":
		return bytes.Compare(enc, rc.vals[0]) > 0
	case "BETWEEN":
		return bytes.Compare(enc, rc.vals[1]) > 0
	case "BEGINS_WITH":
		return bytes.Compare(enc, rc.vals[0]) > 0 && !bytes.HasPrefix(enc, rc.vals[0])
	}
	return false
}

// before reports whether enc is below every match, where a descending
// read can stop.
func (rc *rangeCond) before(enc []byte) bool {
	if rc == nil {
		return false
	}
	switch rc.op {
	case "EQ", "GE", "BETWEEN", "BEGINS_WITH":
		return bytes.Compare(enc, rc.vals[0]) < 0
	case "GT":
		return bytes.Compare(enc, rc.vals[0]) <= 0
	}
	return false
}

// past is where a descending read of the keys under prefix seeks before it
// steps back once: a key after every key that can match, or nil for the
// end of the prefix. bound appends a sort key value as the keys hold it
// (escaped in an index entry, see appendEscapedBound); after is what,
// appended to a bound value, sorts after every key holding that value and
// before every key holding a larger one.
func (rc *rangeCond) past(prefix []byte, bound func(dst, v []byte) []byte, after []byte) []byte {
	if rc == nil {
		return nil
	}
	at := func(v []byte) []byte { return bound(append([]byte{}, prefix...), v) }
	switch rc.op {
	case "LT":
		return at(rc.vals[0])
	case "EQ", "LE":
		return append(at(rc.vals[0]), after...)
	case "BETWEEN":
		return append(at(rc.vals[1]), after...)
	case "BEGINS_WITH":
		return prefixEnd(at(rc.vals[0]))
	}
	return nil
}

// keyQuery is a validated key condition.
type keyQuery struct {
	hash attr.Value
	rng  *rangeCond
}

type keyCond struct {
	op   string
	vals []attr.Value
}

// keyConditionsFromExpr turns a key condition AST into per-attribute
// conditions, with DynamoDB's messages for unsupported shapes.
func keyConditionsFromExpr(c *expr.Cond, out map[string]keyCond) error {
	switch c.Kind {
	case expr.CondOr, expr.CondNot:
		return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: " + map[expr.CondKind]string{expr.CondOr: "OR", expr.CondNot: "NOT"}[c.Kind])
	case expr.CondIn:
		return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN")
	case expr.CondAnd:
		// A chain of ANDs is one list of conditions, however it groups.
		for _, s := range c.Sub {
			if err := keyConditionsFromExpr(s, out); err != nil {
				return err
			}
		}
		return nil
	case expr.CondFunc:
		if c.Op != "begins_with" {
			return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: " + c.Op)
		}
		if c.Operands[0].Kind != expr.OpPath {
			return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand")
		}
	case expr.CondBetween:
		if c.Operands[0].Kind != expr.OpPath {
			return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand")
		}
	case expr.CondCompare:
		if c.Op == "<>" {
			return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>")
		}
	}
	var name string
	var vals []attr.Value
	swapped := false
	for i, o := range c.Operands {
		switch o.Kind {
		case expr.OpPath:
			if name != "" {
				return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(o.Path) > 1 {
				return validation("Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes")
			}
			name = o.Path[0].Name
			swapped = i != 0
		case expr.OpSize:
			return validation("Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations")
		default:
			vals = append(vals, o.Value)
		}
	}
	if name == "" {
		return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	if _, dup := out[name]; dup {
		return validation("Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key")
	}
	op := map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "BETWEEN": "BETWEEN", "begins_with": "BEGINS_WITH"}[c.Op]
	if swapped {
		op = map[string]string{"EQ": "EQ", "LT": "GT", "LE": "GE", "GT": "LT", "GE": "LE"}[op]
	}
	out[name] = keyCond{op: op, vals: vals}
	return nil
}

// buildKeyQuery checks per-attribute key conditions against a key schema.
func buildKeyQuery(conds map[string]keyCond, hash, rng keyDef, index string) (*keyQuery, error) {
	keys := 1
	if rng.Name != "" {
		keys = 2
	}
	if len(conds) > keys {
		return nil, validation(fmt.Sprintf("The number of query conditions (%d) exceeds the number of key attributes defined in the schema (%d)", len(conds), keys))
	}
	h, ok := conds[hash.Name]
	if !ok {
		return nil, validation("Query condition missed key schema element: " + hash.Name)
	}
	for name := range conds {
		if name != hash.Name && name != rng.Name {
			return nil, validation("Query condition missed key schema element: " + firstNonEmpty(rng.Name, hash.Name))
		}
	}
	if h.op != "EQ" {
		return nil, validation("Query key condition not supported")
	}
	if h.vals[0].Kind != hash.Kind {
		return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	if isEmptyKey(h.vals[0]) {
		// No item has it; DynamoDB refuses the Query as it refuses such a
		// key in GetItem, or an index's in a write (users' records of its
		// answers, moto#7062 and praetorian-inc/chariot-ui#353).
		if index != "" {
			return nil, emptyIndexKeyError(h.vals[0], index, hash.Name)
		}
		return nil, emptyKeyError(h.vals[0], hash.Name)
	}
	q := &keyQuery{hash: h.vals[0]}
	if r, ok := conds[rng.Name]; ok && rng.Name != "" {
		for _, v := range r.vals {
			if v.Kind != rng.Kind {
				return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if r.op == "BEGINS_WITH" && rng.Kind == attr.N {
			return nil, validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		rc := &rangeCond{op: r.op}
		for _, v := range r.vals {
			rc.vals = append(rc.vals, attr.AppendOrdered(nil, v))
		}
		q.rng = rc
	}
	return q, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
