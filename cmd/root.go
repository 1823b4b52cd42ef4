// Package cmd holds spk's cobra commands. Each command is thin: its flags
// fill an options struct and its RunE calls one function in tasks/,
// provision/ or stream/.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/internal/version"
)

// Main runs spk on the real process and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), tui.StopSignals()...)
	defer stop()
	// The first Ctrl-C stops gracefully (flush, checkpoint, release); after
	// it the default handling is back, so a second one ends spk at once.
	// Not for SIGHUP: a closed terminal sends it twice (the shell, then the
	// kernel), and the second must not cut the graceful stop short.
	go func() {
		<-ctx.Done()
		signal.Ignore(syscall.SIGHUP) // first: once stop() lets go of it, a SIGHUP would be fatal
		stop()
	}()
	return Execute(ctx, NewSystemFactory(), os.Args[1:])
}

// Execute runs spk with args and returns the exit code. Tests call it with
// a Factory over fake streams.
func Execute(ctx context.Context, f *Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	c, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if isCobraUsageError(err) {
		err = &usageError{err: err, hint: helpHint(c)} // the help of the verb that was run
	}
	code := exitCode(ctx, err)
	if code == ExitInterrupted {
		fmt.Fprintln(f.IO.ErrOut, interruptedText)
		return code
	}
	printError(f.IO.ErrOut, err)
	return code
}

// isCobraUsageError recognises the argument errors cobra raises itself.
func isCobraUsageError(err error) bool {
	var ue *usageError
	if errors.As(err, &ue) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

// NewRootCmd builds the spk command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "spk",
		Short: "Real-time event counts with Kinesis and DynamoDB, on your laptop or on AWS",
		Long: `spk runs the classic streaming tutorial in one binary: events go into an
Amazon Kinesis stream, a consumer buckets them by minute and type, and the
counts land in an Amazon DynamoDB table.

By default everything talks to spk's embedded endpoint, which speaks the
Kinesis and DynamoDB APIs on 127.0.0.1:4566, so no AWS account is needed.
Select a profile (--profile, AWS_PROFILE) to use real AWS.`,
		Version:       version.Get().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate(version.Get().String() + "\n")
	root.SetFlagErrorFunc(flagError)

	pf := root.PersistentFlags()
	pf.String("config", "", "configuration file: spk.yaml or the tutorial's config.hocon.sample")
	pf.String("profile", "", "AWS profile; selects real AWS instead of the embedded endpoint")
	pf.String("region", "", "AWS region (default us-east-1)")
	pf.String("endpoint-url", "", "endpoint URL for Kinesis and DynamoDB (default http://127.0.0.1:4566)")
	pf.String("app", "", "application name, also the lease table name (default StreamingCountsApp)")
	pf.String("stream", "", "Kinesis stream name (default my-stream)")
	pf.String("table", "", "DynamoDB aggregate table name (default my-table)")
	pf.Bool("no-tui", false, "plain progress lines instead of the terminal dashboard")
	pf.Var(&enumValue{p: new(string), allowed: choicesOf("log_level")}, "log-level", "log level: debug, info, warn or error (default info)")

	root.AddCommand(
		newVersionCmd(f),
		newConfigCmd(f),
		newLocalCmd(f),
		newCreateProfileCmd(f),
		newCreateStreamCmd(f),
		newDescribeStreamCmd(f),
		newCreateTableCmd(f),
		newStatusCmd(f),
		newTeardownCmd(f),
		newDoctorCmd(f),
		newGenerateEventsCmd(f),
		newRunCmd(f),
		newShowCmd(f),
		newUpCmd(f),
		newEnvCmd(f),
		newAWSCmd(f),
	)
	registerCompletions(root, f)
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes a group of commands (spk config, spk
// completion) refuse a word that is none of its commands, as the root does:
// cobra would print the group's help and exit 0, so `spk completion bahs >
// file` wrote help text where a script belongs.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if !c.HasParent() || !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2 // cobra's own default
		}
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usagef(fmt.Sprintf("run '%s --help' for its commands", c.CommandPath()), "%s", msg)
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
}
