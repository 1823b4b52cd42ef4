package dynamodb

import (
	"sort"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// The legacy (pre-expression) parameters, still sent by older clients and
// the Kinesis Client Library's lease table: Expected, AttributeUpdates,
// AttributesToGet, KeyConditions, QueryFilter, ScanFilter and
// ConditionalOperator. They are translated into the same AST the
// expression parser produces.

type expectedAttr struct {
	Value              *attr.Value  `json:"Value"`
	Exists             *bool        `json:"Exists"`
	ComparisonOperator *string      `json:"ComparisonOperator"`
	AttributeValueList []attr.Value `json:"AttributeValueList"`
}

type attributeUpdate struct {
	Action *string     `json:"Action"`
	Value  *attr.Value `json:"Value"`
}

var operandCounts = map[string][2]int{
	"EQ": {1, 1}, "NE": {1, 1}, "LE": {1, 1}, "LT": {1, 1}, "GE": {1, 1}, "GT": {1, 1},
	"NOT_NULL": {0, 0}, "NULL": {0, 0}, "CONTAINS": {1, 1}, "NOT_CONTAINS": {1, 1},
	"BEGINS_WITH": {1, 1}, "IN": {1, 1 << 30}, "BETWEEN": {2, 2},
}

func pathOp(name string) *expr.Operand {
	return &expr.Operand{Kind: expr.OpPath, Path: expr.NamePath(name)}
}
func valueOp(v attr.Value) *expr.Operand { return &expr.Operand{Kind: expr.OpValue, Value: v} }

// legacyCondition converts one attribute's ComparisonOperator condition.
func legacyCondition(name, op string, values []attr.Value) (*expr.Cond, error) {
	counts, ok := operandCounts[op]
	if !ok {
		return nil, validation("1 validation error detected: Value '" + op + "' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]")
	}
	if len(values) < counts[0] || len(values) > counts[1] {
		return nil, validation("One or more parameter values were invalid: Invalid number of argument(s) for the " + op + " ComparisonOperator")
	}
	for _, v := range values {
		if msg := v.Invalid(); msg != "" {
			return nil, validation(msg)
		}
	}
	scalar := func(allowSets bool) error {
		for _, v := range values {
			switch v.Kind {
			case attr.S, attr.N, attr.B:
			case attr.SS, attr.NS, attr.BS, attr.L, attr.M, attr.NULL, attr.BOOL:
				if !allowSets {
					return validation("One or more parameter values were invalid: ComparisonOperator " + op + " is not valid for " + v.Kind.String() + " AttributeValue type")
				}
			}
		}
		return nil
	}
	p := pathOp(name)
	switch op {
	case "EQ", "NE":
		return &expr.Cond{Kind: expr.CondCompare, Op: map[string]string{"EQ": "=", "NE": "<>"}[op], Operands: []*expr.Operand{p, valueOp(values[0])}}, nil
	case "LE", "LT", "GE", "GT":
		if err := scalar(false); err != nil {
			return nil, err
		}
		return &expr.Cond{Kind: expr.CondCompare, Op: map[string]string{"LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}[op], Operands: []*expr.Operand{p, valueOp(values[0])}}, nil
	case "NOT_NULL":
		return &expr.Cond{Kind: expr.CondFunc, Op: "attribute_exists", Operands: []*expr.Operand{p}}, nil
	case "NULL":
		return &expr.Cond{Kind: expr.CondFunc, Op: "attribute_not_exists", Operands: []*expr.Operand{p}}, nil
	case "CONTAINS":
		if err := scalar(false); err != nil {
			return nil, err
		}
		return &expr.Cond{Kind: expr.CondFunc, Op: "contains", Operands: []*expr.Operand{p, valueOp(values[0])}}, nil
	case "NOT_CONTAINS":
		if err := scalar(false); err != nil {
			return nil, err
		}
		exists := &expr.Cond{Kind: expr.CondFunc, Op: "attribute_exists", Operands: []*expr.Operand{p}}
		c := &expr.Cond{Kind: expr.CondFunc, Op: "contains", Operands: []*expr.Operand{p, valueOp(values[0])}}
		return &expr.Cond{Kind: expr.CondAnd, Sub: []*expr.Cond{exists, {Kind: expr.CondNot, Sub: []*expr.Cond{c}}}}, nil
	case "BEGINS_WITH":
		if values[0].Kind != attr.S && values[0].Kind != attr.B {
			return nil, validation("One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for " + values[0].Kind.String() + " AttributeValue type")
		}
		return &expr.Cond{Kind: expr.CondFunc, Op: "begins_with", Operands: []*expr.Operand{p, valueOp(values[0])}}, nil
	case "IN":
		if err := scalar(false); err != nil {
			return nil, err
		}
		ops := []*expr.Operand{p}
		for _, v := range values {
			if v.Kind != values[0].Kind {
				return nil, validation("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type")
			}
			ops = append(ops, valueOp(v))
		}
		return &expr.Cond{Kind: expr.CondIn, Op: "IN", Operands: ops}, nil
	case "BETWEEN":
		if err := scalar(false); err != nil {
			return nil, err
		}
		if values[0].Kind != values[1].Kind {
			return nil, validation("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type")
		}
		if c, ok := attr.Compare(values[0], values[1]); ok && c > 0 {
			return nil, validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
		}
		return &expr.Cond{Kind: expr.CondBetween, Op: "BETWEEN", Operands: []*expr.Operand{p, valueOp(values[0]), valueOp(values[1])}}, nil
	}
	return nil, validation("Unsupported ComparisonOperator: " + op)
}

func combine(conds []*expr.Cond, operator *string) (*expr.Cond, error) {
	op := "AND"
	if operator != nil {
		op = *operator
		if op != "AND" && op != "OR" {
			return nil, validation("1 validation error detected: Value '" + op + "' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]")
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	c := conds[0]
	for _, x := range conds[1:] {
		k := expr.CondAnd
		if op == "OR" {
			k = expr.CondOr
		}
		c = &expr.Cond{Kind: k, Sub: []*expr.Cond{c, x}}
	}
	return c, nil
}

// expectedCondition converts an Expected map.
func expectedCondition(expected map[string]expectedAttr, operator *string) (*expr.Cond, error) {
	var conds []*expr.Cond
	for _, name := range attr.SortedKeys(expected) {
		e := expected[name]
		if e.Value != nil && e.AttributeValueList != nil {
			return nil, validation("One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: " + name)
		}
		if e.ComparisonOperator != nil {
			if e.Exists != nil {
				return nil, validation("One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: " + name)
			}
			// DynamoDB takes Value as a one-element AttributeValueList.
			values := e.AttributeValueList
			if e.Value != nil {
				values = []attr.Value{*e.Value}
			} else if _, known := operandCounts[*e.ComparisonOperator]; known && values == nil && *e.ComparisonOperator != "NULL" && *e.ComparisonOperator != "NOT_NULL" {
				return nil, validation("One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: " + *e.ComparisonOperator + " for Attribute: " + name)
			}
			c, err := legacyCondition(name, *e.ComparisonOperator, values)
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
			continue
		}
		if e.AttributeValueList != nil {
			return nil, validation("One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: " + name)
		}
		exists := e.Exists == nil || *e.Exists
		switch {
		case exists && e.Value == nil:
			was := "null"
			if e.Exists != nil {
				was = "true"
			}
			return nil, validation("One or more parameter values were invalid: Value must be provided when Exists is " + was + " for Attribute: " + name)
		case !exists && e.Value != nil:
			return nil, validation("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: " + name)
		case exists:
			if msg := e.Value.Invalid(); msg != "" {
				return nil, validation(msg)
			}
			conds = append(conds, &expr.Cond{Kind: expr.CondCompare, Op: "=", Operands: []*expr.Operand{pathOp(name), valueOp(*e.Value)}})
		default:
			conds = append(conds, &expr.Cond{Kind: expr.CondFunc, Op: "attribute_not_exists", Operands: []*expr.Operand{pathOp(name)}})
		}
	}
	return combine(conds, operator)
}

type filterCondition struct {
	ComparisonOperator *string      `json:"ComparisonOperator"`
	AttributeValueList []attr.Value `json:"AttributeValueList"`
}

// filterConditions converts a QueryFilter, ScanFilter or KeyConditions map.
func filterConditions(filter map[string]filterCondition, operator *string) (*expr.Cond, error) {
	var conds []*expr.Cond
	names := attr.SortedKeys(filter)
	sort.Strings(names)
	for _, name := range names {
		f := filter[name]
		if f.ComparisonOperator == nil {
			return nil, validation("1 validation error detected: Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null")
		}
		c, err := legacyCondition(name, *f.ComparisonOperator, f.AttributeValueList)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return combine(conds, operator)
}

// attributeUpdates converts AttributeUpdates into an Update.
func attributeUpdates(updates map[string]attributeUpdate) (*expr.Update, error) {
	u := &expr.Update{Replace: map[string]attr.Value{}, Legacy: true}
	for _, name := range attr.SortedKeys(updates) {
		a := updates[name]
		action := "PUT"
		if a.Action != nil {
			action = *a.Action
		}
		if a.Value != nil {
			if msg := a.Value.Invalid(); msg != "" {
				return nil, validation(msg)
			}
		}
		switch action {
		case "PUT":
			if a.Value == nil {
				return nil, validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
			}
			u.Replace[name] = *a.Value
		case "DELETE":
			if a.Value == nil {
				u.Remove = append(u.Remove, expr.NamePath(name))
				continue
			}
			if k := a.Value.Kind; k != attr.SS && k != attr.NS && k != attr.BS {
				return nil, validation("One or more parameter values were invalid: DELETE action with value is not supported for the type " + k.String())
			}
			u.Delete = append(u.Delete, expr.PathValue{Path: expr.NamePath(name), Value: *a.Value})
		case "ADD":
			if a.Value == nil {
				return nil, validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
			}
			if k := a.Value.Kind; k != attr.N && k != attr.SS && k != attr.NS && k != attr.BS && k != attr.L {
				return nil, validation("One or more parameter values were invalid: ADD action is not supported for the type " + k.String())
			}
			u.Add = append(u.Add, expr.PathValue{Path: expr.NamePath(name), Value: *a.Value})
		default:
			return nil, validation("1 validation error detected: Value '" + action + "' at 'attributeUpdates." + name + ".member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]")
		}
	}
	return u, nil
}

// checkMixed rejects a request that mixes expression and legacy parameters,
// with DynamoDB's message. Both lists are the parameters present, in the
// operation's fixed order, which the message keeps.
func checkMixed(exprs, legacy []string) error {
	if len(exprs) > 0 && len(legacy) > 0 {
		return validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" + strings.Join(legacy, ", ") + "} Expression parameters: {" + strings.Join(exprs, ", ") + "}")
	}
	return nil
}

// checkConditionalOperator is DynamoDB's rule for the legacy
// ConditionalOperator: it joins the conditions of a Filter or Expected,
// so it needs two of them or more.
func checkConditionalOperator(op *string, conditions int) error {
	switch {
	case op == nil:
		return nil
	case conditions == 0:
		return validation("ConditionalOperator cannot be used without Filter or Expected")
	case conditions == 1:
		return validation("ConditionalOperator can only be used when Filter or Expected has two or more elements")
	}
	return nil
}
