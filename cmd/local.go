package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
)

type localOptions struct {
	inMemory                              bool
	createDelay, deleteDelay, updateDelay time.Duration
	enforceLimits                         bool
	shardLimit                            int
	faultRate                             float64
	faultSeed                             int64
	accessKey, secretKey                  string
}

func newLocalCmd(f *Factory) *cobra.Command {
	opts := &localOptions{}
	c := &cobra.Command{
		Use:   "local",
		Short: "Run the embedded Kinesis and DynamoDB endpoint in the foreground",
		Long: `Run spk's embedded endpoint until interrupted. It speaks the Kinesis Data
Streams and DynamoDB APIs on one address, so spk, the AWS CLI and any AWS SDK
work against it with dummy credentials. Data is kept in a durable store under
the data directory (--in-memory keeps nothing). Ctrl-C stops it gracefully:
in-flight requests finish and the store is synced.

A non-loopback --addr is refused unless --access-key and --secret-key are set;
then every request's SigV4 signature is verified. The secret key can also come
from the SPK_LOCAL_SECRET_KEY environment variable, which keeps it out of the
process list.`,
		Example: `  # Durable, on 127.0.0.1:4566, until Ctrl-C
  spk local                                   # runs until Ctrl-C

  # Keep nothing, and make streams and tables ACTIVE at once
  spk local --in-memory --create-delay 0s     # runs until Ctrl-C

  # AWS's shard limits, and 1% of requests failing
  spk local --in-memory --enforce-limits --fault-rate 0.01   # runs until Ctrl-C`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runLocal(c.Context(), f, c, opts)
		},
	}
	fl := c.Flags()
	fl.String("addr", "", "address to listen on (default 127.0.0.1:4566)")
	fl.String("data-dir", "", "data directory (default $XDG_DATA_HOME/spk/local)")
	fl.BoolVar(&opts.inMemory, "in-memory", false, "keep nothing on disk")
	fl.DurationVar(&opts.createDelay, "create-delay", local.DefaultDelay, "how long new streams and tables stay CREATING")
	fl.DurationVar(&opts.deleteDelay, "delete-delay", local.DefaultDelay, "how long deleted streams and tables stay DELETING")
	fl.DurationVar(&opts.updateDelay, "update-delay", local.DefaultDelay, "how long updated streams (resharding, mode, encryption) and tables stay UPDATING")
	fl.BoolVar(&opts.enforceLimits, "enforce-limits", false, "apply AWS's per-shard throughput limits")
	fl.IntVar(&opts.shardLimit, "shard-limit", 0, "Kinesis shards the account may have open across its streams (default AWS's quota for the region: 20000 in us-east-1, us-west-2 and eu-west-1, 1000 elsewhere)")
	fl.Float64Var(&opts.faultRate, "fault-rate", 0, "fail this fraction (0-1) of requests and PutRecords entries with the service's internal error (InternalFailure, InternalServerError)")
	fl.Int64Var(&opts.faultSeed, "fault-seed", 0, "seed for --fault-rate, for reproducible faults")
	fl.StringVar(&opts.accessKey, "access-key", "", "the only access key accepted; enables SigV4 verification")
	fl.StringVar(&opts.secretKey, "secret-key", "", "secret key for --access-key (or SPK_LOCAL_SECRET_KEY)")
	return c
}

func runLocal(ctx context.Context, f *Factory, c *cobra.Command, opts *localOptions) error {
	cfg, err := f.Config(c)
	if err != nil {
		return err
	}
	if !(opts.faultRate >= 0 && opts.faultRate <= 1) { // NaN too
		return usagef("give a fraction such as 0.01", "local: --fault-rate %v is outside 0..1", opts.faultRate)
	}
	for _, d := range []struct {
		flag  string
		delay time.Duration
	}{{"create-delay", opts.createDelay}, {"delete-delay", opts.deleteDelay}, {"update-delay", opts.updateDelay}} {
		if d.delay < 0 {
			return usagef("give 0 for none, or a duration such as 500ms", "local: --%s %v is negative", d.flag, d.delay)
		}
	}
	if c.Flags().Changed("shard-limit") && opts.shardLimit < 1 {
		return usagef("give a positive number of shards, e.g. --shard-limit 500", "local: --shard-limit %d is not positive", opts.shardLimit)
	}
	if opts.secretKey == "" {
		opts.secretKey, _ = f.lookupEnv("SPK_LOCAL_SECRET_KEY")
	}
	if (opts.accessKey == "") != (opts.secretKey == "") {
		return usagef("set both --access-key and --secret-key (or SPK_LOCAL_SECRET_KEY), or neither", "local: only one of the access key and the secret key is set")
	}
	addrSetting := settingName(cfg, "local.addr", "addr")
	if !isLoopback(cfg.Local.Addr) && opts.accessKey == "" {
		return usagef("", "local: %s %s is not loopback: anyone on the network could use the endpoint; bind 127.0.0.1, or set --access-key and --secret-key so every request's signature is verified", addrSetting, cfg.Local.Addr)
	}
	lo := local.DefaultOptions()
	lo.Addr = cfg.Local.Addr
	if cfg.Local.DataDir != "" {
		lo.DataDir = cfg.Local.DataDir
	}
	lo.InMemory = opts.inMemory
	undoDataDir := func() {}
	if !lo.InMemory {
		if undoDataDir, err = makeDataDir("local", lo.DataDir); err != nil {
			return err
		}
	}
	lo.CreateDelay, lo.DeleteDelay, lo.UpdateDelay = nonZeroDelay(opts.createDelay), nonZeroDelay(opts.deleteDelay), nonZeroDelay(opts.updateDelay)
	lo.EnforceLimits = opts.enforceLimits
	lo.ShardLimit = opts.shardLimit
	lo.FaultRate, lo.FaultSeed = opts.faultRate, opts.faultSeed
	lo.AccessKey, lo.SecretKey = opts.accessKey, opts.secretKey
	lo.Region = cfg.AWS.Region
	lo.Logger = f.Logger(cfg)
	lo.StartedBy = "spk local"

	local.TuneGC() // this process does nothing but serve
	srv, err := local.Start(ctx, lo)
	if err != nil {
		undoDataDir() // a data directory made for this start is not left behind
		if lerr := listenFailure("local", addrSetting, lo.Addr, "--addr", err); lerr != err {
			return lerr
		}
		if errors.Is(err, fs.ErrPermission) {
			return usagef("", "local: cannot open the store in %s: %s; give --data-dir a directory you can write, or use --in-memory", lo.DataDir, pathErrText(err))
		}
		return fmt.Errorf("local: %w", err)
	}
	printLocalBanner(f, srv.URL(), lo)
	<-ctx.Done()
	fmt.Fprintln(f.IO.ErrOut, "spk local: stopping: finishing in-flight requests and syncing the store")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), stopWait)
	defer cancel()
	line, err := stopOutcome(srv.Shutdown(shutdownCtx), lo.InMemory)
	fmt.Fprintln(f.IO.ErrOut, line)
	// Ctrl-C is how a foreground endpoint is meant to stop: a clean stop
	// is success, even with requests cut off at the end of the wait.
	return err
}

