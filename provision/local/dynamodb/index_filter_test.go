package dynamodb_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestIndexFiltersSeeTheIndex: a Query of either kind of index refuses a
// filter on an attribute it does not project, as DynamoDB does; a Scan of
// a global index filters the entries as the index holds them, so such a
// condition finds the attribute missing, and a Scan of a local index
// fetches it from the table.
func TestIndexFiltersSeeTheIndex(t *testing.T) {
	skipOn(t, "filters the table's items through any index", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS}, func(in *dynamodb.CreateTableInput) {
		for _, a := range []string{"l", "g"} {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
		}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}}}}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{
			{IndexName: aws.String("gsi"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}},
			{IndexName: aws.String("inc"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"v"}},
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}},
		}
	})
	// read is a Query (keyed as each index is) or Scan of index with filter,
	// given the values it uses.
	read := func(op, index, filter string) string {
		used := map[string]string{":one": `{"S":"one"}`, ":t": `{"BOOL":true}`, ":a": `{"S":"a"}`, ":y": `{"S":"y"}`}
		body := `{"TableName":"` + tbl + `","IndexName":"` + index + `","FilterExpression":"` + filter + `"`
		uses := filter
		if op == "Query" {
			key := map[string]string{"lsi": "pk = :a", "gsi": "g = :y", "inc": "g = :y"}[index]
			body += `,"KeyConditionExpression":"` + key + `"`
			uses += " " + key
		}
		var values []string
		for _, name := range []string{":one", ":t", ":a", ":y"} {
			if strings.Contains(uses, name) {
				values = append(values, `"`+name+`":`+used[name])
			}
		}
		return body + `,"ExpressionAttributeValues":{` + strings.Join(values, ",") + `}}`
	}
	const entry = `{"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"y"}}`
	runExchanges(t, []exchange{
		{"put", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"x"},"g":{"S":"y"},"colour":{"S":"one"},"v":{"BOOL":true}}}`, 200, `{}`},
		{"a table scan sees the attribute", "Scan", `{"TableName":"` + tbl + `","FilterExpression":"colour = :one","ExpressionAttributeValues":{":one":{"S":"one"}},"ProjectionExpression":"pk"}`,
			200, `{"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1}`},
		{"a global index's scan does not", "Scan", read("Scan", "gsi", "colour = :one"), 200, `{"Items":[],"Count":0,"ScannedCount":1}`},
		{"so NOT of it holds", "Scan", read("Scan", "gsi", "NOT colour = :one"), 200, `{"Items":[` + entry + `],"Count":1,"ScannedCount":1}`},
		{"its query refuses it", "Query", read("Query", "gsi", "attribute_exists(colour)"), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Secondary index gsi does not project one or more filter attributes: [colour]"}`},
		{"an included attribute is seen", "Query", read("Query", "inc", "v = :t"), 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"y"},"v":{"BOOL":true}}],"Count":1,"ScannedCount":1}`},
		{"but not the others", "Query", read("Query", "inc", "v = :t AND colour = :one"), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Secondary index inc does not project one or more filter attributes: [colour]"}`},
		{"nor does its scan see them", "Scan", read("Scan", "inc", "v = :t AND colour = :one"), 200, `{"Items":[],"Count":0,"ScannedCount":1}`},
		{"a local index's query refuses it too: it fetches what a read asks for, not what it filters on", "Query", read("Query", "lsi", "colour = :one"), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Secondary index lsi does not project one or more filter attributes: [colour]"}`},
		{"a local index's scan fetches it from the table", "Scan", read("Scan", "lsi", "colour = :one"), 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"x"}}],"Count":1,"ScannedCount":1}`},
	})
}
