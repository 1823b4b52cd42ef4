package dynamodb_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// exchange is one request and DynamoDB's exact answer to it.
type exchange struct {
	name, op, body string
	status         int
	want           string // the response body; compared as JSON
}

// runExchanges sends each request in order and compares the response body
// with DynamoDB's, as JSON values.
func runExchanges(t *testing.T, cases []exchange) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
			want := tc.status
			if want == 0 {
				want = 200
			}
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
			}
			var got, exp any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &exp); err != nil {
				t.Fatalf("want %s: %v", tc.want, err)
			}
			// Errors are compared by the name after the __type's namespace.
			for _, m := range []any{got, exp} {
				if mm, ok := m.(map[string]any); ok {
					if ty, ok := mm["__type"].(string); ok {
						mm["__type"] = ty[strings.LastIndex(ty, "#")+1:]
					}
				}
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("response %s\nwant     %s", body, tc.want)
			}
		})
	}
}

// TestUpdateNewItemReadsItsKey: an UpdateItem that creates the item
// evaluates its expressions against the item made of the key.
func TestUpdateNewItemReadsItsKey(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"if_not_exists falls back to the key", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k1"}},"UpdateExpression":"SET b = if_not_exists(b, a)","ReturnValues":"UPDATED_NEW"}`,
			200, `{"Attributes":{"b":{"S":"k1"}}}`},
		{"key attribute as a SET value", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k2"}},"UpdateExpression":"SET c = a","ReturnValues":"UPDATED_NEW"}`,
			200, `{"Attributes":{"c":{"S":"k2"}}}`},
		{"the new item holds the key and the copy", "GetItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k2"}},"ConsistentRead":true}`,
			200, `{"Item":{"a":{"S":"k2"},"c":{"S":"k2"}}}`},
		{"other attributes are still missing", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k3"}},"UpdateExpression":"SET c = b"}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided expression refers to an attribute that does not exist in the item"}`},
	})
}

// TestParenthesisedOperands: parentheses may enclose an operand as well as a
// condition.
func TestParenthesisedOperands(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"put", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"5"}}}`,
			200, `{}`},
		{"size in parentheses in a filter", "Scan",
			`{"TableName":"` + tbl + `","FilterExpression":"(size(b)) = :n","ExpressionAttributeValues":{":n":{"N":"3"}}}`,
			200, `{"Items":[{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"5"}}],"Count":1,"ScannedCount":1}`},
		{"path in parentheses in a condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"6"}},"ConditionExpression":"(a) = :v","ExpressionAttributeValues":{":v":{"S":"k1"}}}`,
			200, `{}`},
		{"name in parentheses in a condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"7"}},"ConditionExpression":"(#n) < :v","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"N":"7"}}}`,
			200, `{}`},
		{"a failing parenthesised condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"}},"ConditionExpression":"((#n)) BETWEEN (:lo) AND (:hi)","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":lo":{"N":"1"},":hi":{"N":"6"}}}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"a parenthesised key condition", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"(a) = :v","ExpressionAttributeValues":{":v":{"S":"k1"}},"ProjectionExpression":"n"}`,
			200, `{"Items":[{"n":{"N":"7"}}],"Count":1,"ScannedCount":1}`},
	})
}
