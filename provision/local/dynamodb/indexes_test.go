package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// indexUnderTest is an index of the model test's table: its keys.
type indexUnderTest struct {
	name, hash, rng string
}

// TestIndexReadsMatchAModel writes a table with two global and one local
// secondary index through every kind of write, then reads every index
// partition in pages, both ways, with and without sort key conditions,
// and scans every index, comparing each answer with what the table's own
// Scan says the index must hold.
func TestIndexReadsMatchAModel(t *testing.T) {
	skipOn(t, "the model orders items with equal index keys by the table's keys, as spk does; DynamoDB documents no order for them", "dynalite")
	c := newClient(t)
	table := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("score"), AttributeType: types.ScalarAttributeTypeN},
			types.AttributeDefinition{AttributeName: aws.String("num"), AttributeType: types.ScalarAttributeTypeN},
			types.AttributeDefinition{AttributeName: aws.String("tag"), AttributeType: types.ScalarAttributeTypeS})
		all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{
			{IndexName: aws.String("by-g"), Projection: all, KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("score"), KeyType: types.KeyTypeRange}}},
			{IndexName: aws.String("by-num"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}, KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("num"), KeyType: types.KeyTypeHash}}},
		}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{
			{IndexName: aws.String("by-tag"), Projection: all, KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("tag"), KeyType: types.KeyTypeRange}}},
		}
	})
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	writeAtRandom(t, c, table, rnd, 300)

	items := scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	indexes := []indexUnderTest{{"by-g", "g", "score"}, {"by-num", "num", ""}, {"by-tag", "pk", "tag"}}
	reads := 0
	for _, ix := range indexes {
		model := indexModel(items, ix)
		for _, part := range model {
			hash := part[0][ix.hash]
			for _, forward := range []bool{true, false} {
				want := keysOf(part)
				if !forward {
					slices.Reverse(want)
				}
				got := keysOf(queryAll(t, c, table, ix, hash, "", nil, forward))
				if !slices.Equal(got, want) {
					t.Fatalf("%s, partition %v, forward %v: got %v, want %v", ix.name, hash, forward, got, want)
				}
				reads++
			}
		}
		// Sort key conditions, where the index has a sort key.
		if ix.rng == "" {
			continue
		}
		reads += compareRangeReads(t, c, table, ix, model)
		// A scan of the index holds every entry once, each partition in order.
		scanned := scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String(ix.name), Limit: aws.Int32(3)})
		byPart := map[string][]item{}
		for _, it := range scanned {
			byPart[keyString(it[ix.hash])] = append(byPart[keyString(it[ix.hash])], it)
		}
		if len(byPart) != len(model) {
			t.Fatalf("%s: the scan has %d partitions, the model %d", ix.name, len(byPart), len(model))
		}
		for _, part := range model {
			if got, want := keysOf(byPart[keyString(part[0][ix.hash])]), keysOf(part); !slices.Equal(got, want) {
				t.Fatalf("%s: scanned partition %v holds %v, want %v", ix.name, part[0][ix.hash], got, want)
			}
		}
	}
	// DescribeTable counts what each index holds, not the table's items.
	desc, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		counts[*g.IndexName] = *g.ItemCount
	}
	for _, l := range desc.Table.LocalSecondaryIndexes {
		counts[*l.IndexName] = *l.ItemCount
	}
	for _, ix := range indexes {
		want := 0
		for _, part := range indexModel(items, ix) {
			want += len(part)
		}
		if counts[ix.name] != int64(want) {
			t.Errorf("DescribeTable: %s has ItemCount %d, the model %d (the table holds %d)", ix.name, counts[ix.name], want, len(items))
		}
	}
	// The table's own partitions, read with the same conditions on its sort key.
	tableAsIndex := indexUnderTest{"", "pk", "sk"}
	reads += compareRangeReads(t, c, table, tableAsIndex, indexModel(items, tableAsIndex))
	if reads < 20 {
		t.Fatalf("only %d index reads compared; the workload left the indexes nearly empty", reads)
	}
}

