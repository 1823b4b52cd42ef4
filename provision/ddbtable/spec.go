// Package ddbtable makes the DynamoDB tables spk writes ready: it creates a
// missing table, waits until it is ACTIVE, tags what it created, and
// refuses, with how to fix it, a table of that name with other keys. Each
// table's Spec is defined beside the code that writes it (stream/sink,
// stream/lease); the verbs (through provision) and the consumer both call
// Ensure, so a table is made the same way whoever needs it first.
package ddbtable

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TagKey marks resources spk created; teardown deletes only those (except
// on spk's own endpoint).
const TagKey = "spk-app"

// KeyAttr is one key attribute of a table's schema.
type KeyAttr struct {
	Name string
	Type types.ScalarAttributeType
}

func (k KeyAttr) String() string { return fmt.Sprintf("%s (%s)", k.Name, k.Type) }

// Capacity is provisioned throughput.
type Capacity struct{ Read, Write int64 }

func (c Capacity) String() string { return fmt.Sprintf("%d,%d", c.Read, c.Write) }

// billingNote says how an existing table t is billed when that is not what
// s asks for: spk takes the table as it is, and says so.
func (s Spec) billingNote(t *types.TableDescription) string {
	const keep = "; spk does not change an existing table"
	onDemand := t.BillingModeSummary != nil && t.BillingModeSummary.BillingMode == types.BillingModePayPerRequest
	var has Capacity
	if p := t.ProvisionedThroughput; p != nil {
		has = Capacity{Read: aws.ToInt64(p.ReadCapacityUnits), Write: aws.ToInt64(p.WriteCapacityUnits)}
	}
	switch {
	case onDemand && s.Provisioned != nil:
		return fmt.Sprintf(" (on demand, not provisioned at %s%s)", s.Provisioned, keep)
	case !onDemand && s.Provisioned == nil:
		return fmt.Sprintf(" (provisioned at %s, not on demand%s)", has, keep)
	case !onDemand && *s.Provisioned != has:
		return fmt.Sprintf(" (provisioned at %s, not the %s asked for%s)", has, s.Provisioned, keep)
	}
	return ""
}

// Spec is a table spk needs: its name and keys, how it is billed, and what
// to tell a user whose table of that name has other keys.
type Spec struct {
	Name  string
	Kind  string // "aggregate table" or "lease table", for messages
	Hash  KeyAttr
	Range *KeyAttr // nil for a hash-only table
	// Provisioned read and write capacity; nil means on-demand.
	Provisioned *Capacity
	// App is written to the spk-app tag of a table Ensure creates; ""
	// leaves it untagged.
	App string
	// Stream is the stream counted into the table, written to its
	// spk-stream tag when Ensure creates it; an existing table tagged with
	// another stream is refused. "" for a table of no one stream.
	Stream string
	// View is the view whose own table this is, written to its spk-view
	// tag when Ensure creates it, so that teardown can tell the table of a
	// view since removed from spk.yaml from one made by create-table. ""
	// for the aggregate table.
	View string
	// Shape is what decides the rows' keys in the view that writes the
	// table (view.View.Shape), written to its spk-view-shape tag; an
	// existing table tagged with another shape is refused, and one without
	// the tag is given it. "" for a table no view writes, or any view may.
	Shape string
	// Fix says how to get out of a schema mismatch, such as "choose
	// another app name (--app)".
	Fix string
}

// createInput is the table as CreateTable makes it.
func (s Spec) createInput() *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(s.Name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(s.Hash.Name), AttributeType: s.Hash.Type}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(s.Hash.Name), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}
	// Tagged as it is made, so a run interrupted while the table is
	// CREATING leaves a table teardown knows is spk's.
	in.Tags = s.tags()
	if s.Range != nil {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(s.Range.Name), AttributeType: s.Range.Type})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(s.Range.Name), KeyType: types.KeyTypeRange})
	}
	if s.Provisioned != nil {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(s.Provisioned.Read), WriteCapacityUnits: aws.Int64(s.Provisioned.Write)}
	}
	return in
}

// MismatchError says how an existing table's keys differ from what spk needs.
type MismatchError struct {
	Table       string
	Differences []string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("table %q exists with another key schema: %s", e.Table, strings.Join(e.Differences, "; "))
}

// StreamTagKey names the stream a table counts (Spec.Stream).
const StreamTagKey = "spk-stream"

// ViewTagKey names the view whose own table a table is (Spec.View).
const ViewTagKey = "spk-view"

// ShapeTagKey names what decides the rows' keys in the view that writes a
// table (Spec.Shape).
const ShapeTagKey = "spk-view-shape"

// tags are the tags a table Ensure creates carries; nil for none.
func (s Spec) tags() []types.Tag {
	var tags []types.Tag
	if s.App != "" {
		tags = append(tags, types.Tag{Key: aws.String(TagKey), Value: aws.String(s.App)})
	}
	if s.Stream != "" {
		tags = append(tags, types.Tag{Key: aws.String(StreamTagKey), Value: aws.String(s.Stream)})
	}
	if s.View != "" {
		tags = append(tags, types.Tag{Key: aws.String(ViewTagKey), Value: aws.String(s.View)})
	}
	if s.Shape != "" {
		tags = append(tags, types.Tag{Key: aws.String(ShapeTagKey), Value: aws.String(s.Shape)})
	}
	return tags
}

// ShapeError is a table whose rows a view of another shape wrote: another
// window, or other group fields.
type ShapeError struct {
	Table, Tagged, Shape string
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("table %q holds rows of a view with another window or other group fields (its %s tag says %s; the view now says %s): the rows written now would be mixed up with them", e.Table, ShapeTagKey, e.Tagged, e.Shape)
}

// StreamError is a table whose spk-stream tag names another stream.
type StreamError struct {
	Table, Kind, Tagged, Stream string
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("%s %q counts stream %q (its %s tag), not %q: two streams counted into one table lose counts, as their shard ids, and so the watermarks kept per shard, collide", e.Kind, e.Table, e.Tagged, StreamTagKey, e.Stream)
}

// mismatch is a *MismatchError when t's keys are not spec's, else nil.
func (s Spec) mismatch(t *types.TableDescription) *MismatchError {
	if diff := s.diff(t); len(diff) > 0 {
		return &MismatchError{Table: s.Name, Differences: diff}
	}
	return nil
}

// diff lists how a table's keys differ from the spec's, in words.
func (s Spec) diff(t *types.TableDescription) []string {
	typ := map[string]types.ScalarAttributeType{}
	for _, a := range t.AttributeDefinitions {
		typ[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	var hash, rng *KeyAttr
	for _, k := range t.KeySchema {
		ka := &KeyAttr{Name: aws.ToString(k.AttributeName), Type: typ[aws.ToString(k.AttributeName)]}
		if k.KeyType == types.KeyTypeHash {
			hash = ka
		} else {
			rng = ka
		}
	}
	var diff []string
	if hash == nil || *hash != s.Hash {
		diff = append(diff, fmt.Sprintf("hash key is %s, spk needs %s", describeKey(hash), s.Hash))
	}
	switch {
	case s.Range == nil && rng != nil:
		diff = append(diff, fmt.Sprintf("range key is %s, spk needs none", rng))
	case s.Range != nil && (rng == nil || *rng != *s.Range):
		diff = append(diff, fmt.Sprintf("range key is %s, spk needs %s", describeKey(rng), s.Range))
	}
	return diff
}

func describeKey(k *KeyAttr) string {
	if k == nil {
		return "missing"
	}
	return k.String()
}
