package dynamodb

import (
	"fmt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// tableNameKeysRule is how Coral words a map whose keys are table names.
const tableNameKeysRule = "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"

// requestItems checks a batch's RequestItems: present, not empty, keyed
// by table names.
func requestItems[V any](c *constraints, m map[string]V) {
	c.notNull("requestItems", m != nil)
	if m != nil && len(m) == 0 {
		c.fail(quoted("{}"), "requestItems", "Member must have length greater than or equal to 1")
	}
	if badTableNames(m) {
		c.fail(quoted("{...}"), "requestItems", tableNameKeysRule)
	}
}

// badTableNames reports whether any key of a RequestItems map is not a
// valid table name.
func badTableNames[V any](m map[string]V) bool {
	for name := range m {
		if !validTableName(name) && !isTableARN(name) {
			return true
		}
	}
	return false
}

// checkBatchWrite validates a BatchWriteItem request without its tables.
func checkBatchWrite(in *batchWriteInput) error {
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, collectionMetricValues...)
	requestItems(&c, in.RequestItems)
	for _, name := range attr.SortedKeys(in.RequestItems) {
		if reqs := in.RequestItems[name]; len(reqs) == 0 || len(reqs) > 25 {
			c.fail(quoted(fmt.Sprintf("{%s=[...]}", name)), "requestItems", "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
		}
	}
	for _, name := range attr.SortedKeys(in.RequestItems) {
		for _, r := range in.RequestItems[name] {
			if r.PutRequest != nil {
				c.notNull("requestItems."+name+".member.putRequest.item", r.PutRequest.Item != nil)
			}
			if r.DeleteRequest != nil {
				c.notNull("requestItems."+name+".member.deleteRequest.key", r.DeleteRequest.Key != nil)
			}
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	total := 0
	for _, name := range attr.SortedKeys(in.RequestItems) {
		for _, r := range in.RequestItems[name] {
			total++
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				if err := checkItemShape(r.PutRequest.Item); err != nil {
					return err
				}
			case r.DeleteRequest != nil && r.PutRequest == nil:
				if err := checkKeyShape(r.DeleteRequest.Key); err != nil {
					return err
				}
			default:
				return validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
		}
	}
	if total > 25 {
		return validation("Too many items requested for the BatchWriteItem call")
	}
	return nil
}

// checkBatchGet validates a BatchGetItem request without its tables.
func checkBatchGet(in *batchGetInput) error {
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	requestItems(&c, in.RequestItems)
	for _, name := range attr.SortedKeys(in.RequestItems) {
		ka := in.RequestItems[name]
		f := "requestItems." + name + ".member."
		c.notNull(f+"keys", ka.Keys != nil)
		if ka.Keys != nil && len(ka.Keys) == 0 {
			c.fail(quoted("[]"), f+"keys", "Member must have length greater than or equal to 1")
		}
		if len(ka.Keys) > 100 {
			c.fail(quoted("[...]"), f+"keys", "Member must have length less than or equal to 100")
		}
		c.listLength(f+"attributesToGet", ka.AttributesToGet, 1, 255)
	}
	if err := c.err(); err != nil {
		return err
	}
	// The whole request is one request: a projection on one table and
	// AttributesToGet on another mix the two kinds of parameter.
	projects, lists := false, false
	for _, ka := range in.RequestItems {
		projects = projects || ka.ProjectionExpression != nil
		lists = lists || ka.AttributesToGet != nil
	}
	if err := checkMixed(present("ProjectionExpression", projects), present("AttributesToGet", lists)); err != nil {
		return err
	}
	total := 0
	for _, name := range attr.SortedKeys(in.RequestItems) {
		ka := in.RequestItems[name]
		_, p, err := projectionOf(ka.ProjectionExpression, ka.AttributesToGet, ka.ExpressionAttributeNames, nil)
		if err != nil {
			return err
		}
		if err := checkUnused(p); err != nil {
			return err
		}
		for i, k := range ka.Keys {
			if err := checkKeyShape(k); err != nil {
				return err
			}
			// Before the table is looked up, as DynamoDB does: equal
			// keys are duplicates whatever the table's key schema.
			for _, earlier := range ka.Keys[:i] {
				if attr.EqualItems(k, earlier) {
					return validation("Provided list of item keys contains duplicates")
				}
			}
		}
		total += len(ka.Keys)
	}
	if total > 100 {
		return validation("Too many items requested for the BatchGetItem call")
	}
	return nil
}
