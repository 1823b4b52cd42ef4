// Package lease shares the shards of a stream between workers through a
// DynamoDB table that uses the Kinesis Client Library's schema. Every write is
// conditional on the lease counter the writer last saw, so a worker that lost a
// lease can neither renew it nor move its checkpoint.
package lease

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/ddbtable"
)

// DefaultTable is the lease table name used when none is given, as in the tutorial.
const DefaultTable = "StreamingCountsApp"

// Special checkpoint values, as the Kinesis Client Library writes them.
const (
	TrimHorizon = "TRIM_HORIZON"
	Latest      = "LATEST"
	AtTimestamp = "AT_TIMESTAMP"
	ShardEnd    = "SHARD_END"
)

// Attribute names of the Kinesis Client Library's lease schema.
const (
	attrKey           = "leaseKey"
	attrOwner         = "leaseOwner"
	attrCounter       = "leaseCounter"
	attrCheckpoint    = "checkpoint"
	attrSubSequence   = "checkpointSubSequenceNumber"
	attrOwnerSwitches = "ownerSwitchesSinceCheckpoint"
	attrParents       = "parentShardId"
	attrChildren      = "childShardIds"
	// attrAtTimestamp is spk's own: the time an AT_TIMESTAMP checkpoint
	// starts at, in milliseconds (see Table.Pin). The Kinesis Client
	// Library ignores it.
	attrAtTimestamp = "spkAtTimestamp"
	// attrStream is spk's own too: the stream a lease's shard belongs to.
	// Shard ids repeat from stream to stream, so without it a lease table
	// of one stream would pass for another's.
	attrStream = "spkStream"
	// attrStreamCreated is the stream's creation time in milliseconds: a
	// stream deleted and created again has the same name.
	attrStreamCreated = "spkStreamCreated"
	// attrTable is the aggregate table the app counts into: workers of one
	// app writing different tables would split its counts between them.
	attrTable = "spkTable"
	// attrFailover is the owner's failover time in milliseconds, written
	// with its takes and renewals: a worker judges another's lease expired
	// by the longer of its own failover and the owner's, so workers started
	// with different --failover values do not take each other's leases
	// between renewals.
	attrFailover = "spkFailover"
)

// ErrLeaseLost is returned when a conditional lease write finds that another
// worker changed the lease since this worker last saw it.
var ErrLeaseLost = errors.New("lease lost to another worker")

