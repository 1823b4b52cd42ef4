package cmd

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision/awsenv"
)

// ExitCommandNotFound is what spk aws exits with when there is no AWS CLI,
// as a shell does for a command it cannot find.
const ExitCommandNotFound = 127

const awsInstallHint = "install the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, or: apt install awscli, brew install awscli, pip install awscli), or put it on PATH"

func newAWSCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "aws [aws options] SERVICE OPERATION [options]",
		Short: "Run the AWS CLI against what spk targets (spk local by default)",
		Long: `Run the AWS CLI (aws on PATH) against what spk targets, as awslocal does for
LocalStack:

  spk aws kinesis list-streams
  spk aws dynamodb scan --table-name my-table

For an endpoint (spk local by default) it adds --endpoint-url (Kinesis's for
kinesis, DynamoDB's for dynamodb and dynamodbstreams) unless the command has
one, and sets the region and, when spk signs with dummy keys, the dummy keys
in the AWS CLI's environment. That works with every AWS CLI, including the
v2 before 2.13 and the v1, which ignore AWS_ENDPOINT_URL.

With a profile and no endpoint spk targets AWS: the command runs there with
the profile and region spk uses, and no --endpoint-url.

Everything after "aws" goes to the AWS CLI unparsed, except spk's --config,
--app, --stream, --table, --log-level and --no-tui before the service name,
which spk reads; --profile, --region and --endpoint-url mean the same to
both and are read by both. Standard input, output and error are the AWS
CLI's, and so is the exit status (127 when there is no AWS CLI). For the AWS
CLI's own help: spk aws help, spk aws kinesis help.`,
		Example: `  # The tutorial's stream and table, seen by the AWS CLI
  spk aws kinesis list-streams
  spk aws dynamodb list-tables`,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			return runAWS(c, f, args)
		},
	}
}

func runAWS(c *cobra.Command, f *Factory, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return c.Help()
	}
	awsArgs, err := takeSpkFlags(c, args)
	if err != nil {
		return err
	}
	if len(awsArgs) == 0 {
		return usagef("for example: spk aws kinesis list-streams", "aws: give the AWS CLI command to run")
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		return &exitError{err: &hinted{err: errors.New("aws: the AWS CLI (aws) is not on PATH"), hint: awsInstallHint}, code: ExitCommandNotFound}
	}
	cfg, clients, err := f.Clients(c)
	if err != nil {
		return err
	}
	plan, err := awsenv.For(c.Context(), cfg, clients)
	if err != nil {
		return fmt.Errorf("aws: read the credentials: %w", err)
	}
	if service := awsService(awsArgs); service != "" && !hasAWSOption(awsArgs, "--endpoint-url") {
		if e := plan.EndpointFor(service); e != "" {
			awsArgs = append([]string{"--endpoint-url", e}, awsArgs...)
		}
	}
	cmd := exec.Command(bin, awsArgs...)
	cmd.Env = plan.ChildEnv(os.Environ())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.IO.In, f.IO.Out, f.IO.ErrOut
	// An interrupt reaches the AWS CLI from the terminal too: spk waits for
	// it to finish rather than killing it.
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &exitError{code: childExitCode(exit.ProcessState)}
	}
	if err != nil {
		return fmt.Errorf("aws: run %s: %w", bin, err)
	}
	return nil
}

// childExitCode is a child's exit status, or 128+N for a child killed by
// signal N, as shells report it.
func childExitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if code := ps.ExitCode(); code > 0 {
		return code
	}
	return ExitFailure
}

// exitError exits with code. Without err it prints nothing: the child
// whose status it passes back has said what went wrong.
type exitError struct {
	err  error
	code int
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }
func (e *exitError) Silent() bool  { return e.err == nil }

// spkOnlyFlags are spk's global flags the AWS CLI does not have, which spk
// aws reads when they come before the service name; true when it takes a value.
var spkOnlyFlags = map[string]bool{"--config": true, "--app": true, "--stream": true, "--table": true, "--log-level": true, "--no-tui": false}

// sharedFlags mean the same to spk and to the AWS CLI: spk reads them
// wherever they are and leaves them for the AWS CLI.
var sharedFlags = []string{"--profile", "--region", "--endpoint-url"}

// awsValueOptions are the AWS CLI's global options that take a value, so
// that the service name can be told from an option's value.
var awsValueOptions = map[string]bool{"--profile": true, "--region": true, "--endpoint-url": true, "--output": true, "--query": true,
	"--color": true, "--ca-bundle": true, "--cli-read-timeout": true, "--cli-connect-timeout": true, "--cli-binary-format": true}

// takeSpkFlags sets spk's flags from args (cobra left them unparsed) and
// returns the arguments for the AWS CLI.
func takeSpkFlags(c *cobra.Command, args []string) ([]string, error) {
	fl := c.Flags()
	c.InheritedFlags() // merges the root's persistent flags into fl
	set := func(name, value string) error {
		if err := fl.Set(strings.TrimPrefix(name, "--"), value); err != nil {
			return usagef("run 'spk aws --help' for usage", "aws: invalid value %q for %s: %v", value, name, err)
		}
		return nil
	}
	var out []string
	leading := true
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		if leading && !strings.HasPrefix(a, "-") {
			leading = false
		}
		if takesValue, ok := spkOnlyFlags[name]; ok && leading {
			switch {
			case !takesValue && !hasValue:
				value = "true"
			case takesValue && !hasValue:
				if i+1 >= len(args) {
					return nil, usagef("run 'spk aws --help' for usage", "aws: flag needs an argument: %s", name)
				}
				i++
				value = args[i]
			}
			if err := set(name, value); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, a)
		if !strings.HasPrefix(a, "--") {
			continue
		}
		for _, s := range sharedFlags {
			if name != s {
				continue
			}
			if !hasValue {
				if i+1 >= len(args) {
					break // the AWS CLI says what is missing
				}
				i++
				value = args[i]
				out = append(out, value)
			}
			if err := set(name, value); err != nil {
				return nil, err
			}
		}
		if leading && !hasValue && awsValueOptions[name] && !slices.Contains(sharedFlags, name) && i+1 < len(args) {
			i++ // an option's value is not the service name
			out = append(out, args[i])
		}
	}
	return out, nil
}

// awsService is the AWS CLI command in args (its first word that is not an
// option or an option's value), "" when there is none.
func awsService(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a
		}
		if !strings.Contains(a, "=") && awsValueOptions[a] {
			i++
		}
	}
	return ""
}

// hasAWSOption reports whether args give the option, as --opt value or --opt=value.
func hasAWSOption(args []string, opt string) bool {
	for _, a := range args {
		if a == opt || strings.HasPrefix(a, opt+"=") {
			return true
		}
	}
	return false
}
