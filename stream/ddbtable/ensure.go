// Package ddbtable makes sure a DynamoDB table the consumer writes to exists
// with the key schema it needs and is ACTIVE, riding out transient errors
// and refusing, with a message that says how to fix it, a table that has
// other keys.
package ddbtable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/internal/retry"
)

// DynamoDB is the part of the DynamoDB API Ensure uses.
type DynamoDB interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Spec is a table to ensure.
type Spec struct {
	Kind string // "lease table" or "aggregate table", for messages
	// Create is the table as it is created (name, keys, billing).
	Create *dynamodb.CreateTableInput
	// Fix says how to get out of a schema mismatch, such as "choose
	// another app name (--app)".
	Fix string
}

// Check refuses an existing table with other keys, so a consumer can check
// every table before it creates any; a missing table is fine.
func Check(ctx context.Context, db DynamoDB, spec Spec, log *slog.Logger) error {
	name := aws.ToString(spec.Create.TableName)
	what := fmt.Sprintf("read %s %q", spec.Kind, name)
	var out *dynamodb.DescribeTableOutput
	err := retry.Do(ctx, retry.StartUp, log, what, func(ctx context.Context) error {
		var err error
		out, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		return err
	})
	switch {
	case retry.NotFound(err):
		return nil
	case err != nil:
		return explain(what, err)
	}
	return mismatch(spec, out.Table)
}

func mismatch(spec Spec, t *types.TableDescription) error {
	if diff := schemaDiff(spec.Create, t); diff != "" {
		return retry.Refuse(fmt.Errorf("%s %q exists with another key schema (%s): %s", spec.Kind, aws.ToString(spec.Create.TableName), diff, spec.Fix))
	}
	return nil
}

// Ensure creates the table when it is missing and waits until it is
// ACTIVE. Transient errors are retried with the start-up policy; a table
// with other keys is a permanent error that names the difference.
func Ensure(ctx context.Context, db DynamoDB, spec Spec, log *slog.Logger) error {
	name := aws.ToString(spec.Create.TableName)
	what := fmt.Sprintf("create %s %q", spec.Kind, name)
	err := retry.Do(ctx, retry.StartUp, log, what, func(ctx context.Context) error {
		_, err := db.CreateTable(ctx, spec.Create)
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return nil // it exists (or is being created by another worker): its keys are checked below
		}
		return err
	})
	if err != nil {
		return explain(what, err)
	}
	what = fmt.Sprintf("wait for %s %q to become ACTIVE", spec.Kind, name)
	delay := 50 * time.Millisecond
	for {
		var out *dynamodb.DescribeTableOutput
		err := retry.Do(ctx, retry.StartUp, log, what, func(ctx context.Context) error {
			var err error
			out, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
			return err
		})
		switch {
		case err == nil && out.Table != nil:
			if err := mismatch(spec, out.Table); err != nil {
				return err
			}
			if out.Table.TableStatus == types.TableStatusActive {
				return nil
			}
		case err != nil && !retry.NotFound(err):
			// Not found is a table still being created on some endpoints.
			return explain(what, err)
		}
		if err := retry.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		delay = min(2*delay, time.Second)
	}
}

func explain(what string, err error) error {
	if h := retry.Hint(err); h != "" {
		return fmt.Errorf("%s: %w; %s", what, err, h)
	}
	var g *retry.GaveUpError
	if errors.As(err, &g) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// schemaDiff says how the table's keys differ from the ones it would be
// created with, or "" when they are the same.
func schemaDiff(want *dynamodb.CreateTableInput, got *types.TableDescription) string {
	describe := func(keys []types.KeySchemaElement, attrs []types.AttributeDefinition) string {
		typ := map[string]types.ScalarAttributeType{}
		for _, a := range attrs {
			typ[aws.ToString(a.AttributeName)] = a.AttributeType
		}
		var parts []string
		for _, kt := range []types.KeyType{types.KeyTypeHash, types.KeyTypeRange} {
			for _, k := range keys {
				if k.KeyType == kt {
					n := aws.ToString(k.AttributeName)
					parts = append(parts, fmt.Sprintf("%s key %s (%s)", strings.ToLower(string(kt)), n, typ[n]))
				}
			}
		}
		return strings.Join(parts, ", ")
	}
	w, g := describe(want.KeySchema, want.AttributeDefinitions), describe(got.KeySchema, got.AttributeDefinitions)
	if w == g {
		return ""
	}
	return "it has " + g + "; spk needs " + w
}
