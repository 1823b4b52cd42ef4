package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/view"
)

// showSample is how many rows spk show looks at to tell whose rows a table
// holds: enough to find one row of the view, cheap on any table.
const showSample = 25

// checkShowTable refuses, before anything is printed, a table spk show
// cannot read: one keyed otherwise than BucketStart (S) hash and EventType
// (S) range, or one whose rows carry none of the view's metrics (another
// view's table, or the tutorial's counts read as a view without a count).
// v is nil for the tutorial's counts. A missing table passes: reading it
// says so, with its own hint.
func checkShowTable(ctx context.Context, db *dynamodb.Client, table string, v *view.View) error {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var nf *dtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil
	case err != nil:
		return fmt.Errorf("show: describe table %s: %w", table, err)
	}
	if keys, ok := aggregateKeys(desc.Table); !ok {
		return usagef("name an aggregate table with --table, or a view with --view; spk status lists the app's tables",
			"show: table %s is not an aggregate table: its key is %s, and spk show reads tables keyed by BucketStart (S) and EventType (S)", table, keys)
	}
	attrs := []string{view.AttrCount}
	whose := "the tutorial's counts (Count)"
	if v != nil {
		attrs = nil
		for _, m := range v.Metrics() {
			attrs = append(attrs, m.Attributes()...)
		}
		whose = fmt.Sprintf("view %s (%s)", v.Name(), strings.Join(attrs, ", "))
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), Limit: aws.Int32(showSample), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("show: read table %s: %w", table, err)
	}
	if len(out.Items) == 0 {
		return nil // nothing written yet: nothing to tell
	}
	for _, item := range out.Items {
		for _, a := range attrs {
			if _, ok := item[a]; ok {
				return nil
			}
		}
	}
	hint := "name the view that wrote it with --view (Tab completes the names), or another table with --table"
	if v != nil && tableIsTutorial(out.Items) {
		hint = "it holds the tutorial's counts: show them without --view, or give --view a view that counts"
	}
	return usagef(hint, "show: table %s holds other rows than %s: none of its first rows has those attributes", table, whose)
}

// tableIsTutorial reports whether rows look like the tutorial's counts.
func tableIsTutorial(items []map[string]dtypes.AttributeValue) bool {
	for _, item := range items {
		if _, ok := item[view.AttrCount]; ok {
			return true
		}
	}
	return false
}

// aggregateKeys reports whether t is keyed as an aggregate table, and its
// key in words for a message when it is not.
func aggregateKeys(t *dtypes.TableDescription) (string, bool) {
	types := map[string]dtypes.ScalarAttributeType{}
	for _, a := range t.AttributeDefinitions {
		types[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	var hash, rng string
	var words []string
	for _, k := range t.KeySchema {
		name := aws.ToString(k.AttributeName)
		desc := fmt.Sprintf("%s (%s)", name, types[name])
		if k.KeyType == dtypes.KeyTypeHash {
			hash, words = desc, append([]string{desc + " hash"}, words...)
		} else {
			rng, words = desc, append(words, desc+" range")
		}
	}
	ok := hash == "BucketStart (S)" && rng == "EventType (S)"
	return strings.Join(words, " and "), ok
}
