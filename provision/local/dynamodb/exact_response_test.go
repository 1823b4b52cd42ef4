package dynamodb_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// exactResponse sends a raw request and compares the whole response body,
// as JSON values, with want.
func exactResponse(t *testing.T, op, body, want string) {
	t.Helper()
	resp, b := rawCall(t, "DynamoDB_20120810."+op, body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d: %s", op, resp.StatusCode, b)
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("%s response\n got %s\nwant %s", op, b, want)
	}
}

// lsiTable has hash pk, range sk, a keys-only local index byX on x and a
// global index byG on g projecting everything.
func lsiTable(t *testing.T, c *dynamodb.Client) string {
	return makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"sk", "S"}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("x"), AttributeType: "S"},
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"})
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byX"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}, {AttributeName: aws.String("x"), KeyType: "RANGE"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: "HASH"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
}

// TestItemCollectionMetricsAndIndexCapacity checks ItemCollectionMetrics on
// a table with a local index, and ConsumedCapacity broken down by index:
// an index entry put or removed is one write, moved to another index key
// two, and left as it was none.
func TestItemCollectionMetricsAndIndexCapacity(t *testing.T) {
	skipOn(t, "dynalite reports neither item collection metrics nor the capacity writes consume on indexes", "dynalite")
	c := newClient(t)
	tbl := lsiTable(t, c)
	collection := func(pk string) string {
		return `{"ItemCollectionKey":{"pk":{"S":"` + pk + `"}},"SizeEstimateRangeGB":[0,1]}`
	}
	capacity := func(total, table int, extra string) string {
		return fmt.Sprintf(`{"TableName":"%s","CapacityUnits":%d,"Table":{"CapacityUnits":%d}%s}`, tbl, total, table, extra)
	}
	lsi := func(units int) string {
		return fmt.Sprintf(`,"LocalSecondaryIndexes":{"byX":{"CapacityUnits":%d}}`, units)
	}
	gsi := func(units int) string {
		return fmt.Sprintf(`,"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":%d}}`, units)
	}
	opts := `"ReturnItemCollectionMetrics":"SIZE","ReturnConsumedCapacity":"INDEXES"`
	key := `"Key":{"pk":{"S":"a"},"sk":{"S":"1"}}`

	// A new item in the local index only.
	exactResponse(t, "PutItem", `{"TableName":"`+tbl+`","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"x":{"S":"v"}},`+opts+`}`,
		`{"ConsumedCapacity":`+capacity(2, 1, lsi(1))+`,"ItemCollectionMetrics":`+collection("a")+`}`)
	// Moving the local index entry to another key: two index writes; the
	// item enters the global index: one.
	exactResponse(t, "UpdateItem", `{"TableName":"`+tbl+`",`+key+`,"UpdateExpression":"SET x = :x, g = :g","ExpressionAttributeValues":{":x":{"S":"w"},":g":{"S":"G"}},`+opts+`}`,
		`{"ConsumedCapacity":`+capacity(4, 1, lsi(2)+gsi(1))+`,"ItemCollectionMetrics":`+collection("a")+`}`)
	// An attribute the keys-only index does not hold: only the global
	// index, which projects everything, is written.
	exactResponse(t, "UpdateItem", `{"TableName":"`+tbl+`",`+key+`,"UpdateExpression":"SET y = :y","ExpressionAttributeValues":{":y":{"N":"1"}},"ReturnValues":"UPDATED_NEW",`+opts+`}`,
		`{"Attributes":{"y":{"N":"1"}},"ConsumedCapacity":`+capacity(2, 1, gsi(1))+`,"ItemCollectionMetrics":`+collection("a")+`}`)
	// TOTAL sums the table and the indexes.
	exactResponse(t, "DeleteItem", `{"TableName":"`+tbl+`",`+key+`,"ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}`,
		`{"ConsumedCapacity":{"TableName":"`+tbl+`","CapacityUnits":3},"ItemCollectionMetrics":`+collection("a")+`}`)
	// Without SIZE, no metrics.
	exactResponse(t, "PutItem", `{"TableName":"`+tbl+`","Item":{"pk":{"S":"b"},"sk":{"S":"1"}},"ReturnItemCollectionMetrics":"NONE"}`, `{}`)

	// Batches and transactions list each collection they touched, by table.
	// A transaction names its units' kind beside each CapacityUnits, as in
	// DynamoDB's answers (rusoto/rusoto#1919 quotes one).
	exactResponse(t, "BatchWriteItem", `{"RequestItems":{"`+tbl+`":[{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"1"},"x":{"S":"v"}}}},{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"2"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"},"sk":{"S":"1"}}}}]},`+opts+`}`,
		`{"UnprocessedItems":{},"ConsumedCapacity":[`+capacity(4, 3, lsi(1))+`],"ItemCollectionMetrics":{"`+tbl+`":[`+collection("c")+`,`+collection("b")+`]}}`)
	exactResponse(t, "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"`+tbl+`","Item":{"pk":{"S":"d"},"sk":{"S":"1"},"x":{"S":"v"},"g":{"S":"G"}}}},{"ConditionCheck":{"TableName":"`+tbl+`","Key":{"pk":{"S":"c"},"sk":{"S":"1"}},"ConditionExpression":"attribute_exists(pk)"}}],`+opts+`}`,
		`{"ConsumedCapacity":[{"TableName":"`+tbl+`","CapacityUnits":8,"WriteCapacityUnits":8,"Table":{"CapacityUnits":4,"WriteCapacityUnits":4},`+
			`"LocalSecondaryIndexes":{"byX":{"CapacityUnits":2,"WriteCapacityUnits":2}},"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":2,"WriteCapacityUnits":2}}}],`+
			`"ItemCollectionMetrics":{"`+tbl+`":[`+collection("d")+`]}}`)

	// A table without a local index reports no item collection metrics.
	plain := countsTable(t, c)
	exactResponse(t, "PutItem", `{"TableName":"`+plain+`","Item":{"pk":{"S":"a"},"minute":{"S":"1"}},"ReturnItemCollectionMetrics":"SIZE"}`, `{}`)
}

