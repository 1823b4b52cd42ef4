// Package results reads what the consumer writes, for `spk show` and the
// dashboard: the tutorial's aggregate table (Read, Poll: per-minute counts
// as Row) and the rows of any view (ReadView, PollViews: ViewRow, decoded
// with the view's codec).
package results

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/sink"
)

// The aggregate table's attributes, as in the tutorial: the writer
// (stream/sink) defines them. Rows also carry the consumer's bookkeeping
// (per-shard watermarks); the reader never asks for it.
const (
	AttrBucketStart = sink.AttrBucketStart
	AttrEventType   = sink.AttrEventType
	AttrCount       = sink.AttrCount
	AttrCreatedAt   = sink.AttrCreatedAt
	AttrUpdatedAt   = sink.AttrUpdatedAt
)

// Row is one aggregate row: how many events of a type fell in a bucket.
type Row struct {
	BucketStart string `json:"BucketStart"`
	EventType   string `json:"EventType"`
	Count       int64  `json:"Count"`
	CreatedAt   string `json:"CreatedAt,omitempty"`
	UpdatedAt   string `json:"UpdatedAt,omitempty"`
}

// ScanAPI is the part of the DynamoDB client the reader uses;
// *dynamodb.Client satisfies it.
type ScanAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Query selects rows. The zero value of every field but Table means "all".
type Query struct {
	Table string
	// Since keeps buckets that start at or after it; Until keeps buckets
	// that start before it.
	Since, Until time.Time
	// Recent keeps buckets that start at most Recent before each read, for
	// polling a table that keeps growing; with Since, the later bound wins.
	Recent time.Duration
	// Types keeps only these event types (exact names).
	Types []string
	// Buckets keeps only the newest Buckets bucket starts.
	Buckets int
	// Limit keeps at most Limit rows, the newest in bucket order.
	Limit int
	// Consistent asks for strongly consistent reads.
	Consistent bool
}

// maxTypes is DynamoDB's limit on the operands of IN.
const maxTypes = MaxTypes

// MaxTypes is how many event types a read can filter on: DynamoDB takes at
// most 100 values in an IN list.
const MaxTypes = 100

// Read scans the table, every page of it, and returns the selected rows
// sorted by bucket start, then event type.
func Read(ctx context.Context, api ScanAPI, q Query) ([]Row, error) {
	if q.Table == "" {
		return nil, errors.New("read aggregate table: no table name given: set table.name or pass the table's name")
	}
	if q.Recent > 0 {
		if since := time.Now().Add(-q.Recent); since.After(q.Since) {
			q.Since = since
		}
	}
	if len(q.Types) > maxTypes {
		return nil, fmt.Errorf("read aggregate table %s: %d event types given, at most %d can be filtered on: give fewer", q.Table, len(q.Types), maxTypes)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, fmt.Errorf("read aggregate table %s: until (%s) is not after since (%s): swap them or widen the range",
			q.Table, bucket.Format(q.Until), bucket.Format(q.Since))
	}
	in := scanInput(q)
	var rows []Row
	pages := dynamodb.NewScanPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read aggregate table %s: %w", q.Table, err)
		}
		for _, item := range page.Items {
			r, err := rowOf(item)
			if err != nil {
				return nil, fmt.Errorf("read aggregate table %s: %w", q.Table, err)
			}
			rows = append(rows, r)
		}
	}
	Sort(rows)
	return Trim(rows, q.Buckets, q.Limit), nil
}

// scanInput builds the Scan request: only the tutorial's attributes, and
// the bucket and type filters applied by the server.
func scanInput(q Query) *dynamodb.ScanInput {
	names := map[string]string{
		"#b": AttrBucketStart, "#t": AttrEventType, "#c": AttrCount,
		"#ca": AttrCreatedAt, "#ua": AttrUpdatedAt,
	}
	values := map[string]types.AttributeValue{}
	var conds []string
	if !q.Since.IsZero() {
		values[":since"] = &types.AttributeValueMemberS{Value: bucket.Format(q.Since)}
		conds = append(conds, "#b >= :since")
	}
	if !q.Until.IsZero() {
		values[":until"] = &types.AttributeValueMemberS{Value: bucket.Format(q.Until)}
		conds = append(conds, "#b < :until")
	}
	if len(q.Types) > 0 {
		ops := make([]string, len(q.Types))
		for i, t := range q.Types {
			ops[i] = ":t" + strconv.Itoa(i)
			values[ops[i]] = &types.AttributeValueMemberS{Value: t}
		}
		conds = append(conds, "#t IN ("+strings.Join(ops, ", ")+")")
	}
	in := &dynamodb.ScanInput{
		TableName:                aws.String(q.Table),
		ProjectionExpression:     aws.String("#b, #t, #c, #ca, #ua"),
		ExpressionAttributeNames: names,
		ConsistentRead:           aws.Bool(q.Consistent),
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		in.ExpressionAttributeValues = values
	}
	return in
}

func rowOf(item map[string]types.AttributeValue) (Row, error) {
	var r Row
	r.BucketStart = str(item[AttrBucketStart])
	r.EventType = str(item[AttrEventType])
	if n, ok := item[AttrCount].(*types.AttributeValueMemberN); ok {
		c, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return Row{}, fmt.Errorf("row %s/%s: Count %q is not a whole number", r.BucketStart, r.EventType, n.Value)
		}
		r.Count = c
	}
	r.CreatedAt = str(item[AttrCreatedAt])
	r.UpdatedAt = str(item[AttrUpdatedAt])
	return r, nil
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// Sort orders rows by bucket start, then event type.
func Sort(rows []Row) {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].BucketStart != rows[j].BucketStart {
			return rows[i].BucketStart < rows[j].BucketStart
		}
		return rows[i].EventType < rows[j].EventType
	})
}

// Trim keeps, of sorted rows, those of the newest buckets bucket starts and
// then at most limit rows, the newest. Zero means no bound.
func Trim(rows []Row, buckets, limit int) []Row {
	return trim(rows, func(r Row) string { return r.BucketStart }, buckets, limit)
}

// trim is Trim for rows of any kind, sorted by start.
func trim[R any](rows []R, start func(R) string, buckets, limit int) []R {
	if buckets > 0 {
		seen := 0
		for i := len(rows) - 1; i >= 0; i-- {
			if i == len(rows)-1 || start(rows[i]) != start(rows[i+1]) {
				seen++
			}
			if seen > buckets {
				rows = rows[i+1:]
				break
			}
		}
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[len(rows)-limit:]
	}
	return rows
}

// Result is one read of the table, as Poll delivers it.
type Result struct {
	Rows []Row
	Err  error
	At   time.Time // when the read finished
}

// PollReadTimeout bounds one of Poll's reads (a variable for tests): an endpoint that stops
// answering without refusing (a dropped VPN, a stopped process) gives an
// error after it, not never.
var PollReadTimeout = 5 * time.Second

// Poll reads q now and then every interval, sending each result, until ctx
// ends; then it closes the channel. A slow reader misses results rather than
// piling up reads.
func Poll(ctx context.Context, api ScanAPI, q Query, every time.Duration) <-chan Result {
	ch := make(chan Result, 1)
	go func() {
		defer close(ch)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rctx, cancel := context.WithTimeout(ctx, PollReadTimeout)
			rows, err := Read(rctx, api, q)
			cancel()
			if ctx.Err() != nil {
				return
			}
			res := Result{Rows: rows, Err: err, At: time.Now()}
			select {
			case <-ch: // replace an unread result with this newer one
			default:
			}
			ch <- res
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}
