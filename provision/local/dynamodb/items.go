package dynamodb

import (
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/store"
)

func checkReturnValues(rv *string, allowed ...string) (string, error) {
	if rv == nil {
		return "NONE", nil
	}
	for _, a := range allowed {
		if *rv == a {
			return a, nil
		}
	}
	all := []string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}
	valid := false
	for _, a := range all {
		valid = valid || a == *rv
	}
	if !valid {
		return "", validation("1 validation error detected: Value '" + *rv + "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
	}
	return "", validation("ReturnValues can only be " + strings.Join(allowed[1:], " or ") + " or NONE")
}

func checkOnFailure(rv *string) (bool, error) {
	if rv == nil || *rv == "NONE" {
		return false, nil
	}
	if *rv == "ALL_OLD" {
		return true, nil
	}
	return false, validation("1 validation error detected: Value '" + *rv + "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")
}

func conditionFailed(old attr.Item, returnOld bool) error {
	e := &apiError{Type: "ConditionalCheckFailedException", Msg: "The conditional request failed"}
	if returnOld && old != nil {
		e.Extra = map[string]any{"Item": old}
	}
	return e
}

// capacity renders ConsumedCapacity when the request asked for it.
func capacity(rc *string, table string, units float64) map[string]any {
	if rc == nil || *rc == "NONE" {
		return nil
	}
	c := map[string]any{"TableName": table, "CapacityUnits": units}
	if *rc == "INDEXES" {
		c["Table"] = map[string]any{"CapacityUnits": units}
	}
	return c
}

// writeUnits is what a single-item write consumes: one unit per 1 KB,
// rounded up, of the larger of the item before and after the write (nil when
// absent), at least one.
func writeUnits(items ...attr.Item) float64 {
	n := 1
	for _, it := range items {
		if it != nil {
			n = max(n, (it.Size()+1023)/1024)
		}
	}
	return float64(n)
}

// readUnits is what reading one item (nil when absent) consumes: one unit
// per 4 KB, rounded up, at least one, halved for an eventually consistent
// read.
func readUnits(it attr.Item, consistent bool) float64 {
	size := 0
	if it != nil {
		size = it.Size()
	}
	return readUnitsOf(size, consistent)
}

// readUnitsOf is what reading size bytes in one go consumes; Query and Scan
// round a page's total, not each item.
func readUnitsOf(size int, consistent bool) float64 {
	n := max(1, (size+4095)/4096)
	if !consistent {
		return float64(n) / 2
	}
	return float64(n)
}

// itemResult is what a committed single-item write reports back.
type itemResult struct {
	old, new attr.Item
	metrics  map[string]any // ItemCollectionMetrics, when asked for
}

// applyCounts updates a table's item count and size after a commit.
func (t *table) applyCounts(old, new attr.Item) {
	switch {
	case old == nil && new != nil:
		t.itemCount.Add(1)
	case old != nil && new == nil:
		t.itemCount.Add(-1)
	}
	if old != nil {
		t.sizeBytes.Add(-int64(old.Size()))
	}
	if new != nil {
		t.sizeBytes.Add(int64(new.Size()))
	}
}

type putItemInput struct {
	TableName *string   `json:"TableName"`
	Item      attr.Item `json:"Item"`
	condInput
}

func (s *Service) putItem(body []byte) (any, error) {
	var in putItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.tableRef("tableName", in.TableName)
	c.notNull("item", in.Item != nil)
	c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
	c.expectedOperators("expected", in.Expected)
	c.enum("returnValues", in.ReturnValues, returnValuesValues...)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, collectionMetricValues...)
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, onFailureValues...)
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkItemShape(in.Item); err != nil {
		return nil, envelopedValue(err)
	}
	w, err := prepareWrite(&in.condInput, "ALL_OLD")
	if err != nil {
		return nil, envelopedRequest(err)
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOfItem(in.Item, &m)
	if err != nil {
		return nil, err
	}
	res, err := s.commitItem(t, key, in.Item, wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m), func(old attr.Item) (attr.Item, error) {
		if err := w.check(old); err != nil {
			return nil, err
		}
		return in.Item, nil
	})
	if err != nil {
		return nil, err
	}
	return res.answer(w.returnValues, in.ReturnConsumedCapacity, *in.TableName, &m), nil
}

// preparedWrite is a single-item write's validated options.
type preparedWrite struct {
	cond         *expr.Cond
	params       *expr.Params
	returnValues string
	returnOld    bool
}

