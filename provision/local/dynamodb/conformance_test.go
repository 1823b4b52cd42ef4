package dynamodb_test

// The DynamoDB conformance suite: cases D1–D16 and W1 of CONFORMANCE.md and
// more, through aws-sdk-go-v2. Skips name the peer's known difference:
//
//	dynalite: no TransactWriteItems/TransactGetItems, no TTL operations,
//	          different 400 KB size accounting and a few message texts.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var ctx = context.Background()

// D1
func TestCreateTableLifecycle(t *testing.T) {
	c := newClient(t)
	name := uniqueName("counts")
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if d.TableStatus != types.TableStatusCreating && peer == "" {
		t.Errorf("status %s, want CREATING", d.TableStatus)
	}
	if aws.ToString(d.TableArn) == "" || (peer == "" && aws.ToString(d.TableId) == "") {
		t.Errorf("TableArn %q TableId %q, want both", aws.ToString(d.TableArn), aws.ToString(d.TableId))
	}
	if !strings.HasSuffix(aws.ToString(d.TableArn), ":table/"+name) {
		t.Errorf("TableArn %q does not end with the table name", aws.ToString(d.TableArn))
	}
	waitActive(t, c, name)
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if desc.Table.TableStatus != types.TableStatusActive {
		t.Errorf("status %s, want ACTIVE", desc.Table.TableStatus)
	}
	if desc.Table.BillingModeSummary == nil || desc.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode summary %+v, want PAY_PER_REQUEST", desc.Table.BillingModeSummary)
	}
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if peer == "dynalite" {
		apiErr(t, err, "ResourceInUseException", "") // dynalite sends no message
	} else {
		apiErr(t, err, "ResourceInUseException", "Table already exists: "+name)
	}

	del, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Errorf("delete status %s, want DELETING", del.TableDescription.TableStatus)
	}
	w := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// D2
func TestMissingTable(t *testing.T) {
	c := newClient(t)
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nope"), Item: item{"pk": s("x")}})
	ae := apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	if ae.ErrorMessage() != "Requested resource not found" {
		t.Errorf("data-plane message %q", ae.ErrorMessage())
	}
}

func TestCreateTableValidation(t *testing.T) {
	c := newClient(t)
	def := func(n string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: typ}
	}
	ks := func(n string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: kt}
	}
	cases := []struct {
		name string
		in   dynamodb.CreateTableInput
		want string
	}{
		{"short name", dynamodb.CreateTableInput{TableName: aws.String("ab"), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")}},
			"Member must have length greater than or equal to 3"},
		{"bad characters", dynamodb.CreateTableInput{TableName: aws.String("a b c"), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")}},
			"Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"range first", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S")}, KeySchema: []types.KeySchemaElement{ks("pk", "RANGE")}},
			"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"undefined key", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S")}, KeySchema: []types.KeySchemaElement{ks("other", "HASH")}},
			"Some index key attributes are not defined in AttributeDefinitions"},
		{"extra definition", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S"), def("x", "N")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")}},
			"Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"bad type", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "Q")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")}},
			"Member must satisfy enum value set: [B, N, S]"},
		{"provisioned without throughput", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModeProvisioned,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")}},
			"ReadCapacityUnits and WriteCapacityUnits must both be specified"},
		{"LSI without table range", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("v")), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{def("pk", "S"), def("x", "S")}, KeySchema: []types.KeySchemaElement{ks("pk", "HASH")},
			LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"), KeySchema: []types.KeySchemaElement{ks("pk", "HASH"), ks("x", "RANGE")},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}},
			"Table KeySchema does not have a range key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "undefined key" || tc.name == "LSI without table range" || tc.name == "provisioned without throughput" || tc.name == "short name" {
				skipOn(t, "different validation message", "dynalite")
			}
			_, err := c.CreateTable(ctx, &tc.in)
			apiErr(t, err, "ValidationException", tc.want)
			if tc.in.TableName != nil && len(*tc.in.TableName) >= 3 && !strings.Contains(*tc.in.TableName, " ") {
				_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: tc.in.TableName})
				apiErr(t, err, "ResourceNotFoundException", "not found")
			}
		})
	}
}

func TestListTablesPagination(t *testing.T) {
	c := newClient(t)
	var names []string
	for i := 0; i < 3; i++ {
		names = append(names, makeTable(t, c, keyAttr{"pk", "S"}, nil))
	}
	var seen []string
	var start *string
	for pages := 0; pages < 1000; pages++ {
		out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.TableNames) > 2 {
			t.Fatalf("page of %d names with Limit 2", len(out.TableNames))
		}
		seen = append(seen, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		start = out.LastEvaluatedTableName
	}
	if !sort.StringsAreSorted(seen) {
		t.Errorf("names not in order: %v", seen)
	}
	for _, n := range names {
		found := false
		for _, x := range seen {
			found = found || x == n
		}
		if !found {
			t.Errorf("table %s missing from ListTables pages", n)
		}
	}
}

func TestUpdateTable(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:             aws.String(name),
		BillingMode:           types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(7)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if peer == "" && out.TableDescription.TableStatus != types.TableStatusUpdating {
		t.Errorf("status %s, want UPDATING", out.TableDescription.TableStatus)
	}
	waitActive(t, c, name)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt64(d.Table.ProvisionedThroughput.WriteCapacityUnits); got != 7 {
		t.Errorf("write capacity %d, want 7", got)
	}
	// Add a GSI, wait for it, query it, remove it.
	skipOn(t, "cannot add or remove a GSI with UpdateTable", "dynalite")
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: "S"}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:             aws.String("byG"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: "HASH"}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Table.TableStatus == types.TableStatusActive && len(d.Table.GlobalSecondaryIndexes) == 1 && d.Table.GlobalSecondaryIndexes[0].IndexStatus == types.IndexStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GSI never became ACTIVE: %+v", d.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
	put(t, c, name, item{"pk": s("a"), "g": s("x"), "other": s("o")})
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Items) != 1 || q.Items[0]["other"] != nil || q.Items[0]["pk"] == nil {
		t.Errorf("KEYS_ONLY GSI query returned %v", q.Items)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byG")}}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Table.TableStatus == types.TableStatusActive && len(d.Table.GlobalSecondaryIndexes) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GSI never went away: %+v", d.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// A table switched from on-demand to provisioned capacity needs a
// throughput for each of its global secondary indexes, in the same call.
func TestUpdateTableToProvisionedPricesEveryIndex(t *testing.T) {
	c := newClient(t)
	gsi := func(name string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{IndexName: aws.String(name),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}
	}
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{gsi("byG1"), gsi("byG2")}
	})
	tp := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	priced := func(index string) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String(index), ProvisionedThroughput: tp}}
	}
	toProvisioned := func(updates ...types.GlobalSecondaryIndexUpdate) error {
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), BillingMode: types.BillingModeProvisioned,
			ProvisionedThroughput: tp, GlobalSecondaryIndexUpdates: updates})
		return err
	}
	apiErr(t, toProvisioned(), "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byG1,byG2")
	apiErr(t, toProvisioned(priced("byG1")), "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byG2")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableStatus != types.TableStatusActive || d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("after refused switches: %s %+v, want ACTIVE and PAY_PER_REQUEST", d.Table.TableStatus, d.Table.BillingModeSummary)
	}
	if err := toProvisioned(priced("byG1"), priced("byG2")); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range d.Table.GlobalSecondaryIndexes {
		if got := aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits); got != 5 {
			t.Errorf("index %s read capacity %d, want 5", aws.ToString(g.IndexName), got)
		}
	}
}

// An UpdateTable builds or drops one global secondary index at a time.
func TestUpdateTableOneIndexAtATime(t *testing.T) {
	skipOn(t, "cannot add or remove a GSI with UpdateTable", "dynalite")
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	create := func(index string) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String(index),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	}
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		AttributeDefinitions:        []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: "S"}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{create("byG1"), create("byG2")}})
	apiErr(t, err, "LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableStatus != types.TableStatusActive || len(d.Table.GlobalSecondaryIndexes) != 0 || len(d.Table.AttributeDefinitions) != 1 {
		t.Fatalf("after the refused update: %s, indexes %+v, definitions %+v", d.Table.TableStatus, d.Table.GlobalSecondaryIndexes, d.Table.AttributeDefinitions)
	}
}

