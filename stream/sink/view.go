package sink

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/view"
)

// ViewBatch is what one shard read for one view since the last flush: per
// row, the positions of its records and, in the same order, what the view's
// metrics read of each (its projection), so that the row's accumulator can
// be rebuilt from any record on when a watermark says the ones before are in
// the row already. The accumulator of the whole row is kept as records come,
// so the usual write rebuilds nothing.
type ViewBatch struct {
	Shard   string
	View    *view.View
	rows    map[bucket.Key]*viewRow
	records int
	nf      int             // values per projection: len(View.Fields())
	vals    []view.Value    // every record's projection, nf values each
	proj    view.Projection // the record being added, offered to rows by pointer (no copy into an interface)
}

type viewRow struct {
	positions []Position
	recs      []int32   // each record's projection: vals[recs[i]*nf:][:nf]; nil when nf is 0
	acc       *view.Acc // every record of the row
}

// NewViewBatch starts an empty batch of view v for a shard.
func NewViewBatch(shard string, v *view.View) *ViewBatch {
	return &ViewBatch{Shard: shard, View: v, rows: map[bucket.Key]*viewRow{}, nf: len(v.Fields())}
}

// Reset empties the batch for reuse once it is written, keeping the memory
// its projections took.
func (b *ViewBatch) Reset() {
	for k, r := range b.rows {
		if len(r.positions) == 0 {
			delete(b.rows, k) // unused for a whole batch: the window has passed
			continue
		}
		// Rows of the current windows are kept with their slices' memory.
		r.positions, r.recs, r.acc = r.positions[:0], r.recs[:0], nil
	}
	b.records = 0
	b.vals = b.vals[:0]
}

// Add puts the record at p, the event ev, in the rows keys (one per window
// that holds it), keeping only what the view's metrics read of it.
// Positions must come in shard order. An error is a *view.MetricError: a
// value the view cannot aggregate, or a sum one of the rows could not hold;
// then no row has the record.
func (b *ViewBatch) Add(keys []bucket.Key, p Position, ev view.Event) error {
	start := len(b.vals)
	b.vals = b.View.ProjectValues(b.vals, ev)
	b.proj = b.View.Projection(b.vals[start:])
	for _, k := range keys {
		r := b.rows[k]
		if r == nil {
			r = &viewRow{}
			b.rows[k] = r
		}
		if r.acc == nil {
			r.acc = b.View.NewAcc()
		}
		// An event of several windows (sliding ones) is checked against
		// every row first: refused by one, it is in none.
		if len(keys) > 1 {
			if err := r.acc.Check(&b.proj); err != nil {
				b.vals = b.vals[:start]
				b.proj = view.Projection{}
				return err
			}
		}
	}
	for _, k := range keys {
		r := b.rows[k]
		if err := r.acc.Observe(&b.proj); err != nil {
			// Checked above (several rows) or refused by the only row: no
			// row has the record.
			b.vals = b.vals[:start]
			b.proj = view.Projection{}
			return err
		}
		r.positions = append(r.positions, p)
		if b.nf > 0 {
			r.recs = append(r.recs, int32(start/b.nf))
		}
	}
	b.records++
	b.proj = view.Projection{}
	return nil
}

// Records is how many records the batch holds.
func (b *ViewBatch) Records() int { return b.records }

// Rows is how many rows the batch touches.
func (b *ViewBatch) Rows() int {
	n := 0
	for _, r := range b.rows {
		if len(r.positions) > 0 {
			n++
		}
	}
	return n
}