// TestIndexReadCapacity checks ConsumedCapacity INDEXES for Query and Scan
// on an index: the index's capacity, none of the table's.
func TestIndexReadCapacity(t *testing.T) {
	c := newClient(t)
	tbl := lsiTable(t, c)
	put(t, c, tbl, item{"pk": s("a"), "sk": s("1"), "x": s("v"), "g": s("G")})
	exactResponse(t, "Query", `{"TableName":"`+tbl+`","IndexName":"byX","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ReturnConsumedCapacity":"INDEXES"}`,
		`{"Count":1,"ScannedCount":1,"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"x":{"S":"v"}}],"ConsumedCapacity":{"TableName":"`+tbl+`","CapacityUnits":0.5,"Table":{"CapacityUnits":0},"LocalSecondaryIndexes":{"byX":{"CapacityUnits":0.5}}}}`)
	exactResponse(t, "Scan", `{"TableName":"`+tbl+`","IndexName":"byG","ReturnConsumedCapacity":"INDEXES"}`,
		`{"Count":1,"ScannedCount":1,"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"x":{"S":"v"},"g":{"S":"G"}}],"ConsumedCapacity":{"TableName":"`+tbl+`","CapacityUnits":0.5,"Table":{"CapacityUnits":0},"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":0.5}}}}`)
}

// TestIndexTiesInTableKeyOrder checks that items with equal index keys come
// back ordered by the table's primary key values ("bb" between "a" and
// "c", whatever the keys' lengths; reversed with the rest when
// ScanIndexForward is false), and that pages resume among them.
func TestIndexTiesInTableKeyOrder(t *testing.T) {
	skipOn(t, "dynalite orders equal index keys by a hash of the table key", "dynalite")
	c := newClient(t)
	tbl := lsiTable(t, c)
	for _, k := range [][2]string{{"c", "1"}, {"a", "2"}, {"bb", "1"}, {"a", "1"}} {
		put(t, c, tbl, item{"pk": s(k[0]), "sk": s(k[1]), "g": s("G")})
	}
	q := `"TableName":"` + tbl + `","IndexName":"byG","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"G"}},"ProjectionExpression":"pk, sk"`
	row := func(pk, sk string) string { return `{"pk":{"S":"` + pk + `"},"sk":{"S":"` + sk + `"}}` }
	exactResponse(t, "Query", `{`+q+`}`,
		`{"Count":4,"ScannedCount":4,"Items":[`+row("a", "1")+`,`+row("a", "2")+`,`+row("bb", "1")+`,`+row("c", "1")+`]}`)
	exactResponse(t, "Query", `{`+q+`,"ScanIndexForward":false}`,
		`{"Count":4,"ScannedCount":4,"Items":[`+row("c", "1")+`,`+row("bb", "1")+`,`+row("a", "2")+`,`+row("a", "1")+`]}`)
	start := `{"pk":{"S":"a"},"sk":{"S":"2"},"g":{"S":"G"}}`
	exactResponse(t, "Query", `{`+q+`,"Limit":1,"ExclusiveStartKey":`+start+`}`,
		`{"Count":1,"ScannedCount":1,"Items":[`+row("bb", "1")+`],"LastEvaluatedKey":{"pk":{"S":"bb"},"sk":{"S":"1"},"g":{"S":"G"}}}`)
}