// A table's ARN names it wherever a request uses a table; another
// region's ARN names no table, and an index's ARN or a CreateTable by ARN
// is refused.
func TestTableARNAsName(t *testing.T) {
	skipOn(t, "takes table names only", "dynalite")
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(d.Table.TableArn)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &arn, Item: item{"pk": s("k1"), "v": s("x")}}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, name, item{"pk": s("k1")}); strOf(t, got["v"]) != "x" {
		t.Fatalf("the item put by ARN: %v", got)
	}
	g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: &arn, Key: item{"pk": s("k1")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || len(g.Item) != 2 || aws.ToString(g.ConsumedCapacity.TableName) != arn {
		t.Fatalf("GetItem by ARN: %v, capacity of %v, err %v", g.Item, g.ConsumedCapacity, err)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: &arn, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("k1")}})
	if err != nil || q.Count != 1 {
		t.Fatalf("Query by ARN: %v, %v", q, err)
	}
	b, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{arn: {Keys: []item{{"pk": s("k1")}}}}})
	if err != nil || len(b.Responses[arn]) != 1 {
		t.Fatalf("BatchGetItem by ARN, answered under the ARN: %v, %v", b.Responses, err)
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: &arn, Key: item{"pk": s("k1")}, UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": s("y")}}}}}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, name, item{"pk": s("k1")}); strOf(t, got["v"]) != "y" {
		t.Fatalf("the item updated by ARN in a transaction: %v", got)
	}
	if d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &arn}); err != nil || aws.ToString(d.Table.TableName) != name {
		t.Fatalf("DescribeTable by ARN: %v", err)
	}
	// ConsumedCapacity names the table as the request did: "If you had
	// specified the Amazon Resource Name (ARN) of a table in the input,
	// you'll see the table ARN in the response" (API_ConsumedCapacity).
	total, indexes := types.ReturnConsumedCapacityTotal, types.ReturnConsumedCapacityIndexes
	named := map[string]func() ([]types.ConsumedCapacity, error){
		"PutItem": func() ([]types.ConsumedCapacity, error) {
			o, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &arn, Item: item{"pk": s("k2")}, ReturnConsumedCapacity: total})
			return []types.ConsumedCapacity{*o.ConsumedCapacity}, err
		},
		"UpdateItem": func() ([]types.ConsumedCapacity, error) {
			o, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &arn, Key: item{"pk": s("k2")}, UpdateExpression: aws.String("SET v = :v"),
				ExpressionAttributeValues: item{":v": s("z")}, ReturnConsumedCapacity: indexes})
			return []types.ConsumedCapacity{*o.ConsumedCapacity}, err
		},
		"DeleteItem": func() ([]types.ConsumedCapacity, error) {
			o, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &arn, Key: item{"pk": s("k2")}, ReturnConsumedCapacity: total})
			return []types.ConsumedCapacity{*o.ConsumedCapacity}, err
		},
		"Query": func() ([]types.ConsumedCapacity, error) {
			o, err := c.Query(ctx, &dynamodb.QueryInput{TableName: &arn, KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":p": s("k1")}, ReturnConsumedCapacity: total})
			return []types.ConsumedCapacity{*o.ConsumedCapacity}, err
		},
		"Scan": func() ([]types.ConsumedCapacity, error) {
			o, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: &arn, ReturnConsumedCapacity: indexes})
			return []types.ConsumedCapacity{*o.ConsumedCapacity}, err
		},
		"TransactWriteItems": func() ([]types.ConsumedCapacity, error) {
			o, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: total, TransactItems: []types.TransactWriteItem{
				{ConditionCheck: &types.ConditionCheck{TableName: &arn, Key: item{"pk": s("k1")}, ConditionExpression: aws.String("attribute_exists(pk)")}}}})
			return o.ConsumedCapacity, err
		},
		"TransactGetItems": func() ([]types.ConsumedCapacity, error) {
			o, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{ReturnConsumedCapacity: total, TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: &arn, Key: item{"pk": s("k1")}}}}})
			return o.ConsumedCapacity, err
		},
	}
	for _, op := range slices.Sorted(maps.Keys(named)) {
		cc, err := named[op]()
		if err != nil {
			t.Fatalf("%s by ARN: %v", op, err)
		}
		if len(cc) != 1 || aws.ToString(cc[0].TableName) != arn {
			t.Errorf("%s by ARN: ConsumedCapacity %+v, want one naming %s", op, cc, arn)
		}
	}
	if o, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: item{"pk": s("k3")}, ReturnConsumedCapacity: total}); err != nil || aws.ToString(o.ConsumedCapacity.TableName) != name {
		t.Fatalf("PutItem by name: ConsumedCapacity %+v, %v", o.ConsumedCapacity, err)
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arn + "/index/byX"), Key: item{"pk": s("k1")}})
	apiErr(t, err, "ValidationException", "Member must satisfy regular expression pattern")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(strings.Replace(arn, ":us-east-1:", ":eu-west-1:", 1)), Key: item{"pk": s("k1")}})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(arn + "x"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
	apiErr(t, err, "ValidationException", "Member must satisfy regular expression pattern")
}

func TestItemCountAndSize(t *testing.T) {
	skipOn(t, "ItemCount is computed differently", "dynalite")
	c := newClient(t)
	name := countsTable(t, c)
	put(t, c, name, item{"pk": s("a"), "minute": s("1"), "v": s("hello")})
	put(t, c, name, item{"pk": s("a"), "minute": s("2")})
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(d.Table.ItemCount) != 2 {
		t.Errorf("ItemCount %d, want 2", aws.ToInt64(d.Table.ItemCount))
	}
	if want := int64(len("pk") + 1 + len("minute") + 1 + len("v") + 5 + len("pk") + 1 + len("minute") + 1); aws.ToInt64(d.Table.TableSizeBytes) != want {
		t.Errorf("TableSizeBytes %d, want %d", aws.ToInt64(d.Table.TableSizeBytes), want)
	}
}

