package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/profile"
)

type createProfileOptions struct {
	accessKeyID string
	output      string
	secretStdin bool
	force       bool
	local       bool
}

func newCreateProfileCmd(f *Factory) *cobra.Command {
	opts := &createProfileOptions{}
	c := &cobra.Command{
		Use:   "create-profile NAME",
		Short: "Write an AWS profile to ~/.aws/credentials and ~/.aws/config (tutorial step 2)",
		Long: `Write an AWS profile that spk, the AWS CLI and the SDKs share, as the
tutorial's "aws configure --profile" did. On a terminal it asks for the access
key id, the secret access key (not echoed), the region and the output format.
Otherwise it takes --access-key-id (or AWS_ACCESS_KEY_ID), the secret from
standard input with --secret-stdin (or AWS_SECRET_ACCESS_KEY), --region (the
global flag; default us-east-1) and --default-output (the AWS CLI's
"output" setting; --output is its deprecated old name).

The files are AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE when set. Every
other profile, comment and key in them is kept as it was; new files are
created 0600 in a 0700 directory. An existing profile is only replaced with
--force. The secret is never printed or logged.

--local writes a profile for the embedded endpoint (dummy keys and
endpoint_url), which the AWS CLI (v2.13 or newer) can use as well.`,
		Example: `  # A profile for the embedded endpoint
  spk create-profile local --local

  # On a terminal: asked for the keys, the region and the output format
  spk create-profile tutorial                 # needs a terminal

  # In a script: the keys from the environment
  AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY spk create-profile ci --region eu-west-1 --default-output json`,
		Args: oneArg("a profile NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			return runCreateProfile(f, c, args[0], opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.accessKeyID, "access-key-id", "", "AWS access key id")
	enumFlag(c, &opts.output, "default-output", "", "", "the profile's default output format for the AWS CLI: "+orList(cliOutputs), cliOutputs...)
	// --output was this flag's first name; it means spk's own output format
	// on every other verb, so it is kept only as a deprecated alias.
	fl.Var(&enumValue{p: &opts.output, allowed: cliOutputs}, "output", "")
	_ = fl.MarkHidden("output") // its note is spk's own, on spk's stderr
	fl.BoolVar(&opts.secretStdin, "secret-stdin", false, "read the secret access key from standard input")
	fl.BoolVar(&opts.force, "force", false, "replace the profile if it exists")
	fl.BoolVar(&opts.local, "local", false, "a profile for spk's embedded endpoint (dummy keys, endpoint_url)")
	return c
}

// cliOutputs are the AWS CLI's output formats.
var cliOutputs = []string{"json", "text", "table", "yaml", "yaml-stream"}

func runCreateProfile(f *Factory, c *cobra.Command, name string, opts *createProfileOptions) error {
	if c.Flags().Changed("output") {
		fmt.Fprintln(f.IO.ErrOut, "spk: note: create-profile --output is deprecated: use --default-output for the profile's AWS CLI output format")
	}
	cfg, err := f.Config(c)
	if err != nil {
		return err
	}
	files, err := profile.DefaultFiles(f.lookupEnv)
	if err != nil {
		return usagef("", "create-profile: %v", err)
	}
	// --region is the global flag: it sets the profile's default region.
	p := profile.Profile{Name: name, AccessKeyID: opts.accessKeyID, Output: opts.output}
	if cfg.Sources["aws.region"].Kind != config.FromDefault {
		p.Region = cfg.AWS.Region
	}
	// Refuse early, before asking for a secret that would not be written.
	if err := p.ValidateSettings(); err != nil {
		return usagef("", "create-profile: %v", err)
	}
	if !opts.force {
		if exists, err := profile.Exists(files, name); err != nil {
			return usagef("", "create-profile: %v; fix its permissions, or name other files with AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE", err)
		} else if exists {
			return profileExists(name, files)
		}
	}
	switch {
	case opts.local:
		p.AccessKeyID, p.SecretAccessKey = "spk", "spk"
		if p.Region == "" {
			p.Region = cfg.AWS.Region
		}
		p.EndpointURL = cfg.AWS.EndpointURL
		if p.EndpointURL == "" {
			p.EndpointURL = provision.EmbeddedEndpoint
		}
	case f.IO.IsStdinTTY() && !opts.secretStdin:
		if err := promptProfile(c.Context(), f, &p, cfg.AWS.Region); err != nil {
			return err
		}
	default:
		if p.AccessKeyID == "" {
			p.AccessKeyID, _ = f.lookupEnv("AWS_ACCESS_KEY_ID")
		}
		if opts.secretStdin {
			data, err := io.ReadAll(io.LimitReader(f.IO.In, 4096))
			if err != nil {
				return fmt.Errorf("create-profile: read the secret from standard input: %w", err)
			}
			p.SecretAccessKey = strings.TrimSpace(string(data))
		} else {
			p.SecretAccessKey, _ = f.lookupEnv("AWS_SECRET_ACCESS_KEY")
		}
		if p.Region == "" {
			p.Region = cfg.AWS.Region
		}
		if p.AccessKeyID == "" || p.SecretAccessKey == "" {
			return usagef("give --access-key-id (or AWS_ACCESS_KEY_ID) and the secret with --secret-stdin (or AWS_SECRET_ACCESS_KEY), or run on a terminal to be asked",
				"create-profile: no %s given and no terminal to ask on", missingWhat(p))
		}
	}
	rep, err := profile.Write(files, p, opts.force)
	if err != nil {
		if errors.Is(err, profile.ErrExists) {
			return profileExists(name, files)
		}
		return usagef("", "create-profile: %v", err)
	}
	for _, t := range rep.Tightened {
		fmt.Fprintf(f.IO.ErrOut, "spk: tightened %s from %04o to %04o: it holds secrets\n", tildePath(t.Path), t.From, t.To)
	}
	fmt.Fprintf(f.IO.ErrOut, "Wrote profile %s to %s and %s.\nUse it with: spk --profile %s …  (or: export AWS_PROFILE=%s)\n", name, files.Credentials, files.Config, name, name)
	return nil
}

func profileExists(name string, files profile.Files) error {
	return usagef("choose another name, or replace it with --force", "create-profile: profile %q already exists in %s or %s", name, files.Credentials, files.Config)
}

func missingWhat(p profile.Profile) string {
	switch {
	case p.AccessKeyID == "" && p.SecretAccessKey == "":
		return "access key id or secret access key"
	case p.AccessKeyID == "":
		return "access key id"
	}
	return "secret access key"
}

// promptProfile asks as `aws configure` does; the secret is not echoed.
// Ctrl-C at any question ends it with ctx's error, before anything is
// written.
func promptProfile(ctx context.Context, f *Factory, p *profile.Profile, defaultRegion string) error {
	ask := func(label, current string) (string, error) {
		shown := current
		if shown == "" {
			shown = "None"
		}
		line, err := f.IO.Prompt(ctx, fmt.Sprintf("%s [%s]: ", label, shown))
		if err != nil {
			return "", readError(ctx, strings.ToLower(label), err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return current, nil
		}
		return line, nil
	}
	var err error
	if p.AccessKeyID, err = ask("AWS Access Key ID", p.AccessKeyID); err != nil {
		return err
	}
	secret, err := f.IO.PromptSecret(ctx, "AWS Secret Access Key [None]: ")
	if err != nil {
		return readError(ctx, "the secret access key", err)
	}
	p.SecretAccessKey = strings.TrimSpace(secret)
	if p.Region == "" {
		p.Region = defaultRegion
	}
	if p.Region, err = ask("Default region name", p.Region); err != nil {
		return err
	}
	if p.Output, err = ask("Default output format", p.Output); err != nil {
		return err
	}
	if p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return usagef("run again and enter both keys", "create-profile: no %s entered", missingWhat(*p))
	}
	return nil
}

// readError is a failed answer to one of create-profile's questions; an
// interruption is left as it is, for spk to say so.
func readError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("create-profile: read %s: %w", what, err)
}

// tildePath shortens a path in the home directory to ~/..., as people write it.
func tildePath(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	if rel, err := filepath.Rel(home, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		return "~" + string(filepath.Separator) + rel
	}
	return path
}