// oneAttempt leaves the retries of lease scans and writes to their callers
// (retry.Do with short, bounded delays): the SDK's standard retryer sleeps
// up to seconds between its attempts, longer than a renewal may take.
func oneAttempt(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// DynamoDB is the part of the DynamoDB API the lease table uses.
type DynamoDB interface {
	ddbtable.DynamoDB // to make the table ready
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Lease is one row of the lease table: a shard, who holds it and how far it
// has been processed.
type Lease struct {
	Key           string // shard id
	Owner         string // worker id; empty when free
	Counter       int64  // bumped by every write; the fencing token
	Checkpoint    string // sequence number or one of TrimHorizon, Latest, AtTimestamp, ShardEnd
	SubSequence   int64  // sub-record of an aggregated record at Checkpoint
	OwnerSwitches int64
	Parents       []string
	Children      []string
	// AtTimestamp, with the checkpoint AtTimestamp, is where reading
	// starts; zero means the application's own timestamp.
	AtTimestamp time.Time
	// Stream is the name of the stream whose shard this is; "" for a
	// lease written by the Kinesis Client Library or an older spk.
	Stream string
	// StreamCreated is when that stream was created; zero when not known.
	StreamCreated time.Time
	// Table is the aggregate table the app counts into; "" when not known.
	Table string
	// Failover is the owner's failover time as it recorded it; zero when
	// not known (the Kinesis Client Library, an older spk).
	Failover time.Duration
}

// Finished reports whether the shard was read to its end.
func (l Lease) Finished() bool { return l.Checkpoint == ShardEnd }

// Table is the lease table of one application.
type Table struct {
	DB   DynamoDB
	Name string
	// Failover is this worker's failover time, recorded in the leases it
	// takes and renews (spkFailover); zero records none.
	Failover time.Duration
}

// withFailover adds the recording of t.Failover to a SET clause.
func (t *Table) withFailover(set string, values map[string]types.AttributeValue) string {
	if t.Failover <= 0 {
		return set
	}
	values[":failover"] = num(t.Failover.Milliseconds())
	return set + ", " + attrFailover + " = :failover"
}

// TableSpec is the lease table of app, named after it (tutorial step 8),
// with the Kinesis Client Library's hash key, on-demand, tagged with app.
func TableSpec(app string) ddbtable.Spec {
	return ddbtable.Spec{
		Name: app, Kind: "lease table", App: app,
		Hash: ddbtable.KeyAttr{Name: attrKey, Type: types.ScalarAttributeTypeS},
		Fix:  "choose another app name (--app), or delete that table first if it is not needed",
	}
}

// Spec is the table t uses.
func (t *Table) Spec() ddbtable.Spec { return TableSpec(t.Name) }

// List reads every lease with a consistent scan, sorted by key.
func (t *Table) List(ctx context.Context) ([]Lease, error) {
	var out []Lease
	var start map[string]types.AttributeValue
	for {
		page, err := t.DB.Scan(ctx, &dynamodb.ScanInput{
			TableName:         aws.String(t.Name),
			ConsistentRead:    aws.Bool(true),
			ExclusiveStartKey: start,
		}, oneAttempt)
		if err != nil {
			return nil, fmt.Errorf("list leases in %q: %w", t.Name, err)
		}
		for _, item := range page.Items {
			out = append(out, Decode(item))
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		start = page.LastEvaluatedKey
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Get reads one lease; ok is false when it does not exist.
func (t *Table) Get(ctx context.Context, key string) (l Lease, ok bool, err error) {
	out, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(t.Name),
		Key:            map[string]types.AttributeValue{attrKey: &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Lease{}, false, fmt.Errorf("read lease %s: %w", key, err)
	}
	if len(out.Item) == 0 {
		return Lease{}, false, nil
	}
	return Decode(out.Item), true, nil
}

// Create writes a new, unowned lease unless one exists for the key already;
// created is false when another worker created it first.
func (t *Table) Create(ctx context.Context, l Lease) (created bool, err error) {
	item := map[string]types.AttributeValue{
		attrKey:           &types.AttributeValueMemberS{Value: l.Key},
		attrCounter:       num(0),
		attrCheckpoint:    &types.AttributeValueMemberS{Value: l.Checkpoint},
		attrSubSequence:   num(l.SubSequence),
		attrOwnerSwitches: num(0),
	}
	if len(l.Parents) > 0 {
		item[attrParents] = &types.AttributeValueMemberSS{Value: l.Parents}
	}
	if l.Stream != "" {
		item[attrStream] = &types.AttributeValueMemberS{Value: l.Stream}
	}
	if !l.StreamCreated.IsZero() {
		item[attrStreamCreated] = num(l.StreamCreated.UnixMilli())
	}
	if l.Table != "" {
		item[attrTable] = &types.AttributeValueMemberS{Value: l.Table}
	}
	_, err = t.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(t.Name),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(" + attrKey + ")"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create lease %s: %w", l.Key, err)
	}
	return true, nil
}

// update applies a conditional write to the lease seen with counter, requiring
// owner (when not empty) still to hold it, and returns the new counter.
//
// A write may be applied although its answer was lost (a timeout, a 5xx
// after the fact), and a retry of it is then refused. Since every write
// bumps the counter and only this worker's write leaves the lease at
// counter+1 with what it set (another worker's take sets its own name), a
// refusal that finds exactly that is this write's success, not a lost lease.
func (t *Table) update(ctx context.Context, key string, counter int64, owner, set string, values map[string]types.AttributeValue, wrote func(Lease) bool) (int64, error) {
	cond := attrCounter + " = :old"
	if owner != "" {
		cond += " AND " + attrOwner + " = :me"
		values[":me"] = &types.AttributeValueMemberS{Value: owner}
	}
	values[":old"] = num(counter)
	values[":new"] = num(counter + 1)
	_, err := t.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(t.Name),
		Key:                                 map[string]types.AttributeValue{attrKey: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression:                    aws.String(set),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, oneAttempt)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		item := ccf.Item
		if item == nil { // endpoints that do not return the item on a refusal
			out, gerr := t.DB.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(t.Name), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{attrKey: &types.AttributeValueMemberS{Value: key}},
			})
			if gerr == nil {
				item = out.Item
			}
		}
		if l := Decode(item); item != nil && l.Counter == counter+1 && wrote(l) {
			return counter + 1, nil
		}
		return 0, fmt.Errorf("lease %s: %w", key, ErrLeaseLost)
	}
	if err != nil {
		return 0, fmt.Errorf("update lease %s: %w", key, err)
	}
	return counter + 1, nil
}