// compareRangeReads reads every partition of the index (the table when
// ix.name is "") with each sort key condition, both ways, against the model.
func compareRangeReads(t *testing.T, c *dynamodb.Client, table string, ix indexUnderTest, model [][]item) int {
	t.Helper()
	reads := 0
	for _, part := range model {
		hash := part[0][ix.hash]
		for _, cond := range rangeConds(ix) {
			for _, forward := range []bool{true, false} {
				want := keysOf(slices.DeleteFunc(slices.Clone(part), func(it item) bool { return !cond.holds(it[ix.rng]) }))
				if !forward {
					slices.Reverse(want)
				}
				got := keysOf(queryAll(t, c, table, ix, hash, cond.expr, cond.values, forward))
				if !slices.Equal(got, want) {
					t.Fatalf("%q, partition %v, %s, forward %v: got %v, want %v", ix.name, hash, cond.expr, forward, got, want)
				}
				reads++
			}
		}
	}
	return reads
}

// writeAtRandom applies n random writes of every kind to the table.
func writeAtRandom(t *testing.T, c *dynamodb.Client, table string, rnd *rand.Rand, writes int) {
	t.Helper()
	ctx := context.Background()
	key := func() item {
		// Partition keys that are prefixes of one another, so an order
		// that compared concatenated keys would show.
		return item{"pk": s([]string{"p", "p0", "pa", "q"}[rnd.IntN(4)]), "sk": n(fmt.Sprint(rnd.IntN(12) - 4))}
	}
	randomItem := func() item {
		it := key()
		if rnd.IntN(10) < 7 {
			it["g"] = s([]string{"a", "b", "ab"}[rnd.IntN(3)])
		}
		if rnd.IntN(10) < 7 {
			it["score"] = n([]string{"-3", "-2.5", "0", "1", "1.25", "10", "100"}[rnd.IntN(7)])
		}
		if rnd.IntN(10) < 6 {
			it["num"] = n([]string{"1", "2", "10"}[rnd.IntN(3)])
		}
		if rnd.IntN(10) < 6 {
			it["tag"] = s([]string{"a", "ab", "b", "aé", "z"}[rnd.IntN(5)])
		}
		return it
	}
	for range writes {
		var err error
		switch r := rnd.IntN(20); {
		case r < 8:
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: randomItem()})
		case r < 13:
			set := randomItem()
			in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": set["pk"], "sk": set["sk"]},
				ExpressionAttributeNames: map[string]string{}, ExpressionAttributeValues: item{}}
			var sets, removes []string
			for _, a := range []string{"g", "score", "num", "tag"} {
				in.ExpressionAttributeNames["#"+a] = a
				if v, ok := set[a]; ok {
					sets = append(sets, "#"+a+" = :"+a)
					in.ExpressionAttributeValues[":"+a] = v
				} else {
					removes = append(removes, "#"+a)
				}
			}
			expr := ""
			if len(sets) > 0 {
				expr = "SET " + strings.Join(sets, ", ")
			}
			if len(removes) > 0 {
				expr += " REMOVE " + strings.Join(removes, ", ")
			}
			if len(in.ExpressionAttributeValues) == 0 {
				in.ExpressionAttributeValues = nil
			}
			in.UpdateExpression = aws.String(expr)
			_, err = c.UpdateItem(ctx, in)
		case r < 16:
			_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key()})
		case r < 18:
			var reqs []types.WriteRequest
			seen := map[string]bool{}
			for range 5 {
				it := randomItem()
				k := keyString(it["pk"]) + "/" + keyString(it["sk"])
				if seen[k] {
					continue // a batch may not name an item twice
				}
				seen[k] = true
				if rnd.IntN(3) == 0 {
					reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{"pk": it["pk"], "sk": it["sk"]}}})
				} else {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
				}
			}
			_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
		default:
			a, b := randomItem(), randomItem()
			if keyString(a["pk"]) == keyString(b["pk"]) && keyString(a["sk"]) == keyString(b["sk"]) {
				continue
			}
			// Half of these fail their condition, and then write nothing.
			cond := "attribute_exists(pk)"
			if rnd.IntN(2) == 0 {
				cond = "attribute_not_exists(pk)"
			}
			_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: a, ConditionExpression: aws.String(cond)}},
				{Put: &types.Put{TableName: aws.String(table), Item: b}},
			}})
			var canceled *types.TransactionCanceledException
			if errors.As(err, &canceled) {
				err = nil
			}
		}
		if err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

