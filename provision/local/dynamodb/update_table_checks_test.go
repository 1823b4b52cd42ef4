package dynamodb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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

// TestProjectedAttributesAcrossIndexes: a table's INCLUDE indexes may name
// at most 100 NonKeyAttributes together, at CreateTable and when
// UpdateTable adds one (the wording of the refusal is inferred).
func TestProjectedAttributesAcrossIndexes(t *testing.T) {
	skipOn(t, "does not count NonKeyAttributes across indexes", "dynalite")
	attrs := func(from int) string {
		var names []string
		for i := range 20 {
			names = append(names, fmt.Sprintf(`"a%d"`, from+i))
		}
		return strings.Join(names, ",")
	}
	gsi := func(i int) string {
		return fmt.Sprintf(`{"IndexName":"gsi%d","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":[%s]}}`, i, attrs(i*20))
	}
	table := func(name string, n int) string {
		var ixs []string
		for i := range n {
			ixs = append(ixs, gsi(i))
		}
		return `{"TableName":"` + name + `","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"k","AttributeType":"S"}],` +
			`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"GlobalSecondaryIndexes":[` + strings.Join(ixs, ",") + `]}`
	}
	const refusal = `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of 100"}`
	c := newClient(t)
	name := uniqueName("projected")
	runExchanges(t, []exchange{
		{"120 across six indexes", "CreateTable", table(name, 6), 400, refusal},
		{"made no table", "DescribeTable", `{"TableName":"` + name + `"}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: ` + name + ` not found"}`},
	})
	if resp, body := rawCall(t, "DynamoDB_20120810.CreateTable", table(name, 5)); resp.StatusCode != 200 {
		t.Fatalf("100 across five indexes: %d %s, want the table made", resp.StatusCode, body)
	}
	t.Cleanup(func() { c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	waitActive(t, c, name)
	runExchanges(t, []exchange{
		{"a sixth by UpdateTable", "UpdateTable", `{"TableName":"` + name + `","GlobalSecondaryIndexUpdates":[{"Create":` + gsi(5) + `}]}`, 400, refusal},
	})
}

// TestTransactRetryReportsReadUnits: a TransactWriteItems retried with its
// ClientRequestToken reports the first run's units as read units, as the
// API reference says, in the retry's own ReturnConsumedCapacity mode (an
// SDK's retry that reads ConsumedCapacity[0] finds it).
func TestTransactRetryReportsReadUnits(t *testing.T) {
	skipOn(t, "no transactions", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	body := func(mode string) string {
		return `{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"}}}},{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"b"}}}}],` +
			`"ClientRequestToken":"retry-1"` + mode + `}`
	}
	runExchanges(t, []exchange{
		{"the first run", "TransactWriteItems", body(`,"ReturnConsumedCapacity":"TOTAL"`), 200,
			`{"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":4,"WriteCapacityUnits":4}]}`},
		{"its retry", "TransactWriteItems", body(`,"ReturnConsumedCapacity":"TOTAL"`), 200,
			`{"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":4,"ReadCapacityUnits":4}]}`},
		{"a retry asking for indexes", "TransactWriteItems", body(`,"ReturnConsumedCapacity":"INDEXES"`), 200,
			`{"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":4,"ReadCapacityUnits":4,"Table":{"CapacityUnits":4,"ReadCapacityUnits":4}}]}`},
		{"a retry asking nothing", "TransactWriteItems", body(``), 200, `{}`},
	})
}

// TestTransactCapacityInRequestOrder: TransactWriteItems lists its
// ConsumedCapacity "ordered according to the ordering of the TransactItems
// request parameter" (the API reference), not by table name; its retry
// too.
func TestTransactCapacityInRequestOrder(t *testing.T) {
	skipOn(t, "no transactions", "dynalite")
	c := newClient(t)
	a := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	b := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	first, second := max(a, b), min(a, b) // the later name first
	body := `{"TransactItems":[{"Put":{"TableName":"` + first + `","Item":{"pk":{"S":"a"}}}},` +
		`{"ConditionCheck":{"TableName":"` + second + `","Key":{"pk":{"S":"x"}},"ConditionExpression":"attribute_not_exists(pk)"}},` +
		`{"Put":{"TableName":"` + first + `","Item":{"pk":{"S":"b"}}}}],` +
		`"ClientRequestToken":"order-1","ReturnConsumedCapacity":"TOTAL"}`
	runExchanges(t, []exchange{
		{"the first run", "TransactWriteItems", body, 200,
			`{"ConsumedCapacity":[{"TableName":"` + first + `","CapacityUnits":4,"WriteCapacityUnits":4},` +
				`{"TableName":"` + second + `","CapacityUnits":2,"WriteCapacityUnits":2}]}`},
		{"its retry", "TransactWriteItems", body, 200,
			`{"ConsumedCapacity":[{"TableName":"` + first + `","CapacityUnits":4,"ReadCapacityUnits":4},` +
				`{"TableName":"` + second + `","CapacityUnits":2,"ReadCapacityUnits":2}]}`},
	})
}