// from returns the accumulator of the row's records from the i-th on.
func (b *ViewBatch) from(r *viewRow, i int) (*view.Acc, error) {
	if i == 0 {
		return r.acc, nil
	}
	a := b.View.NewAcc()
	for j := i; j < len(r.positions); j++ {
		if err := a.Observe(b.event(r, j)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// event is the row's j-th record, as the view's metrics read it.
func (b *ViewBatch) event(r *viewRow, j int) view.Event {
	if b.nf == 0 {
		return view.Fields(nil)
	}
	at := int(r.recs[j]) * b.nf
	return b.View.Projection(b.vals[at : at+b.nf])
}

// ApplyView writes every row of a view's batch to the table, exactly once
// whatever the number of replays and writers. A view whose metrics all add
// (count, sum, avg) is written as Apply writes counts: one conditional
// UpdateItem on the shard's watermark that ADDs the new records' values. Any
// other view reads the row (consistent read), keeps the records above the
// row's watermark for this shard, merges them into the stored metrics and
// writes the row back in one UpdateItem conditional on the row version it
// read, retrying from the row a conflict returns. See docs/views.md. As with
// Apply, rows written before an error leave the batch, so applying it again
// writes only the others.
func (t *Table) ApplyView(ctx context.Context, b *ViewBatch) (Result, error) {
	keys := make([]bucket.Key, 0, len(b.rows))
	for k, r := range b.rows {
		if len(r.positions) > 0 {
			keys = append(keys, k)
		}
	}
	var (
		mu      sync.Mutex
		written []bucket.Key
		refused []Refusal
	)
	res, err := t.writeRows(keys, func(k bucket.Key) (RowUpdate, int, int, error) {
		w := rowWriter{t: t, b: b, v: b.View, shard: b.Shard, k: k, r: b.rows[k]}
		var u RowUpdate
		var err error
		if b.View.Additive() {
			u, err = w.add(ctx)
		} else {
			u, err = w.merge(ctx)
		}
		if err == nil {
			mu.Lock()
			written = append(written, k)
			refused = append(refused, w.refused...)
			mu.Unlock()
		}
		return u, w.conflicts, w.skipped, err
	})
	res.Refused = refused
	if err != nil {
		for _, k := range written {
			r := b.rows[k]
			r.positions, r.recs, r.acc = r.positions[:0], r.recs[:0], nil
		}
	}
	return res, err
}

// write sends one conditional UpdateItem of the row, counting the records
// from..n of the batch (the caller records what it skipped). A refused condition is returned as ccf (with the row
// as it was, when DynamoDB returned it) for the caller to retry; any other
// failure is err.
func (w *rowWriter) write(ctx context.Context, update, cond string, names map[string]string, values map[string]types.AttributeValue, now string, from, n int) (RowUpdate, *types.ConditionalCheckFailedException, error) {
	out, err := w.t.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(w.t.Name),
		Key:                                 w.key(),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		total, _ := strconv.ParseInt(numAttr(out.Attributes[AttrCount]), 10, 64)
		return RowUpdate{Key: w.k, Added: int64(n - from), Total: total, Updated: now}, nil, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return RowUpdate{}, nil, w.fail("update", err)
	}
	return RowUpdate{}, ccf, nil
}

// rowWriter writes one row of a view batch.
type rowWriter struct {
	t         *Table
	b         *ViewBatch
	v         *view.View
	shard     string
	k         bucket.Key
	r         *viewRow
	conflicts int
	skipped   int
	refused   []Refusal // of the write that succeeded
}

// observeEach is the way round a stored sum that the batch's records would
// carry past what a DynamoDB number holds: it folds the records from the
// from-th on into the row as stored (item) one at a time, leaving out each
// one the row cannot take, and returns the row with them (stored), the
// records kept as one accumulator (their additions), those left out, and
// upto, the end of the records it took. However the records come in
// batches, each is then in every one of the view's metrics or in none. The
// records kept must sum too, for the write's ADD: where the next one would
// carry their own sum past a number (a replay that adds 1E+37 and 0.1 to a
// stored -0.1), it stops before that record, and the rest go in another
// write (upto short of the row's records).
func (w *rowWriter) observeEach(item map[string]types.AttributeValue, from int) (stored, kept *view.Acc, refused []Refusal, upto int, err error) {
	if stored, err = w.v.DecodeItem(item); err != nil {
		return nil, nil, nil, 0, retry.Refuse(fmt.Errorf("%w; the table holds rows of another definition of the view: give the view a new table, or delete this one", w.fail("read", err)))
	}
	kept = w.v.NewAcc()
	for j := from; j < len(w.r.positions); j++ {
		ev := w.b.event(w.r, j)
		var me *view.MetricError
		if err := kept.Check(ev); errors.As(err, &me) && j > from {
			return stored, kept, refused, j, nil
		} else if err != nil {
			return nil, nil, nil, 0, w.failAggregate(err)
		}
		switch err := stored.Observe(ev); {
		case errors.As(err, &me):
			refused = append(refused, Refusal{Position: w.r.positions[j], Detail: fmt.Sprintf("%v, with the stored metrics of row %s/%s", me, w.k.Start, w.k.Group)})
			continue
		case err != nil:
			return nil, nil, nil, 0, w.failAggregate(err)
		}
		if err := kept.Observe(ev); err != nil {
			return nil, nil, nil, 0, w.failAggregate(err)
		}
	}
	return stored, kept, refused, len(w.r.positions), nil
}

// outOfRange reports whether DynamoDB refused a write for a number it cannot
// hold: a sum the ADD would carry past 38 digits or 1E+126.
func outOfRange(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		return false
	}
	msg := ae.ErrorMessage()
	return strings.Contains(msg, "Number overflow") || strings.Contains(msg, "Number underflow") || strings.Contains(msg, "significant digits")
}

func (w *rowWriter) key() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrBucketStart: &types.AttributeValueMemberS{Value: w.k.Start},
		AttrEventType:   &types.AttributeValueMemberS{Value: w.k.Group},
	}
}

