package dynamodb_test

import (
	"errors"
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
