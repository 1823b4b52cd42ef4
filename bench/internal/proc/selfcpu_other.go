//go:build !unix

package proc

import "time"

// SelfCPU is 0 where there is no getrusage; the benchmarks then report no
// CPU figures for their clients.
func SelfCPU() time.Duration { return 0 }
