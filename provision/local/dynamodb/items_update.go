package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

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
	if err := checkMixed(present("UpdateExpression", set(in.UpdateExpression), "ConditionExpression", set(in.ConditionExpression)),
		present("AttributeUpdates", in.AttributeUpdates != nil, "Expected", in.Expected != nil, "ConditionalOperator", in.ConditionalOperator != nil)); err != nil {
		return nil, nil, err
	}
	if err := checkConditionalOperator(in.ConditionalOperator, len(in.Expected)); err != nil {
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

// checkUpdatePaths rejects an update whose paths, written or read, reach
// into a key of the table or of its indexes (g.x, l[0]): keys are
// scalars. DynamoDB checks it after the key.
func checkUpdatePaths(t *table, m *tableMeta, u *expr.Update) error {
	if u.Legacy {
		return nil // AttributeUpdates name whole attributes
	}
	paths := u.Paths()
	for _, a := range u.Set {
		paths = append(paths, operandPaths(a.Value)...)
	}
	return nestedKeyPath(paths, nil, []string{t.hash.Name, t.rng.Name}, indexKeyNames(t, m))
}

func (s *Service) updateItem(body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.tableRef("tableName", in.TableName)
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
		return nil, envelopedValue(err)
	}
	if err := checkNames(in.AttributeUpdates); err != nil {
		return nil, err
	}
	w, u, err := prepareUpdate(&in)
	if err != nil {
		return nil, envelopedUndefined(err)
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
	if err := checkUpdatePaths(t, &m, u); err != nil {
		return nil, err
	}
	res, err := s.commitItem(t, key, in.Key, wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m), func(old attr.Item) (attr.Item, error) {
		return applyUpdate(old, in.Key, w, u, &m)
	})
	if err != nil {
		return nil, err
	}
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
	cc := writeCapacity(in.ReturnConsumedCapacity, *in.TableName, &m, res.old, res.new)
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
	if err := w.check(old); err != nil {
		return nil, err
	}
	// The update reads the stored item, or, when there is none, the item
	// made of the key, so a new item's expressions see its key attributes.
	var next attr.Item
	var err error
	if old != nil {
		next, err = u.Apply(old)
	} else if u.OnlyRemoves() {
		// Taking away from a missing item makes none (an empty update
		// still makes one).
		return nil, nil
	} else {
		next, err = u.ApplyToNew(key)
	}
	if err != nil {
		if u.Legacy && err.Error() == expr.MsgIncorrectType {
			// The legacy API's words: its request has no update expression.
			return nil, validation("Type mismatch for attribute to update")
		}
		return nil, validation(err.Error())
	}
	for k, v := range key {
		next[k] = v
	}
	if err := checkItemAs(next, m, true); err != nil {
		if ae, ok := err.(*apiError); ok && ae.Msg == msgItemSize {
			return nil, validation(msgUpdatedItemSize)
		}
		return nil, err
	}
	return next, nil
}
