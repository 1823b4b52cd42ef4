package results

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/view"
)

// ViewRow is one row of any view: its window, its group and its metrics,
// decoded with the view's codec (view.View.DecodeItem).
type ViewRow struct {
	BucketStart string
	// Key is the stored range key (EventType); Group its values, one per
	// group field of the view.
	Key   string
	Group []string
	// Acc holds the row's metrics; read them with the view's metric index
	// (Acc.Count, Acc.Sum, Acc.Avg, Acc.Distinct, Acc.Top).
	Acc                  *view.Acc
	CreatedAt, UpdatedAt string
}

// ReadView scans q.Table, every page of it, decodes each row as a row of v
// and returns the selected rows sorted by bucket start, then group key.
// Query.Types selects group keys (the stored EventType).
func ReadView(ctx context.Context, api ScanAPI, v *view.View, q Query) ([]ViewRow, error) {
	if q.Table == "" {
		return nil, fmt.Errorf("read view %s: no table name given: set the view's table or pass the table's name", v.Name())
	}
	if q.Recent > 0 {
		if since := time.Now().Add(-q.Recent); since.After(q.Since) {
			q.Since = since
		}
	}
	if len(q.Types) > maxTypes {
		return nil, fmt.Errorf("read view %s from table %s: %d groups given, at most %d can be filtered on: give fewer", v.Name(), q.Table, len(q.Types), maxTypes)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, fmt.Errorf("read view %s from table %s: until (%s) is not after since (%s): swap them or widen the range",
			v.Name(), q.Table, bucket.Format(q.Until), bucket.Format(q.Since))
	}
	in := scanInput(q)
	// Project the keys, the timestamps and the view's metric attributes:
	// never the per-shard watermarks, which grow with the shard count.
	attrs := []string{view.AttrCreatedAt, view.AttrUpdatedAt}
	for _, m := range v.Metrics() {
		attrs = append(attrs, m.Attributes()...)
	}
	proj := []string{"#b", "#t"}
	for i, a := range attrs {
		name := "#m" + strconv.Itoa(i)
		in.ExpressionAttributeNames[name] = a
		proj = append(proj, name)
	}
	delete(in.ExpressionAttributeNames, "#c")
	delete(in.ExpressionAttributeNames, "#ca")
	delete(in.ExpressionAttributeNames, "#ua")
	in.ProjectionExpression = aws.String(strings.Join(proj, ", "))

	var rows []ViewRow
	pages := dynamodb.NewScanPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read view %s from table %s: %w", v.Name(), q.Table, err)
		}
		for _, item := range page.Items {
			r, err := viewRowOf(v, item)
			if err != nil {
				return nil, fmt.Errorf("read view %s from table %s: %w", v.Name(), q.Table, err)
			}
			rows = append(rows, r)
		}
	}
	SortView(rows)
	return trim(rows, func(r ViewRow) string { return r.BucketStart }, q.Buckets, q.Limit), nil
}

func viewRowOf(v *view.View, item map[string]types.AttributeValue) (ViewRow, error) {
	r := ViewRow{BucketStart: str(item[AttrBucketStart]), Key: str(item[AttrEventType])}
	g, err := v.Group(r.Key)
	if err != nil {
		return ViewRow{}, fmt.Errorf("row %s/%s: %v: is this table written by another view?", r.BucketStart, r.Key, err)
	}
	r.Group = g
	if r.Acc, err = v.DecodeItem(item); err != nil {
		return ViewRow{}, fmt.Errorf("row %s/%s: %w", r.BucketStart, r.Key, err)
	}
	r.CreatedAt = str(item[AttrCreatedAt])
	r.UpdatedAt = str(item[AttrUpdatedAt])
	return r, nil
}

// SortView orders rows by bucket start, then group key.
func SortView(rows []ViewRow) {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].BucketStart != rows[j].BucketStart {
			return rows[i].BucketStart < rows[j].BucketStart
		}
		return rows[i].Key < rows[j].Key
	})
}

// ViewQuery is one view to read and where its rows are.
type ViewQuery struct {
	View  *view.View
	Query Query
}

// ViewResult is one read of a view's table.
type ViewResult struct {
	View string // the view's name
	Rows []ViewRow
	Err  error
}

// ViewsResult is one read of every view, as PollViews delivers it, in the
// order the views were given.
type ViewsResult struct {
	Views []ViewResult
	At    time.Time // when the reads finished
}

// PollViews reads every view now and then every interval, sending each
// round of results, until ctx ends; then it closes the channel. As Poll, a
// slow reader misses rounds rather than piling up reads.
func PollViews(ctx context.Context, api ScanAPI, views []ViewQuery, every time.Duration) <-chan ViewsResult {
	ch := make(chan ViewsResult, 1)
	go func() {
		defer close(ch)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			res := ViewsResult{Views: make([]ViewResult, len(views))}
			for i, vq := range views {
				rows, err := ReadView(ctx, api, vq.View, vq.Query)
				res.Views[i] = ViewResult{View: vq.View.Name(), Rows: rows, Err: err}
			}
			if ctx.Err() != nil {
				return
			}
			res.At = time.Now()
			select {
			case <-ch: // replace an unread round with this newer one
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
