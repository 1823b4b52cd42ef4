package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// maxTransactBytes is the aggregate size of the items a transaction may
// carry, or read.
const maxTransactBytes = 4 << 20

// checkedAction is a transaction action validated without its table.
type checkedAction struct {
	*transactAction
	kind string
	w    *preparedWrite
	u    *expr.Update
}

// actionMembers lists an item's actions by the member name Coral reports.
func actionMembers(ti transactWriteItem) (names []string, actions []*transactAction) {
	for _, x := range []struct {
		name string
		a    *transactAction
	}{{"conditionCheck", ti.ConditionCheck}, {"put", ti.Put}, {"delete", ti.Delete}, {"update", ti.Update}} {
		if x.a != nil {
			names, actions = append(names, x.name), append(actions, x.a)
		}
	}
	return names, actions
}

// transactItems checks a transaction's list of items: present, 1 to 100.
func (c *constraints) transactItems(missing bool, n int) {
	c.notNull("transactItems", !missing)
	switch {
	case missing:
	case n == 0:
		c.fail(quoted("[]"), "transactItems", "Member must have length greater than or equal to 1")
	case n > 100:
		c.fail(quoted("[...]"), "transactItems", "Member must have length less than or equal to 100")
	}
}

// checkTransactWrite validates a TransactWriteItems request as far as it
// can without any table: every member constraint in one message, then each
// action's expressions, then the aggregate size.
func checkTransactWrite(in *transactWriteInput) ([]*checkedAction, error) {
	var c constraints
	c.transactItems(in.TransactItems == nil, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		names, actions := actionMembers(ti)
		for j, a := range actions {
			f := func(m string) string { return atIndex("transactItems", i, names[j]+"."+m) }
			c.tableRef(f("tableName"), a.TableName)
			switch names[j] {
			case "put":
				c.notNull(f("item"), a.Item != nil)
			case "update":
				c.notNull(f("key"), a.Key != nil)
				c.notNull(f("updateExpression"), a.UpdateExpression != nil)
			case "delete":
				c.notNull(f("key"), a.Key != nil)
			case "conditionCheck":
				c.notNull(f("key"), a.Key != nil)
				c.notNull(f("conditionExpression"), a.ConditionExpression != nil)
			}
			c.enum(f("returnValuesOnConditionCheckFailure"), a.ReturnValuesOnConditionCheckFailure, onFailureValues...)
		}
	}
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, collectionMetricValues...)
	c.stringLength("clientRequestToken", in.ClientRequestToken, 1, 36)
	if err := c.err(); err != nil {
		return nil, err
	}
	out := make([]*checkedAction, len(in.TransactItems))
	size := 0
	for i, ti := range in.TransactItems {
		names, actions := actionMembers(ti)
		if len(actions) != 1 {
			return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		a := &checkedAction{transactAction: actions[0], kind: map[string]string{"conditionCheck": "ConditionCheck", "put": "Put", "delete": "Delete", "update": "Update"}[names[0]]}
		if err := a.check(); err != nil {
			return nil, err
		}
		if a.Item != nil {
			size += a.Item.Size()
		} else {
			size += a.Key.Size()
		}
		if a.kind == "Update" {
			// What an update writes comes in its values.
			size += attr.Item(a.ExpressionAttributeValues).Size()
		}
		out[i] = a
	}
	if size > maxTransactBytes {
		return nil, validation("Transaction request cannot be larger than 4 MB")
	}
	return out, nil
}

// check validates one action's values and expressions.
func (a *checkedAction) check() error {
	var err error
	switch a.kind {
	case "Put":
		if err := checkItemShape(a.Item); err != nil {
			return err
		}
		a.w, err = prepareWrite(a.condInput.withoutIdleParams(), "ALL_OLD")
		return err
	case "Update":
		if err := checkKeyShape(a.Key); err != nil {
			return err
		}
		ui := &updateItemInput{TableName: a.TableName, Key: a.Key, UpdateExpression: a.UpdateExpression, condInput: a.condInput}
		a.w, a.u, err = prepareUpdate(ui)
		return err
	}
	if err := checkKeyShape(a.Key); err != nil {
		return err
	}
	a.w, err = prepareWrite(a.condInput.withoutIdleParams())
	return err
}

// withoutIdleParams is c without ExpressionAttributeNames and Values when
// it has no condition to use them: a transaction's Put or Delete takes
// them and ignores them, where PutItem and DeleteItem refuse them
// (DynamoDB's answers).
func (c condInput) withoutIdleParams() *condInput {
	if c.ConditionExpression == nil {
		c.ExpressionAttributeNames, c.ExpressionAttributeValues = nil, nil
	}
	return &c
}

// getNames are the ExpressionAttributeNames a transaction's Get uses:
// none without a ProjectionExpression, where GetItem refuses them.
func getNames(g *transactGet) map[string]string {
	if g.ProjectionExpression == nil {
		return nil
	}
	return g.ExpressionAttributeNames
}

// checkTransactGet validates a TransactGetItems request without its tables.
func checkTransactGet(in *transactGetInput) error {
	var c constraints
	c.transactItems(in.TransactItems == nil, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		c.notNull(atIndex("transactItems", i, "get"), ti.Get != nil)
		if ti.Get != nil {
			c.tableRef(atIndex("transactItems", i, "get.tableName"), ti.Get.TableName)
			c.notNull(atIndex("transactItems", i, "get.key"), ti.Get.Key != nil)
		}
	}
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	if err := c.err(); err != nil {
		return err
	}
	for _, ti := range in.TransactItems {
		if err := checkKeyShape(ti.Get.Key); err != nil {
			return err
		}
		_, p, err := projectionOf(ti.Get.ProjectionExpression, nil, getNames(ti.Get), nil)
		if err != nil {
			return err
		}
		if err := checkUnused(p); err != nil {
			return err
		}
	}
	return nil
}
