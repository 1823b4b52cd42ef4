package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// KeyAttr is one key attribute of a table's schema.
type KeyAttr struct {
	Name string
	Type dtypes.ScalarAttributeType
}

func (k KeyAttr) String() string { return fmt.Sprintf("%s (%s)", k.Name, k.Type) }

// TableSpec is a table spk needs.
type TableSpec struct {
	Name  string
	Hash  KeyAttr
	Range *KeyAttr // nil for a hash-only table
	// Provisioned read and write capacity; nil means on-demand.
	Provisioned *Capacity
	App         string // written to the spk-app tag
	Kind        string // "aggregate table" or "lease table", for messages
}

// Capacity is provisioned throughput.
type Capacity struct{ Read, Write int64 }

// AggregateTable is the tutorial's table of counts: BucketStart (S) hash,
// EventType (S) range.
func AggregateTable(name, app string, provisioned *Capacity) TableSpec {
	return TableSpec{Name: name, Hash: KeyAttr{"BucketStart", dtypes.ScalarAttributeTypeS}, Range: &KeyAttr{"EventType", dtypes.ScalarAttributeTypeS},
		Provisioned: provisioned, App: app, Kind: "aggregate table"}
}

// LeaseTable is the consumer's lease and checkpoint table (tutorial step 8),
// named after the app, with the Kinesis Client Library's hash key.
func LeaseTable(app string) TableSpec {
	return TableSpec{Name: app, Hash: KeyAttr{"leaseKey", dtypes.ScalarAttributeTypeS}, App: app, Kind: "lease table"}
}

// SchemaMismatchError says how an existing table differs from what spk needs.
type SchemaMismatchError struct {
	Table       string
	Differences []string
}

func (e *SchemaMismatchError) Error() string {
	return fmt.Sprintf("table %q exists with another key schema: %s", e.Table, strings.Join(e.Differences, "; "))
}

// CreateTable makes sure the table exists with spec's key schema and is
// ACTIVE. An existing table with the same keys is success with a note; one
// with other keys is a *SchemaMismatchError naming the difference.
func CreateTable(ctx context.Context, db *dynamodb.Client, spec TableSpec, progress Progress) (Outcome, error) {
	op := fmt.Sprintf("create %s %q", spec.Kind, spec.Name)
	var out Outcome
	var existing *dynamodb.DescribeTableOutput
	err := retried(ctx, func(ctx context.Context) (err error) {
		existing, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(spec.Name)})
		return err
	})
	switch {
	case err == nil && existing.Table.TableStatus == dtypes.TableStatusDeleting:
		progress.say("table %s is being deleted; waiting for that to finish", spec.Name)
		if err := waitTableGone(ctx, db, spec.Name); err != nil {
			return out, &Error{Op: op, Err: err}
		}
		existing = nil
	case err == nil:
	case isNotFound(err):
		existing = nil
	default:
		return out, &Error{Op: op, Err: err}
	}
	if existing != nil {
		if diff := schemaDiff(spec, existing.Table); len(diff) > 0 {
			return out, &Error{Op: op, Err: &SchemaMismatchError{Table: spec.Name, Differences: diff},
				Hint: "choose another name (--table), or delete that table first if it is not needed"}
		}
		if existing.Table.TableStatus == dtypes.TableStatusActive {
			out.Note = "already exists with the right key schema and is ACTIVE"
			return out, nil
		}
	} else {
		in := &dynamodb.CreateTableInput{
			TableName:            aws.String(spec.Name),
			AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String(spec.Hash.Name), AttributeType: spec.Hash.Type}},
			KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String(spec.Hash.Name), KeyType: dtypes.KeyTypeHash}},
			BillingMode:          dtypes.BillingModePayPerRequest,
		}
		if spec.Range != nil {
			in.AttributeDefinitions = append(in.AttributeDefinitions, dtypes.AttributeDefinition{AttributeName: aws.String(spec.Range.Name), AttributeType: spec.Range.Type})
			in.KeySchema = append(in.KeySchema, dtypes.KeySchemaElement{AttributeName: aws.String(spec.Range.Name), KeyType: dtypes.KeyTypeRange})
		}
		if spec.Provisioned != nil {
			in.BillingMode = dtypes.BillingModeProvisioned
			in.ProvisionedThroughput = &dtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(spec.Provisioned.Read), WriteCapacityUnits: aws.Int64(spec.Provisioned.Write)}
		}
		if err := retried(ctx, func(ctx context.Context) error { _, err := db.CreateTable(ctx, in); return err }); err != nil {
			var inUse *dtypes.ResourceInUseException
			if !errors.As(err, &inUse) {
				return out, &Error{Op: op, Err: err}
			}
			// Created meanwhile by another spk: its schema is checked below.
		} else {
			out.Created = true
		}
	}
	progress.say("waiting for table %s to become ACTIVE", spec.Name)
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		waitDelays(db.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
	})
	var desc *dynamodb.DescribeTableOutput
	err = retried(ctx, func(ctx context.Context) (err error) {
		desc, err = w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(spec.Name)}, waitTimeout)
		return err
	})
	if err != nil {
		return out, &Error{Op: op, Err: fmt.Errorf("wait for ACTIVE: %w", err)}
	}
	if diff := schemaDiff(spec, desc.Table); len(diff) > 0 {
		return out, &Error{Op: op, Err: &SchemaMismatchError{Table: spec.Name, Differences: diff}}
	}
	if out.Created {
		err := retried(ctx, func(ctx context.Context) error {
			_, err := db.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: desc.Table.TableArn, Tags: []dtypes.Tag{{Key: aws.String(TagKey), Value: aws.String(spec.App)}}})
			return err
		})
		if err != nil {
			return out, &Error{Op: op, Err: fmt.Errorf("tag the table: %w", err)}
		}
	}
	return out, nil
}

// CreateTables is CreateTable for several tables at once (none needs
// another, and each waits out its own CREATING). It returns the first
// failure in the order of specs, once every table is done.
func CreateTables(ctx context.Context, db *dynamodb.Client, specs []TableSpec) error {
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = CreateTable(ctx, db, spec, nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// schemaDiff lists how a table's keys differ from spec's, in words.
func schemaDiff(spec TableSpec, t *dtypes.TableDescription) []string {
	types := map[string]dtypes.ScalarAttributeType{}
	for _, a := range t.AttributeDefinitions {
		types[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	var hash, rng *KeyAttr
	for _, k := range t.KeySchema {
		ka := &KeyAttr{Name: aws.ToString(k.AttributeName), Type: types[aws.ToString(k.AttributeName)]}
		if k.KeyType == dtypes.KeyTypeHash {
			hash = ka
		} else {
			rng = ka
		}
	}
	var diff []string
	if hash == nil || *hash != spec.Hash {
		diff = append(diff, fmt.Sprintf("hash key is %s, spk needs %s", describeKey(hash), spec.Hash))
	}
	switch {
	case spec.Range == nil && rng != nil:
		diff = append(diff, fmt.Sprintf("range key is %s, spk needs none", rng))
	case spec.Range != nil && (rng == nil || *rng != *spec.Range):
		diff = append(diff, fmt.Sprintf("range key is %s, spk needs %s", describeKey(rng), spec.Range))
	}
	return diff
}

func describeKey(k *KeyAttr) string {
	if k == nil {
		return "missing"
	}
	return k.String()
}

func waitTableGone(ctx context.Context, db *dynamodb.Client, name string) error {
	w := dynamodb.NewTableNotExistsWaiter(db, func(o *dynamodb.TableNotExistsWaiterOptions) {
		waitDelays(db.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
	})
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, waitTimeout)
}