// prepareWrite validates a PutItem's, DeleteItem's or ConditionCheck's
// condition, its return options and its expression attributes; allowed
// are the ReturnValues it takes besides NONE.
func prepareWrite(c *condInput, allowed ...string) (*preparedWrite, error) {
	if err := checkMixed(present("ConditionExpression", set(c.ConditionExpression)),
		present("Expected", c.Expected != nil, "ConditionalOperator", c.ConditionalOperator != nil)); err != nil {
		return nil, err
	}
	if err := checkConditionalOperator(c.ConditionalOperator, len(c.Expected)); err != nil {
		return nil, err
	}
	rv, err := checkReturnValues(c.ReturnValues, append([]string{"NONE"}, allowed...)...)
	if err != nil {
		return nil, err
	}
	returnOld, err := checkOnFailure(c.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	w := &preparedWrite{returnValues: rv, returnOld: returnOld}
	used := present("ConditionExpression", set(c.ConditionExpression))
	w.params, err = exprParams(c.ExpressionAttributeNames, c.ExpressionAttributeValues, used, used, nil)
	if err != nil {
		return nil, err
	}
	if c.ConditionExpression != nil {
		if w.cond, err = parseCond("ConditionExpression", c.ConditionExpression, w.params); err != nil {
			return nil, err
		}
	} else if w.cond, err = c.legacyCondition(); err != nil {
		return nil, err
	}
	if err := checkUnused(w.params); err != nil {
		return nil, err
	}
	return w, nil
}

type getItemInput struct {
	TableName                *string           `json:"TableName"`
	Key                      attr.Item         `json:"Key"`
	ConsistentRead           *bool             `json:"ConsistentRead"`
	ProjectionExpression     *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
	AttributesToGet          []string          `json:"AttributesToGet"`
	ReturnConsumedCapacity   *string           `json:"ReturnConsumedCapacity"`
}

// projectionOf returns the paths a read returns (nil for all).
func projectionOf(pe *string, toGet []string, names map[string]string, values map[string]attr.Value, others ...string) ([]expr.Path, *expr.Params, error) {
	if err := checkMixed(present("ProjectionExpression", set(pe)), present("AttributesToGet", toGet != nil)); err != nil {
		return nil, nil, err
	}
	used := append(present("ProjectionExpression", set(pe)), others...)
	p, err := exprParams(names, values, used, others, nil)
	if err != nil {
		return nil, nil, err
	}
	if pe != nil {
		paths, err := parseProjection(pe, p)
		return paths, p, err
	}
	if toGet != nil {
		if len(toGet) == 0 {
			return nil, nil, validation("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		seen := map[string]bool{}
		var paths []expr.Path
		for _, a := range toGet {
			if seen[a] {
				return nil, nil, validation("One or more parameter values were invalid: Duplicate value in attribute name: " + a)
			}
			seen[a] = true
			paths = append(paths, expr.NamePath(a))
		}
		return paths, p, nil
	}
	return nil, p, nil
}

func (s *Service) getItem(body []byte) (any, error) {
	var in getItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.listLength("attributesToGet", in.AttributesToGet, 1, 255)
	c.tableRef("tableName", in.TableName)
	c.notNull("key", in.Key != nil)
	if err := c.err(); err != nil {
		return nil, err
	}
	paths, p, err := projectionOf(in.ProjectionExpression, in.AttributesToGet, in.ExpressionAttributeNames, nil)
	if err != nil {
		return nil, err
	}
	if err := checkUnused(p); err != nil {
		return nil, err
	}
	if err := checkKeyShape(in.Key); err != nil {
		return nil, err
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := nestedKeyPath(paths, nil, []string{t.hash.Name, t.rng.Name}, indexKeyNames(t, &m)); err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var it attr.Item
	err = s.env.DB.View(func(tx *store.Tx) error {
		b := tx.Bucket(t.bucket)
		if b == nil {
			return notFound("Requested resource not found")
		}
		it, err = readItem(b, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	units := readUnits(it, in.ConsistentRead != nil && *in.ConsistentRead)
	if it != nil && paths != nil {
		it = expr.Project(it, paths)
	}
	// The table as the request named it, its ARN included (DynamoDB's echo).
	return readResponse(it, capacity(in.ReturnConsumedCapacity, *in.TableName, units)), nil
}

// readResponse encodes a GetItem response directly.
func readResponse(it attr.Item, cc map[string]any) any {
	if cc != nil {
		out := map[string]any{"ConsumedCapacity": cc}
		if it != nil {
			out["Item"] = it
		}
		return out
	}
	b := []byte(`{`)
	if it != nil {
		b = append(b, `"Item":`...)
		b = attr.AppendItemJSON(b, it)
	}
	return rawJSON(append(b, '}'))
}
