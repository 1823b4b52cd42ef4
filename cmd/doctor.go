package cmd

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision"
)

type doctorOptions struct {
	output string
}

// errDoctorFound makes doctor exit 1 once its findings are printed.
var errDoctorFound = errors.New("doctor: found problems; each one above says how to fix it")

func newDoctorCmd(f *Factory) *cobra.Command {
	opts := &doctorOptions{}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, credentials, endpoint, permissions and clock (tutorial step 1)",
		Long: `Check what spk needs: the configuration file and effective values, the
credentials (STS GetCallerIdentity on AWS), whether the endpoint answers and
how fast, Kinesis and DynamoDB access, and the clock's skew against the
endpoint. Each problem comes with its fix; the exit status is 1 when there is one.`,
		Example: `  spk doctor
  spk doctor -o json

  # Check an AWS profile
  spk doctor --profile tutorial               # needs an AWS account`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, clients, err := f.Clients(c)
			if err != nil {
				return err
			}
			file := cfg.File
			if file == "" {
				file = "none (defaults, environment and flags only)"
			}
			checks := []provision.Check{
				{Name: "configuration", OK: true, Detail: fmt.Sprintf("file %s; app %s, stream %s, table %s", file, cfg.App, cfg.Stream.Name, cfg.Table.Name)},
				{Name: "target", OK: true, Detail: clients.Target.String()},
			}
			checks = append(checks, provision.Doctor(c.Context(), clients, cfg.Stream.Name, cfg.Table.Name)...)
			failed := false
			for _, ch := range checks {
				failed = failed || !ch.OK
			}
			if opts.output == "json" {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					OK     bool              `json:"ok"`
					Checks []provision.Check `json:"checks"`
				}{!failed, checks}); err != nil {
					return err
				}
			} else {
				for _, ch := range checks {
					mark := "ok  "
					if !ch.OK {
						mark = "FAIL"
					}
					fmt.Fprintf(f.IO.Out, "%s %-22s %s\n", mark, ch.Name, ch.Detail)
					if ch.Fix != "" && !ch.OK {
						fmt.Fprintf(f.IO.Out, "     %-22s fix: %s\n", "", ch.Fix)
					}
				}
			}
			if failed {
				return errDoctorFound
			}
			return nil
		},
	}
	outputFlag(c, &opts.output, "table", "table", "json")
	return c
}
