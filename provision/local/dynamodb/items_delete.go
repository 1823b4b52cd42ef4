package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

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
	err = s.commit(func(tx *store.Tx) error {
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
