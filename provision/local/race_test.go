//go:build race

package local_test

// raceEnabled: the race detector's shadow memory roughly doubles a
// process's resident memory, which memory bounds allow for.
const raceEnabled = true