func scanAll(t *testing.T, c *dynamodb.Client, in *dynamodb.ScanInput) []item {
	t.Helper()
	var all []item
	for {
		out, err := c.Scan(context.Background(), in)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		all = append(all, out.Items...)
		if out.LastEvaluatedKey == nil {
			return all
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// queryAll reads a partition of the index two items a page.
func queryAll(t *testing.T, c *dynamodb.Client, table string, ix indexUnderTest, hash types.AttributeValue, rangeExpr string, values item, forward bool) []item {
	t.Helper()
	in := &dynamodb.QueryInput{TableName: aws.String(table), Limit: aws.Int32(2), ScanIndexForward: aws.Bool(forward),
		KeyConditionExpression:    aws.String("#h = :h"),
		ExpressionAttributeNames:  map[string]string{"#h": ix.hash},
		ExpressionAttributeValues: item{":h": hash}}
	if ix.name != "" {
		in.IndexName = aws.String(ix.name)
	}
	if rangeExpr != "" {
		in.KeyConditionExpression = aws.String("#h = :h AND " + rangeExpr)
		in.ExpressionAttributeNames["#r"] = ix.rng
		for k, v := range values {
			in.ExpressionAttributeValues[k] = v
		}
	}
	var all []item
	for {
		out, err := c.Query(context.Background(), in)
		if err != nil {
			t.Fatalf("query %s: %v", ix.name, err)
		}
		all = append(all, out.Items...)
		if out.LastEvaluatedKey == nil {
			return all
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// indexModel is the index's partitions as DynamoDB orders them: by the
// index sort key, then the table's keys. Items without the index's keys
// are not in it.
func indexModel(items []item, ix indexUnderTest) [][]item {
	parts := map[string][]item{}
	var order []string
	for _, it := range items {
		h, ok := it[ix.hash]
		if !ok {
			continue
		}
		if _, ok := it[ix.rng]; ix.rng != "" && !ok {
			continue
		}
		k := keyString(h)
		if _, ok := parts[k]; !ok {
			order = append(order, k)
		}
		parts[k] = append(parts[k], it)
	}
	slices.Sort(order)
	var out [][]item
	for _, k := range order {
		p := parts[k]
		slices.SortFunc(p, func(a, b item) int {
			if ix.rng != "" {
				if c := compareKey(a[ix.rng], b[ix.rng]); c != 0 {
					return c
				}
			}
			if c := compareKey(a["pk"], b["pk"]); c != 0 {
				return c
			}
			return compareKey(a["sk"], b["sk"])
		})
		out = append(out, p)
	}
	return out
}

// compareKey orders two key values of one type as DynamoDB does:
// numbers by value, strings by their UTF-8 bytes.
func compareKey(a, b types.AttributeValue) int {
	switch a := a.(type) {
	case *types.AttributeValueMemberN:
		x, _ := new(big.Float).SetString(a.Value)
		y, _ := new(big.Float).SetString(b.(*types.AttributeValueMemberN).Value)
		return x.Cmp(y)
	case *types.AttributeValueMemberS:
		return strings.Compare(a.Value, b.(*types.AttributeValueMemberS).Value)
	}
	panic(fmt.Sprintf("unexpected key value %#v", a))
}

func keyString(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	}
	return fmt.Sprintf("%#v", v)
}

// keysOf is the table keys of items, in order.
func keysOf(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, keyString(it["pk"])+"/"+keyString(it["sk"]))
	}
	return out
}

type rangeCond struct {
	expr   string
	values item
	holds  func(types.AttributeValue) bool
}

// rangeConds are sort key conditions of every kind for the index's sort
// key, with bounds that fall on values the workload writes and between them.
func rangeConds(ix indexUnderTest) []rangeCond {
	if ix.rng == "score" || ix.rng == "sk" {
		lo, hi := n("-2.5"), n("10")
		if ix.rng == "sk" {
			lo, hi = n("-2"), n("3")
		}
		return []rangeCond{
			{"#r = :lo", item{":lo": lo}, func(v types.AttributeValue) bool { return compareKey(v, lo) == 0 }},
			{"#r < :hi", item{":hi": hi}, func(v types.AttributeValue) bool { return compareKey(v, hi) < 0 }},
			{"#r >= :lo", item{":lo": lo}, func(v types.AttributeValue) bool { return compareKey(v, lo) >= 0 }},
			{"#r BETWEEN :lo AND :hi", item{":lo": lo, ":hi": hi}, func(v types.AttributeValue) bool {
				return compareKey(v, lo) >= 0 && compareKey(v, hi) <= 0
			}},
			{"#r > :lo", item{":lo": lo}, func(v types.AttributeValue) bool { return compareKey(v, lo) > 0 }},
			{"#r <= :hi", item{":hi": hi}, func(v types.AttributeValue) bool { return compareKey(v, hi) <= 0 }},
		}
	}
	a, ab := s("a"), s("ab")
	return []rangeCond{
		{"begins_with(#r, :a)", item{":a": a}, func(v types.AttributeValue) bool {
			return strings.HasPrefix(v.(*types.AttributeValueMemberS).Value, "a")
		}},
		{"#r >= :ab", item{":ab": ab}, func(v types.AttributeValue) bool { return compareKey(v, ab) >= 0 }},
		{"#r = :a", item{":a": a}, func(v types.AttributeValue) bool { return compareKey(v, a) == 0 }},
		{"#r <= :a", item{":a": a}, func(v types.AttributeValue) bool { return compareKey(v, a) <= 0 }},
		{"#r < :ab", item{":ab": ab}, func(v types.AttributeValue) bool { return compareKey(v, ab) < 0 }},
		{"#r BETWEEN :a AND :ab", item{":a": a, ":ab": ab}, func(v types.AttributeValue) bool { return compareKey(v, a) >= 0 && compareKey(v, ab) <= 0 }},
		{"#r > :a", item{":a": a}, func(v types.AttributeValue) bool { return compareKey(v, a) > 0 }},
	}
}

// TestIndexPagesBoto3 pages through a global secondary index with boto3's
// own Query paginator, both ways and with a sort key condition, as a
// Python user would, and checks the order against the table's items.
func TestIndexPagesBoto3(t *testing.T) {
	skipOn(t, "the script expects items with equal index keys in the table's key order, as spk orders them", "dynalite")
	py := localtest.Boto3(t)
	tbl := makeTable(t, newClient(t), keyAttr{"pk", types.ScalarAttributeTypeS}, nil, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("user"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("at"), AttributeType: types.ScalarAttributeTypeN})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("by-user"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("user"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("at"), KeyType: types.KeyTypeRange}}}}
	})
	script := `
import sys, boto3
endpoint, table = sys.argv[1], sys.argv[2]
c = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="AKIAFAKE", aws_secret_access_key="secret")
for i in range(60):
    item = {"pk": {"S": "e%02d" % i}, "at": {"N": str(i % 7)}}
    if i % 5:
        item["user"] = {"S": "u%d" % (i % 3)}
    c.put_item(TableName=table, Item=item)
scan = c.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
items = [it for page in scan for it in page["Items"]]
def query(forward, cond="#u = :u", values=None):
    values = dict(values or {}, **{":u": {"S": "u1"}})
    names = {"#u": "user"}
    if "#a" in cond:
        names["#a"] = "at"
    pages = c.get_paginator("query").paginate(TableName=table, IndexName="by-user", KeyConditionExpression=cond,
        ExpressionAttributeNames=names, ExpressionAttributeValues=values, ScanIndexForward=forward,
        PaginationConfig={"PageSize": 4})
    return [it["pk"]["S"] for page in pages for it in page["Items"]]
mine = sorted((int(it["at"]["N"]), it["pk"]["S"]) for it in items if it.get("user", {}).get("S") == "u1")
want = [pk for _, pk in mine]
assert len(want) == 16, want
assert query(True) == want, (query(True), want)
assert query(False) == want[::-1], (query(False), want)
want = [pk for at, pk in mine if 2 <= at <= 4]
got = query(False, "#u = :u AND #a BETWEEN :lo AND :hi", {":lo": {"N": "2"}, ":hi": {"N": "4"}})
assert got == want[::-1], (got, want)
print("ok")
`
	out, err := exec.Command(py, "-c", script, endpoint, tbl).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("boto3 index pages: %v\n%s", err, out)
	}
}