func (w *rowWriter) fail(what string, err error) error {
	return fmt.Errorf("%s row %s/%s of %q (view %q): %w", what, w.k.Start, w.k.Group, w.t.Name, w.v.Name(), err)
}

// failAggregate is fail for the records a replay re-aggregates, which fail
// the same way however often they are tried (a partial sum past 38
// digits): the run stops with the reason instead of retrying for ever.
func (w *rowWriter) failAggregate(err error) error {
	return retry.Refuse(w.fail("aggregate", err))
}

// after returns the index of the first record above the watermark in item.
func (w *rowWriter) after(item map[string]types.AttributeValue) (int, string, error) {
	wm, ok := item[WatermarkPrefix+w.shard].(*types.AttributeValueMemberS)
	if !ok {
		return 0, "", nil
	}
	seen, err := ParsePosition(wm.Value)
	if err != nil {
		return 0, "", err
	}
	ps := w.r.positions
	return sort.Search(len(ps), func(i int) bool { return ps[i].Compare(seen) > 0 }), wm.Value, nil
}

// expression builds the update of the records before upto: SET the
// watermark (the last one's position), the timestamps and sets, ADD adds;
// attribute names go through placeholders since metric attributes may hold
// dots.
func (w *rowWriter) expression(sets, adds map[string]types.AttributeValue, now string, upto int) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#wm": WatermarkPrefix + w.shard, "#ca": AttrCreatedAt, "#ua": AttrUpdatedAt}
	values := map[string]types.AttributeValue{
		":last": &types.AttributeValueMemberS{Value: w.r.positions[upto-1].Encode()},
		":now":  &types.AttributeValueMemberS{Value: now},
	}
	set := "SET #wm = :last, #ua = :now, #ca = if_not_exists(#ca, :now)"
	n := 0
	for _, attr := range sortedKeys(sets) {
		ph := "a" + strconv.Itoa(n)
		n++
		names["#"+ph], values[":"+ph] = attr, sets[attr]
		set += ", #" + ph + " = :" + ph
	}
	add := ""
	for _, attr := range sortedKeys(adds) {
		ph := "a" + strconv.Itoa(n)
		n++
		names["#"+ph], values[":"+ph] = attr, adds[attr]
		if add == "" {
			add = " ADD "
		} else {
			add += ", "
		}
		add += "#" + ph + " :" + ph
	}
	return set + add, names, values
}

func sortedKeys(m map[string]types.AttributeValue) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// add is the additive write: Apply's protocol with the view's ADDs. Should
// DynamoDB refuse the ADD for a sum it cannot hold, or should the records
// after the row's watermark (a replay) not sum alone, the records are added
// one by one to the row as read, those it cannot take left out
// (observeEach), in as many writes as their own sums need.
func (w *rowWriter) add(ctx context.Context) (RowUpdate, error) {
	ps := w.r.positions
	const below = "attribute_not_exists(#wm) OR #wm < :g"
	cond, guard, from := below, ps[0].Encode(), 0
	var item map[string]types.AttributeValue // the row as last read
	oneByOne := false
	var done rowProgress
	for {
		var acc *view.Acc
		var refused []Refusal
		var err error
		upto := len(ps)
		if !oneByOne {
			acc, err = w.b.from(w.r, from)
			// The records after the row's watermark alone can carry a sum
			// past what a number holds where the batch's running sum,
			// which took each of them, did not.
			if _, partial := errors.AsType[*view.MetricError](err); partial && from > 0 {
				oneByOne = true
			} else if err != nil {
				return RowUpdate{}, w.failAggregate(err)
			}
		}
		if oneByOne {
			if _, acc, refused, upto, err = w.observeEach(item, from); err != nil {
				return RowUpdate{}, err
			}
		}
		now := w.t.now()
		update, names, values := w.expression(nil, acc.Additions(), now, upto)
		values[":g"] = &types.AttributeValueMemberS{Value: guard}
		u, ccf, err := w.write(ctx, update, cond, names, values, now, from, upto)
		switch {
		case ccf == nil && err != nil && !oneByOne && outOfRange(err):
			oneByOne = true
			if item, err = w.read(ctx); err != nil {
				return RowUpdate{}, err
			}
		case ccf == nil && err != nil:
			return RowUpdate{}, err
		case ccf == nil:
			if done.wrote(w, u, from, refused); upto == len(ps) {
				return done.u, nil
			}
			// The rest in another write, on the row as it is now.
			if item, err = w.read(ctx); err != nil {
				return RowUpdate{}, err
			}
		default:
			w.conflicts++
			if item = ccf.Item; item == nil {
				if item, err = w.read(ctx); err != nil {
					return RowUpdate{}, err
				}
			}
		}
		i, wm, err := w.after(item)
		if err != nil {
			return RowUpdate{}, w.fail("read", err)
		}
		if wm == "" { // the row was deleted: everything again
			cond, guard, from = below, ps[0].Encode(), 0
			continue
		}
		if i == len(ps) {
			return done.end(w), nil
		}
		cond, guard, from = "#wm = :g", wm, i
	}
}