// stopWait is how long a stopping spk local waits for requests in flight.
const stopWait = 15 * time.Second

// stopOutcome words how a stop went, from Shutdown's error: requests still
// running when the wait ran out were cut off, which leaves the store clean;
// a store that did not close is the failure, which the next start recovers
// from. The user, who pressed Ctrl-C, would otherwise see only
// "interrupted".
func stopOutcome(err error, inMemory bool) (string, error) {
	closed := "the store was synced and closed"
	if inMemory {
		closed = "the in-memory store was dropped"
	}
	rest := withoutDeadline(err)
	switch {
	case err == nil:
		return "spk local: stopped", nil
	case rest == nil:
		return fmt.Sprintf("spk local: stopped: requests still running after %s were cut off (their clients get no answer); %s", stopWait, closed), nil
	case inMemory:
		return fmt.Sprintf("spk local: stopped, but did not stop cleanly: %v", rest), fmt.Errorf("local: stop: %w", rest)
	}
	return fmt.Sprintf("spk local: stopped, but the store did not close cleanly: %v; the next start recovers every acknowledged write from the write-ahead log", rest), fmt.Errorf("local: stop: %w", rest)
}

// withoutDeadline is err without the running out of the stop's wait, nil
// when nothing else went wrong.
func withoutDeadline(err error) error {
	var rest []error
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.DeadlineExceeded) {
			rest = append(rest, e)
		}
	}
	return errors.Join(rest...)
}

// nonZeroDelay maps an explicit 0 to "no delay": local.Options reads 0 as
// "the default" and a negative value as none.
func nonZeroDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func printLocalBanner(f *Factory, url string, lo local.Options) {
	w := f.IO.ErrOut
	where := "data in " + lo.DataDir
	if lo.InMemory {
		where = "in memory: nothing is kept"
	}
	fmt.Fprintf(w, "spk local: Kinesis and DynamoDB endpoint at %s (%s)\n", url, where)
	keyID, secret := "spk", "spk"
	if lo.AccessKey != "" {
		keyID, secret = lo.AccessKey, "<your secret key>"
	}
	fmt.Fprintf(w, `
Point the AWS CLI or an SDK at it:
  export AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s
  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s
  aws kinesis list-streams
  aws dynamodb list-tables
or add --endpoint-url %s to a single aws command. The AWS CLI v2 before
2.13 and v1 before 1.29 ignore AWS_ENDPOINT_URL: spk aws kinesis list-streams
works with any of them, and spk env prints these exports for your shell.
Health: %s%s  Metrics: %s%s (no credentials needed)

Press Ctrl-C to stop.
`, url, lo.Region, lo.Region, keyID, secret, url, url, local.HealthPath, url, local.MetricsPath)
}

// isLoopback reports whether a listen address is only reachable from this
// machine, as spk local requires without keys.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pathErrText is the reason of a file-system error without the path,
// which the message names already.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// makeDataDir makes the embedded endpoint's data directory (and its missing
// parents) before it starts: the store would make it too, but made here a
// path that cannot be a directory is a usage error that names the flag.
// undo removes what this call made, for a start that then fails, and only
// that: a directory another process made meanwhile (two starts racing on a
// new path) is not ours, and one another endpoint now holds is left alone.
func makeDataDir(verb, dir string) (undo func(), err error) {
	made, err := makeDirs(dir, 0o700)
	if err != nil {
		return func() {}, usagef("", "%s: cannot create the data directory %s: %s; give --data-dir a writable directory, or use --in-memory", verb, dir, pathErrText(err))
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return func() {}, usagef("", "%s: cannot create the data directory %s: %s; give --data-dir a writable directory, or use --in-memory", verb, dir, pathErrText(err))
	}
	return func() {
		for i := len(made) - 1; i >= 0; i-- {
			if made[i] == filepath.Clean(dir) {
				// Only spk local's own files, and only while no endpoint
				// holds them.
				provision.RemoveLocalData(made[i])
				continue
			}
			os.Remove(made[i]) // only when empty
		}
	}, nil
}