// D3
func TestCounterUpsert(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("evt"), "minute": s("2026-01-01T10:05")}
	add := func() *dynamodb.UpdateItemOutput {
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(name), Key: key, UpdateExpression: aws.String("ADD #c :one"),
			ExpressionAttributeNames:  map[string]string{"#c": "count"},
			ExpressionAttributeValues: item{":one": n("1")},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := numOf(t, add().Attributes["count"]); got != "1" {
		t.Fatalf("first ADD gave %s, want 1", got)
	}
	if got := numOf(t, add().Attributes["count"]); got != "2" {
		t.Fatalf("second ADD gave %s, want 2", got)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(name), Key: item{"pk": s("evt"), "minute": s("concurrent")}, UpdateExpression: aws.String("ADD #c :one"),
				ExpressionAttributeNames: map[string]string{"#c": "count"}, ExpressionAttributeValues: item{":one": n("1")},
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := numOf(t, get(t, c, name, item{"pk": s("evt"), "minute": s("concurrent")})["count"]); got != "10" {
		t.Fatalf("ten concurrent ADDs gave %s", got)
	}
}

func updateErr(t *testing.T, c *dynamodb.Client, table string, key item, expr string, names map[string]string, values item) error {
	t.Helper()
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key, UpdateExpression: aws.String(expr),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	return err
}

// D4–D9
func TestUpdateExpressionErrors(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("e"), "minute": s("m")}
	put(t, c, name, item{"pk": s("e"), "minute": s("m"), "tags": &types.AttributeValueMemberSS{Value: []string{"a"}}, "a": s("x")})
	cases := []struct {
		name   string
		expr   string
		names  map[string]string
		values item
		want   string
		skip   string
	}{
		{"reserved word", "SET count = count + :one", nil, item{":one": n("1")}, "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: count", ""},
		{"missing attribute", "SET #c = #c + :one", map[string]string{"#c": "nothere"}, item{":one": n("1")}, "The provided expression refers to an attribute that does not exist in the item", ""},
		{"list_append on S", "SET a = list_append(:s, a)", nil, item{":s": s("x")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S", ""},
		{"ADD number to SS", "ADD tags :n", nil, item{":n": n("1")}, "An operand in the update expression has an incorrect data type", ""},
		{"DELETE number", "DELETE a :x", nil, item{":x": n("1")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND", "dynalite"},
		{"overlapping paths", "REMOVE a, a.b", nil, nil, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]", ""},
		{"key attribute", "SET pk = :v", nil, item{":v": s("x")}, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key", ""},
		{"unused value", "SET a = :v", nil, item{":v": s("x"), ":x": s("y")}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}", ""},
		{"undefined value", "SET a = :v", nil, item{":w": s("x")}, "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v", ""},
		{"undefined name", "SET #x = :v", nil, item{":v": s("x")}, "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x", ""},
		{"unused name", "SET a = :v", map[string]string{"#n": "z"}, item{":v": s("x")}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}", ""},
		{"section twice", "SET a = :v SET b = :v", nil, item{":v": s("x")}, `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`, ""},
		{"syntax error", "SET a = ", nil, nil, "Invalid UpdateExpression: Syntax error;", ""},
		{"empty expression", "", nil, nil, "Invalid UpdateExpression: The expression can not be empty;", ""},
		{"unknown function", "SET a = nope(:v)", nil, item{":v": s("x")}, "Invalid UpdateExpression: Invalid function name; function: nope", ""},
		{"plus on string", "SET a = :s + :n", nil, item{":s": s("x"), ":n": n("1")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S", ""},
		{"if_not_exists without path", "SET a = if_not_exists(:v, :v)", nil, item{":v": s("x")}, "Operator or function requires a document path; operator or function: if_not_exists", ""},
		{"conflicting paths", "SET a.b = :v, a[1] = :v", nil, item{":v": s("x")}, "Two document paths conflict with each other", "dynalite"},
		{"nested path missing parent", "SET nope.x = :v", nil, item{":v": s("x")}, "The document path provided in the update expression is invalid for update", ""},
		{"ADD string", "ADD a :v", nil, item{":v": s("x")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND", "dynalite"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				skipOn(t, "message differs", tc.skip)
			}
			err := updateErr(t, c, name, key, tc.expr, tc.names, tc.values)
			apiErr(t, err, "ValidationException", tc.want)
		})
	}
	// Nothing was changed by the failed updates.
	got := get(t, c, name, key)
	if len(got) != 4 || strOf(t, got["a"]) != "x" {
		t.Errorf("item changed by failed updates: %v", got)
	}
}

// D5, D6 and the rest of the update language.
func TestUpdateExpressions(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("u"), "minute": s("m")}
	step := func(expr string, names map[string]string, values item) item {
		t.Helper()
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: types.ReturnValueAllNew})
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return out.Attributes
	}
	it := step("SET #c = if_not_exists(#c, :zero) + :one", map[string]string{"#c": "count"}, item{":zero": n("0"), ":one": n("1")})
	if numOf(t, it["count"]) != "1" {
		t.Fatalf("if_not_exists + 1 gave %v", it["count"])
	}
	it = step("SET l = list_append(if_not_exists(l, :empty), :new)", nil, item{":empty": &types.AttributeValueMemberL{}, ":new": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1")}}})
	if l := it["l"].(*types.AttributeValueMemberL).Value; len(l) != 1 {
		t.Fatalf("list_append on missing list: %v", l)
	}
	it = step("SET l = list_append(:front, l), m = :m, #c = #c - :two", map[string]string{"#c": "count"},
		item{":front": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("first")}}, ":two": n("2"),
			":m": &types.AttributeValueMemberM{Value: item{"inr": &types.AttributeValueMemberM{Value: item{"x": n("1")}}, "arr": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("0"), n("1"), n("2")}}}}})
	if l := it["l"].(*types.AttributeValueMemberL).Value; len(l) != 2 || strOf(t, l[0]) != "first" {
		t.Fatalf("list_append front: %v", l)
	}
	if numOf(t, it["count"]) != "-1" {
		t.Fatalf("subtraction gave %v", it["count"])
	}
	it = step("SET m.inr.y = :v, m.arr[1] = :v, m.arr[10] = :w REMOVE m.inr.x", nil, item{":v": s("v"), ":w": s("w")})
	m := it["m"].(*types.AttributeValueMemberM).Value
	inner := m["inr"].(*types.AttributeValueMemberM).Value
	if strOf(t, inner["y"]) != "v" || inner["x"] != nil {
		t.Fatalf("nested map update: %v", inner)
	}
	arr := m["arr"].(*types.AttributeValueMemberL).Value
	if len(arr) != 4 || strOf(t, arr[1]) != "v" || strOf(t, arr[3]) != "w" {
		t.Fatalf("nested list update: %v", arr)
	}
	if peer == "dynalite" {
		t.Skip("dynalite: REMOVE of several list elements shifts indexes between removals")
	}
	it = step("REMOVE m.arr[0], m.arr[2]", nil, nil)
	arr = it["m"].(*types.AttributeValueMemberM).Value["arr"].(*types.AttributeValueMemberL).Value
	if len(arr) != 2 || strOf(t, arr[0]) != "v" || strOf(t, arr[1]) != "w" {
		t.Fatalf("list element removal: %v", arr)
	}
	step("ADD tags :ab, nums :n12", nil, item{":ab": &types.AttributeValueMemberSS{Value: []string{"a", "b"}}, ":n12": &types.AttributeValueMemberNS{Value: []string{"1", "2"}}})
	it = step("ADD tags :bc DELETE nums :n1", nil, item{":bc": &types.AttributeValueMemberSS{Value: []string{"b", "c"}}, ":n1": &types.AttributeValueMemberNS{Value: []string{"1"}}})
	tags := it["tags"].(*types.AttributeValueMemberSS).Value
	sort.Strings(tags)
	if strings.Join(tags, ",") != "a,b,c" {
		t.Fatalf("set union gave %v", tags)
	}
	if ns := it["nums"].(*types.AttributeValueMemberNS).Value; len(ns) != 1 || ns[0] != "2" {
		t.Fatalf("set difference gave %v", ns)
	}
	it = step("DELETE nums :n2", nil, item{":n2": &types.AttributeValueMemberNS{Value: []string{"2"}}})
	if it["nums"] != nil {
		t.Fatalf("deleting the last element should remove the set: %v", it["nums"])
	}
	// ReturnValues variants.
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET #c = :v"),
		ExpressionAttributeNames: map[string]string{"#c": "count"}, ExpressionAttributeValues: item{":v": n("100")}, ReturnValues: types.ReturnValueUpdatedOld})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Attributes) != 1 || numOf(t, out.Attributes["count"]) != "-1" {
		t.Fatalf("UPDATED_OLD gave %v", out.Attributes)
	}
	out, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET z = :v"),
		ExpressionAttributeValues: item{":v": n("1")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatal(err)
	}
	if numOf(t, out.Attributes["count"]) != "100" || out.Attributes["z"] != nil {
		t.Fatalf("ALL_OLD gave %v", out.Attributes)
	}
}

// D10
func TestConditionalPut(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	it := item{"pk": s("c"), "minute": s("m"), "v": n("1")}
	put(t, c, name, it)
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("c"), "minute": s("m"), "v": n("2")},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("c"), "minute": s("m"), "v": n("2")},
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	if peer == "" && (ccf.Item == nil || numOf(t, ccf.Item["v"]) != "1") {
		t.Errorf("ALL_OLD on failure gave Item %v", ccf.Item)
	}
	if got := numOf(t, get(t, c, name, item{"pk": s("c"), "minute": s("m")})["v"]); got != "1" {
		t.Errorf("failed put changed the item: v=%s", got)
	}
	// DeleteItem and UpdateItem conditions.
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": s("c"), "minute": s("m")},
		ConditionExpression: aws.String("v = :two"), ExpressionAttributeValues: item{":two": n("2")}})
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	out, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": s("c"), "minute": s("m")},
		ConditionExpression: aws.String("v = :one"), ExpressionAttributeValues: item{":one": n("1.0")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatal(err)
	}
	if numOf(t, out.Attributes["v"]) != "1" {
		t.Errorf("DeleteItem ALL_OLD gave %v", out.Attributes)
	}
	if got := get(t, c, name, item{"pk": s("c"), "minute": s("m")}); got != nil {
		t.Errorf("item still there after delete: %v", got)
	}
}