// rowProgress is what the writes of a row did, when its records take more
// than one (observeEach).
type rowProgress struct {
	u       RowUpdate
	written bool
}

// wrote counts a successful write of the records from..: the first one
// says how many the row already had (skipped).
func (p *rowProgress) wrote(w *rowWriter, u RowUpdate, from int, refused []Refusal) {
	if !p.written {
		w.skipped, p.written = from, true
	}
	w.refused = append(w.refused, refused...)
	added := p.u.Added + u.Added
	p.u = u
	p.u.Added = added
}

// end is the row's update once the row holds every record of the batch.
func (p *rowProgress) end(w *rowWriter) RowUpdate {
	if !p.written {
		w.skipped = len(w.r.positions)
		return RowUpdate{Key: w.k}
	}
	return p.u
}

func (w *rowWriter) read(ctx context.Context) (map[string]types.AttributeValue, error) {
	got, err := w.t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(w.t.Name), Key: w.key(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, w.fail("read", err)
	}
	return got.Item, nil
}

// merge is the read-modify-write of views with min, max, distinct or top.
func (w *rowWriter) merge(ctx context.Context) (RowUpdate, error) {
	ps := w.r.positions
	item, err := w.read(ctx)
	if err != nil {
		return RowUpdate{}, err
	}
	var done rowProgress
	for {
		from, _, err := w.after(item)
		if err != nil {
			return RowUpdate{}, w.fail("read", err)
		}
		if from == len(ps) {
			return done.end(w), nil
		}
		// As in add, the records after the watermark alone may not sum;
		// they go one by one then.
		upto := len(ps)
		fresh, ferr := w.b.from(w.r, from)
		if _, partial := errors.AsType[*view.MetricError](ferr); ferr != nil && !partial {
			return RowUpdate{}, w.failAggregate(ferr)
		}
		merged, err := w.v.DecodeItem(item)
		if err != nil {
			// A row the view cannot read (written with another K, say)
			// stays so however often it is read: the run must stop and
			// say so, not retry for ever.
			return RowUpdate{}, retry.Refuse(fmt.Errorf("%w; the table holds rows of another definition of the view: give the view a new table, or delete this one", w.fail("read", err)))
		}
		var refused []Refusal
		if ferr != nil || merged.Merge(fresh) != nil {
			// A sum the row cannot hold with all the records: one by one,
			// leaving out those it cannot take.
			if merged, fresh, refused, upto, err = w.observeEach(item, from); err != nil {
				return RowUpdate{}, err
			}
		}
		sets, err := merged.Replacements()
		if err != nil {
			return RowUpdate{}, w.fail("encode", err)
		}
		cond := "attribute_not_exists(#ver)"
		version := int64(0)
		if v, ok := item[view.AttrVersion].(*types.AttributeValueMemberN); ok {
			if version, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
				return RowUpdate{}, w.fail("read", fmt.Errorf("row version %q is not a number", v.Value))
			}
			cond = "#ver = :ver"
		}
		now := w.t.now()
		update, names, values := w.expression(sets, fresh.Additions(), now, upto)
		update = "SET #ver = :next, " + update[len("SET "):]
		names["#ver"] = view.AttrVersion
		values[":next"] = num(version + 1)
		if cond != "attribute_not_exists(#ver)" {
			values[":ver"] = num(version)
		}
		u, ccf, err := w.write(ctx, update, cond, names, values, now, from, upto)
		if ccf == nil && err != nil {
			return RowUpdate{}, err
		}
		if ccf == nil {
			if done.wrote(w, u, from, refused); upto == len(ps) {
				return done.u, nil
			}
			// The rest in another write, on the row as it is now.
			if item, err = w.read(ctx); err != nil {
				return RowUpdate{}, err
			}
			continue
		}
		// Another writer changed the row since it was read: start again
		// from the row as it is now.
		w.conflicts++
		if item = ccf.Item; item == nil {
			if item, err = w.read(ctx); err != nil {
				return RowUpdate{}, err
			}
		}
	}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
