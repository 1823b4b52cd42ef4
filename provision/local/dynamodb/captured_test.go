package dynamodb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The answers in this file are DynamoDB's as public test suites run against
// the service recorded them (docs/local-dynamodb.md names them).

// TestUpdateTableKeepsUsedDefinitions: a table's AttributeDefinitions are
// exactly the attributes its key schemas use. UpdateTable drops a
// definition no key uses, keeps a defined attribute's type when the request
// gives another, and a deleted index's keys go with it.
func TestUpdateTableKeepsUsedDefinitions(t *testing.T) {
	skipOn(t, "keeps every definition it is given, and refuses a redefinition", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	addIndex := func(name string, defs ...types.AttributeDefinition) {
		t.Helper()
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName:            aws.String(tbl),
			AttributeDefinitions: defs,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName:  aws.String(name),
				KeySchema:  []types.KeySchemaElement{{AttributeName: defs[len(defs)-1].AttributeName, KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			}}},
		})
		if err != nil {
			t.Fatalf("add index %s: %v", name, err)
		}
		waitReady(t, c, tbl)
	}
	definitions := func() string {
		t.Helper()
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range out.Table.AttributeDefinitions {
			got = append(got, *d.AttributeName+":"+string(d.AttributeType))
		}
		slices.Sort(got)
		return strings.Join(got, " ")
	}
	def := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}

	addIndex("by-used", def("neverIndexed", types.ScalarAttributeTypeS), def("used", types.ScalarAttributeTypeS))
	if got := definitions(); got != "pk:S used:S" {
		t.Errorf("after an index with an unused definition: %q, want %q", got, "pk:S used:S")
	}
	addIndex("by-cg", def("pk", types.ScalarAttributeTypeN), def("cg", types.ScalarAttributeTypeS))
	if got := definitions(); got != "cg:S pk:S used:S" {
		t.Errorf("after redefining pk as N: %q, want %q", got, "cg:S pk:S used:S")
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: item{"pk": s("a"), "cg": s("x")}}); err != nil {
		t.Fatalf("a string key after the redefinition: %v", err)
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:                   aws.String(tbl),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("by-cg")}}},
	}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, tbl)
	if got := definitions(); got != "pk:S used:S" {
		t.Errorf("after deleting by-cg: %q, want %q", got, "pk:S used:S")
	}
}

// TestCapturedItemAnswers: item operations' answers as the service gave them.
func TestCapturedItemAnswers(t *testing.T) {
	skipOn(t, "answers several of these in older words (docs/local-dynamodb.md)", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("gb"), AttributeType: types.ScalarAttributeTypeB})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by-gb"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("gb"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	})
	pair := countsTable(t, c)
	big := "9" + strings.Repeat("9", 37) + "E+88"
	long := strings.Repeat("a", 2049)
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"an empty binary index key is named binary", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"gb":{"B":""}}}`,
			400, invalid + `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: by-gb, IndexKey: gb"}`},
		{"put a counter", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"c"},"c":{"N":"10"},"v":{"N":"` + big + `"}}}`, 200, `{}`},
		{"arithmetic in parentheses", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"UpdateExpression":"SET c = (c - :v)","ExpressionAttributeValues":{":v":{"N":"3"}},"ReturnValues":"UPDATED_NEW"}`,
			200, `{"Attributes":{"c":{"N":"7"}}}`},
		{"a sum too large and too long is an overflow", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"UpdateExpression":"ADD v :v","ExpressionAttributeValues":{":v":{"N":"` + big + `"}}}`,
			400, invalid + `Number overflow. Attempting to store a number with magnitude larger than supported range"}`},
		{"a projection on one table and AttributesToGet on another", "BatchGetItem",
			`{"RequestItems":{"` + tbl + `":{"Keys":[{"pk":{"S":"a"}}],"ProjectionExpression":"pk"},"` + pair + `":{"Keys":[{"pk":{"S":"a"},"minute":{"S":"m"}}],"AttributesToGet":["pk"]}}}`,
			400, invalid + `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"}`},
		{"Query's SPECIFIC_ATTRIBUTES without a projection", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :v","ExpressionAttributeValues":{":v":{"S":"a"}},"Select":"SPECIFIC_ATTRIBUTES"}`,
			400, invalid + `1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"}`},
		{"Scan's SPECIFIC_ATTRIBUTES without a projection", "Scan",
			`{"TableName":"` + tbl + `","Select":"SPECIFIC_ATTRIBUTES"}`,
			400, invalid + `Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"}`},
		{"ALL_PROJECTED_ATTRIBUTES without an index", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :v","ExpressionAttributeValues":{":v":{"S":"a"}},"Select":"ALL_PROJECTED_ATTRIBUTES"}`,
			400, invalid + `ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"}`},
		{"a batch put without the table's key", "BatchWriteItem",
			`{"RequestItems":{"` + pair + `":[{"PutRequest":{"Item":{"nonKey":{"S":"hello"}}}}]}}`,
			400, invalid + `The provided key element does not match the schema"}`},
		{"a transaction's oversized key cancels it", "TransactWriteItems",
			`{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"fine"}}}},{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"` + long + `"}}}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]","CancellationReasons":[{"Code":"None"},{"Code":"ValidationError","Message":"One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"}]}`},
		{"nothing of the cancelled transaction was written", "GetItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"fine"}},"ConsistentRead":true}`, 200, `{}`},
		{"a transactional read's oversized key cancels it", "TransactGetItems",
			`{"TransactItems":[{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"` + long + `"}}}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]","CancellationReasons":[{"Code":"ValidationError","Message":"One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"}]}`},
		{"a transaction's key of another type cancels it", "TransactWriteItems",
			`{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"N":"123"}}}},{"Delete":{"TableName":"` + tbl + `","Key":{"pk":{"N":"1"}}}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError, ValidationError]","CancellationReasons":[{"Code":"ValidationError","Message":"One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},{"Code":"ValidationError","Message":"The provided key element does not match the schema"}]}`},
		{"a transactional read of an empty key cancels it", "TransactGetItems",
			`{"TransactItems":[{"Get":{"TableName":"` + tbl + `","Key":{}}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]","CancellationReasons":[{"Code":"ValidationError","Message":"The provided key element does not match the schema"}]}`},
		{"a transactional read of one item twice is refused", "TransactGetItems",
			`{"TransactItems":[{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"ProjectionExpression":"c"}},{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"ProjectionExpression":"nothere"}},{"Get":{"TableName":"` + pair + `","Key":{"pk":{"S":"no"},"minute":{"S":"m"}}}}],"ReturnConsumedCapacity":"INDEXES"}`,
			400, invalid + `Transaction request cannot include multiple operations on one item"}`},
		{"its capacity names read units, and a projection of nothing answers no Item", "TransactGetItems",
			`{"TransactItems":[{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"ProjectionExpression":"c"}},{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"gone"}},"ProjectionExpression":"c"}},{"Get":{"TableName":"` + pair + `","Key":{"pk":{"S":"no"},"minute":{"S":"m"}},"ProjectionExpression":"nothere"}}],"ReturnConsumedCapacity":"INDEXES"}`,
			200, `{"Responses":[{"Item":{"c":{"N":"7"}}},{},{}],"ConsumedCapacity":[` + strings.Join(byName(
				`{"TableName":"`+pair+`","CapacityUnits":2,"ReadCapacityUnits":2,"Table":{"CapacityUnits":2,"ReadCapacityUnits":2}}`,
				`{"TableName":"`+tbl+`","CapacityUnits":4,"ReadCapacityUnits":4,"Table":{"CapacityUnits":4,"ReadCapacityUnits":4}}`), ",") + `]}`},
	})
}

// byName orders JSON objects that each start with their TableName, as
// answers list tables.
func byName(objects ...string) []string {
	slices.Sort(objects)
	return objects
}

