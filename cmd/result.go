package cmd

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/tasks"
)

// runSteps runs tasks with their progress on stderr, a failed step told
// once (see stepSink), and returns each finished step's note.
func runSteps(c *cobra.Command, f *Factory, ts ...tasks.Task) (notes map[int]string, err error) {
	notes = map[int]string{}
	sink := stepSink(c.Context(), f.stepPrinter(false).OnEvent, false)
	err = tasks.Runner{OnEvent: func(e tasks.Event) {
		if e.State == tasks.Done {
			notes[e.Step] = e.Detail
		}
		sink(e)
	}}.Run(c.Context(), ts)
	return notes, err
}

// createdNote is the note of a create step that made its resource.
const createdNote = "created and ACTIVE"

// resourceResult is what create-stream and create-table print with
// --output json: one object, as every verb's JSON output is.
type resourceResult struct {
	Stream  string `json:"stream,omitempty"`
	Table   string `json:"table,omitempty"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
	Detail  string `json:"detail"`
}

// writeJSON prints v on stdout as one indented JSON document.
func writeJSON(f *Factory, v any) error {
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
