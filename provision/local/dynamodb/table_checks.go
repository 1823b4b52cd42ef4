package dynamodb

import (
	"fmt"
	"strings"
)

// checkCreateTableMembers runs CreateTable's member checks, reported
// together in the service's order, before the finer key schema, index and
// throughput rules.
func checkCreateTableMembers(in *createTableInput) error {
	var c constraints
	c.notNull("attributeDefinitions", in.AttributeDefinitions != nil)
	c.tableName("tableName", in.TableName)
	c.enum("billingMode", in.BillingMode, "PROVISIONED", "PAY_PER_REQUEST")
	c.notNull("keySchema", in.KeySchema != nil)
	if in.KeySchema != nil && (len(in.KeySchema) == 0 || len(in.KeySchema) > 2) {
		rule := "Member must have length greater than or equal to 1"
		if len(in.KeySchema) > 2 {
			rule = "Member must have length less than or equal to 2"
		}
		c.fail(quoted(keySchemaString(in.KeySchema)), "keySchema", rule)
	}
	for i, d := range in.AttributeDefinitions {
		at := d.AttributeType
		c.enum(atIndex("attributeDefinitions", i, "attributeType"), &at, "B", "N", "S")
	}
	for i, k := range in.KeySchema {
		kt := k.KeyType
		c.enum(atIndex("keySchema", i, "keyType"), &kt, "HASH", "RANGE")
	}
	// A CreateTable's throughput is held to its members' rules whatever
	// the billing mode (0/0 with PAY_PER_REQUEST is refused too).
	c.throughputMembers("provisionedThroughput", in.ProvisionedThroughput, nil)
	// Index names, the global indexes' before the local ones', each at its
	// place in the request, as DynamoDB lists them.
	for _, group := range []struct {
		field   string
		indexes []indexInput
	}{{"globalSecondaryIndexes", in.GlobalSecondaryIndexes}, {"localSecondaryIndexes", in.LocalSecondaryIndexes}} {
		for i, ix := range group.indexes {
			c.tableName(atIndex(group.field, i, "indexName"), ix.IndexName)
			c.projection(atIndex(group.field, i, "projection"), ix.Projection)
			c.throughputMembers(atIndex(group.field, i, "provisionedThroughput"), ix.ProvisionedThroughput, nil)
		}
	}
	in.SSESpecification.check(&c)
	c.enum("tableClass", in.TableClass, tableClasses...)
	return c.err()
}

// keySchemaString prints a key schema as Coral does in a message.
func keySchemaString(ks []keySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("KeySchemaElement(attributeName=%s, keyType=%s)", k.AttributeName, k.KeyType)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// throughputMembers checks a ProvisionedThroughput's members. A request
// for on-demand billing that still carries zeros is left to the billing
// rules, which word that case.
func (c *constraints) throughputMembers(field string, tp *throughput, billing *string) {
	if tp == nil || billing != nil && *billing == "PAY_PER_REQUEST" {
		return
	}
	for _, m := range []struct {
		name string
		v    *int64
	}{{"writeCapacityUnits", tp.WriteCapacityUnits}, {"readCapacityUnits", tp.ReadCapacityUnits}} {
		f := field + "." + m.name
		c.notNull(f, m.v != nil)
		if m.v != nil && *m.v < 1 {
			c.fail(quoted(fmt.Sprint(*m.v)), f, "Member must have value greater than or equal to 1")
		}
	}
}

// projection checks an index's required projection and the length of its
// non-key attributes.
func (c *constraints) projection(field string, p *projection) {
	c.notNull(field, p != nil)
	if p != nil {
		c.listLength(field+".nonKeyAttributes", p.NonKeyAttributes, 1, 20)
	}
}

// checkUpdateTableMembers runs UpdateTable's member checks before the
// table is looked up.
func checkUpdateTableMembers(in *updateTableInput) error {
	var c constraints
	for i, d := range in.AttributeDefinitions {
		at := d.AttributeType
		c.enum(atIndex("attributeDefinitions", i, "attributeType"), &at, "B", "N", "S")
	}
	c.tableRef("tableName", in.TableName)
	c.throughputMembers("provisionedThroughput", in.ProvisionedThroughput, in.BillingMode)
	c.enum("billingMode", in.BillingMode, "PROVISIONED", "PAY_PER_REQUEST")
	for i, u := range in.GlobalSecondaryIndexUpdates {
		for _, a := range []struct {
			member string
			action *indexInput
		}{{"create", u.Create}, {"update", u.Update}, {"delete", u.Delete}} {
			if a.action != nil {
				c.notNull(atIndex("globalSecondaryIndexUpdates", i, a.member+".indexName"), a.action.IndexName != nil)
			}
			if a.member == "create" && a.action != nil {
				c.projection(atIndex("globalSecondaryIndexUpdates", i, "create.projection"), a.action.Projection)
			}
			// An index's throughput is held to its members' rules at its
			// place in the request, as CreateTable's indexes are.
			if a.member != "delete" && a.action != nil {
				c.throughputMembers(atIndex("globalSecondaryIndexUpdates", i, a.member+".provisionedThroughput"), a.action.ProvisionedThroughput, nil)
			}
		}
	}
	in.SSESpecification.check(&c)
	c.enum("tableClass", in.TableClass, tableClasses...)
	if err := c.err(); err != nil {
		return err
	}
	// The request's own definitions name each attribute once, as
	// CreateTable's must.
	seen := map[string]bool{}
	for _, d := range in.AttributeDefinitions {
		if seen[d.AttributeName] {
			return validation("Attribute Name is duplicated: " + d.AttributeName)
		}
		seen[d.AttributeName] = true
	}
	return nil
}