// TestCapturedLimits: numbers, item sizes, key conditions and table names
// at their limits, as the service answered.
func TestCapturedLimits(t *testing.T) {
	skipOn(t, "words these limits differently or not at all (docs/local-dynamodb.md)", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	pair := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	// An item of exactly 400 KB with the number 1.5: "pk" and "a" (2 + 1),
	// "p" and the string (1 + fill), "n" and 1.5 (1 + 3).
	fill := strings.Repeat("x", 400*1024-3-1-4)
	runExchanges(t, []exchange{
		{"an exponent past 32 bits overflows", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"n":{"N":"1e99999999999"}}}`,
			400, invalid + `1 validation error detected: Number overflow. Attempting to store a number with magnitude larger than supported range"}`},
		{"a negative one underflows", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"n":{"N":"1e-99999999999"}}}`,
			400, invalid + `1 validation error detected: Number underflow. Attempting to store a number with magnitude smaller than supported range"}`},
		{"a zero above the range overflows", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"n":{"N":"0e126"}}}`,
			400, invalid + `1 validation error detected: Number overflow. Attempting to store a number with magnitude larger than supported range"}`},
		{"1.5 takes three bytes: 400 KB exactly", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"p":{"S":"` + fill + `"},"n":{"N":"1.5"}}}`, 200, `{}`},
		{"1.25 takes three bytes too", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"p":{"S":"` + fill + `"},"n":{"N":"1.25"}}}`, 200, `{}`},
		{"1.234 takes four: a byte over", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"p":{"S":"` + fill + `"},"n":{"N":"1.234"}}}`,
			400, invalid + `Item size has exceeded the maximum allowed size"}`},
		{"an update over the limit, in the update's words", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"1.234"}}}`,
			400, invalid + `Item size to update has exceeded the maximum allowed size"}`},
		{"the item is as it was", "GetItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"}},"ProjectionExpression":"n"}`, 200, `{"Item":{"n":{"N":"1.25"}}}`},
		{"two conditions on the sort key", "Query",
			`{"TableName":"` + pair + `","KeyConditionExpression":"pk = :p AND sk > :a AND sk < :b","ExpressionAttributeValues":{":p":{"S":"q"},":a":{"N":"1"},":b":{"N":"5"}}}`,
			400, invalid + `Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"}`},
		{"more conditions than key attributes", "Query",
			`{"TableName":"` + pair + `","KeyConditionExpression":"pk = :p AND sk > :a AND extra = :b","ExpressionAttributeValues":{":p":{"S":"q"},":a":{"N":"1"},":b":{"N":"5"}}}`,
			400, invalid + `The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"}`},
		{"a parenthesised condition joins the list", "Query",
			`{"TableName":"` + pair + `","KeyConditionExpression":"(pk = :p) AND sk > :a","ExpressionAttributeValues":{":p":{"S":"q"},":a":{"N":"1"}}}`,
			200, `{"Items":[],"Count":0,"ScannedCount":0}`},
		{"index names in the request's places, global first", "CreateTable",
			`{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],` +
				`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],` +
				`"LocalSecondaryIndexes":[{"IndexName":"aa","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],` +
				`"GlobalSecondaryIndexes":[{"IndexName":"zz","KeySchema":[{"AttributeName":"sk","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
			400, invalid + `2 validation errors detected: Value 'zz' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'aa' at 'localSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"}`},
		{"nothing was made", "DescribeTable", `{"TableName":"never-made"}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: never-made not found"}`},
		{"an empty table name breaks one rule", "UpdateItem",
			`{"TableName":""}`,
			400, invalid + `2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'key' failed to satisfy constraint: Member must not be null"}`},
		{"and so in DescribeTable", "DescribeTable", `{"TableName":""}`,
			400, invalid + `1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1"}`},
		{"and DeleteTable", "DeleteTable", `{"TableName":""}`,
			400, invalid + `1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1"}`},
	})
}

// TestCapturedIndexReads: a local index fetches from the table what it does
// not project; a global one refuses the attributes it does not project, in
// Query, Scan and PartiQL, and a Query's filter on them; a keyed PartiQL
// read of either index refuses conditions on them.
func TestCapturedIndexReads(t *testing.T) {
	skipOn(t, "no PartiQL; fetches through a local index only for ALL_ATTRIBUTES", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS}, func(in *dynamodb.CreateTableInput) {
		for _, a := range []string{"l", "g"} {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
		}
		keysOnly := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"), Projection: keysOnly,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}}}}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi"), Projection: keysOnly,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}}}
	})
	q := `\"` + tbl + `\"`
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"put", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"x"},"g":{"S":"y"},"data":{"S":"one"},"v":{"BOOL":true}}}`, 200, `{}`},
		{"a local index fetches a named attribute", "Query",
			`{"TableName":"` + tbl + `","IndexName":"lsi","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ProjectionExpression":"#d","ExpressionAttributeNames":{"#d":"data"}}`,
			200, `{"Items":[{"data":{"S":"one"}}],"Count":1,"ScannedCount":1}`},
		{"and all of them when asked", "Query",
			`{"TableName":"` + tbl + `","IndexName":"lsi","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Select":"ALL_ATTRIBUTES"}`,
			200, `{"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"x"},"g":{"S":"y"},"data":{"S":"one"},"v":{"BOOL":true}}],"Count":1,"ScannedCount":1}`},
		{"by default it answers what it projects", "Query",
			`{"TableName":"` + tbl + `","IndexName":"lsi","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`,
			200, `{"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"x"}}],"Count":1,"ScannedCount":1}`},
		{"PartiQL through a local index fetches too", "ExecuteStatement",
			`{"Statement":"SELECT data FROM ` + q + `.\"lsi\" WHERE pk = 'a' AND l = 'x'"}`,
			200, `{"Items":[{"data":{"S":"one"}}]}`},
		{"PartiQL through a global index refuses what it does not project", "ExecuteStatement",
			`{"Statement":"SELECT data, pk, v, data FROM ` + q + `.\"gsi\" WHERE g = 'y'"}`,
			400, invalid + `One or more parameter values were invalid: Global secondary index gsi does not project [data, v]"}`},
		{"a keyed PartiQL read of a global index refuses a condition on what it does not project", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + `.\"gsi\" WHERE g = 'y' AND data = 'one' AND v = true"}`,
			400, invalid + `One or more parameter values were invalid: Secondary index gsi does not project one or more filter attributes: [data, v]"}`},
		{"a read of several of its partitions (IN) is keyed too", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + `.\"gsi\" WHERE g IN ['y', 'z'] AND v = true"}`,
			400, invalid + `One or more parameter values were invalid: Secondary index gsi does not project one or more filter attributes: [v]"}`},
		{"so does a local one, which fetches columns but not conditions", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + `.\"lsi\" WHERE pk = 'a' AND data = 'one'"}`,
			400, invalid + `One or more parameter values were invalid: Secondary index lsi does not project one or more filter attributes: [data]"}`},
		{"a Query of a global index refuses attributes it does not project", "Query",
			`{"TableName":"` + tbl + `","IndexName":"gsi","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"y"}},"ProjectionExpression":"pk, #d, v","ExpressionAttributeNames":{"#d":"data"}}`,
			400, invalid + `One or more parameter values were invalid: Global secondary index gsi does not project [data, v]"}`},
		{"named by AttributesToGet too", "Query",
			`{"TableName":"` + tbl + `","IndexName":"gsi","KeyConditions":{"g":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"y"}]}},"AttributesToGet":["data"]}`,
			400, invalid + `One or more parameter values were invalid: Global secondary index gsi does not project [data]"}`},
		{"and so does a Scan of it", "Scan",
			`{"TableName":"` + tbl + `","IndexName":"gsi","ProjectionExpression":"#d","ExpressionAttributeNames":{"#d":"data"}}`,
			400, invalid + `One or more parameter values were invalid: Global secondary index gsi does not project [data]"}`},
		{"what it projects is answered", "Query",
			`{"TableName":"` + tbl + `","IndexName":"gsi","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"y"}},"ProjectionExpression":"sk, g"}`,
			200, `{"Items":[{"sk":{"S":"1"},"g":{"S":"y"}}],"Count":1,"ScannedCount":1}`},
		{"a Query of a global index refuses a filter on what it does not project, sorted", "Query",
			`{"TableName":"` + tbl + `","IndexName":"gsi","KeyConditionExpression":"g = :g","FilterExpression":"v = :t AND (#d = :d OR attribute_not_exists(#d))","ExpressionAttributeNames":{"#d":"data"},"ExpressionAttributeValues":{":g":{"S":"y"},":t":{"BOOL":true},":d":{"S":"one"}}}`,
			400, invalid + `One or more parameter values were invalid: Secondary index gsi does not project one or more filter attributes: [data, v]"}`},
		{"a legacy QueryFilter too", "Query",
			`{"TableName":"` + tbl + `","IndexName":"gsi","KeyConditions":{"g":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"y"}]}},"QueryFilter":{"data":{"ComparisonOperator":"NULL"}}}`,
			400, invalid + `One or more parameter values were invalid: Secondary index gsi does not project one or more filter attributes: [data]"}`},
		{"a Scan of it filters the entries as they are", "Scan",
			`{"TableName":"` + tbl + `","IndexName":"gsi","FilterExpression":"attribute_not_exists(#d)","ExpressionAttributeNames":{"#d":"data"}}`,
			200, `{"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"y"}}],"Count":1,"ScannedCount":1}`},
		{"an UPDATE of an index", "ExecuteStatement",
			`{"Statement":"UPDATE ` + q + `.\"gsi\" SET v = false WHERE pk = 'a' AND sk = '1'"}`,
			400, invalid + `This operation is not supported on an index"}`},
		{"a DELETE from an index", "ExecuteStatement",
			`{"Statement":"DELETE FROM ` + q + `.\"lsi\" WHERE pk = 'a' AND sk = '1'"}`,
			400, invalid + `This operation is not supported on an index"}`},
		{"an index scan's conditions see the entries, where the attribute is missing", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + `.\"gsi\" WHERE NOT data = 'one'"}`,
			200, `{"Items":[{"pk":{"S":"a"}}]}`},
		{"and a condition on it under OR selects nothing", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + `.\"gsi\" WHERE (g = 'y' AND data = 'one') OR g = 'z'"}`,
			200, `{"Items":[]}`},
		{"an ordering comparison with a BOOL parameter", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + ` WHERE pk = 'a' AND v >= ?","Parameters":[{"BOOL":true}]}`,
			400, invalid + `Incorrect operand type for operator or function; operator or function: >=, operand type: BOOL"}`},
		{"BETWEEN with a list", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + ` WHERE pk = 'a' AND data BETWEEN ? AND 'z'","Parameters":[{"L":[]}]}`,
			400, invalid + `Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L"}`},
		{"a bag with a member twice", "ExecuteStatement",
			`{"Statement":"UPDATE ` + q + ` SET tags = set_add(tags, <<'x','x'>>) WHERE pk = 'a' AND sk = '1'"}`,
			400, invalid + `One or more parameter values were invalid: Input collection [x, x] contains duplicates."}`},
		{"attribute_exists of a value", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + ` WHERE pk = 'a' AND attribute_exists(?)","Parameters":[{"S":"data"}]}`,
			400, invalid + `Operator or function requires a document path; operator or function: attribute_exists"}`},
		{"equality takes any type", "ExecuteStatement",
			`{"Statement":"SELECT pk FROM ` + q + ` WHERE pk = 'a' AND v = ?","Parameters":[{"BOOL":true}]}`,
			200, `{"Items":[{"pk":{"S":"a"}}]}`},
	})
}

