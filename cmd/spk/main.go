// Command spk runs the Kinesis-to-DynamoDB streaming tutorial in one binary.
package main

import (
	"os"

	"github.com/spk-cli/spk/cmd"
)

func main() {
	os.Exit(cmd.Main())
}
