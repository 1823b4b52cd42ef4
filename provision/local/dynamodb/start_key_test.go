package dynamodb_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TestQueryStartKeyWithinItsConditions: a Query's ExclusiveStartKey must lie
// within its key conditions, refused in DynamoDB's words (as dynalite's
// validation records them): the sort key condition is checked first.
func TestQueryStartKeyWithinItsConditions(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	query := func(cond, start string) string {
		return `{"TableName":"` + tbl + `","KeyConditionExpression":"` + cond + `","ExpressionAttributeValues":{":p":{"S":"b"}` +
			map[bool]string{true: `,":n":{"N":"5"}`, false: ``}[cond != "pk = :p"] + `},"ExclusiveStartKey":` + start + `}`
	}
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"put", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"b"},"sk":{"N":"6"}}}`, 200, `{}`},
		{"another partition", "Query", query("pk = :p", `{"pk":{"S":"a"},"sk":{"N":"1"}}`), 400,
			invalid + `The provided starting key is outside query boundaries based on provided conditions"}`},
		{"a sort key outside the condition", "Query", query("pk = :p AND sk > :n", `{"pk":{"S":"b"},"sk":{"N":"2"}}`), 400,
			invalid + `The provided starting key does not match the range key predicate"}`},
		{"checked before the partition", "Query", query("pk = :p AND sk > :n", `{"pk":{"S":"a"},"sk":{"N":"2"}}`), 400,
			invalid + `The provided starting key does not match the range key predicate"}`},
		{"another partition with a sort key condition", "Query", query("pk = :p AND sk > :n", `{"pk":{"S":"a"},"sk":{"N":"7"}}`), 400,
			invalid + `The query can return at most one row and cannot be restarted"}`},
		{"a start key within both", "Query", query("pk = :p AND sk > :n", `{"pk":{"S":"b"},"sk":{"N":"5.5"}}`), 200,
			`{"Items":[{"pk":{"S":"b"},"sk":{"N":"6"}}],"Count":1,"ScannedCount":1}`},
	})
}

// TestInvalidUTF8KeyIsFoundByTheTextReadBack: bytes that are not UTF-8 are
// read as U+FFFD, each, as the answers write them, so the key a Scan
// returns finds the item.
func TestInvalidUTF8KeyIsFoundByTheTextReadBack(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"put with raw bytes", "PutItem", "{\"TableName\":\"" + tbl + "\",\"Item\":{\"pk\":{\"S\":\"a\xff\xfeb\"}}}", 200, `{}`},
		{"scan reads it back", "Scan", `{"TableName":"` + tbl + `"}`, 200, `{"Items":[{"pk":{"S":"a\ufffd\ufffdb"}}],"Count":1,"ScannedCount":1}`},
		{"that text finds it", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"a\ufffd\ufffdb"}}}`, 200, `{"Item":{"pk":{"S":"a\ufffd\ufffdb"}}}`},
	})
}

// TestIndexQueryAndSegmentStartKeys: the start key of a Query through an
// index is held to the index's key conditions, and a parallel Scan's to
// its segment, in DynamoDB's words (as dynalite's validation records them):
// taken as they were, they skipped items or ended the read early.
func TestIndexQueryAndSegmentStartKeys(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeN})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byg"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("n"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	})
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	query := func(cond, start string) string {
		return `{"TableName":"` + tbl + `","IndexName":"byg","KeyConditionExpression":"` + cond + `","ExpressionAttributeValues":{":g":{"S":"g1"}` +
			map[bool]string{true: `,":n":{"N":"5"}`, false: ``}[cond != "g = :g"] + `},"ExclusiveStartKey":` + start + `}`
	}
	// Which segment of two each item's partition falls in depends on its
	// hash: find one key of each.
	ex := []exchange{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		ex = append(ex, exchange{"put " + k, "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"` + k + `"},"g":{"S":"g1"},"n":{"N":"6"}}}`, 200, `{}`})
	}
	runExchanges(t, append(ex,
		exchange{"index: another partition", "Query", query("g = :g", `{"g":{"S":"g2"},"n":{"N":"1"},"pk":{"S":"a"}}`), 400,
			invalid + `The provided starting key is outside query boundaries based on provided conditions"}`},
		exchange{"index: a sort key outside the condition", "Query", query("g = :g AND n > :n", `{"g":{"S":"g1"},"n":{"N":"1"},"pk":{"S":"a"}}`), 400,
			invalid + `The provided starting key does not match the range key predicate"}`},
	))
	segs := map[int]string{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		for seg := range 2 {
			got := scanSegmentStart(t, c, tbl, seg, k)
			if got == "" {
				segs[seg] = k // accepted: k is of seg
			}
		}
	}
	if len(segs) != 2 {
		t.Fatalf("start keys accepted by segment: %v; want one of each", segs)
	}
	if got := scanSegmentStart(t, c, tbl, 1, segs[0]); got != "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 1" {
		t.Fatalf("segment 1 started at a key of segment 0: %q", got)
	}
}

