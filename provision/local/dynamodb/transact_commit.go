package dynamodb

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// commitTransaction runs the writes of a transaction (TransactWriteItems,
// ExecuteTransaction) under its ClientRequestToken, nil for none. A token
// used in the last ten minutes for the same request answers again without
// writing (replayed, with the memo the first run saved), for another
// request is refused. apply returns the transaction's failure, which
// commits nothing, or a storage error; like any commit it may run more than
// once, so it resets what it records. memo, called once apply succeeded,
// is what a replay is given back (the capacity the first run consumed).
func (s *Service) commitTransaction(clientToken *string, body []byte, apply func(tx *store.Tx) (failure, err error), memo func() []byte) (replayed bool, prior []byte, err error) {
	var token []byte
	var digest [32]byte
	if clientToken != nil {
		token = []byte(*clientToken)
		digest = canonicalDigest(body)
	}
	var failure error
	err = s.commit(func(tx *store.Tx) error {
		failure, prior = nil, nil
		now := s.env.Now()
		if token != nil {
			if prior, failure = seenToken(tx, token, digest, now); failure != nil {
				return nil
			}
		}
		var err error
		if failure, err = apply(tx); err != nil || failure != nil {
			return err
		}
		if token != nil {
			return saveToken(tx, token, digest, now, memo())
		}
		return nil
	})
	if err != nil {
		return false, nil, err
	}
	if failure == errAlreadyApplied {
		return true, prior, nil
	}
	return false, nil, failure
}

// tokenRecord is a saved token's digest and time; the memo follows.
const tokenRecord = 40

// seenToken reports a ClientRequestToken used in the last ten minutes:
// errAlreadyApplied for the same request, with its memo, a mismatch for
// another.
func seenToken(tx *store.Tx, token []byte, digest [32]byte, now time.Time) ([]byte, error) {
	prev := tx.Bucket(tokensBucket).Get(token)
	if len(prev) < tokenRecord {
		return nil, nil
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(prev[32:tokenRecord])))
	if now.Sub(at) >= tokenTTL {
		return nil, nil
	}
	if string(prev[:32]) != string(digest[:]) {
		return nil, &apiError{Type: "IdempotentParameterMismatchException", Msg: "The request uses the same client token as a previous, but non-identical request."}
	}
	return bytes.Clone(prev[tokenRecord:]), errAlreadyApplied
}

// forgetOldTokens removes the ClientRequestTokens older than tokenTTL: no
// retry can use them any more, and the SDKs give every transaction one, so
// kept they would grow the store by every transaction ever made. It runs
// inside a commit, with the stream maintenance.
func (s *Service) forgetOldTokens(tx *store.Tx) error {
	now := s.env.Now()
	b := tx.Bucket(tokensBucket)
	var old [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if len(v) < tokenRecord || now.Sub(time.Unix(0, int64(binary.BigEndian.Uint64(v[32:tokenRecord])))) >= tokenTTL {
			old = append(old, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// saveToken remembers a ClientRequestToken, its request and memo.
func saveToken(tx *store.Tx, token []byte, digest [32]byte, now time.Time, memo []byte) error {
	rec := make([]byte, tokenRecord, tokenRecord+len(memo))
	copy(rec, digest[:])
	binary.BigEndian.PutUint64(rec[32:], uint64(now.UnixNano()))
	return tx.Bucket(tokensBucket).Put(token, append(rec, memo...))
}
