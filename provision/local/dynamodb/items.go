package dynamodb

import (
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// validPlaceholder reports whether k is prefix followed by [0-9a-zA-Z_]+.
func validPlaceholder(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// exprParams validates ExpressionAttributeNames/Values. usedBy lists the
// request's expressions that are set; valueExprs those of them that can
// use values (all but ProjectionExpression).
func exprParams(names map[string]string, values map[string]attr.Value, usedBy []string, valueExprs []string, allValueExprs []string) (*expr.Params, error) {
	if names != nil {
		if len(usedBy) == 0 {
			return nil, validation("ExpressionAttributeNames can only be specified when using expressions")
		}
		if len(names) == 0 {
			return nil, validation("ExpressionAttributeNames must not be empty")
		}
		for _, k := range attr.SortedKeys(names) {
			if !validPlaceholder(k, '#') {
				return nil, validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
	}
	if values != nil {
		if len(valueExprs) == 0 {
			verb := "is"
			if len(allValueExprs) > 1 {
				verb = "are"
			}
			return nil, validation("ExpressionAttributeValues can only be specified when using expressions: " + strings.Join(allValueExprs, " and ") + " " + verb + " null")
		}
		if len(values) == 0 {
			return nil, validation("ExpressionAttributeValues must not be empty")
		}
		for _, k := range attr.SortedKeys(values) {
			if !validPlaceholder(k, ':') {
				return nil, validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
		for _, k := range attr.SortedKeys(values) {
			if msg := values[k].Invalid(); msg != "" {
				return nil, validation("ExpressionAttributeValues contains invalid value: " + msg + " for key " + k)
			}
		}
	}
	return expr.NewParams(names, values), nil
}

func parseCond(kind string, src *string, p *expr.Params) (*expr.Cond, error) {
	if src == nil {
		return nil, nil
	}
	c, err := expr.ParseCondition(*src, p)
	if err != nil {
		return nil, validation("Invalid " + kind + ": " + err.Error())
	}
	return c, nil
}

func parseProjection(src *string, p *expr.Params) ([]expr.Path, error) {
	if src == nil {
		return nil, nil
	}
	paths, err := expr.ParseProjection(*src, p)
	if err != nil {
		return nil, validation("Invalid ProjectionExpression: " + err.Error())
	}
	return paths, nil
}

func checkUnused(p *expr.Params) error {
	if msg := p.Unused(); msg != "" {
		return validation(msg)
	}
	return nil
}

// set reports whether an optional string parameter was given.
func set(p *string) bool { return p != nil }

// present lists the names whose flag is set, in the given order.
func present(pairs ...any) []string {
	var out []string
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1].(bool) {
			out = append(out, pairs[i].(string))
		}
	}
	return out
}

// condInput is what single-item writes share: the condition (as an
// expression or the legacy Expected) and the return options.
type condInput struct {
	ConditionExpression                 *string                 `json:"ConditionExpression"`
	ExpressionAttributeNames            map[string]string       `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]attr.Value   `json:"ExpressionAttributeValues"`
	Expected                            map[string]expectedAttr `json:"Expected"`
	ConditionalOperator                 *string                 `json:"ConditionalOperator"`
	ReturnValues                        *string                 `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure *string                 `json:"ReturnValuesOnConditionCheckFailure"`
	ReturnConsumedCapacity              *string                 `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics         *string                 `json:"ReturnItemCollectionMetrics"`
}

func (c *condInput) legacyCondition() (*expr.Cond, error) {
	if c.Expected == nil {
		if c.ConditionalOperator != nil {
			return nil, validation("ConditionalOperator can only be used when Expected or Filter is present")
		}
		return nil, nil
	}
	return expectedCondition(c.Expected, c.ConditionalOperator)
}

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
	err      error
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
	c.tableName("tableName", in.TableName)
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
		return nil, err
	}
	w, err := prepareWrite(&in.condInput, "ALL_OLD")
	if err != nil {
		return nil, err
	}
	if err := checkUnused(w.params); err != nil {
		return nil, err
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOfItem(in.Item, &m)
	if err != nil {
		return nil, err
	}
	var res itemResult
	err = s.commit(func(tx *bolt.Tx) error {
		res = itemResult{}
		b := tx.Bucket(t.bucket)
		if b == nil {
			res.err = notFound("Requested resource not found")
			return nil
		}
		old, err := readItem(b, key)
		if err != nil {
			return err
		}
		if w.cond != nil && !w.cond.Eval(old) {
			res.err = conditionFailed(old, w.returnOld)
			return nil
		}
		res.old, res.new = old, in.Item
		if err := b.Put(key, attr.AppendItem(nil, in.Item)); err != nil {
			return err
		}
		if wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m) {
			res.metrics = collectionMetrics(b, t, in.Item[t.hash.Name])
		}
		return s.recordChange(tx, t, old, in.Item, false)
	})
	if err != nil {
		return nil, err
	}
	if res.err != nil {
		return nil, res.err
	}
	t.applyCounts(res.old, res.new)
	out := map[string]any{}
	if w.returnValues == "ALL_OLD" && res.old != nil {
		out["Attributes"] = res.old
	}
	if c := writeCapacity(in.ReturnConsumedCapacity, &m, res.old, in.Item); c != nil {
		out["ConsumedCapacity"] = c
	}
	if res.metrics != nil {
		out["ItemCollectionMetrics"] = res.metrics
	}
	return out, nil
}

// preparedWrite is a single-item write's validated options.
type preparedWrite struct {
	cond         *expr.Cond
	params       *expr.Params
	returnValues string
	returnOld    bool
}

func prepareWrite(c *condInput, allowed ...string) (*preparedWrite, error) {
	if err := checkMixed(map[string]bool{"ConditionExpression": set(c.ConditionExpression)},
		map[string]bool{"Expected": c.Expected != nil}); err != nil {
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
	w.params, err = exprParams(c.ExpressionAttributeNames, c.ExpressionAttributeValues, used, used, []string{"ConditionExpression"})
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
	if err := checkMixed(map[string]bool{"ProjectionExpression": set(pe)}, map[string]bool{"AttributesToGet": toGet != nil}); err != nil {
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
	c.tableName("tableName", in.TableName)
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
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var it attr.Item
	err = s.env.DB.View(func(tx *bolt.Tx) error {
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
	return readResponse(it, capacity(in.ReturnConsumedCapacity, m.TableName, units)), nil
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

type deleteItemInput struct {
	TableName *string   `json:"TableName"`
	Key       attr.Item `json:"Key"`
	condInput
}

func (s *Service) deleteItem(body []byte) (any, error) {
	var in deleteItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.tableName("tableName", in.TableName)
	c.enum("returnValues", in.ReturnValues, returnValuesValues...)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, collectionMetricValues...)
	c.notNull("key", in.Key != nil)
	c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
	c.expectedOperators("expected", in.Expected)
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, onFailureValues...)
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkKeyShape(in.Key); err != nil {
		return nil, err
	}
	w, err := prepareWrite(&in.condInput, "ALL_OLD")
	if err != nil {
		return nil, err
	}
	if err := checkUnused(w.params); err != nil {
		return nil, err
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var res itemResult
	err = s.commit(func(tx *bolt.Tx) error {
		res = itemResult{}
		b := tx.Bucket(t.bucket)
		if b == nil {
			res.err = notFound("Requested resource not found")
			return nil
		}
		old, err := readItem(b, key)
		if err != nil {
			return err
		}
		if w.cond != nil && !w.cond.Eval(old) {
			res.err = conditionFailed(old, w.returnOld)
			return nil
		}
		res.old = old
		if wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m) {
			defer func() { res.metrics = collectionMetrics(b, t, in.Key[t.hash.Name]) }()
		}
		if old == nil {
			return nil
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		return s.recordChange(tx, t, old, nil, false)
	})
	if err != nil {
		return nil, err
	}
	if res.err != nil {
		return nil, res.err
	}
	t.applyCounts(res.old, nil)
	out := map[string]any{}
	if w.returnValues == "ALL_OLD" && res.old != nil {
		out["Attributes"] = res.old
	}
	if c := writeCapacity(in.ReturnConsumedCapacity, &m, res.old, nil); c != nil {
		out["ConsumedCapacity"] = c
	}
	if res.metrics != nil {
		out["ItemCollectionMetrics"] = res.metrics
	}
	return out, nil
}

type updateItemInput struct {
	TableName        *string                    `json:"TableName"`
	Key              attr.Item                  `json:"Key"`
	UpdateExpression *string                    `json:"UpdateExpression"`
	AttributeUpdates map[string]attributeUpdate `json:"AttributeUpdates"`
	condInput
}

// prepareUpdate validates an update's expressions; checkUpdatedKeys then
// checks them against the table.
func prepareUpdate(in *updateItemInput) (*preparedWrite, *expr.Update, error) {
	if err := checkMixed(map[string]bool{"UpdateExpression": set(in.UpdateExpression), "ConditionExpression": set(in.ConditionExpression)},
		map[string]bool{"AttributeUpdates": in.AttributeUpdates != nil, "Expected": in.Expected != nil}); err != nil {
		return nil, nil, err
	}
	rv, err := checkReturnValues(in.ReturnValues, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
	if err != nil {
		return nil, nil, err
	}
	returnOld, err := checkOnFailure(in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, nil, err
	}
	w := &preparedWrite{returnValues: rv, returnOld: returnOld}
	used := present("UpdateExpression", set(in.UpdateExpression), "ConditionExpression", set(in.ConditionExpression))
	w.params, err = exprParams(in.ExpressionAttributeNames, in.ExpressionAttributeValues, used, used, []string{"UpdateExpression", "ConditionExpression"})
	if err != nil {
		return nil, nil, err
	}
	var u *expr.Update
	if in.UpdateExpression != nil {
		u, err = expr.ParseUpdate(*in.UpdateExpression, w.params)
		if err != nil {
			return nil, nil, validation("Invalid UpdateExpression: " + err.Error())
		}
	} else if in.AttributeUpdates != nil {
		if u, err = attributeUpdates(in.AttributeUpdates); err != nil {
			return nil, nil, err
		}
	} else {
		u = &expr.Update{}
	}
	if in.ConditionExpression != nil {
		if w.cond, err = parseCond("ConditionExpression", in.ConditionExpression, w.params); err != nil {
			return nil, nil, err
		}
	} else if w.cond, err = in.legacyCondition(); err != nil {
		return nil, nil, err
	}
	if err := checkUnused(w.params); err != nil {
		return nil, nil, err
	}
	return w, u, nil
}

// checkUpdatedKeys rejects an update that changes a key attribute.
func checkUpdatedKeys(t *table, in *updateItemInput, u *expr.Update) error {
	keys := []string{t.hash.Name}
	if t.rng.Name != "" {
		keys = append(keys, t.rng.Name)
	}
	var names []string
	if in.UpdateExpression != nil {
		for _, p := range u.Paths() {
			names = append(names, p[0].Name)
		}
	} else {
		names = attr.SortedKeys(in.AttributeUpdates)
	}
	for _, name := range names {
		for _, k := range keys {
			if name == k {
				return validation("One or more parameter values were invalid: Cannot update attribute " + k + ". This attribute is part of the key")
			}
		}
	}
	return nil
}

func (s *Service) updateItem(body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.tableName("tableName", in.TableName)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, collectionMetricValues...)
	c.enum("returnValues", in.ReturnValues, returnValuesValues...)
	c.notNull("key", in.Key != nil)
	c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
	c.expectedOperators("expected", in.Expected)
	for _, name := range attr.SortedKeys(in.AttributeUpdates) {
		c.enum("attributeUpdates."+name+".member.action", in.AttributeUpdates[name].Action, "ADD", "PUT", "DELETE")
	}
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, onFailureValues...)
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkKeyShape(in.Key); err != nil {
		return nil, err
	}
	w, u, err := prepareUpdate(&in)
	if err != nil {
		return nil, err
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := checkUpdatedKeys(t, &in, u); err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var res itemResult
	err = s.commit(func(tx *bolt.Tx) error {
		res = itemResult{}
		b := tx.Bucket(t.bucket)
		if b == nil {
			res.err = notFound("Requested resource not found")
			return nil
		}
		old, err := readItem(b, key)
		if err != nil {
			return err
		}
		next, failure := applyUpdate(old, in.Key, w, u, &m)
		if failure != nil {
			res.err = failure
			return nil
		}
		res.old, res.new = old, next
		if err := b.Put(key, attr.AppendItem(nil, next)); err != nil {
			return err
		}
		if wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m) {
			res.metrics = collectionMetrics(b, t, in.Key[t.hash.Name])
		}
		return s.recordChange(tx, t, old, next, false)
	})
	if err != nil {
		return nil, err
	}
	if res.err != nil {
		return nil, res.err
	}
	t.applyCounts(res.old, res.new)
	var attrs attr.Item
	switch w.returnValues {
	case "ALL_OLD":
		attrs = res.old
	case "ALL_NEW":
		attrs = res.new
	case "UPDATED_OLD":
		if res.old != nil {
			attrs = expr.Project(res.old, u.Paths())
		}
	case "UPDATED_NEW":
		attrs = expr.Project(res.new, u.Paths())
	}
	cc := writeCapacity(in.ReturnConsumedCapacity, &m, res.old, res.new)
	if cc == nil && res.metrics == nil {
		b := []byte(`{`)
		if len(attrs) > 0 {
			b = append(b, `"Attributes":`...)
			b = attr.AppendItemJSON(b, attrs)
		}
		return rawJSON(append(b, '}')), nil
	}
	out := map[string]any{}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	if res.metrics != nil {
		out["ItemCollectionMetrics"] = res.metrics
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	return out, nil
}

// applyUpdate checks the condition and applies the update to the stored
// item (nil when missing), returning the new item or the request's error.
func applyUpdate(old attr.Item, key attr.Item, w *preparedWrite, u *expr.Update, m *tableMeta) (attr.Item, error) {
	if w.cond != nil && !w.cond.Eval(old) {
		return nil, conditionFailed(old, w.returnOld)
	}
	// The update reads the stored item, or, when there is none, the item
	// made of the key, so a new item's expressions see its key attributes.
	base := old
	if base == nil {
		base = key
	}
	next, err := u.Apply(base)
	if err != nil {
		return nil, validation(err.Error())
	}
	for k, v := range key {
		next[k] = v
	}
	if err := checkItem(next, m); err != nil {
		return nil, err
	}
	return next, nil
}