// scanSegmentStart scans segment seg of two from the start key pk=k and
// returns the error's message, "" when it was taken.
func scanSegmentStart(t *testing.T, c *dynamodb.Client, tbl string, seg int, k string) string {
	t.Helper()
	_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tbl), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(2),
		ExclusiveStartKey: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k}}})
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorMessage()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ""
}

// TestBatchGetItemAnswersAtMost16MB: a BatchGetItem whose items pass
// 16 MB answers what fits and leaves the rest in UnprocessedKeys, with
// what was asked of them, as DynamoDB does: a program that ignores
// UnprocessedKeys loses items here as it would on AWS.
func TestBatchGetItemAnswersAtMost16MB(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	big := strings.Repeat("x", 390*1024)
	var keys []map[string]types.AttributeValue
	for i := range 50 {
		k := fmt.Sprintf("k%02d", i)
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: k}, "v": &types.AttributeValueMemberS{Value: big}}}); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k}})
	}
	got := map[string]bool{}
	request := map[string]types.KeysAndAttributes{tbl: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for calls := 0; len(request) > 0; calls++ {
		if calls == 60 { // dynalite answers about 1 MB at a time
			t.Fatalf("still unprocessed after 60 calls: %d keys", len(request[tbl].Keys))
		}
		out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			t.Fatal(err)
		}
		size := 0
		for _, it := range out.Responses[tbl] {
			got[it["pk"].(*types.AttributeValueMemberS).Value] = true
			size += len(it["v"].(*types.AttributeValueMemberS).Value)
		}
		if size > 16<<20 {
			t.Fatalf("one answer held %d bytes of items", size)
		}
		if calls == 0 && (len(out.UnprocessedKeys) == 0 || !aws.ToBool(out.UnprocessedKeys[tbl].ConsistentRead)) {
			t.Fatalf("the first answer of 50 items of 390 KB left nothing unprocessed, or lost ConsistentRead: %+v", out.UnprocessedKeys)
		}
		request = out.UnprocessedKeys
	}
	if len(got) != 50 {
		t.Fatalf("read %d items of 50", len(got))
	}
}