// TestServerSideEncryptionDescribed: SSESpecification is described as
// DynamoDB describes it (LocalStack's snapshots recorded against AWS).
func TestServerSideEncryptionDescribed(t *testing.T) {
	skipOn(t, "does not describe server-side encryption", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.SSESpecification = &types.SSESpecification{Enabled: aws.Bool(true)}
	})
	describe := func() *types.SSEDescription {
		t.Helper()
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Table.SSEDescription
	}
	created := describe()
	if created == nil || created.Status != types.SSEStatusEnabled || created.SSEType != types.SSETypeKms ||
		!strings.HasPrefix(aws.ToString(created.KMSMasterKeyArn), "arn:aws:kms:us-east-1:") || !strings.Contains(aws.ToString(created.KMSMasterKeyArn), ":key/") {
		t.Fatalf("SSEDescription of a table created with encryption enabled: %+v", created)
	}
	// Deletion protection changes at once, and leaves the description.
	dp, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl), DeletionProtectionEnabled: aws.Bool(false)})
	if err != nil || dp.TableDescription.TableStatus != types.TableStatusActive {
		t.Fatalf("UpdateTable of deletion protection alone: %+v %v, want ACTIVE", dp, err)
	}
	if got := describe(); got == nil || got.Status != types.SSEStatusEnabled || *got.KMSMasterKeyArn != *created.KMSMasterKeyArn {
		t.Fatalf("after an update without SSESpecification: %+v", got)
	}
	// settled waits until the description is what want says.
	settled := func(want func(*types.SSEDescription) bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !want(describe()); {
			if time.Now().After(deadline) {
				t.Fatalf("SSEDescription still %+v", describe())
			}
			time.Sleep(20 * time.Millisecond) // polling interval
		}
	}
	// Disabling answers UPDATING with the key it had, the table ACTIVE;
	// the table cannot be deleted meanwhile; then the description is gone.
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl), SSESpecification: &types.SSESpecification{Enabled: aws.Bool(false)}})
	if err != nil {
		t.Fatalf("UpdateTable with only SSESpecification: %v", err)
	}
	if got := out.TableDescription.SSEDescription; out.TableDescription.TableStatus != types.TableStatusActive || got == nil || got.Status != types.SSEStatusUpdating || *got.KMSMasterKeyArn != *created.KMSMasterKeyArn {
		t.Fatalf("UpdateTable disabling encryption answered %s %+v", out.TableDescription.TableStatus, got)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(tbl)})
	apiErr(t, err, "ResourceInUseException", "Attempt to change a resource which is still in use: Table: "+tbl+" is in the process of being updated.")
	settled(func(d *types.SSEDescription) bool { return d == nil })
	// A key given by id is described by its ARN, once the update settles.
	key := "arn:aws:kms:us-east-1:" + strings.Split(*created.KMSMasterKeyArn, ":")[4] + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	byID := &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms, KMSMasterKeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")}
	out, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl), SSESpecification: byID})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.TableDescription.SSEDescription; got == nil || got.Status != types.SSEStatusUpdating || got.KMSMasterKeyArn != nil {
		t.Fatalf("UpdateTable enabling encryption answered %+v, want only the status", got)
	}
	settled(func(d *types.SSEDescription) bool { return d != nil && d.Status == types.SSEStatusEnabled })
	if got := describe(); *got.KMSMasterKeyArn != key {
		t.Fatalf("after enabling with a key id: %+v", got)
	}
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: `
	runExchanges(t, []exchange{
		{"the same key again", "UpdateTable", `{"TableName":"` + tbl + `","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"` + key + `"}}`,
			400, invalid + `Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key"}`},
		{"encryption with another change", "UpdateTable", `{"TableName":"` + tbl + `","SSESpecification":{"Enabled":false},"BillingMode":"PAY_PER_REQUEST","DeletionProtectionEnabled":true}`,
			400, invalid + `Server-Side Encryption modification must be the only operation in the request"}`},
		{"deletion protection with another change", "UpdateTable", `{"TableName":"` + tbl + `","BillingMode":"PAY_PER_REQUEST","DeletionProtectionEnabled":true}`,
			400, invalid + `DeletionProtection modification must be the only operation in the request"}`},
		{"a type with Enabled false", "CreateTable", `{"TableName":"never-made","SSESpecification":{"Enabled":false,"SSEType":"KMS"},"BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `SSEType can not be specified if Enabled is false"}`},
		{"a key with Enabled false", "CreateTable", `{"TableName":"never-made","SSESpecification":{"Enabled":false,"KMSMasterKeyId":"k"},"BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `KMSMasterKeyId can not be specified if Enabled is false"}`},
		{"AES256", "CreateTable", `{"TableName":"never-made","SSESpecification":{"Enabled":true,"SSEType":"AES256"},"BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `SSEType AES256 is not supported"}`},
		{"a key without a type", "CreateTable", `{"TableName":"never-made","SSESpecification":{"Enabled":true,"KMSMasterKeyId":"k"},"BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `SSEType KMS is required if KMSMasterKeyId is specified"}`},
		{"none of them made a table", "DescribeTable", `{"TableName":"never-made"}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: never-made not found"}`},
	})
	plain := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.SSESpecification = &types.SSESpecification{Enabled: aws.Bool(false)}
	})
	if d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(plain)}); err != nil || d.Table.SSEDescription != nil {
		t.Fatalf("a table created with encryption disabled: %+v %v", d, err)
	}
	// Without Enabled, an SSEType enables encryption and an empty
	// specification does not; the managed key's alias names the default key.
	for _, tc := range []struct {
		spec *types.SSESpecification
		want bool
	}{
		{&types.SSESpecification{}, false},
		{&types.SSESpecification{SSEType: types.SSETypeKms}, true},
		{&types.SSESpecification{SSEType: types.SSETypeKms, KMSMasterKeyId: aws.String("alias/aws/dynamodb")}, true},
	} {
		name := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) { in.SSESpecification = tc.spec })
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		got := d.Table.SSEDescription
		if (got != nil) != tc.want || got != nil && *got.KMSMasterKeyArn != *created.KMSMasterKeyArn {
			t.Errorf("SSESpecification %+v: SSEDescription %+v", *tc.spec, got)
		}
	}
	runExchanges(t, []exchange{
		{"an unknown SSEType", "UpdateTable", `{"TableName":"` + plain + `","SSESpecification":{"Enabled":true,"SSEType":"RSA"}}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value 'RSA' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must satisfy enum value set: [AES256, KMS]"}`},
		{"disabling what is not enabled", "UpdateTable", `{"TableName":"` + plain + `","SSESpecification":{"Enabled":false}}`,
			400, invalid + `Table is already encrypted by default"}`},
	})
}

