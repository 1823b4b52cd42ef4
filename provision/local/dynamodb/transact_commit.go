package dynamodb

import (
	"encoding/binary"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// commitTransaction runs the writes of a transaction (TransactWriteItems,
// ExecuteTransaction) under its ClientRequestToken, nil for none. A token
// used in the last ten minutes for the same request answers again without
// writing (replayed), for another request is refused. apply returns the
// transaction's failure, which commits nothing, or a storage error; like
// any commit it may run more than once, so it resets what it records.
func (s *Service) commitTransaction(clientToken *string, body []byte, apply func(tx *store.Tx) (failure, err error)) (replayed bool, err error) {
	var token []byte
	var digest [32]byte
	if clientToken != nil {
		token = []byte(*clientToken)
		digest = canonicalDigest(body)
	}
	var failure error
	err = s.commit(func(tx *store.Tx) error {
		failure = nil
		now := s.env.Now()
		if token != nil {
			if failure = seenToken(tx, token, digest, now); failure != nil {
				return nil
			}
		}
		var err error
		if failure, err = apply(tx); err != nil || failure != nil {
			return err
		}
		if token != nil {
			return saveToken(tx, token, digest, now)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if failure == errAlreadyApplied {
		return true, nil
	}
	return false, failure
}

// seenToken reports a ClientRequestToken used in the last ten minutes:
// errAlreadyApplied for the same request, a mismatch for another.
func seenToken(tx *store.Tx, token []byte, digest [32]byte, now time.Time) error {
	prev := tx.Bucket(tokensBucket).Get(token)
	if len(prev) != 40 {
		return nil
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(prev[32:])))
	if now.Sub(at) >= tokenTTL {
		return nil
	}
	if string(prev[:32]) != string(digest[:]) {
		return &apiError{Type: "IdempotentParameterMismatchException", Msg: "The request uses the same client token as a previous, but non-identical request."}
	}
	return errAlreadyApplied
}

// saveToken remembers a ClientRequestToken and its request.
func saveToken(tx *store.Tx, token []byte, digest [32]byte, now time.Time) error {
	rec := make([]byte, 40)
	copy(rec, digest[:])
	binary.BigEndian.PutUint64(rec[32:], uint64(now.UnixNano()))
	return tx.Bucket(tokensBucket).Put(token, rec)
}