// D11
func TestConditionFunctions(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("f"), "minute": s("m")}
	put(t, c, name, item{"pk": s("f"), "minute": s("m"), "tags": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"name": s("abc"), "n": n("5"), "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), n("2"), n("3")}},
		"bin": b([]byte{1, 2, 3}), "m": &types.AttributeValueMemberM{Value: item{"deep": s("x")}}, "nul": &types.AttributeValueMemberNULL{Value: true}})
	names := map[string]string{"#n": "name"}
	cases := []struct {
		name   string
		cond   string
		values item
		pass   bool
	}{
		{"begins_with", "begins_with(#n, :ab)", item{":ab": s("ab")}, true},
		{"begins_with no", "begins_with(#n, :ab)", item{":ab": s("b")}, false},
		{"begins_with binary", "begins_with(bin, :p)", item{":p": b([]byte{1, 2})}, true},
		{"contains set", "contains(tags, :a)", item{":a": s("a")}, true},
		{"contains set no", "contains(tags, :a)", item{":a": s("z")}, false},
		{"contains string", "contains(#n, :a)", item{":a": s("bc")}, true},
		{"contains list", "contains(l, :a)", item{":a": n("2")}, true},
		{"size list", "size(l) = :three", item{":three": n("3")}, true},
		{"size string", "size(#n) > :two", item{":two": n("2")}, true},
		{"size set", "size(tags) = :two", item{":two": n("2")}, true},
		{"size binary", "size(bin) = :three", item{":three": n("3")}, true},
		{"attribute_type N", "attribute_type(n, :N)", item{":N": s("N")}, true},
		{"attribute_type NULL", "attribute_type(nul, :t)", item{":t": s("NULL")}, true},
		{"attribute_type wrong", "attribute_type(n, :S)", item{":S": s("S")}, false},
		{"between", "n BETWEEN :1 AND :9", item{":1": n("1"), ":9": n("9")}, true},
		{"between outside", "n BETWEEN :6 AND :9", item{":6": n("6"), ":9": n("9")}, false},
		{"in", "n IN (:4, :5)", item{":4": n("4"), ":5": n("5")}, true},
		{"in no", "n IN (:4, :6)", item{":4": n("4"), ":6": n("6")}, false},
		{"missing equals", "nothere = :x", item{":x": s("x")}, false},
		{"missing not equals", "nothere <> :x", item{":x": s("x")}, true},
		{"missing less", "nothere < :x", item{":x": s("x")}, false},
		{"not exists", "NOT attribute_exists(nothere)", nil, true},
		{"exists nested", "attribute_exists(m.deep)", nil, true},
		{"exists list element", "attribute_exists(l[2])", nil, true},
		{"not exists list element", "attribute_not_exists(l[3])", nil, true},
		{"and or precedence", "n = :5 OR n = :6 AND n = :7", item{":5": n("5"), ":6": n("6"), ":7": n("7")}, true},
		{"parentheses", "(n = :5 OR n = :6) AND n = :7", item{":5": n("5"), ":6": n("6"), ":7": n("7")}, false},
		{"not binds tighter", "NOT n = :6 AND n = :5", item{":5": n("5"), ":6": n("6")}, true},
		{"comparators", "n > :4 AND n >= :5 AND n < :6 AND n <= :5 AND n <> :4", item{":4": n("4"), ":5": n("5"), ":6": n("6")}, true},
		{"number equality across forms", "n = :v", item{":v": n("5.00")}, true},
		{"type mismatch compare", "n < :s", item{":s": s("9")}, false},
		{"string order is bytes", "#n < :v", item{":v": s("abd")}, true},
		{"map deep compare", "m = :m", item{":m": &types.AttributeValueMemberM{Value: item{"deep": s("x")}}}, true},
		{"keyword case", "n between :1 and :9 and not nothere = :1", item{":1": n("1"), ":9": n("9")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "map deep compare" {
				skipOn(t, "does not compare maps with =", "dynalite")
			}
			nm := map[string]string(nil)
			if strings.Contains(tc.cond, "#n") {
				nm = names
			}
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
				UpdateExpression: aws.String("SET touched = :touched"), ConditionExpression: aws.String(tc.cond),
				ExpressionAttributeNames: nm, ExpressionAttributeValues: mergeItems(tc.values, item{":touched": boolV(true)})})
			if tc.pass && err != nil {
				t.Fatalf("condition %q failed: %v", tc.cond, err)
			}
			if !tc.pass {
				apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
			}
		})
	}
}

func mergeItems(a, b item) item {
	out := item{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestConditionExpressionErrors(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	it := item{"pk": s("x"), "minute": s("m")}
	cases := []struct {
		name   string
		cond   string
		names  map[string]string
		values item
		want   string
		skip   bool
	}{
		{"between bounds", "n BETWEEN :9 AND :1", nil, item{":9": n("9"), ":1": n("1")}, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound", false},
		{"between types", "n BETWEEN :a AND :1", nil, item{":a": s("a"), ":1": n("1")}, "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds", false},
		{"unknown function", "nope(a)", nil, nil, "Invalid ConditionExpression: Invalid function name; function: nope", false},
		{"reserved", "status = :v", nil, item{":v": s("x")}, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status", false},
		{"attribute_type bad", "attribute_type(a, :t)", nil, item{":t": s("X")}, "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}", false},
		{"operand count", "attribute_exists(a, b)", nil, nil, "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2", false},
		{"begins_with number", "begins_with(a, :n)", nil, item{":n": n("1")}, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N", false},
		{"size misused", "size(a)", nil, nil, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size", false},
		{"function compared", "attribute_exists(a) = :v", nil, item{":v": boolV(true)}, "The function is not allowed to be used this way in an expression", true},
		{"distinct operands", "a = a", nil, nil, "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]", false},
		{"syntax", "a = = :v", nil, item{":v": s("x")}, "Invalid ConditionExpression: Syntax error;", false},
		{"trailing token", "a = :v b", nil, item{":v": s("x")}, "Invalid ConditionExpression: Syntax error;", false},
		{"undefined name", "#x = :v", nil, item{":v": s("x")}, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x", false},
		{"bad name key", "a = :v", map[string]string{"x": "y"}, item{":v": s("x")}, `ExpressionAttributeNames contains invalid key: Syntax error; key: "x"`, false},
		{"empty names", "a = :v", map[string]string{}, item{":v": s("x")}, "ExpressionAttributeNames must not be empty", false},
		{"size of number", "size(:n) = :n", nil, item{":n": n("1")}, "Incorrect operand type for operator or function; operator or function: size, operand type: N", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				skipOn(t, "message differs", "dynalite")
			}
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: it, ConditionExpression: aws.String(tc.cond),
				ExpressionAttributeNames: tc.names, ExpressionAttributeValues: tc.values})
			apiErr(t, err, "ValidationException", tc.want)
		})
	}
	if got := get(t, c, name, item{"pk": s("x"), "minute": s("m")}); got != nil {
		t.Errorf("an invalid request wrote the item: %v", got)
	}
}

// D12
func TestTransactWriteItems(t *testing.T) {
	skipOn(t, "no transactions", "dynalite")
	c := newClient(t)
	name := countsTable(t, c)
	put(t, c, name, item{"pk": s("t"), "minute": s("existing"), "v": n("1")})
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(name), Item: item{"pk": s("t"), "minute": s("new")}}},
		{Update: &types.Update{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("existing")},
			UpdateExpression: aws.String("SET v = :two"), ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ExpressionAttributeValues: item{":two": n("2")}}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("want TransactionCanceledException, got %v", err)
	}
	if tce.ErrorMessage() != "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]" {
		t.Errorf("message %q", tce.ErrorMessage())
	}
	if len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "None" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[1].Message) != "The conditional request failed" {
		t.Errorf("reasons %+v", tce.CancellationReasons)
	}
	if got := get(t, c, name, item{"pk": s("t"), "minute": s("new")}); got != nil {
		t.Errorf("cancelled Put is visible: %v", got)
	}
	if numOf(t, get(t, c, name, item{"pk": s("t"), "minute": s("existing")})["v"]) != "1" {
		t.Errorf("cancelled Update applied")
	}
	// The same item twice.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(name), Item: item{"pk": s("t"), "minute": s("x")}}},
		{Delete: &types.Delete{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("x")}}},
	}})
	apiErr(t, err, "ValidationException", "Transaction request cannot include multiple operations on one item")
	// More than 100 actions.
	var many []types.TransactWriteItem
	for i := 0; i < 101; i++ {
		many = append(many, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(name), Item: item{"pk": s("t"), "minute": s(strconv.Itoa(i))}}})
	}
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: many})
	apiErr(t, err, "ValidationException", "Member must have length less than or equal to 100")
	// A successful transaction of every kind, with a ClientRequestToken.
	in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(uniqueName("tok")), TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("existing")},
			ConditionExpression: aws.String("v = :one"), ExpressionAttributeValues: item{":one": n("1")}}},
		{Put: &types.Put{TableName: aws.String(name), Item: item{"pk": s("t"), "minute": s("p")}}},
		{Update: &types.Update{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("u")},
			UpdateExpression: aws.String("ADD c :one"), ExpressionAttributeValues: item{":one": n("1")}}},
		{Delete: &types.Delete{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("gone")}}},
	}}
	if _, err := c.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(ctx, in); err != nil {
		t.Fatalf("idempotent retry: %v", err)
	}
	if got := numOf(t, get(t, c, name, item{"pk": s("t"), "minute": s("u")})["c"]); got != "1" {
		t.Errorf("retried transaction applied twice: c=%s", got)
	}
	in.TransactItems = in.TransactItems[1:]
	_, err = c.TransactWriteItems(ctx, in)
	apiErr(t, err, "IdempotentParameterMismatchException", "same client token")
	// A runtime validation error cancels with ValidationError.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("existing")},
			UpdateExpression: aws.String("SET v = nothere + :one"), ExpressionAttributeValues: item{":one": n("1")}}},
	}})
	if !errors.As(err, &tce) || aws.ToString(tce.CancellationReasons[0].Code) != "ValidationError" {
		t.Errorf("want a ValidationError cancellation, got %v", err)
	}
	// TransactGetItems.
	g, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("existing")}, ProjectionExpression: aws.String("v")}},
		{Get: &types.Get{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("nothing")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Responses) != 2 || len(g.Responses[0].Item) != 1 || numOf(t, g.Responses[0].Item["v"]) != "1" || g.Responses[1].Item != nil {
		t.Errorf("TransactGetItems gave %+v", g.Responses)
	}
}