// TestPageEndsAfterTheItemCrossing1MB checks where a Query page ends: after
// the item that takes the page's data, sized as DynamoDB sizes items, to 1
// MB or past it.
func TestPageEndsAfterTheItemCrossing1MB(t *testing.T) {
	skipOn(t, "dynalite adds its own storage overheads to item sizes, so its pages end earlier", "dynalite")
	c := newClient(t)
	tbl := countsTable(t, c)
	// Each item is 3 (pk "p") + 8 (minute "NN") + 1 + 104845 (d) = 104857
	// bytes: ten make 1,048,570, six bytes under 1 MB (1,048,576), so a page
	// that counted a byte more per item would stop at ten; the eleventh
	// crosses it.
	big := strings.Repeat("d", 104845)
	for i := range 14 {
		put(t, c, tbl, item{"pk": s("p"), "minute": s(fmt.Sprintf("%02d", i)), "d": s(big)})
	}
	resp, body := rawCall(t, "DynamoDB_20120810.Query", `{"TableName":"`+tbl+`","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"ProjectionExpression":"#m","ExpressionAttributeNames":{"#m":"minute"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	want := `{"Count":11,"ScannedCount":11,"Items":[`
	for i := range 11 {
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf(`{"minute":{"S":"%02d"}}`, i)
	}
	want += `],"LastEvaluatedKey":{"pk":{"S":"p"},"minute":{"S":"10"}}}`
	var got, exp any
	json.Unmarshal(body, &got)
	json.Unmarshal([]byte(want), &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("page\n got %s\nwant %s", body, want)
	}
	// Whole items, sent as stored, end the page at the same item.
	var page struct {
		Count, ScannedCount int
		LastEvaluatedKey    map[string]map[string]string
	}
	_, body = rawCall(t, "DynamoDB_20120810.Query", `{"TableName":"`+tbl+`","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}`)
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if page.Count != 11 || page.ScannedCount != 11 || page.LastEvaluatedKey["minute"]["S"] != "10" {
		t.Errorf("whole-item page: Count %d, ScannedCount %d, LastEvaluatedKey %v; want 11, 11, minute 10", page.Count, page.ScannedCount, page.LastEvaluatedKey)
	}
}

// TestTransactionSizeLimit checks the 4 MB cap on a transaction's items:
// the whole transaction is refused and nothing is written.
func TestTransactionSizeLimit(t *testing.T) {
	skipOn(t, "dynalite has no transactions", "dynalite")
	c := newClient(t)
	tbl := countsTable(t, c)
	big := strings.Repeat("x", 390000)
	items := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`{"Put":{"TableName":"%s","Item":{"pk":{"S":"k"},"minute":{"S":"%02d"},"d":{"S":"%s"}}}}`, tbl, i, big))
		}
		return `{"TransactItems":[` + strings.Join(parts, ",") + `]}`
	}
	// Eleven items of 390,012 bytes make 4,290,132, past 4 MB (4,194,304).
	exactError(t, "TransactWriteItems", items(11), "ValidationException", "Transaction request cannot be larger than 4 MB")
	if it := get(t, c, tbl, item{"pk": s("k"), "minute": s("00")}); it != nil {
		t.Fatalf("a refused transaction wrote %v", it)
	}
	// Ten, 3,900,120 bytes, fit.
	exactResponse(t, "TransactWriteItems", items(10), `{}`)
	if it := get(t, c, tbl, item{"pk": s("k"), "minute": s("09")}); it == nil {
		t.Fatal("the transaction within the limit wrote nothing")
	}
}
