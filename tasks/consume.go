package tasks

import (
	"context"
	"fmt"

	"github.com/spk-cli/spk/stream/consume"
)

// Consume is step 7: it runs the consumer until ctx ends, or until its own
// Duration passes or, with UntilCaughtUp, it has read every shard to its
// tip. A consumer stopped by ctx has flushed, checkpointed and released its
// leases: that is success, not a failure. The note says what it did.
// spk run and spk up both count through this step.
func Consume(c *consume.Consumer, name, detail string) Task {
	return Task{Step: StepRun, Name: name, Detail: detail, Run: func(ctx context.Context, _ func(string)) (string, error) {
		err := c.Run(ctx)
		if err != nil && ctx.Err() != nil && !consume.LostWork(err) {
			err = nil // stopped on request: what was cut short is not a failure
		}
		return ConsumeNote(c), err
	}}
}

// ConsumeNote says what the consumer has done so far.
func ConsumeNote(c *consume.Consumer) string {
	s := c.Snapshot()
	return fmt.Sprintf("%d records read, %d rejected, %d rows written", s.RecordsIn, s.Rejected, s.RowsFlushed)
}
