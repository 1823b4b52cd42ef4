package dynamodb_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestUpdateAndDeleteReturnOldOnFailure(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("r"), "minute": s("m")}
	put(t, c, name, item{"pk": s("r"), "minute": s("m"), "owner": s("a")})
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET #o = :b"),
		ConditionExpression: aws.String("#o = :b"), ExpressionAttributeNames: map[string]string{"#o": "owner"}, ExpressionAttributeValues: item{":b": s("b")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	if peer == "" && (ccf.Item == nil || strOf(t, ccf.Item["owner"]) != "a") {
		t.Errorf("UpdateItem failure Item %v", ccf.Item)
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key,
		ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !errors.As(err, &ccf) {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	if peer == "" && ccf.Item == nil {
		t.Errorf("DeleteItem failure without Item")
	}
	// A failed condition on a missing item has no Item.
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("r"), "minute": s("none")},
		UpdateExpression: aws.String("SET x = :b"), ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: item{":b": s("b")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("missing item: %v, Item %v", err, ccf)
	}
	if get(t, c, name, item{"pk": s("r"), "minute": s("none")}) != nil {
		t.Errorf("a failed conditional update created the item")
	}
}

func TestConsumedCapacity(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("c"), "minute": s("m")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if out.ConsumedCapacity == nil || aws.ToString(out.ConsumedCapacity.TableName) != name || aws.ToFloat64(out.ConsumedCapacity.CapacityUnits) <= 0 {
		t.Errorf("PutItem ConsumedCapacity %+v", out.ConsumedCapacity)
	}
	g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: item{"pk": s("c"), "minute": s("m")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if g.ConsumedCapacity == nil || g.Item == nil {
		t.Errorf("GetItem ConsumedCapacity %+v item %v", g.ConsumedCapacity, g.Item)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("c")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if q.ConsumedCapacity == nil || q.Count != 1 {
		t.Errorf("Query ConsumedCapacity %+v", q.ConsumedCapacity)
	}
}

func TestTableStatusGuards(t *testing.T) {
	skipOn(t, "accepts writes to a DELETING table", "dynalite")
	c := newClient(t)
	name := uniqueName("guard")
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("x")}})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
}

func TestIndexQueryOrderAndSelect(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"sk", "S"}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("score"), AttributeType: "N"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byScore"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}, {AttributeName: aws.String("score"), KeyType: "RANGE"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	for i, sc := range []string{"30", "-5", "100", "7"} {
		put(t, c, name, item{"pk": s("p"), "sk": s(string(rune('a' + i))), "score": n(sc)})
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byScore"),
		KeyConditionExpression: aws.String("pk = :p AND score > :z"), ExpressionAttributeValues: item{":p": s("p"), ":z": n("0")},
		ScanIndexForward: aws.Bool(false), Select: types.SelectAllProjectedAttributes})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range q.Items {
		got = append(got, numOf(t, it["score"]))
	}
	if len(got) != 3 || got[0] != "100" || got[1] != "30" || got[2] != "7" {
		t.Errorf("descending index order %v", got)
	}
	cnt, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byScore"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}, Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Count != 4 || cnt.Items != nil {
		t.Errorf("index COUNT %d %v", cnt.Count, cnt.Items)
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byScore"), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}})
	apiErr(t, err, "ValidationException", "Consistent reads are not supported on global secondary indexes")
}

