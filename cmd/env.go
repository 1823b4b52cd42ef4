package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/internal/shellenv"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/awsenv"
)

type envOptions struct {
	shell string
	unset bool
}

func newEnvCmd(f *Factory) *cobra.Command {
	opts := &envOptions{}
	c := &cobra.Command{
		Use:   "env",
		Short: "Print the shell lines that point the AWS CLI and SDKs where spk points",
		Long: `Print the environment variables that point the AWS CLI and the AWS SDKs at
the endpoint spk uses (spk local's address by default, or the configured
endpoint URL), in your shell's syntax:

  eval "$(spk env)"                                      sh, bash, zsh
  spk env --shell fish | source                          fish
  spk env --shell powershell | Out-String | Invoke-Expression

It sets AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_KINESIS,
AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_REGION
and AWS_DEFAULT_REGION (the AWS CLI v1 reads only that one), and dummy keys
when spk itself signs with dummy keys. Keys from the environment or a profile
are never printed. The AWS CLI v2 before 2.13 (Debian 12 ships 2.9) and v1
before 1.29 ignore AWS_ENDPOINT_URL: use spk aws, or --endpoint-url.

When spk targets AWS through a profile there is nothing to set: spk env says
so in a comment and prints no command. --unset prints the lines that remove
the variables again (the keys only if they are the dummy ones).`,
		Example: `  # The lines for this shell; load them with eval, as above
  spk env

  # For fish, and the lines that undo them
  spk env --shell fish
  spk env --unset`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runEnv(c, f, opts)
		},
	}
	c.Flags().StringVar(&opts.shell, "shell", "", "shell syntax: "+shellenv.Names+" (default from $SHELL, else sh; powershell on Windows)")
	completeWords(c, "shell", "sh", "bash", "zsh", "fish", "powershell")
	c.Flags().BoolVar(&opts.unset, "unset", false, "print the lines that undo spk env")
	return c
}

func runEnv(c *cobra.Command, f *Factory, opts *envOptions) error {
	d, err := envDialect(f, opts.shell)
	if err != nil {
		return err
	}
	w := f.IO.Out
	if opts.unset {
		// The configuration is not read: a broken one must not stop the undo.
		return writeEnvUnset(w, d, f.lookupEnv)
	}
	cfg, clients, err := f.Clients(c)
	if err != nil {
		return err
	}
	plan, err := awsenv.For(c.Context(), cfg, clients)
	if err != nil {
		return fmt.Errorf("env: read the credentials: %w", err)
	}
	return writeEnv(w, d, plan)
}

// envDialect is --shell, or the dialect of $SHELL.
func envDialect(f *Factory, name string) (shellenv.Dialect, error) {
	if name == "" {
		sh, _ := f.lookupEnv("SHELL")
		return shellenv.Detect(sh), nil
	}
	d, ok := shellenv.Parse(name)
	if !ok {
		return "", usagef("use --shell "+shellenv.Names, "env: unknown shell %q", name)
	}
	return d, nil
}

// writeEnv prints the variables of plan, with comments saying what is not
// printed and why.
func writeEnv(w io.Writer, d shellenv.Dialect, plan awsenv.Plan) error {
	t := plan.Target
	var lines []string
	if plan.AllAWS() {
		lines = append(lines,
			d.Comment(fmt.Sprintf("spk env: spk targets %s: there is nothing to set; the AWS CLI and the SDKs reach AWS with the profile (aws --profile %s, or AWS_PROFILE=%s)", t, t.Profile, t.Profile)),
			d.Comment("Undo an earlier spk env with: "+d.Eval("spk env --unset")))
		return writeLines(w, lines)
	}
	lines = append(lines, d.Comment(fmt.Sprintf("spk env: point the AWS CLI and the AWS SDKs at %s, region %s", t, t.Region)))
	for _, v := range plan.Vars() {
		line, err := d.Set(v.Name, v.Value)
		if err != nil {
			return fmt.Errorf("env: %w", err)
		}
		lines = append(lines, line)
	}
	if note := keysNote(plan); note != "" {
		lines = append(lines, d.Comment(note))
	}
	example := plan.General
	if example == "" {
		example = t.KinesisEndpoint
	}
	lines = append(lines,
		d.Comment("The AWS CLI v2 before 2.13 (Debian 12 has 2.9) and v1 before 1.29 ignore AWS_ENDPOINT_URL: run spk aws ... instead, or add --endpoint-url "+example),
		d.Comment("Load with: "+d.Eval("spk env")+"   Undo with: "+d.Eval("spk env --unset")))
	return writeLines(w, lines)
}

// keysNote says where the keys come from when spk env does not print them.
func keysNote(plan awsenv.Plan) string {
	const kept = "; not printed"
	switch {
	case plan.Dummy():
		return ""
	case plan.Credentials == provision.CredsFromProfile:
		return fmt.Sprintf("Keys: spk signs with profile %s: use aws --profile %s (AWS_PROFILE=%s gives way to keys in the environment)%s", plan.Target.Profile, plan.Target.Profile, plan.Target.Profile, kept)
	case plan.Credentials == provision.CredsFromDefaultProfile:
		return "Keys: spk signs with the default profile's keys in " + plan.CredentialsFile + ", which the AWS CLI and the SDKs read too" + kept
	}
	return "Keys: spk signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment, which the AWS CLI and the SDKs read too" + kept
}

// writeEnvUnset prints the lines that remove what spk env sets. The keys
// are removed only when they are the dummy pair: real keys were the user's.
func writeEnvUnset(w io.Writer, d shellenv.Dialect, lookupEnv func(string) (string, bool)) error {
	lines := []string{d.Comment("spk env --unset: remove the variables spk env sets")}
	lines = append(lines, d.Unset(awsenv.Settable...)...)
	id, _ := lookupEnv(awsenv.AccessKeyID)
	secret, _ := lookupEnv(awsenv.SecretAccessKey)
	switch {
	case id == awsenv.DummyAccessKeyID && secret == awsenv.DummySecretAccessKey:
		lines = append(lines, d.Unset(awsenv.AccessKeyID, awsenv.SecretAccessKey)...)
	case id != "" || secret != "":
		lines = append(lines, d.Comment("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are kept: they are not spk's dummy keys"))
	}
	return writeLines(w, lines)
}

func writeLines(w io.Writer, lines []string) error {
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}
