package cmd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/view"
)

// showSample is how many rows spk show looks at to tell whose rows a table
// holds: cheap on any table.
const showSample = 25

// checkShowTable refuses, before anything is printed, a table spk show
// cannot read: one keyed otherwise than BucketStart (S) hash and EventType
// (S) range, or one whose rows are another writer's: attributes the view
// does not write (another view's table, or the tutorial's counts read as a
// view), or not those it always writes. A row with some of the view's
// attributes is the view's, written before a metric was added to it: it
// shows that metric as having seen nothing. One with Count alone is so only
// in a table of the view's own: in the tutorial's table it cannot be told
// from the tutorial's counts, and is refused.
// v is nil for the tutorial's counts. A missing table passes: reading it
// says so, with its own hint.
//
// tutorial is the tutorial's aggregate table: a view in a table of its own
// takes rows with Count alone for its own, written before it gained
// metrics.
func checkShowTable(ctx context.Context, db *dynamodb.Client, table string, v *view.View, tutorial string, onAWS bool) error {
	// The first requests of spk show: an endpoint that takes connections
	// but does not answer is told here, within spk status's bound, not
	// after a minute an attempt.
	ctx, cancel := context.WithTimeout(ctx, provision.StatusReadTimeout)
	defer cancel()
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var nf *dtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && !onAWS:
		return &hinted{err: fmt.Errorf("show: describe table %s: %w", table, err), hint: provision.NoAnswerHint}
	case err != nil:
		return fmt.Errorf("show: describe table %s: %w", table, err)
	}
	// DynamoDB reads nothing from a table until it is ACTIVE: its Scan
	// answers "not found", which would send the user to create it again.
	switch desc.Table.TableStatus {
	case dtypes.TableStatusCreating:
		return &hinted{err: fmt.Errorf("show: table %s is still being created (CREATING), and nothing can be read from it until it is ACTIVE", table),
			hint: "run spk show again in a moment; spk create-table waits until the table is ACTIVE"}
	case dtypes.TableStatusDeleting:
		return &hinted{err: fmt.Errorf("show: table %s is being deleted (DELETING)", table),
			hint: "create it again with spk create-table, or run spk up, once it is gone"}
	}
	if keys, ok := aggregateKeys(desc.Table); !ok {
		return usagef("name an aggregate table with --table, or a view with --view; spk status lists the app's tables",
			"show: table %s is not an aggregate table: its key is %s, and spk show reads tables keyed by BucketStart (S) and EventType (S)", table, keys)
	}
	whose, written, required := "the tutorial's counts", map[string]bool{view.AttrCount: true}, []string{view.AttrCount}
	if v != nil {
		whose, written, required = "view "+v.Name(), map[string]bool{}, nil
		for _, m := range v.Metrics() {
			for _, a := range m.Attributes() {
				written[a] = true
				// A min or max that saw no value is left out of its row.
				if m.Kind != view.Min && m.Kind != view.Max {
					required = append(required, a)
				}
			}
		}
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), Limit: aws.Int32(showSample), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("show: read table %s: %w", table, err)
	}
	countAlone := v != nil && table != tutorial
	var why string
	for _, item := range out.Items {
		if why = rowMismatch(item, written, required, whose, countAlone); why == "" {
			return nil // one row of the right kind is enough
		}
	}
	if why == "" {
		return nil // nothing written yet: nothing to tell
	}
	ambiguous := v != nil && !countAlone
	for _, item := range out.Items {
		ambiguous = ambiguous && rowMismatch(item, written, required, whose, true) == ""
	}
	if ambiguous {
		// Rows of Count alone in the tutorial's table: the tutorial's
		// counts, or this view's rows from before it gained metrics. One
		// row with a metric only the view writes settles it.
		// A search cut by the bound (a large table far away) ends as if
		// nothing was found: the refusal below says how to go on.
		if found, err := holdsAttribute(ctx, db, table, required); err != nil && ctx.Err() == nil {
			return fmt.Errorf("show: read table %s: %w", table, err)
		} else if found {
			return nil
		}
	}
	hint := "name the view that wrote it with --view (Tab completes the names), or another table with --table"
	if v == nil {
		hint += "; a view spk run made from its flags (--group-by, --metric, …) is shown when spk show has the same settings, as run.* in spk.yaml or SPK_RUN_*"
	}
	if v != nil && rowMismatch(out.Items[0], map[string]bool{view.AttrCount: true}, []string{view.AttrCount}, "", false) == "" {
		hint = "it holds the tutorial's counts: show them without --view, or give --view the view that wrote them; a view that writes into the tutorial's table should have its own (table: in spk.yaml)"
	}
	return usagef(hint, "show: table %s does not hold %s: %s", table, whose, why)
}

// rowMismatch says why item is not a row of the writer whose attributes
// are written, or "" when it is one. countAlone takes a row with Count
// alone for the writer's.
func rowMismatch(item map[string]dtypes.AttributeValue, written map[string]bool, required []string, whose string, countAlone bool) string {
	var foreign []string
	for a := range item {
		switch {
		case written[a], strings.HasPrefix(a, "spk_"),
			a == view.AttrBucketStart, a == view.AttrGroup, a == view.AttrCreatedAt, a == view.AttrUpdatedAt:
		default:
			foreign = append(foreign, a)
		}
	}
	if len(foreign) > 0 {
		sort.Strings(foreign)
		return fmt.Sprintf("its rows have %s, which %s does not write", strings.Join(foreign, ", "), whose)
	}
	have, missing := 0, []string(nil)
	for _, a := range required {
		if _, ok := item[a]; ok {
			have++
		} else {
			missing = append(missing, a)
		}
	}
	// A row with some of the view's attributes was written before a metric
	// was added, unless all it has is Count: the tutorial's counts look so.
	if len(missing) == 0 || have > 1 || have == 1 && (item[view.AttrCount] == nil || countAlone) {
		return ""
	}
	for a := range written {
		if _, ok := item[a]; ok && a != view.AttrCount {
			return "" // a min or max, which a row may leave out
		}
	}
	return fmt.Sprintf("its rows lack %s, which %s writes", missing[0], whose)
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

// holdsAttribute reports whether a row of table holds one of attrs other
// than Count, reading (within ctx's bound) only the rows that do.
func holdsAttribute(ctx context.Context, db *dynamodb.Client, table string, attrs []string) (bool, error) {
	var conds []string
	names := map[string]string{}
	for _, a := range attrs {
		if a == view.AttrCount {
			continue
		}
		ph := fmt.Sprintf("#a%d", len(names))
		names[ph] = a
		conds = append(conds, "attribute_exists("+ph+")")
	}
	if len(conds) == 0 {
		return false, nil
	}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String(strings.Join(conds, " OR ")),
		ExpressionAttributeNames: names, ProjectionExpression: aws.String(view.AttrBucketStart)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		if len(page.Items) > 0 {
			return true, nil
		}
	}
	return false, nil
}