func TestTransactCancellationItem(t *testing.T) {
	skipOn(t, "no transactions", "dynalite")
	c := newClient(t)
	name := countsTable(t, c)
	put(t, c, name, item{"pk": s("t"), "minute": s("e"), "v": n("1")})
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(name), Key: item{"pk": s("t"), "minute": s("e")},
			ConditionExpression: aws.String("attribute_not_exists(v)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || tce.CancellationReasons[0].Item == nil || numOf(t, tce.CancellationReasons[0].Item["v"]) != "1" {
		t.Fatalf("want cancellation with Item, got %v", err)
	}
}

// D13
func TestQueryPagination(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"minute", "S"}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: "HASH"}, {AttributeName: aws.String("minute"), KeyType: "RANGE"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	for i := 1; i <= 3; i++ {
		put(t, c, name, item{"pk": s("evt"), "minute": s(fmt.Sprintf("m%d", i)), "g": s("G")})
	}
	q := func(limit int32, start item) *dynamodb.QueryOutput {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": s("evt")}, Limit: aws.Int32(limit), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := q(3, nil)
	if out.Count != 3 || out.LastEvaluatedKey == nil {
		t.Fatalf("Limit 3 of 3: Count %d LEK %v, want 3 and a LEK", out.Count, out.LastEvaluatedKey)
	}
	out = q(3, out.LastEvaluatedKey)
	if out.Count != 0 || out.LastEvaluatedKey != nil {
		t.Fatalf("page after the last: Count %d LEK %v", out.Count, out.LastEvaluatedKey)
	}
	seen := map[string]int{}
	var start item
	for pages := 0; ; pages++ {
		out := q(2, start)
		for _, it := range out.Items {
			seen[strOf(t, it["minute"])]++
		}
		if pages == 0 && (out.Count != 2 || out.LastEvaluatedKey == nil) {
			t.Fatalf("first page: %d items, LEK %v", out.Count, out.LastEvaluatedKey)
		}
		if pages == 1 && (out.Count != 1 || out.LastEvaluatedKey != nil) {
			t.Fatalf("second page: %d items, LEK %v", out.Count, out.LastEvaluatedKey)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	if len(seen) != 3 {
		t.Fatalf("saw %v", seen)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("%s seen %d times", k, v)
		}
	}
	gq, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: item{":g": s("G")}, Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	lek := gq.LastEvaluatedKey
	if len(lek) != 3 || lek["g"] == nil || lek["pk"] == nil || lek["minute"] == nil {
		t.Errorf("GSI LastEvaluatedKey %v, want g, pk and minute", lek)
	}
	var all []string
	for start := lek; ; {
		for _, it := range gq.Items {
			all = append(all, strOf(t, it["minute"]))
		}
		if start == nil {
			break
		}
		gq, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
			ExpressionAttributeValues: item{":g": s("G")}, Limit: aws.Int32(1), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		start = gq.LastEvaluatedKey
	}
	if strings.Join(all, ",") != "m1,m2,m3" {
		t.Errorf("GSI pages gave %v", all)
	}
}

// D14
func TestQueryKeyConditions(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	for _, m := range []string{"2026-01-01T10:05", "2026-01-01T10:06", "2026-01-02T00:00", "a", "B", "é"} {
		put(t, c, name, item{"pk": s("evt"), "minute": s(m), "x": n("1")})
	}
	put(t, c, name, item{"pk": s("other"), "minute": s("2026-01-01T10:05")})
	query := func(cond string, values item, forward bool, filter string) *dynamodb.QueryOutput {
		t.Helper()
		in := &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String(cond),
			ExpressionAttributeValues: values, ScanIndexForward: aws.Bool(forward)}
		if strings.Contains(cond+filter, "#m") {
			in.ExpressionAttributeNames = map[string]string{"#m": "minute"}
		}
		if filter != "" {
			in.FilterExpression = aws.String(filter)
		}
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		return out
	}
	minutes := func(out *dynamodb.QueryOutput) string {
		var ms []string
		for _, it := range out.Items {
			ms = append(ms, strOf(t, it["minute"]))
		}
		return strings.Join(ms, ",")
	}
	cases := []struct {
		name    string
		cond    string
		values  item
		forward bool
		want    string
	}{
		{"all by bytes", "pk = :p", item{":p": s("evt")}, true, "2026-01-01T10:05,2026-01-01T10:06,2026-01-02T00:00,B,a,é"},
		{"reverse", "pk = :p", item{":p": s("evt")}, false, "é,a,B,2026-01-02T00:00,2026-01-01T10:06,2026-01-01T10:05"},
		{"begins_with", "pk = :p AND begins_with(#m, :d)", item{":p": s("evt"), ":d": s("2026-01-01")}, true, "2026-01-01T10:05,2026-01-01T10:06"},
		{"begins_with reverse", "pk = :p AND begins_with(#m, :d)", item{":p": s("evt"), ":d": s("2026-01-01")}, false, "2026-01-01T10:06,2026-01-01T10:05"},
		{"between", "pk = :p AND #m BETWEEN :a AND :b", item{":p": s("evt"), ":a": s("2026-01-01T10:06"), ":b": s("2026-01-03")}, true, "2026-01-01T10:06,2026-01-02T00:00"},
		{"less than", "pk = :p AND #m < :a", item{":p": s("evt"), ":a": s("2026-01-01T10:06")}, true, "2026-01-01T10:05"},
		{"less equal reverse", "pk = :p AND #m <= :a", item{":p": s("evt"), ":a": s("2026-01-01T10:06")}, false, "2026-01-01T10:06,2026-01-01T10:05"},
		{"greater than", "pk = :p AND #m > :a", item{":p": s("evt"), ":a": s("a")}, true, "é"},
		{"greater equal", "pk = :p AND #m >= :a", item{":p": s("evt"), ":a": s("a")}, true, "a,é"},
		{"equal", "pk = :p AND #m = :a", item{":p": s("evt"), ":a": s("B")}, true, "B"},
		{"value first", ":p = pk AND :a > #m", item{":p": s("evt"), ":a": s("2026-01-01T10:06")}, true, "2026-01-01T10:05"},
		{"parenthesised", "(pk = :p) AND (#m = :a)", item{":p": s("evt"), ":a": s("B")}, true, "B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "parenthesised" {
				skipOn(t, "reports redundant parentheses", "dynalite")
			}
			if got := minutes(query(tc.cond, tc.values, tc.forward, "")); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	filtered, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression: aws.String("attribute_exists(x) AND x = :one"), ExpressionAttributeValues: item{":p": s("evt"), ":one": n("2")}})
	if err != nil {
		t.Fatal(err)
	}
	if filtered.Count != 0 || filtered.ScannedCount != 6 {
		t.Errorf("filter: Count %d ScannedCount %d, want 0 and 6", filtered.Count, filtered.ScannedCount)
	}
	cnt, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("evt")}, Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Count != 6 || cnt.Items != nil {
		t.Errorf("Select COUNT: Count %d Items %v", cnt.Count, cnt.Items)
	}
	proj, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p AND #m = :m"),
		ExpressionAttributeNames: map[string]string{"#m": "minute"}, ExpressionAttributeValues: item{":p": s("evt"), ":m": s("a")}, ProjectionExpression: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	if len(proj.Items) != 1 || len(proj.Items[0]) != 1 || proj.Items[0]["x"] == nil {
		t.Errorf("projection gave %v", proj.Items)
	}
	errCases := []struct {
		name   string
		cond   string
		values item
		filter string
		want   string
	}{
		{"non-key attribute", "x = :p", item{":p": n("1")}, "", "Query condition missed key schema element: pk"},
		{"hash not equality", "pk > :p", item{":p": s("evt")}, "", "Query key condition not supported"},
		{"OR", "pk = :p OR #m = :p", item{":p": s("evt")}, "", "Invalid operator used in KeyConditionExpression: OR"},
		{"type mismatch", "pk = :p", item{":p": n("1")}, "", "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"filter on key", "pk = :p", item{":p": s("evt"), ":m": s("a")}, "#m = :m", "Filter Expression can only contain non-primary key attributes: Primary key attribute: minute"},
		{"two conditions on one key", "pk = :p AND pk = :p", item{":p": s("evt")}, "", "KeyConditionExpressions must only contain one condition per key"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			in := &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: tc.values}
			if tc.filter != "" {
				in.FilterExpression = aws.String(tc.filter)
			}
			if strings.Contains(tc.cond+tc.filter, "#m") {
				in.ExpressionAttributeNames = map[string]string{"#m": "minute"}
			}
			_, err := c.Query(ctx, in)
			apiErr(t, err, "ValidationException", tc.want)
		})
	}
}

