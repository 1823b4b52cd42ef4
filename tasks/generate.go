package tasks

import (
	"context"
	"fmt"

	"github.com/spk-cli/spk/stream/generate"
)

// Generate is step 5 for spk generate-events: the producer runs until ctx
// ends or it has sent what it was asked to; sum receives its summary,
// failed or not, for the report after the steps.
func Generate(p *generate.Producer, stream string, sum *generate.Summary) Task {
	return Task{Step: StepGenerate, Name: "generate events into " + stream, Run: func(ctx context.Context, _ func(string)) (string, error) {
		s, err := p.Run(ctx)
		*sum = s
		return fmt.Sprintf("%d events acknowledged", s.Acknowledged), err
	}}
}
