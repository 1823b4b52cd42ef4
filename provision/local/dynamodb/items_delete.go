package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
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
	c.tableRef("tableName", in.TableName)
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
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	res, err := s.commitItem(t, key, in.Key, wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &m), func(old attr.Item) (attr.Item, error) {
		return nil, w.check(old)
	})
	if err != nil {
		return nil, err
	}
	return res.answer(w.returnValues, in.ReturnConsumedCapacity, *in.TableName, &m), nil
}