func TestNumericSortKeyOrder(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"n", "N"})
	vals := []string{"-100", "-1.5", "-1", "-0.001", "0", "0.001", "1", "1.5", "2", "10", "100", "1e20", "-1e20", "12345678901234567890123456789012345678"}
	for _, v := range vals {
		put(t, c, name, item{"pk": s("p"), "n": n(v)})
	}
	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p AND n BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: item{":p": s("p"), ":lo": n("-1.5"), ":hi": n("10")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, numOf(t, it["n"]))
	}
	if strings.Join(got, ",") != "-1.5,-1,-0.001,0,0.001,1,1.5,2,10" {
		t.Errorf("numeric order %v", got)
	}
	out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("p")}, ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if numOf(t, out.Items[0]["n"]) != "12345678901234567890123456789012345678" || numOf(t, out.Items[1]["n"]) != "100000000000000000000" {
		t.Errorf("largest numbers first: %v", out.Items)
	}
}

func TestScanSegmentsAndPagination(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	const total = 40
	for i := 0; i < total; i++ {
		put(t, c, name, item{"pk": s(fmt.Sprintf("k%02d", i)), "i": n(strconv.Itoa(i))})
	}
	seen := map[string]int{}
	for seg := int32(0); seg < 3; seg++ {
		var start item
		for {
			out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), Segment: aws.Int32(seg), TotalSegments: aws.Int32(3),
				Limit: aws.Int32(7), ExclusiveStartKey: start})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				seen[strOf(t, it["pk"])]++
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	if len(seen) != total {
		t.Fatalf("segments covered %d of %d items", len(seen), total)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("%s seen %d times", k, v)
		}
	}
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), FilterExpression: aws.String("i < :ten"),
		ExpressionAttributeValues: item{":ten": n("10")}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 10 || out.ScannedCount != total {
		t.Errorf("filtered scan: Count %d ScannedCount %d", out.Count, out.ScannedCount)
	}
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), Segment: aws.Int32(3), TotalSegments: aws.Int32(3)})
	apiErr(t, err, "ValidationException", "Segment")
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), ExclusiveStartKey: item{"nope": s("x")}})
	apiErr(t, err, "ValidationException", "The provided starting key is invalid")
}

// D15
func TestItemValidation(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	big := strings.Repeat("x", 401*1024)
	cases := []struct {
		name string
		do   func() error
		want string
		skip bool
	}{
		{"missing range key", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a")}})
			return err
		}, "One or more parameter values were invalid: Missing the key minute in the item", false},
		{"extra key attribute", func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: item{"pk": s("a"), "minute": s("b"), "x": s("c")}})
			return err
		}, "The provided key element does not match the schema", false},
		{"wrong key type", func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: item{"pk": n("1"), "minute": s("b")}})
			return err
		}, "The provided key element does not match the schema", false},
		{"empty key", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s(""), "minute": s("m")}})
			return err
		}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk", false},
		// A Query of an empty partition key answers as GetItem does (a
		// user's record of DynamoDB's answer, moto#7062); it found nothing.
		{"query of an empty key", func() error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("")}})
			return err
		}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk", true},
		{"legacy query of an empty key", func() error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditions: map[string]types.Condition{
				"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("")}}}})
			return err
		}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk", true},
		{"item too big", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "big": s(big)}})
			return err
		}, "Item size has exceeded the maximum allowed size", false},
		{"number overflow", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "n": n("1e126")}})
			return err
		}, "Number overflow", false},
		{"number underflow", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "n": n("1e-131")}})
			return err
		}, "Number underflow", false},
		{"39 digits", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "n": n("123456789012345678901234567890123456789")}})
			return err
		}, "Attempting to store more than 38 significant digits in a Number", false},
		{"not a number", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "n": n("abc")}})
			return err
		}, "The parameter cannot be converted to a numeric value", false},
		{"empty string set", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "ss": &types.AttributeValueMemberSS{Value: []string{}}}})
			return err
		}, "An string set  may not be empty", false},
		{"duplicate set", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m"), "ss": &types.AttributeValueMemberSS{Value: []string{"x", "x"}}}})
			return err
		}, "contains duplicates", false},
		{"hash key too long", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s(strings.Repeat("k", 2049)), "minute": s("m")}})
			return err
		}, "Size of hashkey has exceeded the maximum size limit of2048 bytes", false},
		{"range key too long", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s(strings.Repeat("k", 1025))}})
			return err
		}, "Aggregated size of all range keys has exceeded the size limit of 1024 bytes", false},
		{"return values", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "minute": s("m")}, ReturnValues: types.ReturnValueAllNew})
			return err
		}, "ReturnValues can only be ALL_OLD or NONE", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				skipOn(t, "message differs", "dynalite")
			}
			apiErr(t, tc.do(), "ValidationException", tc.want)
		})
	}
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 0 {
		t.Errorf("invalid writes left %d items", out.Count)
	}
}

func TestNumbersAreExact(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("num"), "minute": s("m")}
	put(t, c, name, item{"pk": s("num"), "minute": s("m"), "n": n("0.1"), "t": n("1.500"), "big": n("99999999999999999999999999999999999999")})
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET n = n + :v"),
		ExpressionAttributeValues: item{":v": n("0.2")}, ReturnValues: types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	if got := numOf(t, out.Attributes["n"]); got != "0.3" {
		t.Errorf("0.1 + 0.2 = %s, want 0.3", got)
	}
	if got := numOf(t, out.Attributes["t"]); got != "1.5" {
		t.Errorf("1.500 stored as %s, want 1.5", got)
	}
	skipOn(t, "does not check the precision of arithmetic results", "dynalite")
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("ADD big :one"),
		ExpressionAttributeValues: item{":one": n("0.1")}})
	// DynamoDB words an inexact arithmetic result as an overflow (its
	// answer to 1e50 + 1, recorded by Alternator's tests run against it).
	apiErr(t, err, "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range")
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET big = :a + :b"),
		ExpressionAttributeValues: item{":a": n("1e50"), ":b": n("1")}})
	apiErr(t, err, "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range")
}

