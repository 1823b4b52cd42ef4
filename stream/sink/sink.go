package sink

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/stream/bucket"
)

// Attribute names of the aggregate table, as in the tutorial.
const (
	AttrBucketStart = "BucketStart"
	AttrEventType   = "EventType"
	AttrCount       = "Count"
	AttrCreatedAt   = "CreatedAt"
	AttrUpdatedAt   = "UpdatedAt"
	// WatermarkPrefix starts the name of each per-shard watermark attribute.
	WatermarkPrefix = "spk_wm_"
)

// TimeLayout is how CreatedAt and UpdatedAt are written: UTC, milliseconds, Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// DynamoDB is the part of the DynamoDB API the sink uses.
type DynamoDB interface {
	ddbtable.DynamoDB // to make the table ready
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Batch is the counts read from one shard since the last flush.
type Batch struct {
	Shard   string
	rows    map[bucket.Key]*row
	records int
}

type row struct {
	positions []Position // ascending: the shard is read in order
}

// NewBatch starts an empty batch for a shard.
func NewBatch(shard string) *Batch { return &Batch{Shard: shard, rows: map[bucket.Key]*row{}} }

// Add counts the record at p in the row k. Positions must be added in order.
func (b *Batch) Add(k bucket.Key, p Position) {
	r := b.rows[k]
	if r == nil {
		r = &row{}
		b.rows[k] = r
	}
	r.positions = append(r.positions, p)
	b.records++
}

// Records is how many records the batch counts.
func (b *Batch) Records() int { return b.records }

// Rows is how many aggregate rows the batch touches.
func (b *Batch) Rows() int { return len(b.rows) }

// Table is the aggregate table.
type Table struct {
	DB       DynamoDB
	Name     string
	App      string           // the spk-app tag of the table when the consumer creates it; "" for none
	Stream   string           // the spk-stream tag, likewise; a table tagged with another stream is refused
	View     string           // the spk-view tag, likewise, of a view's own table; "" for the aggregate table
	Parallel int              // concurrent row writes per Apply; 8 when zero
	Now      func() time.Time // for CreatedAt and UpdatedAt; time.Now when nil
}

// TableSpec is the aggregate table as the tutorial has it, and every
// view's table alike: BucketStart (S) hash, EventType (S) range; app is
// written to its spk-app tag and stream to its spk-stream tag (a table of
// another stream is refused: its watermarks are kept per shard id, which
// streams share), provisioned nil means on-demand.
func TableSpec(name, app, stream string, provisioned *ddbtable.Capacity) ddbtable.Spec {
	return ddbtable.Spec{
		Name: name, Kind: "aggregate table",
		Hash:        ddbtable.KeyAttr{Name: AttrBucketStart, Type: types.ScalarAttributeTypeS},
		Range:       &ddbtable.KeyAttr{Name: AttrEventType, Type: types.ScalarAttributeTypeS},
		Provisioned: provisioned, App: app, Stream: stream,
		Fix: "choose another name (--table), or delete that table first if it is not needed",
	}
}

// Spec is the table t writes, tagged with t.App and t.Stream when the
// consumer creates it.
func (t *Table) Spec() ddbtable.Spec { return ViewTableSpec(t.Name, t.App, t.Stream, t.View) }

// ViewTableSpec is TableSpec for the own table of view (the aggregate
// table when view is ""), tagged with the view's name when created.
func ViewTableSpec(name, app, stream, view string) ddbtable.Spec {
	s := TableSpec(name, app, stream, nil)
	s.View = view
	return s
}

// RowUpdate reports one row written by Apply.
type RowUpdate struct {
	Key     bucket.Key
	Added   int64 // records this write counted
	Total   int64 // the row's count after the write
	Updated string
}

// Result sums up an Apply.
type Result struct {
	Rows      []RowUpdate
	Conflicts int // conditional writes refused because a record had been counted already
	Skipped   int // records found already counted
	// Refused are records a view's row could not take: values that would
	// carry a stored sum past what a DynamoDB number holds. They count in
	// none of the view's metrics, as an event refused before the write.
	Refused []Refusal
}

// Refusal is a record a row refused, and why.
type Refusal struct {
	Position Position
	Detail   string
}

// Apply writes every row of the batch. It is safe to apply the same records
// any number of times, from any number of workers: each is counted once. On
// error some rows may be written; they leave the batch, so applying it again
// writes only the others. (Rewriting a written row costs requests that fail
// like any other: under a high error rate a batch of many rows retried whole
// would rarely see all of them succeed at once.)
func (t *Table) Apply(ctx context.Context, b *Batch) (Result, error) {
	keys := make([]bucket.Key, 0, len(b.rows))
	for k := range b.rows {
		keys = append(keys, k)
	}
	var (
		mu      sync.Mutex
		written []bucket.Key
	)
	res, err := t.writeRows(keys, func(k bucket.Key) (RowUpdate, int, int, error) {
		u, conflicts, skipped, err := t.applyRow(ctx, b.Shard, k, b.rows[k].positions)
		if err == nil {
			mu.Lock()
			written = append(written, k)
			mu.Unlock()
		}
		return u, conflicts, skipped, err
	})
	if err != nil {
		for _, k := range written {
			delete(b.rows, k)
		}
	}
	return res, err
}

// writeRows writes the rows of keys, in bucket then group order, at most
// t.Parallel at a time, and sums up what write reports for each: the row
// written, the conditional writes refused and the records skipped. It
// returns the first error once every started write has finished.
func (t *Table) writeRows(keys []bucket.Key, write func(bucket.Key) (u RowUpdate, conflicts, skipped int, err error)) (Result, error) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Start != keys[j].Start {
			return keys[i].Start < keys[j].Start
		}
		return keys[i].Group < keys[j].Group
	})
	par := t.Parallel
	if par <= 0 {
		par = 8
	}
	var (
		mu       sync.Mutex
		res      Result
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, par)
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func(k bucket.Key) {
			defer func() { <-sem; wg.Done() }()
			u, conflicts, skipped, err := write(k)
			mu.Lock()
			defer mu.Unlock()
			res.Conflicts += conflicts
			res.Skipped += skipped
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			if u.Added > 0 {
				res.Rows = append(res.Rows, u)
			}
		}(k)
	}
	wg.Wait()
	return res, firstErr
}