// TestCapturedTableAnswers: UpdateTable's, DescribeTable's, TTL's and the
// tag operations' answers as DynamoDB gave them to a lab that probed it.
func TestCapturedTableAnswers(t *testing.T) {
	skipOn(t, "answers these in older words or not at all", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		for _, a := range []string{"z", "a"} {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
		}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{
			{IndexName: aws.String("by-z"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("z"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"mm", "aa", "zz"}}},
			{IndexName: aws.String("by-a"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("a"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		}
	})
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range d.Table.AttributeDefinitions {
		names = append(names, *a.AttributeName)
	}
	if got := strings.Join(names, " "); got != "a pk z" {
		t.Errorf("AttributeDefinitions described as %q, want them in name order", got)
	}
	if got := strings.Join(d.Table.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes, " "); got != "aa mm zz" {
		t.Errorf("NonKeyAttributes described as %q, want them in name order", got)
	}
	arn := *d.Table.TableArn
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	const invalidParam = invalid + `One or more parameter values were invalid: `
	// 41 tags of a 3-byte key and a 250-byte value: 10373 bytes.
	var big []string
	for i := range 41 {
		big = append(big, fmt.Sprintf(`{"Key":"k%02d","Value":"%s"}`, i, strings.Repeat("v", 250)))
	}
	bigTags := strings.Join(big, ",")
	gsi := func(action string) string {
		return `{"` + action + `":{"IndexName":"by-a","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}`
	}
	runExchanges(t, []exchange{
		{"an UpdateTable that changes nothing", "UpdateTable", `{"TableName":"` + tbl + `","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[]}`,
			400, invalid + `At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"}`},
		{"an empty list of index updates beside a change", "UpdateTable", `{"TableName":"` + tbl + `","BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexUpdates":[]}`,
			400, invalidParam + `List of GlobalSecondaryIndexUpdates is empty"}`},
		{"an index update of nothing", "UpdateTable", `{"TableName":"` + tbl + `","GlobalSecondaryIndexUpdates":[{}]}`,
			400, invalidParam + `One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"}`},
		{"two actions in one index update", "UpdateTable", `{"TableName":"` + tbl + `","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-a"},"Delete":{"IndexName":"by-a"}}]}`,
			400, invalidParam + `Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"}`},
		{"two updates of one index", "UpdateTable", `{"TableName":"` + tbl + `","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-a"}},` + gsi("Create") + `]}`,
			400, invalidParam + `Only one global secondary index update per index is allowed simultaneously. Index: by-a"}`},
		{"an index update without a name", "UpdateTable", `{"TableName":"` + tbl + `","GlobalSecondaryIndexUpdates":[{"Delete":{}}]}`,
			400, invalid + `1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.delete.indexName' failed to satisfy constraint: Member must not be null"}`},
		{"an index the table does not have", "UpdateTable", `{"TableName":"` + tbl + `","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"ghost"}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Index ghost for table ` + tbl + `"}`},
		{"a throughput change beside an index creation", "UpdateTable", `{"TableName":"` + tbl + `","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"GlobalSecondaryIndexUpdates":[` + gsi("Create") + `]}`,
			400, invalidParam + `You cannot create or delete index while updating table IOPS"}`},
		{"PROVISIONED without throughput", "UpdateTable", `{"TableName":"` + tbl + `","BillingMode":"PROVISIONED"}`,
			400, invalidParam + `ProvisionedThroughput must be specified when BillingMode is PROVISIONED"}`},
		{"a missing table named by its ARN", "DescribeTable", `{"TableName":"arn:aws:dynamodb:us-east-1:` + strings.Split(arn, ":")[4] + `:table/no-such-table"}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: no-such-table not found"}`},
		{"on-demand with zero throughput", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":0},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `2 validation errors detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"}`},
		{"provisioned with read capacity only", "CreateTable", `{"TableName":"never-made","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `1 validation error detected: Value null at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null"}`},
		{"a definition no key uses, with an index and a bad projection", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"},{"AttributeName":"extra","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],` +
			`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE"}}]}`,
			400, invalidParam + `Some AttributeDefinitions are not used. AttributeDefinitions: [pk, g, extra], keys used: [g, pk]"}`},
		{"a key attribute name of 256 bytes", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"` + strings.Repeat("k", 256) + `","AttributeType":"S"}],"KeySchema":[{"AttributeName":"` + strings.Repeat("k", 256) + `","KeyType":"HASH"}]}`,
			400, invalid + `1 validation error detected: Value '` + strings.Repeat("k", 256) + `' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"}`},
		{"an attribute defined twice", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalid + `Attribute Name is duplicated: pk"}`},
		{"TTL on", "UpdateTimeToLive", `{"TableName":"` + tbl + `","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl_a"}}`,
			200, `{"TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl_a"}}`},
		{"TTL on another attribute", "UpdateTimeToLive", `{"TableName":"` + tbl + `","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl_b"}}`,
			400, invalid + `TimeToLive is active on a different AttributeName: current AttributeName is ttl_a"}`},
		{"no tags", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[]}`, 400, invalid + `Atleast one Tag needs to be provided as Input."}`},
		{"no tag keys", "UntagResource", `{"ResourceArn":"` + arn + `","TagKeys":[]}`, 400, invalid + `Atleast one Tag Key needs to be provided as Input."}`},
		{"an aws: key", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"good","Value":"v"},{"Key":"AWS:foo","Value":"v"}]}`,
			400, invalid + `Tag Key cannot be prefixed with aws:, Key: AWS:foo"}`},
		{"a key of another character", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"a#b","Value":"v"}]}`,
			400, invalid + `The Tag Key provided is invalid, Key: a#b"}`},
		{"a tag without a value", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"k"}]}`,
			400, invalid + `The Tag Value provided is invalid, Value: null"}`},
		{"a key twice", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"dup","Value":"1"},{"Key":"dup","Value":"2"}]}`,
			400, invalid + `Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"}`},
		{"tags of more than 10240 bytes", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[` + bigTags + `]}`,
			400, invalid + `Tag set size 10373 bytes is above max size limit of 10240 bytes"}`},
		{"no refused tag was kept", "ListTagsOfResource", `{"ResourceArn":"` + arn + `"}`, 200, `{"Tags":[]}`},
		// Not recorded at CreateTable: TagResource's rule and words, applied
		// so that a table is never made with tags it could not be given.
		{"CreateTable with those tags", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],` +
			`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Tags":[` + bigTags + `]}`,
			400, invalid + `Tag set size 10373 bytes is above max size limit of 10240 bytes"}`},
		{"made no table", "DescribeTable", `{"TableName":"never-made"}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: never-made not found"}`},
		{"a tag with every allowed character", "TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"Team_1 .:/=+-@","Value":"Données é"}]}`, 200, `{}`},
		{"an index's ARN", "ListTagsOfResource", `{"ResourceArn":"` + arn + `/index/by-a"}`,
			400, invalidParam + `Invalid resource arn provided, only table or stream is accepted. Provided resource arn: ` + arn + `/index/by-a"}`},
		{"another service's ARN", "ListTagsOfResource", `{"ResourceArn":"arn:aws:s3:::a-bucket"}`,
			400, invalidParam + `Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::a-bucket"}`},
		{"another region's ARN", "ListTagsOfResource", `{"ResourceArn":"` + strings.Replace(arn, "us-east-1", "eu-west-1", 1) + `"}`,
			400, invalid + `Invalid TableArn: Invalid ResourceArn provided as input ` + strings.Replace(arn, "us-east-1", "eu-west-1", 1) + `"}`},
		{"an ARN that is not one", "ListTagsOfResource", `{"ResourceArn":"` + tbl + `"}`,
			400, invalid + `One or more parameter values were invalid: ARNs must start with 'arn:': ` + tbl + `"}`},
		{"a missing table's ARN", "ListTagsOfResource", `{"ResourceArn":"` + arn + `x"}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: ResourceArn: ` + arn + `x not found"}`},
	})
	// An index UpdateTable adds is not backfilling while it is CREATING.
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("by-n"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("n"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range out.TableDescription.GlobalSecondaryIndexes {
		if backfilling := g.Backfilling != nil && !*g.Backfilling; (*g.IndexName == "by-n") != backfilling {
			t.Errorf("index %s (%s): Backfilling %v", *g.IndexName, g.IndexStatus, g.Backfilling)
		}
	}
	waitReady(t, c, tbl)
	// DeleteTable's answer leaves out the key schema, the definitions, the
	// indexes and the creation time.
	del, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(tbl)})
	if err != nil {
		t.Fatal(err)
	}
	if d := del.TableDescription; d.TableStatus != types.TableStatusDeleting || d.KeySchema != nil || d.AttributeDefinitions != nil || d.CreationDateTime != nil || *d.TableName != tbl ||
		d.GlobalSecondaryIndexes != nil || d.LocalSecondaryIndexes != nil {
		t.Fatalf("DeleteTable answered %+v", *d)
	}
}