// TestReadRefusalsInDynamoDBsWords: refusals of Query and Scan that were
// missing or worded for another case, in the words dynalite's validation
// records.
func TestReadRefusalsInDynamoDBsWords(t *testing.T) {
	skipOn(t, "takes a projection beside ALL_ATTRIBUTES or ALL_PROJECTED_ATTRIBUTES, which the Query and Scan references refuse", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byg"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	})
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"TotalSegments without Segment", "Scan", `{"TableName":"` + tbl + `","TotalSegments":2}`, 400,
			invalid + `The Segment parameter is required but was not present in the request when parameter TotalSegments is present"}`},
		{"a duplicate in AttributesToGet", "Scan", `{"TableName":"` + tbl + `","AttributesToGet":["pk","pk"]}`, 400,
			invalid + `One or more parameter values were invalid: Duplicate value in attribute name: pk"}`},
		{"a legacy QueryFilter on the sort key", "Query", `{"TableName":"` + tbl + `","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"sk":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]}}}`, 400,
			invalid + `QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"}`},
		{"ALL_ATTRIBUTES with AttributesToGet", "Scan", `{"TableName":"` + tbl + `","Select":"ALL_ATTRIBUTES","AttributesToGet":["pk"]}`, 400,
			invalid + `Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"}`},
		{"ALL_PROJECTED_ATTRIBUTES with a projection", "Scan", `{"TableName":"` + tbl + `","IndexName":"byg","Select":"ALL_PROJECTED_ATTRIBUTES","ProjectionExpression":"pk"}`, 400,
			invalid + `Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"}`},
	})
}

// TestBatchGetItemCapacityByIndexes: with INDEXES, BatchGetItem reports
// each table's units under Table as well, as GetItem does.
func TestBatchGetItemCapacityByIndexes(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"put", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"}}}`, 200, `{}`},
		{"batch get", "BatchGetItem", `{"RequestItems":{"` + tbl + `":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ConsistentRead":true}},"ReturnConsumedCapacity":"INDEXES"}`, 200,
			`{"ConsumedCapacity":[{"CapacityUnits":2,"Table":{"CapacityUnits":2},"TableName":"` + tbl + `"}],"Responses":{"` + tbl + `":[{"pk":{"S":"a"}}]},"UnprocessedKeys":{}}`},
		// A projection does not make the read cheaper: 10 KB is 3 units.
		{"put 10 KB", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"big"},"v":{"S":"` + strings.Repeat("x", 10000) + `"}}}`, 200, `{}`},
		{"batch get projected", "BatchGetItem", `{"RequestItems":{"` + tbl + `":{"Keys":[{"pk":{"S":"big"}}],"ProjectionExpression":"pk","ConsistentRead":true}},"ReturnConsumedCapacity":"TOTAL"}`, 200,
			`{"ConsumedCapacity":[{"CapacityUnits":3,"TableName":"` + tbl + `"}],"Responses":{"` + tbl + `":[{"pk":{"S":"big"}}]},"UnprocessedKeys":{}}`},
	})
}

// TestEmptyStartKeyRefused: an empty string or binary can be no item's key;
// as an ExclusiveStartKey it is refused, not read as "from the start"
// (which gave a program paging through the table its first page again).
func TestEmptyStartKeyRefused(t *testing.T) {
	skipOn(t, "refuses it in older words (\"were invalid\"), where the item APIs' recorded answers say \"are not valid\"", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"empty string", "Scan", `{"TableName":"` + tbl + `","ExclusiveStartKey":{"pk":{"S":""}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided starting key is invalid: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"}`},
	})
}

