package kinesis

import (
	"github.com/spk-cli/spk/provision/local/store"
)

// updateMeta applies change to a live stream's metadata and persists it.
func (s *Service) updateMeta(st *stream, change func() *apiError) (any, *apiError) {
	var apiErr *apiError
	err := s.updateStream(st, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(st.name)
			return nil
		}
		if apiErr = change(); apiErr != nil {
			return nil
		}
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		s.env.Log.Error("update stream", "stream", st.name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	return struct{}{}, nil
}

// --- Retention ---------------------------------------------------------

type retentionInput struct {
	streamRef
	RetentionPeriodHours *int64 `json:"RetentionPeriodHours"`
}

func (s *Service) increaseRetention(c codec, body []byte) (any, *apiError) {
	return s.changeRetention(c, body, true)
}

func (s *Service) decreaseRetention(c codec, body []byte) (any, *apiError) {
	return s.changeRetention(c, body, false)
}

func (s *Service) changeRetention(c codec, body []byte, increase bool) (any, *apiError) {
	var in retentionInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.RetentionPeriodHours != nil, "retentionPeriodHours")
	v.intRange(in.RetentionPeriodHours, "retentionPeriodHours", 1, 2147483647)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	h := int(*in.RetentionPeriodHours)
	return s.updateMeta(st, func() *apiError {
		if h < defaultRetentionHours {
			return clientErr("InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (%d hours) is too short.", h)
		}
		if h > maxRetentionHours {
			return clientErr("InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (%d hours) is too long.", h)
		}
		if st.meta.Status != statusActive {
			return s.streamNotActive(name, st.meta.Status)
		}
		cur := st.meta.RetentionHours
		if increase && h < cur {
			return clientErr("InvalidArgumentException", "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", h, name, cur)
		}
		if !increase && h > cur {
			return clientErr("InvalidArgumentException", "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", h, name, cur)
		}
		if h > cur {
			// What expired under the shorter period stays expired, though
			// the trimmer may not have deleted it yet.
			st.meta.ExpiredBeforeMs = st.meta.retentionCutoff(s.nowMs())
		}
		st.meta.RetentionHours = h
		return nil
	})
}
