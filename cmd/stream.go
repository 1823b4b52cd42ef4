package cmd

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/tasks"
)

type createStreamOptions struct {
	onDemand bool
	output   string
}

func newCreateStreamCmd(f *Factory) *cobra.Command {
	opts := &createStreamOptions{}
	c := &cobra.Command{
		Use:   "create-stream [NAME]",
		Short: "Create the Kinesis stream and wait until it is ACTIVE (tutorial step 3)",
		Long: `Create the Kinesis stream (default: the configured stream.name, my-stream)
and wait until it is ACTIVE. It is tagged spk-app=<app>. Running it again is
safe: an ACTIVE stream is reported and left alone, one still CREATING is waited for.`,
		Example: `  # my-stream, one shard, as the tutorial
  spk create-stream

  # Another stream with four shards; the result as JSON
  spk create-stream clicks --shards 4 -o json

  # On-demand capacity
  spk create-stream orders --on-demand`,
		Args: optionalArg("a stream NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, name, clients, err := connectNamed(f, c, "stream.name", args)
			if err != nil {
				return err
			}
			spec := provision.StreamSpec{Name: name, Shards: int32(cfg.Stream.Shards), OnDemand: opts.onDemand, App: cfg.App}
			notes, err := runSteps(c, f, tasks.CreateStream(clients, spec))
			if err != nil || opts.output != "json" {
				return err
			}
			note := notes[tasks.StepStream]
			return writeJSON(f, resourceResult{Stream: name, Status: "ACTIVE", Created: note == createdNote, Detail: note})
		},
	}
	outputFlag(c, &opts.output, "text", "text", "json")
	c.Flags().Int("shards", 1, "number of shards (the tutorial uses 1)")
	c.Flags().BoolVar(&opts.onDemand, "on-demand", false, "on-demand capacity mode instead of a fixed shard count")
	exclusiveFlags(c, "an on-demand stream sets its own number of shards; give --on-demand alone, or --shards for a fixed count", "shards", "on-demand")
	return c
}

type describeStreamOptions struct {
	output string
}

func newDescribeStreamCmd(f *Factory) *cobra.Command {
	opts := &describeStreamOptions{}
	c := &cobra.Command{
		Use:   "describe-stream [NAME]",
		Short: "Describe the Kinesis stream and its shards (tutorial step 3)",
		Long: `Describe the Kinesis stream with all its shards, as the tutorial's
describe_kinesis_stream did: JSON by default, or a table with --output table.`,
		Example: `  spk describe-stream
  spk describe-stream clicks -o table`,
		Args:              optionalArg("a stream NAME"),
		ValidArgsFunction: completeArgStream(f),
		RunE: func(c *cobra.Command, args []string) error {
			_, name, clients, err := connectNamed(f, c, "stream.name", args)
			if err != nil {
				return err
			}
			desc, err := provision.DescribeStream(c.Context(), clients.Kinesis, name)
			if err != nil {
				return err
			}
			if opts.output == "table" {
				return writeStreamTable(f, desc.StreamName, string(desc.StreamStatus), aws.ToString(desc.StreamARN), desc)
			}
			enc := json.NewEncoder(f.IO.Out)
			enc.SetIndent("", "    ")
			return enc.Encode(streamDescriptionJSON(desc))
		},
	}
	outputFlag(c, &opts.output, "json", "json", "table")
	return c
}

// The tutorial's describe_kinesis_stream output, field for field, plus the
// fields today's API adds; absent optional fields are left out.
type streamDescriptionOut struct {
	StreamDescription streamDescJSON `json:"StreamDescription"`
}

type streamDescJSON struct {
	StreamStatus            string          `json:"StreamStatus"`
	StreamName              string          `json:"StreamName"`
	StreamARN               string          `json:"StreamARN"`
	Shards                  []shardJSON     `json:"Shards"`
	HasMoreShards           bool            `json:"HasMoreShards"`
	RetentionPeriodHours    int32           `json:"RetentionPeriodHours"`
	StreamCreationTimestamp string          `json:"StreamCreationTimestamp,omitempty"`
	StreamModeDetails       *streamModeJSON `json:"StreamModeDetails,omitempty"`
	EncryptionType          string          `json:"EncryptionType,omitempty"`
}

type streamModeJSON struct {
	StreamMode string `json:"StreamMode"`
}

type shardJSON struct {
	ShardId               string       `json:"ShardId"`
	ParentShardId         string       `json:"ParentShardId,omitempty"`
	AdjacentParentShardId string       `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          hashKeyRange `json:"HashKeyRange"`
	SequenceNumberRange   seqRange     `json:"SequenceNumberRange"`
}

type hashKeyRange struct {
	EndingHashKey   string `json:"EndingHashKey"`
	StartingHashKey string `json:"StartingHashKey"`
}

type seqRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

func streamDescriptionJSON(d *ktypes.StreamDescription) streamDescriptionOut {
	out := streamDescJSON{
		StreamStatus:         string(d.StreamStatus),
		StreamName:           aws.ToString(d.StreamName),
		StreamARN:            aws.ToString(d.StreamARN),
		Shards:               []shardJSON{},
		HasMoreShards:        aws.ToBool(d.HasMoreShards),
		RetentionPeriodHours: aws.ToInt32(d.RetentionPeriodHours),
		EncryptionType:       string(d.EncryptionType),
	}
	if d.StreamCreationTimestamp != nil {
		out.StreamCreationTimestamp = d.StreamCreationTimestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	if d.StreamModeDetails != nil && d.StreamModeDetails.StreamMode != "" {
		out.StreamModeDetails = &streamModeJSON{StreamMode: string(d.StreamModeDetails.StreamMode)}
	}
	for _, s := range d.Shards {
		sj := shardJSON{ShardId: aws.ToString(s.ShardId), ParentShardId: aws.ToString(s.ParentShardId), AdjacentParentShardId: aws.ToString(s.AdjacentParentShardId)}
		if s.HashKeyRange != nil {
			sj.HashKeyRange = hashKeyRange{EndingHashKey: aws.ToString(s.HashKeyRange.EndingHashKey), StartingHashKey: aws.ToString(s.HashKeyRange.StartingHashKey)}
		}
		if s.SequenceNumberRange != nil {
			sj.SequenceNumberRange = seqRange{StartingSequenceNumber: aws.ToString(s.SequenceNumberRange.StartingSequenceNumber), EndingSequenceNumber: aws.ToString(s.SequenceNumberRange.EndingSequenceNumber)}
		}
		out.Shards = append(out.Shards, sj)
	}
	return streamDescriptionOut{StreamDescription: out}
}

func writeStreamTable(f *Factory, name *string, status, arn string, d *ktypes.StreamDescription) error {
	w := f.IO.Out
	fmt.Fprintf(w, "Stream:    %s\nStatus:    %s\nARN:       %s\nRetention: %d hours\n\n", aws.ToString(name), status, arn, aws.ToInt32(d.RetentionPeriodHours))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tSTATE\tPARENTS\tSTARTING HASH KEY\tENDING HASH KEY\tSTARTING SEQUENCE")
	for _, s := range d.Shards {
		state := "open"
		if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
			state = "closed"
		}
		parents := aws.ToString(s.ParentShardId)
		if s.AdjacentParentShardId != nil {
			parents += "," + aws.ToString(s.AdjacentParentShardId)
		}
		if parents == "" {
			parents = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(s.ShardId), state, parents,
			aws.ToString(s.HashKeyRange.StartingHashKey), aws.ToString(s.HashKeyRange.EndingHashKey), aws.ToString(s.SequenceNumberRange.StartingSequenceNumber))
	}
	return tw.Flush()
}