// TestTwentyFirstIndex: UpdateTable refuses a 21st global index with
// DynamoDB's LimitExceededException (CreateTable refuses it as invalid).
func TestTwentyFirstIndex(t *testing.T) {
	skipOn(t, "cannot add a GSI with UpdateTable", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		for i := range 20 {
			name := aws.String(fmt.Sprintf("g%02d", i))
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: name, AttributeType: types.ScalarAttributeTypeS})
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{IndexName: name,
				KeySchema: []types.KeySchemaElement{{AttributeName: name, KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}})
		}
	})
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g20"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("g20"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g20"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}}})
	apiErr(t, err, "LimitExceededException", "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of 20")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil || d.Table.TableStatus != types.TableStatusActive || len(d.Table.GlobalSecondaryIndexes) != 20 {
		t.Fatalf("after the refusal: %v %v", d, err)
	}
}

// TestSingleWriteEnvelope: PutItem's and DeleteItem's request validation,
// UpdateItem's undefined values and the three writes' attribute values are
// refused inside "1 validation error detected: ", as DynamoDB answered in
// us-east-1 and eu-west-2 in October 2026; other refusals stay bare.
func TestSingleWriteEnvelope(t *testing.T) {
	skipOn(t, "answers without the envelope", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const one = `{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: `
	const bare = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	del := func(rest string) string { return `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"}}` + rest + `}` }
	runExchanges(t, []exchange{
		{"values without an expression", "DeleteItem", del(`,"ExpressionAttributeValues":{":v":{"S":"x"}}`), 400,
			one + `ExpressionAttributeValues can only be specified when using expressions"}`},
		{"names without an expression", "DeleteItem", del(`,"Expected":{"a":{"Exists":false}},"ExpressionAttributeNames":{"#a":"a"}`), 400,
			one + `ExpressionAttributeNames can only be specified when using expressions"}`},
		{"an empty map of values", "DeleteItem", del(`,"ConditionExpression":"attribute_exists(a)","ExpressionAttributeValues":{}`), 400,
			one + `ExpressionAttributeValues must not be empty"}`},
		{"an empty condition", "DeleteItem", del(`,"ConditionExpression":""`), 400,
			one + `Invalid ConditionExpression: The expression can not be empty;"}`},
		{"ReturnValues of an update", "DeleteItem", del(`,"ReturnValues":"UPDATED_NEW"`), 400,
			one + `ReturnValues can only be ALL_OLD or NONE"}`},
		{"Exists true without a value", "DeleteItem", del(`,"Expected":{"a":{"Exists":true}}`), 400,
			one + `One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"}`},
		{"a NULL that is false", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"x":{"NULL":false}}}`, 400,
			one + `One or more parameter values were invalid: Null attribute value types must have the value of true"}`},
		{"an undefined value in an update's condition", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET b = :w","ConditionExpression":"a = :v","ExpressionAttributeValues":{":w":{"S":"x"}}}`, 400,
			one + `Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"}`},
		{"mixing stays bare", "DeleteItem", del(`,"Expected":{"pk":{"Exists":false}},"ConditionExpression":"attribute_not_exists(pk)"`), 400,
			bare + `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"}`},
		{"a read stays bare", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"},"x":{"NULL":false}}}`, 400,
			bare + `One or more parameter values were invalid: Null attribute value types must have the value of true"}`},
		{"nothing was written", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"}}}`, 200, `{}`},
	})
}

// TestThroughputChangesAsDynamoDBShowsThem: an UpdateTable's answer shows
// the throughput as it was, with the time of the change; DescribeTable then
// shows the new one and counts the day's decreases; an index's throughput
// changes with the table ACTIVE.
func TestThroughputChangesAsDynamoDBShowsThem(t *testing.T) {
	skipOn(t, "shows the new throughput at once and keeps no change times", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	two := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(2), WriteCapacityUnits: aws.Int64(2)}
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.BillingMode, in.ProvisionedThroughput = types.BillingModeProvisioned, two
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("by-g"), ProvisionedThroughput: two,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	update := func(in *dynamodb.UpdateTableInput) *types.TableDescription {
		t.Helper()
		in.TableName = aws.String(tbl)
		out, err := c.UpdateTable(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.TableDescription
	}
	describe := func() *types.TableDescription {
		t.Helper()
		waitActive(t, c, tbl)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) { // polling interval
			d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Table.GlobalSecondaryIndexes[0].IndexStatus == types.IndexStatusActive || time.Now().After(deadline) {
				return d.Table
			}
		}
	}
	up := update(&dynamodb.UpdateTableInput{ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(4), WriteCapacityUnits: aws.Int64(4)}})
	if p := up.ProvisionedThroughput; up.TableStatus != types.TableStatusUpdating || *p.ReadCapacityUnits != 2 || p.LastIncreaseDateTime == nil || p.LastDecreaseDateTime != nil {
		t.Fatalf("raising the throughput answered %s %+v, want UPDATING with 2/2 and the increase's time", up.TableStatus, *p)
	}
	if p := describe().ProvisionedThroughput; *p.ReadCapacityUnits != 4 || p.LastIncreaseDateTime == nil || *p.NumberOfDecreasesToday != 0 {
		t.Fatalf("after raising: %+v", *p)
	}
	down := update(&dynamodb.UpdateTableInput{ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	if p := down.ProvisionedThroughput; *p.ReadCapacityUnits != 4 || p.LastDecreaseDateTime == nil {
		t.Fatalf("lowering the throughput answered %+v, want 4/4 and the decrease's time", *p)
	}
	if p := describe().ProvisionedThroughput; *p.ReadCapacityUnits != 1 || *p.NumberOfDecreasesToday != 1 {
		t.Fatalf("after lowering: %+v, want 1/1 and one decrease today", *p)
	}
	ix := update(&dynamodb.UpdateTableInput{GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{
		IndexName: aws.String("by-g"), ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}}}}})
	if g := ix.GlobalSecondaryIndexes[0]; ix.TableStatus != types.TableStatusActive || g.IndexStatus != types.IndexStatusUpdating || *g.ProvisionedThroughput.ReadCapacityUnits != 2 {
		t.Fatalf("an index's throughput change answered table %s, index %s %+v; want ACTIVE, UPDATING, 2/2", ix.TableStatus, g.IndexStatus, *g.ProvisionedThroughput)
	}
	if g := describe().GlobalSecondaryIndexes[0]; g.IndexStatus != types.IndexStatusActive || *g.ProvisionedThroughput.ReadCapacityUnits != 3 || g.ProvisionedThroughput.LastIncreaseDateTime == nil {
		t.Fatalf("after the index's change: %s %+v", g.IndexStatus, *g.ProvisionedThroughput)
	}
}

