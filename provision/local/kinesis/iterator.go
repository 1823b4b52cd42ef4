package kinesis

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
)

// A shard iterator is self-contained and authenticated, so the server keeps
// no state per iterator: iterators are reusable, survive restarts (the key
// is kept in the store) and expire by their issue time alone.
type iterator struct {
	streamCreatedMs int64
	issuedMs        int64
	nonce           uint64
	shard           int
	pos             uint64 // first counter to return
	stream          string
}

const (
	iteratorVersion = 1
	iteratorMACLen  = 16
	// iteratorLifetimeMs is how long an iterator stays valid (AWS: 5 minutes).
	iteratorLifetimeMs = 300_000
)

var errBadIterator = errors.New("invalid shard iterator")

func encodeIterator(key []byte, it iterator) string {
	buf := make([]byte, 0, 64+len(it.stream))
	buf = append(buf, iteratorVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(it.streamCreatedMs))
	buf = binary.BigEndian.AppendUint64(buf, uint64(it.issuedMs))
	buf = binary.BigEndian.AppendUint64(buf, it.nonce)
	buf = binary.BigEndian.AppendUint32(buf, uint32(it.shard))
	buf = binary.BigEndian.AppendUint64(buf, it.pos)
	buf = append(buf, byte(len(it.stream)))
	buf = append(buf, it.stream...)
	m := hmac.New(sha256.New, key)
	m.Write(buf)
	buf = m.Sum(buf)[:len(buf)+iteratorMACLen]
	return base64.StdEncoding.EncodeToString(buf)
}

func decodeIterator(key []byte, s string) (iterator, error) {
	// AWS accepts iterators wrapped in quotes.
	s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	buf, err := base64.StdEncoding.DecodeString(s)
	const fixed = 1 + 8 + 8 + 8 + 4 + 8 + 1
	if err != nil || len(buf) < fixed+iteratorMACLen || buf[0] != iteratorVersion {
		return iterator{}, errBadIterator
	}
	body, mac := buf[:len(buf)-iteratorMACLen], buf[len(buf)-iteratorMACLen:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil)[:iteratorMACLen], mac) {
		return iterator{}, errBadIterator
	}
	it := iterator{
		streamCreatedMs: int64(binary.BigEndian.Uint64(body[1:])),
		issuedMs:        int64(binary.BigEndian.Uint64(body[9:])),
		nonce:           binary.BigEndian.Uint64(body[17:]),
		shard:           int(binary.BigEndian.Uint32(body[25:])),
		pos:             binary.BigEndian.Uint64(body[29:]),
	}
	n := int(body[37])
	if len(body) != fixed+n {
		return iterator{}, errBadIterator
	}
	it.stream = string(body[38:])
	return it, nil
}