// TestConsumedCapacityRounding checks the figures DynamoDB reports: a write
// consumes one unit per 1 KB of the larger of the item before and after,
// rounded up; a read one unit per 4 KB rounded up, halved when eventually
// consistent; batches add their items' units; Query rounds the page's total.
func TestConsumedCapacityRounding(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	total := types.ReturnConsumedCapacityTotal
	// sized returns an item of exactly size bytes (names plus values).
	sized := func(pk, minute string, size int) item {
		return item{"pk": s(pk), "minute": s(minute), "p": s(strings.Repeat("x", size-len("pkminutep")-len(pk)-len(minute)))}
	}
	key := func(pk, minute string) item { return item{"pk": s(pk), "minute": s(minute)} }
	units := func(t *testing.T, what string, cc *types.ConsumedCapacity, want float64) {
		t.Helper()
		if cc == nil || aws.ToFloat64(cc.CapacityUnits) != want || aws.ToString(cc.TableName) != name {
			t.Errorf("%s: ConsumedCapacity %+v, want %v units", what, cc, want)
			return
		}
		if cc.Table != nil && aws.ToFloat64(cc.Table.CapacityUnits) != want {
			t.Errorf("%s: Table %v units, want %v", what, aws.ToFloat64(cc.Table.CapacityUnits), want)
		}
	}
	putUnits := func(t *testing.T, it item) float64 {
		t.Helper()
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: it, ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
	}
	t.Run("put", func(t *testing.T) {
		if u := putUnits(t, sized("a", "1", 1024)); u != 1 {
			t.Errorf("1024-byte put: %v units, want 1", u)
		}
		if u := putUnits(t, sized("a", "2", 1025)); u != 2 {
			t.Errorf("1025-byte put: %v units, want 2", u)
		}
		putUnits(t, sized("a", "3", 3000))
		if u := putUnits(t, sized("a", "3", 20)); u != 3 {
			t.Errorf("small put over a 3000-byte item: %v units, want 3", u)
		}
	})
	t.Run("update", func(t *testing.T) {
		put(t, c, name, sized("u", "1", 2049))
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key("u", "1"),
			UpdateExpression: aws.String("SET q = :q"), ExpressionAttributeValues: item{":q": s("y")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			t.Fatal(err)
		}
		units(t, "update of a 2049-byte item", out.ConsumedCapacity, 3)
	})
	t.Run("delete", func(t *testing.T) {
		put(t, c, name, sized("d", "1", 2049))
		out, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key("d", "1"), ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		units(t, "delete of a 2049-byte item", out.ConsumedCapacity, 3)
		out, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key("d", "1"), ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		units(t, "delete of a missing item", out.ConsumedCapacity, 1)
	})
	t.Run("get", func(t *testing.T) {
		put(t, c, name, sized("g", "1", 4096))
		put(t, c, name, sized("g", "2", 4097))
		for _, tc := range []struct {
			minute     string
			consistent bool
			want       float64
		}{{"1", false, 0.5}, {"1", true, 1}, {"2", false, 1}, {"2", true, 2}, {"none", false, 0.5}, {"none", true, 1}} {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key("g", tc.minute),
				ConsistentRead: aws.Bool(tc.consistent), ProjectionExpression: aws.String("pk"), ReturnConsumedCapacity: total})
			if err != nil {
				t.Fatal(err)
			}
			units(t, fmt.Sprintf("get %s consistent=%v", tc.minute, tc.consistent), out.ConsumedCapacity, tc.want)
		}
	})
	t.Run("batch", func(t *testing.T) {
		w, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {
			{PutRequest: &types.PutRequest{Item: sized("b", "1", 1025)}},
			{PutRequest: &types.PutRequest{Item: sized("b", "2", 4097)}},
		}}, ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.ConsumedCapacity) != 1 {
			t.Fatalf("BatchWriteItem ConsumedCapacity %+v", w.ConsumedCapacity)
		}
		units(t, "batch write of 1025 and 4097 bytes", &w.ConsumedCapacity[0], 7)
		g, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {
			Keys: []map[string]types.AttributeValue{key("b", "1"), key("b", "2")}}}, ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.ConsumedCapacity) != 1 {
			t.Fatalf("BatchGetItem ConsumedCapacity %+v", g.ConsumedCapacity)
		}
		units(t, "eventually consistent batch get of 1025 and 4097 bytes", &g.ConsumedCapacity[0], 1.5)
	})
	t.Run("transaction", func(t *testing.T) {
		skipOn(t, "no transactions", "dynalite")
		put(t, c, name, sized("t", "1", 2049))
		out, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(name), Item: sized("t", "2", 1025)}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(name), Key: key("t", "1"), ConditionExpression: aws.String("attribute_exists(pk)")}},
		}, ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ConsumedCapacity) != 1 {
			t.Fatalf("TransactWriteItems ConsumedCapacity %+v", out.ConsumedCapacity)
		}
		units(t, "transaction of a 1025-byte put and a check of a 2049-byte item", &out.ConsumedCapacity[0], 10)
	})
	t.Run("query", func(t *testing.T) {
		put(t, c, name, sized("q", "1", 2500))
		put(t, c, name, sized("q", "2", 2500))
		for _, tc := range []struct {
			consistent bool
			want       float64
		}{{false, 1}, {true, 2}} {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":p": s("q")}, ConsistentRead: aws.Bool(tc.consistent), ReturnConsumedCapacity: total})
			if err != nil {
				t.Fatal(err)
			}
			units(t, fmt.Sprintf("query of 5000 bytes consistent=%v", tc.consistent), out.ConsumedCapacity, tc.want)
		}
	})
}