// TestBillingModeSummary: CreateTable's and a billing switch's answers name
// the mode only; DescribeTable gives the time the table last became
// on-demand, and keeps it after a switch to PROVISIONED.
func TestBillingModeSummary(t *testing.T) {
	skipOn(t, "gives the time in every answer and drops it after a switch", "dynalite")
	ctx := context.Background()
	c := newClient(t)
	name := uniqueName("billing-summary")
	created, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	if s := created.TableDescription.BillingModeSummary; s == nil || s.BillingMode != types.BillingModePayPerRequest || s.LastUpdateToPayPerRequestDateTime != nil {
		t.Fatalf("CreateTable's summary %+v, want the mode only", s)
	}
	waitActive(t, c, name)
	summary := func() *types.BillingModeSummary {
		t.Helper()
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return d.Table.BillingModeSummary
	}
	became := summary().LastUpdateToPayPerRequestDateTime
	if became == nil {
		t.Fatal("DescribeTable of an on-demand table gives no LastUpdateToPayPerRequestDateTime")
	}
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.TableDescription.BillingModeSummary; s == nil || s.BillingMode != types.BillingModeProvisioned || s.LastUpdateToPayPerRequestDateTime != nil {
		t.Fatalf("the switch's summary %+v, want the mode only", s)
	}
	waitActive(t, c, name)
	if s := summary(); s == nil || s.BillingMode != types.BillingModeProvisioned || s.LastUpdateToPayPerRequestDateTime == nil || !s.LastUpdateToPayPerRequestDateTime.Equal(*became) {
		t.Fatalf("after the switch: %+v, want PROVISIONED and the time it became on-demand", s)
	}
}

// TestCapturedIndexThroughputAnswers: index throughput and index-kind
// refusals in DynamoDB's words, which differ between CreateTable and
// UpdateTable.
func TestCapturedIndexThroughputAnswers(t *testing.T) {
	skipOn(t, "words these as the table's throughput refusals", "dynalite")
	c := newClient(t)
	one := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	prov := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS}, func(in *dynamodb.CreateTableInput) {
		in.BillingMode, in.ProvisionedThroughput = types.BillingModeProvisioned, one
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("by-g"), ProvisionedThroughput: one,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("by-g-local"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("g"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	ondemand := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("by-g"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	const invalidParam = invalid + `One or more parameter values were invalid: `
	table := func(billing, gsiThroughput string) string {
		return `{"TableName":"never-made","BillingMode":"` + billing + `",` + map[bool]string{true: `"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},`}[billing == "PROVISIONED"] +
			`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],` +
			`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}` + gsiThroughput + `}]}`
	}
	create := func(name, throughput string) string {
		return `{"Create":{"IndexName":"` + name + `","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}` + throughput + `}}`
	}
	const pt = `,"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}`
	runExchanges(t, []exchange{
		{"CreateTable: an on-demand index with throughput", "CreateTable", table("PAY_PER_REQUEST", pt), 400,
			invalidParam + `ProvisionedThroughput should not be specified for index: by-g when BillingMode is PAY_PER_REQUEST"}`},
		{"CreateTable: a provisioned index without", "CreateTable", table("PROVISIONED", ""), 400,
			invalidParam + `ProvisionedThroughput is not specified for index: by-g"}`},
		{"UpdateTable: a provisioned index without", "UpdateTable", `{"TableName":"` + prov + `","GlobalSecondaryIndexUpdates":[` + create("by-g2", "") + `]}`, 400,
			invalidParam + `Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: by-g2"}`},
		{"UpdateTable: an on-demand index with throughput", "UpdateTable", `{"TableName":"` + ondemand + `","GlobalSecondaryIndexUpdates":[` + create("by-g2", pt) + `]}`, 400,
			invalidParam + `Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: by-g2 when BillingMode is PAY_PER_REQUEST"}`},
		{"UpdateTable: an on-demand index's throughput", "UpdateTable", `{"TableName":"` + ondemand + `","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g"` + pt + `}}]}`, 400,
			invalidParam + `The only Updates for index: by-g when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"}`},
		{"UpdateTable: the same index throughput", "UpdateTable", `{"TableName":"` + prov + `","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g"` + pt + `}}]}`, 400,
			invalid + `The provisioned throughput for the index by-g will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for index by-g: 1. Requested ReadCapacityUnits: 1. Current WriteCapacityUnits provisioned for index by-g: 1. Requested WriteCapacityUnits: 1. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."}`},
		{"UpdateTable: an index that exists", "UpdateTable", `{"TableName":"` + prov + `","GlobalSecondaryIndexUpdates":[` + create("by-g-local", pt) + `]}`, 400,
			invalid + `Attempting to create an index which already exists"}`},
		{"UpdateTable: deleting a local index", "UpdateTable", `{"TableName":"` + prov + `","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-g-local"}}]}`, 400,
			invalid + `Cannot delete an index that is not a GlobalSecondaryIndex: by-g-local"}`},
		{"UpdateTable: updating a local index", "UpdateTable", `{"TableName":"` + prov + `","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g-local"` + pt + `}}]}`, 400,
			invalid + `Cannot update an index that is not a GlobalSecondaryIndex: by-g-local"}`},
		{"CreateTable: an index without a projection", "CreateTable", strings.Replace(table("PAY_PER_REQUEST", ""), `,"Projection":{"ProjectionType":"ALL"}`, "", 1), 400,
			invalid + `1 validation error detected: Value null at 'globalSecondaryIndexes.1.member.projection' failed to satisfy constraint: Member must not be null"}`},
		{"CreateTable: INCLUDE of nothing", "CreateTable", strings.Replace(table("PAY_PER_REQUEST", ""), `{"ProjectionType":"ALL"}`, `{"ProjectionType":"INCLUDE","NonKeyAttributes":[]}`, 1), 400,
			invalid + `1 validation error detected: Value '[]' at 'globalSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1"}`},
		{"CreateTable: a non-key attribute twice", "CreateTable", strings.Replace(table("PAY_PER_REQUEST", ""), `{"ProjectionType":"ALL"}`, `{"ProjectionType":"INCLUDE","NonKeyAttributes":["x","y","x"]}`, 1), 400,
			invalidParam + `Duplicate element in NonKeyAttributes: x"}`},
		{"nothing changed", "DescribeTable", `{"TableName":"never-made"}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: never-made not found"}`},
	})
}

// TestOnDemandThroughputDescribed: an on-demand table's and index's request
// caps are kept and described (not applied), refused where DynamoDB
// refuses them, changed at once, and dropped by a switch to PROVISIONED.
func TestOnDemandThroughputDescribed(t *testing.T) {
	skipOn(t, "ignores OnDemandThroughput", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.OnDemandThroughput = &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(100)}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("by-g"), OnDemandThroughput: &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(50), MaxWriteRequestUnits: aws.Int64(50)},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	const invalidParam = `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: `
	d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil {
		t.Fatal(err)
	}
	// A member that caps nothing is left out of the description.
	if o := d.Table.OnDemandThroughput; o == nil || *o.MaxReadRequestUnits != 100 || o.MaxWriteRequestUnits != nil {
		t.Fatalf("the table's cap described as %+v, want 100 reads and no write member", o)
	}
	if o := d.Table.GlobalSecondaryIndexes[0].OnDemandThroughput; o == nil || *o.MaxReadRequestUnits != 50 || *o.MaxWriteRequestUnits != 50 {
		t.Fatalf("the index's cap described as %+v", o)
	}
	runExchanges(t, []exchange{
		{"a cap on a provisioned table", "CreateTable", `{"TableName":"never-made","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"OnDemandThroughput":{"MaxReadRequestUnits":5},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalidParam + `MaxReadRequestUnits for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."}`},
		{"a cap over the per-table maximum", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":{"MaxReadRequestUnits":40001},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#LimitExceededException","message":"Subscriber limit exceeded: Requested MaxReadRequestUnits for OnDemandThroughput for table exceeds TableMaxReadCapacityUnits of the account in region us-east-1"}`},
		{"throughput over the per-table maximum", "CreateTable", `{"TableName":"never-made","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":40001,"WriteCapacityUnits":1},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#LimitExceededException","message":"The requested ReadCapacityUnits, 40001, is above the per table maximum for the account in us-east-1. Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."}`},
		{"no definitions at all", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid KeySchema: Some index key attribute have no definition"}`},
		{"a cap of zero", "CreateTable", `{"TableName":"never-made","BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":{"MaxWriteRequestUnits":0},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
			400, invalidParam + `Requested MaxWriteRequestUnits for OnDemandThroughput for table is outside of valid range"}`},
		{"a cap with a stream change", "UpdateTable", `{"TableName":"` + tbl + `","OnDemandThroughput":{"MaxReadRequestUnits":5},"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}`,
			400, invalidParam + `OnDemandThroughput can only be combined with BillingMode in an UpdateTable request"}`},
		// Deletion protection and encryption are named before a cap.
		{"a cap with deletion protection", "UpdateTable", `{"TableName":"` + tbl + `","OnDemandThroughput":{"MaxReadRequestUnits":5},"DeletionProtectionEnabled":true}`,
			400, invalidParam + `DeletionProtection modification must be the only operation in the request"}`},
		{"a cap with encryption", "UpdateTable", `{"TableName":"` + tbl + `","OnDemandThroughput":{"MaxReadRequestUnits":5},"SSESpecification":{"Enabled":true}}`,
			400, invalidParam + `Server-Side Encryption modification must be the only operation in the request"}`},
	})
	out, err := c.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(tbl), OnDemandThroughput: &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(-1), MaxWriteRequestUnits: aws.Int64(200)}})
	if err != nil {
		t.Fatalf("UpdateTable of the cap alone: %v", err)
	}
	if o := out.TableDescription.OnDemandThroughput; out.TableDescription.TableStatus != types.TableStatusActive || o == nil || *o.MaxReadRequestUnits != -1 || *o.MaxWriteRequestUnits != 200 {
		t.Fatalf("UpdateTable of the cap answered %s %+v, want ACTIVE and -1/200", out.TableDescription.TableStatus, o)
	}
	// The cleared member is answered as -1 and then described no more;
	// both cleared, there is no cap to describe.
	d, err = c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if o := d.Table.OnDemandThroughput; err != nil || o == nil || o.MaxReadRequestUnits != nil || *o.MaxWriteRequestUnits != 200 {
		t.Fatalf("the cap after clearing reads described as %+v (%v)", o, err)
	}
	out, err = c.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(tbl), OnDemandThroughput: &types.OnDemandThroughput{MaxWriteRequestUnits: aws.Int64(-1)}})
	if o := out.TableDescription.OnDemandThroughput; err != nil || o == nil || o.MaxReadRequestUnits != nil || *o.MaxWriteRequestUnits != -1 {
		t.Fatalf("clearing the last member answered %+v (%v), want only MaxWriteRequestUnits -1", o, err)
	}
	d, err = c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil || d.Table.OnDemandThroughput != nil {
		t.Fatalf("no cap left, described as %+v (%v)", d.Table.OnDemandThroughput, err)
	}
	out, err = c.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(tbl), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("by-g"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.TableDescription.OnDemandThroughput != nil || out.TableDescription.GlobalSecondaryIndexes[0].OnDemandThroughput != nil {
		t.Fatalf("a switch to PROVISIONED kept the caps: %+v", out.TableDescription)
	}
	waitActive(t, c, tbl)
}

// TestCapturedTransactionIndexKeys: a secondary index key DynamoDB finds
// wrong while it runs a transaction (another type) cancels it with a
// reason; an empty one an update expression leaves refuses the whole
// request, in the update expression's own words, as a single UpdateItem
// does.
func TestCapturedTransactionIndexKeys(t *testing.T) {
	skipOn(t, "answers these in older words or without cancelling", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("lsk"), AttributeType: types.ScalarAttributeTypeS})
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{
			IndexName:  aws.String("lsi1"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("lsk"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	})
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	const emptyUpdate = `One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value."}`
	const mismatch = `One or more parameter values were invalid: Type mismatch for Index Key lsk Expected: S Actual: N IndexName: lsi1`
	put := `{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"lsk":{"S":"x"}}}}`
	runExchanges(t, []exchange{
		{"a put of another type is cancelled", "TransactWriteItems",
			`{"TransactItems":[` + put + `,{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"S":"2"},"lsk":{"N":"5"}}}}]}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]","CancellationReasons":[{"Code":"None"},{"Code":"ValidationError","Message":"` + mismatch + `"}]}`},
		{"an update to empty is refused whole", "TransactWriteItems",
			`{"TransactItems":[` + put + `,{"Update":{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET lsk = :v","ExpressionAttributeValues":{":v":{"S":""}}}}]}`,
			400, invalid + emptyUpdate},
		{"nothing of either was written", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT"}`, 200, `{"Count":0,"ScannedCount":0}`},
		{"UpdateItem to empty", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET lsk = :v","ExpressionAttributeValues":{":v":{"S":""}}}`,
			400, invalid + emptyUpdate},
		{"PutItem of empty keeps its own words", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"S":"2"},"lsk":{"S":""}}}`,
			400, invalid + `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: lsi1, IndexKey: lsk"}`},
		{"TransactGetItems refuses a path into a key", "TransactGetItems",
			`{"TransactItems":[{"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"},"sk":{"S":"1"}},"ProjectionExpression":"pk.x"}}]}`,
			400, invalid + `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"}`},
	})
}

