package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestUpdateTableChecksItsDefinitions: UpdateTable's AttributeDefinitions
// are held to CreateTable's rules (a type of B, N or S; each name once), so
// a typo is refused at once instead of building an index no write can use;
// nothing of the refused update is applied.
func TestUpdateTableChecksItsDefinitions(t *testing.T) {
	skipOn(t, "requires a new index's ProvisionedThroughput whatever the billing mode, and checks it first", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	index := func(defs string) string {
		return `{"TableName":"` + tbl + `","AttributeDefinitions":[` + defs + `],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"byzz",` +
			`"KeySchema":[{"AttributeName":"zz","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`
	}
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"a type DynamoDB does not have", "UpdateTable", index(`{"AttributeName":"zz","AttributeType":"STRING"}`), 400,
			invalid + `1 validation error detected: Value 'STRING' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"}`},
		{"a name given twice", "UpdateTable", index(`{"AttributeName":"zz","AttributeType":"N"},{"AttributeName":"zz","AttributeType":"S"}`), 400,
			invalid + `Attribute Name is duplicated: zz"}`},
		{"nothing of them was applied", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"zz":{"S":"hello"}}}`, 200, `{}`},
	})
}