// D16
func TestBatchWriteAndGet(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	var reqs []types.WriteRequest
	for i := 0; i < 26; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s("b"), "minute": s(strconv.Itoa(i))}}})
	}
	_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: reqs}})
	apiErr(t, err, "ValidationException", "less than or equal to 25")
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {reqs[0], reqs[0]}}})
	apiErr(t, err, "ValidationException", "Provided list of item keys contains duplicates")
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {{PutRequest: &types.PutRequest{Item: item{"x": s("y")}}}}}})
	apiErr(t, err, "ValidationException", "")
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: reqs[:25]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedItems) != 0 {
		t.Errorf("unprocessed %v", out.UnprocessedItems)
	}
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {
		{DeleteRequest: &types.DeleteRequest{Key: item{"pk": s("b"), "minute": s("0")}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []item
	for i := 0; i < 5; i++ {
		keys = append(keys, item{"pk": s("b"), "minute": s(strconv.Itoa(i))})
	}
	g, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {Keys: keys, ProjectionExpression: aws.String("#m"), ExpressionAttributeNames: map[string]string{"#m": "minute"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(g.Responses[name]); got != 4 {
		t.Errorf("BatchGetItem returned %d items, want 4 (one deleted)", got)
	}
	for _, it := range g.Responses[name] {
		if len(it) != 1 {
			t.Errorf("projection not applied: %v", it)
		}
	}
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {Keys: []item{keys[0], keys[0]}}}})
	apiErr(t, err, "ValidationException", "Provided list of item keys contains duplicates")
	var many []item
	for i := 0; i < 101; i++ {
		many = append(many, item{"pk": s("b"), "minute": s(strconv.Itoa(i))})
	}
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {Keys: many}}})
	apiErr(t, err, "ValidationException", "")
}

func TestGetItemProjection(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("p"), "minute": s("m")}
	put(t, c, name, item{"pk": s("p"), "minute": s("m"), "a": s("1"), "b": s("2"),
		"m": &types.AttributeValueMemberM{Value: item{"x": s("x"), "y": s("y")}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("0"), s("1"), s("2")}}})
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key, ProjectionExpression: aws.String("a, #m.x, l[2]"),
		ExpressionAttributeNames: map[string]string{"#m": "m"}})
	if err != nil {
		t.Fatal(err)
	}
	it := out.Item
	if len(it) != 3 || strOf(t, it["a"]) != "1" {
		t.Fatalf("projection gave %v", it)
	}
	if m := it["m"].(*types.AttributeValueMemberM).Value; len(m) != 1 || strOf(t, m["x"]) != "x" {
		t.Errorf("nested map projection gave %v", m)
	}
	if l := it["l"].(*types.AttributeValueMemberL).Value; len(l) != 1 || strOf(t, l[0]) != "2" {
		t.Errorf("list projection gave %v", l)
	}
	legacy, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key, AttributesToGet: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(legacy.Item) != 1 || strOf(t, legacy.Item["b"]) != "2" {
		t.Errorf("AttributesToGet gave %v", legacy.Item)
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key, ProjectionExpression: aws.String("a"), AttributesToGet: []string{"b"}})
	apiErr(t, err, "ValidationException", "Can not use both expression and non-expression parameters in the same request")
}

func TestAllAttributeTypesRoundTrip(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "B"}, nil)
	it := item{
		"pk":   b([]byte{0, 1, 2}),
		"s":    s("héllo"),
		"n":    n("-12.5"),
		"b":    b([]byte("bin")),
		"bool": boolV(false),
		"null": &types.AttributeValueMemberNULL{Value: true},
		"m":    &types.AttributeValueMemberM{Value: item{"k": s("v"), "inr": &types.AttributeValueMemberM{Value: item{}}}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a"), n("1"), &types.AttributeValueMemberL{}}},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
		"es":   s(""),
	}
	put(t, c, name, it)
	got := get(t, c, name, item{"pk": b([]byte{0, 1, 2})})
	if len(got) != len(it) {
		t.Fatalf("round trip gave %d attributes, want %d: %v", len(got), len(it), got)
	}
	if !bytes.Equal(got["b"].(*types.AttributeValueMemberB).Value, []byte("bin")) || numOf(t, got["n"]) != "-12.5" || strOf(t, got["s"]) != "héllo" {
		t.Errorf("scalars changed: %v", got)
	}
	if got["bool"].(*types.AttributeValueMemberBOOL).Value != false || !got["null"].(*types.AttributeValueMemberNULL).Value {
		t.Errorf("BOOL/NULL changed: %v", got)
	}
	if len(got["bs"].(*types.AttributeValueMemberBS).Value) != 2 || len(got["ns"].(*types.AttributeValueMemberNS).Value) != 2 {
		t.Errorf("sets changed: %v", got)
	}
}

func TestLegacyParameters(t *testing.T) {
	c := newClient(t)
	name := countsTable(t, c)
	key := item{"pk": s("lease"), "minute": s("shard-0")}
	// KCL-style lease creation: Expected Exists=false.
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("lease"), "minute": s("shard-0"), "leaseCounter": n("0"), "owner": s("w1")},
		Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("lease"), "minute": s("shard-0")},
		Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	// KCL-style renew: Expected leaseCounter = value, AttributeUpdates ADD and PUT.
	renew := func(counter string) error {
		_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
			Expected: map[string]types.ExpectedAttributeValue{"leaseCounter": {Value: n(counter)}, "owner": {Value: s("w1"), ComparisonOperator: ""}},
			AttributeUpdates: map[string]types.AttributeValueUpdate{
				"leaseCounter": {Action: types.AttributeActionAdd, Value: n("1")},
				"checkpoint":   {Action: types.AttributeActionPut, Value: s("TRIM_HORIZON")},
			}})
		return err
	}
	if err := renew("0"); err != nil {
		t.Fatal(err)
	}
	apiErr(t, renew("0"), "ConditionalCheckFailedException", "The conditional request failed")
	got := get(t, c, name, key)
	if numOf(t, got["leaseCounter"]) != "1" || strOf(t, got["checkpoint"]) != "TRIM_HORIZON" {
		t.Fatalf("legacy update gave %v", got)
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		Expected: map[string]types.ExpectedAttributeValue{
			"owner":        {ComparisonOperator: types.ComparisonOperatorBeginsWith, AttributeValueList: []types.AttributeValue{s("w")}},
			"leaseCounter": {ComparisonOperator: types.ComparisonOperatorGe, AttributeValueList: []types.AttributeValue{n("1")}},
			"missing":      {ComparisonOperator: types.ComparisonOperatorNull},
		},
		AttributeUpdates: map[string]types.AttributeValueUpdate{"checkpoint": {Action: types.AttributeActionDelete}}})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, c, name, key)["checkpoint"] != nil {
		t.Errorf("AttributeUpdates DELETE did not remove the attribute")
	}
	if peer != "dynalite" { // dynalite applies ConditionalOperator OR to Expected as AND
		_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
			Expected:            map[string]types.ExpectedAttributeValue{"owner": {Value: s("nobody")}, "leaseCounter": {Value: n("1")}},
			ConditionalOperator: types.ConditionalOperatorOr,
			AttributeUpdates:    map[string]types.AttributeValueUpdate{"owner": {Action: types.AttributeActionPut, Value: s("w2")}}})
		if err != nil {
			t.Fatalf("ConditionalOperator OR: %v", err)
		}
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET a = :v"),
		ExpressionAttributeValues: item{":v": s("x")}, Expected: map[string]types.ExpectedAttributeValue{"owner": {Value: s("w2")}}})
	apiErr(t, err, "ValidationException", "Can not use both expression and non-expression parameters in the same request")
	// KeyConditions, QueryFilter, ScanFilter and AttributesToGet.
	put(t, c, name, item{"pk": s("lease"), "minute": s("shard-1"), "owner": s("w9")})
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name),
		KeyConditions: map[string]types.Condition{
			"pk":     {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("lease")}},
			"minute": {ComparisonOperator: types.ComparisonOperatorBeginsWith, AttributeValueList: []types.AttributeValue{s("shard-")}},
		},
		QueryFilter:     map[string]types.Condition{"owner": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("w9")}}},
		AttributesToGet: []string{"minute"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != 1 || q.ScannedCount != 2 || strOf(t, q.Items[0]["minute"]) != "shard-1" || len(q.Items[0]) != 1 {
		t.Errorf("legacy query gave %d/%d %v", q.Count, q.ScannedCount, q.Items)
	}
	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name),
		ScanFilter: map[string]types.Condition{
			"owner":        {ComparisonOperator: types.ComparisonOperatorNotNull},
			"leaseCounter": {ComparisonOperator: types.ComparisonOperatorIn, AttributeValueList: []types.AttributeValue{n("1"), n("2")}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Count != 1 {
		t.Errorf("legacy scan filter gave %d items", sc.Count)
	}
}

func TestTags(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	arn := d.Table.TableArn
	_, err = c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Tags) != 1 || aws.ToString(l.Tags[0].Key) != "env" || aws.ToString(l.Tags[0].Value) != "dev" {
		t.Errorf("tags %+v", l.Tags)
	}
	_, err = c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/none-such")})
	apiErr(t, err, "ResourceNotFoundException", "")
}

