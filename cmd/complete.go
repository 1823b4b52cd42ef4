package cmd

import (
	"bufio"
	"context"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/profile"
	"github.com/spk-cli/spk/stream/generate"
)

const completionExamples = `  # bash (needs the bash-completion package)
  spk completion bash > ~/.local/share/bash-completion/completions/spk

  # zsh
  spk completion zsh > ~/.zfunc/_spk

  # fish
  spk completion fish > ~/.config/fish/completions/spk.fish`

// askTimeout bounds a completion that asks the endpoint for names: a shell
// waiting on Tab must not hang when the endpoint is down.
const askTimeout = 500 * time.Millisecond

// registerCompletions completes the values of the global flags, and gives
// cobra's completion command its examples.
func registerCompletions(root *cobra.Command, f *Factory) {
	// cobra's completion command keeps the writer it is made with.
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = completionExamples
			for _, shell := range c.Commands() {
				shell.Args = noArgs // worded as every verb's
			}
		}
	}
	completeWords(root, "log-level", choicesOf("log_level")...)
	_ = root.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return profileNames(f), cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("stream", completeStreamNames(f))
	_ = root.RegisterFlagCompletionFunc("table", completeTableNames(f))
	_ = root.RegisterFlagCompletionFunc("config", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "yml", "hocon", "conf", "sample"}, cobra.ShellCompDirectiveFilterFileExt
	})
	for _, flag := range []string{"region", "endpoint-url", "app"} {
		_ = root.RegisterFlagCompletionFunc(flag, cobra.NoFileCompletions)
	}
}

// profileNames lists the profiles of the shared files spk and the AWS CLI
// use; files that cannot be read give none.
func profileNames(f *Factory) []string {
	files, err := profile.DefaultFiles(f.lookupEnv)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, path := range []string{files.Credentials, files.Config} {
		file, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
				continue
			}
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			if path == files.Config {
				// ~/.aws/config names profiles "profile NAME", except default.
				if rest, ok := strings.CutPrefix(name, "profile "); ok {
					name = rest
				} else if name != "default" {
					continue // sso-session, services, ...
				}
			}
			if name != "" && !strings.Contains(name, " ") {
				seen[name] = true
			}
		}
		file.Close()
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completeStreamNames asks the endpoint for its streams, within askTimeout; when
// that fails nothing is offered and nothing is printed.
func completeStreamNames(f *Factory) completeFunc {
	return completeNames(f, func(ctx context.Context, clients *provision.Clients) (names []string) {
		in := &kinesis.ListStreamsInput{}
		for range 10 { // a few pages at most
			out, err := clients.Kinesis.ListStreams(ctx, in, noRetries[kinesis.Options])
			if err != nil {
				break
			}
			names = append(names, out.StreamNames...)
			if !aws.ToBool(out.HasMoreStreams) || out.NextToken == nil {
				break
			}
			in = &kinesis.ListStreamsInput{NextToken: out.NextToken}
		}
		return names
	})
}

// completeTableNames asks the endpoint for its tables, as completeStreamNames does.
func completeTableNames(f *Factory) completeFunc {
	return completeNames(f, func(ctx context.Context, clients *provision.Clients) (names []string) {
		in := &dynamodb.ListTablesInput{}
		for range 10 {
			out, err := clients.DynamoDB.ListTables(ctx, in, noRetries[dynamodb.Options])
			if err != nil {
				break
			}
			names = append(names, out.TableNames...)
			if out.LastEvaluatedTableName == nil {
				break
			}
			in = &dynamodb.ListTablesInput{ExclusiveStartTableName: out.LastEvaluatedTableName}
		}
		return names
	})
}

// completeNames offers what list finds at the endpoint within askTimeout;
// without clients, nothing.
func completeNames(f *Factory, list func(context.Context, *provision.Clients) []string) completeFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		_, clients, err := f.Clients(c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), askTimeout)
		defer cancel()
		return list(ctx, clients), cobra.ShellCompDirectiveNoFileComp
	}
}

// noRetries makes a completion's request fail at once: a retry would only
// spend the little time Tab has.
func noRetries[O interface {
	kinesis.Options | dynamodb.Options
}](o *O) {
	switch o := any(o).(type) {
	case *kinesis.Options:
		o.RetryMaxAttempts = 1
	case *dynamodb.Options:
		o.RetryMaxAttempts = 1
	}
}

// completeArgStream completes a verb's optional STREAM argument.
func completeArgStream(f *Factory) completeFunc {
	names := completeStreamNames(f)
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names(c, args, toComplete)
	}
}

// templateValue is --template: a built-in template's name in any case, or
// a file path kept as given.
type templateValue struct{ p *string }

func (t *templateValue) String() string { return *t.p }
func (t *templateValue) Type() string   { return "string" }
func (t *templateValue) Set(s string) error {
	if v, ok := canonicalEnum(s, generate.Builtins()); ok {
		s = v
	}
	*t.p = s
	return nil
}

// completeTemplates offers the built-in templates, then files.
func completeTemplates(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return generate.Builtins(), cobra.ShellCompDirectiveDefault
}

// completeViews offers the names of the views spk show can read.
func completeViews(f *Factory) completeFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		cfg, err := f.Config(c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		views, err := resolveViews(cfg)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, len(views))
		for i, v := range views {
			names[i] = v.Name()
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