// TestTransactionsHoldFourMegabytes: the items a TransactGetItems reads,
// and the values a TransactWriteItems' updates write, count towards the
// transaction's 4 MB; above it nothing is answered or written.
func TestTransactionsHoldFourMegabytes(t *testing.T) {
	skipOn(t, "has no aggregate limit for reads or updates", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	big := strings.Repeat("x", 390_000)
	var gets, updates []string
	for i := range 11 {
		k := fmt.Sprint(i)
		resp, body := rawCall(t, "DynamoDB_20120810.PutItem", `{"TableName":"`+tbl+`","Item":{"pk":{"S":"`+k+`"},"b":{"S":"`+big+`"}}}`)
		if resp.StatusCode != 200 {
			t.Fatalf("put %s: %d %s", k, resp.StatusCode, body)
		}
		gets = append(gets, `{"Get":{"TableName":"`+tbl+`","Key":{"pk":{"S":"`+k+`"}}}}`)
		updates = append(updates, `{"Update":{"TableName":"`+tbl+`","Key":{"pk":{"S":"`+k+`"}},"UpdateExpression":"SET c = :c","ExpressionAttributeValues":{":c":{"S":"`+big+`"}}}}`)
	}
	resp, body := rawCall(t, "DynamoDB_20120810.TransactGetItems", `{"TransactItems":[`+strings.Join(gets[:10], ",")+`]}`)
	if resp.StatusCode != 200 || strings.Count(string(body), big) != 10 {
		t.Fatalf("ten items of 390 KB: status %d, %d items, want 200 and 10", resp.StatusCode, strings.Count(string(body), big))
	}
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"eleven are refused", "TransactGetItems", `{"TransactItems":[` + strings.Join(gets, ",") + `]}`,
			400, invalid + `The aggregate size of the items in the transaction cannot exceed 4 MB"}`},
		{"eleven updates are refused", "TransactWriteItems", `{"TransactItems":[` + strings.Join(updates, ",") + `]}`,
			400, invalid + `Transaction request cannot be larger than 4 MB"}`},
		{"and wrote nothing to the first", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"0"}},"ProjectionExpression":"c"}`, 200, `{"Item":{}}`},
		{"or the last", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"10"}},"ProjectionExpression":"c"}`, 200, `{"Item":{}}`},
	})
	// PartiQL's transactions hold the same 4 MB: eleven reads, eleven
	// updates and eleven inserts of 390 KB each.
	var selects, sets, inserts []string
	for i := range 11 {
		k := fmt.Sprint(i)
		selects = append(selects, `{"Statement":"SELECT * FROM \"`+tbl+`\" WHERE pk = '`+k+`'"}`)
		sets = append(sets, `{"Statement":"UPDATE \"`+tbl+`\" SET c = ? WHERE pk = '`+k+`'","Parameters":[{"S":"`+big+`"}]}`)
		inserts = append(inserts, `{"Statement":"INSERT INTO \"`+tbl+`\" VALUE {'pk': 'new`+k+`', 'b': ?}","Parameters":[{"S":"`+big+`"}]}`)
	}
	resp, body = rawCall(t, "DynamoDB_20120810.ExecuteTransaction", `{"TransactStatements":[`+strings.Join(selects[:10], ",")+`]}`)
	if resp.StatusCode != 200 || strings.Count(string(body), big) != 10 {
		t.Fatalf("ten PartiQL reads of 390 KB: status %d, %d items, want 200 and 10", resp.StatusCode, strings.Count(string(body), big))
	}
	runExchanges(t, []exchange{
		{"eleven PartiQL reads are refused", "ExecuteTransaction", `{"TransactStatements":[` + strings.Join(selects, ",") + `]}`,
			400, invalid + `The aggregate size of the items in the transaction cannot exceed 4 MB"}`},
		{"eleven PartiQL updates are refused", "ExecuteTransaction", `{"TransactStatements":[` + strings.Join(sets, ",") + `]}`,
			400, invalid + `Transaction request cannot be larger than 4 MB"}`},
		{"eleven PartiQL inserts are refused", "ExecuteTransaction", `{"TransactStatements":[` + strings.Join(inserts, ",") + `]}`,
			400, invalid + `Transaction request cannot be larger than 4 MB"}`},
		{"they wrote nothing", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"0"}},"ProjectionExpression":"c"}`, 200, `{"Item":{}}`},
		{"and made nothing", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"new0"}}}`, 200, `{}`},
	})
}