func TestTimeToLive(t *testing.T) {
	skipOn(t, "TTL is not implemented", "dynalite")
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	d, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Errorf("initial TTL status %s", d.TimeToLiveDescription.TimeToLiveStatus)
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	apiErr(t, err, "ValidationException", "TimeToLive is already enabled")
	d, err = c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.TimeToLiveDescription.AttributeName) != "expires" {
		t.Errorf("TTL description %+v", d.TimeToLiveDescription)
	}
	past := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	put(t, c, name, item{"pk": s("old"), "expires": n(past)})
	put(t, c, name, item{"pk": s("new"), "expires": n(future)})
	put(t, c, name, item{"pk": s("text"), "expires": s(past)})
	deadline := time.Now().Add(20 * time.Second)
	for get(t, c, name, item{"pk": s("old")}) != nil {
		if time.Now().After(deadline) {
			t.Fatal("expired item was never deleted")
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	if get(t, c, name, item{"pk": s("new")}) == nil || get(t, c, name, item{"pk": s("text")}) == nil {
		t.Error("an unexpired or non-numeric TTL item was deleted")
	}
}

func TestSecondaryIndexProjections(t *testing.T) {
	c := newClient(t)
	name := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"sk", "S"}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"},
			types.AttributeDefinition{AttributeName: aws.String("l"), AttributeType: "N"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("inc"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: "HASH"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a"}}}}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byL"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}, {AttributeName: aws.String("l"), KeyType: "RANGE"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	put(t, c, name, item{"pk": s("p"), "sk": s("1"), "g": s("G"), "l": n("30"), "a": s("A"), "z": s("Z")})
	put(t, c, name, item{"pk": s("p"), "sk": s("2"), "g": s("G"), "l": n("10"), "a": s("A"), "z": s("Z")})
	put(t, c, name, item{"pk": s("p"), "sk": s("3"), "a": s("no index keys")})
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("inc"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: item{":g": s("G")}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != 2 || q.Items[0]["a"] == nil || q.Items[0]["z"] != nil {
		t.Errorf("INCLUDE projection gave %v", q.Items)
	}
	q, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p AND l > :n"),
		ExpressionAttributeValues: item{":p": s("p"), ":n": n("5")}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != 2 || numOf(t, q.Items[0]["l"]) != "10" || q.Items[0]["a"] != nil {
		t.Errorf("LSI query gave %v", q.Items)
	}
	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), IndexName: aws.String("inc")})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Count != 2 {
		t.Errorf("GSI scan gave %d items, want 2 (sparse index)", sc.Count)
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("nope"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: item{":g": s("G")}})
	apiErr(t, err, "ValidationException", "The table does not have the specified index: nope")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("p"), "sk": s("4"), "g": n("1")}})
	apiErr(t, err, "ValidationException", "Type mismatch for Index Key g")
}

// W1: raw wire behaviour.
func rawCall(t *testing.T, target string, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestWireProtocol(t *testing.T) {
	check := func(t *testing.T, resp *http.Response, body []byte, status int, typeSuffix string) map[string]any {
		t.Helper()
		if resp.StatusCode != status {
			t.Errorf("status %d, want %d: %s", resp.StatusCode, status, body)
		}
		if resp.Header.Get("x-amzn-RequestId") == "" {
			t.Errorf("no x-amzn-RequestId")
		}
		if crc := resp.Header.Get("x-amz-crc32"); crc != "" && crc != strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10) {
			t.Errorf("x-amz-crc32 %s does not match the body", crc)
		} else if crc == "" && peer == "" {
			t.Errorf("no x-amz-crc32")
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil && typeSuffix != "" {
			t.Fatalf("body %q: %v", body, err)
		}
		if typeSuffix != "" {
			if ty, _ := m["__type"].(string); !strings.HasSuffix(ty, "#"+typeSuffix) {
				t.Errorf("__type %q, want suffix #%s", ty, typeSuffix)
			}
		}
		return m
	}
	t.Run("empty body", func(t *testing.T) {
		resp, body := rawCall(t, "DynamoDB_20120810.ListTables", "")
		check(t, resp, body, 400, "SerializationException")
	})
	t.Run("bad json", func(t *testing.T) {
		resp, body := rawCall(t, "DynamoDB_20120810.ListTables", "{nope")
		check(t, resp, body, 400, "SerializationException")
	})
	t.Run("unknown operation", func(t *testing.T) {
		skipOn(t, "answers unknown operations in XML", "dynalite")
		resp, body := rawCall(t, "DynamoDB_20120810.Nope", "{}")
		check(t, resp, body, 400, "UnknownOperationException")
	})
	t.Run("success", func(t *testing.T) {
		// JSON may begin with whitespace (RFC 8259): a body written by hand.
		for _, b := range []string{"{}", " {}", "\n\t{}\n"} {
			resp, body := rawCall(t, "DynamoDB_20120810.ListTables", b)
			m := check(t, resp, body, 200, "")
			if _, ok := m["TableNames"]; !ok {
				t.Errorf("%q: no TableNames in %s", b, body)
			}
		}
	})
	t.Run("whitespace alone", func(t *testing.T) {
		resp, body := rawCall(t, "DynamoDB_20120810.ListTables", " \n")
		check(t, resp, body, 400, "SerializationException")
	})
	t.Run("error message field", func(t *testing.T) {
		resp, body := rawCall(t, "DynamoDB_20120810.DescribeTable", `{"TableName":"nope"}`)
		m := check(t, resp, body, 400, "ResourceNotFoundException")
		if m["message"] != "Requested resource not found: Table: nope not found" {
			t.Errorf("lowercase message field: %s", body)
		}
		if !strings.HasPrefix(m["__type"].(string), "com.amazonaws.dynamodb.v20120810#") {
			t.Errorf("__type namespace: %s", m["__type"])
		}
	})
	t.Run("error namespaces", func(t *testing.T) {
		c := newClient(t)
		name := countsTable(t, c)
		put(t, c, name, item{"pk": s("w"), "minute": s("m")})
		cases := []struct {
			name, body, op, typ, msg string
		}{
			{"validation", `{"TableName":"` + name + `","Item":{"pk":{"S":"w"},"minute":{"S":"m"},"x":{"NULL":false}}}`, "PutItem",
				"com.amazon.coral.validate#ValidationException", "One or more parameter values were invalid: Null attribute value types must have the value of true"},
			{"serialization", `{"TableName":["x"]}`, "GetItem", "com.amazon.coral.service#SerializationException", ""},
			{"not found", `{"TableName":"nope"}`, "DescribeTable",
				"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found: Table: nope not found"},
			{"conditional", `{"TableName":"` + name + `","Item":{"pk":{"S":"w"},"minute":{"S":"m"}},"ConditionExpression":"attribute_not_exists(pk)"}`, "PutItem",
				"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "The conditional request failed"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
				m := check(t, resp, body, 400, "")
				if m["__type"] != tc.typ {
					t.Errorf("__type %v, want %s", m["__type"], tc.typ)
				}
				// The message's end: PutItem's envelope is checked elsewhere.
				if msg, _ := m["message"].(string); tc.msg != "" && !strings.HasSuffix(msg, tc.msg) {
					t.Errorf("message %v, want %q", m["message"], tc.msg)
				}
			})
		}
		t.Run("unknown operation", func(t *testing.T) {
			skipOn(t, "answers unknown operations in XML", "dynalite")
			resp, body := rawCall(t, "DynamoDB_20120810.Nope", "{}")
			m := check(t, resp, body, 400, "")
			if m["__type"] != "com.amazon.coral.service#UnknownOperationException" {
				t.Errorf("__type %v", m["__type"])
			}
		})
	})
	t.Run("transaction message field", func(t *testing.T) {
		skipOn(t, "no transactions", "dynalite")
		c := newClient(t)
		name := countsTable(t, c)
		put(t, c, name, item{"pk": s("w"), "minute": s("m")})
		resp, body := rawCall(t, "DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"ConditionCheck":{"TableName":"`+name+`","Key":{"pk":{"S":"w"},"minute":{"S":"m"}},"ConditionExpression":"attribute_not_exists(pk)"}}]}`)
		m := check(t, resp, body, 400, "TransactionCanceledException")
		if m["Message"] == nil || m["message"] != nil {
			t.Errorf("TransactionCanceledException should use Message: %s", body)
		}
	})
}
