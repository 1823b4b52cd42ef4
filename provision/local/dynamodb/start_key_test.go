package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