// Stamp gives a lease made by an spk from before they were recorded the
// stream it belongs to, that stream's creation time and the table its app
// counts into, where it lacks them: the checks against another table or
// an earlier stream of the name then hold for it too. What a lease has is
// kept, and neither its owner nor its counter changes, so a live worker's
// writes are not fenced off by it.
func (t *Table) Stamp(ctx context.Context, key, stream string, created time.Time, table string) error {
	_, err := t.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(t.Name),
		Key:       map[string]types.AttributeValue{attrKey: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression: aws.String("SET " + attrStream + " = if_not_exists(" + attrStream + ", :s), " +
			attrStreamCreated + " = if_not_exists(" + attrStreamCreated + ", :c), " + attrTable + " = if_not_exists(" + attrTable + ", :t)"),
		ConditionExpression: aws.String("attribute_exists(" + attrKey + ")"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": &types.AttributeValueMemberS{Value: stream}, ":c": num(created.UnixMilli()), ":t": &types.AttributeValueMemberS{Value: table},
		},
	})
	if isConditionFailed(err) {
		return nil // gone since it was listed
	}
	if err != nil {
		return fmt.Errorf("stamp lease %s: %w", key, err)
	}
	return nil
}

// Take makes worker the owner of a lease last seen with counter.
func (t *Table) Take(ctx context.Context, key string, counter int64, worker string) (int64, error) {
	values := map[string]types.AttributeValue{":w": &types.AttributeValueMemberS{Value: worker}, ":zero": num(0), ":one": num(1)}
	set := t.withFailover("SET "+attrOwner+" = :w, "+attrCounter+" = :new, "+attrOwnerSwitches+" = if_not_exists("+attrOwnerSwitches+", :zero) + :one", values)
	return t.update(ctx, key, counter, "", set, values, func(l Lease) bool { return l.Owner == worker })
}

// Renew bumps the counter of a lease the worker holds, proving it is alive.
func (t *Table) Renew(ctx context.Context, key string, counter int64, worker string) (int64, error) {
	values := map[string]types.AttributeValue{}
	return t.update(ctx, key, counter, worker, t.withFailover("SET "+attrCounter+" = :new", values), values,
		func(l Lease) bool { return l.Owner == worker })
}

// Checkpoint records how far the worker holding the lease has processed it.
func (t *Table) Checkpoint(ctx context.Context, key string, counter int64, worker, checkpoint string, sub int64) (int64, error) {
	return t.update(ctx, key, counter, worker,
		"SET "+attrCounter+" = :new, "+attrCheckpoint+" = :cp, "+attrSubSequence+" = :sub, "+attrOwnerSwitches+" = :zero REMOVE "+attrAtTimestamp,
		map[string]types.AttributeValue{":cp": &types.AttributeValueMemberS{Value: checkpoint}, ":sub": num(sub), ":zero": num(0)},
		func(l Lease) bool { return l.Owner == worker && l.Checkpoint == checkpoint && l.SubSequence == sub })
}

