package kinesis

import (
	"crypto/md5"
	"encoding/binary"
	"math/big"
)

// hashKey is an unsigned 128-bit hash key.
type hashKey struct{ hi, lo uint64 }

var maxHashKey = hashKey{^uint64(0), ^uint64(0)}

func (a hashKey) cmp(b hashKey) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a hashKey) add1() hashKey {
	lo := a.lo + 1
	hi := a.hi
	if lo == 0 {
		hi++
	}
	return hashKey{hi, lo}
}

func (a hashKey) sub1() hashKey {
	lo := a.lo - 1
	hi := a.hi
	if a.lo == 0 {
		hi--
	}
	return hashKey{hi, lo}
}

// partitionHash is MD5(partitionKey) read as a big-endian unsigned integer.
func partitionHash(pk string) hashKey {
	sum := md5.Sum([]byte(pk))
	return hashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

func (a hashKey) big() *big.Int {
	b := new(big.Int).SetUint64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo))
}

func (a hashKey) String() string { return a.big().String() }

func hashKeyFromBig(b *big.Int) hashKey {
	var buf [16]byte
	b.FillBytes(buf[:])
	return hashKey{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])}
}

// parseHashKey parses a decimal hash key; ok is false when it is not a
// decimal in [0, 2^128-1].
func parseHashKey(s string) (hashKey, bool) {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok || b.Sign() < 0 || b.BitLen() > 128 {
		return hashKey{}, false
	}
	return hashKeyFromBig(b), true
}

// evenRanges splits the hash key space into n ranges: floor(2^128/n)*i …
// floor(2^128/n)*(i+1)-1, the last ending at 2^128-1.
func evenRanges(n int) [][2]hashKey {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	step := new(big.Int).Div(space, big.NewInt(int64(n)))
	out := make([][2]hashKey, n)
	for i := 0; i < n; i++ {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Add(start, step)
		end.Sub(end, big.NewInt(1))
		if i == n-1 {
			end.Sub(space, big.NewInt(1))
		}
		out[i] = [2]hashKey{hashKeyFromBig(start), hashKeyFromBig(end)}
	}
	return out
}
