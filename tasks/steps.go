package tasks

import (
	"context"
	"fmt"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/lease"
)

// The tutorial's step numbers.
const (
	StepProfile    = 2
	StepStream     = 3
	StepTable      = 4
	StepGenerate   = 5
	StepBuildSpark = 6
	StepRun        = 7
	StepLeaseTable = 8
	StepShow       = 9
	StepTeardown   = 10
)

// CreateStream is step 3: the Kinesis stream, ACTIVE and tagged.
func CreateStream(c *provision.Clients, spec provision.StreamSpec) Task {
	return Task{Step: StepStream, Name: "create stream " + spec.Name, Run: func(ctx context.Context, progress func(string)) (string, error) {
		out, err := provision.CreateStream(ctx, c.Kinesis, spec, progress)
		return noteOf(out, createdNote), err
	}}
}

// CreateTable is step 4: the aggregate table, ACTIVE and tagged.
func CreateTable(c *provision.Clients, spec provision.TableSpec) Task {
	return Task{Step: StepTable, Name: "create table " + spec.Name, Run: func(ctx context.Context, progress func(string)) (string, error) {
		out, err := provision.CreateTable(ctx, c.DynamoDB, spec, progress)
		return noteOf(out, createdNote), err
	}}
}

// createdNote is a create step's note when the step made its resource.
const createdNote = "created and ACTIVE"

// CreateLeaseTable is step 8's table: where the consumer keeps leases and
// checkpoints, named after the app.
func CreateLeaseTable(c *provision.Clients, app string) Task {
	spec := lease.TableSpec(app)
	return Task{Step: StepLeaseTable, Name: "create lease table " + app, Run: func(ctx context.Context, progress func(string)) (string, error) {
		out, err := provision.CreateTable(ctx, c.DynamoDB, spec, progress)
		return noteOf(out, createdNote), err
	}}
}

// BuildSpark is step 6, which spk does not need.
func BuildSpark() Task {
	return Task{Step: StepBuildSpark, Name: "build Spark with Kinesis support",
		SkipReason: "not needed: spk's consumer is built in (the tutorial's build took 90 minutes)"}
}

func noteOf(o provision.Outcome, created string) string {
	if o.Created {
		return created
	}
	if o.Note != "" {
		return o.Note
	}
	return "ready"
}

// Teardown is step 10: it deletes what the plan marks and reports each fate.
func Teardown(c *provision.Clients, plan []provision.PlanItem) Task {
	return Task{Step: StepTeardown, Name: "tear down", Run: func(ctx context.Context, progress func(string)) (string, error) {
		err := provision.Teardown(ctx, c, plan, progress)
		deleted := 0
		for _, p := range plan {
			if p.Fate == provision.FateDeleted {
				deleted++
			}
		}
		return fmt.Sprintf("%d deleted", deleted), err
	}}
}