// TestUpdatesThatOnlyTakeAway: an update that only removes (REMOVE,
// DELETE) from a missing item makes no item, as on DynamoDB (Alternator's
// tests, run against it); REMOVE or DELETE through a parent the stored
// item lacks, or that is not a map or list, is refused, while a missing
// last element is not; a bare name cannot begin with "_"; list_append
// cannot hold list_append.
func TestUpdatesThatOnlyTakeAway(t *testing.T) {
	skipOn(t, "creates the item and takes these quietly", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	const badPath = invalid + `The document path provided in the update expression is invalid for update"}`
	key := func(k string) string { return `"TableName":"` + tbl + `","Key":{"pk":{"S":"` + k + `"}}` }
	runExchanges(t, []exchange{
		{"REMOVE on a missing item", "UpdateItem", `{` + key("n1") + `,"UpdateExpression":"REMOVE b","ReturnValues":"ALL_NEW"}`, 200, `{}`},
		{"DELETE on a missing item", "UpdateItem", `{` + key("n2") + `,"UpdateExpression":"DELETE s :s","ExpressionAttributeValues":{":s":{"SS":["x"]}}}`, 200, `{}`},
		{"legacy DELETE on a missing item", "UpdateItem", `{` + key("n3") + `,"AttributeUpdates":{"a":{"Action":"DELETE"}}}`, 200, `{}`},
		{"transact REMOVE on a missing item", "TransactWriteItems", `{"TransactItems":[{"Update":{` + key("n4") + `,"UpdateExpression":"REMOVE a"}}]}`, 200, `{}`},
		{"none was made", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT"}`, 200, `{"Count":0,"ScannedCount":0}`},
		{"an empty update still makes one", "UpdateItem", `{` + key("n5") + `,"AttributeUpdates":{}}`, 200, `{}`},
		{"the item", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"i"},"a":{"S":"hello"},"b":{"L":[{"S":"hi"}]},"m":{"M":{"x":{"N":"1"}}}}}`, 200, `{}`},
		{"REMOVE through a string", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"REMOVE a.c"}`, 400, badPath},
		{"REMOVE through a list by name", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"REMOVE b.c"}`, 400, badPath},
		{"REMOVE through a missing parent", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"REMOVE c.c"}`, 400, badPath},
		{"REMOVE an index of a string", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"REMOVE a[0]"}`, 400, badPath},
		{"DELETE through a missing parent", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"DELETE zz.y :s","ExpressionAttributeValues":{":s":{"SS":["x"]}}}`, 400, badPath},
		{"REMOVE a missing key of a map", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"REMOVE m.y, b[7]","ReturnValues":"ALL_NEW"}`, 200,
			`{"Attributes":{"pk":{"S":"i"},"a":{"S":"hello"},"b":{"L":[{"S":"hi"}]},"m":{"M":{"x":{"N":"1"}}}}}`},
		{"a name beginning with _", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"SET _123 = :v","ExpressionAttributeValues":{":v":{"N":"1"}}}`, 400,
			invalid + `Invalid UpdateExpression: Syntax error; token: \"_\", near: \"SET _123\""}`},
		{"list_append in list_append", "UpdateItem", `{` + key("i") + `,"UpdateExpression":"SET b = list_append(list_append(:l, :l), :l)","ExpressionAttributeValues":{":l":{"L":[{"N":"1"}]}}}`, 400,
			invalid + `Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append"}`},
	})
}

// TestLegacyAttributeUpdatesWords: AttributeUpdates' refusals in the legacy
// API's own words, as dynalite's suite (run against DynamoDB) records them:
// a type the action does not take is named by its wire code, and a value
// whose type does not match the stored attribute is "Type mismatch for
// attribute to update", not the expression parser's words.
func TestLegacyAttributeUpdatesWords(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"id", types.ScalarAttributeTypeS}, nil)
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	update := func(updates string) string {
		return `{"TableName":"` + tbl + `","Key":{"id":{"S":"tm1"}},"AttributeUpdates":{` + updates + `}}`
	}
	runExchanges(t, []exchange{
		{"the item", "UpdateItem", update(`"b":{"Value":{"SS":["1"]}},"c":{"Value":{"N":"1"}},"d":{"Value":{"NS":["1"]}}`), 200, `{}`},
		{"ADD of a string", "UpdateItem", update(`"a":{"Action":"ADD","Value":{"S":"1"}}`), 400,
			invalid + `One or more parameter values were invalid: ADD action is not supported for the type S"}`},
		{"ADD of a map", "UpdateItem", update(`"a":{"Action":"ADD","Value":{"M":{}}}`), 400,
			invalid + `One or more parameter values were invalid: ADD action is not supported for the type M"}`},
		{"DELETE of a number", "UpdateItem", update(`"a":{"Action":"DELETE","Value":{"N":"1"}}`), 400,
			invalid + `One or more parameter values were invalid: DELETE action with value is not supported for the type N"}`},
		{"DELETE of numbers from strings", "UpdateItem", update(`"b":{"Action":"DELETE","Value":{"NS":["1"]}}`), 400, invalid + `Type mismatch for attribute to update"}`},
		{"DELETE of numbers from a number", "UpdateItem", update(`"c":{"Action":"DELETE","Value":{"NS":["1"]}}`), 400, invalid + `Type mismatch for attribute to update"}`},
		{"ADD of numbers to strings", "UpdateItem", update(`"b":{"Action":"ADD","Value":{"NS":["1"]}}`), 400, invalid + `Type mismatch for attribute to update"}`},
		{"ADD of a number to numbers", "UpdateItem", update(`"d":{"Action":"ADD","Value":{"N":"1"}}`), 400, invalid + `Type mismatch for attribute to update"}`},
		{"nothing changed", "GetItem", `{"TableName":"` + tbl + `","Key":{"id":{"S":"tm1"}}}`, 200,
			`{"Item":{"id":{"S":"tm1"},"b":{"SS":["1"]},"c":{"N":"1"},"d":{"NS":["1"]}}}`},
		// The expression form keeps the expression's words.
		{"an expression's ADD", "UpdateItem", `{"TableName":"` + tbl + `","Key":{"id":{"S":"tm1"}},"UpdateExpression":"ADD b :n","ExpressionAttributeValues":{":n":{"NS":["1"]}}}`, 400,
			invalid + `An operand in the update expression has an incorrect data type"}`},
	})
}