// TestNestedPathsIntoKeysRefused: key attributes are scalars, so a path
// into one (pk.x, pk[0]) in a projection or a filter is refused in
// DynamoDB's words instead of matching nothing.
func TestNestedPathsIntoKeysRefused(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const msg = `{"__type":"com.amazon.coral.validate#ValidationException","message":"Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"}`
	runExchanges(t, []exchange{
		{"GetItem projection", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"}},"ProjectionExpression":"pk.x"}`, 400, msg},
		{"BatchGetItem projection", "BatchGetItem", `{"RequestItems":{"` + tbl + `":{"Keys":[{"pk":{"S":"a"}}],"ProjectionExpression":"pk.x"}}}`, 400, msg},
		{"Scan projection", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"pk[0]"}`, 400, msg},
		{"Scan filter", "Scan", `{"TableName":"` + tbl + `","FilterExpression":"pk.x = :v","ExpressionAttributeValues":{":v":{"S":"a"}}}`, 400, msg},
	})
}

// TestNestedPathsIntoIndexKeysRefused: an index's key attributes are
// scalars too, whichever index a request reads, or none: DynamoDB names
// them IndexKey (dynalite's recordings of getItem, query and updateItem),
// where a path into one matched nothing.
func TestNestedPathsIntoIndexKeysRefused(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byL"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	put(t, c, tbl, item{"pk": s("a"), "sk": s("1"), "g": s("x"), "l": s("y"), "m": &types.AttributeValueMemberM{Value: item{"x": s("z")}}})
	refused := func(k string) string {
		return `{"__type":"com.amazon.coral.validate#ValidationException","message":"Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ` + k + `"}`
	}
	key := `"Key":{"pk":{"S":"a"},"sk":{"S":"1"}}`
	runExchanges(t, []exchange{
		{"GetItem projection", "GetItem", `{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"#g.x","ExpressionAttributeNames":{"#g":"g"}}`, 400, refused("IndexKey: g")},
		{"BatchGetItem projection", "BatchGetItem", `{"RequestItems":{"` + tbl + `":{"Keys":[{"pk":{"S":"a"},"sk":{"S":"1"}}],"ProjectionExpression":"l[0]"}}}`, 400, refused("IndexKey: l")},
		{"Query of the table, filter", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","FilterExpression":"attribute_exists(g.x)","ExpressionAttributeValues":{":p":{"S":"a"}}}`, 400, refused("IndexKey: g")},
		{"Query of another index, filter", "Query", `{"TableName":"` + tbl + `","IndexName":"byL","KeyConditionExpression":"pk = :p","FilterExpression":"attribute_exists(g.x)","ExpressionAttributeValues":{":p":{"S":"a"}}}`, 400, refused("IndexKey: g")},
		{"Scan projection", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"l[0]"}`, 400, refused("IndexKey: l")},
		{"the projection before the filter", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"l[0]","FilterExpression":"attribute_exists(pk.x)"}`, 400, refused("IndexKey: l")},
		{"a Query's filter on its key is refused as such first", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","FilterExpression":"attribute_exists(pk.x)","ExpressionAttributeValues":{":p":{"S":"a"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"}`},
		{"the table's key is named first", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"g.x, sk.y"}`, 400, refused("Key: sk")},
		{"a Query's key conditions before its projection", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"sk = :p","ProjectionExpression":"pk.x","ExpressionAttributeValues":{":p":{"S":"a"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Query condition missed key schema element: pk"}`},
		{"a Scan's start key before its projection", "Scan", `{"TableName":"` + tbl + `","ExclusiveStartKey":{"nope":{"S":"a"}},"ProjectionExpression":"pk.x"}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided starting key is invalid: The provided key element does not match the schema"}`},
		{"a Query's projection before its filter on a key", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","FilterExpression":"sk = :p","ProjectionExpression":"sk.x","ExpressionAttributeValues":{":p":{"S":"a"}}}`, 400, refused("Key: sk")},
		{"UpdateItem's key before its paths", "UpdateItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET l.x = :v","ExpressionAttributeValues":{":v":{"S":"v"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided key element does not match the schema"}`},
		{"UpdateItem writing into an index key", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"SET g.x = :v","ExpressionAttributeValues":{":v":{"S":"v"}}}`, 400, refused("IndexKey: g")},
		{"UpdateItem reading from an index key", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"SET f = l[0]"}`, 400, refused("IndexKey: l")},
		{"UpdateItem reading from the table's key", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"SET f = if_not_exists(f, pk.x)"}`, 400, refused("Key: pk")},
		{"nothing was written", "GetItem", `{"TableName":"` + tbl + `",` + key + `}`, 200,
			`{"Item":{"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"x"},"l":{"S":"y"},"m":{"M":{"x":{"S":"z"}}}}}`},
		{"a path into another attribute is fine", "GetItem", `{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"m.x, g"}`, 200,
			`{"Item":{"m":{"M":{"x":{"S":"z"}}},"g":{"S":"x"}}}`},
	})
	t.Run("transactions", func(t *testing.T) {
		skipOn(t, "no transactions", "dynalite")
		runExchanges(t, []exchange{
			{"TransactGetItems projection", "TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"g.x"}}]}`, 400, refused("IndexKey: g")},
			{"TransactWriteItems update", "TransactWriteItems", `{"TransactItems":[{"Update":{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"REMOVE l[0]"}}]}`, 400, refused("IndexKey: l")},
		})
	})
}

// TestAttributeNamesMustBeStorable: an attribute's name is at least one
// character and less than 64 KB (the developer guide's naming rules;
// 65535 bytes is the longest the service takes), on every path an item is
// written by, where an empty or longer one was stored.
func TestAttributeNamesMustBeStorable(t *testing.T) {
	skipOn(t, "stores empty and 64 KB attribute names", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const invalid = `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: `
	long := strings.Repeat("n", 65536)
	longest := strings.Repeat("n", 65535)
	// PutItem's item refusals come in the validation layer's envelope.
	enveloped := strings.Replace(invalid, `"message":"`, `"message":"1 validation error detected: `, 1)
	runExchanges(t, []exchange{
		{"PutItem, an empty name", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"":{"N":"1"}}}`, 400, enveloped + `Empty attribute name"}`},
		{"PutItem, a name of 65536 bytes", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"` + long + `":{"N":"1"}}}`, 400,
			enveloped + `Attribute name is too large, must be less than 65536 bytes"}`},
		{"BatchWriteItem", "BatchWriteItem", `{"RequestItems":{"` + tbl + `":[{"PutRequest":{"Item":{"pk":{"S":"b"},"":{"S":"x"}}}}]}}`, 400, invalid + `Empty attribute name"}`},
		{"UpdateItem's AttributeUpdates", "UpdateItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"AttributeUpdates":{"":{"Action":"PUT","Value":{"S":"x"}}}}`, 400, invalid + `Empty attribute name"}`},
		{"a name in ExpressionAttributeNames", "UpdateItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"}},"UpdateExpression":"SET #n = :v","ExpressionAttributeNames":{"#n":"` + long + `"},"ExpressionAttributeValues":{":v":{"N":"1"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #n"}`},
		{"nothing was written", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT"}`, 200, `{"Count":0,"ScannedCount":0}`},
		{"65535 bytes is a name", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"` + longest + `":{"N":"1"}}}`, 200, `{}`},
		{"an empty key inside a map is a name", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"m"},"m":{"M":{"":{"N":"1"}}}}}`, 200, `{}`},
	})
	t.Run("transactions", func(t *testing.T) {
		skipOn(t, "no transactions", "dynalite")
		runExchanges(t, []exchange{
			{"TransactWriteItems", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"d"},"":{"S":"x"}}}}]}`, 400, invalid + `Empty attribute name"}`},
		})
	})
}

// TestSelectAllAttributesOfAKeysOnlyIndex: a global index holds only what
// it projects, so Select ALL_ATTRIBUTES through one that does not project
// everything is refused; a Scan names it before a start key it cannot use
// (dynalite's recorded order).
func TestSelectAllAttributesOfAKeysOnlyIndex(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("gix"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	refused := `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index gix because its projection type is not ALL"}`
	runExchanges(t, []exchange{
		{"Query", "Query", `{"TableName":"` + tbl + `","IndexName":"gix","Select":"ALL_ATTRIBUTES","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"a"}}}`, 400, refused},
		{"Scan", "Scan", `{"TableName":"` + tbl + `","IndexName":"gix","Select":"ALL_ATTRIBUTES"}`, 400, refused},
		{"Scan with a start key of another shape", "Scan", `{"TableName":"` + tbl + `","IndexName":"gix","Select":"ALL_ATTRIBUTES","ExclusiveStartKey":{"g":{"S":"a"},"pk":{"N":"1"}}}`, 400, refused},
	})
}