func (t *Table) now() string {
	if t.Now != nil {
		return t.Now().UTC().Format(TimeLayout)
	}
	return time.Now().UTC().Format(TimeLayout)
}

// applyRow counts the positions of one row: first optimistically (the
// watermark is below all of them), then, if refused, only those above the
// watermark it finds, conditional on that exact watermark.
func (t *Table) applyRow(ctx context.Context, shard string, k bucket.Key, ps []Position) (RowUpdate, int, int, error) {
	wmName := WatermarkPrefix + shard
	key := map[string]types.AttributeValue{
		AttrBucketStart: &types.AttributeValueMemberS{Value: k.Start},
		AttrEventType:   &types.AttributeValueMemberS{Value: k.Group},
	}
	last := ps[len(ps)-1].Encode()
	names := map[string]string{"#wm": wmName, "#c": AttrCount, "#ca": AttrCreatedAt, "#ua": AttrUpdatedAt}
	update := aws.String("SET #wm = :last, #ua = :now, #ca = if_not_exists(#ca, :now) ADD #c :n")
	conflicts := 0
	const below = "attribute_not_exists(#wm) OR #wm < :g"
	cond := below
	guard := ps[0].Encode()
	todo := ps
	for {
		now := t.now()
		values := map[string]types.AttributeValue{
			":last": &types.AttributeValueMemberS{Value: last},
			":now":  &types.AttributeValueMemberS{Value: now},
			":n":    &types.AttributeValueMemberN{Value: strconv.Itoa(len(todo))},
		}
		values[":g"] = &types.AttributeValueMemberS{Value: guard}
		out, err := t.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                           aws.String(t.Name),
			Key:                                 key,
			UpdateExpression:                    update,
			ConditionExpression:                 aws.String(cond),
			ExpressionAttributeNames:            names,
			ExpressionAttributeValues:           values,
			ReturnValues:                        types.ReturnValueUpdatedNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			total, _ := strconv.ParseInt(numAttr(out.Attributes[AttrCount]), 10, 64)
			return RowUpdate{Key: k, Added: int64(len(todo)), Total: total, Updated: now}, conflicts, len(ps) - len(todo), nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return RowUpdate{}, conflicts, 0, fmt.Errorf("update row %s/%s of %q: %w", k.Start, k.Group, t.Name, err)
		}
		conflicts++
		item := ccf.Item
		if item == nil { // endpoints that do not return the old item on failure
			got, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.Name), Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil {
				return RowUpdate{}, conflicts, 0, fmt.Errorf("read row %s/%s of %q: %w", k.Start, k.Group, t.Name, err)
			}
			item = got.Item
		}
		wm, ok := item[wmName].(*types.AttributeValueMemberS)
		if !ok {
			// The watermark vanished (the row was deleted): count everything again.
			cond, guard, todo = below, ps[0].Encode(), ps
			continue
		}
		seen, err := ParsePosition(wm.Value)
		if err != nil {
			return RowUpdate{}, conflicts, 0, fmt.Errorf("row %s/%s of %q: %w", k.Start, k.Group, t.Name, err)
		}
		i := sort.Search(len(ps), func(i int) bool { return ps[i].Compare(seen) > 0 })
		todo = ps[i:]
		if len(todo) == 0 {
			return RowUpdate{Key: k}, conflicts, len(ps), nil
		}
		cond, guard = "#wm = :g", wm.Value
	}
}

func numAttr(v types.AttributeValue) string {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		return n.Value
	}
	return "0"
}