// Pin turns a LATEST checkpoint into a position: AT_TIMESTAMP at, so a
// worker that takes the lease over before anything was checkpointed starts
// where this one did, not at the stream's tip of that later moment.
func (t *Table) Pin(ctx context.Context, key string, counter int64, worker string, at time.Time) (int64, error) {
	ms := at.UnixMilli()
	return t.update(ctx, key, counter, worker,
		"SET "+attrCounter+" = :new, "+attrCheckpoint+" = :cp, "+attrAtTimestamp+" = :at, "+attrSubSequence+" = :zero, "+attrOwnerSwitches+" = :zero",
		map[string]types.AttributeValue{":cp": &types.AttributeValueMemberS{Value: AtTimestamp}, ":at": num(ms), ":zero": num(0)},
		func(l Lease) bool {
			return l.Owner == worker && l.Checkpoint == AtTimestamp && l.AtTimestamp.UnixMilli() == ms
		})
}

// Finish checkpoints SHARD_END, records the shard's children and frees the lease.
func (t *Table) Finish(ctx context.Context, key string, counter int64, worker string, children []string) (int64, error) {
	set := "SET " + attrCounter + " = :new, " + attrCheckpoint + " = :cp, " + attrSubSequence + " = :zero, " + attrOwnerSwitches + " = :zero"
	values := map[string]types.AttributeValue{":cp": &types.AttributeValueMemberS{Value: ShardEnd}, ":zero": num(0)}
	if len(children) > 0 {
		set += ", " + attrChildren + " = :children"
		values[":children"] = &types.AttributeValueMemberSS{Value: children}
	}
	return t.update(ctx, key, counter, worker, set+" REMOVE "+attrOwner, values,
		func(l Lease) bool { return l.Owner == "" && l.Finished() })
}

// Release frees a lease the worker holds so another can take it at once.
func (t *Table) Release(ctx context.Context, key string, counter int64, worker string) (int64, error) {
	return t.update(ctx, key, counter, worker, "SET "+attrCounter+" = :new REMOVE "+attrOwner, map[string]types.AttributeValue{},
		func(l Lease) bool { return l.Owner == "" && !l.Finished() })
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// Decode reads one item of a lease table, as this package and the Kinesis
// Client Library write it; an attribute missing or of another type is left
// zero. spk status reads leases with it too.
func Decode(item map[string]types.AttributeValue) Lease {
	var l Lease
	l.Key = str(item[attrKey])
	l.Owner = str(item[attrOwner])
	l.Counter = number(item[attrCounter])
	l.Checkpoint = str(item[attrCheckpoint])
	l.SubSequence = number(item[attrSubSequence])
	l.OwnerSwitches = number(item[attrOwnerSwitches])
	l.Parents = strs(item[attrParents])
	l.Children = strs(item[attrChildren])
	l.Stream = str(item[attrStream])
	l.Table = str(item[attrTable])
	if ms := number(item[attrStreamCreated]); ms != 0 {
		l.StreamCreated = time.UnixMilli(ms)
	}
	if ms := number(item[attrAtTimestamp]); ms != 0 {
		l.AtTimestamp = time.UnixMilli(ms)
	}
	l.Failover = time.Duration(number(item[attrFailover])) * time.Millisecond
	return l
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func number(v types.AttributeValue) int64 {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(n.Value, 10, 64)
		return i
	}
	return 0
}

func strs(v types.AttributeValue) []string {
	switch v := v.(type) {
	case *types.AttributeValueMemberSS:
		out := append([]string(nil), v.Value...)
		sort.Strings(out)
		return out
	case *types.AttributeValueMemberS: // a single parent, as some writers store it
		return []string{v.Value}
	}
	return nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// ParentsFinished reports whether every parent of l reached SHARD_END, so
// that l's records may be processed in order. A parent without a lease is
// taken as finished: its records are past the stream's retention, or it
// predates a start at LATEST.
func ParentsFinished(l Lease, all map[string]Lease) bool {
	for _, p := range l.Parents {
		if pl, ok := all[p]; ok && !pl.Finished() {
			return false
		}
	}
	return true
}
