package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

// confirmAWSCost shows what spk up creates on AWS and asks before going on.
func confirmAWSCost(ctx context.Context, f *Factory, cfg *config.Loaded, t provision.Target, yes bool, views []*view.View) error {
	w := f.IO.ErrOut
	fmt.Fprintf(w, `spk up will create, in AWS account of profile %s, region %s:
  - Kinesis stream %s with %d shard(s): billed per shard-hour and per PUT payload unit
  - DynamoDB table %s (on-demand): billed per request and per GB stored
  - DynamoDB table %s (on-demand, leases and checkpoints)
`, t.Profile, t.Region, cfg.Stream.Name, cfg.Stream.Shards, cfg.Table.Name, cfg.App)
	for _, table := range tasks.ViewTables(definitions(views), cfg.Table.Name) {
		fmt.Fprintf(w, "  - DynamoDB table %s (on-demand, a view's rows)\n", table)
	}
	if cfg.Run.Retrieval == "fanout" {
		fmt.Fprintf(w, "  - an enhanced fan-out consumer %s of the stream: billed per consumer-shard-hour and per GB read\n", cfg.App)
	}
	fmt.Fprintln(w, "These cost money while they exist. Delete them with: spk teardown (or use spk up --teardown).")
	if yes {
		return nil
	}
	if !f.IO.IsStdinTTY() || !f.IO.IsStderrTTY() {
		return usagef("pass --yes to create them", "up: not creating AWS resources without confirmation, and there is no terminal to ask on")
	}
	line, _ := f.IO.Prompt(ctx, "Create them? [y/N] ")
	if err := ctx.Err(); err != nil {
		return err // Ctrl-C answers at once, not after the next Enter
	}
	if line != "y" && line != "yes" && line != "Y" {
		return errors.New("up: cancelled; nothing was created")
	}
	return nil
}
