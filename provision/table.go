package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/provision/ddbtable"
)

// TableSpec is a table spk needs. Each is defined beside the code that
// writes it: sink.TableSpec (the aggregate and view tables) and
// lease.TableSpec (the lease table).
type TableSpec = ddbtable.Spec

// CreateTable makes sure the table exists with spec's key schema and is
// ACTIVE (ddbtable.Ensure). An existing table with the same keys is success
// with a note; one with other keys is a *ddbtable.MismatchError naming the
// difference, with the spec's Fix as hint.
func CreateTable(ctx context.Context, db *dynamodb.Client, spec TableSpec, progress Progress) (Outcome, error) {
	outs, err := ddbtable.Ensure(ctx, db, []ddbtable.Spec{spec}, ddbtable.Options{Progress: progress})
	if len(outs) == 0 {
		return Outcome{}, err
	}
	return Outcome{Created: outs[0].Created, Note: outs[0].Note}, err
}

// CreateTables is CreateTable for several tables at once: a table with
// other keys is refused before any is created, and the others are then
// created and waited for together.
func CreateTables(ctx context.Context, db *dynamodb.Client, specs []TableSpec) error {
	_, err := ddbtable.Ensure(ctx, db, specs, ddbtable.Options{})
	return err
}

// Capacity is provisioned throughput.
type Capacity = ddbtable.Capacity
