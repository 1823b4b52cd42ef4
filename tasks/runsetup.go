package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/spk-cli/spk/provision"
)

// ReachEndpoint is step 2 for a verb that does not start the endpoint: it
// fails fast, with a hint, when nothing answers there.
func ReachEndpoint(c *provision.Clients) Task {
	return Task{Step: StepProfile, Name: "reach the endpoint", Run: func(ctx context.Context, _ func(string)) (string, error) {
		return "reachable", c.CheckReachable(ctx)
	}}
}

// RequireStream is step 3 for a verb that reads the stream but does not
// create it: it fails, with how to create it, when the stream is missing.
func RequireStream(c *provision.Clients, name string) Task {
	return Task{Step: StepStream, Name: "require stream " + name, Run: func(ctx context.Context, _ func(string)) (string, error) {
		return "exists", provision.RequireStream(ctx, c.Kinesis, name)
	}}
}

// CreateTables is steps 4 and 8 at once: the aggregate, view and lease
// tables, every one read before any is created, so a table with other keys
// refuses the lot and leaves nothing half-made.
func CreateTables(c *provision.Clients, specs []provision.TableSpec) Task {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return Task{Step: StepTable, Name: "create tables " + strings.Join(names, ", "), Run: func(ctx context.Context, _ func(string)) (string, error) {
		if err := provision.CreateTables(ctx, c.DynamoDB, specs); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d ready", len(specs)), nil
	}}
}

// RunSetup is what spk run needs before it counts: the endpoint answers,
// the stream exists, the checks pass (before anything is created), and its
// tables (lease table last) are ACTIVE.
func RunSetup(c *provision.Clients, stream string, tables []provision.TableSpec, checks ...Task) []Task {
	steps := []Task{ReachEndpoint(c), RequireStream(c, stream)}
	steps = append(steps, checks...)
	return append(steps, CreateTables(c, tables))
}
